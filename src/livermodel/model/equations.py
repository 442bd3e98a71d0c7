"""The livermodel equations: right-hand side, analytic Jacobian, observables, failure level.

Time is in hours.  Masses are fractions of a normal liver (1 = normal), counted in hepatocytes of
normal size.  The right-hand side is vectorised over a batch: states have shape
``(n_states, n_runs)`` and every parameter is an array of shape ``(n_runs,)``, so one call
integrates many parameter sets at once.

The equations (see ``docs/model.md`` for the biology and the sources of every term)::

    Phi        = q * h * F                       liver function (q compensation, h hypertrophy)
    V          = h * (F + I)                     liver volume (what volumetry measures)
    therapy    = (pot_liver*MSC_liver + pot_lung*MSC_lung + pot_ev*EV_liver) * (W/0.25 kg)^a
                 (W body weight, a the exposure exponent: per-kg exposure grows with size)
    occupancy  = therapy / (therapy + EC50)
    e_c        = on_c * max_c * occupancy        (c = anti-inflammatory, anti-death, pro-regen.)
    sigma_od   = 1/2 [1 + tanh((critical_mass*M - Phi) / width)]      (overload switch)
    injury     = (k_tox * T^n/(T^n + K^n) + k_xi * X^2/(X^2 + K_x^2) * (1 + s_g arrest)
                  + chronic(t) + k_gi arrest + ...) * F     (arrest: galactosamine, drugs.py)
    die_inj    = s * k_die * (1 + a_x X) * (1 - e_ad) * I
    overload   = s * k_od * sigma_od * (1 - e_ad)
    prolif     = rho * k_div * p * F * max(0, 1 - q V / S)                (hepatostat)
    u          = max(0, g - g_th)                                       (demand above threshold)
    dF/dt      = -injury + k_rep (1 - arrest) I + prolif - overload*F + k_eng MSC_liver * m_cell
    dI/dt      =  injury - k_rep (1 - arrest) I - die_inj - overload*I
    dp/dt      =  k_prime [u/(u + K_p) + c_x X] (1 - b sigma_od)(1 - p) - k_rest p   (priming)
    dg/dt      =  k_g [M max(0, 1 - Phi/S) + e_pr - g]                  (growth signal)
    dh/dt      =  k_h (1 + a_h u - h)                                    (hypertrophy)
    dq/dt      =  k_q u (q_max - q) - k_qd (q - 1)                       (compensation)
    dX/dt      =  k_xp (die_inj + overload*(F + I))(1 - e_ai) - k_xd (1 + r_ai occ) X
                  + k_emb max(0, MSC_lung - cap)        (inflammation; k_emb = 0: off by default)
    dT/dt      = -k_tc [(1 - phi) + phi min(Phi, 1.5)] (1 + boost*antidote(t)) T   (toxin)
    dALT/dt    =  r_alt * death - ln2/t_alt (ALT - ALT0)                 (same for AST)
    dMSC_lung  = -(ln2/t_lung) MSC_lung
    dMSC_liver = -(ln2/t_mliv + k_eng) MSC_liver
    dEV_plasma = -(ln2/t_evp) EV_plasma
    dEV_liver  =  f_ev (ln2/t_evp) EV_plasma + r_ev (MSC_lung + MSC_liver) - (ln2/t_evl) EV_liver
    dZ/dt      =  k_zb X^4/(X^4 + K_z^4) (1 - Z) - (ln2/t_z) Z             (systemic injury)
    dH/dt      =  h_max * 1/2 [1 + tanh((Phi_fail - Phi) / w_h)] + h_z Z   (cumulative hazard)
    dH_s/dt    =  h_z Z                          (its systemic part: organ failure, infection)

``Phi_fail`` (:func:`failure_level`) is the liver function below which overload death outruns
the fastest possible division; the run has *failed* once the survival probability exp(-H) falls
below one half (:mod:`livermodel.metrics`).
"""

from __future__ import annotations

import functools
import math

import numpy as np

from livermodel.model.drugs import (  # noqa: F401 - CLEARANCE_CAP, APAP_MOLAR_MASS re-exported
    APAP_MOLAR_MASS,
    CLEARANCE_CAP,
    _drug_idle,
    _drug_jacobian,
    _drug_jacobian_idle,
    drug_constants,
    drug_rhs,
    drug_terms,
    hill4_slope,
    stress_necrosis,
)
from livermodel.model.layout import INPUTS, N_STATES, OBSERVABLES, STATES
from livermodel.model.parameters import PARAMETERS

