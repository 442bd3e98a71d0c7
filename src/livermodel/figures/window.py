"""The time window of a figure: draw the first hours or days of a run, not all of it.

A window limits what a figure draws, never what is simulated: ``--window 48h`` on ``run`` still
simulates and saves the scenario's whole duration.  :func:`windowed` wraps a run (a
:class:`livermodel.solve.simulate.Result`, a saved run, anything the panels of
:mod:`livermodel.figures.panels` draw) in a view that ends at the window: its arrays stop there
(with the values at the window's end interpolated), its events are the ones inside, and a run
that fails only after the window says so (``failure_after_h``), so a figure can name it instead
of showing a liver that seems to survive.
"""

from __future__ import annotations

import math

import numpy as np

from livermodel.errors import LivermodelError
from livermodel.metrics import failure_time

#: Words that mean "no window, the whole run".
WHOLE_RUN = ("full", "all", "none")


def check_window(value, *, key: str = "--window") -> float | None:
    """A window in hours from ``48``, ``"48h"``, ``"2d"``, ``"1 wk"``; ``None`` for the whole run.

    A bare number is in hours; ``None``, ``"full"``, ``"all"`` and ``"none"`` mean the whole run.
    Raises :class:`LivermodelError` for anything that is not a positive time.
    """
    from livermodel.units import parse_quantity

    if value is None or (isinstance(value, str) and value.strip().lower() in WHOLE_RUN):
        return None
    given = value
    try:  # a bare number, also as text ("48"), is in hours
        value = float(value)
    except (TypeError, ValueError):
        pass
    hours = parse_quantity(value, "time", key=key)
    if not math.isfinite(hours) or hours <= 0:
        raise LivermodelError(
            "the time window must be longer than zero",
            key=key,
            expected="a positive time such as 24h, 48h or 2d (a bare number is "
            "in hours), or 'full' for the whole run",
            found=repr(given),
            suggestion="Give the length of time to draw from the start, e.g. --window 48h",
        )
    return float(hours)


class _Events:
    """A schedule seen through a window: only the events before its end."""

    def __init__(self, schedule, end_h: float):
        self._schedule, self._end = schedule, end_h

    def dose_times(self) -> list[tuple[float, str]]:
        return [(t, k) for t, k in self._schedule.dose_times() if float(t) < self._end]


class WindowedRun:
    """``run`` from time 0 to ``end_h`` hours, with the interface the figure panels use."""

    def __init__(self, run, end_h: float):
        self.run = run
        t = np.asarray(run.time_h, dtype=float)
        self._keep = int(np.searchsorted(t, end_h, side="left"))  # samples before the end
        self._end = float(end_h)
        self._t = np.append(t[: self._keep], end_h)
        self._full_t = t
        self.duration_h = float(end_h)
        self.parameters = run.parameters
        self.schedule = _Events(run.schedule, end_h)
        self.failure_after_h = None
        try:
            survival = run["survival_probability"]
        except (KeyError, IndexError):
            survival = None
        if survival is not None:
            t_fail = failure_time(t, survival)
            if t_fail is not None and t_fail > end_h:
                self.failure_after_h = float(t_fail)

    @property
    def time_h(self) -> np.ndarray:
        return self._t

    def __getitem__(self, name: str) -> np.ndarray:
        y = np.asarray(self.run[name], dtype=float)
        return np.append(y[: self._keep], np.interp(self._end, self._full_t, y))

    def __getattr__(self, name: str):  # name, info, metrics() ... of the run itself
        if name == "run":
            raise AttributeError(name)
        return getattr(self.run, name)


def windowed(runs, window_h: float | None) -> list:
    """``runs`` seen through a window of ``window_h`` hours (unchanged when ``None``, or when the
    window is at least as long as the longest run)."""
    runs = list(runs)
    if window_h is None or window_h >= max(float(r.duration_h) for r in runs):
        return runs
    return [WindowedRun(r, min(float(window_h), float(r.duration_h))) for r in runs]
