"""The inputs of simulations: :class:`RunInputs`, and those of many points of a scenario at once
(:meth:`livermodel.scenario.Scenario.runs_inputs`, a sweep chunk's points)."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from livermodel.errors import LivermodelError
from livermodel.model.parameters import BY_NAME
from livermodel.model.schedule import Schedule
from livermodel.solve.simulate import SolverSettings


@dataclass(frozen=True)
class RunInputs:
    """The inputs of one simulation: see :meth:`Scenario.run_inputs`."""

    parameters: dict[str, float]
    schedule: Schedule
    duration_h: float
    output_step_h: float
    settings: SolverSettings
    initial: dict[str, float]


def runs_inputs(scenario, overrides: Iterable[Mapping[str, Any]]) -> list[RunInputs | LivermodelError]:
    """See :meth:`livermodel.scenario.Scenario.runs_inputs`."""
    out: list[RunInputs | LivermodelError] = []
    groups: dict[tuple, Any] = {}  # the scenario of a group, or its error
    for ov in overrides:
        values: dict[str, float] = {}
        rest = []
        for key, raw in ov.items():
            name = key[11:] if key.startswith("parameters.") else ""
            par = BY_NAME.get(name)
            if (
                par is not None
                and not name.endswith("_on")
                and raw.__class__ in (int, float)
                and math.isfinite(raw)
                and par.limits[0] <= raw <= par.limits[1]
            ):
                values[name] = float(raw)
            else:
                rest.append((key, raw))
        group: tuple = tuple(rest)
        try:
            hash(group)
        except TypeError:  # a list or mapping as a value: group by its text
            group = ("text", json.dumps(rest, sort_keys=True, default=str))
        try:
            base = groups.get(group)
            if base is None:
                base = groups[group] = scenario.with_overrides(dict(rest)) if rest else scenario
        except LivermodelError as err:
            base = groups[group] = err
        if isinstance(base, LivermodelError):
            out.append(base)
            continue
        parameters = dict(base.parameters, **values) if values else dict(base.parameters)
        out.append(
            RunInputs(
                parameters,
                base.schedule,
                base.duration_h,
                base.output_step_h,
                base.settings,
                base.initial,
            )
        )
    return out
