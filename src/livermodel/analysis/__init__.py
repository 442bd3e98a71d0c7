"""Analyses over the batched solver: tipping points, sensitivity, virtual cohorts, calibration.

Every analysis here is a loop over :func:`livermodel.simulate.simulate_batch` (never a second
solver), and each is one function call that the command line wraps:

=====================================  ===================================================
:func:`find_threshold`                 ``livermodel threshold``: the critical value of a key
:func:`sensitivity`                    ``livermodel sensitivity``: local, Morris, Sobol
:func:`run_cohort`                     ``livermodel cohort``: virtual animals or patients
:func:`fit`                            ``livermodel fit``: least-squares calibration to data
=====================================  ===================================================

``write_*`` functions write an output folder (JSON, CSV, figures, ``provenance.json`` last);
``*_figure`` functions return a matplotlib ``Figure``.  See ``docs/analyses.md``.
"""

from .cohort import CohortResult, cohort_figure, kaplan_meier, run_cohort, wilson_interval
from .fit import FitData, FitResult, calibrated_scenario, fit, fit_figure, read_data
from .output import write_cohort, write_fit, write_sensitivity, write_threshold
from .sensitivity import (
    ModelEvaluator,
    Problem,
    SensitivityResult,
    morris,
    parameter_problem,
    sensitivity,
    sensitivity_figure,
    sobol,
)
from .threshold import ThresholdResult, find_threshold, threshold_figure

__all__ = [
    "find_threshold", "ThresholdResult", "threshold_figure",
    "sensitivity", "morris", "sobol", "Problem", "ModelEvaluator", "parameter_problem",
    "SensitivityResult", "sensitivity_figure",
    "run_cohort", "CohortResult", "cohort_figure", "wilson_interval", "kaplan_meier",
    "fit", "FitData", "FitResult", "read_data", "fit_figure", "calibrated_scenario",
    "write_threshold", "write_sensitivity", "write_cohort", "write_fit",
]
