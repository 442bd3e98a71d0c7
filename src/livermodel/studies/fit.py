"""Calibration: least-squares fitting of chosen parameters to measured time courses.

The data are a table with columns ``time_h, variable, value, sd``: one row per measured point,
``variable`` a trajectory variable (``liver_volume`` for a measured volume, ``total_mass`` for
hepatocyte mass, ``alt_u_per_l``, ...; several may be mixed), ``sd`` its standard deviation (> 0).  The fit
minimises the weighted sum of squares

.. math::  \\chi^2(\\theta) = \\sum_i \\left(\\frac{y(t_i; \\theta) - v_i}{sd_i}\\right)^2

with :func:`scipy.optimize.least_squares` (trust-region reflective), inside the *plausible
ranges* of the parameter table.  Parameters whose range is positive are fitted in log space
(:math:`\\theta = \\ln p`), so steps are relative and estimates stay positive.  The model
value :math:`y(t_i)` is interpolated linearly on the scenario's output grid.

The Jacobian is computed by central differences with all :math:`2k` perturbed runs in one
batched solve (:func:`livermodel.solve.simulate.simulate_batch`), at tightened tolerances
(``rtol`` at most 1e-8) so that the differences are not solver noise.

**Uncertainty.**  At the optimum, :math:`C = s^2 (J^T J)^{-1}` with
:math:`s^2 = \\max(1, \\chi^2 / (n - k))`: the SDs are taken as the measurement error, and the
covariance is inflated when the fit is worse than they allow (never shrunk).  95 % intervals are
:math:`\\hat\\theta \\pm t_{0.975, n-k} \\sqrt{C_{jj}}` in the fitted space (so asymmetric in
the value for log-fitted parameters).  These are *approximate* (linearised) intervals; strongly
correlated parameters (see ``correlation``) are not separately identifiable from the data.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from livermodel.errors import LivermodelError, check_count, check_seed
from livermodel.studies.data import COLUMNS, FitData, data_path, read_data

if TYPE_CHECKING:
    from livermodel.scenario.scenario import Scenario
    from livermodel.studies.problem import FitProblem

__all__ = [
    "FitData",
    "FitResult",
    "read_data",
    "fit",
    "calibrated_scenario",
    "calibrated_scenarios",
    "reproduce_chi2",
    "data_path",
    "COLUMNS",
]


@dataclass
class FitResult:
    """The calibration result.

    ``estimates`` name -> value; ``ci`` name -> (low, high) 95 % (linearised, Wald); ``se``
    standard errors in the fitted space; ``correlation`` matrix (fitted space) in the order of
    ``names``; ``start`` values; ``chi2`` (the objective, ``-2 ln L`` up to a constant; chi2 when
    every SD is given), ``dof``, ``residuals`` (weighted, per data point), ``success``/``message``
    from the optimiser, ``evaluations`` (model runs) and ``solves`` (batched calls).
    ``profiles`` name -> :class:`~livermodel.studies.profile.Profile` (with ``profile=True``),
    ``starts`` the optimum of each start (with ``starts > 1``), ``problem`` the
    :class:`~livermodel.studies.problem.FitProblem`.
    """

    names: list[str]
    log: list[bool]
    start: dict[str, float]
    estimates: dict[str, float]
    ci: dict[str, tuple[float, float]]
    se: dict[str, float]
    correlation: np.ndarray
    chi2: float
    dof: int
    residuals: np.ndarray
    success: bool
    message: str
    evaluations: int
    solves: int
    data: FitData
    scenario: Scenario | None = None
    covariance_scale: float = 1.0
    model_values: np.ndarray = field(default_factory=lambda: np.empty(0))
    bounds: dict[str, tuple[float, float]] = field(default_factory=dict)
    problem: FitProblem | None = None
    x: np.ndarray = field(default_factory=lambda: np.empty(0))
    covariance: np.ndarray = field(default_factory=lambda: np.empty((0, 0)))
    profiles: dict = field(default_factory=dict)
    starts: list[dict] = field(default_factory=list)
    seed: int | None = None

    @property
    def within_sd(self) -> np.ndarray:
        """Whether the fitted model lies within one SD of each data point."""
        return np.abs(self.residuals) <= 1.0

    def at_bound(self, n: str) -> str | None:
        """``"lower"`` or ``"upper"`` if the estimate of ``n`` sits on that end of its range."""
        lo, hi = self.bounds.get(n, (-math.inf, math.inf))
        v = self.estimates[n]
        scale = (lambda b: 1e-6 * abs(b)) if v > 0 and lo > 0 else (lambda b: 1e-6 * max(1.0, abs(b)))
        if abs(v - lo) <= scale(lo):
            return "lower"
        if abs(v - hi) <= scale(hi):
            return "upper"
        return None

    def _at_bound(self, n: str) -> bool:
        return self.at_bound(n) is not None

    def warnings(self) -> list[str]:
        """Plain-language warnings: parameters on a bound, starts that disagree."""
        out = []
        for n in self.names:
            side = self.at_bound(n)
            if side:
                end = self.bounds[n][0 if side == "lower" else 1]
                out.append(
                    f"{n} is at the {side} end of its plausible range ({end:.4g}): the data push it "
                    f"{'further down' if side == 'lower' else 'further up'}, so the estimate and "
                    "its interval are set by the range, not by the data. Fix it at a literature "
                    "value (leave it out of the fitted parameters), narrow or justify its range "
                    "in a problem file, or add data that constrain it."
                )
        if len(self.starts) > 1:
            good = [s for s in self.starts if s["chi2"] - self.chi2 <= 0.1]
            if len(good) < len(self.starts) / 2:
                out.append(
                    f"only {len(good)} of {len(self.starts)} starts reach the best optimum "
                    "(within 0.1 in chi2): the objective has several minima or flat "
                    "valleys; trust the profiles, not the point estimates."
                )
        for p in self.profiles.values():
            if not p.identifiable:
                out.append(f"{p.name}: {p.verdict}.")
        return out

    def to_dict(self) -> dict:
        """The content of ``fit.json``."""
        pb = self.problem
        exps = (
            []
            if pb is None
            else [
                {
                    "name": e.name,
                    "scenario": e.scenario.name,
                    "scenario_sha256": e.scenario.sha256,
                    "data": e.data.source,
                    "n_points": len(e.data),
                    "noise": e.noise,
                    **({"estimated_sd": float(self.noise_sd[i])} if e.noise == "estimated" else {}),
                }
                for i, e in enumerate(pb.experiments)
            ]
        )
        params = []
        for j, (n, lg) in enumerate(zip(self.names, self.log, strict=True)):
            entry = {
                "name": n,
                "start": self.start[n],
                "estimate": self.estimates[n],
                "ci_low": self.ci[n][0],
                "ci_high": self.ci[n][1],
                "se_fitted_space": self.se[n],
                "scale": "log" if lg else "linear",
                "range": list(self.bounds.get(n, (None, None))),
                "at_bound": self._at_bound(n),
                "bound": self.at_bound(n),
            }
            if pb is not None:
                entry["parameter"] = pb.parameters[j].parameter
                entry["experiments"] = [pb.experiments[i].name for i in pb.parameters[j].experiments]
            if n in self.profiles:
                p = self.profiles[n]
                entry.update(
                    {
                        "profile_low": p.low,
                        "profile_high": p.high,
                        "identifiable": p.identifiable,
                        "verdict": p.verdict,
                    }
                )
            if len(self.starts) > 1:
                good = [s["estimates"][n] for s in self.starts if s["chi2"] - self.chi2 <= 0.1]
                entry["starts_spread"] = [min(good), max(good)] if good else None
            params.append(entry)
        out = {
            "scenario": getattr(self.scenario, "name", None),
            "scenario_sha256": getattr(self.scenario, "sha256", None),
            "data": self.data.source,
            "n_points": len(self.data),
            "experiments": exps,
            "problem": None if pb is None else pb.source,
            "parameters": params,
            "correlation": {"names": self.names, "matrix": self.correlation},
            "chi2": self.chi2,
            "dof": self.dof,
            "reduced_chi2": self.chi2 / self.dof if self.dof else None,
            "covariance_scale": self.covariance_scale,
            "points_within_sd": int(self.within_sd.sum()),
            "success": self.success,
            "message": self.message,
            "evaluations": self.evaluations,
            "solves": self.solves,
            "ci_method": "linearised: s^2 (J^T J)^-1 with s^2 = max(1, chi2/dof), t quantile, 95 %",
            "warnings": self.warnings(),
        }
        if self.profiles:
            out["profile_method"] = (
                "profile likelihood: other parameters re-optimised at each "
                "point; interval where delta chi2 <= 3.84 (95 %, 1 dof)"
            )
            out["profiles"] = {n: p.to_dict() for n, p in self.profiles.items()}
        if self.starts:
            out["multistart"] = {"seed": self.seed, "starts": self.starts}
        return out

    @property
    def noise_sd(self) -> list[float]:
        """Per experiment: the estimated SD (``noise: estimated``), else NaN."""
        pb = self.problem
        if pb is None:
            return []
        sd = pb.noise_sd(self.model_values[None, :])[0]
        return [
            float(sd[sl][0]) if e.noise == "estimated" else float("nan")
            for e, sl in zip(pb.experiments, pb.slices, strict=True)
        ]

    def points(self) -> tuple[list[str], list[list]]:
        """Header and rows of the per-point table (data, model, weighted residual)."""
        d = self.data
        labels = (
            ["" for _ in range(len(d))]
            if self.problem is None
            else [e.name for e in self.problem.experiments for _ in range(len(e.data))]
        )
        rows = [
            [
                labels[i],
                float(d.time_h[i]),
                d.variable[i],
                float(d.value[i]),
                float(d.sd[i]),
                float(self.model_values[i]),
                float(self.residuals[i]),
            ]
            for i in range(len(d))
        ]
        return ["experiment", "time_h", "variable", "value", "sd", "model", "weighted_residual"], rows


def _residuals(problem, M, ok, sd):
    r = (M - problem.values) / sd
    r[~ok] = 1e6  # a failed solve is a very bad point, never a crash
    return np.nan_to_num(r, nan=1e6, posinf=1e6, neginf=-1e6)


def _jacobian(problem, x, sd):
    """Central differences of the weighted residuals, all 2k perturbed runs in one batch."""
    lo, hi = problem.x_bounds
    h = 10 * np.asarray(_profile_steps(problem))
    x = np.asarray(x, dtype=float)
    X, hs = [], []
    for j in range(len(x)):
        up, down = x.copy(), x.copy()
        up[j] = min(x[j] + h[j], hi[j])
        down[j] = max(x[j] - h[j], lo[j])
        X += [up, down]
        hs.append(up[j] - down[j])
    M, ok = problem.model_values(X)
    R = _residuals(problem, M, ok, sd)
    return np.stack([(R[2 * j] - R[2 * j + 1]) / hs[j] for j in range(len(x))], axis=1)


def _least_squares(problem, x0, sd, max_evaluations):
    """scipy's trust-region reflective fit with the SDs ``sd`` held fixed."""
    from scipy.optimize import least_squares

    lo, hi = problem.x_bounds
    cache: dict[bytes, np.ndarray] = {}

    def fun(x):
        key = np.asarray(x, dtype=float).tobytes()
        if key not in cache:
            M, ok = problem.model_values([x])
            cache[key] = _residuals(problem, M, ok, sd)[0]
        return cache[key]

    def jac(x: np.ndarray) -> np.ndarray:
        return _jacobian(problem, x, sd)

    return least_squares(
        fun,
        x0,
        jac=jac,
        bounds=(lo, hi),
        method="trf",
        x_scale="jac",
        max_nfev=max_evaluations,
    )


