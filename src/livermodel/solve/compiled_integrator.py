"""The compiled batched integrator (:func:`livermodel.solve.kernels.integrate_runs`) behind
:func:`livermodel.solve.simulate.simulate_batch`: its inputs built as arrays, its results put where
the batch keeps them, and the runs it hands back (stiff, failed) named for the reference path.

Each run is integrated on its own, in compiled code, with its own steps and only its own
schedule breakpoints; EV plasma is solved in closed form between doses, galactosamine and the
uridine deficit on their own (:mod:`livermodel.solve.kernel_galn`), the rest with an explicit
Dormand-Prince 5(4) pair whose stiffness test hands a run that turns stiff
back to the caller, which integrates it with LSODA (the reference path) and says so in the run's
message.  Used for batches of :data:`livermodel.solve.compiled.MIN_RUNS` runs or more when numba
is installed and ``LIVERMODEL_COMPILED`` is neither ``0`` nor ``rhs``.  A metrics-only batch
(:mod:`livermodel.solve.metrics_only`) has it accumulate the runs' outcome metrics instead of
keeping their trajectories (:func:`integrate` with ``acc``).
"""

from __future__ import annotations

import numpy as np

from livermodel import model
from livermodel.model.layout import ORDER, POS

#: Why a run was handed back, by status of :func:`livermodel.solve.kernels.integrate_runs`.
REASONS = {1: "stiff", 2: "step size too small", 3: "non-finite state", 4: "step budget exhausted"}


def compiled_integrator(n: int):
    """The compiled integrator for a batch of ``n`` runs, or None (no numba,
    ``LIVERMODEL_COMPILED=0`` or ``rhs``, or a batch under
    :data:`livermodel.solve.compiled.MIN_RUNS` runs in a process that has not loaded it yet:
    single runs and small cohorts do not pay for loading numba, while a sweep that has loaded it
    integrates its last, smaller chunk with it too)."""
    from livermodel.solve import compiled

    if compiled.mode() != "integrator":
        return None
    if n < compiled.MIN_RUNS and not compiled.integrator.cache_info().currsize:
        return None
    return compiled.integrator()


class _Reads(dict):
    """A parameter dict that records which keys are read (to key the bolus memo below)."""

    def __init__(self, params):
        super().__init__(params)
        self.read: dict[str, None] = {}

    def __getitem__(self, key):
        self.read[key] = None
        return super().__getitem__(key)

    def get(self, key, default=None):
        self.read[key] = None
        return super().get(key, default)


def _schedule_part(s, p, duration):
    """One run's segments as arrays (public state order) and the parameters its boluses read."""
    from livermodel.solve.segments import _boluses_by_segment, _segments

    ns = model.N_STATES
    bps = _segments([s], duration)
    bol = _boluses_by_segment([s], bps)
    tracked = _Reads(p)
    k = len(bps) - 1
    t = np.array([bps[:-1], bps[1:]], dtype=float).T.reshape(k, 2)
    u = np.zeros((k, len(model.INPUTS)))
    ja, jb = np.ones((k, ns)), np.zeros((k, ns))
    has_inputs = bool(s.intervals())
    for j in range(k):
        for _, ev in bol[j]:
            zero, one = [0.0] * ns, [1.0] * ns  # plain lists: events index and add
            ev.apply(zero, tracked)
            ev.apply(one, tracked)
            for i in range(ns):
                if zero[i] != 0.0 or one[i] != 1.0:
                    scale = one[i] - zero[i]
                    ja[j, i], jb[j, i] = ja[j, i] * scale, jb[j, i] * scale + zero[i]
        if has_inputs:
            u[j] = s.inputs_at(0.5 * (t[j, 0] + t[j, 1]))
    return (t, u, ja, jb), tuple(tracked.read)


