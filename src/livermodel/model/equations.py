"""The livermodel equations: state variables, right-hand side and observables.

Time is in hours.  Masses are fractions of a normal liver (1 = normal).  The right-hand side is
vectorised over a batch: states have shape ``(n_states, n_runs)`` and every parameter is an array
of shape ``(n_runs,)``, so one call integrates many parameter sets at once.

The equations (see ``docs/model.md`` for the biology and the sources of every term)::

    total      = F + I
    therapy    = pot_liver*MSC_liver + pot_lung*MSC_lung + pot_ev*EV_liver
    occupancy  = therapy / (therapy + EC50)
    e_c        = on_c * max_c * occupancy              (c = anti-inflammatory, anti-death, pro-regen.)
    sigma_od   = 1/2 [1 + tanh((critical_mass*M - F) / width)]       (overload switch)
    injury     = (k_tox * T^n/(T^n + K^n) + k_xi * X^2/(X^2 + K_x^2) + chronic(t)) * F
    die_inj    = s * k_die * (1 + a_x X) * (1 - e_ad) * I
    overload   = s * k_od * sigma_od * (1 - e_ad)
    prolif     = rho * k_div * p * F * max(0, 1 - total/S)             (hepatostat)
    dF/dt      = -injury + k_rep I + prolif - overload*F + k_eng MSC_liver * m_cell
    dI/dt      =  injury - k_rep I - die_inj - overload*I
    dp/dt      =  k_prime (g + c_x X)(1 - p) - k_rest p                  (priming, 0..1)
    dg/dt      =  k_g [max(0, 1 - F/S) + e_pr - g]                      (growth signal)
    dX/dt      =  k_xp (die_inj + overload*total)(1 - e_ai) - k_xd X     (inflammation)
    dT/dt      = -k_tc [(1 - phi) + phi F] (1 + boost*antidote(t)) T    (toxin)
    dALT/dt    =  r_alt * death - ln2/t_alt (ALT - ALT0)                 (same for AST)
    dMSC_lung  = -(ln2/t_lung) MSC_lung
    dMSC_liver = -(ln2/t_mliv + k_eng) MSC_liver
    dEV_plasma = -(ln2/t_evp) EV_plasma
    dEV_liver  =  f_ev (ln2/t_evp) EV_plasma + r_ev (MSC_lung + MSC_liver) - (ln2/t_evl) EV_liver
    dH/dt      =  h_max * 1/2 [1 + tanh((critical_mass*M - F) / w_h)]   (cumulative hazard)
"""

from __future__ import annotations

import functools
import math

import numpy as np

from livermodel.model.layout import INPUTS, N_STATES, OBSERVABLES, STATES
from livermodel.model.parameters import PARAMETERS

LN2 = math.log(2.0)


