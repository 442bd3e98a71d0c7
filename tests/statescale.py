"""Typical magnitudes of the states, for tests that draw random states (by name, so the tests
do not depend on the order of the state vector)."""

import numpy as np

from livermodel.model.layout import STATES

TYPICAL = {
    "toxin": 500,
    "alt_u_per_l": 1000,
    "ast_u_per_l": 1000,
    "msc_lung": 5,
    "msc_liver": 5,
    "ev_plasma": 50,
    "ev_liver": 50,
    "hypertrophy": 1.5,
    "compensation": 1.5,
    "injured_mass": 0.5,
    "apap_gut": 300,
    "apap_plasma": 200,
    "adducts": 50,
    "mito_stress": 0.5,
    "nac": 50,
    "galactosamine": 500,
    "uridine_deficit": 0.5,
    "systemic_injury": 0.5,
}


def state_scale() -> np.ndarray:
    """One typical magnitude per state, in the order of STATES."""
    return np.array([float(TYPICAL.get(name, 1.0)) for name in STATES])
