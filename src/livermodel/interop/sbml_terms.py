"""The parts of the SBML export that do not need libSBML: units, the model's equations as SBML
infix formulas, and the schedule as a sequence of events.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from livermodel.errors import LivermodelError
from livermodel.model.equations import APAP_MOLAR_MASS, CLEARANCE_CAP, REFERENCE_BODY_WEIGHT
from livermodel.model.layout import STATES, VARIABLES
from livermodel.model.parameters import NAMES, check_name, check_value
from livermodel.model.schedule import (
    EV,
    MSC,
    NAC,
    Antidote,
    Chronic,
    Dose,
    Hepatectomy,
    InflammatoryHit,
    Schedule,
)

SBML_LEVEL = 3
SBML_VERSION = 2

# --- units ---------------------------------------------------------------------------------------

#: SBML unit definitions: id -> (human-readable name, [(kind, exponent, scale, multiplier), ...]).
UNIT_DEFINITIONS: dict[str, tuple[str, list[tuple[str, float, int, float]]]] = {
    "hour": ("hour", [("second", 1, 0, 3600.0)]),
    "body_kg": ("kilogram of body weight", [("kilogram", 1, 0, 1.0)]),
    "per_hour": ("per hour", [("second", -1, 0, 3600.0)]),
    "mg_per_kg": ("mg per kg body weight", [("gram", 1, -3, 1.0), ("kilogram", -1, 0, 1.0)]),
    "ug_per_kg": ("ug per kg body weight", [("gram", 1, -6, 1.0), ("kilogram", -1, 0, 1.0)]),
    "per_ug_per_kg": ("per (ug per kg body weight)", [("gram", -1, -6, 1.0), ("kilogram", 1, 0, 1.0)]),
    "million_cells_per_kg": ("1e6 cells per kg body weight", [("item", 1, 0, 1e6), ("kilogram", -1, 0, 1.0)]),
    "per_hour_per_million_cells_per_kg": (
        "per hour per (1e6 cells per kg body weight)",
        [("second", -1, 0, 3600.0), ("item", -1, 0, 1e6), ("kilogram", 1, 0, 1.0)],
    ),
    "per_million_cells_per_kg": (
        "per (1e6 cells per kg body weight)",
        [("item", -1, 0, 1e6), ("kilogram", 1, 0, 1.0)],
    ),
    "ug_per_hour_per_million_cells": (
        "ug per kg per hour per (1e6 cells per kg)",
        [("gram", 1, -6, 1.0), ("second", -1, 0, 3600.0), ("item", -1, 0, 1e6)],
    ),
    "mg_per_L": ("mg per litre", [("gram", 1, -3, 1.0), ("litre", -1, 0, 1.0)]),
    "L_per_kg": ("litre per kg body weight", [("litre", 1, 0, 1.0), ("kilogram", -1, 0, 1.0)]),
    "L_per_h_per_kg": (
        "litre per hour per kg body weight",
        [("litre", 1, 0, 1.0), ("second", -1, 0, 3600.0), ("kilogram", -1, 0, 1.0)],
    ),
    "mg_per_kg_per_h": (
        "mg per kg body weight per hour",
        [("gram", 1, -3, 1.0), ("kilogram", -1, 0, 1.0), ("second", -1, 0, 3600.0)],
    ),
    "umol_per_kg": ("umol per kg body weight", [("mole", 1, -6, 1.0), ("kilogram", -1, 0, 1.0)]),
    "umol_per_kg_per_h": (
        "umol per kg body weight per hour",
        [("mole", 1, -6, 1.0), ("kilogram", -1, 0, 1.0), ("second", -1, 0, 3600.0)],
    ),
    "umol_per_mg": ("umol per mg", [("mole", 1, -6, 1.0), ("gram", -1, -3, 1.0)]),
    # an enzyme unit U is 1 umol of substrate per minute; U/L is per litre of serum
    "U_per_L": (
        "U/L (enzyme units, umol/min, per litre of serum)",
        [("mole", 1, -6, 1.0), ("second", -1, 0, 60.0), ("litre", -1, 0, 1.0)],
    ),
}

#: livermodel unit strings (parameter table and trajectory variables) -> SBML unit id.
#: Masses are fractions of a normal liver and signals are relative, hence dimensionless.
UNIT_IDS: dict[str, str] = {
    "1": "dimensionless",
    "kg": "body_kg",
    "1 (normal mass)": "dimensionless",
    "1 (relative)": "dimensionless",
    "switch": "dimensionless",
    "signal": "dimensionless",
    "growth-signal units": "dimensionless",
    "1 (normal size)": "dimensionless",
    "1 (normal)": "dimensionless",
    "1 (normal function)": "dimensionless",
    "1 (normal volume)": "dimensionless",
    "1 per growth-signal unit": "dimensionless",
    "1/h per growth-signal unit": "per_hour",
    # inflammation produced per unit of dead hepatocyte mass: dX/dt = k * death_flux, so the
    # number is dimensionless whatever the table's wording
    "1 per unit mass dying": "dimensionless",
    "h": "hour",
    "1/h": "per_hour",
    "mg/kg": "mg_per_kg",
    "mg/L": "mg_per_L",
    "L/kg": "L_per_kg",
    "L/h/kg": "L_per_h_per_kg",
    "mg/kg/h": "mg_per_kg_per_h",
    "umol/kg": "umol_per_kg",
    "ug/kg": "ug_per_kg",
    "U/L": "U_per_L",
    "U/L per unit mass": "U_per_L",
    "1e6 cells/kg": "million_cells_per_kg",
    "signal per 1e6 cells/kg": "per_million_cells_per_kg",
    "1/h per 1e6 cells/kg": "per_hour_per_million_cells_per_kg",
    "mass per 1e6 cells/kg": "per_million_cells_per_kg",
    "signal per ug/kg": "per_ug_per_kg",
    "ug/kg per h per 1e6 cells/kg": "ug_per_hour_per_million_cells",
}

#: Units of the time-dependent inputs.
INPUT_UNITS = {
    "chronic_injury_rate": "per_hour",
    "antidote": "dimensionless",
    "nac_infusion": "mg_per_kg_per_h",
}
INPUT_NOTES = {
    "chronic_injury_rate": "Chronic injury rate of functional hepatocytes in force (1/h); set by "
    "the schedule's events (chronic injury on [start, end), pulses unrolled).",
    "antidote": "1 while the antidote acts, else 0; set by the schedule's events.",
    "nac_infusion": "Intravenous N-acetylcysteine infusion rate in force (mg/kg/h); set by the "
    "schedule's events (the bags of the 21 h regimen).",
}


def sbml_unit(unit: str, what: str) -> str:
    """The SBML unit id for a livermodel unit string; :class:`LivermodelError` if there is none."""
    try:
        return UNIT_IDS[unit]
    except KeyError:
        raise LivermodelError(
            f"SBML export does not know the unit '{unit}' of {what}",
            expected=f"one of {', '.join(sorted(UNIT_IDS))}",
            suggestion="add it to livermodel.sbml.UNIT_IDS",
        ) from None


# --- model equations as SBML infix formulas --------------------------------------------------------


def _pos(state: str) -> str:
    """``max(state, 0)`` with the zero in the state's unit (the clamps of ``model.fluxes``)."""
    return f"max({state}, 0 {_state_unit(state)})"


