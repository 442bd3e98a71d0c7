"""Calibration: least-squares fitting of chosen parameters to measured time courses.

The data are a table with columns ``time_h, variable, value, sd``: one row per measured point,
``variable`` a trajectory variable (``total_mass`` for liver volume, ``functional_mass``,
``alt_u_per_l``, ...; several may be mixed), ``sd`` its standard deviation (> 0).  The fit
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

import csv
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from livermodel.errors import LivermodelError

__all__ = ["FitData", "FitResult", "read_data", "fit", "calibrated_scenario",
           "data_path"]

COLUMNS = ("time_h", "variable", "value", "sd")


def data_path(name: str) -> Path:
    """Path of a table shipped in ``livermodel/data`` (``"rat_phx70_volume.csv"``)."""
    return Path(__file__).resolve().parent.parent / "data" / name


@dataclass
class FitData:
    """Measured points: ``time_h``, ``variable`` (names), ``value``, ``sd`` arrays, and where
    they came from."""

    time_h: np.ndarray
    variable: list[str]
    value: np.ndarray
    sd: np.ndarray
    source: str = "<data>"

    def __len__(self) -> int:
        return len(self.variable)

    @property
    def variables(self) -> list[str]:
        return list(dict.fromkeys(self.variable))


def read_data(path) -> FitData:
    """Read and check a data table (see the module docstring); raises :class:`LivermodelError`.

    ``path`` is a file, or the name of a table shipped with livermodel (``rat_phx70_volume``).
    """
    from livermodel.errors import did_you_mean
    from livermodel.model.layout import VARIABLES

    p = Path(path)
    if not p.is_file():
        shipped = data_path(p.name if p.suffix else p.name + ".csv")
        if shipped.is_file() and len(p.parts) == 1:
            p = shipped
        else:
            raise LivermodelError(f"data file '{path}' not found", key="--data",
                                  suggestion="Give a CSV file with columns time_h,variable,value,sd "
                                  "(or a shipped table such as rat_phx70_volume)")
    with open(p, newline="", encoding="utf-8") as fh:
        rows = [r for r in csv.reader(fh) if r and not r[0].lstrip().startswith("#")]
    if not rows:
        raise LivermodelError("the data file is empty", source=str(p))
    header = [h.strip() for h in rows[0]]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise LivermodelError(f"the data file lacks the column '{missing[0]}'", source=str(p), line=1,
                              expected="a header time_h,variable,value,sd", found=",".join(header))
    idx = {c: header.index(c) for c in COLUMNS}
    names = [v for v in VARIABLES if v != "time_h"]
    t, var, val, sd = [], [], [], []
    for line, r in enumerate(rows[1:], start=2):
        try:
            cells = {c: r[idx[c]].strip() for c in COLUMNS}
        except IndexError:
            raise LivermodelError("a row has too few cells", source=str(p), line=line,
                                  expected="4 cells: time_h,variable,value,sd") from None
        if cells["variable"] not in names:
            raise LivermodelError(f"unknown variable '{cells['variable']}'", source=str(p), line=line,
                                  expected="a trajectory variable such as total_mass, "
                                  "functional_mass or alt_u_per_l",
                                  suggestion=did_you_mean(cells["variable"], names))
        try:
            nums = [float(cells[c]) for c in ("time_h", "value", "sd")]
        except ValueError:
            raise LivermodelError("time_h, value and sd must be numbers", source=str(p),
                                  line=line, found=",".join(r)) from None
        if not all(math.isfinite(x) for x in nums) or nums[0] < 0 or nums[2] <= 0:
            raise LivermodelError("time_h must be >= 0 and sd > 0", source=str(p), line=line,
                                  found=",".join(r))
        t.append(nums[0])
        var.append(cells["variable"])
        val.append(nums[1])
        sd.append(nums[2])
    if not var:
        raise LivermodelError("the data file has no rows", source=str(p))
    return FitData(np.array(t), var, np.array(val), np.array(sd), str(p))


class _Residuals:
    """Weighted residuals of many parameter vectors at once (one batched solve)."""

    def __init__(self, scenario, names, log, data: FitData, settings):
        self.scenario = scenario
        self.names = list(names)
        self.log = np.array(log, dtype=bool)
        self.data = data
        self.settings = settings
        self.evaluations = 0
        self.solves = 0

    def values(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        return np.where(self.log, np.exp(x), x)

    def parameter_set(self, x) -> dict:
        return {**self.scenario.parameters,
                **dict(zip(self.names, map(float, self.values(x)), strict=True))}

    def simulate(self, X: Sequence[np.ndarray]):
        from livermodel.solve.simulate import simulate_batch

        sc = self.scenario
        self.solves += 1
        self.evaluations += len(X)
        return simulate_batch([self.parameter_set(x) for x in X], sc.schedule,
                              duration=sc.duration_h, output_step=sc.output_step_h,
                              settings=self.settings, initial=sc.initial or None)

    def model_at_data(self, batch) -> np.ndarray:
        d = self.data
        out = np.empty((len(batch), len(d)))
        for v in d.variables:
            sel = np.array([x == v for x in d.variable])
            traj = batch.variable(v)
            for i in range(len(batch)):
                out[i, sel] = np.interp(d.time_h[sel], batch.time_h, traj[i])
        return out

    def __call__(self, X: Sequence[np.ndarray]) -> np.ndarray:
        batch = self.simulate(X)
        r = (self.model_at_data(batch) - self.data.value) / self.data.sd
        r[~batch.success] = 1e6  # a failed solve is a very bad point, never a crash
        return np.nan_to_num(r, nan=1e6, posinf=1e6, neginf=-1e6)


@dataclass
class FitResult:
    """The calibration result.

    ``estimates`` name -> value; ``ci`` name -> (low, high) 95 %; ``se`` standard errors in the
    fitted space; ``correlation`` matrix (fitted space) in the order of ``names``; ``start``
    values; ``chi2``, ``dof``, ``residuals`` (weighted, per data point), ``success``/``message``
    from the optimiser, ``evaluations`` (model runs) and ``solves`` (batched calls).
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
    scenario: object = None
    covariance_scale: float = 1.0
    model_values: np.ndarray = field(default_factory=lambda: np.empty(0))
    bounds: dict[str, tuple[float, float]] = field(default_factory=dict)

    @property
    def within_sd(self) -> np.ndarray:
        """Whether the fitted model lies within one SD of each data point."""
        return np.abs(self.residuals) <= 1.0

    def to_dict(self) -> dict:
        """The content of ``fit.json``."""
        return {
            "scenario": getattr(self.scenario, "name", None),
            "scenario_sha256": getattr(self.scenario, "sha256", None),
            "data": self.data.source, "n_points": len(self.data), "parameters": [
                {"name": n, "start": self.start[n], "estimate": self.estimates[n],
                 "ci_low": self.ci[n][0], "ci_high": self.ci[n][1],
                 "se_fitted_space": self.se[n], "scale": "log" if lg else "linear",
                 "range": list(self.bounds.get(n, (None, None))),
                 "at_bound": self._at_bound(n)}
                for n, lg in zip(self.names, self.log, strict=True)],
            "correlation": {"names": self.names, "matrix": self.correlation},
            "chi2": self.chi2, "dof": self.dof, "reduced_chi2": self.chi2 / self.dof if self.dof
            else None, "covariance_scale": self.covariance_scale,
            "points_within_sd": int(self.within_sd.sum()),
            "success": self.success, "message": self.message,
            "evaluations": self.evaluations, "solves": self.solves,
            "ci_method": "linearised: s^2 (J^T J)^-1 with s^2 = max(1, chi2/dof), t quantile, 95 %",
        }

    def _at_bound(self, n: str) -> bool:
        lo, hi = self.bounds.get(n, (-math.inf, math.inf))
        v = self.estimates[n]
        return bool(abs(v - lo) <= 1e-6 * max(1.0, abs(lo)) or abs(v - hi) <= 1e-6 * max(1.0, abs(hi)))

    def points(self) -> tuple[list[str], list[list]]:
        """Header and rows of the per-point table (data, model, weighted residual)."""
        d = self.data
        rows = [[float(d.time_h[i]), d.variable[i], float(d.value[i]), float(d.sd[i]),
                 float(self.model_values[i]), float(self.residuals[i])] for i in range(len(d))]
        return ["time_h", "variable", "value", "sd", "model", "weighted_residual"], rows