def _profile_steps(problem):
    from livermodel.studies.profile import _steps

    return _steps(problem)


#: Bounded work: starts of a multi-start fit, and optimiser iterations of one fit.
MAX_STARTS = 1_000
MAX_EVALUATIONS = 100_000


def fit(
    scenario,
    data=None,
    params: Sequence[str] = (),
    *,
    starts: int = 1,
    seed: int | None = None,
    profile: bool = False,
    max_evaluations: int = 200,
    progress=None,
    rtol: float = 1e-8,
) -> FitResult:
    """Fit ``params`` of ``scenario`` to ``data`` (a :class:`FitData` or a path) by least squares,
    or fit a :class:`~livermodel.studies.problem.FitProblem` (given as ``scenario``).

    Starts from the scenario's values (moved into the plausible range if outside), respects the
    plausible ranges, fits positive ranges in log space.  ``starts > 1`` adds ``starts - 1``
    random starts (uniform in the fitted space, ``seed``), all optimised in lockstep by the
    batched optimiser, and polishes the best.  ``profile=True`` adds the profile likelihood of
    every parameter (:mod:`livermodel.studies.profile`).  ``max_evaluations`` bounds the
    optimiser's iterations.  ``progress(model_runs, None)`` is called after every batch of
    model runs.  Raises :class:`LivermodelError` for bad input.
    """
    from scipy.stats import t as student

    from livermodel.scenario.scenario import Scenario, load_scenario
    from livermodel.studies.problem import FitProblem, single_problem
    from livermodel.studies.profile import minimise
    from livermodel.studies.profile import profile as run_profile

    if isinstance(scenario, FitProblem):
        problem = scenario
    else:
        if not isinstance(scenario, Scenario):
            scenario = load_scenario(scenario)
        if data is None:
            raise LivermodelError("a fit needs data", key="--data")
        problem = single_problem(scenario, data, params)
    starts = check_count(
        starts, "--starts", MAX_STARTS, suggestion="A few dozen starts show whether the optimum is unique"
    )
    max_evaluations = check_count(
        max_evaluations,
        "--max-evaluations",
        MAX_EVALUATIONS,
        suggestion="The optimiser usually stops after a few dozen",
    )
    seed = check_seed(seed)
    problem.progress = progress  # progress(model runs so far, None): a fit has no known total
    names = problem.names
    lo, hi = problem.x_bounds
    x0 = problem.x_start()
    start_log: list[dict] = []
    if starts > 1:
        rng = np.random.default_rng(seed)
        seed_used = seed
        X0 = np.vstack([x0, lo + (hi - lo) * rng.uniform(0.02, 0.98, (starts - 1, len(x0)))])
        Xs, objs = minimise(problem, X0)
        for x, o in zip(Xs, objs, strict=True):
            start_log.append(
                {
                    "start": problem.estimates(X0[len(start_log)]),
                    "estimates": problem.estimates(x),
                    "chi2": float(o),
                }
            )
        x0 = np.clip(Xs[int(np.argmin(objs))], lo + 1e-9 * (hi - lo), hi - 1e-9 * (hi - lo))
    else:
        seed_used = None
    # given SDs: one least-squares fit; estimated SDs: alternate (SD at its ML value, refit)
    sd = problem.sd
    best: tuple[Any, float] | None = None
    for _round in range(20 if problem.n_noise else 1):
        opt = _least_squares(problem, x0, sd, max_evaluations)
        M, ok = problem.model_values([opt.x])
        obj = float(problem.objective(M, ok=ok)[0])
        if best is not None and obj >= best[1] - 1e-9 * max(1.0, abs(obj)):
            break
        best = (opt, obj)
        x0 = np.clip(opt.x, lo + 1e-9 * (hi - lo), hi - 1e-9 * (hi - lo))
        sd = problem.noise_sd(M)[0]
    assert best is not None  # the first round always sets it
    opt = best[0]
    x = opt.x
    M, ok = problem.model_values([x])
    chi2 = float(problem.objective(M, ok=ok)[0])
    sd = problem.noise_sd(M)[0]
    r = (M[0] - problem.values) / sd
    J = _jacobian(problem, x, sd)
    dof = problem.n_points - len(names) - problem.n_noise
    rss = float(r @ r)
    scale = max(1.0, rss / dof) if dof > 0 and not problem.n_noise else 1.0
    cov = np.linalg.pinv(J.T @ J) * scale
    se = np.sqrt(np.clip(np.diag(cov), 0, None))
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = cov / np.outer(se, se)
    q = float(student.ppf(0.975, dof)) if dof > 0 else float("nan")
    ci = {}
    for j, p in enumerate(problem.parameters):
        ci[p.name] = (float(p.from_x(x[j] - q * se[j])), float(p.from_x(x[j] + q * se[j])))
    profiles = {}
    if profile:
        for p in run_profile(problem, x, chi2, covariance=cov):
            profiles[p.name] = p
    first = problem.experiments[0]
    if len(problem.experiments) == 1:
        data_all = first.data
    else:
        ds = [e.data for e in problem.experiments]
        data_all = FitData(
            np.concatenate([d.time_h for d in ds]),
            [v for d in ds for v in d.variable],
            problem.values,
            problem.sd,
            ", ".join(d.source for d in ds),
        )
    return FitResult(
        names=names,
        log=problem.log,
        start={p.name: p.start for p in problem.parameters},
        estimates=problem.estimates(x),
        ci=ci,
        se={n: float(e) for n, e in zip(names, se, strict=True)},
        correlation=corr,
        chi2=chi2,
        dof=dof,
        residuals=r,
        success=bool(opt.success),
        message=str(opt.message),
        evaluations=problem.evaluations,
        solves=problem.solves,
        data=data_all,
        scenario=first.scenario,
        covariance_scale=scale,
        model_values=M[0],
        bounds={p.name: p.bounds for p in problem.parameters},
        problem=problem,
        x=np.array(x),
        covariance=cov,
        profiles=profiles,
        starts=start_log,
        seed=seed_used,
    )


