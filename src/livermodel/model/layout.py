"""The state layout: state variables, inputs, observables and trajectory variables with their
units, and the solver's internal state order that the batched solvers and the compiled kernels
share.
"""

from __future__ import annotations

import numpy as np

#: State variables, in the order of the state vector.  Each is also a trajectory variable.
STATES: tuple[str, ...] = (
    "functional_mass",
    "injured_mass",
    "primed_fraction",
    "growth_signal",
    "inflammation",
    "toxin",
    "alt_u_per_l",
    "ast_u_per_l",
    "msc_lung",
    "msc_liver",
    "ev_plasma",
    "ev_liver",
    "cumulative_hazard",
    "hypertrophy",
    "compensation",
    "systemic_injury",
    "systemic_hazard",
    "apap_gut",
    "apap_plasma",
    "glutathione",
    "adducts",
    "mito_stress",
    "nac",
    "galactosamine",
    "uridine_deficit",
)
STATE_INDEX: dict[str, int] = {name: i for i, name in enumerate(STATES)}
N_STATES = len(STATES)

#: Time-dependent inputs set by the schedule (piecewise constant between breakpoints).
INPUTS: tuple[str, ...] = ("chronic_injury_rate", "antidote", "nac_infusion")

#: Variables computed from the state after integration (observables).
OBSERVABLES: tuple[str, ...] = (
    "liver_function",
    "liver_volume",
    "total_mass",
    "proliferation",
    "death_flux",
    "therapy_effect",
    "survival_probability",
)

#: Every trajectory variable with its unit and meaning (a public interface).
VARIABLES: dict[str, tuple[str, str]] = {
    "time_h": ("h", "time since the start of the run"),
    "functional_mass": (
        "1 (normal mass)",
        "functional hepatocyte mass, counted in cells of normal size; 1 = normal liver",
    ),
    "injured_mass": ("1 (normal mass)", "injured, non-functional but recoverable hepatocytes"),
    "total_mass": ("1 (normal mass)", "functional + injured hepatocyte mass (cells of normal size)"),
    "hypertrophy": (
        "1 (normal size)",
        "mean hepatocyte volume relative to a normal "
        "hepatocyte (cell enlargement before and during division)",
    ),
    "compensation": (
        "1 (normal)",
        "liver function per unit of hepatocyte volume (slow functional adaptation of the remnant)",
    ),
    "liver_function": (
        "1 (normal function)",
        "liver function: functional mass x hypertrophy "
        "x compensation; what the hepatostat and the failure criterion read",
    ),
    "liver_volume": (
        "1 (normal volume)",
        "liver volume: total mass x hypertrophy; what CT, MRI and ultrasound volumetry measure",
    ),
    "primed_fraction": ("1", "fraction of functional hepatocytes primed to divide (left G0)"),
    "proliferation": ("1/h", "hepatocyte division flux, fraction of normal mass per hour"),
    "death_flux": ("1/h", "hepatocyte death flux, fraction of normal mass per hour"),
    "inflammation": ("1 (relative)", "inflammatory activity (cytokines, danger signals); 0 = none"),
    "growth_signal": ("1 (relative)", "growth-factor/trophic signal (HGF-like); 0 at set point"),
    "toxin": (
        "mg/kg",
        "lumped hepatotoxin load (a direct-acting reactive load; acetaminophen itself has its own states)",
    ),
    "apap_gut": ("mg/kg", "acetaminophen dose not yet absorbed"),
    "apap_plasma": ("mg/L", "plasma acetaminophen concentration"),
    "glutathione": ("1 (normal)", "hepatic glutathione relative to normal"),
    "adducts": ("umol/kg", "acetaminophen (NAPQI)-protein adducts in the liver, per kg body weight"),
    "mito_stress": (
        "1",
        "mitochondrial stress of hepatocytes (0 none, 1 maximal) driven by protein adducts; drives necrosis",
    ),
    "nac": ("mg/L", "N-acetylcysteine available to the liver, as a plasma-equivalent concentration"),
    "galactosamine": ("mg/kg", "D-galactosamine not yet trapped by the liver"),
    "uridine_deficit": (
        "1",
        "hepatic uridine-nucleotide (UTP) deficit caused by D-galactosamine, 0 none, 1 complete",
    ),
    "alt_u_per_l": ("U/L", "serum alanine aminotransferase"),
    "ast_u_per_l": ("U/L", "serum aspartate aminotransferase"),
    "msc_lung": ("1e6 cells/kg", "viable MSCs trapped in the lungs"),
    "msc_liver": ("1e6 cells/kg", "viable MSCs in the liver"),
    "ev_plasma": ("ug/kg", "extracellular vesicles in plasma (protein)"),
    "ev_liver": ("ug/kg", "extracellular vesicles acting in the liver (protein)"),
    "therapy_effect": ("1", "occupancy of the paracrine therapy effect, 0 to 1"),
    "systemic_injury": (
        "1",
        "extrahepatic injury left by systemic inflammation (organ "
        "dysfunction and susceptibility to infection), 0 none, 1 maximal; "
        "relaxes over weeks",
    ),
    "cumulative_hazard": ("1", "integrated death hazard (liver failure and systemic injury)"),
    "systemic_hazard": (
        "1",
        "the part of the cumulative hazard that comes from systemic "
        "injury (multi-organ failure, infection) rather than from liver "
        "failure",
    ),
    "survival_probability": ("1", "probability of survival so far, exp(-cumulative hazard)"),
}


#: Internal order of the states in the solver's vector (a permutation of model.STATES) that keeps
#: the Jacobian's band narrow: banded LU costs grow with the band's width, so this order makes
#: each LSODA step several times cheaper than the public order (found by a local search
#: minimising lower band x (lower + upper band + 1)).  Results are unaffected.
ORDER = tuple(
    STATE_INDEX[name]
    for name in (
        "systemic_hazard",
        "systemic_injury",
        "nac",
        "glutathione",
        "cumulative_hazard",
        "adducts",
        "alt_u_per_l",
        "mito_stress",
        "ast_u_per_l",
        "apap_plasma",
        "inflammation",
        "functional_mass",
        "primed_fraction",
        "growth_signal",
        "injured_mass",
        "toxin",
        "hypertrophy",
        "compensation",
        "ev_liver",
        "msc_liver",
        "msc_lung",
        "apap_gut",
        "galactosamine",
        "uridine_deficit",
        "ev_plasma",
    )
)
POS = np.argsort(ORDER)  # POS[state] = its place in the solver's vector