def fit(scenario, data, params: Sequence[str], *, rtol: float = 1e-8, max_evaluations: int = 200,
        progress=None) -> FitResult:
    """Fit ``params`` of ``scenario`` to ``data`` (a :class:`FitData` or a path) by least squares.

    Starts from the scenario's values (moved into the plausible range if outside), respects the
    plausible ranges, fits positive ranges in log space.  ``max_evaluations`` bounds the
    optimiser's iterations (each costs one batched solve of ``2 k`` runs for the Jacobian plus
    one run).  Returns a :class:`FitResult`.  Raises :class:`LivermodelError` for bad input.
    """
    from scipy.optimize import least_squares
    from scipy.stats import t as student

    from livermodel.model.parameters import BY_NAME
    from livermodel.scenario.scenario import Scenario, load_scenario
    from livermodel.solve.simulate import SolverSettings
    from livermodel.studies.sensitivity import _check_names

    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    if not isinstance(data, FitData):
        data = read_data(data)
    names = _check_names(params)
    if len(names) > len(data):
        raise LivermodelError(f"{len(names)} parameters cannot be fitted to {len(data)} points",
                              key="--params", suggestion="Fit fewer parameters, or add data")
    late = data.time_h > scenario.duration_h + 1e-9
    if late.any():
        raise LivermodelError("the data go beyond the end of the run", key="--data",
                              found=f"time {data.time_h[late].max():g} h > {scenario.duration_h:g} h",
                              suggestion="Lengthen the run with --set duration=...")
    lows, highs, log, x0 = [], [], [], []
    for n in names:
        lo, hi = BY_NAME[n].bounds
        if not hi > lo:
            raise LivermodelError(f"parameter '{n}' has no range to fit in", key="--params")
        lg = lo > 0
        v = min(max(float(scenario.parameters[n]), lo), hi)
        log.append(lg)
        lows.append(math.log(lo) if lg else lo)
        highs.append(math.log(hi) if lg else hi)
        x0.append(math.log(v) if lg else v)
    lows_a, highs_a = np.array(lows), np.array(highs)
    # start strictly inside the box (least_squares needs it)
    width = highs_a - lows_a
    x0_a = np.clip(np.array(x0), lows_a + 1e-6 * width, highs_a - 1e-6 * width)
    s = scenario.settings
    settings = SolverSettings(s.method, min(s.rtol, rtol), min(s.atol, rtol * 1e-2), s.max_step,
                              s.max_steps)
    res_fn = _Residuals(scenario, names, log, data, settings)
    steps = 1e-3 * np.where(np.array(log), 1.0, np.maximum(np.abs(x0_a), 1e-2 * width))
    cache: dict[bytes, np.ndarray] = {}

    def fun(x):
        key = np.asarray(x, dtype=float).tobytes()
        if key not in cache:
            cache[key] = res_fn([x])[0]
            if progress is not None:
                progress(res_fn.evaluations, None)
        return cache[key]

    def jac(x):
        x = np.asarray(x, dtype=float)
        X, hs = [], []
        for j in range(len(x)):
            up, down = x.copy(), x.copy()
            up[j] = min(x[j] + steps[j], highs_a[j])
            down[j] = max(x[j] - steps[j], lows_a[j])
            X += [up, down]
            hs.append(up[j] - down[j])
        R = res_fn(X)
        return np.stack([(R[2 * j] - R[2 * j + 1]) / hs[j] for j in range(len(x))], axis=1)

    opt = least_squares(fun, x0_a, jac=jac, bounds=(lows_a, highs_a), method="trf",
                        x_scale="jac", max_nfev=max_evaluations)
    r = fun(opt.x)
    J = jac(opt.x)
    chi2 = float(r @ r)
    dof = len(data) - len(names)
    scale = max(1.0, chi2 / dof) if dof > 0 else 1.0
    cov = np.linalg.pinv(J.T @ J) * scale
    se = np.sqrt(np.clip(np.diag(cov), 0, None))
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = cov / np.outer(se, se)
    q = float(student.ppf(0.975, dof)) if dof > 0 else float("nan")
    values = res_fn.values(opt.x)
    ci = {}
    for j, n in enumerate(names):
        lo_x, hi_x = opt.x[j] - q * se[j], opt.x[j] + q * se[j]
        ci[n] = (float(math.exp(lo_x)), float(math.exp(hi_x))) if log[j] else (float(lo_x), float(hi_x))
    model_values = r * data.sd + data.value
    return FitResult(
        names=names, log=log, start={n: float(scenario.parameters[n]) for n in names},
        estimates={n: float(v) for n, v in zip(names, values, strict=True)}, ci=ci,
        se={n: float(e) for n, e in zip(names, se, strict=True)}, correlation=corr, chi2=chi2,
        dof=dof, residuals=r, success=bool(opt.success), message=str(opt.message),
        evaluations=res_fn.evaluations, solves=res_fn.solves, data=data, scenario=scenario,
        covariance_scale=scale, model_values=model_values,
        bounds={n: BY_NAME[n].bounds for n in names})


