"""A compiled right-hand side for large batches (optional: needs the ``fast`` extra, numba).

The batched solver (:func:`livermodel.solve.simulate.simulate_batch`) calls the right-hand side about
a thousand times per batch.  :func:`livermodel.model.rhs` evaluates it with numpy, one array
operation per term over all runs: for a batch of 1,000 runs each call costs about 90 us, mostly
numpy's per-operation overhead.  The function here computes exactly the same terms, one run at a
time in a compiled loop, straight from and into the solver's flat vector (run-major, states in
:data:`livermodel.model.layout.ORDER`), in about 35 us.

It is used only when numba is installed, the batch has at least :data:`MIN_RUNS` runs, and the
environment variable ``LIVERMODEL_COMPILED`` is not ``0``.  It is compiled once per installation
(numba's cache; about half a second) and loaded in about 0.2 s afterwards, which is why single
runs and small batches keep to numpy.  ``tests/test_compiled.py`` checks it against
:func:`livermodel.model.rhs` term by term, so the two cannot drift apart.
"""

from __future__ import annotations

import functools
import os
import warnings

import numpy as np

from livermodel.model.equations import APAP_MOLAR_MASS, CLEARANCE_CAP
from livermodel.model.layout import INPUTS, POS

#: Smallest batch for which the compiled function is worth loading.
MIN_RUNS = 64

#: Derived constants (see :func:`livermodel.model.derived`) in the column order of :func:`pack`.
KEYS = (
    "pot_liver",
    "pot_lung",
    "pot_ev",
    "ec50",
    "e_ad",
    "k_tox",
    "n_tox",
    "K_tox_n",
    "k_xi",
    "K_x2",
    "k_die",
    "a_x",
    "k_od",
    "crit",
    "w_od",
    "k_rep",
    "k_div",
    "S",
    "k_eng_m",
    "k_prime",
    "c_x",
    "k_rest",
    "k_g",
    "e_pr",
    "k_xp",
    "e_ai",
    "k_xd",
    "k_tc",
    "phi",
    "boost",
    "r_alt",
    "k_alt",
    "alt0",
    "r_ast",
    "k_ast",
    "ast0",
    "k_mlung",
    "k_mliv",
    "k_eng",
    "k_evp",
    "f_ev",
    "r_ev",
    "k_evl",
    "h_max",
    "w_h",
    "g_th",
    "K_p",
    "blk",
    "M",
    "k_h",
    "a_h",
    "k_q",
    "q_max",
    "k_qd",
    "phi_fail",
    # 55-88: acetaminophen, N-acetylcysteine and D-galactosamine
    "ka",
    "f_a",
    "Vd",
    "Vg",
    "Kg",
    "Vs",
    "Ks",
    "k_cyp",
    "k_ren",
    "phi_a",
    "P_gsh",
    "k_syn",
    "G_max",
    "K_trap2",
    "k_ad",
    "n_ad",
    "K_ad_n",
    "k_ms",
    "k_nec",
    "V_n",
    "k_n",
    "E_n",
    "K_n",
    "k_gal",
    "k_ud",
    "K_ud",
    "k_ur",
    "k_gi",
    "K_gi4",
    "syn_slope",
    "K_s4",
    "c_gsh",
    "a_ms",
    "s_g",
    "r_ai",
    "k_emb",
    "cap_lung",
    # 92-95: systemic injury and its hazard
    "k_zb",
    "K_z4",
    "k_zd",
    "h_z",
)

# place of each public state in one run's block of the solver vector (compile-time constants)
(
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
) = (int(i) for i in POS)
#: Acetaminophen mg -> NAPQI umol (a compile-time constant).
MG_TO_UMOL = 1000.0 / APAP_MOLAR_MASS
NS = len(POS)
#: Liver function above which toxin clearance saturates (a compile-time constant for numba).
CAP = CLEARANCE_CAP