def _state_unit(state: str) -> str:
    return sbml_unit(VARIABLES[state][0], f"state '{state}'")


F, I, X, T = (_pos(s) for s in ("functional_mass", "injured_mass", "inflammation", "toxin"))
#: the hazard of systemic injury: the rate of systemic_hazard, and a part of cumulative_hazard's
SYSTEMIC_HAZARD = f"hazard_systemic * {_pos('systemic_injury')}"
M_LUNG, M_LIV, EV_LIV = (_pos(s) for s in ("msc_lung", "msc_liver", "ev_liver"))
C_AP, G_SH, A_D, M_S, N_AC, G_N, U_D = (
    _pos(s)
    for s in (
        "apap_plasma",
        "glutathione",
        "adducts",
        "mito_stress",
        "nac",
        "galactosamine",
        "uridine_deficit",
    )
)
#: acetaminophen mg -> NAPQI umol, as an SBML number with its unit
MG_TO_UMOL = f"{1000.0 / APAP_MOLAR_MASS!r} umol_per_mg"
ONE = "1 dimensionless"
HALF = "0.5 dimensionless"
LN2 = "ln(2 dimensionless)"
CAP = f"{CLEARANCE_CAP!r} dimensionless"

#: Intermediate quantities (assignment rules): id -> (unit, formula, meaning).  The observables of
#: :data:`livermodel.model.OBSERVABLES` are among them with their livermodel names.
ASSIGNMENTS: dict[str, tuple[str, str, str]] = {
    "total_mass": ("dimensionless", f"{F} + {I}", VARIABLES["total_mass"][1]),
    "liver_function": ("dimensionless", f"compensation * hypertrophy * {F}", VARIABLES["liver_function"][1]),
    "liver_volume": ("dimensionless", "hypertrophy * total_mass", VARIABLES["liver_volume"][1]),
    "demand_drive": (
        "dimensionless",
        "max(0 dimensionless, growth_signal - priming_threshold)",
        "growth signal above the priming threshold (drives priming, hypertrophy and compensation)",
    ),
    "overload_switch": (
        "dimensionless",
        f"{HALF} * ({ONE} + tanh((critical_mass * metabolic_load - liver_function) / overload_width))",
        "overload switch: 1 when liver function per load is far below the critical mass",
    ),
    "therapy_signal": (
        "dimensionless",
        f"(msc_liver_potency * {M_LIV} + msc_lung_potency * {M_LUNG} + ev_potency * {EV_LIV})"
        f" * (body_weight / {REFERENCE_BODY_WEIGHT!r} body_kg)^therapy_exposure_exponent",
        "paracrine therapy signal of liver MSCs, lung MSCs and liver EVs (per-kg exposure grows "
        "with body weight)",
    ),
    "therapy_effect": (
        "dimensionless",
        "therapy_signal / (therapy_signal + therapy_ec50)",
        VARIABLES["therapy_effect"][1],
    ),
    "death_protection": (
        "dimensionless",
        f"{ONE} - anti_death_max * anti_death_on * therapy_effect",
        "factor on every death rate left by the anti-death effect of therapy (1 = no protection)",
    ),
    "toxin_injury": (
        "per_hour",
        f"toxin_injury_rate / time_scale * ({T} / toxin_ec50)^toxin_hill"
        f" / ({ONE} + ({T} / toxin_ec50)^toxin_hill)",
        "injury rate of functional hepatocytes caused by the toxin (Hill function of the load)",
    ),
    "apap_liver_factor": (
        "dimensionless",
        f"({ONE} - apap_liver_dependence) + apap_liver_dependence * min(liver_function, {CAP})",
        "share of hepatic acetaminophen metabolism left with the present liver function",
    ),
    "apap_hepatic": (
        "mg_per_kg_per_h",
        f"(glucuronidation_vmax / (glucuronidation_km + {C_AP}) + sulfation_vmax / (sulfation_km"
        f" + {C_AP})) * {C_AP} * apap_liver_factor + cyp_clearance * {C_AP} * apap_liver_factor",
        "hepatic acetaminophen metabolism: saturable glucuronidation and sulfation, CYP oxidation",
    ),
    "napqi_formation": (
        "umol_per_kg_per_h",
        f"cyp_clearance * {C_AP} * apap_liver_factor * {MG_TO_UMOL}",
        "NAPQI formed by CYP oxidation (umol per kg body weight per hour)",
    ),
    "gsh_trapping": (
        "dimensionless",
        f"{G_SH}^2 / ({G_SH}^2 + glutathione_trap_half^2)",
        "share of NAPQI conjugated by glutathione (the rest binds protein)",
    ),
    "stress_past_threshold": (
        "dimensionless",
        f"{M_S}^4 / ({M_S}^4 + necrosis_stress_half^4)",
        "mitochondrial stress past its threshold (Hill, n = 4)",
    ),
    "necrosis_flux": (
        "per_hour",
        f"necrosis_rate * death_sensitivity * stress_past_threshold * death_protection * {F}",
        "oncotic necrosis of functional hepatocytes driven by mitochondrial stress",
    ),
    "uridine_left": (
        "dimensionless",
        f"max({ONE} - {U_D}, 0 dimensionless)",
        "uridine nucleotides left after D-galactosamine trapping (fraction of normal)",
    ),
    "transcriptional_arrest": (
        "dimensionless",
        f"{ONE} - ({ONE} + galactosamine_injury_half^4) * uridine_left^4"
        " / (uridine_left^4 + galactosamine_injury_half^4)",
        "transcriptional arrest by uridine depletion: 0 with no deficit, 1 at full depletion",
    ),
    "galactosamine_injury": (
        "per_hour",
        "galactosamine_injury_rate / time_scale * transcriptional_arrest",
        "injury rate of functional hepatocytes under transcriptional arrest",
    ),
    "inflammation_injury": (
        "per_hour",
        f"inflammation_injury_rate * {X}^2 / ({X}^2 + inflammation_injury_half^2)"
        f" * ({ONE} + galactosamine_sensitisation * transcriptional_arrest)",
        "injury rate of functional hepatocytes caused by inflammation (Hill function, n = 2), "
        "raised by the transcriptional arrest of D-galactosamine",
    ),
    "injury_flux": (
        "per_hour",
        f"(toxin_injury + inflammation_injury + chronic_injury_rate + galactosamine_injury) * {F}",
        "flux of functional into injured mass (toxin, inflammation, chronic injury, D-galactosamine)",
    ),
    "repair_flux": (
        "per_hour",
        f"repair_rate / time_scale * ({ONE} - transcriptional_arrest) * {I}",
        "flux of injured mass repaired back to functional mass",
    ),
    "injured_death_flux": (
        "per_hour",
        f"death_rate / time_scale * death_sensitivity * ({ONE} + inflammation_death_gain * {X})"
        f" * death_protection * {I}",
        "death flux of injured hepatocytes",
    ),
    "overload_death": (
        "per_hour",
        "overload_death_rate / time_scale * death_sensitivity * overload_switch * death_protection",
        "overload death rate of all hepatocytes when liver function falls below the critical "
        "mass times the metabolic load",
    ),
    "death_flux": (
        "per_hour",
        "injured_death_flux + overload_death * total_mass + necrosis_flux",
        VARIABLES["death_flux"][1],
    ),
    "proliferation": (
        "per_hour",
        f"division_rate / time_scale * regeneration_capacity * primed_fraction * {F}"
        f" * max(0 dimensionless, {ONE} - compensation * liver_volume / set_point)",
        VARIABLES["proliferation"][1],
    ),
    "survival_probability": (
        "dimensionless",
        "exp(-cumulative_hazard)",
        VARIABLES["survival_probability"][1],
    ),
}