def calibrated_scenarios(result: FitResult, *, name: str | None = None) -> list:
    """One calibrated scenario per experiment: ``[(experiment, scenario, yaml_text), ...]``.

    The fitted values are written as parameter overrides at full precision (the shortest text
    that reads back as the same float), ``expect:``, ``sweep:`` and ``cohort:`` blocks are
    dropped (the calibrated model need not meet the old expectations).
    """
    import yaml

    from livermodel.scenario.scenario import build_scenario

    pb = result.problem
    assert pb is not None, "a FitResult made by fit() carries its problem"
    out = []
    many = len(pb.experiments) > 1
    for e, exp in enumerate(pb.experiments):
        sc = exp.scenario
        doc = sc.to_dict()
        for k in ("expect", "sweep", "cohort"):
            doc.pop(k, None)
        doc["name"] = (f"{name}-{exp.name}" if name and many else name) or (
            f"{exp.name}-calibrated" if many else f"{sc.name}-calibrated"
        )
        mine = [p for p in pb.parameters if e in p.experiments]
        fitted = ", ".join(f"{p.parameter} = {result.estimates[p.name]:.4g}" for p in mine)
        doc["description"] = (
            f"{(sc.description or '').strip()} Calibrated by 'livermodel fit' to "
            f"{Path(exp.data.source).name} ({len(exp.data)} points, "
            f"objective = {result.chi2:.6g}): {fitted}."
        ).strip()
        params = dict(doc.get("parameters") or {})
        params.update({p.parameter: float(result.estimates[p.name]) for p in mine})
        doc["parameters"] = {k: params[k] for k in sorted(params)}
        new = build_scenario(doc, source="<calibrated>", name=doc["name"])
        text = yaml.safe_dump(new.to_dict(), sort_keys=False, allow_unicode=True, width=100)
        out.append((exp, new, text))
    return out


def calibrated_scenario(result: FitResult, *, name: str | None = None):
    """The calibrated scenario of the first experiment: ``(scenario, yaml_text)``; see
    :func:`calibrated_scenarios`.  The text loads back with
    :func:`livermodel.scenario.load_scenario`."""
    _, sc, text = calibrated_scenarios(result, name=name)[0]
    return sc, text


def reproduce_chi2(result: FitResult, texts: Sequence[str]) -> float:
    """The objective of the calibrated scenarios ``texts`` (YAML, one per experiment) on the
    fit's data, simulated afresh from the text at the fit's solver tolerances: the check that
    the written files reproduce the reported chi2."""
    import copy

    from livermodel.scenario.scenario import parse_scenario

    pb = result.problem
    assert pb is not None, "a FitResult made by fit() carries its problem"
    clone = copy.copy(pb)
    clone.experiments = []
    for exp, text in zip(pb.experiments, texts, strict=True):
        sc = parse_scenario(text, source="<calibrated>")
        clone.experiments.append(type(exp)(exp.name, sc, exp.data, exp.noise))
    clone.parameters = []
    M, ok = clone.model_values([np.empty(0)])
    return float(clone.objective(M, ok=ok)[0])
