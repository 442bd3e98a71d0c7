"""Outcome metrics accumulated by the compiled integrator while it integrates (numba).

A sweep that asks only for metrics (``simulate_batch(..., metrics_only=True)``) needs no
trajectory: at every output time the integrator hands the kept states to :func:`emit`, which
computes the observables the metrics read (:func:`observables_one`, exactly the formulas of
:func:`livermodel.model.observables`, which ``tests/test_kernel_metrics.py`` checks on random
states and parameter sets) and updates one small row per run (:data:`N_ACC` numbers): the first
minimum of liver function and the recovery crossing after it (reset at every new minimum), the
first failure crossing with the hazards at its output point, the first maxima of ALT and of
division, and the values the ``mode`` rule and the final metrics read.  Crossings are
interpolated linearly between output points exactly as :func:`livermodel.metrics.compute_batch`
does, so both give the same numbers from the same output values; :func:`arrays` turns the rows
into the metric arrays of :func:`livermodel.metrics.assemble`, which writes the rules for
``recovery``, ``mode`` and ``failure_cause`` once for both.

Imported by :mod:`livermodel.solve.kernels` (compiled into the integrator) and, to read the
rows, by :mod:`livermodel.solve.metrics_only` after the integrator ran.
"""

from __future__ import annotations

import math

import numpy as np
from numba.extending import register_jitable

from livermodel.metrics import FAILURE_SURVIVAL, RECOVERY_LEVEL, assemble
from livermodel.model.layout import STATE_INDEX
from livermodel.solve.kernel_constants import KEYS

# pragma: no cover for the numba functions - they run compiled (coverage cannot see them)

#: The states the metrics are computed from, in the order :func:`emit` reads them.
STATES = (
    "functional_mass",
    "injured_mass",
    "primed_fraction",
    "hypertrophy",
    "compensation",
    "cumulative_hazard",
    "alt_u_per_l",
    "systemic_hazard",
)
#: Their public state numbers.
STATE_NUMBERS = tuple(STATE_INDEX[s] for s in STATES)
M_F, M_I, M_P, M_HY, M_Q, M_H, M_ALT, M_SH = range(len(STATES))

# one run's row: two inputs (set by new_rows) and what the output points leave there
LEVEL, K_MODE = 0, 1  # recovery level; output index the mode rule reads (as a float)
F_MIN, I_NADIR, RECOVERY, F_PREV, S_PREV = 2, 3, 4, 5, 6
FAIL_T, FAIL_SYS, FAIL_SURV = 7, 8, 9
ALT_MAX, I_ALT, PRO_MAX, I_PRO = 10, 11, 12, 13
F_K, F_END, V_END, S_END = 14, 15, 16, 17
#: Numbers per run.
N_ACC = 18

_K_DIV = KEYS.index("k_div")
_S = KEYS.index("S")


@register_jitable
def observables_one(F, I, P, HY, Q, H, q):  # noqa: E741 - the model's own symbols
    """Liver function, liver volume, proliferation and survival probability of one run at one
    time, from its states and its derived constants ``q`` (a row of
    :func:`livermodel.solve.compiled.pack`): the formulas of :func:`livermodel.model.observables`."""
    Fp = max(F, 0.0)
    fn = Q * HY * Fp
    total = Fp + max(I, 0.0)
    prolif = q[_K_DIV] * P * Fp * max(0.0, 1.0 - Q * HY * total / q[_S])
    return fn, HY * total, prolif, math.exp(-H)


@register_jitable
def _crossing(t0, t1, x0, x1, level):
    """The linear interpolation of :func:`livermodel.metrics._crossing_times`."""
    if x1 == x0:
        return t1
    return t0 + (level - x0) * (t1 - t0) / (x1 - x0)