#: The path integrals among the states, and the id of their rate in a steady-state export.  Their
#: derivative does not depend on their own value and nothing depends on them (they only read out
#: the run: survival = exp(-cumulative_hazard)), so every Jacobian of the full system has a zero
#: column for each and no Newton method finds a steady state; where the liver has failed the
#: hazard keeps growing and the full system has no steady state at all.  ``to_sbml(...,
#: steady_state=True)`` leaves them out and writes their rates instead.
READOUT_RATES: dict[str, str] = {
    "cumulative_hazard": "hazard_rate",
    "systemic_hazard": "systemic_hazard_rate",
}
#: Assignment rules that need a path integral (left out of a steady-state export).
READOUT_ASSIGNMENTS = ("survival_probability",)

#: Right-hand side of every state (rate rules), in the order of :data:`livermodel.model.STATES`.
RATE_RULES: dict[str, str] = {
    "functional_mass": (
        f"-injury_flux + repair_flux + proliferation - overload_death * {F} - necrosis_flux"
        f" + engraftment_rate * {M_LIV} * msc_mass_per_million"
    ),
    "injured_mass": f"injury_flux - repair_flux - injured_death_flux - overload_death * {I}",
    "primed_fraction": (
        "priming_rate / time_scale * (demand_drive / (demand_drive + priming_half)"
        f" + inflammation_priming * {X}) * ({ONE} - overload_priming_block * overload_switch)"
        f" * ({ONE} - primed_fraction) - priming_decay_rate / time_scale * primed_fraction"
    ),
    "growth_signal": (
        f"growth_signal_rate * (metabolic_load * max(0 dimensionless, {ONE} - liver_function"
        " / set_point) + pro_regenerative_max * pro_regenerative_on * therapy_effect"
        " - growth_signal)"
    ),
    "inflammation": (
        "inflammation_production * death_flux"
        f" * ({ONE} - anti_inflammatory_max * anti_inflammatory_on * therapy_effect)"
        " - inflammation_decay_rate"
        f" * ({ONE} + anti_inflammatory_resolution * anti_inflammatory_on * therapy_effect) * {X}"
        f" + msc_embolism_inflammation * max({M_LUNG} - msc_lung_capacity, 0 million_cells_per_kg)"
    ),
    "toxin": (
        f"-toxin_clearance_rate * (({ONE} - toxin_liver_dependence) + toxin_liver_dependence"
        f" * min(liver_function, {CAP}))"
        f" * ({ONE} + antidote_clearance_boost * antidote) * {T}"
    ),
    "alt_u_per_l": f"alt_release * death_flux - {LN2} / alt_half_life * (alt_u_per_l - alt_baseline)",
    "ast_u_per_l": f"ast_release * death_flux - {LN2} / ast_half_life * (ast_u_per_l - ast_baseline)",
    "msc_lung": f"-{LN2} / msc_lung_half_life * msc_lung",
    "msc_liver": f"-({LN2} / msc_liver_half_life + engraftment_rate) * msc_liver",
    "ev_plasma": f"-{LN2} / ev_plasma_half_life * ev_plasma",
    "ev_liver": (
        f"ev_liver_fraction * {LN2} / ev_plasma_half_life * ev_plasma"
        f" + msc_ev_release * (msc_lung + msc_liver) - {LN2} / ev_liver_half_life * ev_liver"
    ),
    "cumulative_hazard": (
        f"hazard_max * {HALF}"
        f" * ({ONE} + tanh((failure_level - liver_function) / hazard_width))"
        f" + {SYSTEMIC_HAZARD}"
    ),
    "hypertrophy": (
        f"hypertrophy_rate / time_scale * ({ONE} + hypertrophy_gain * demand_drive - hypertrophy)"
    ),
    "compensation": (
        "compensation_rate * demand_drive * (compensation_max - compensation)"
        f" - {LN2} / compensation_half_life * (compensation - {ONE})"
    ),
    "systemic_injury": (
        f"systemic_injury_rate * {X}^4 / ({X}^4 + systemic_injury_half^4)"
        f" * ({ONE} - systemic_injury) - {LN2} / systemic_injury_half_life * systemic_injury"
    ),
    "systemic_hazard": SYSTEMIC_HAZARD,
    "apap_gut": "-apap_absorption_rate * apap_gut",
    "apap_plasma": (
        "(apap_bioavailability * apap_absorption_rate * apap_gut - apap_hepatic"
        f" - apap_renal_clearance * {C_AP}) / apap_volume"
    ),
    "glutathione": (
        f"glutathione_synthesis_rate * ({ONE} + nac_glutathione_gain * {N_AC} / ({N_AC} + nac_ec50))"
        f" * (glutathione_max - {G_SH}) / (glutathione_max - {ONE})"
        f" - glutathione_synthesis_rate * {G_SH} - napqi_formation * gsh_trapping / glutathione_pool"
    ),
    "adducts": f"napqi_formation * ({ONE} - gsh_trapping) - {LN2} / adduct_half_life * {A_D}",
    "mito_stress": (
        f"stress_rate * ({A_D}^adduct_hill / ({A_D}^adduct_hill + adduct_ec50^adduct_hill)"
        f" * ({ONE} - stress_glutathione_protection * gsh_trapping"
        " + stress_amplification * stress_past_threshold) - mito_stress)"
    ),
    "nac": f"nac_infusion / nac_volume - {LN2} / nac_half_life * {N_AC}",
    "galactosamine": (
        f"-{LN2} / galactosamine_half_life * uridine_depletion_half * {G_N}"
        f" / ({G_N} + uridine_depletion_half)"
    ),
    "uridine_deficit": (
        f"uridine_depletion_rate * {G_N} / ({G_N} + uridine_depletion_half) * ({ONE} - {U_D})"
        f" - uridine_recovery_rate / time_scale * {U_D}"
    ),
}

