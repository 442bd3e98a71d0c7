"""livermodel: a conceptual ODE model of liver damage and regeneration, with MSC and EV therapy.

The Python API mirrors the command line::

    from livermodel import simulate, Schedule, Hepatectomy
    result = simulate(species="rat", schedule=[Hepatectomy(at=0, fraction=0.7)], duration=336)
    result.metrics()["recovery_time_h"]

See ``docs/model.md`` for the equations and the parameter table.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("livermodel")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"

from .errors import LivermodelError, ParameterError, ScenarioError, ScheduleError, UnitError
from .metrics import METRICS
from .metrics import compute as compute_metrics
from .model import STATES, VARIABLES
from .parameters import PARAMETERS, SPECIES
from .parameters import resolve as resolve_parameters
from .schedule import EV, MSC, Antidote, Chronic, Hepatectomy, InflammatoryHit, Schedule, Toxin
from .simulate import BatchResult, Result, SolverSettings, simulate, simulate_batch

__all__ = [
    "__version__", "LivermodelError", "ParameterError", "ScenarioError", "ScheduleError",
    "UnitError", "METRICS", "compute_metrics", "STATES", "VARIABLES", "PARAMETERS", "SPECIES",
    "resolve_parameters", "EV", "MSC", "Antidote", "Chronic", "Hepatectomy", "InflammatoryHit",
    "Schedule", "Toxin", "BatchResult", "Result", "SolverSettings", "simulate", "simulate_batch",
]
