"""Pieces of a batch that both integrators share: parameter dicts stacked into arrays, and the
schedule cut into segments between restart times with the boluses at each segment's start.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence

import numpy as np

from livermodel.model.schedule import Bolus


def _stack(parameter_sets: Sequence[Mapping[str, float]]) -> dict[str, np.ndarray]:
    """Parameter dicts as one array per parameter (a matrix built in one call, then split)."""
    names = list(parameter_sets[0].keys())
    table = np.array([[ps[k] for k in names] for ps in parameter_sets], dtype=float)
    columns = np.ascontiguousarray(table.T)  # each parameter contiguous over the runs
    return {k: columns[j] for j, k in enumerate(names)}


#: Breakpoints closer than this (hours) are merged: events that close act together.
MERGE_H = 1e-9


def _segments(schedules, duration):
    """Sorted restart times from 0 to ``duration``, with near-coincident times merged."""
    times = sorted({0.0, duration, *(t for s in schedules for t in s.breakpoints(duration))})
    merged = [times[0]]
    for t in times[1:]:
        if t - merged[-1] > MERGE_H:
            merged.append(t)
    if duration - merged[-1] <= MERGE_H:
        merged[-1] = duration
    return merged


def _boluses_by_segment(schedules, bps) -> list[list[tuple[int, Bolus]]]:
    """For each segment ``[bps[k], bps[k+1])``, the boluses ``(run, event)`` applied at its start.

    A bolus belongs to the segment whose start it lies at or after (less ``MERGE_H``: a bolus
    that close to a restart acts at it) and whose end it lies before (less ``MERGE_H``); boluses
    at or after the end of the run are not applied.  Within a segment they come run by run and,
    within a run, in time and listing order, so that boluses at the same time act in the order
    they are listed.
    """
    starts = [t - MERGE_H for t in bps[:-1]]
    out: list[list[tuple[int, Bolus]]] = [[] for _ in starts]
    for i, s in enumerate(schedules):
        for tb, ev in s.boluses():
            k = bisect.bisect_right(starts, tb) - 1
            if 0 <= k and tb < bps[k + 1] - MERGE_H:
                out[k].append((i, ev))
    return out