#: Initial state before any dose, as formulas (see :func:`livermodel.model.initial_state`).
INITIAL_STATE: dict[str, str] = {
    "functional_mass": "initial_mass",
    "hypertrophy": "1",
    "compensation": "1",
    "alt_u_per_l": "alt_baseline",
    "glutathione": "1",
    "ast_u_per_l": "ast_baseline",
}


# --- the schedule as events --------------------------------------------------------------------------


@dataclass
class _Action:
    """A bolus at ``time``, as jumps of states: state -> function(expression) -> expression."""

    time: float
    label: str
    jumps: list[tuple[str, str]]  # (state, template with {x} for the state's value before)


def _num(value: float) -> str:
    return repr(float(value))


def _fmt(value: float) -> str:
    return f"{value:g}"


def _time_label(t: float) -> str:
    return f"{_fmt(t)} h"


def _dose_parameters(schedule: Schedule) -> tuple[list[tuple[str, float, str, str]], list[_Action]]:
    """Dose parameters ``(id, value, unit, note)`` and the unrolled bolus actions of ``schedule``."""
    params: list[tuple[str, float, str, str]] = []
    actions: list[_Action] = []
    for k, ev in enumerate(schedule.events, start=1):
        if isinstance(ev, Hepatectomy):
            pid = f"hepatectomy_{k}_fraction"
            params.append(
                (
                    pid,
                    ev.fraction,
                    "dimensionless",
                    f"Fraction of hepatocyte mass removed by the hepatectomy at {_time_label(ev.at)} "
                    f"(schedule event {k}).",
                )
            )
            jumps = [
                ("functional_mass", f"({{x}}) * ({ONE} - {pid})"),
                ("injured_mass", f"({{x}}) * ({ONE} - {pid})"),
            ]
            label = f"{_fmt(100 * ev.fraction)} % hepatectomy"
        elif isinstance(ev, Dose):  # toxin, acetaminophen, D-galactosamine
            pid = f"{ev.kind}_{k}_dose"
            params.append(
                (pid, ev.dose, "mg_per_kg", f"{ev.what[0].upper()}{ev.what[1:]} (schedule event {k}).")
            )
            jumps = [(ev.state, f"{{x}} + {pid}")]
            label = f"{ev.what.removesuffix(' dose')} {_fmt(ev.dose)} mg/kg"
        elif isinstance(ev, MSC):
            pid = f"msc_{k}_dose"
            params.append(
                (pid, ev.dose, "million_cells_per_kg", f"MSC dose, route {ev.route} (schedule event {k}).")
            )
            jumps = []
            if ev.route == "iv":
                jumps.append(("msc_lung", f"{{x}} + {pid} * msc_lung_fraction_iv"))
            jumps.append(("msc_liver", f"{{x}} + {pid} * msc_liver_fraction_{ev.route}"))
            label = f"MSC {_fmt(ev.dose)} x 1e6 cells/kg {ev.route}"
        elif isinstance(ev, EV):
            pid = f"ev_{k}_dose"
            params.append(
                (pid, ev.dose, "ug_per_kg", f"EV protein dose, route {ev.route} (schedule event {k}).")
            )
            target = "ev_plasma" if ev.route == "iv" else "ev_liver"
            jumps = [(target, f"{{x}} + {pid}")]
            label = f"EV {_fmt(ev.dose)} ug/kg {ev.route}"
        elif isinstance(ev, NAC):
            if not ev.boluses():
                continue  # intravenous bags: the events set the infusion input (see _steps)
            for j, (t, dose) in enumerate(ev.boluses()):
                pid = f"nac_{k}_oral_{j + 1}_dose"
                params.append(
                    (
                        pid,
                        dose.amount,
                        "mg_per_kg",
                        f"Oral N-acetylcysteine dose {j + 1} of the {ev.regimen} regimen "
                        f"(schedule event {k}).",
                    )
                )
                actions.append(
                    _Action(
                        t,
                        f"NAC {_fmt(dose.amount)} mg/kg oral ({j + 1} of {len(ev.boluses())})",
                        [("nac", f"{{x}} + {pid} * nac_oral_fraction / nac_volume")],
                    )
                )
            continue
        elif isinstance(ev, InflammatoryHit):
            pid = f"inflammation_{k}_amount"
            params.append(
                (
                    pid,
                    ev.amount,
                    "dimensionless",
                    f"Inflammation added by the inflammatory hit (schedule event {k}).",
                )
            )
            jumps = [("inflammation", f"{{x}} + {pid}")]
            label = f"inflammatory hit {_fmt(ev.amount)}"
        elif isinstance(ev, (Chronic, Antidote)):
            continue  # interval inputs: the events set them (see _steps)
        else:
            raise LivermodelError(
                f"SBML export does not support the schedule event {type(ev).__name__!r} (schedule event {k})",
                expected="hepatectomy, toxin, MSC, EV, inflammatory hit, chronic injury or antidote",
                found=repr(ev),
            )
        repeats = len(ev.boluses())
        for j, (t, _) in enumerate(ev.boluses()):
            suffix = f" (dose {j + 1} of {repeats})" if repeats > 1 else ""
            actions.append(_Action(t, label + suffix, jumps))
    actions.sort(key=lambda a: a.time)  # stable: listing order at equal times, as the solver does
    return params, actions


