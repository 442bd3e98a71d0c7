"""The galactosamine subsystem of the compiled integrator: D-galactosamine and the uridine deficit
it causes, integrated on their own, before the rest of the run.

Between doses these two states form a closed system (:func:`rates`, the equations of
:mod:`livermodel.model.drugs`): ``d(Dg)/dt = -k_gal K_ud Dg / (Dg + K_ud)`` and ``dW/dt = k_ud
Dg / (Dg + K_ud) (1 - W) - k_ur W`` read no other state, while the rest of the model reads them
(the uridine deficit arrests transcription and repair and sensitises hepatocytes).  They are
the model's fastest excited modes in a galactosamine run: the uridine deficit relaxes at
``k_ud + k_ur`` (11.9/h with the defaults) while galactosamine saturates its uptake, and
galactosamine is eliminated at ``k_gal`` (1.07/h) once it falls below ``K_ud``; the rest of the
model's fastest mode is the growth signal's 0.5/h.  Integrated together with the other 23
states by an explicit pair, they hold every step of the whole system to the pair's stability
limit (``|h lambda| < 3.3``: h < 0.28 h for the first day and a half, then h < 3.1 h for the
rest of the month).

So :func:`solve` integrates just these two states over a segment between doses with the same
Dormand-Prince pair, at a tenth of the run's tolerances and with its own (short, cheap: two
states) steps, and records every step; the 25-state integrator then reads them at its stage
and output times from the record through the continuous extension (:func:`at`), and its own
steps are only as short as the slow states need.  This is the splitting of a system into fast
and slow parts integrated with different step sizes (multirate integration: Gear & Wells 1984,
BIT 24:484, doi:10.1007/BF01934907), exact in its coupling here because the fast part reads
nothing of the slow one.  Once both states are below a ten-thousandth of the run's absolute
tolerance, they are set to zero for the rest of the segment (from there they only decay: zero
is the subsystem's fixed point), and the 25-state right-hand side skips its drug terms.
"""

from __future__ import annotations

import math

import numpy as np
from numba.extending import register_jitable

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

#: Columns of a record row: t, h, then for galactosamine and for the uridine deficit the five
#: coefficients of the step's continuous extension in :func:`at`'s nested form.
COLS = 12
#: How many steps a record holds (a month of a galactosamine run takes about 360 at rtol 1e-6,
#: 830 at 1e-8, 2,000 at 1e-10; a run that needs more is handed back).
ROWS = 3072
#: How many records an integrator call keeps (:func:`record`): runs of a batch that share a
#: galactosamine dose and its parameters share the record of each segment.
SLOTS = 3
#: Why :func:`solve` gave up (its negative return values), as statuses of the integrator.
FULL, TOO_SMALL, NOT_FINITE = -4, -2, -3
#: Below this fraction of the run's absolute tolerance both states are taken as gone.
CUT = 1e-2


@register_jitable
def rates(g, w, q):
    """d/dt of galactosamine ``g`` and the uridine deficit ``w`` (``q``: the run's derived
    constants; the same terms as :func:`livermodel.solve.kernels.rhs_one`, which calls this)."""
    g = max(g, 0.0)
    w = max(w, 0.0)
    sat = g / (g + q[80])
    return -q[78] * q[80] * sat, q[79] * sat * (1.0 - w) - q[81] * w


@register_jitable
def solve(g0, w0, q, a, b, rtol, atol, rec):
    """Integrate the pair from ``(g0, w0)`` at ``a`` to ``b`` into ``rec`` (rows of
    :data:`COLS`); returns the number of steps recorded (0: nothing to integrate, both states
    zero) or a negative status (:data:`FULL`, ...).  If the last recorded step ends before ``b``,
    both states are zero from there on."""
    if g0 == 0.0 and w0 == 0.0:
        return 0
    if abs(g0) <= CUT * atol and abs(w0) <= CUT * atol:
        return 0
    cut = CUT * atol
    rtol = 0.1 * rtol
    atol = 0.1 * atol
    t = a
    y0, y1 = g0, w0
    f0, f1 = rates(y0, y1, q)
    sc0, sc1 = atol + rtol * abs(y0), atol + rtol * abs(y1)
    d1 = max(abs(f0) / sc0, abs(f1) / sc1)
    d0 = max(abs(y0) / sc0, abs(y1) / sc1)
    h = 0.01 * d0 / d1 if d0 > 1e-5 and d1 > 1e-5 else 1e-6
    h = min(h, b - a)
    facold = 1e-4
    rejected = False
    n = 0
    while t < b:
        if n >= rec.shape[0]:
            return FULL
        final = t + 1.01 * h >= b
        if final:
            h = b - t
        if h <= 1e-12 * max(1.0, abs(t)):
            return TOO_SMALL
        k20, k21 = rates(y0 + h * A21 * f0, y1 + h * A21 * f1, q)
        k30, k31 = rates(y0 + h * (A31 * f0 + A32 * k20), y1 + h * (A31 * f1 + A32 * k21), q)
        k40, k41 = rates(
            y0 + h * (A41 * f0 + A42 * k20 + A43 * k30), y1 + h * (A41 * f1 + A42 * k21 + A43 * k31), q
        )
        k50, k51 = rates(
            y0 + h * (A51 * f0 + A52 * k20 + A53 * k30 + A54 * k40),
            y1 + h * (A51 * f1 + A52 * k21 + A53 * k31 + A54 * k41),
            q,
        )
        k60, k61 = rates(
            y0 + h * (A61 * f0 + A62 * k20 + A63 * k30 + A64 * k40 + A65 * k50),
            y1 + h * (A61 * f1 + A62 * k21 + A63 * k31 + A64 * k41 + A65 * k51),
            q,
        )
        n0 = y0 + h * (B1 * f0 + B3 * k30 + B4 * k40 + B5 * k50 + B6 * k60)
        n1 = y1 + h * (B1 * f1 + B3 * k31 + B4 * k41 + B5 * k51 + B6 * k61)
        k70, k71 = rates(n0, n1, q)
        e0 = h * (E1 * f0 + E3 * k30 + E4 * k40 + E5 * k50 + E6 * k60 + E7 * k70)
        e1 = h * (E1 * f1 + E3 * k31 + E4 * k41 + E5 * k51 + E6 * k61 + E7 * k71)
        err = max(
            abs(e0) / (atol + rtol * max(abs(y0), abs(n0))), abs(e1) / (atol + rtol * max(abs(y1), abs(n1)))
        )
        if not math.isfinite(err):
            if not (math.isfinite(n0) and math.isfinite(n1)) and h <= 1e-9:
                return NOT_FINITE
            err = 1e10
        fac11 = err**0.17
        if err <= 1.0:  # accepted: record the step (PI control as in kernels._run)
            rec[n, 0] = t
            rec[n, 1] = h
            _coefficients(rec, n, 2, h, y0, n0, f0, k30, k40, k50, k60, k70)
            _coefficients(rec, n, 7, h, y1, n1, f1, k31, k41, k51, k61, k71)
            n += 1
            t = b if final else t + h
            y0, y1, f0, f1 = n0, n1, k70, k71
            if abs(y0) <= cut and abs(y1) <= cut:
                return n  # both gone: zero from here on
            fac = max(0.1, min(5.0, fac11 / facold**0.04 / 0.9))
            hnew = h / fac
            if rejected:
                hnew = min(hnew, h)
            facold = max(err, 1e-4)
            rejected = False
            h = hnew
        else:
            rejected = True
            h = h / min(5.0, fac11 / 0.9)
    return n


