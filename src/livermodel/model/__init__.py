"""The model: the parameter table and species presets, the equations, the schedule of insults and
interventions, and the state layout that every solver shares.

This is the lowest layer of the package: it imports nothing from livermodel but
:mod:`livermodel.errors` and :mod:`livermodel.units`.  ``from livermodel import model`` gives
the equations and the layout in one namespace (``model.rhs``, ``model.STATES``, ...).
"""

from livermodel.model.equations import (
    LN2,
    OBSERVABLE_NEEDS,
    derived,
    fluxes,
    healthy_growth_rate,
    initial_state,
    jacobian,
    observables,
    rhs,
)
from livermodel.model.layout import (
    INPUTS,
    N_STATES,
    OBSERVABLES,
    ORDER,
    POS,
    STATE_INDEX,
    STATES,
    VARIABLES,
)

__all__ = [
    "LN2",
    "OBSERVABLE_NEEDS",
    "derived",
    "fluxes",
    "healthy_growth_rate",
    "initial_state",
    "jacobian",
    "observables",
    "rhs",
    "INPUTS",
    "N_STATES",
    "OBSERVABLES",
    "ORDER",
    "POS",
    "STATE_INDEX",
    "STATES",
    "VARIABLES",
]