def derived(params: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Rate constants used by :func:`rhs`, from a dict of parameter arrays.

    Applies the species ``time_scale`` to the cell-kinetic rates and turns half-lives into rates.
    """
    p = {k: np.asarray(v, dtype=float) for k, v in params.items()}
    ts = p["time_scale"]
    d = {
        "S": p["set_point"],
        "k_g": p["growth_signal_rate"],
        "k_prime": p["priming_rate"] / ts,
        "k_rest": p["priming_decay_rate"] / ts,
        "k_div": p["division_rate"] / ts * p["regeneration_capacity"],
        "c_x": p["inflammation_priming"],
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
        "h_max": p["hazard_max"] / ts,
        "w_h": p["hazard_width"],
        "k_mlung": LN2 / p["msc_lung_half_life"],
        "k_mliv": LN2 / p["msc_liver_half_life"],
        "pot_lung": p["msc_lung_potency"],
        "pot_liver": p["msc_liver_potency"],
        "r_ev": p["msc_ev_release"],
        "k_eng": p["engraftment_rate"],
        "m_cell": p["msc_mass_per_million"],
        "k_evp": LN2 / p["ev_plasma_half_life"],
        "f_ev": p["ev_liver_fraction"],
        "k_evl": LN2 / p["ev_liver_half_life"],
        "pot_ev": p["ev_potency"],
        "ec50": p["therapy_ec50"],
        "e_ai": p["anti_inflammatory_max"] * p["anti_inflammatory_on"],
        "e_ad": p["anti_death_max"] * p["anti_death_on"],
        "e_pr": p["pro_regenerative_max"] * p["pro_regenerative_on"],
    }
    # combinations the right-hand side would otherwise recompute at every call
    d["K_tox_n"] = d["K_tox"] ** d["n_tox"]
    d["K_x2"] = d["K_x"] ** 2
    d["k_eng_m"] = d["k_eng"] * d["m_cell"]
    return d


def _switch(x, width):
    """Smooth step 1/2 [1 + tanh(x / width)], 0 for x << 0 and 1 for x >> 0."""
    return 0.5 * (1.0 + np.tanh(x / width))


def fluxes(y: np.ndarray, d: dict, u: np.ndarray) -> dict[str, np.ndarray]:
    """Every rate term of the model for states ``y`` (n_states, n) and inputs ``u`` (n_inputs, n)."""
    F = np.maximum(y[0], 0.0)
    I = np.maximum(y[1], 0.0)
    p, X = y[2], np.maximum(y[4], 0.0)
    T = np.maximum(y[5], 0.0)
    m_lung, m_liv, ev_liv = np.maximum(y[8], 0.0), np.maximum(y[9], 0.0), np.maximum(y[11], 0.0)
    total = F + I

    signal = d["pot_liver"] * m_liv + d["pot_lung"] * m_lung + d["pot_ev"] * ev_liv
    occ = signal / (signal + d["ec50"])
    anti_inf = d["e_ai"] * occ
    anti_death = 1.0 - d["e_ad"] * occ
    pro_regen = d["e_pr"] * occ

    Tn = T ** d["n_tox"]
    tox = d["k_tox"] * Tn / (Tn + d["K_tox"] ** d["n_tox"])
    X2 = X * X
    injury = (tox + d["k_xi"] * X2 / (X2 + d["K_x"] ** 2) + u[0]) * F
    die_inj = d["k_die"] * (1.0 + d["a_x"] * X) * anti_death * I
    overload = d["k_od"] * _switch(d["crit"] - F, d["w_od"]) * anti_death
    death = die_inj + overload * total
    prolif = d["k_div"] * p * F * np.maximum(0.0, 1.0 - total / d["S"])
    engraft = d["k_eng"] * m_liv
    return {
        "F": F, "I": I, "X": X, "T": T, "total": total, "occ": occ, "anti_inf": anti_inf,
        "pro_regen": pro_regen, "injury": injury, "repair": d["k_rep"] * I,
        "die_inj": die_inj, "overload": overload, "death": death, "prolif": prolif,
        "engraft": engraft,
    }


def rhs(y: np.ndarray, d: dict, u: np.ndarray) -> np.ndarray:
    """Time derivative of the batch state ``y`` with shape (n_states, n_runs).

    The same terms as :func:`fluxes` (a test checks it), written out once without the
    intermediate dict, since the solver calls this hundreds of times per run.
    """
    F = np.maximum(y[0], 0.0)
    I = np.maximum(y[1], 0.0)
    p, g = y[2], y[3]
    X = np.maximum(y[4], 0.0)
    T = np.maximum(y[5], 0.0)
    m_lung, m_liv = np.maximum(y[8], 0.0), np.maximum(y[9], 0.0)
    signal = d["pot_liver"] * m_liv + d["pot_lung"] * m_lung + d["pot_ev"] * np.maximum(y[11], 0.0)
    occ = signal / (signal + d["ec50"])
    anti_death = 1.0 - d["e_ad"] * occ
    if T.any():  # the power is the costliest term; most runs carry no toxin
        Tn = T ** d["n_tox"]
        tox = d["k_tox"] * Tn / (Tn + d["K_tox_n"])
    else:
        tox = 0.0
    X2 = X * X
    injury = (tox + d["k_xi"] * X2 / (X2 + d["K_x2"]) + u[0]) * F
    die_inj = d["k_die"] * (1.0 + d["a_x"] * X) * anti_death * I
    overload = d["k_od"] * _switch(d["crit"] - F, d["w_od"]) * anti_death
    total = F + I
    death = die_inj + overload * total
    repair = d["k_rep"] * I
    dy = np.empty_like(y)
    dy[0] = (repair - injury + d["k_div"] * p * F * np.maximum(0.0, 1.0 - total / d["S"])
             - overload * F + d["k_eng_m"] * m_liv)
    dy[1] = injury - repair - die_inj - overload * I
    dy[2] = d["k_prime"] * (g + d["c_x"] * X) * (1.0 - p) - d["k_rest"] * p
    dy[3] = d["k_g"] * (np.maximum(0.0, 1.0 - F / d["S"]) + d["e_pr"] * occ - g)
    dy[4] = d["k_xp"] * death * (1.0 - d["e_ai"] * occ) - d["k_xd"] * X
    dy[5] = -d["k_tc"] * ((1.0 - d["phi"]) + d["phi"] * F) * (1.0 + d["boost"] * u[1]) * T
    dy[6] = d["r_alt"] * death - d["k_alt"] * (y[6] - d["alt0"])
    dy[7] = d["r_ast"] * death - d["k_ast"] * (y[7] - d["ast0"])
    dy[8] = -d["k_mlung"] * y[8]
    dy[9] = -(d["k_mliv"] + d["k_eng"]) * y[9]
    dy[10] = -d["k_evp"] * y[10]
    dy[11] = d["f_ev"] * d["k_evp"] * y[10] + d["r_ev"] * (y[8] + y[9]) - d["k_evl"] * y[11]
    dy[12] = d["h_max"] * _switch(d["crit"] - F, d["w_h"])
    return dy


def jacobian(y: np.ndarray, d: dict, u: np.ndarray) -> dict[tuple[int, int], np.ndarray]:
    """Analytic Jacobian of :func:`rhs`: ``{(i, j): d(dy_i)/d(y_j)}`` for the non-zero entries.

    Each value has the batch shape of ``y[0]``.  The clamps ``max(x, 0)`` of :func:`fluxes` are
    differentiated as 0 below zero.  Checked against finite differences in the tests.
    """
    f = fluxes(y, d, u)
    F, I, X, T = f["F"], f["I"], f["X"], f["T"]
    p, g = y[2], y[3]
    pos = {k: (y[k] > 0).astype(float) for k in (0, 1, 4, 5, 8, 9, 11)}
    one = np.ones_like(F)

    signal = d["pot_liver"] * np.maximum(y[9], 0) + d["pot_lung"] * np.maximum(y[8], 0) \
        + d["pot_ev"] * np.maximum(y[11], 0)
    docc = d["ec50"] / (signal + d["ec50"]) ** 2
    pots = {8: d["pot_lung"] * pos[8], 9: d["pot_liver"] * pos[9], 11: d["pot_ev"] * pos[11]}
    anti_death = 1.0 - d["e_ad"] * f["occ"]

    n = d["n_tox"]
    Kn = d["K_tox"] ** n
    Tn = T ** n
    with np.errstate(divide="ignore", invalid="ignore"):
        dtox = np.where(T > 0, d["k_tox"] * n * Tn / np.where(T > 0, T, 1.0) * Kn / (Tn + Kn) ** 2, 0.0)
    tox = d["k_tox"] * Tn / (Tn + Kn)
    K2 = d["K_x"] ** 2
    X2 = X * X
    xi = d["k_xi"] * X2 / (X2 + K2)
    dxi = d["k_xi"] * 2 * X * K2 / (X2 + K2) ** 2 * pos[4]
    dtox = dtox * pos[5]
    inj_rate = tox + xi + u[0]

    th = np.tanh((d["crit"] - F) / d["w_od"])
    sw = 0.5 * (1 + th)
    dsw = -(1 - th * th) / (2 * d["w_od"]) * pos[0]
    od = f["overload"]
    dod_dF = d["k_od"] * dsw * anti_death
    kdie_x = d["k_die"] * (1 + d["a_x"] * X)
    total = F + I
    h_pos = (1.0 - total / d["S"] > 0).astype(float)
    h = np.maximum(0.0, 1.0 - total / d["S"])
    dh = -h_pos / d["S"]

    J: dict[tuple[int, int], np.ndarray] = {}
    # functional mass
    J[0, 0] = (-inj_rate + d["k_div"] * p * (h + F * dh) - od - F * dod_dF) * pos[0]
    J[0, 1] = (d["k_rep"] + d["k_div"] * p * F * dh) * pos[1]
    J[0, 2] = d["k_div"] * F * h
    J[0, 4] = -dxi * F
    J[0, 5] = -dtox * F
    # injured mass
    J[1, 0] = (inj_rate - I * dod_dF) * pos[0]
    J[1, 1] = (-d["k_rep"] - kdie_x * anti_death - od) * pos[1]
    J[1, 4] = dxi * F - d["k_die"] * d["a_x"] * anti_death * I * pos[4]
    J[1, 5] = dtox * F
    # priming and growth signal
    J[2, 2] = -d["k_prime"] * (g + d["c_x"] * X) - d["k_rest"]
    J[2, 3] = d["k_prime"] * (1 - p)
    J[2, 4] = d["k_prime"] * d["c_x"] * (1 - p) * pos[4]
    J[3, 0] = -d["k_g"] / d["S"] * (F < d["S"]) * pos[0]
    J[3, 3] = -d["k_g"] * one
    # death flux and its derivatives feed inflammation and the enzymes
    ddeath = {
        0: (dod_dF * total + od) * pos[0],
        1: (kdie_x * anti_death + od) * pos[1],
        4: d["k_die"] * d["a_x"] * anti_death * I * pos[4],
    }
    xfac = d["k_xp"] * (1 - f["anti_inf"])
    for j, v in ddeath.items():
        J[4, j] = xfac * v
        J[6, j] = d["r_alt"] * v
        J[7, j] = d["r_ast"] * v
    J[4, 4] = J[4, 4] - d["k_xd"]
    # therapy compartments act through the occupancy
    for j, pot in pots.items():
        dAD = -d["e_ad"] * docc * pot
        dd = (kdie_x * I + d["k_od"] * sw * total) * dAD
        J[0, j] = -F * d["k_od"] * sw * dAD
        J[1, j] = -(kdie_x * I + I * d["k_od"] * sw) * dAD
        J[3, j] = d["k_g"] * d["e_pr"] * docc * pot
        J[4, j] = xfac * dd - d["k_xp"] * f["death"] * d["e_ai"] * docc * pot
        J[6, j] = d["r_alt"] * dd
        J[7, j] = d["r_ast"] * dd
    J[0, 9] = J[0, 9] + d["k_eng"] * d["m_cell"] * one
    # toxin
    boost = 1.0 + d["boost"] * u[1]
    J[5, 0] = -d["k_tc"] * d["phi"] * boost * T * pos[0]
    J[5, 5] = -d["k_tc"] * ((1 - d["phi"]) + d["phi"] * F) * boost
    # enzymes, cells, vesicles, hazard
    J[6, 6] = -d["k_alt"] * one
    J[7, 7] = -d["k_ast"] * one
    J[8, 8] = -d["k_mlung"] * one
    J[9, 9] = -(d["k_mliv"] + d["k_eng"]) * one
    J[10, 10] = -d["k_evp"] * one
    J[11, 10] = d["f_ev"] * d["k_evp"] * one
    J[11, 8] = d["r_ev"] * one
    J[11, 9] = d["r_ev"] * one
    J[11, 11] = -d["k_evl"] * one
    thh = np.tanh((d["crit"] - F) / d["w_h"])
    J[12, 0] = -d["h_max"] * (1 - thh * thh) / (2 * d["w_h"]) * pos[0]
    return {k: v if np.shape(v) == F.shape else np.broadcast_to(v, F.shape) for k, v in J.items()}


def initial_state(d: dict, n: int) -> np.ndarray:
    """The healthy steady state (normal mass, no injury, baseline enzymes), shape (n_states, n)."""
    y = np.zeros((N_STATES, n))
    y[0] = np.broadcast_to(d["S"], (n,))
    y[6] = np.broadcast_to(d["alt0"], (n,))
    y[7] = np.broadcast_to(d["ast0"], (n,))
    return y


#: The states each observable is computed from (indices into the state vector).
OBSERVABLE_NEEDS: dict[str, tuple[int, ...]] = {
    "total_mass": (0, 1),
    "proliferation": (0, 1, 2),
    "death_flux": (0, 1, 4, 8, 9, 11),
    "therapy_effect": (8, 9, 11),
    "survival_probability": (12,),
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
    if "total_mass" in names or "proliferation" in names or "death_flux" in names:
        F = np.maximum(y[0], 0.0)
        I = np.maximum(y[1], 0.0)
        total = F + I
        if "total_mass" in names:
            out["total_mass"] = total
        if "proliferation" in names:
            out["proliferation"] = d["k_div"] * y[2] * F * np.maximum(0.0, 1.0 - total / d["S"])
    if "death_flux" in names or "therapy_effect" in names:
        signal = (d["pot_liver"] * np.maximum(y[9], 0.0) + d["pot_lung"] * np.maximum(y[8], 0.0)
                  + d["pot_ev"] * np.maximum(y[11], 0.0))
        occ = signal / (signal + d["ec50"])
        if "therapy_effect" in names:
            out["therapy_effect"] = occ
        if "death_flux" in names:
            anti_death = 1.0 - d["e_ad"] * occ
            die_inj = d["k_die"] * (1.0 + d["a_x"] * np.maximum(y[4], 0.0)) * anti_death * I
            overload = d["k_od"] * _switch(d["crit"] - F, d["w_od"]) * anti_death
            out["death_flux"] = die_inj + overload * total
    if "survival_probability" in names:
        out["survival_probability"] = np.exp(-y[12])
    return out


def healthy_growth_rate(params: dict[str, float]) -> float:
    """See :func:`_healthy_growth_rate`; cached, since sweeps ask again for the same values."""
    return _healthy_growth_rate(tuple((k, float(params[k])) for k in _PARAMETER_NAMES))


_PARAMETER_NAMES = tuple(p.name for p in PARAMETERS)


@functools.lru_cache(maxsize=4096)
def _healthy_growth_rate(items: tuple) -> float:
    """Largest growth rate (1/h) of a small perturbation of the healthy state.

    The real part of the leading eigenvalue of the Jacobian (:func:`jacobian`) at the healthy
    state; the cumulative hazard, which only integrates, is left out.  Negative or about zero: a
    normal liver stays normal.  Clearly positive: the parameter set makes a normal liver fail by
    itself, for example when critical_mass x metabolic_load approaches the set point or when the
    death -> inflammation -> injury loop amplifies itself.
    """
    d = derived({k: np.array([v]) for k, v in items})
    y0 = initial_state(d, 1)
    u = np.zeros((len(INPUTS), 1))
    keep = [i for i, name in enumerate(STATES) if name != "cumulative_hazard"]
    where = {j: col for col, j in enumerate(keep)}
    jac = np.zeros((len(keep), len(keep)))
    for (i, j), v in jacobian(y0, d, u).items():
        if i in where and j in where:
            jac[where[i], where[j]] = v[0]
    return float(np.max(np.linalg.eigvals(jac).real))
