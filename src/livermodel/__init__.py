"""livermodel: a conceptual ODE model of liver damage and regeneration, with MSC and EV therapy.

The Python API mirrors the command line::

    from livermodel import simulate, Schedule, Hepatectomy
    result = simulate(species="rat", schedule=[Hepatectomy(at=0, fraction=0.7)], duration=336)
    result.metrics()["recovery_time_h"]

See ``docs/model.md`` for the equations and the parameter table, and ``docs/development.md``
for the package layout.  The names below are imported on first use (PEP 562), so that
``import livermodel.cli`` (and ``livermodel --help``) does not load numpy.
"""

from __future__ import annotations

import importlib

from livermodel.version import __version__

#: Public name -> (module, attribute) it comes from.
_PUBLIC: dict[str, tuple[str, str]] = {
    **{
        n: ("livermodel.errors", n)
        for n in ("LivermodelError", "ParameterError", "ScenarioError", "ScheduleError", "UnitError")
    },
    "METRICS": ("livermodel.metrics", "METRICS"),
    "compute_metrics": ("livermodel.metrics", "compute"),
    "STATES": ("livermodel.model.layout", "STATES"),
    "VARIABLES": ("livermodel.model.layout", "VARIABLES"),
    "PARAMETERS": ("livermodel.model.parameters", "PARAMETERS"),
    "SPECIES": ("livermodel.model.parameters", "SPECIES"),
    "resolve_parameters": ("livermodel.model.parameters", "resolve"),
    **{
        n: ("livermodel.model.schedule", n)
        for n in (
            "EV",
            "MSC",
            "NAC",
            "Acetaminophen",
            "Antidote",
            "Chronic",
            "Galactosamine",
            "Hepatectomy",
            "InflammatoryHit",
            "Schedule",
            "Toxin",
        )
    },
    **{
        n: ("livermodel.solve.simulate", n)
        for n in ("BatchResult", "Result", "SolverSettings", "simulate", "simulate_batch")
    },
}

__all__ = ["__version__", *_PUBLIC]


def __getattr__(name: str):
    try:
        module, attr = _PUBLIC[name]
    except KeyError:
        raise AttributeError(f"module 'livermodel' has no attribute '{name}'") from None
    value = getattr(importlib.import_module(module), attr)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_PUBLIC))