def calibrated_scenario(result: FitResult, *, name: str | None = None):
    """The scenario with the fitted values as parameter overrides, validated.

    Returns ``(scenario, yaml_text)``; the text loads back with
    :func:`livermodel.scenario.load_scenario`.  ``expect:``, ``sweep:`` and ``cohort:`` blocks
    are dropped (the calibrated model need not meet the old expectations).
    """
    import yaml

    from livermodel.scenario.scenario import build_scenario

    sc = result.scenario
    doc = sc.to_dict()
    for k in ("expect", "sweep", "cohort"):
        doc.pop(k, None)
    doc["name"] = name or f"{sc.name}-calibrated"
    fitted = ", ".join(f"{n} = {result.estimates[n]:.4g}" for n in result.names)
    doc["description"] = (f"{(sc.description or '').strip()} Calibrated by 'livermodel fit' to "
                          f"{Path(result.data.source).name} ({len(result.data)} points, "
                          f"chi2 = {result.chi2:.3g}): {fitted}.").strip()
    params = dict(doc.get("parameters") or {})
    params.update({n: float(f"{result.estimates[n]:.6g}") for n in result.names})
    doc["parameters"] = {k: params[k] for k in sorted(params)}
    new = build_scenario(doc, source="<calibrated>", name=doc["name"])
    return new, yaml.safe_dump(new.to_dict(), sort_keys=False, allow_unicode=True, width=100)
