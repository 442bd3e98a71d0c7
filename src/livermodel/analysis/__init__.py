"""Compatibility name for the studies (:mod:`livermodel.studies`), their figures
(:mod:`livermodel.figures.studies`) and output folders (:mod:`livermodel.output.studies`):
``from livermodel.analysis import find_threshold, run_cohort, fit, ...`` keeps working."""

from livermodel.figures.fit import fit_figure
from livermodel.figures.studies import cohort_figure, sensitivity_figure, threshold_figure
from livermodel.output.studies import write_cohort, write_fit, write_sensitivity, write_threshold
from livermodel.studies.cohort import CohortResult, kaplan_meier, run_cohort, wilson_interval
from livermodel.studies.fit import FitData, FitResult, calibrated_scenario, fit, read_data
from livermodel.studies.sensitivity import (
    ModelEvaluator,
    Problem,
    SensitivityResult,
    morris,
    parameter_problem,
    sensitivity,
    sobol,
)
from livermodel.studies.threshold import ThresholdResult, find_threshold

__all__ = [
    "find_threshold",
    "ThresholdResult",
    "threshold_figure",
    "sensitivity",
    "morris",
    "sobol",
    "Problem",
    "ModelEvaluator",
    "parameter_problem",
    "SensitivityResult",
    "sensitivity_figure",
    "run_cohort",
    "CohortResult",
    "cohort_figure",
    "wilson_interval",
    "kaplan_meier",
    "fit",
    "FitData",
    "FitResult",
    "read_data",
    "fit_figure",
    "calibrated_scenario",
    "write_threshold",
    "write_sensitivity",
    "write_cohort",
    "write_fit",
]
