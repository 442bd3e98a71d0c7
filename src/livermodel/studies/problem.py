"""A calibration problem: one or several experiments (scenario + data), the fitted parameters
(shared by every experiment, or one value per experiment), and the noise model.

A problem is what :func:`livermodel.studies.fit.fit`, the profile likelihood
(:mod:`livermodel.studies.profile`) and the PEtab export work on.  The command line builds a
one-experiment problem from ``SCENARIO --data FILE --params A,B`` or reads a problem file::

    # rat-phx-problem.yaml
    experiments:
      - name: phx70                 # an id: letters, digits, _
        scenario: rat-phx-70        # a library name, or a path relative to this file
        data: rat_phx70_volume.csv  # a path relative to this file, or a shipped table
        noise: given                # the sd column is the measurement SD (default)
      - name: phx90
        scenario: rat-phx-90
        data: phx90.csv
        noise: estimated            # one unknown SD for this experiment, fitted with the rest
        set: [duration=10 d]        # optional --set overrides of the scenario
    parameters:
      - name: division_rate         # shared: one value for every experiment
      - name: priming_rate
        per_experiment: true        # one value per experiment: priming_rate[phx70], ...
        range: [0.05, 0.5]          # optional: narrower than the plausible range

**Objective.**  ``-2 ln L`` up to a constant: for an experiment with given SDs its chi2
:math:`\\sum_i ((y_i - v_i)/sd_i)^2`; for an experiment with an estimated SD, the SD at its
maximum-likelihood value :math:`\\hat\\sigma^2 = RSS/n` gives :math:`n \\ln(RSS/n) + n`
(the sd column is then ignored).  With given SDs only, the objective is chi2.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from livermodel.errors import LivermodelError, did_you_mean

if TYPE_CHECKING:
    from livermodel.scenario.scenario import Scenario
    from livermodel.studies.data import FitData

__all__ = ["Experiment", "FitParameter", "FitProblem", "single_problem", "read_problem"]

NOISE = ("given", "estimated")
_ID = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")  # fullmatch


@dataclass
class Experiment:
    """One arm: a scenario, its data (a :class:`~livermodel.studies.data.FitData`) and the noise
    model (``"given"``: the sd column; ``"estimated"``: one unknown SD)."""

    name: str
    scenario: Scenario
    data: FitData
    noise: str = "given"


@dataclass
class FitParameter:
    """A fitted quantity: ``name`` (``priming_rate`` or ``priming_rate[phx70]``), the model
    ``parameter`` it sets, the ``experiments`` it applies to (indices), its ``bounds`` (the
    plausible range unless narrowed), ``log`` (fitted as ln p) and ``start``."""

    name: str
    parameter: str
    experiments: list[int]
    bounds: tuple[float, float]
    log: bool
    start: float

    def to_x(self, value: float) -> float:
        return math.log(value) if self.log else float(value)

    def from_x(self, x):
        return np.exp(x) if self.log else np.asarray(x, dtype=float)

    @property
    def x_bounds(self) -> tuple[float, float]:
        lo, hi = self.bounds
        return (math.log(lo), math.log(hi)) if self.log else (lo, hi)


@dataclass
class FitProblem:
    """Experiments and fitted parameters; ``source`` is the problem file (or ``None``)."""

    experiments: list[Experiment]
    parameters: list[FitParameter]
    source: str | None = None
    settings: list = field(default_factory=list)  # per experiment: tightened SolverSettings
    evaluations: int = 0
    solves: int = 0
    #: ``progress(evaluations, None)`` after every solve (a fit does not know its total)
    progress: Callable[[int, int | None], object] | None = None

    def __post_init__(self):
        from livermodel.solve.simulate import SolverSettings

        rtol = 1e-8
        self.settings = []
        for e in self.experiments:
            s = e.scenario.settings
            self.settings.append(
                SolverSettings(s.method, min(s.rtol, rtol), min(s.atol, rtol * 1e-2), s.max_step, s.max_steps)
            )
        self.slices: list[slice] = []
        n = 0
        for e in self.experiments:
            self.slices.append(slice(n, n + len(e.data)))
            n += len(e.data)

    # --- the data, concatenated over experiments -----------------------------------------
    @property
    def names(self) -> list[str]:
        return [p.name for p in self.parameters]

    @property
    def log(self) -> list[bool]:
        return [p.log for p in self.parameters]

    @property
    def n_points(self) -> int:
        return sum(len(e.data) for e in self.experiments)

    @property
    def values(self) -> np.ndarray:
        return np.concatenate([e.data.value for e in self.experiments])

    @property
    def sd(self) -> np.ndarray:
        return np.concatenate([e.data.sd for e in self.experiments])

    @property
    def n_noise(self) -> int:
        """Number of estimated noise parameters (one per experiment with ``noise: estimated``)."""
        return sum(e.noise == "estimated" for e in self.experiments)

    @property
    def x_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        b = np.array([p.x_bounds for p in self.parameters], dtype=float).reshape(-1, 2)
        return b[:, 0], b[:, 1]

    def x_start(self) -> np.ndarray:
        lo, hi = self.x_bounds
        x = np.array([p.to_x(min(max(p.start, p.bounds[0]), p.bounds[1])) for p in self.parameters])
        width = hi - lo
        return np.clip(x, lo + 1e-6 * width, hi - 1e-6 * width)

    def estimates(self, x) -> dict[str, float]:
        return {p.name: float(p.from_x(xi)) for p, xi in zip(self.parameters, x, strict=True)}

    def parameter_set(self, e: int, x) -> dict:
        """The full parameter dict of experiment ``e`` at the fitted vector ``x``."""
        out = dict(self.experiments[e].scenario.parameters)
        for p, xi in zip(self.parameters, x, strict=True):
            if e in p.experiments:
                out[p.parameter] = float(p.from_x(xi))
        return out

    # --- the model at the data, many vectors in one batched solve per experiment ----------
    def model_values(self, X: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        """Model values at every data point for each vector of ``X`` (rows), and whether every
        solve of that row succeeded.  One :func:`simulate_batch` call per experiment."""
        from livermodel.solve.simulate import simulate_batch

        X = [np.asarray(x, dtype=float) for x in X]
        out = np.full((len(X), self.n_points), np.nan)
        ok = np.ones(len(X), dtype=bool)
        if not X:
            return out, ok
        for e, (exp, sl) in enumerate(zip(self.experiments, self.slices, strict=True)):
            sc = exp.scenario
            batch = simulate_batch(
                [self.parameter_set(e, x) for x in X],
                sc.schedule,
                duration=sc.duration_h,
                output_step=sc.output_step_h,
                settings=self.settings[e],
                initial=sc.initial or None,
            )
            self.solves += 1
            self.evaluations += len(X)
            if self.progress is not None:
                self.progress(self.evaluations, None)
            d = exp.data
            block = np.empty((len(X), len(d)))
            for v in d.variables:
                sel = np.array([x == v for x in d.variable])
                traj = batch.variable(v)
                for i in range(len(X)):
                    block[i, sel] = np.interp(d.time_h[sel], batch.time_h, traj[i])
            out[:, sl] = block
            ok &= np.asarray(batch.success, dtype=bool)
        return out, ok

    def noise_sd(self, model: np.ndarray, values: np.ndarray | None = None) -> np.ndarray:
        """The SD of every point for model rows ``model``: the sd column, or for an experiment
        with estimated noise its maximum-likelihood SD sqrt(RSS/n) (at least 1e-12)."""
        values = self.values if values is None else values
        model = np.atleast_2d(model)
        sd = np.broadcast_to(self.sd, model.shape).copy()
        for exp, sl in zip(self.experiments, self.slices, strict=True):
            if exp.noise == "estimated":
                rss = np.sum((model[:, sl] - values[..., sl]) ** 2, axis=1)
                sd[:, sl] = np.sqrt(np.maximum(rss / (sl.stop - sl.start), 1e-24))[:, None]
        return sd

    def objective(
        self, model: np.ndarray, values: np.ndarray | None = None, ok: np.ndarray | None = None
    ) -> np.ndarray:
        """``-2 ln L`` (up to a constant) of each model row; see the module docstring."""
        values = self.values if values is None else values
        model = np.atleast_2d(model)
        total = np.zeros(model.shape[0])
        for exp, sl in zip(self.experiments, self.slices, strict=True):
            r = model[:, sl] - values[..., sl]
            if exp.noise == "estimated":
                n = sl.stop - sl.start
                total += n * np.log(np.maximum(np.sum(r * r, axis=1) / n, 1e-24)) + n
            else:
                total += np.sum((r / exp.data.sd) ** 2, axis=1)
        total = np.where(np.isfinite(total), total, 1e12)
        if ok is not None:
            total = np.where(ok, total, 1e12)
        return total


# --- building problems ---------------------------------------------------------------------------


def _fit_parameter(
    name, parameter, experiments, bounds, start, *, key="--params", source=None, line=None
) -> FitParameter:
    lo, hi = (float(b) for b in bounds)
    if not (math.isfinite(lo) and math.isfinite(hi) and hi > lo):
        raise LivermodelError(
            f"parameter '{parameter}' has no range to fit in",
            key=key,
            source=source,
            line=line,
            found=f"[{lo:g}, {hi:g}]",
            expected="a range [low, high] with low < high",
        )
    return FitParameter(name, parameter, list(experiments), (lo, hi), lo > 0, float(start))


def single_problem(scenario, data, params: Sequence[str]) -> FitProblem:
    """The one-experiment problem of ``fit SCENARIO --data FILE --params A,B`` (given SDs)."""
    from livermodel.model.parameters import BY_NAME
    from livermodel.studies.data import FitData, read_data
    from livermodel.studies.sensitivity import _check_names

    if not isinstance(data, FitData):
        data = read_data(data)
    names = _check_names(params)
    pars = [_fit_parameter(n, n, [0], BY_NAME[n].bounds, scenario.parameters[n]) for n in names]
    problem = FitProblem([Experiment(scenario.name, scenario, data)], pars)
    check_problem(problem)
    return problem


def check_problem(problem: FitProblem, key: str = "--params") -> None:
    """Enough data for the parameters, and no data after the end of a run."""
    k = len(problem.parameters) + problem.n_noise
    if k > problem.n_points:
        raise LivermodelError(
            f"{k} parameters cannot be fitted to {problem.n_points} points",
            key=key,
            source=problem.source,
            suggestion="Fit fewer parameters, or add data",
        )
    for exp in problem.experiments:
        sc, d = exp.scenario, exp.data
        late = d.time_h > sc.duration_h + 1e-9
        if late.any():
            raise LivermodelError(
                "the data go beyond the end of the run",
                key="--data",
                source=d.source,
                found=f"time {d.time_h[late].max():g} h > {sc.duration_h:g} h (scenario {sc.name})",
                suggestion="Lengthen the run with --set duration=... (or set: in the problem file)",
            )


_EXPERIMENT_KEYS = ("name", "scenario", "data", "noise", "set")
_PARAMETER_KEYS = ("name", "per_experiment", "range", "start")


def read_problem(path) -> FitProblem:
    """Read a problem file (see the module docstring); every mistake is a
    :class:`LivermodelError` naming the file, line and key."""
    import warnings

    from livermodel.model.parameters import BY_NAME, NAMES
    from livermodel.scenario.fields import ScenarioWarning
    from livermodel.scenario.reader import _read_text, read_text_file
    from livermodel.scenario.scenario import load_scenario
    from livermodel.studies.data import data_path, read_data

    p = Path(path)
    if not p.exists():
        raise LivermodelError(
            f"problem file '{path}' not found",
            key="--problem",
            suggestion="Give a YAML file with 'experiments:' and 'parameters:' (see docs/analyses.md)",
        )
    src = str(p)
    doc, locs = _read_text(read_text_file(p, src, what="problem file"), src)

    def err(message, keypath, **kw):
        loc = locs.get(tuple(keypath))
        return LivermodelError(
            message,
            source=src,
            line=loc.line if loc else None,
            column=loc.column if loc else None,
            key=".".join(map(str, keypath)) or None,
            **kw,
        )

    for k in doc:
        if k not in ("experiments", "parameters", "description"):
            raise err(
                f"unknown key '{k}'",
                (k,),
                expected="experiments, parameters, description",
                suggestion=did_you_mean(str(k), ["experiments", "parameters", "description"]),
            )
    exps_doc = doc.get("experiments")
    if not isinstance(exps_doc, list) or not exps_doc:
        raise err(
            "the problem needs a list 'experiments:'",
            ("experiments",) if exps_doc is not None else (),
            expected="a list of entries with scenario: and data:",
        )
    experiments: list[Experiment] = []
    for i, e in enumerate(exps_doc):
        where = ("experiments", i)
        if not isinstance(e, dict):
            raise err("an experiment must be a mapping", where, expected="keys scenario:, data:")
        for k in e:
            if k not in _EXPERIMENT_KEYS:
                raise err(
                    f"unknown key '{k}'",
                    (*where, k),
                    expected=", ".join(_EXPERIMENT_KEYS),
                    suggestion=did_you_mean(str(k), _EXPERIMENT_KEYS),
                )
        for k in ("scenario", "data"):
            if not isinstance(e.get(k), str):
                raise err(
                    f"experiment {i + 1} needs '{k}:'",
                    (*where, k) if k in e else where,
                    expected="a name or a path",
                )
        name = str(e.get("name", f"e{i + 1}"))
        if not _ID.fullmatch(name) or name in [x.name for x in experiments]:
            raise err(
                f"bad or repeated experiment name '{name}'",
                (*where, "name"),
                expected="a unique id of letters, digits and _",
            )
        noise = e.get("noise", "given")
        if noise not in NOISE:
            raise err(
                f"unknown noise model '{noise}'",
                (*where, "noise"),
                expected="given (the sd column) or estimated (one unknown SD)",
            )
        overrides = e.get("set", [])
        if isinstance(overrides, str):
            overrides = [overrides]
        if not isinstance(overrides, list) or not all(isinstance(o, str) for o in overrides):
            raise err(
                "'set:' takes a list of KEY=VALUE",
                (*where, "set"),
                expected="e.g. [duration=10 d, parameters.division_rate=0.08]",
            )
        scen = e["scenario"]
        rel = p.parent / scen
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ScenarioWarning)
                sc = load_scenario(rel if rel.is_file() else scen, overrides)
        except LivermodelError as exc:
            raise err(
                f"experiment '{name}': {exc.message}",
                (*where, "scenario"),
                found=exc.found,
                suggestion=exc.suggestion,
            ) from None
        dpath = p.parent / e["data"]
        shipped = Path(e["data"]).name + ("" if Path(e["data"]).suffix else ".csv")
        if not dpath.is_file() and not data_path(shipped).is_file():
            raise err(
                f"data file '{e['data']}' not found",
                (*where, "data"),
                expected="a CSV relative to the problem file, or a shipped table",
            )
        data = read_data(dpath if dpath.is_file() else e["data"])
        experiments.append(Experiment(name, sc, data, noise))

    pars_doc = doc.get("parameters")
    if not isinstance(pars_doc, list) or not pars_doc:
        raise err(
            "the problem needs a list 'parameters:'",
            ("parameters",) if pars_doc is not None else (),
            expected="entries such as '- name: division_rate'",
        )
    params: list[FitParameter] = []
    for i, q in enumerate(pars_doc):
        where = ("parameters", i)
        if isinstance(q, str):
            q = {"name": q}
        if not isinstance(q, dict) or not isinstance(q.get("name"), str):
            raise err("a parameter entry needs 'name:'", where, expected="- name: division_rate")
        for k in q:
            if k not in _PARAMETER_KEYS:
                raise err(
                    f"unknown key '{k}'",
                    (*where, k),
                    expected=", ".join(_PARAMETER_KEYS),
                    suggestion=did_you_mean(str(k), _PARAMETER_KEYS),
                )
        n = q["name"]
        if n not in BY_NAME:
            raise err(f"unknown parameter '{n}'", (*where, "name"), suggestion=did_you_mean(n, NAMES))
        if n in [x.parameter for x in params]:
            raise err(f"parameter '{n}' is listed twice", (*where, "name"))
        bounds = BY_NAME[n].bounds
        if "range" in q:
            r = q["range"]
            ok = (
                isinstance(r, list)
                and len(r) == 2
                and all(isinstance(v, int | float) and not isinstance(v, bool) for v in r)
            )
            if not ok or not (bounds[0] <= r[0] < r[1] <= bounds[1]):
                raise err(
                    f"bad range for '{n}'",
                    (*where, "range"),
                    found=repr(r),
                    expected=f"[low, high] inside the plausible range [{bounds[0]:g}, {bounds[1]:g}]",
                )
            bounds = (float(r[0]), float(r[1]))
        start = q.get("start")
        if start is not None and (
            not isinstance(start, int | float)
            or isinstance(start, bool)
            or not bounds[0] <= start <= bounds[1]
        ):
            raise err(
                f"bad start for '{n}'",
                (*where, "start"),
                found=repr(start),
                expected=f"a number in [{bounds[0]:g}, {bounds[1]:g}]",
            )
        per = q.get("per_experiment", False)
        if not isinstance(per, bool):
            raise err("'per_experiment:' is true or false", (*where, "per_experiment"))
        loc = locs.get(where)
        line = loc.line if loc else None
        groups = [[j] for j in range(len(experiments))] if per else [list(range(len(experiments)))]
        for g in groups:
            label = f"{n}[{experiments[g[0]].name}]" if per else n
            s = start if start is not None else experiments[g[0]].scenario.parameters[n]
            params.append(
                _fit_parameter(label, n, g, bounds, s, key=".".join(map(str, where)), source=src, line=line)
            )
    problem = FitProblem(experiments, params, source=src)
    check_problem(problem, key="parameters")
    return problem