@register_jitable
def accumulate(acc, yo, mpos, q, grid, gi):
    """Update one run's row ``acc`` with output point ``gi`` (``yo[mpos[M_F]]`` its
    functional mass, and so on; points arrive in order, ``gi`` = 0 first)."""
    F, vol, pro, surv = observables_one(
        yo[mpos[M_F]], yo[mpos[M_I]], yo[mpos[M_P]], yo[mpos[M_HY]], yo[mpos[M_Q]], yo[mpos[M_H]], q
    )
    alt = yo[mpos[M_ALT]]
    level = acc[LEVEL]
    t = grid[gi]
    if gi == 0 or F < acc[F_MIN]:  # a new first minimum: the recovery search starts here
        acc[F_MIN] = F
        acc[I_NADIR] = gi
        acc[RECOVERY] = t if F >= level else math.nan  # a hit at the start: its exact time
    elif math.isnan(acc[RECOVERY]) and F >= level:
        acc[RECOVERY] = _crossing(grid[gi - 1], t, acc[F_PREV], F, level)
    if gi == 0:
        acc[FAIL_T] = math.nan
    if math.isnan(acc[FAIL_T]) and surv <= FAILURE_SURVIVAL:
        acc[FAIL_T] = t if gi == 0 else _crossing(grid[gi - 1], t, acc[S_PREV], surv, FAILURE_SURVIVAL)
        acc[FAIL_SYS] = yo[mpos[M_SH]]
        acc[FAIL_SURV] = surv
    if gi == 0 or alt > acc[ALT_MAX]:
        acc[ALT_MAX] = alt
        acc[I_ALT] = gi
    if gi == 0 or pro > acc[PRO_MAX]:
        acc[PRO_MAX] = pro
        acc[I_PRO] = gi
    if gi == acc[K_MODE]:
        acc[F_K] = F
    acc[F_PREV] = F
    acc[S_PREV] = surv
    acc[F_END] = F
    acc[V_END] = vol
    acc[S_END] = surv


@register_jitable
def emit(yo, gi, grid, out, acc, mpos, q):
    """Output point ``gi`` of one run, the kept states ``yo``: into its trajectory ``out``
    (len(keep), len(grid)) unless ``out`` has no columns, and into its metrics row ``acc``
    unless ``mpos`` (where the :data:`STATES` sit in ``yo``) is empty."""
    if out.shape[1] > 0:
        for j in range(yo.size):
            out[j, gi] = yo[j]
    if mpos.size > 0:
        accumulate(acc, yo, mpos, q, grid, gi)


def new_rows(rec_level: np.ndarray, n_times: int) -> np.ndarray:
    """Empty metric rows (n, :data:`N_ACC`) for runs with recovery levels ``rec_level`` on a
    grid of ``n_times`` points."""
    acc = np.full((rec_level.size, N_ACC), np.nan)
    acc[:, LEVEL] = rec_level
    acc[:, K_MODE] = max(1, int(0.9 * (n_times - 1)))
    return acc


def recovery_levels(params) -> np.ndarray:
    """:data:`livermodel.metrics.RECOVERY_LEVEL` x set point, per run."""
    return RECOVERY_LEVEL * np.array([float(p["set_point"]) for p in params])


def arrays(acc: np.ndarray, grid: np.ndarray, success) -> dict[str, np.ndarray]:
    """The metric arrays (:func:`livermodel.metrics.assemble`) of filled rows ``acc``."""

    def index(col):
        return np.nan_to_num(acc[:, col], nan=0.0).astype(np.int64)

    return assemble(
        grid,
        acc[:, LEVEL],
        success,
        nadir=acc[:, F_MIN],
        i_nadir=index(I_NADIR),
        recovery=acc[:, RECOVERY],
        fail_t=acc[:, FAIL_T],
        fail_systemic=acc[:, FAIL_SYS],
        fail_survival=acc[:, FAIL_SURV],
        alt_peak=acc[:, ALT_MAX],
        i_alt=index(I_ALT),
        prolif_peak=acc[:, PRO_MAX],
        i_prolif=index(I_PRO),
        f_mode=acc[:, F_K],
        final_mass=acc[:, F_END],
        final_volume=acc[:, V_END],
        final_survival=acc[:, S_END],
    )
