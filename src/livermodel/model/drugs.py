"""The acetaminophen, N-acetylcysteine and D-galactosamine terms of the livermodel equations.

Kept apart from :mod:`livermodel.model.equations`, which calls them: the drug states, their rate
constants, their right-hand side and their Jacobian entries.  See ``docs/model.md`` (section
"Acetaminophen, N-acetylcysteine and D-galactosamine") for the biology and the sources.
"""

from __future__ import annotations

import math

import numpy as np

from livermodel.model.layout import STATE_INDEX

LN2 = math.log(2.0)

#: Liver function above which toxin (and acetaminophen) clearance no longer rises.
CLEARANCE_CAP = 1.5

#: Acetaminophen molar mass (g/mol): mg/kg of drug -> umol/kg of NAPQI (149 g/mol, one to one).
APAP_MOLAR_MASS = 151.16

F_, HY_, Q_ = STATE_INDEX["functional_mass"], STATE_INDEX["hypertrophy"], STATE_INDEX["compensation"]
AG_, AP_, GSH_, AD_, MS_, NAC_, GN_, UD_ = (
    STATE_INDEX[n]
    for n in (
        "apap_gut",
        "apap_plasma",
        "glutathione",
        "adducts",
        "mito_stress",
        "nac",
        "galactosamine",
        "uridine_deficit",
    )
)


assert (AG_, AP_, GSH_, AD_, MS_, NAC_, GN_, UD_) == tuple(range(AG_, AG_ + 8)), "drug rows last"
#: The drug rows of a run without any drug (glutathione at its normal level).
_IDLE = np.array([0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0])[:, None]


def drug_constants(p: dict, ts) -> dict:
    """Rate constants of the drug terms from parameter arrays ``p`` (``ts`` the time scale)."""
    d = {
        "ka": p["apap_absorption_rate"],
        "f_a": p["apap_bioavailability"],
        "Vd": p["apap_volume"],
        "Vg": p["glucuronidation_vmax"],
        "Kg": p["glucuronidation_km"],
        "Vs": p["sulfation_vmax"],
        "Ks": p["sulfation_km"],
        "k_cyp": p["cyp_clearance"],
        "k_ren": p["apap_renal_clearance"],
        "phi_a": p["apap_liver_dependence"],
        "P_gsh": p["glutathione_pool"],
        "k_syn": p["glutathione_synthesis_rate"],
        "G_max": p["glutathione_max"],
        "K_trap": p["glutathione_trap_half"],
        "k_ad": LN2 / p["adduct_half_life"],
        "K_ad": p["adduct_ec50"],
        "n_ad": p["adduct_hill"],
        "k_ms": p["stress_rate"],
        "c_gsh": p["stress_glutathione_protection"],
        "a_ms": p["stress_amplification"],
        "k_nec": p["necrosis_rate"] * p["death_sensitivity"],
        "K_s4": p["necrosis_stress_half"] ** 4,
        "V_n": p["nac_volume"],
        "k_n": LN2 / p["nac_half_life"],
        "E_n": p["nac_glutathione_gain"],
        "K_n": p["nac_ec50"],
        "k_gal": LN2 / p["galactosamine_half_life"],
        "k_ud": p["uridine_depletion_rate"],
        "K_ud": p["uridine_depletion_half"],
        "k_ur": p["uridine_recovery_rate"] / ts,
        "k_gi": p["galactosamine_injury_rate"] / ts,
        "K_gi": p["galactosamine_injury_half"],
        "s_g": p["galactosamine_sensitisation"],
    }
    d["K_trap2"] = d["K_trap"] ** 2
    d["K_ad_n"] = d["K_ad"] ** d["n_ad"]
    d["K_gi4"] = d["K_gi"] ** 4
    d["syn_slope"] = 1.0 / (d["G_max"] - 1.0)
    return d


_MG_TO_UMOL = 1000.0 / APAP_MOLAR_MASS