@register_jitable
def _coefficients(rec, n, c, h, y, yn, k1, k3, k4, k5, k6, k7):
    """Shampine's continuous extension of a step (as :func:`livermodel.solve.kernels._dense`
    evaluates it) as five numbers at ``rec[n, c:c + 5]``: ``y(t + th h) = y + th (dy + th1 (bs
    + th (cc + th1 r5)))`` with ``th1 = 1 - th``."""
    dy = yn - y
    bs = h * k1 - dy
    rec[n, c] = y
    rec[n, c + 1] = dy
    rec[n, c + 2] = bs
    rec[n, c + 3] = dy - h * k7 - bs
    rec[n, c + 4] = h * (D1 * k1 + D3 * k3 + D4 * k4 + D5 * k5 + D6 * k6 + D7 * k7)


@register_jitable
def at(rec, n, t, cur):
    """(galactosamine, uridine deficit) at ``t`` from the ``n`` steps of ``rec`` that
    :func:`solve` recorded; ``cur`` (one integer) remembers the row last used, since the
    integrator asks for times close to the last ones."""
    if n <= 0:
        return 0.0, 0.0
    i = min(cur[0], n - 1)
    while i > 0 and t < rec[i, 0]:
        i -= 1
    while i < n - 1 and t > rec[i, 0] + rec[i, 1]:
        i += 1
    cur[0] = i
    th = (t - rec[i, 0]) / rec[i, 1]
    if th > 1.0:
        if th > 1.0 + 1e-9:  # after the last step: both states were cut to zero
            return 0.0, 0.0
        th = 1.0
    th = max(th, 0.0)
    th1 = 1.0 - th
    g = rec[i, 2] + th * (rec[i, 3] + th1 * (rec[i, 4] + th * (rec[i, 5] + th1 * rec[i, 6])))
    w = rec[i, 7] + th * (rec[i, 8] + th1 * (rec[i, 9] + th * (rec[i, 10] + th1 * rec[i, 11])))
    return g, w


@register_jitable
def new_records():
    """Empty records for :func:`record`: ``(recs, keys, nrecs, nxt)``."""
    return (
        np.empty((SLOTS, ROWS, COLS)),
        np.full((SLOTS, 8), np.nan),
        np.full(SLOTS, -1, dtype=np.int64),
        np.zeros(1, dtype=np.int64),
    )


@register_jitable
def record(g0, w0, q, a, b, rtol, atol, recs, keys, nrecs, nxt):
    """The slot of ``recs`` (:data:`SLOTS`, :data:`ROWS`, :data:`COLS`) that holds the record of
    the pair from ``(g0, w0)`` over ``a..b`` for a run with derived constants ``q``: one already
    made for the same start, span and galactosamine constants (``keys``, ``nrecs``), or a new
    one made by :func:`solve` in the next slot in turn (``nxt``).  Returns (slot, steps); steps
    0: nothing to integrate; negative: :func:`solve`'s status."""
    if g0 == 0.0 and w0 == 0.0:
        return 0, 0
    for s in range(SLOTS):
        k = keys[s]
        if (
            nrecs[s] >= 0
            and k[0] == g0
            and k[1] == w0
            and k[2] == a
            and k[3] == b
            and k[4] == q[78]
            and k[5] == q[79]
            and k[6] == q[80]
            and k[7] == q[81]
        ):
            return s, nrecs[s]
    s = nxt[0]
    nxt[0] = (s + 1) % SLOTS
    n = solve(g0, w0, q, a, b, rtol, atol, recs[s])
    k = keys[s]
    k[0], k[1], k[2], k[3], k[4], k[5], k[6], k[7] = g0, w0, a, b, q[78], q[79], q[80], q[81]
    nrecs[s] = n
    return s, n
