"""Compatibility name for sweeps: the study parts (:mod:`livermodel.studies.sweep`) and the sweep
folder (:mod:`livermodel.output.sweep`) under the one name the docs use
(``from livermodel.sweep import plan_sweep, run_sweep``)."""

from livermodel.output.sweep import (  # noqa: F401
    SweepResult,
    load_plan,
    load_trajectories,
    read_sweep,
    resume_sweep,
    run_sweep,
)
from livermodel.studies.sweep import *  # noqa: F401,F403
from livermodel.studies.sweep import __all__ as _study_names

__all__ = [
    *_study_names,
    "SweepResult",
    "load_plan",
    "load_trajectories",
    "read_sweep",
    "resume_sweep",
    "run_sweep",
]
