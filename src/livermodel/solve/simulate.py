"""Integration of the model: one run or a batch of runs in one vectorised call.

The fast path integrates *many parameter sets at once*: the states of all runs are stacked
run-major into one vector, so the Jacobian is block diagonal with bandwidth ``n_states - 1`` and
LSODA (``scipy.integrate.odeint``, stiff-safe, switching automatically between Adams and BDF)
factorises it as a banded matrix.  LSODA controls the error in the weighted *max* norm, so every
run in a batch meets ``rtol``/``atol`` on its own.

Integration is piecewise between schedule breakpoints (the union over the batch): at each
breakpoint the solver stops, applies the jumps of the runs that have a bolus there, and restarts,
so a dose acts exactly at its time whatever the output grid.

A failed solve never raises: the run's :class:`Result` has ``success=False`` and a ``message``.
A batch that fails is split, runs are retried one by one, and a run that still fails is retried
with the implicit Radau method at ten-fold tighter tolerances before being marked failed.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from livermodel import model
from livermodel.errors import LivermodelError
from livermodel.model.layout import ORDER, POS
from livermodel.model.parameters import PARAMETERS, resolve
from livermodel.model.schedule import Schedule
from livermodel.solve.compiled_integrator import compiled_integrator, integrate_into
from livermodel.solve.segments import MERGE_H, _boluses_by_segment, _segments, _stack  # noqa: F401

METHODS = ("LSODA", "BDF", "Radau")


@dataclass(frozen=True)
class SolverSettings:
    """Numerical settings, recorded with every output.

    ``method``: ``LSODA`` (default; batched, banded Jacobian), ``BDF`` or ``Radau``
    (``scipy.integrate.solve_ivp``, one run at a time).  ``rtol``/``atol``: relative and absolute
    tolerances.  ``max_step``: largest step in hours (0 = no limit).  ``max_steps``: step budget
    per segment before LSODA gives up.
    """

    method: str = "LSODA"
    rtol: float = 1e-6
    atol: float = 1e-9
    max_step: float = 0.0
    max_steps: int = 100_000

    def __post_init__(self):
        if self.method not in METHODS:
            raise LivermodelError(
                f"unknown solver method '{self.method}'",
                key="solver.method",
                expected=f"one of {', '.join(METHODS)}",
                found=repr(self.method),
            )
        for name in ("rtol", "atol"):
            v = getattr(self, name)
            if not (isinstance(v, (int, float)) and 0 < v < 1):
                raise LivermodelError(
                    f"solver {name} must lie in (0, 1)",
                    key=f"solver.{name}",
                    expected="a small positive number such as 1e-6",
                    found=repr(v),
                )
        if not self.max_step >= 0:
            raise LivermodelError(
                "solver max_step must be >= 0", key="solver.max_step", found=repr(self.max_step)
            )

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class Result:
    """One simulated trajectory.

    ``time_h`` is the output grid; ``data`` maps every trajectory variable
    (see :data:`livermodel.model.VARIABLES`) to an array over ``time_h``.  ``success`` and
    ``message`` say whether and why the solve failed; after a failure the arrays hold NaN from the
    failure onwards.
    """

    time_h: np.ndarray
    data: dict[str, np.ndarray]
    success: bool
    message: str
    parameters: dict[str, float]
    schedule: Schedule
    settings: SolverSettings
    duration_h: float
    species: str | None = None
    info: dict = field(default_factory=dict)

    def __getitem__(self, name: str) -> np.ndarray:
        if name == "time_h":
            return self.time_h
        try:
            return self.data[name]
        except KeyError:
            from livermodel.errors import did_you_mean

            raise LivermodelError(
                f"no trajectory variable '{name}'",
                expected=", ".join(self.names),
                suggestion=did_you_mean(name, self.names),
            ) from None

    @property
    def names(self) -> list[str]:
        """Names of the trajectory variables, ``time_h`` first."""
        return ["time_h", *self.data]

    def metrics(self) -> dict:
        """Outcome metrics of this run (see :mod:`livermodel.metrics`)."""
        from livermodel.metrics import compute

        return compute(self)

    def at(self, name: str, t: float) -> float:
        """Linear interpolation of variable ``name`` at time ``t`` hours."""
        return float(np.interp(t, self.time_h, self[name]))

    def to_pandas(self, *, long: bool = False):
        """This run as a ``pandas.DataFrame``: a ``time_h`` column and one column per variable
        (or, with ``long=True``, rows of ``time_h, variable, value, unit``); units, parameters
        and the solver's verdict in ``df.attrs`` (see :func:`livermodel.solve.frames.result_frame`).
        """
        from livermodel.solve.frames import result_frame

        return result_frame(self, long=long)

    def _repr_html_(self) -> str:
        from livermodel.solve.frames import result_html

        return result_html(self)


@dataclass
class BatchResult:
    """Many runs on one output grid: ``values[run, variable, time]``.

    ``metric_values``: the metric arrays of a ``metrics_only=True`` batch (which keeps no
    variables); None otherwise (metrics are then computed from the trajectories).
    """

    time_h: np.ndarray
    variables: tuple[str, ...]
    values: np.ndarray
    success: np.ndarray
    messages: list[str]
    parameters: list[dict[str, float]]
    schedules: list[Schedule]
    settings: SolverSettings
    duration_h: float
    metric_values: dict[str, np.ndarray] | None = None

    def __len__(self) -> int:
        return len(self.messages)

    def __getitem__(self, i: int) -> Result:
        data = {name: self.values[i, k] for k, name in enumerate(self.variables)}
        return Result(
            self.time_h,
            data,
            bool(self.success[i]),
            self.messages[i],
            self.parameters[i],
            self.schedules[i],
            self.settings,
            self.duration_h,
        )

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def variable(self, name: str) -> np.ndarray:
        """Array ``(n_runs, n_times)`` of one variable."""
        return self.values[:, self.variables.index(name)]

    def metrics(self) -> list[dict]:
        """Outcome metrics of every run, one dict per run (vectorised; see :mod:`livermodel.metrics`)."""
        from livermodel.metrics import as_dicts

        return as_dicts(self.metric_arrays(), self.success)

    def metric_arrays(self) -> dict[str, np.ndarray]:
        """Outcome metrics as arrays over runs, by name: NaN for ``None``, ``mode`` and
        ``failure_cause`` as codes into :data:`livermodel.metrics.LABELS` (-1 for ``None``); see
        :func:`livermodel.metrics.assemble`."""
        from livermodel.metrics import batch_arrays

        if self.metric_values is not None:
            return {k: v.copy() for k, v in self.metric_values.items()}
        return batch_arrays(self)

    def to_xarray(self, *, metrics: bool = False):
        """These runs as an ``xarray.Dataset`` with dims ``(run, time_h)``: one data variable per
        trajectory variable (units in its attrs), the varied parameters as coordinates along
        ``run``, ``success``/``message`` per run and, with ``metrics=True``, the numeric outcome
        metrics (see :func:`livermodel.solve.frames.batch_dataset`)."""
        from livermodel.solve.frames import batch_dataset

        return batch_dataset(self, metrics=metrics)

    def to_pandas(self):
        """These runs as one long ``pandas.DataFrame`` (``run, time_h, variable, value, unit``
        and a column per varied parameter; :func:`livermodel.solve.frames.batch_frame`)."""
        from livermodel.solve.frames import batch_frame

        return batch_frame(self)


def output_grid(duration: float, step: float) -> np.ndarray:
    """Output times ``0, step, 2 step, ...`` up to and including ``duration`` (hours)."""
    if not (duration > 0 and math.isfinite(duration)):
        raise LivermodelError(
            "the duration must be positive",
            key="duration",
            expected="a time > 0, e.g. '14 d'",
            found=repr(duration),
        )
    if not (step > 0 and math.isfinite(step)):
        raise LivermodelError(
            "the output step must be positive",
            key="output_step",
            expected="a time > 0, e.g. '1 h'",
            found=repr(step),
        )
    n = int(math.floor(duration / step + 1e-9))
    grid = np.arange(n + 1) * step
    if duration - grid[-1] > 1e-9 * max(1.0, duration):
        grid = np.append(grid, duration)
    return grid


def simulate(
    parameters: Mapping[str, float] | None = None,
    schedule: Schedule | Sequence | None = None,
    *,
    species: str = "rat",
    duration: float = 336.0,
    output_step: float = 1.0,
    settings: SolverSettings | None = None,
    initial: Mapping[str, float] | None = None,
) -> Result:
    """Simulate one run.

    ``parameters`` are overrides of the ``species`` preset (or a full parameter dict);
    ``schedule`` a :class:`Schedule` or a list of events; ``duration`` and ``output_step`` in hours;
    ``initial`` overrides of the healthy initial state by state name (before any event at 0 h).
    Returns a :class:`Result`; numerical failure is reported on it, never raised.
    """
    params = resolve(species, dict(parameters or {}))
    batch = simulate_batch(
        [params],
        [_as_schedule(schedule)],
        duration=duration,
        output_step=output_step,
        settings=settings,
        initial=initial,
    )
    result = batch[0]
    result.species = species
    return result


def _as_schedule(schedule) -> Schedule:
    if schedule is None:
        return Schedule()
    if isinstance(schedule, Schedule):
        return schedule
    return Schedule(schedule)


def simulate_batch(
    parameter_sets: Sequence[Mapping[str, float]],
    schedules: Schedule | Sequence[Schedule] | None = None,
    *,
    duration: float = 336.0,
    output_step: float = 1.0,
    settings: SolverSettings | None = None,
    initial: Mapping[str, float] | None = None,
    variables: Sequence[str] | None = None,
    metrics_only: bool = False,
) -> BatchResult:
    """Simulate many runs in one vectorised integration.

    ``parameter_sets`` are *full* parameter dicts (see :func:`livermodel.model.parameters.resolve`);
    ``schedules`` one schedule for all runs or one per run.  Runs whose schedules differ are
    integrated together over the union of their breakpoints.  ``initial`` overrides the healthy
    initial state by state name, for every run.  ``variables`` keeps only these trajectory
    variables (default: all of :data:`livermodel.model.VARIABLES`); a sweep that needs only the
    metrics keeps :data:`livermodel.metrics.NEEDS` and saves most of the copying.
    ``metrics_only=True`` (with no ``variables``) keeps no trajectory at all: the compiled
    integrator accumulates every run's outcome metrics while it integrates, and the result's
    ``metrics()`` and ``metric_arrays()`` return them (:mod:`livermodel.solve.metrics_only`).
    Returns a :class:`BatchResult`.
    """
    settings = settings or SolverSettings()
    n = len(parameter_sets)
    if n == 0:
        raise LivermodelError("a batch needs at least one parameter set")
    if schedules is None or isinstance(schedules, Schedule):
        schedules = [_as_schedule(schedules)] * n
    schedules = [_as_schedule(s) for s in schedules]
    if len(schedules) != n:
        raise LivermodelError(
            "one schedule per parameter set is needed", expected=str(n), found=str(len(schedules))
        )
    grid = output_grid(duration, output_step)
    params = [dict(p) for p in parameter_sets]
    init = _initial_overrides(initial)
    if metrics_only:
        if variables:
            raise LivermodelError("metrics_only keeps no trajectory variables", key="variables")
        from livermodel.metrics import NEEDS
        from livermodel.solve.metrics_only import simulate_metrics

        def reference(runs, handed_back=None) -> BatchResult:  # these runs with trajectories
            some = [params[i] for i in runs], [schedules[i] for i in runs]
            return _simulate(*some, grid, duration, settings, init, NEEDS, handed_back)

        ok, msgs, values = simulate_metrics(params, schedules, grid, duration, settings, init, reference)
        none = np.empty((n, 0, grid.size))
        return BatchResult(grid, (), none, ok, msgs, params, schedules, settings, duration, values)
    return _simulate(params, schedules, grid, duration, settings, init, _check_variables(variables))


def _simulate(params, schedules, grid, duration, settings, init, variables, handed_back=None) -> BatchResult:
    """:func:`simulate_batch`'s integration.  ``handed_back``: (n, messages) of runs the compiled
    integrator handed back from a batch of n: straight to the reference path (as for n runs)."""
    n = len(params)
    ns = model.N_STATES
    col = {name: j for j, name in enumerate(variables)}
    wanted_obs = tuple(v for v in variables if v in model.OBSERVABLES)
    needed = sorted(
        {model.STATE_INDEX[v] for v in variables if v in model.STATE_INDEX}
        | {k for o in wanted_obs for k in model.OBSERVABLE_NEEDS[o]}
    )
    values = np.empty((n, len(variables), grid.size))
    # a requested state is written straight into its column; a state needed only to derive an
    # observable goes to a scratch buffer
    extra_states = [k for k in needed if model.STATES[k] not in col]
    extra = np.empty((n, len(extra_states), grid.size))
    where = {k: (values, col[model.STATES[k]]) for k in needed if model.STATES[k] in col}
    where.update({k: (extra, j) for j, k in enumerate(extra_states)})

    def store_run(i, run_states):  # run_states: (n_states, T) in public order
        for k, (buf, j) in where.items():
            buf[i, j] = run_states[k]

    ok = np.zeros(n, dtype=bool)
    msgs = list(handed_back[1]) if handed_back else [""] * n
    if settings.method == "LSODA":
        redo = list(range(n))  # runs for LSODA: all, or those the compiled integrator hands back
        if not handed_back and (integrator := compiled_integrator(n)) is not None:
            args = (params, schedules, grid, duration, settings, init, where, ok, msgs)
            redo = integrate_into(integrator, *args)
        # decided for the whole batch, used by each chunk
        fast = compiled_rhs(handed_back[0] if handed_back else n) if redo else None
        for part in _chunks([schedules[i] for i in redo], duration):
            chunk, keep = [redo[j] for j in part], list(where)
            traj, ok_, m_ = _integrate_lsoda(
                [params[i] for i in chunk],
                [schedules[i] for i in chunk],
                grid,
                duration,
                settings,
                init,
                keep,
                fast,
            )
            c = np.asarray(chunk)
            sel = slice(c[0], c[-1] + 1) if np.all(np.diff(c) == 1) else c
            for m, (buf, j) in enumerate(where.values()):  # time-major -> time last
                buf[sel, j, :] = traj[:, :, m].T
            ok[c] = ok_
            for j, i in enumerate(chunk):
                msgs[i] = f"{msgs[i]}: {m_[j]}" if msgs[i] else m_[j]
        for i in np.flatnonzero(~ok).tolist():
            # retry the run alone with an implicit Runge-Kutta method and tighter tolerances
            tight = SolverSettings(
                "Radau", settings.rtol / 10, settings.atol / 10, settings.max_step, settings.max_steps
            )
            s_, good, m = _integrate_ivp(params[i], schedules[i], grid, duration, tight, init)
            store_run(i, s_)
            if good:
                ok[i] = True
                msgs[i] = f"LSODA failed ({msgs[i]}); retried with Radau at rtol={tight.rtol:g}: ok"
            else:
                msgs[i] = f"LSODA failed ({msgs[i]}); Radau retry failed too ({m})"
    else:
        for i in range(n):
            s_, ok[i], msgs[i] = _integrate_ivp(params[i], schedules[i], grid, duration, settings, init)
            store_run(i, s_)

    if wanted_obs:
        d = model.derived(_stack(params))
        d_col = {k: v[:, None] for k, v in d.items()}
        y = [where[k][0][:, where[k][1]] if k in where else None for k in range(ns)]
        with np.errstate(invalid="ignore"):
            obs = model.observables(y, d_col, None, wanted_obs)  # none depends on the inputs
        for name in wanted_obs:
            values[:, col[name]] = obs[name]
    return BatchResult(grid, variables, values, ok, msgs, params, schedules, settings, duration)


def _check_variables(variables) -> tuple[str, ...]:
    everything = model.STATES + model.OBSERVABLES
    if variables is None:
        return everything
    chosen = []
    for name in variables:
        if name == "time_h":
            continue
        if name not in everything:
            from livermodel.errors import did_you_mean

            raise LivermodelError(
                f"no trajectory variable '{name}'",
                key="variables",
                expected=", ".join(everything),
                suggestion=did_you_mean(name, everything),
            )
        if name not in chosen:
            chosen.append(name)
    return tuple(chosen)


def _initial_overrides(initial) -> dict[int, float]:
    out = {}
    for name, value in (initial or {}).items():
        if name not in model.STATE_INDEX:
            from livermodel.errors import did_you_mean

            raise LivermodelError(
                f"unknown state variable '{name}'",
                key=f"initial.{name}",
                expected=", ".join(model.STATES),
                suggestion=did_you_mean(name, model.STATES),
            )
        value = float(value)
        if not (math.isfinite(value) and value >= 0):
            raise LivermodelError(
                "an initial value must be finite and >= 0", key=f"initial.{name}", found=repr(value)
            )
        out[model.STATE_INDEX[name]] = value
    return out


#: Largest number of runs, and of distinct restart times, integrated in one call.  Every restart
#: costs every run of the call a few small steps, so runs with different schedules are sorted by
#: their restart times and packed into calls that share few of them.
CHUNK_RUNS = 1024
CHUNK_BREAKPOINTS = 32


def _chunks(schedules, duration) -> list[list[int]]:
    """Indices of runs grouped into calls of at most CHUNK_RUNS runs and CHUNK_BREAKPOINTS restarts."""
    bps = [tuple(s.breakpoints(duration)) for s in schedules]
    order = sorted(range(len(schedules)), key=lambda i: (len(bps[i]), bps[i]))
    chunks: list[list[int]] = []
    current: list[int] = []
    union: set[float] = set()
    for i in order:
        new = union | set(bps[i])
        if current and (len(current) >= CHUNK_RUNS or len(new) > max(CHUNK_BREAKPOINTS, len(bps[i]))):
            chunks.append(current)
            current, new = [], set(bps[i])
        current.append(i)
        union = new
    if current:
        chunks.append(current)
    return chunks


def _bandwidths() -> tuple[int, int]:
    """Lower and upper bandwidth of one run's Jacobian in the internal order."""
    d = model.derived({p.name: np.array([p.default]) for p in PARAMETERS})
    pattern = model.jacobian(np.ones((model.N_STATES, 1)), d, np.ones((len(model.INPUTS), 1)))
    ml = max(0, *(POS[i] - POS[j] for i, j in pattern))
    mu = max(0, *(POS[j] - POS[i] for i, j in pattern))
    return int(ml), int(mu)