LN2 = math.log(2.0)
#: Body weight (kg) at which the therapy potencies are stated: the rat's.
REFERENCE_BODY_WEIGHT = 0.25

# state numbers (see livermodel.model.layout.STATES)
(
    F_,
    I_,
    P_,
    G_,
    X_,
    T_,
    ALT_,
    AST_,
    MLU_,
    MLI_,
    EVP_,
    EVL_,
    H_,
    HY_,
    Q_,
    SZ_,
    SH_,
    AG_,
    AP_,
    GSH_,
    AD_,
    MS_,
    NAC_,
    GN_,
    UD_,
) = range(25)
assert N_STATES == 25 and STATES[SZ_] == "systemic_injury" and STATES[UD_] == "uridine_deficit"


def _switch(x, width):
    """Smooth step 1/2 [1 + tanh(x / width)], 0 for x << 0 and 1 for x >> 0."""
    return 0.5 * (1.0 + np.tanh(x / width))


def failure_level(d: dict) -> np.ndarray:
    """The liver function ``Phi_fail`` below which overload death outruns the fastest division.

    Solves ``k_od sigma_od(Phi) = k_div p_max (1 - Phi/S)`` for the largest root below the
    overload switch, where ``p_max = k_prime/(k_prime + k_rest)`` is the primed fraction under a
    sustained, saturated priming drive: below ``Phi_fail`` even a fully primed remnant loses mass
    (the failure basin of Furchtgott et al. 2009 and Verma et al. 2019).  0 where overload can
    never outrun division.  Vectorised over runs (bisection, 60 halvings).
    """
    k_od = np.asarray(d["k_od"], dtype=float)
    pmax = d["k_prime"] / (d["k_prime"] + d["k_rest"])
    kdv = d["k_div"] * pmax
    S, crit, w = d["S"], d["crit"], d["w_od"]

    def f(x):
        return k_od * _switch(crit - x, w) - kdv * np.maximum(0.0, 1.0 - x / S)

    shape = np.broadcast(k_od, kdv, S, crit, w).shape
    lo = np.zeros(shape)
    hi = np.broadcast_to(crit + 3.0 * w, shape).astype(float)
    never = f(lo) <= 0
    always = f(hi) > 0
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        up = f(mid) > 0
        lo = np.where(up, mid, lo)
        hi = np.where(up, hi, mid)
    out = 0.5 * (lo + hi)
    return np.where(never, 0.0, np.where(always, hi, out))