def drug_terms(y: np.ndarray, d: dict, fn: np.ndarray) -> dict[str, np.ndarray]:
    """The acetaminophen, N-acetylcysteine and D-galactosamine terms for states ``y``.

    ``fn`` is the liver function Phi.  Hepatic metabolism of acetaminophen slows with lost
    function (``L``); NAPQI is formed in proportion to the CYP pathway and is either trapped by
    glutathione or binds protein (adducts)::

        L       = (1 - phi_a) + phi_a min(Phi, 1.5)
        hepatic = (Vg/(Kg + C) + Vs/(Ks + C) + k_cyp) C L          (mg/kg/h)
        napqi   = k_cyp C L 1000/151.16                           (umol/kg/h)
        trap    = G^2/(G^2 + K_trap^2)
        synth   = k_syn (1 + E_n N/(N + K_n)) (G_max - G)/(G_max - 1)
        h(S)    = S^4/(S^4 + K_s^4)                               (stress past its threshold)
        stress drive = A^n/(A^n + K_ad^n) (1 - c_gsh trap + a_ms h(S))
                  (glutathione scavenges oxidants; stress past the threshold amplifies itself
                  while adducts persist: the point of no return)
        uridine trapping = k_ud D/(D + K_ud) (1 - W)
        arrest  = 1 - (1 + K_gi^4) (1 - W)^4/((1 - W)^4 + K_gi^4)
                  (0 with no deficit, 1 at full depletion, half once the uridine nucleotides
                  left, 1 - W, fall to about K_gi)
        galactosamine injury = k_gi arrest
        sensitisation = 1 + s_g arrest            (multiplies the inflammatory injury)
    """
    C = np.maximum(y[AP_], 0.0)
    G = np.maximum(y[GSH_], 0.0)
    A = np.maximum(y[AD_], 0.0)
    N = np.maximum(y[NAC_], 0.0)
    D = np.maximum(y[GN_], 0.0)
    W = np.maximum(y[UD_], 0.0)
    L = (1.0 - d["phi_a"]) + d["phi_a"] * np.minimum(fn, CLEARANCE_CAP)
    sat_g = d["Vg"] / (d["Kg"] + C)
    sat_s = d["Vs"] / (d["Ks"] + C)
    hepatic = (sat_g + sat_s + d["k_cyp"]) * C * L
    napqi = d["k_cyp"] * C * L * _MG_TO_UMOL
    G2 = G * G
    trap = G2 / (G2 + d["K_trap2"])
    nacf = N / (N + d["K_n"])
    synth = d["k_syn"] * (1.0 + d["E_n"] * nacf) * (d["G_max"] - G) * d["syn_slope"]
    An = A ** d["n_ad"]
    s_ad = An / (An + d["K_ad_n"])
    hold = D / (D + d["K_ud"])
    uptake = d["k_ud"] * hold * (1.0 - W)
    arrest = 1.0 - (1.0 + d["K_gi4"]) * hill4(1.0 - W, d["K_gi4"])
    galn = d["k_gi"] * arrest
    h_ms = hill4(y[MS_], d["K_s4"])
    return {
        "h_ms": h_ms,
        "C": C,
        "G": G,
        "A": A,
        "N": N,
        "D": D,
        "W": W,
        "L": L,
        "sat_g": sat_g,
        "sat_s": sat_s,
        "hepatic": hepatic,
        "napqi": napqi,
        "trap": trap,
        "nacf": nacf,
        "synth": synth,
        "s_ad": s_ad,
        "hold": hold,
        "uptake": uptake,
        "galn": galn,
        "arrest": arrest,
        "sens": 1.0 + d["s_g"] * arrest,
    }


def hill4(x: np.ndarray, K4) -> np.ndarray:
    """The switch x^4/(x^4 + K^4) of ``max(x, 0)`` (``K4`` = K^4)."""
    x4 = np.maximum(x, 0.0) ** 4
    return x4 / (x4 + K4)


def hill4_slope(x: np.ndarray, K4) -> np.ndarray:
    """d/dx of :func:`hill4` (0 where x <= 0, the clamp)."""
    xp = np.maximum(x, 0.0)
    return 4.0 * xp**3 * K4 / (xp**4 + K4) ** 2 * (x > 0)


def stress_necrosis(ms: np.ndarray, d: dict) -> np.ndarray:
    """Necrosis per unit functional mass before therapy: k_nec S^4/(S^4 + K_s^4), S = stress."""
    return d["k_nec"] * hill4(ms, d["K_s4"])


def drug_rhs(dy: np.ndarray, y: np.ndarray, d: dict, u: np.ndarray, t: dict) -> None:
    """Write the derivatives of the drug states into ``dy`` from the terms ``t`` (:func:`drug_terms`)."""
    dy[AG_] = -d["ka"] * y[AG_]
    dy[AP_] = (d["f_a"] * d["ka"] * y[AG_] - t["hepatic"] - d["k_ren"] * t["C"]) / d["Vd"]
    dy[GSH_] = t["synth"] - d["k_syn"] * t["G"] - t["napqi"] * t["trap"] / d["P_gsh"]
    dy[AD_] = t["napqi"] * (1.0 - t["trap"]) - d["k_ad"] * t["A"]
    dy[MS_] = d["k_ms"] * (t["s_ad"] * (1.0 - d["c_gsh"] * t["trap"] + d["a_ms"] * t["h_ms"]) - y[MS_])
    dy[NAC_] = u[2] / d["V_n"] - d["k_n"] * t["N"]
    dy[GN_] = -d["k_gal"] * d["K_ud"] * t["hold"]
    dy[UD_] = t["uptake"] - d["k_ur"] * t["W"]