def segments(params, schedules, duration):
    """The integrator's schedule arrays: ``seg_ptr`` (n + 1), ``seg_t`` (m, 2), ``seg_u`` (m, 3),
    ``jump_a`` and ``jump_b`` (m, n_states, solver order) for every run's own segments.

    A run's segments are those of :func:`livermodel.solve.segments._segments` for its schedule
    alone, and its boluses those of ``_boluses_by_segment``; each bolus acts on the state as
    ``y <- a y + b`` per state (every event of :mod:`livermodel.model.schedule` scales or adds),
    read off by applying it to zeros and ones.  Runs that share a schedule and the values of
    the parameters its boluses read (recorded while they are applied: a bolus is a function of
    the values it reads) share the work, so a sweep over a death rate and a dose computes one
    part per dose.
    """
    # id(schedule) -> (schedule, {parameters read: {their values: part}})
    memo: dict[int, tuple[object, dict[tuple, dict[tuple, int]]]] = {}
    parts: list = []
    index = np.empty(len(schedules), dtype=np.int64)
    for r, (p, s) in enumerate(zip(params, schedules, strict=True)):
        entry = memo.get(id(s))
        if entry is None:
            entry = memo[id(s)] = (s, {})  # the schedule kept alive, so that its id stays its own
        found = None
        for reads, by_value in entry[1].items():
            found = by_value.get(tuple(p.get(k) for k in reads))
            if found is not None:
                break
        if found is None:
            part, reads = _schedule_part(s, p, duration)
            found = len(parts)
            parts.append(part)
            entry[1].setdefault(reads, {})[tuple(p.get(k) for k in reads)] = found
        index[r] = found
    sizes = np.array([len(part[0]) for part in parts], dtype=np.int64)[index]
    seg_ptr = np.zeros(len(schedules) + 1, dtype=np.int64)
    np.cumsum(sizes, out=seg_ptr[1:])
    order = np.asarray(ORDER)
    picked = [parts[i] for i in index.tolist()]
    return (
        seg_ptr,
        np.concatenate([q[0] for q in picked]),
        np.concatenate([q[1] for q in picked]),
        np.ascontiguousarray(np.concatenate([q[2] for q in picked])[:, order]),
        np.ascontiguousarray(np.concatenate([q[3] for q in picked])[:, order]),
    )


def integrate(fn, params, schedules, grid, duration, settings, init, keep, acc=None):
    """Integrate the runs with the compiled integrator ``fn``.

    ``keep``: public state numbers to return.  Returns ``traj`` (n, len(keep), len(grid)),
    ``status`` (0 = ok; see :data:`REASONS`), the time each run reached, and its accepted steps.
    With ``acc`` (rows of :func:`livermodel.solve.kernel_metrics.new_rows`), the runs' outcome
    metrics are accumulated into it instead, and ``traj`` has no time columns (no trajectory is
    kept); ``keep`` must then hold the states of :data:`livermodel.solve.kernel_metrics.STATES`.
    """
    from livermodel.solve.compiled import pack
    from livermodel.solve.segments import _stack

    n = len(params)
    d = model.derived(_stack(params))
    y = model.initial_state(d, n)
    for i, v in (init or {}).items():
        y[i] = v
    Y0 = np.ascontiguousarray(y[np.asarray(ORDER)].T)
    seg = segments(params, schedules, duration)
    keep_pos = np.ascontiguousarray(POS[np.asarray(keep, dtype=np.int64)], dtype=np.int64)
    traj = np.empty((n, len(keep), grid.size if acc is None else 0))
    if acc is None:
        acc, mpos = np.empty((n, 0)), np.empty(0, dtype=np.int64)
    else:
        from livermodel.solve.kernel_metrics import STATE_NUMBERS

        mpos = np.array([list(keep).index(k) for k in STATE_NUMBERS], dtype=np.int64)
    status = np.zeros(n, dtype=np.int64)
    reached = np.zeros(n)
    steps = np.zeros(n, dtype=np.int64)
    with np.errstate(all="ignore"):
        fn(Y0, pack(d, n), *seg, np.ascontiguousarray(grid, dtype=float), keep_pos, float(settings.rtol),
           float(settings.atol), float(settings.max_step), int(settings.max_steps) * 20, traj, status,
           reached, steps, acc, mpos)  # fmt: skip
    return traj, status, reached, steps


def integrate_into(fn, params, schedules, grid, duration, settings, init, where, ok, msgs) -> list[int]:
    """Integrate the batch with ``fn`` and store each run's kept states where ``where`` says
    (``{state: (buffer, column)}``, buffers (n, columns, times)); set ``ok`` and ``msgs`` of the
    runs that finished.  Returns the runs handed back for the reference path, whose message
    says why."""
    keep = list(where)
    traj, status, reached, _ = integrate(fn, params, schedules, grid, duration, settings, init, keep)
    for m, (buf, j) in enumerate(where.values()):
        buf[:, j, :] = traj[:, m, :]
    good = status == 0
    ok[good] = True
    msgs[:] = messages(status, reached)
    return np.flatnonzero(~good).tolist()


def messages(status, reached) -> list[str]:
    """Each run's message after the compiled integrator: ``ok``, or why it was handed back to
    the reference path (which appends its own verdict)."""
    out = []
    for st, t in zip(status.tolist(), reached.tolist(), strict=True):
        why = REASONS.get(st, f"status {st}")
        out.append(
            "ok" if st == 0 else f"compiled integrator stopped at {t:.4g} h ({why}); integrated with LSODA"
        )
    return out