ML, MU = _bandwidths()
#: Place in the banded storage of every Jacobian entry the band can hold: (row, column offset).
#: Every entry :func:`livermodel.model.jacobian` returns lies in the band (see _bandwidths).
_BAND_ROWS = {
    (i, j): (int(POS[i] - POS[j] + MU), int(POS[j]))
    for i in range(model.N_STATES)
    for j in range(model.N_STATES)
    if -MU <= POS[i] - POS[j] <= ML
}


def compiled_rhs(n: int):
    """The compiled right-hand side (:mod:`livermodel.solve.compiled`) for a batch of ``n``, or None.

    None for batches under :data:`livermodel.solve.compiled.MIN_RUNS` runs, without numba, or with
    ``LIVERMODEL_COMPILED=0``; the batch then uses :func:`livermodel.model.rhs`.
    """
    from livermodel.solve import compiled

    if n < compiled.MIN_RUNS or not compiled.enabled():
        return None
    return compiled.kernel()


def _integrate_lsoda(params, schedules, grid, duration, settings, init=None, keep=None, fast=None):
    """Batched banded LSODA.

    ``fast``: the compiled right-hand side (:func:`compiled_rhs`), or None for numpy.  Returns
    ``traj`` (T, n, len(keep)) with the states ``keep`` (public indices; default all, in public
    order), ok flags and messages.  Times not reached by a failed run hold NaN.
    """
    from scipy.integrate import odeint  # imported here so that `livermodel --help` starts fast

    n = len(params)
    ns = model.N_STATES
    d = model.derived(_stack(params))
    y = model.initial_state(d, n)
    for i, v in (init or {}).items():
        y[i] = v
    # filled time-major, as the solver delivers it; returned as (n, ns, T) views
    keep = list(range(ns)) if keep is None else list(keep)
    pick = POS[keep]  # where the kept states sit in the solver's vector
    traj = np.empty((grid.size, n, len(keep)))
    ok = np.ones(n, dtype=bool)
    msgs = ["ok"] * n
    bps = _segments(schedules, duration)
    order = np.asarray(ORDER)
    if fast is not None:
        from livermodel.solve.compiled import pack

        D = pack(d, n)
    rows = _BAND_ROWS
    boluses = _boluses_by_segment(schedules, bps)
    with_inputs = [i for i, s in enumerate(schedules) if s.intervals()]
    for k in range(len(bps) - 1):
        a, b = bps[k], bps[k + 1]
        for i, ev in boluses[k]:
            ev.apply(y[:, i], params[i])
        # inputs are constant on the segment: read them at its midpoint (most runs have none)
        u = np.zeros((len(model.INPUTS), n))
        for i in with_inputs:
            u[:, i] = schedules[i].inputs_at(0.5 * (a + b))
        last = k == len(bps) - 2
        mask = (grid >= a) & ((grid <= b) if last else (grid < b))
        t_out = grid[mask]
        tt = np.concatenate([[a], t_out[t_out > a], [b]])

        if fast is not None:
            U = np.ascontiguousarray(u.T)

            def f(yflat, t, D=D, U=U):
                return fast(yflat, D, U, np.empty(n * ns))
        else:

            def f(yflat, t, d=d, u=u):
                # solver vector: run-major, states in ORDER within a run
                return model.rhs(yflat.reshape(n, ns).T[POS], d, u)[order].T.ravel()

        def jac(yflat, t, d=d, u=u):
            # banded storage: band[i - j + MU, j] = d f_i / d y_j (internal order)
            band = np.zeros((ML + MU + 1, n * ns))
            for key, v in model.jacobian(yflat.reshape(n, ns).T[POS], d, u).items():
                r, c = rows[key]
                band[r, c::ns] = v
            return band

        sol: np.ndarray | None
        info: Mapping[str, Any]  # odeint's full_output, or just the message of an exception
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            try:
                sol, info = odeint(
                    f,
                    y[order].T.ravel(),
                    tt,
                    Dfun=jac,
                    rtol=settings.rtol,
                    atol=settings.atol,
                    ml=ML,
                    mu=MU,
                    full_output=True,
                    hmax=settings.max_step,
                    mxstep=settings.max_steps,
                    tfirst=False,
                )
            except (ValueError, ArithmeticError) as err:  # pragma: no cover - defensive
                sol, info = None, {"message": f"{type(err).__name__}: {err}"}
        good = (
            info["message"].startswith("Integration successful")
            and sol is not None
            and np.all(np.isfinite(sol))
        )
        if not good:
            if n > 1:
                # split the batch: integrate each run alone so one bad run cannot sink the others
                return _integrate_each(params, schedules, grid, duration, settings, init, keep, fast)
            ok[0] = False
            msgs[0] = f"solver failed between {a:g} h and {b:g} h: {info['message'].strip()}"
            traj[grid >= a] = np.nan
            return traj, ok, msgs
        assert sol is not None  # good
        sol = sol.reshape(len(tt), n, ns)
        idx = np.flatnonzero(mask)
        if idx.size:
            take = np.searchsorted(tt, grid[idx])
            if take[-1] - take[0] == take.size - 1:  # contiguous: a slice, no row gather
                np.take(
                    sol[take[0] : take[-1] + 1], pick, axis=2, out=traj[idx[0] : idx[-1] + 1], mode="clip"
                )  # no temporary
            else:
                traj[idx] = sol[take][:, :, pick]
        y = sol[-1][:, POS].T.copy()
    return traj, ok, msgs


