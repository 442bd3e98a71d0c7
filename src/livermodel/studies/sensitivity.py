"""Which parameters matter: local elasticities, and global Morris and Sobol indices.

Three methods, each in the stages *sample -> evaluate -> analyse* (after SALib):

``local``
    Normalised sensitivity coefficients (elasticities) at the scenario's parameter values:
    :math:`E_i = \\frac{\\partial y}{\\partial p_i} \\frac{p_i}{y}`, the per-cent change of the
    metric ``y`` per per-cent change of parameter :math:`p_i`, by central differences
    :math:`p_i (1 \\pm h)` (one-sided where a hard limit is in the way).  All ``2 D + 1`` runs go
    to one batched solve.  Parameters whose value is 0 have no elasticity and are skipped.
``morris``
    Elementary effects over the plausible ranges (Morris 1991, Technometrics 33:161, with the
    :math:`\\mu^*` of Campolongo et al. 2007, doi:10.1016/j.envsoft.2006.10.004): ``samples``
    trajectories of ``D + 1`` runs each on a 4-level grid.  :math:`\\mu^*` (mean absolute effect)
    ranks importance; :math:`\\sigma` large against :math:`\\mu^*` means interactions or
    non-linearity.  Effects are per unit of the *scaled* range (see below), so they compare across
    parameters.
``sobol``
    Variance-based first-order (:math:`S_1`) and total (:math:`S_T`) indices with bootstrap
    confidence intervals (Saltelli 2002, doi:10.1016/S0010-4655(02)00280-1; Saltelli et al. 2010,
    doi:10.1016/j.cpc.2009.09.018), from ``samples`` x (2 D + 2) runs of a scrambled Sobol
    sequence (``samples`` x (D + 2) without second-order indices).  :math:`S_1` is the share of the
    metric's variance due to the parameter alone, :math:`S_T` includes all its interactions.

Ranges are the *plausible ranges* of the parameter table (``livermodel params``).  A range that
spans a factor of 10 or more (and is positive) is sampled uniformly in :math:`\\log_{10}`, the
others uniformly.  SALib (``pip install "livermodel[analysis]"``) does the Morris and Sobol
sampling and analysis; every model evaluation goes through
:func:`livermodel.solve.simulate.simulate_batch`.

The evaluation is a function ``evaluate(X) -> y`` from an ``(n, D)`` array of points (in the
sampling space) to ``n`` metric values; :class:`ModelEvaluator` is the one for the model, and
:func:`morris` and :func:`sobol` take any such function, so a test function with known indices
(Ishigami) runs through exactly the same sampling and analysis code.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from livermodel.errors import LivermodelError, check_seed, count_text, did_you_mean
from livermodel.studies.common import check_metric, evaluate, metric_value

__all__ = [
    "Problem",
    "ModelEvaluator",
    "SensitivityResult",
    "parameter_problem",
    "default_parameters",
    "local_sensitivity",
    "morris",
    "sobol",
    "sensitivity",
    "METHODS",
    "require_salib",
]

METHODS = ("local", "morris", "sobol")
#: A positive range at least this wide (high / low) is sampled on a log scale.
LOG_RATIO = 10.0


def require_salib():
    """Import SALib, or raise a :class:`LivermodelError` that says how to install it."""
    try:
        import SALib  # noqa: F401
    except ImportError:
        raise LivermodelError(
            "Morris and Sobol analyses need SALib, which is not installed",
            suggestion='pip install "livermodel[analysis]"',
        ) from None


@dataclass(frozen=True)
class Problem:
    """The parameter space of a global analysis.

    ``names``; ``bounds`` per name, in the *sampling* space (:math:`\\log_{10}` of the value where
    ``log`` is true); ``log`` flags.  :meth:`values` maps sampled points back to values.
    """

    names: tuple[str, ...]
    bounds: tuple[tuple[float, float], ...]
    log: tuple[bool, ...]

    @property
    def d(self) -> int:
        return len(self.names)

    def salib(self) -> dict:
        return {"num_vars": self.d, "names": list(self.names), "bounds": [list(b) for b in self.bounds]}

    def values(self, X: np.ndarray) -> np.ndarray:
        X = np.asarray(X, dtype=float)
        return np.where(np.array(self.log), 10.0**X, X)

    def ranges(self) -> list[tuple[float, float]]:
        return [
            (10.0**lo, 10.0**hi) if lg else (lo, hi)
            for (lo, hi), lg in zip(self.bounds, self.log, strict=True)
        ]


def _check_names(names: Sequence[str]) -> list[str]:
    from livermodel.model.parameters import BY_NAME, NAMES

    out = []
    for n in names:
        n = n.strip()
        if not n:
            continue
        if n not in BY_NAME:
            raise LivermodelError(
                f"unknown parameter '{n}'",
                key="--params",
                expected="names from 'livermodel params', comma-separated",
                found=repr(n),
                suggestion=did_you_mean(n, NAMES),
            )
        if n in out:
            raise LivermodelError(f"parameter '{n}' is named twice", key="--params")
        out.append(n)
    if not out:
        raise LivermodelError(
            "no parameters given",
            key="--params",
            expected="comma-separated names such as death_rate,division_rate",
        )
    return out


def parameter_problem(names: Sequence[str]) -> Problem:
    """The :class:`Problem` for ``names`` over their plausible ranges (log-scaled when wide)."""
    from livermodel.model.parameters import BY_NAME

    names = _check_names(names)
    bounds, log = [], []
    for n in names:
        lo, hi = BY_NAME[n].bounds
        if not hi > lo:
            raise LivermodelError(
                f"parameter '{n}' has no range to sample", key="--params", found=f"{lo:g} to {hi:g}"
            )
        lg = lo > 0 and hi / lo >= LOG_RATIO
        bounds.append((math.log10(lo), math.log10(hi)) if lg else (lo, hi))
        log.append(lg)
    return Problem(tuple(names), tuple(bounds), tuple(log))


def default_parameters(scenario=None, method: str = "local") -> list[str]:
    """Parameters analysed when none are named: every row of the table except the on/off
    switches; for ``local`` also except those whose value is 0; for the global methods also
    except those of therapies the scenario does not give (MSC, EV rows without an MSC or EV
    dose; they cannot matter)."""
    from livermodel.model.parameters import PARAMETERS

    kinds = {k for _, k in scenario.schedule.dose_times()} if scenario is not None else set()
    out = []
    for p in PARAMETERS:
        if p.unit == "switch":
            continue
        if method == "local" and scenario is not None and scenario.parameters[p.name] == 0:
            continue
        if method != "local" and scenario is not None:
            if p.group == "msc" and "msc" not in kinds:
                continue
            if p.group == "ev" and not kinds & {"ev", "msc"}:
                continue
            if p.group == "effects" and not kinds & {"ev", "msc"}:
                continue
            if p.name == "antidote_clearance_boost" and "antidote" not in kinds:
                continue
            if p.group == "toxin" and "toxin" not in kinds:
                continue
        out.append(p.name)
    return out


class ModelEvaluator:
    """``evaluate(X) -> y`` for the model: set the parameters ``problem.names`` of ``scenario``
    to the values of each row of ``X`` (sampling space), simulate all rows in batches and return
    ``metric`` per row (see :func:`livermodel.studies.common.metric_value`)."""

    def __init__(self, scenario, problem: Problem, metric: str, *, progress=None):
        self.scenario = scenario
        self.problem = problem
        self.metric = check_metric(metric, numeric=True)
        self.progress = progress
        self.runs = 0
        self.failed = 0

    def parameter_sets(self, X: np.ndarray) -> list[dict]:
        values = self.problem.values(X)
        base = self.scenario.parameters
        return [{**base, **dict(zip(self.problem.names, map(float, row), strict=True))} for row in values]

    def __call__(self, X: np.ndarray) -> np.ndarray:
        sets = self.parameter_sets(X)
        step = (
            None
            if self.progress is None
            else (lambda done, total, before=self.runs: self.progress(before + done, before + total))
        )
        metrics = evaluate(self.scenario, sets, progress=step)
        self.runs += len(sets)
        self.failed += sum(1 for m in metrics if "solver_message" in m)
        return np.array([metric_value(m, self.metric, self.scenario.duration_h) for m in metrics])


@dataclass
class SensitivityResult:
    """The result of one analysis.

    ``rows`` holds one dict per parameter (``name`` and the method's indices: ``value``,
    ``elasticity``, ``scaled``, ``y_minus``, ``y_plus`` for local; ``mu``, ``mu_star``,
    ``mu_star_conf``, ``sigma`` for Morris; ``S1``, ``S1_conf``, ``ST``, ``ST_conf`` for Sobol),
    sorted by importance.  ``extra`` holds method-specific results (Sobol's ``S2``).
    """

    method: str
    metric: str
    rows: list[dict]
    runs: int
    baseline: float | None = None
    samples: int | None = None
    seed: int | None = None
    problem: Problem | None = None
    extra: dict = field(default_factory=dict)
    scenario: object = None
    failed_runs: int = 0

    def to_dict(self) -> dict:
        out = {
            "method": self.method,
            "metric": self.metric,
            "runs": self.runs,
            "failed_runs": self.failed_runs,
            "samples": self.samples,
            "seed": self.seed,
            "baseline": self.baseline,
            "scenario": getattr(self.scenario, "name", None),
            "scenario_sha256": getattr(self.scenario, "sha256", None),
            "parameters": self.rows,
        }
        if self.problem is not None:
            out["ranges"] = {
                n: {"low": r[0], "high": r[1], "scale": "log" if lg else "linear"}
                for n, r, lg in zip(self.problem.names, self.problem.ranges(), self.problem.log, strict=True)
            }
        out.update(self.extra)
        return out

    def column(self, name: str) -> np.ndarray:
        return np.array([np.nan if r.get(name) is None else r[name] for r in self.rows], dtype=float)


# --------------------------------------------------------------------------------------------
# local
# --------------------------------------------------------------------------------------------


def local_sensitivity(
    scenario, metric: str, params: Sequence[str] | None = None, *, step: float = 0.01, progress=None
) -> SensitivityResult:
    """Elasticities of ``metric`` to each of ``params`` at the scenario's values (one batch).

    ``step`` is the relative change ``h``.  Rows hold ``value``, ``elasticity`` (NaN where the
    metric is 0 at the scenario's values), ``scaled`` (the change of the metric per relative
    change of the parameter, :math:`p\\,\\partial y/\\partial p`, defined also where ``y = 0``),
    ``y_minus`` and ``y_plus``, sorted by ``|elasticity|``.
    """
    from livermodel.model.parameters import BY_NAME

    check_metric(metric, numeric=True)
    if not 0 < step < 0.5:
        raise LivermodelError("the relative step must lie in (0, 0.5)", key="--step", found=repr(step))
    names = _check_names(params) if params else default_parameters(scenario, "local")
    base = dict(scenario.parameters)
    sets = [base]
    plan = []
    for n in names:
        p = base[n]
        if p == 0:
            raise LivermodelError(
                f"parameter '{n}' is 0 in this scenario: it has no elasticity",
                key="--params",
                suggestion="Leave it out, or use --method morris",
            )
        lo, hi = BY_NAME[n].limits
        up, down = p * (1 + step), p * (1 - step)
        if p > 0:
            up, down = (p if up > hi else up), (p if down < lo else down)
        else:
            up, down = (p if up < lo else up), (p if down > hi else down)
        plan.append((n, p, down, up))
        sets += [{**base, n: down}, {**base, n: up}]
    metrics = evaluate(scenario, sets, progress=progress)
    horizon = scenario.duration_h
    y = [metric_value(m, metric, horizon) for m in metrics]
    y0 = y[0]
    rows = []
    for k, (n, p, down, up) in enumerate(plan):
        ym, yp = y[1 + 2 * k], y[2 + 2 * k]
        rel = (up - down) / p
        scaled = (yp - ym) / rel if rel != 0 else math.nan
        elasticity = scaled / y0 if (y0 != 0 and math.isfinite(y0)) else math.nan
        rows.append(
            {
                "name": n,
                "value": p,
                "elasticity": elasticity,
                "scaled": scaled,
                "y_minus": ym,
                "y_plus": yp,
                "p_minus": down,
                "p_plus": up,
            }
        )
    rows.sort(
        key=lambda r: (
            -abs(r["elasticity"])
            if math.isfinite(r["elasticity"])
            else -abs(r["scaled"])
            if math.isfinite(r["scaled"])
            else 0.0
        )
    )
    failed = sum(1 for m in metrics if "solver_message" in m)
    return SensitivityResult(
        "local",
        metric,
        rows,
        len(sets),
        baseline=y0,
        scenario=scenario,
        failed_runs=failed,
        extra={"step": step},
    )


# --------------------------------------------------------------------------------------------
# global
# --------------------------------------------------------------------------------------------


def _seed(seed) -> int:
    seed = check_seed(seed)
    if seed is None:
        return int(np.random.default_rng().integers(2**31 - 1))
    if isinstance(seed, np.random.Generator):
        return int(seed.integers(2**31 - 1))
    return int(seed)


def _finite(y: np.ndarray, evaluator) -> np.ndarray:
    bad = ~np.isfinite(y)
    if bad.any():
        raise LivermodelError(
            f"{int(bad.sum())} of {y.size} evaluations gave no value for the metric (a failed "
            f"solve, or a metric that is undefined for some runs)",
            suggestion="Choose a metric defined for every run (final_mass, nadir_mass, "
            "survival_probability, alt_peak_u_per_l, failed, recovery_time_h), or narrow the ranges",
        )
    return y


def morris(
    problem: Problem,
    evaluate_fn: Callable[[np.ndarray], np.ndarray],
    *,
    samples: int = 20,
    levels: int = 4,
    seed=None,
    conf_level: float = 0.95,
    resamples: int = 1000,
) -> SensitivityResult:
    """Morris elementary effects: ``samples`` trajectories (``samples`` x (D + 1) evaluations).

    Returns rows with ``mu``, ``mu_star``, ``mu_star_conf`` (half-width of the bootstrap
    interval) and ``sigma``, sorted by ``mu_star``.
    """
    require_salib()
    from SALib.analyze import morris as analyze
    from SALib.sample import morris as sample

    if samples < 2:
        raise LivermodelError("Morris needs at least 2 trajectories", key="--samples", found=str(samples))
    _check_runs(samples, len(problem.names) + 1)
    seed = _seed(seed)
    X = sample.sample(problem.salib(), samples, num_levels=levels, seed=seed)
    y = _finite(np.asarray(evaluate_fn(X), dtype=float), evaluate_fn)
    res = analyze.analyze(
        problem.salib(), X, y, num_resamples=resamples, conf_level=conf_level, num_levels=levels, seed=seed
    )
    rows: list[dict[str, Any]] = [
        {
            "name": n,
            "mu": float(res["mu"][i]),
            "mu_star": float(res["mu_star"][i]),
            "mu_star_conf": float(res["mu_star_conf"][i]),
            "sigma": float(res["sigma"][i]),
        }
        for i, n in enumerate(problem.names)
    ]
    rows.sort(key=lambda r: -r["mu_star"] if math.isfinite(r["mu_star"]) else 0.0)
    return SensitivityResult(
        "morris",
        getattr(evaluate_fn, "metric", ""),
        rows,
        int(len(y)),
        samples=samples,
        seed=seed,
        problem=problem,
        extra={"levels": levels, "conf_level": conf_level},
    )


#: The most model runs one sensitivity analysis may ask for (bounded work, checked up front).
MAX_RUNS = 1_000_000


def _check_runs(samples: int, per_sample: int) -> None:
    """Refuse ``samples`` whose ``samples x per_sample`` runs exceed :data:`MAX_RUNS`."""
    if samples * per_sample > MAX_RUNS:
        raise LivermodelError(
            f"--samples {count_text(samples)} would need {per_sample} runs each; "
            f"at most {MAX_RUNS:,} runs are allowed",
            key="--samples",
            expected=f"a sample count giving at most {MAX_RUNS:,} runs",
            found=count_text(samples),
            suggestion="Morris with 20 trajectories or Sobol with 256 base samples is usually enough",
        )


def sobol(
    problem: Problem,
    evaluate_fn: Callable[[np.ndarray], np.ndarray],
    *,
    samples: int = 256,
    seed=None,
    second_order: bool = True,
    conf_level: float = 0.95,
    resamples: int = 200,
) -> SensitivityResult:
    """Sobol indices from ``samples`` x (2 D + 2) evaluations (x (D + 2) without second order).

    ``samples`` must be a power of 2 (the balance of the Sobol sequence).  Returns rows with
    ``S1``, ``S1_conf``, ``ST``, ``ST_conf`` (half-widths of the ``conf_level`` bootstrap
    intervals), sorted by ``ST``; with ``second_order`` also ``extra["S2"]`` (matrix).
    """
    require_salib()
    from SALib.analyze import sobol as analyze
    from SALib.sample import sobol as sample

    if samples < 2 or samples & (samples - 1):
        raise LivermodelError(
            "Sobol needs a power of 2 as the number of base samples",
            key="--samples",
            found=str(samples),
            expected="e.g. 64, 256, 1024",
            suggestion=f"Use --samples {1 << max(1, int(samples).bit_length())}" if samples > 0 else None,
        )
    d = len(problem.names)
    _check_runs(samples, 2 * d + 2 if second_order else d + 2)
    seed = _seed(seed)
    X = sample.sample(problem.salib(), samples, calc_second_order=second_order, seed=seed)
    y = _finite(np.asarray(evaluate_fn(X), dtype=float), evaluate_fn)
    if np.ptp(y) == 0:
        raise LivermodelError(
            "the metric has the same value in every run: no variance to share out",
            suggestion="Choose another metric or wider parameters",
        )
    res = analyze.analyze(
        problem.salib(),
        y,
        calc_second_order=second_order,
        num_resamples=resamples,
        conf_level=conf_level,
        seed=seed,
    )
    rows: list[dict[str, Any]] = [
        {
            "name": n,
            "S1": float(res["S1"][i]),
            "S1_conf": float(res["S1_conf"][i]),
            "ST": float(res["ST"][i]),
            "ST_conf": float(res["ST_conf"][i]),
        }
        for i, n in enumerate(problem.names)
    ]
    rows.sort(key=lambda r: -r["ST"] if math.isfinite(r["ST"]) else 0.0)
    extra: dict[str, Any] = {
        "second_order": second_order,
        "conf_level": conf_level,
        "resamples": resamples,
        "variance": float(np.var(y)),
        "mean": float(np.mean(y)),
    }
    if second_order:
        extra["S2"] = {"names": list(problem.names), "S2": res["S2"], "S2_conf": res["S2_conf"]}
    return SensitivityResult(
        "sobol",
        getattr(evaluate_fn, "metric", ""),
        rows,
        int(len(y)),
        samples=samples,
        seed=seed,
        problem=problem,
        extra=extra,
    )


def sensitivity(
    scenario,
    metric: str,
    *,
    method: str = "local",
    params: Sequence[str] | None = None,
    samples: int | None = None,
    seed=None,
    step: float = 0.01,
    second_order: bool = True,
    progress=None,
) -> SensitivityResult:
    """Run one sensitivity analysis of ``metric`` for ``scenario`` (see the module docstring).

    ``scenario``: a :class:`~livermodel.scenario.Scenario`, a file or a library name.
    ``params``: parameter names (default :func:`default_parameters`).  ``samples``: Morris
    trajectories (default 20) or Sobol base samples (a power of 2, default 256).
    """
    from livermodel.scenario.scenario import Scenario, load_scenario

    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    if method not in METHODS:
        raise LivermodelError(
            f"unknown method '{method}'",
            key="--method",
            expected=", ".join(METHODS),
            found=repr(method),
            suggestion=did_you_mean(method, METHODS),
        )
    check_metric(metric, numeric=True)
    if method == "local":
        if samples is not None:
            raise LivermodelError("--samples is for morris and sobol", key="--samples")
        return local_sensitivity(scenario, metric, params, step=step, progress=progress)
    require_salib()
    names = _check_names(params) if params else default_parameters(scenario, method)
    problem = parameter_problem(names)
    evaluator = ModelEvaluator(scenario, problem, metric, progress=progress)
    if method == "morris":
        res = morris(problem, evaluator, samples=20 if samples is None else int(samples), seed=seed)
    else:
        res = sobol(
            problem,
            evaluator,
            samples=256 if samples is None else int(samples),
            seed=seed,
            second_order=second_order,
        )
    res.metric, res.scenario, res.failed_runs = metric, scenario, evaluator.failed
    return res