def pack(d: dict, n: int) -> np.ndarray:
    """The derived constants ``d`` of ``n`` runs as one C-ordered (n, len(KEYS)) array."""
    return np.ascontiguousarray(
        np.stack([np.broadcast_to(np.asarray(d[k], dtype=float), (n,)) for k in KEYS], axis=1)
    )


def _rhs_flat(yf, D, U, out):  # pragma: no cover - run compiled (coverage cannot see it)
    """d(yf)/dt into ``out``: ``yf`` the solver vector, ``D`` from :func:`pack`, ``U`` (n, 3)."""
    for r in range(D.shape[0]):
        b = r * NS
        q = D[r]
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
            or U[r, 2] != 0.0
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
            uptake = q[79] * Dg / (Dg + q[80]) * (1.0 - W)
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
            out[b + P22] = U[r, 2] / q[74] - q[75] * N
            out[b + P23] = -q[78] * q[80] * Dg / (Dg + q[80])
            out[b + P24] = uptake - q[81] * W
        else:  # no drug in this run: every drug derivative is zero
            for k in (P17, P18, P19, P20, P21, P22, P23, P24):
                out[b + k] = 0.0
        injury = (tox + q[8] * X2 / (X2 + q[9]) * sens + U[r, 0] + galn) * F
        die_inj = q[10] * (1.0 + q[11] * X) * anti_death * I
        s_od = 0.5 * (1.0 + np.tanh((q[13] - fn) / q[14]))
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
        out[b + P5] = -q[27] * ((1.0 - q[28]) + q[28] * min(fn, CAP)) * (1.0 + q[29] * U[r, 1]) * T
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
        out[b + P12] = q[43] * (0.5 * (1.0 + np.tanh((q[54] - fn) / q[44]))) + out[b + P16]
        out[b + P13] = q[49] * (1.0 + q[50] * demand - hy)
        out[b + P14] = q[51] * demand * (q[52] - cq) - q[53] * (cq - 1.0)
    return out


def enabled() -> bool:
    """True unless ``LIVERMODEL_COMPILED=0`` (or ``false``/``no``/``off``) is set."""
    return os.environ.get("LIVERMODEL_COMPILED", "1").strip().lower() not in ("0", "false", "no", "off")


@functools.cache
def kernel():
    """The compiled :func:`_rhs_flat`, or None without numba (or if it cannot be compiled)."""
    try:
        import numba
    except ImportError:
        return None
    # an unwritable cache folder only costs the compile each time; a cached kernel that no longer
    # matches the equations (numba's cache does not see a change of the state layout in another
    # module) fails the probe and is compiled afresh
    for cache in (True, False):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                fn = numba.njit(cache=cache, error_model="numpy")(_rhs_flat)
                if _agrees(fn):
                    return fn
        except Exception:  # noqa: BLE001 - any numba failure means: use numpy
            continue
    return None


def _agrees(fn) -> bool:
    """True if ``fn`` gives :func:`livermodel.model.rhs` on a probe state (all states in play)."""
    from livermodel.model.equations import derived, rhs
    from livermodel.model.layout import ORDER
    from livermodel.model.parameters import PARAMETERS

    d = derived({p.name: np.array([p.default]) for p in PARAMETERS})
    y = (0.3 + 0.05 * np.arange(NS))[:, None]
    u = np.array([[0.01], [1.0], [20.0]])[: len(INPUTS)]
    ref = rhs(y, d, u)[:, 0]
    got = fn(
        np.ascontiguousarray(y[np.asarray(ORDER), 0]), pack(d, 1), np.ascontiguousarray(u.T), np.empty(NS)
    )[POS]
    return bool(np.allclose(got, ref, rtol=1e-10, atol=1e-12))


def description() -> str:
    """How the batched right-hand side is evaluated here, for provenance records."""
    if not enabled():
        return "numpy (the compiled right-hand side is switched off by LIVERMODEL_COMPILED=0)"
    import importlib.util

    if importlib.util.find_spec("numba") is None:
        return "numpy (numba is not installed)"
    from importlib.metadata import version

    return f"compiled with numba {version('numba')} for batches of {MIN_RUNS} runs or more, numpy below"
