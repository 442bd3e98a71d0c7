"""The compiled kernels (numba): the model's right-hand side for one run, and a batched integrator
that loops over runs in compiled code.

Imported only by :func:`livermodel.solve.compiled.kernel` and
:func:`livermodel.solve.compiled.integrator` (numba loads in about 0.3 s, which single runs and
the command line's start-up do not pay).  Every kernel is cached on disk (``cache=True``).

:func:`rhs_one` computes exactly the terms of :func:`livermodel.model.rhs` for one run, reading
and writing the solver's vector (states in :data:`livermodel.model.layout.ORDER`);
``tests/test_compiled.py`` checks it term by term against the numpy definition on random states
and parameter sets, so a model change cannot leave it behind.

:func:`integrate_runs` integrates each run of a batch on its own (its own steps and its own
schedule breakpoints) with the explicit Runge-Kutta pair of Dormand & Prince (1980, J Comput
Appl Math 6:19), error control in the weighted max norm, the fourth-order continuous extension
of Shampine (1986, Math Comp 46:135) for the output times, and the stiffness test of Hairer &
Wanner (Hairer, Norsett & Wanner 1993, Solving Ordinary Differential Equations I, sec. II.10 and
IV.2: an estimate of |h lambda| from the last two stages, both at t + h).  The model's stiff
parts that explicit steps would otherwise be held to are not integrated with the rest: the linear
MSC and EV compartments (EV plasma decays at 13.9/h) are solved in closed form between doses
(:func:`_plasma`), and galactosamine with the uridine deficit it causes (11.9/h), a closed pair
that reads no other state, is integrated on its own first and read from its record
(:mod:`livermodel.solve.kernel_galn`); the remaining equations are non-stiff for the model's
usual parameters (fastest mode: the growth signal, 0.5/h).  Acetaminophen's compartments are
integrated with the rest (they read liver function).  A run whose stiffness test fires, whose
step size collapses or whose state turns non-finite stops with a status and the time it
stopped; the caller integrates it again on the reference path (LSODA) and reports it.  At every output time
the kept states go to :func:`livermodel.solve.kernel_metrics.emit`, which writes them into the
run's trajectory and, for a metrics-only batch, accumulates the run's outcome metrics instead
(no trajectory is kept).

The right-hand side has corners (``max(0, .)`` terms: the growth drive and the room to divide
at the set point, the division demand at its threshold, lung MSCs at their signalling
threshold; :func:`_switches`).  A step across one makes a local error that the embedded
estimate does not see, so an accepted step inside which a switching function changes sign is
taken again, shortened to the corner found by bisection on the continuous extension, and the
integration goes on from the corner (the usual treatment of discontinuities in the derivative:
Hairer, Norsett & Wanner 1993, sec. II.6; Shampine & Thompson 2000, Comput Math Appl 39(5-6):43,
doi:10.1016/S0898-1221(00)00045-6): at rtol 1e-6 this takes the sweep workload's largest
error from 1.4e-5 to 1.4e-6 for about three more steps per run.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit
from numba.extending import register_jitable

from livermodel.solve import kernel_galn
from livermodel.solve.dopri import (
    A21,
    A31,
    A32,
    A41,
    A42,
    A43,
    A51,
    A52,
    A53,
    A54,
    A61,
    A62,
    A63,
    A64,
    A65,
    B1,
    B3,
    B4,
    B5,
    B6,
    C2,
    C3,
    C4,
    C5,
    D1,
    D3,
    D4,
    D5,
    D6,
    D7,
    E1,
    E3,
    E4,
    E5,
    E6,
    E7,
)
from livermodel.solve.kernel_constants import (
    CAP,
    MG_TO_UMOL,
    NS,
    P0,
    P1,
    P2,
    P3,
    P4,
    P5,
    P6,
    P7,
    P8,
    P9,
    P10,
    P11,
    P12,
    P13,
    P14,
    P15,
    P16,
    P17,
    P18,
    P19,
    P20,
    P21,
    P22,
    P23,
    P24,
    Q_EVP,
)
from livermodel.solve.kernel_metrics import emit

#: The first 16 hex digits of the SHA-256 of the modules whose functions and constants these
#: kernels compile in (:data:`COMPILED_IN`, their bytes in that order).  numba's disk cache
#: looks only at this file, so a change there must change this one: ``tests/test_compiled.py``
#: checks the digest, and a stale digest fails it.
COMPILED_IN = ("dopri.py", "kernel_constants.py", "kernel_galn.py", "kernel_metrics.py")
COMPILED_IN_DIGEST = "590c91a9226b49a4"

# pragma: no cover for the whole module - it runs compiled (coverage cannot see it)


@register_jitable
def _step(x, width):
    """The smooth step 1/2 [1 + tanh(x / width)] of the model (``equations._switch``), written
    as 1 / (1 + exp(-2 x / width)): the same function, one exponential instead of a tanh."""
    return 1.0 / (1.0 + math.exp(-2.0 * x / width))


@register_jitable
def rhs_one(yf, b, q, u, out):
    """d/dt of one run's states ``yf[b:b + NS]`` into ``out[b:b + NS]`` (the solver's order):
    ``q`` its derived constants (a row of :func:`livermodel.solve.compiled.pack`), ``u`` its
    three inputs."""
    y6, y7, y8, y9 = yf[b + P6], yf[b + P7], yf[b + P8], yf[b + P9]
    y10, y11 = yf[b + P10], yf[b + P11]
    p, g = yf[b + P2], yf[b + P3]
    hy, cq = yf[b + P13], yf[b + P14]
    F = max(yf[b + P0], 0.0)
    I = max(yf[b + P1], 0.0)  # noqa: E741 - the model's own symbol
    X = max(yf[b + P4], 0.0)
    T = max(yf[b + P5], 0.0)
    m_lung, m_liv = max(y8, 0.0), max(y9, 0.0)
    signal = q[0] * m_liv + q[1] * m_lung + q[2] * max(y11, 0.0)
    occ = signal / (signal + q[3])
    anti_death = 1.0 - q[4] * occ
    tox = 0.0
    if T > 0.0:
        Tn = T ** q[6]
        tox = q[5] * Tn / (Tn + q[7])
    X2 = X * X
    total = F + I
    fn = cq * hy * F
    # acetaminophen, NAC and galactosamine (livermodel.model.equations.drug_terms)
    ag, ms = yf[b + P17], yf[b + P21]
    galn = 0.0
    necrosis = 0.0
    sens = 1.0
    arrest = 0.0
    if (
        ag != 0.0
        or yf[b + P18] != 0.0
        or yf[b + P19] != 1.0
        or yf[b + P20] != 0.0
        or ms != 0.0
        or yf[b + P22] != 0.0
        or yf[b + P23] != 0.0
        or yf[b + P24] != 0.0
        or u[2] != 0.0
    ):
        C = max(yf[b + P18], 0.0)
        Gs = max(yf[b + P19], 0.0)
        A = max(yf[b + P20], 0.0)
        N = max(yf[b + P22], 0.0)
        Dg = max(yf[b + P23], 0.0)
        W = max(yf[b + P24], 0.0)
        L = (1.0 - q[64]) + q[64] * min(fn, CAP)
        hepatic = (q[58] / (q[59] + C) + q[60] / (q[61] + C) + q[62]) * C * L
        napqi = q[62] * C * L * MG_TO_UMOL
        G2 = Gs * Gs
        trap = G2 / (G2 + q[68])
        synth = q[66] * (1.0 + q[76] * N / (N + q[77])) * (q[67] - Gs) * q[84]
        s_ad = 0.0
        if A > 0.0:
            An = A ** q[70]
            s_ad = An / (An + q[71])
        U1 = max(1.0 - W, 0.0)
        U4 = U1 * U1 * U1 * U1
        arrest = 1.0 - (1.0 + q[83]) * U4 / (U4 + q[83])
        galn = q[82] * arrest
        sens = 1.0 + q[88] * arrest
        S4 = max(ms, 0.0) ** 4
        necrosis = q[73] * S4 / (S4 + q[85]) * anti_death * F
        out[b + P17] = -q[55] * ag
        out[b + P18] = (q[56] * q[55] * ag - hepatic - q[63] * C) / q[57]
        out[b + P19] = synth - q[66] * Gs - napqi * trap / q[65]
        out[b + P20] = napqi * (1.0 - trap) - q[69] * A
        out[b + P21] = q[72] * (s_ad * (1.0 - q[86] * trap + q[87] * S4 / (S4 + q[85])) - ms)
        out[b + P22] = u[2] / q[74] - q[75] * N
        out[b + P23], out[b + P24] = kernel_galn.rates(Dg, W, q)
    else:  # no drug in this run: every drug derivative is zero
        for k in (P17, P18, P19, P20, P21, P22, P23, P24):
            out[b + k] = 0.0
    injury = (tox + q[8] * X2 / (X2 + q[9]) * sens + u[0] + galn) * F
    die_inj = q[10] * (1.0 + q[11] * X) * anti_death * I
    s_od = _step(q[13] - fn, q[14])
    overload = q[12] * s_od * anti_death
    death = die_inj + overload * total + necrosis
    repair = q[15] * (1.0 - arrest) * I
    demand = max(0.0, g - q[45])
    out[b + P0] = (
        repair
        - injury
        + q[16] * p * F * max(0.0, 1.0 - cq * hy * total / q[17])
        - overload * F
        - necrosis
        + q[18] * m_liv
    )
    out[b + P1] = injury - repair - die_inj - overload * I
    out[b + P2] = (
        q[19] * (demand / (demand + q[46]) + q[20] * X) * (1.0 - q[47] * s_od) * (1.0 - p) - q[21] * p
    )
    out[b + P3] = q[22] * (q[48] * max(0.0, 1.0 - fn / q[17]) + q[23] * occ - g)
    out[b + P4] = (
        q[24] * death * (1.0 - q[25] * occ)
        - q[26] * (1.0 + q[89] * occ) * X
        + q[90] * max(m_lung - q[91], 0.0)
    )
    out[b + P5] = -q[27] * ((1.0 - q[28]) + q[28] * min(fn, CAP)) * (1.0 + q[29] * u[1]) * T
    out[b + P6] = q[30] * death - q[31] * (y6 - q[32])
    out[b + P7] = q[33] * death - q[34] * (y7 - q[35])
    out[b + P8] = -q[36] * y8
    out[b + P9] = -(q[37] + q[38]) * y9
    out[b + P10] = -q[39] * y10
    out[b + P11] = q[40] * q[39] * y10 + q[41] * (y8 + y9) - q[42] * y11
    z = yf[b + P15]
    X4 = X2 * X2
    out[b + P15] = q[92] * X4 / (X4 + q[93]) * (1.0 - z) - q[94] * z
    out[b + P16] = q[95] * max(z, 0.0)
    out[b + P12] = q[43] * _step(q[54] - fn, q[44]) + out[b + P16]
    out[b + P13] = q[49] * (1.0 + q[50] * demand - hy)
    out[b + P14] = q[51] * demand * (q[52] - cq) - q[53] * (cq - 1.0)


@njit(cache=True, error_model="numpy")
def rhs_flat(yf, D, U, out):
    """d(yf)/dt into ``out`` for a batch: ``yf`` the solver vector (run-major), ``D`` from
    :func:`livermodel.solve.compiled.pack`, ``U`` (n, 3) the inputs."""
    for r in range(D.shape[0]):
        rhs_one(yf, r * NS, D[r], U[r], out)
    return out


# --------------------------------------------------------------------------------------------
# the batched integrator
# --------------------------------------------------------------------------------------------

#: Outcome of one run (``status`` of :func:`integrate_runs`).
OK, STIFF, STEP_TOO_SMALL, NOT_FINITE, BUDGET = 0, 1, 2, 3, 4

#: |h lambda| above which a step counts as limited by stability (the stability region of the pair
#: reaches about -3.3 on the real axis), and how many such steps mark a run as stiff
STIFF_HL, STIFF_STEPS, NONSTIFF_RESET = 3.25, 15, 6


@register_jitable
def _plasma(y, q, m, tau):
    """EV plasma ``tau`` hours after it held ``m``, into ``y``: the one fast linear compartment
    (half-life 0.02 to 1 h), which only decays between doses (the same equation as
    :func:`rhs_one` writes for it), solved exactly."""
    if m == 0.0:
        y[P10] = 0.0
    else:
        y[P10] = m * math.exp(-q[Q_EVP] * tau)


@register_jitable
def _f(t, y, q, u, m, t0, k, rec, nrec, cur):
    """The right-hand side with EV plasma set to its exact value at ``t`` and, if the segment
    has a galactosamine record (``nrec`` != 0: :mod:`livermodel.solve.kernel_galn`),
    galactosamine and the uridine deficit set to theirs."""
    _plasma(y, q, m, t - t0)
    if nrec != 0:
        y[P23], y[P24] = kernel_galn.at(rec, nrec, t, cur)
    rhs_one(y, 0, q, u, k)
    k[P10] = 0.0
    if nrec != 0:
        k[P23] = 0.0
        k[P24] = 0.0


@register_jitable
def _first_step(t, y, f0, q, u, m, t0, rtol, atol, span, y1, f1, rec, nrec, cur):
    """An initial step size (Hairer, Norsett & Wanner 1993, sec. II.4)."""
    d0 = 0.0
    d1 = 0.0
    for i in range(NS):
        sc = atol + rtol * abs(y[i])
        d0 = max(d0, abs(y[i]) / sc)
        d1 = max(d1, abs(f0[i]) / sc)
    h0 = 0.01 * d0 / d1 if d0 > 1e-5 and d1 > 1e-5 else 1e-6
    h0 = min(h0, span)
    for i in range(NS):
        y1[i] = y[i] + h0 * f0[i]
    _f(t + h0, y1, q, u, m, t0, f1, rec, nrec, cur)
    d2 = 0.0
    for i in range(NS):
        sc = atol + rtol * abs(y[i])
        d2 = max(d2, abs(f1[i] - f0[i]) / sc)
    d2 /= h0
    big = max(d1, d2)
    h1 = max(1e-6, h0 * 1e-3) if big <= 1e-15 else (0.01 / big) ** 0.2
    return min(100.0 * h0, h1, span)


#: How many switching functions :func:`_switches` computes.
N_SWITCHES = 4


@register_jitable
def _switches(y, q, out):
    """The model's switching functions at ``y``: where one changes sign, a term of
    :func:`rhs_one` has a corner (``max(0, .)``), which an explicit method steps across with a
    local error its estimate does not see.  Growth drive ``max(0, 1 - fn/S)``, room to divide
    ``max(0, 1 - cq hy (F + I)/S)``, division demand ``max(0, g - g_th)`` and lung MSCs above
    their signalling threshold ``max(m_lung - threshold, 0)``."""
    ch = y[P14] * y[P13]
    F = max(y[P0], 0.0)
    out[0] = q[17] - ch * F
    out[1] = q[17] - ch * (F + max(y[P1], 0.0))
    out[2] = y[P3] - q[45]
    out[3] = y[P8] - q[91]


@register_jitable
def _dense(i, th, y, yn, k1, k3, k4, k5, k6, k7, h):
    """State ``i`` at ``t + th h`` from the continuous extension of the step (Shampine 1986)."""
    th1 = 1.0 - th
    dy = yn[i] - y[i]
    bs = h * k1[i] - dy
    r5 = h * (D1 * k1[i] + D3 * k3[i] + D4 * k4[i] + D5 * k5[i] + D6 * k6[i] + D7 * k7[i])
    return y[i] + th * (dy + th1 * (bs + th * (dy - h * k7[i] - bs + th1 * r5)))


@register_jitable
def _kink(y, yn, k1, k3, k4, k5, k6, k7, h, q, skip, sa, sb, yd):
    """The first fraction of the step at which a switching function changes sign (bisection on
    the continuous extension), and which one; (1.0, -1) if none does.  Switch ``skip`` (the one
    the step starts on) is not looked at."""
    _switches(y, q, sa)
    _switches(yn, q, sb)
    first = 1.0
    which = -1
    for j in range(N_SWITCHES):
        if j == skip or (sa[j] > 0.0) == (sb[j] > 0.0):
            continue
        lo, hi = 0.0, 1.0
        for _ in range(40):
            mid = 0.5 * (lo + hi)
            for i in (P0, P1, P3, P8, P13, P14):
                yd[i] = _dense(i, mid, y, yn, k1, k3, k4, k5, k6, k7, h)
            _switches(yd, q, sb)
            if (sb[j] > 0.0) == (sa[j] > 0.0):
                lo = mid
            else:
                hi = mid
        if hi < first:
            first = hi
            which = j
    return first, which


@register_jitable
def _run(
    y, q, seg_t, seg_u, jump_a, jump_b, s0, s1, grid, keep, rtol, atol, hmax, max_steps, out, acc, mpos, galn
):
    """Integrate one run over its segments ``s0..s1-1``, handing the kept states at the output
    times to :func:`livermodel.solve.kernel_metrics.emit`: into ``out`` (len(keep), len(grid);
    no columns: none kept) and, if ``mpos`` is not empty, into the metrics row ``acc``.
    ``galn``: the records of the galactosamine pair (``recs, keys, nrecs, nxt`` of
    :func:`livermodel.solve.kernel_galn.record`).
    Returns (status, time reached, accepted steps)."""
    k1 = np.empty(NS)
    k2 = np.empty(NS)
    k3 = np.empty(NS)
    k4 = np.empty(NS)
    k5 = np.empty(NS)
    k6 = np.empty(NS)
    k7 = np.empty(NS)
    ys = np.empty(NS)
    y6 = np.empty(NS)
    yn = np.empty(NS)
    yd = np.empty(NS)
    sa = np.empty(N_SWITCHES)
    sb = np.empty(N_SWITCHES)
    yo = np.empty(keep.size)  # the kept states at one output time
    cur = np.zeros(1, dtype=np.int64)
    nt = grid.size
    nk = keep.size
    gi = 0
    steps = 0
    t = seg_t[s0, 0]
    for s in range(s0, s1):
        a = seg_t[s, 0]
        b = seg_t[s, 1]
        last = s == s1 - 1
        u = seg_u[s]
        for i in range(NS):
            y[i] = y[i] * jump_a[s, i] + jump_b[s, i]
        m = y[P10]
        t = a
        # galactosamine and the uridine deficit: integrated first, on their own
        slot, nrec = kernel_galn.record(
            y[P23], y[P24], q, a, b, rtol, atol, galn[0], galn[1], galn[2], galn[3]
        )
        if nrec < 0:
            return -nrec, t, steps
        rec = galn[0][slot]
        cur[0] = 0
        while gi < nt and grid[gi] <= a:  # output times at the start: after the jumps
            for j in range(nk):
                yo[j] = y[keep[j]]
            emit(yo, gi, grid, out, acc, mpos, q)
            gi += 1
        _f(t, y, q, u, m, a, k1, rec, nrec, cur)
        h = _first_step(t, y, k1, q, u, m, a, rtol, atol, b - a, ys, k2, rec, nrec, cur)
        facold = 1e-4
        rejected = False
        n_stiff = 0
        n_nonstiff = 0
        redo = -1  # the switch this step was shortened to land on
        skip = -1  # the switch the step starts on
        while t < b:
            if steps >= max_steps:
                return BUDGET, t, steps
            if hmax > 0.0:
                h = min(h, hmax)
            final = t + 1.01 * h >= b
            if final:
                h = b - t
            if h <= 1e-12 * max(1.0, abs(t)):
                return STEP_TOO_SMALL, t, steps
            for i in range(NS):
                ys[i] = y[i] + h * A21 * k1[i]
            _f(t + C2 * h, ys, q, u, m, a, k2, rec, nrec, cur)
            for i in range(NS):
                ys[i] = y[i] + h * (A31 * k1[i] + A32 * k2[i])
            _f(t + C3 * h, ys, q, u, m, a, k3, rec, nrec, cur)
            for i in range(NS):
                ys[i] = y[i] + h * (A41 * k1[i] + A42 * k2[i] + A43 * k3[i])
            _f(t + C4 * h, ys, q, u, m, a, k4, rec, nrec, cur)
            for i in range(NS):
                ys[i] = y[i] + h * (A51 * k1[i] + A52 * k2[i] + A53 * k3[i] + A54 * k4[i])
            _f(t + C5 * h, ys, q, u, m, a, k5, rec, nrec, cur)
            for i in range(NS):
                y6[i] = y[i] + h * (A61 * k1[i] + A62 * k2[i] + A63 * k3[i] + A64 * k4[i] + A65 * k5[i])
            tn = b if final else t + h
            _f(tn, y6, q, u, m, a, k6, rec, nrec, cur)
            for i in range(NS):
                yn[i] = y[i] + h * (B1 * k1[i] + B3 * k3[i] + B4 * k4[i] + B5 * k5[i] + B6 * k6[i])
            _f(tn, yn, q, u, m, a, k7, rec, nrec, cur)
            err = 0.0
            for i in range(NS):
                e = h * (E1 * k1[i] + E3 * k3[i] + E4 * k4[i] + E5 * k5[i] + E6 * k6[i] + E7 * k7[i])
                sc = atol + rtol * max(abs(y[i]), abs(yn[i]))
                err = max(err, abs(e) / sc)
            if not math.isfinite(err):
                err = 1e10
            # step size: the PI controller of Hairer, Norsett & Wanner (1993, sec. II.4)
            fac11 = err**0.17
            if err <= 1.0 and redo < 0:
                # a corner of the right-hand side inside the step: step to it instead (its
                # local error is not in the estimate), then go on from it
                th, which = _kink(y, yn, k1, k3, k4, k5, k6, k7, h, q, skip, sa, sb, yd)
                if which >= 0 and th < 0.999 and th * h > 1e-9 * max(1.0, abs(t)):
                    h = th * h
                    redo = which
                    continue
            if err <= 1.0:
                steps += 1
                skip = redo
                redo = -1
                num = 0.0
                den = 0.0
                for i in range(NS):
                    num += (k7[i] - k6[i]) ** 2
                    den += (yn[i] - y6[i]) ** 2
                if den > 0.0 and h * math.sqrt(num / den) > STIFF_HL:
                    n_nonstiff = 0
                    n_stiff += 1
                    if n_stiff == STIFF_STEPS:
                        return STIFF, t, steps
                else:
                    n_nonstiff += 1
                    if n_nonstiff == NONSTIFF_RESET:
                        n_stiff = 0
                while gi < nt and (grid[gi] < tn or (grid[gi] <= tn and (last or tn < b))):
                    # the continuous extension of the kept states only (output is most of a
                    # step's work when every state is evaluated at hourly points)
                    th = (grid[gi] - t) / h
                    th1 = 1.0 - th
                    for j in range(nk):
                        i = keep[j]
                        if i == P10:  # EV plasma: its exact value
                            _plasma(yd, q, m, grid[gi] - a)
                            yo[j] = yd[P10]
                            continue
                        if nrec != 0 and (i == P23 or i == P24):  # from their own record
                            yd[P23], yd[P24] = kernel_galn.at(rec, nrec, grid[gi], cur)
                            yo[j] = yd[i]
                            continue
                        dy = yn[i] - y[i]
                        bs = h * k1[i] - dy
                        r5 = h * (D1 * k1[i] + D3 * k3[i] + D4 * k4[i] + D5 * k5[i] + D6 * k6[i] + D7 * k7[i])
                        yo[j] = y[i] + th * (dy + th1 * (bs + th * (dy - h * k7[i] - bs + th1 * r5)))
                    emit(yo, gi, grid, out, acc, mpos, q)
                    gi += 1
                finite = True
                for i in range(NS):
                    y[i] = yn[i]
                    k1[i] = k7[i]
                    finite = finite and math.isfinite(yn[i])
                if not finite:
                    return NOT_FINITE, t, steps
                t = tn
                fac = fac11 / facold**0.04
                fac = max(0.1, min(5.0, fac / 0.9))
                hnew = h / fac
                if rejected:
                    hnew = min(hnew, h)
                facold = max(err, 1e-4)
                rejected = False
                h = hnew
            else:
                rejected = True
                redo = -1
                h = h / min(5.0, fac11 / 0.9)
    return OK, t, steps


@njit(cache=True, error_model="numpy", nogil=True)
def integrate_runs(
    Y0,
    D,
    seg_ptr,
    seg_t,
    seg_u,
    jump_a,
    jump_b,
    grid,
    keep,
    rtol,
    atol,
    hmax,
    max_steps,
    out,
    status,
    reached,
    steps,
    acc,
    mpos,
):
    """Integrate every run of a batch on its own (see the module's docstring).

    ``Y0`` (n, NS) the initial states (solver order); ``D`` (n, len(KEYS)) the derived
    constants; run ``r``'s segments are rows ``seg_ptr[r]`` to ``seg_ptr[r + 1] - 1`` of
    ``seg_t`` (start, end), ``seg_u`` (inputs on the segment) and the jumps ``y <- y * jump_a +
    jump_b`` applied at the segment's start.  ``keep``: the places (solver order) of the states
    written at the output times ``grid`` into ``out`` (n, len(keep), len(grid)), or nowhere if
    ``out`` has no time columns.  ``mpos``: where the states of
    :data:`livermodel.solve.kernel_metrics.STATES` sit in ``keep``, or empty; if given, each
    run's outcome metrics are accumulated at the output times into its row of ``acc`` (n,
    :data:`livermodel.solve.kernel_metrics.N_ACC`, from
    :func:`livermodel.solve.kernel_metrics.new_rows`).  Fills ``status`` (:data:`OK`,
    :data:`STIFF`, ...), ``reached`` (the time a stopped run reached) and ``steps`` (accepted
    steps).
    """
    galn = kernel_galn.new_records()  # shared by the batch's runs
    for r in range(Y0.shape[0]):
        y = Y0[r].copy()
        st, tr, ns = _run(
            y,
            D[r],
            seg_t,
            seg_u,
            jump_a,
            jump_b,
            seg_ptr[r],
            seg_ptr[r + 1],
            grid,
            keep,
            rtol,
            atol,
            hmax,
            max_steps,
            out[r],
            acc[r],
            mpos,
            galn,
        )
        status[r] = st
        reached[r] = tr
        steps[r] = ns