def _drug_idle(y: np.ndarray, u: np.ndarray) -> bool:
    """True when no run carries acetaminophen, NAC or galactosamine (the drug terms are all 0).

    The drug states are the last rows of the state vector; idle means all zero except
    glutathione at its normal level 1 (one comparison, since the solver asks at every call)."""
    return not (np.any(y[AG_:] != _IDLE) or u[2].any())


def _drug_jacobian(J: dict, y: np.ndarray, d: dict, f: dict, dfn: dict, one: np.ndarray) -> None:
    """The entries of the drug states (see :func:`drug_terms`) into the Jacobian ``J``."""
    C, G, A, N, D, W = f["C"], f["G"], f["A"], f["N"], f["D"], f["W"]
    pos = {k: (y[k] > 0).astype(float) for k in (AP_, GSH_, AD_, NAC_, GN_, UD_)}
    L = f["L"]
    capped = (f["function"] < CLEARANCE_CAP).astype(float)
    dL = {j: d["phi_a"] * capped * dfn[j] for j in (F_, HY_, Q_)}
    rate = f["sat_g"] + f["sat_s"] + d["k_cyp"]  # hepatic = rate * C * L
    dhep_C = (
        (d["Vg"] * d["Kg"] / (d["Kg"] + C) ** 2 + d["Vs"] * d["Ks"] / (d["Ks"] + C) ** 2 + d["k_cyp"])
        * L
        * pos[AP_]
    )
    m = d["k_cyp"] * _MG_TO_UMOL  # napqi = m * C * L
    dnap_C = m * L * pos[AP_]
    trap, napqi = f["trap"], f["napqi"]
    K2 = d["K_trap2"]
    dtrap = 2.0 * G * K2 / (G * G + K2) ** 2 * pos[GSH_]
    boost = 1.0 + d["E_n"] * f["nacf"]
    J[AG_, AG_] = -d["ka"] * one
    J[AP_, AG_] = d["f_a"] * d["ka"] / d["Vd"] * one
    J[AP_, AP_] = -(dhep_C + d["k_ren"] * pos[AP_]) / d["Vd"]
    J[GSH_, GSH_] = (-d["k_syn"] * boost * d["syn_slope"] - d["k_syn"]) * pos[GSH_] - napqi * dtrap / d[
        "P_gsh"
    ]
    J[GSH_, NAC_] = (
        d["k_syn"] * d["E_n"] * d["K_n"] / (N + d["K_n"]) ** 2 * pos[NAC_] * (d["G_max"] - G) * d["syn_slope"]
    )
    J[GSH_, AP_] = -dnap_C * trap / d["P_gsh"]
    J[AD_, AP_] = dnap_C * (1.0 - trap)
    J[AD_, GSH_] = -napqi * dtrap
    J[AD_, AD_] = -d["k_ad"] * pos[AD_]
    for j in (F_, HY_, Q_):
        J[AP_, j] = -rate * C * dL[j] / d["Vd"]
        J[GSH_, j] = -m * C * dL[j] * trap / d["P_gsh"]
        J[AD_, j] = m * C * dL[j] * (1.0 - trap)
    n = d["n_ad"]
    Kn = d["K_ad_n"]
    with np.errstate(divide="ignore", invalid="ignore"):
        An = A**n
        ds = np.where(A > 0, n * An / np.where(A > 0, A, 1.0) * Kn / (An + Kn) ** 2, 0.0)
    J[MS_, AD_] = d["k_ms"] * ds * (1.0 - d["c_gsh"] * trap + d["a_ms"] * f["h_ms"])
    J[MS_, GSH_] = -d["k_ms"] * f["s_ad"] * d["c_gsh"] * dtrap
    J[MS_, MS_] = d["k_ms"] * (f["s_ad"] * d["a_ms"] * hill4_slope(y[MS_], d["K_s4"]) - 1.0)
    J[NAC_, NAC_] = -d["k_n"] * pos[NAC_]
    J[GN_, GN_] = -d["k_gal"] * d["K_ud"] ** 2 / (D + d["K_ud"]) ** 2 * pos[GN_]
    J[UD_, GN_] = d["k_ud"] * d["K_ud"] / (D + d["K_ud"]) ** 2 * (1.0 - W) * pos[GN_]
    J[UD_, UD_] = (-d["k_ud"] * f["hold"] - d["k_ur"]) * pos[UD_]


def _drug_jacobian_idle(J: dict, d: dict, one: np.ndarray) -> None:
    """:func:`_drug_jacobian` where no run carries a drug (:func:`_drug_idle`): the clamps make
    every other entry zero there, so only these four remain (a test checks the two agree)."""
    J[AG_, AG_] = -d["ka"] * one
    J[AP_, AG_] = d["f_a"] * d["ka"] / d["Vd"] * one
    J[GSH_, GSH_] = -d["k_syn"] * (d["syn_slope"] + 1.0) * one
    J[MS_, MS_] = -d["k_ms"] * one