def _integrate_each(params, schedules, grid, duration, settings, init, keep=None, fast=None):
    """Each run alone (after a batch failed), in the layout of :func:`_integrate_lsoda`."""
    parts = [
        _integrate_lsoda([p], [s], grid, duration, settings, init, keep, fast)
        for p, s in zip(params, schedules, strict=True)
    ]
    traj = np.concatenate([t for t, _, _ in parts], axis=1)
    ok = np.concatenate([o for _, o, _ in parts])
    msgs = [m[0] for _, _, m in parts]
    return traj, ok, msgs


class _BudgetExceeded(Exception):
    """The step budget of a solve_ivp integration ran out."""


def _integrate_ivp(params, schedule, grid, duration, settings, init=None):
    """One run with ``solve_ivp`` (BDF or Radau); returns states (n_states, T), ok, message."""
    from scipy.integrate import solve_ivp

    d = model.derived(_stack([params]))
    d1 = {k: v[0] for k, v in d.items()}
    y = model.initial_state(d, 1)[:, 0]
    for i, v in (init or {}).items():
        y[i] = v
    states = np.full((model.N_STATES, grid.size), np.nan)
    bps = _segments([schedule], duration)
    boluses = _boluses_by_segment([schedule], bps)
    for k in range(len(bps) - 1):
        a, b = bps[k], bps[k + 1]
        for _, ev in boluses[k]:
            ev.apply(y, params)
        u = schedule.inputs_at(0.5 * (a + b))
        last = k == len(bps) - 2
        mask = (grid >= a) & ((grid <= b) if last else (grid < b))

        calls = [0]

        def f(t, yy, u=u, calls=calls):
            calls[0] += 1
            if calls[0] > 20 * settings.max_steps:
                raise _BudgetExceeded(f"more than {settings.max_steps} steps (max_steps)")
            return model.rhs(yy.reshape(model.N_STATES, -1), d1, u[:, None]).reshape(yy.shape)

        kw = {"max_step": settings.max_step} if settings.max_step > 0 else {}
        try:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                sol = solve_ivp(
                    f,
                    (a, b),
                    y,
                    method=settings.method,
                    dense_output=True,
                    rtol=settings.rtol,
                    atol=settings.atol,
                    vectorized=True,
                    **kw,
                )
        except (ValueError, ArithmeticError, np.linalg.LinAlgError, _BudgetExceeded) as err:
            return states, False, (f"solver failed between {a:g} h and {b:g} h: {type(err).__name__}: {err}")
        if not sol.success:
            return states, False, f"solver failed between {a:g} h and {b:g} h: {sol.message}"
        if mask.any():
            assert sol.sol is not None  # dense_output=True
            states[:, mask] = sol.sol(grid[mask])
        y = sol.y[:, -1].copy()
        if not np.all(np.isfinite(y)):
            return states, False, f"non-finite state between {a:g} h and {b:g} h"
    return states, True, "ok"