def derived(params: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Rate constants used by :func:`rhs`, from a dict of parameter arrays.

    Applies the species ``time_scale`` to the cell-kinetic rates and turns half-lives into rates.
    """
    p = {k: np.asarray(v, dtype=float) for k, v in params.items()}
    ts = p["time_scale"]
    # a dose per kg gives more exposure per kg in a larger body (clearance ~ weight^0.75)
    exposure = (p["body_weight"] / REFERENCE_BODY_WEIGHT) ** p["therapy_exposure_exponent"]
    d = {
        "S": p["set_point"],
        "F0": p["initial_mass"],
        "M": p["metabolic_load"],
        "k_g": p["growth_signal_rate"],
        "k_prime": p["priming_rate"] / ts,
        "k_rest": p["priming_decay_rate"] / ts,
        "K_p": p["priming_half"],
        "g_th": p["priming_threshold"],
        "blk": p["overload_priming_block"],
        "k_div": p["division_rate"] / ts * p["regeneration_capacity"],
        "c_x": p["inflammation_priming"],
        "k_h": p["hypertrophy_rate"] / ts,
        "a_h": p["hypertrophy_gain"],
        "k_q": p["compensation_rate"],
        "q_max": p["compensation_max"],
        "k_qd": LN2 / p["compensation_half_life"],
        "k_die": p["death_rate"] / ts * p["death_sensitivity"],
        "k_rep": p["repair_rate"] / ts,
        "k_od": p["overload_death_rate"] / ts * p["death_sensitivity"],
        "crit": p["critical_mass"] * p["metabolic_load"],
        "w_od": p["overload_width"],
        "k_xp": p["inflammation_production"],
        "k_xd": p["inflammation_decay_rate"],
        "k_xi": p["inflammation_injury_rate"],
        "K_x": p["inflammation_injury_half"],
        "a_x": p["inflammation_death_gain"],
        "k_tc": p["toxin_clearance_rate"],
        "phi": p["toxin_liver_dependence"],
        "K_tox": p["toxin_ec50"],
        "n_tox": p["toxin_hill"],
        "k_tox": p["toxin_injury_rate"] / ts,
        "boost": p["antidote_clearance_boost"],
        "k_alt": LN2 / p["alt_half_life"],
        "k_ast": LN2 / p["ast_half_life"],
        "alt0": p["alt_baseline"],
        "ast0": p["ast_baseline"],
        "r_alt": p["alt_release"],
        "r_ast": p["ast_release"],
        "h_max": p["hazard_max"],
        "w_h": p["hazard_width"],
        "k_zb": p["systemic_injury_rate"],
        "K_z4": p["systemic_injury_half"] ** 4,
        "k_zd": LN2 / p["systemic_injury_half_life"],
        "h_z": p["hazard_systemic"],
        "k_mlung": LN2 / p["msc_lung_half_life"],
        "k_mliv": LN2 / p["msc_liver_half_life"],
        "pot_lung": p["msc_lung_potency"] * exposure,
        "pot_liver": p["msc_liver_potency"] * exposure,
        "r_ev": p["msc_ev_release"],
        "k_eng": p["engraftment_rate"],
        "m_cell": p["msc_mass_per_million"],
        "k_evp": LN2 / p["ev_plasma_half_life"],
        "f_ev": p["ev_liver_fraction"],
        "k_evl": LN2 / p["ev_liver_half_life"],
        "pot_ev": p["ev_potency"] * exposure,
        "ec50": p["therapy_ec50"],
        "e_ai": p["anti_inflammatory_max"] * p["anti_inflammatory_on"],
        "r_ai": p["anti_inflammatory_resolution"] * p["anti_inflammatory_on"],
        "k_emb": p["msc_embolism_inflammation"],
        "cap_lung": p["msc_lung_capacity"],
        "e_ad": p["anti_death_max"] * p["anti_death_on"],
        "e_pr": p["pro_regenerative_max"] * p["pro_regenerative_on"],
    }
    # combinations the right-hand side would otherwise recompute at every call
    d["K_tox_n"] = d["K_tox"] ** d["n_tox"]
    d["K_x2"] = d["K_x"] ** 2
    d["k_eng_m"] = d["k_eng"] * d["m_cell"]
    d.update(drug_constants(p, ts))
    d["phi_fail"] = failure_level(d)
    return d


def fluxes(y: np.ndarray, d: dict, u: np.ndarray) -> dict[str, np.ndarray]:
    """Every rate term of the model for states ``y`` (n_states, n) and inputs ``u`` (n_inputs, n)."""
    F = np.maximum(y[F_], 0.0)
    I = np.maximum(y[I_], 0.0)
    p, g, X = y[P_], y[G_], np.maximum(y[X_], 0.0)
    T = np.maximum(y[T_], 0.0)
    hy, q = y[HY_], y[Q_]
    m_lung, m_liv, ev_liv = np.maximum(y[MLU_], 0.0), np.maximum(y[MLI_], 0.0), np.maximum(y[EVL_], 0.0)
    total = F + I
    fn = q * hy * F
    vol = hy * total

    signal = d["pot_liver"] * m_liv + d["pot_lung"] * m_lung + d["pot_ev"] * ev_liv
    occ = signal / (signal + d["ec50"])
    anti_inf = d["e_ai"] * occ
    anti_death = 1.0 - d["e_ad"] * occ
    pro_regen = d["e_pr"] * occ

    Tn = T ** d["n_tox"]
    tox = d["k_tox"] * Tn / (Tn + d["K_tox"] ** d["n_tox"])
    X2 = X * X
    drug = drug_terms(y, d, fn)
    injury = (tox + d["k_xi"] * X2 / (X2 + d["K_x"] ** 2) * drug["sens"] + u[0] + drug["galn"]) * F
    die_inj = d["k_die"] * (1.0 + d["a_x"] * X) * anti_death * I
    s_od = _switch(d["crit"] - fn, d["w_od"])
    overload = d["k_od"] * s_od * anti_death
    necrosis = d["k_nec"] * drug["h_ms"] * anti_death * F
    death = die_inj + overload * total + necrosis
    prolif = d["k_div"] * p * F * np.maximum(0.0, 1.0 - q * vol / d["S"])
    demand = np.maximum(0.0, g - d["g_th"])
    drive = demand / (demand + d["K_p"]) + d["c_x"] * X
    engraft = d["k_eng"] * m_liv
    return {
        "F": F,
        "I": I,
        "X": X,
        "T": T,
        "total": total,
        "function": fn,
        "volume": vol,
        "occ": occ,
        "anti_inf": anti_inf,
        "pro_regen": pro_regen,
        "injury": injury,
        "repair": d["k_rep"] * (1.0 - drug["arrest"]) * I,
        "die_inj": die_inj,
        "s_od": s_od,
        "overload": overload,
        "death": death,
        "prolif": prolif,
        "demand": demand,
        "drive": drive,
        "engraft": engraft,
        "necrosis": necrosis,
        "resolution": d["k_xd"] * (1.0 + d["r_ai"] * occ) * X,
        "embolism": d["k_emb"] * np.maximum(m_lung - d["cap_lung"], 0.0),
        "systemic": d["k_zb"] * X2 * X2 / (X2 * X2 + d["K_z4"]) * (1.0 - y[SZ_]) - d["k_zd"] * y[SZ_],
        "systemic_hazard": d["h_z"] * np.maximum(y[SZ_], 0.0),
        **drug,
    }


def rhs(y: np.ndarray, d: dict, u: np.ndarray) -> np.ndarray:
    """Time derivative of the batch state ``y`` with shape (n_states, n_runs).

    The same terms as :func:`fluxes` (a test checks it), written out once without the
    intermediate dict, since the solver calls this hundreds of times per run.
    """
    F = np.maximum(y[F_], 0.0)
    I = np.maximum(y[I_], 0.0)
    p, g = y[P_], y[G_]
    X = np.maximum(y[X_], 0.0)
    T = np.maximum(y[T_], 0.0)
    hy, q = y[HY_], y[Q_]
    m_lung, m_liv = np.maximum(y[MLU_], 0.0), np.maximum(y[MLI_], 0.0)
    signal = d["pot_liver"] * m_liv + d["pot_lung"] * m_lung + d["pot_ev"] * np.maximum(y[EVL_], 0.0)
    occ = signal / (signal + d["ec50"])
    anti_death = 1.0 - d["e_ad"] * occ
    if T.any():  # the power is the costliest term; most runs carry no toxin
        Tn = T ** d["n_tox"]
        tox = d["k_tox"] * Tn / (Tn + d["K_tox_n"])
    else:
        tox = 0.0
    X2 = X * X
    total = F + I
    fn = q * hy * F
    dy = np.empty_like(y)
    galn: float | np.ndarray  # a float while no drug acts, else one value per run
    sens: float | np.ndarray
    arrest: float | np.ndarray
    if _drug_idle(y, u):
        dy[AG_:] = 0.0
        galn = necrosis = arrest = 0.0
        sens = 1.0
    else:
        drug = drug_terms(y, d, fn)
        drug_rhs(dy, y, d, u, drug)
        galn, sens, arrest = drug["galn"], drug["sens"], drug["arrest"]
        necrosis = d["k_nec"] * drug["h_ms"] * anti_death * F
    injury = (tox + d["k_xi"] * X2 / (X2 + d["K_x2"]) * sens + u[0] + galn) * F
    die_inj = d["k_die"] * (1.0 + d["a_x"] * X) * anti_death * I
    s_od = _switch(d["crit"] - fn, d["w_od"])
    overload = d["k_od"] * s_od * anti_death
    death = die_inj + overload * total + necrosis
    repair = d["k_rep"] * (1.0 - arrest) * I
    demand = np.maximum(0.0, g - d["g_th"])
    dy[F_] = (
        repair
        - injury
        + d["k_div"] * p * F * np.maximum(0.0, 1.0 - q * hy * total / d["S"])
        - overload * F
        - necrosis
        + d["k_eng_m"] * m_liv
    )
    dy[I_] = injury - repair - die_inj - overload * I
    dy[P_] = (
        d["k_prime"] * (demand / (demand + d["K_p"]) + d["c_x"] * X) * (1.0 - d["blk"] * s_od) * (1.0 - p)
        - d["k_rest"] * p
    )
    dy[G_] = d["k_g"] * (d["M"] * np.maximum(0.0, 1.0 - fn / d["S"]) + d["e_pr"] * occ - g)
    dy[X_] = (
        d["k_xp"] * death * (1.0 - d["e_ai"] * occ)
        - d["k_xd"] * (1.0 + d["r_ai"] * occ) * X
        + d["k_emb"] * np.maximum(m_lung - d["cap_lung"], 0.0)
    )
    dy[T_] = (
        -d["k_tc"]
        * ((1.0 - d["phi"]) + d["phi"] * np.minimum(fn, CLEARANCE_CAP))
        * (1.0 + d["boost"] * u[1])
        * T
    )
    dy[ALT_] = d["r_alt"] * death - d["k_alt"] * (y[ALT_] - d["alt0"])
    dy[AST_] = d["r_ast"] * death - d["k_ast"] * (y[AST_] - d["ast0"])
    dy[MLU_] = -d["k_mlung"] * y[MLU_]
    dy[MLI_] = -(d["k_mliv"] + d["k_eng"]) * y[MLI_]
    dy[EVP_] = -d["k_evp"] * y[EVP_]
    dy[EVL_] = d["f_ev"] * d["k_evp"] * y[EVP_] + d["r_ev"] * (y[MLU_] + y[MLI_]) - d["k_evl"] * y[EVL_]
    z = np.maximum(y[SZ_], 0.0)
    X4 = X2 * X2
    dy[SZ_] = d["k_zb"] * X4 / (X4 + d["K_z4"]) * (1.0 - y[SZ_]) - d["k_zd"] * y[SZ_]
    dy[SH_] = d["h_z"] * z
    dy[H_] = d["h_max"] * _switch(d["phi_fail"] - fn, d["w_h"]) + dy[SH_]
    dy[HY_] = d["k_h"] * (1.0 + d["a_h"] * demand - hy)
    dy[Q_] = d["k_q"] * demand * (d["q_max"] - q) - d["k_qd"] * (q - 1.0)
    return dy


def jacobian(y: np.ndarray, d: dict, u: np.ndarray) -> dict[tuple[int, int], np.ndarray]:
    """Analytic Jacobian of :func:`rhs`: ``{(i, j): d(dy_i)/d(y_j)}`` for the non-zero entries.

    Each value has the batch shape of ``y[0]``.  The clamps ``max(x, 0)`` of :func:`fluxes` are
    differentiated as 0 below zero (and the kinks of ``max(0, .)`` and ``min(., cap)`` likewise).
    Checked against finite differences in the tests.
    """
    f = fluxes(y, d, u)
    F, I, X, T = f["F"], f["I"], f["X"], f["T"]
    p, g, hy, q = y[P_], y[G_], y[HY_], y[Q_]
    pos = {k: (y[k] > 0).astype(float) for k in (F_, I_, X_, T_, MLU_, MLI_, EVL_)}
    one = np.ones_like(F)
    total, fn = f["total"], f["function"]

    signal = (
        d["pot_liver"] * np.maximum(y[MLI_], 0)
        + d["pot_lung"] * np.maximum(y[MLU_], 0)
        + d["pot_ev"] * np.maximum(y[EVL_], 0)
    )
    docc = d["ec50"] / (signal + d["ec50"]) ** 2
    pots = {MLU_: d["pot_lung"] * pos[MLU_], MLI_: d["pot_liver"] * pos[MLI_], EVL_: d["pot_ev"] * pos[EVL_]}
    anti_death = 1.0 - d["e_ad"] * f["occ"]

    n = d["n_tox"]
    Kn = d["K_tox"] ** n
    Tn = T**n
    with np.errstate(divide="ignore", invalid="ignore"):
        dtox = np.where(T > 0, d["k_tox"] * n * Tn / np.where(T > 0, T, 1.0) * Kn / (Tn + Kn) ** 2, 0.0)
    tox = d["k_tox"] * Tn / (Tn + Kn)
    K2 = d["K_x"] ** 2
    X2 = X * X
    xi = d["k_xi"] * X2 / (X2 + K2)
    dxi = d["k_xi"] * 2 * X * K2 / (X2 + K2) ** 2 * pos[X_]
    dtox = dtox * pos[T_]
    sens = f["sens"]
    darrest = (1.0 + d["K_gi4"]) * hill4_slope(1.0 - f["W"], d["K_gi4"]) * (y[UD_] > 0)  # d arrest/dW
    dgi = (d["k_gi"] + d["s_g"] * xi) * darrest
    dxi = dxi * sens
    inj_rate = tox + xi * sens + u[0] + f["galn"]
    nec0 = d["k_nec"] * f["h_ms"]  # necrosis per unit F before therapy
    nec_rate = nec0 * anti_death
    dnec = d["k_nec"] * hill4_slope(y[MS_], d["K_s4"])

    # liver function Phi = q h F and its partial derivatives
    dfn = {F_: q * hy * pos[F_], HY_: q * F, Q_: hy * F}
    th = np.tanh((d["crit"] - fn) / d["w_od"])
    s_od = 0.5 * (1 + th)
    ds_od = -(1 - th * th) / (2 * d["w_od"])  # d sigma_od / d Phi
    od = f["overload"]
    dod = d["k_od"] * ds_od * anti_death  # d overload / d Phi
    kdie_x = d["k_die"] * (1 + d["a_x"] * X)
    # hepatostat deficit max(0, 1 - q h (F + I) / S) and its partial derivatives
    hdef = np.maximum(0.0, 1.0 - q * hy * total / d["S"])
    hpos = (1.0 - q * hy * total / d["S"] > 0).astype(float)
    dhdef = {
        F_: -hpos * q * hy / d["S"] * pos[F_],
        I_: -hpos * q * hy / d["S"] * pos[I_],
        HY_: -hpos * q * total / d["S"],
        Q_: -hpos * hy * total / d["S"],
    }
    fpos = (1.0 - fn / d["S"] > 0).astype(float)
    demand, upos = f["demand"], (g - d["g_th"] > 0).astype(float)
    ddrive_g = d["K_p"] / (demand + d["K_p"]) ** 2 * upos
    gate = 1.0 - d["blk"] * s_od
    kd = d["k_div"] * p

    J: dict[tuple[int, int], np.ndarray] = {}
    # functional mass
    J[F_, F_] = -inj_rate * pos[F_] + kd * (hdef * pos[F_] + F * dhdef[F_]) - od * pos[F_] - F * dod * dfn[F_]
    k_rep = d["k_rep"] * (1.0 - f["arrest"])  # transcriptional arrest stops repair
    J[F_, I_] = k_rep * pos[I_] + kd * F * dhdef[I_]
    J[F_, P_] = d["k_div"] * F * hdef
    J[F_, X_] = -dxi * F
    J[F_, T_] = -dtox * F
    J[F_, HY_] = kd * F * dhdef[HY_] - F * dod * dfn[HY_]
    J[F_, Q_] = kd * F * dhdef[Q_] - F * dod * dfn[Q_]
    J[F_, F_] = J[F_, F_] - nec_rate * pos[F_]
    J[F_, MS_] = -dnec * anti_death * F
    J[F_, UD_] = -dgi * F - d["k_rep"] * I * darrest
    J[I_, UD_] = dgi * F + d["k_rep"] * I * darrest
    # injured mass
    J[I_, F_] = inj_rate * pos[F_] - I * dod * dfn[F_]
    J[I_, I_] = (-k_rep - kdie_x * anti_death - od) * pos[I_]
    J[I_, X_] = dxi * F - d["k_die"] * d["a_x"] * anti_death * I * pos[X_]
    J[I_, T_] = dtox * F
    J[I_, HY_] = -I * dod * dfn[HY_]
    J[I_, Q_] = -I * dod * dfn[Q_]
    # priming, growth signal, hypertrophy, compensation
    drive = f["drive"]
    J[P_, P_] = -d["k_prime"] * drive * gate - d["k_rest"]
    J[P_, G_] = d["k_prime"] * ddrive_g * gate * (1 - p)
    J[P_, X_] = d["k_prime"] * d["c_x"] * pos[X_] * gate * (1 - p)
    for j in (F_, HY_, Q_):
        J[P_, j] = -d["k_prime"] * drive * d["blk"] * ds_od * dfn[j] * (1 - p)
        J[G_, j] = -d["k_g"] * d["M"] * fpos / d["S"] * dfn[j]
    J[G_, G_] = -d["k_g"] * one
    J[HY_, G_] = d["k_h"] * d["a_h"] * upos
    J[HY_, HY_] = -d["k_h"] * one
    J[Q_, G_] = d["k_q"] * upos * (d["q_max"] - q)
    J[Q_, Q_] = -d["k_q"] * demand - d["k_qd"]
    # death flux and its derivatives feed inflammation and the enzymes
    ddeath = {
        F_: dod * dfn[F_] * total + od * pos[F_],
        I_: (kdie_x * anti_death + od) * pos[I_],
        X_: d["k_die"] * d["a_x"] * anti_death * I * pos[X_],
        HY_: dod * dfn[HY_] * total,
        Q_: dod * dfn[Q_] * total,
        MS_: dnec * anti_death * F,
    }
    ddeath[F_] = ddeath[F_] + nec_rate * pos[F_]
    xfac = d["k_xp"] * (1 - f["anti_inf"])
    for j, v in ddeath.items():
        J[X_, j] = xfac * v
        J[ALT_, j] = d["r_alt"] * v
        J[AST_, j] = d["r_ast"] * v
    J[X_, X_] = J[X_, X_] - d["k_xd"] * (1.0 + d["r_ai"] * f["occ"])
    # therapy compartments act through the occupancy
    for j, pot in pots.items():
        dAD = -d["e_ad"] * docc * pot
        dd = (kdie_x * I + d["k_od"] * s_od * total + nec0 * F) * dAD
        J[F_, j] = -F * (d["k_od"] * s_od + nec0) * dAD
        J[I_, j] = -(kdie_x * I + I * d["k_od"] * s_od) * dAD
        J[G_, j] = d["k_g"] * d["e_pr"] * docc * pot
        J[X_, j] = (
            xfac * dd
            - d["k_xp"] * f["death"] * d["e_ai"] * docc * pot
            - d["k_xd"] * d["r_ai"] * X * docc * pot
        )
        J[ALT_, j] = d["r_alt"] * dd
        J[AST_, j] = d["r_ast"] * dd
    J[F_, MLI_] = J[F_, MLI_] + d["k_eng"] * d["m_cell"] * one
    J[X_, MLU_] = J[X_, MLU_] + d["k_emb"] * (y[MLU_] > d["cap_lung"])
    # toxin: clearance rises with liver function up to the cap
    boost = 1.0 + d["boost"] * u[1]
    cpos = (fn < CLEARANCE_CAP).astype(float)
    for j in (F_, HY_, Q_):
        J[T_, j] = -d["k_tc"] * d["phi"] * cpos * dfn[j] * boost * T
    J[T_, T_] = -d["k_tc"] * ((1 - d["phi"]) + d["phi"] * np.minimum(fn, CLEARANCE_CAP)) * boost
    # enzymes, cells, vesicles, hazard
    J[ALT_, ALT_] = -d["k_alt"] * one
    J[AST_, AST_] = -d["k_ast"] * one
    J[MLU_, MLU_] = -d["k_mlung"] * one
    J[MLI_, MLI_] = -(d["k_mliv"] + d["k_eng"]) * one
    J[EVP_, EVP_] = -d["k_evp"] * one
    J[EVL_, EVP_] = d["f_ev"] * d["k_evp"] * one
    J[EVL_, MLU_] = d["r_ev"] * one
    J[EVL_, MLI_] = d["r_ev"] * one
    J[EVL_, EVL_] = -d["k_evl"] * one
    thh = np.tanh((d["phi_fail"] - fn) / d["w_h"])
    dhz = -d["h_max"] * (1 - thh * thh) / (2 * d["w_h"])
    for j in (F_, HY_, Q_):
        J[H_, j] = dhz * dfn[j]
    # systemic injury: built by systemic inflammation, relaxing over weeks; a hazard of its own
    X4 = X2 * X2
    zx = X4 / (X4 + d["K_z4"])
    J[SZ_, X_] = d["k_zb"] * 4 * X2 * X * d["K_z4"] / (X4 + d["K_z4"]) ** 2 * pos[X_] * (1.0 - y[SZ_])
    J[SZ_, SZ_] = -d["k_zb"] * zx - d["k_zd"]
    J[SH_, SZ_] = d["h_z"] * (y[SZ_] > 0)
    J[H_, SZ_] = J[SH_, SZ_]
    if _drug_idle(y, u):
        _drug_jacobian_idle(J, d, one)
    else:
        _drug_jacobian(J, y, d, f, dfn, one)
    return {k: v if np.shape(v) == F.shape else np.broadcast_to(v, F.shape) for k, v in J.items()}


def initial_state(d: dict, n: int) -> np.ndarray:
    """The state before any insult, shape (n_states, n): functional mass ``initial_mass``
    (normally the set point, but kept apart from it), normal cell size and function per volume,
    no injury, baseline enzymes."""
    y = np.zeros((N_STATES, n))
    y[F_] = np.broadcast_to(d["F0"], (n,))
    y[ALT_] = np.broadcast_to(d["alt0"], (n,))
    y[AST_] = np.broadcast_to(d["ast0"], (n,))
    y[HY_] = 1.0
    y[Q_] = 1.0
    y[GSH_] = 1.0
    return y


#: The states each observable is computed from (indices into the state vector).
OBSERVABLE_NEEDS: dict[str, tuple[int, ...]] = {
    "liver_function": (F_, HY_, Q_),
    "liver_volume": (F_, I_, HY_),
    "total_mass": (F_, I_),
    "proliferation": (F_, I_, P_, HY_, Q_),
    "death_flux": (F_, I_, X_, MLU_, MLI_, EVL_, HY_, Q_, MS_),
    "therapy_effect": (MLU_, MLI_, EVL_),
    "survival_probability": (H_,),
}


def observables(y, d: dict, u: np.ndarray | None, names=OBSERVABLES) -> dict[str, np.ndarray]:
    """Derived trajectory variables ``names`` for states ``y`` and inputs ``u``.

    None of the present observables depends on the inputs, so ``u`` may be None.

    ``y`` is indexed by state number (an array of shape (n_states, ...) or a list whose entries
    may be ``None`` for states no requested observable needs: see :data:`OBSERVABLE_NEEDS`).
    The same terms as :func:`fluxes`, computed without the ones no observable needs (the toxin's
    Hill term is the costly one), since this runs over every output point of every run.
    """
    out: dict[str, np.ndarray] = {}
    need_mass = {"liver_function", "liver_volume", "total_mass", "proliferation", "death_flux"}
    if need_mass & set(names):
        F = np.maximum(y[F_], 0.0)
        hy = y[HY_]
        if "liver_function" in names or "proliferation" in names or "death_flux" in names:
            fn = y[Q_] * hy * F
            if "liver_function" in names:
                out["liver_function"] = fn
        if {"liver_volume", "total_mass", "proliferation", "death_flux"} & set(names):
            I = np.maximum(y[I_], 0.0)
            total = F + I
            if "total_mass" in names:
                out["total_mass"] = total
            if "liver_volume" in names:
                out["liver_volume"] = hy * total
            if "proliferation" in names:
                out["proliferation"] = (
                    d["k_div"] * y[P_] * F * np.maximum(0.0, 1.0 - y[Q_] * hy * total / d["S"])
                )
    if "death_flux" in names or "therapy_effect" in names:
        signal = (
            d["pot_liver"] * np.maximum(y[MLI_], 0.0)
            + d["pot_lung"] * np.maximum(y[MLU_], 0.0)
            + d["pot_ev"] * np.maximum(y[EVL_], 0.0)
        )
        occ = signal / (signal + d["ec50"])
        if "therapy_effect" in names:
            out["therapy_effect"] = occ
        if "death_flux" in names:
            anti_death = 1.0 - d["e_ad"] * occ
            die_inj = d["k_die"] * (1.0 + d["a_x"] * np.maximum(y[X_], 0.0)) * anti_death * I
            overload = d["k_od"] * _switch(d["crit"] - fn, d["w_od"]) * anti_death
            necrosis = stress_necrosis(y[MS_], d) * anti_death * F
            out["death_flux"] = die_inj + overload * total + necrosis
    if "survival_probability" in names:
        out["survival_probability"] = np.exp(-y[H_])
    return out


def healthy_growth_rate(params: dict[str, float]) -> float:
    """See :func:`_healthy_growth_rate`; cached, since sweeps ask again for the same values."""
    return _healthy_growth_rate(tuple((k, float(params[k])) for k in _PARAMETER_NAMES))


_PARAMETER_NAMES = tuple(p.name for p in PARAMETERS)


@functools.lru_cache(maxsize=4096)
def _healthy_growth_rate(items: tuple) -> float:
    """Largest growth rate (1/h) of a small perturbation of the healthy state.

    The real part of the leading eigenvalue of the Jacobian (:func:`jacobian`) at the healthy
    state; the cumulative hazard and its systemic part, which only integrate, are left out.
    Negative or about zero: a normal liver stays normal.  Clearly positive: the parameter set
    makes a normal liver fail by itself, for example when critical_mass x metabolic_load
    approaches the set point or when the death -> inflammation -> injury loop amplifies itself.
    """
    d = derived({k: np.array([v]) for k, v in items})
    y0 = initial_state(d, 1)
    y0[0] = d["S"]  # the healthy steady state: normal mass at the set point
    u = np.zeros((len(INPUTS), 1))
    keep = [i for i, name in enumerate(STATES) if name not in ("cumulative_hazard", "systemic_hazard")]
    where = {j: col for col, j in enumerate(keep)}
    jac = np.zeros((len(keep), len(keep)))
    for (i, j), v in jacobian(y0, d, u).items():
        if i in where and j in where:
            jac[where[i], where[j]] = v[0]
    return float(np.max(np.linalg.eigvals(jac).real))