def _merge_h() -> float:
    """The solver's merge distance for near-coincident breakpoints (0 if it merges none)."""
    from livermodel.solve import simulate

    return float(getattr(simulate, "MERGE_H", 0.0))


@dataclass
class _Step:
    """A restart of the solver at ``time``: the boluses applied there and the inputs that follow."""

    time: float
    actions: list[_Action]
    inputs: list[float]


def _steps(schedule: Schedule, actions: list[_Action], duration_h: float) -> list[_Step]:
    """The solver's restarts in ``[0, duration_h)``, as :mod:`livermodel.solve.simulate` makes them.

    Breakpoints closer than the solver's merge distance act together at the first of them; the
    inputs of a segment are those in force at its midpoint; boluses at or after the end of the
    run are never applied.
    """
    merge = _merge_h()
    times = sorted({0.0, duration_h, *schedule.breakpoints(duration_h)})
    starts = [times[0]]
    for t in times[1:]:
        if t - starts[-1] > merge:
            starts.append(t)
    if duration_h - starts[-1] <= merge:
        starts[-1] = duration_h
    steps = []
    for a, b in zip(starts[:-1], starts[1:], strict=True):
        here = [x for x in actions if (a - merge <= x.time < b - merge) or x.time == a]
        mid = schedule.inputs_at(0.5 * (a + b)) if merge > 0 else schedule.inputs_at(a)
        steps.append(_Step(a, here, [float(v) for v in mid]))
    return steps


def _check_parameters(parameters: Mapping[str, float]) -> dict[str, float]:
    values = {}
    for name, value in parameters.items():
        check_name(name, key=f"parameters.{name}")
        values[name] = check_value(name, value, key=f"parameters.{name}")
    missing = [n for n in NAMES if n not in values]
    if missing:
        raise LivermodelError(
            "SBML export needs every parameter resolved",
            key="parameters",
            expected="a full parameter dict (see livermodel.model.parameters.resolve)",
            found=f"{len(missing)} missing, e.g. {', '.join(missing[:3])}",
        )
    return values


def _check_initial(initial: Mapping[str, float] | None) -> dict[str, float]:
    out = {}
    for name, value in (initial or {}).items():
        if name not in STATES:
            raise LivermodelError(
                f"unknown state variable '{name}'", key=f"initial.{name}", expected=", ".join(STATES)
            )
        value = float(value)
        if not (math.isfinite(value) and value >= 0):
            raise LivermodelError(
                "an initial value must be finite and >= 0", key=f"initial.{name}", found=repr(value)
            )
        out[name] = value
    return out
