"""Export of a run (parameters, initial state and schedule) as an SBML Level 3 Version 2 model.

The exported document stands alone: every parameter is a plain number (species presets and
effect switches are already resolved), every state variable is an SBML parameter with a rate
rule, the observables are assignment rules, and the schedule is written as SBML events.  The ids
are the names used everywhere else in livermodel (``functional_mass``, ``alt_u_per_l``,
``toxin_ec50`` ...), so a trajectory from COPASI, Tellurium or libRoadRunner can be compared
with a livermodel trajectory column by column.

How the schedule is written
---------------------------
* A bolus (hepatectomy, toxin dose, MSC or EV dose, inflammatory hit) at time ``t > 0`` is an
  event with trigger ``time >= t``.  All the actions at one time (several boluses, and the inputs
  that switch there) are **one** event whose assignments compose the jumps in the order the
  schedule lists them, so no simulator-specific ordering of simultaneous events is involved.
  The state a simulator reports at ``t`` is the state after the jump, as in livermodel.
* Boluses at ``t = 0`` are folded into the initial assignments of the states (for example
  ``functional_mass = set_point * (1 - hepatectomy_1_fraction)``): an event that fires at the
  initial time is handled differently by different simulators, an initial assignment is not.
* The time-dependent inputs ``chronic_injury_rate`` and ``antidote`` are non-constant parameters
  that the events set to the value in force on ``[t, next breakpoint)``, exactly the piecewise
  constant input that livermodel integrates.  Repeats and chronic pulses are unrolled.
* The file describes the run from 0 to ``duration_h``.  Schedule actions at or after the end of
  the run have no effect on a livermodel run, so they are not exported; the model notes list them.

Each dose amount is its own parameter (``toxin_2_dose``, ``msc_3_dose`` ...; the number is the
position of the event in the schedule), so a user can change a dose in COPASI without editing
the event mathematics.

libSBML is an optional dependency (``pip install "livermodel[sbml]"``) and is imported only when
an export is made.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from .errors import LivermodelError
from .model import INPUTS, OBSERVABLES, STATES, VARIABLES
from .parameters import NAMES, PARAMETERS, check_name, check_value
from .schedule import EV, MSC, Antidote, Chronic, Hepatectomy, InflammatoryHit, Schedule, Toxin

SBML_LEVEL = 3
SBML_VERSION = 2

# --- units ---------------------------------------------------------------------------------------

#: SBML unit definitions: id -> (human-readable name, [(kind, exponent, scale, multiplier), ...]).
UNIT_DEFINITIONS: dict[str, tuple[str, list[tuple[str, float, int, float]]]] = {
    "hour": ("hour", [("second", 1, 0, 3600.0)]),
    "per_hour": ("per hour", [("second", -1, 0, 3600.0)]),
    "mg_per_kg": ("mg per kg body weight", [("gram", 1, -3, 1.0), ("kilogram", -1, 0, 1.0)]),
    "ug_per_kg": ("ug per kg body weight", [("gram", 1, -6, 1.0), ("kilogram", -1, 0, 1.0)]),
    "per_ug_per_kg": ("per (ug per kg body weight)", [("gram", -1, -6, 1.0), ("kilogram", 1, 0, 1.0)]),
    "million_cells_per_kg": ("1e6 cells per kg body weight",
                             [("item", 1, 0, 1e6), ("kilogram", -1, 0, 1.0)]),
    "per_million_cells_per_kg": ("per (1e6 cells per kg body weight)",
                                 [("item", -1, 0, 1e6), ("kilogram", 1, 0, 1.0)]),
    "ug_per_hour_per_million_cells": (
        "ug per kg per hour per (1e6 cells per kg)",
        [("gram", 1, -6, 1.0), ("second", -1, 0, 3600.0), ("item", -1, 0, 1e6)],
    ),
    # an enzyme unit U is 1 umol of substrate per minute; U/L is per litre of serum
    "U_per_L": ("U/L (enzyme units, umol/min, per litre of serum)",
                [("mole", 1, -6, 1.0), ("second", -1, 0, 60.0), ("litre", -1, 0, 1.0)]),
}

#: livermodel unit strings (parameter table and trajectory variables) -> SBML unit id.
#: Masses are fractions of a normal liver and signals are relative, hence dimensionless.
UNIT_IDS: dict[str, str] = {
    "1": "dimensionless",
    "1 (normal mass)": "dimensionless",
    "1 (relative)": "dimensionless",
    "switch": "dimensionless",
    "signal": "dimensionless",
    "growth-signal units": "dimensionless",
    # inflammation produced per unit of dead hepatocyte mass: dX/dt = k * death_flux, so the
    # number is dimensionless whatever the table's wording
    "1 per unit mass dying": "dimensionless",
    "h": "hour",
    "1/h": "per_hour",
    "mg/kg": "mg_per_kg",
    "ug/kg": "ug_per_kg",
    "U/L": "U_per_L",
    "U/L per unit mass": "U_per_L",
    "1e6 cells/kg": "million_cells_per_kg",
    "signal per 1e6 cells/kg": "per_million_cells_per_kg",
    "mass per 1e6 cells/kg": "per_million_cells_per_kg",
    "signal per ug/kg": "per_ug_per_kg",
    "ug/kg per h per 1e6 cells/kg": "ug_per_hour_per_million_cells",
}

#: Units of the time-dependent inputs.
INPUT_UNITS = {"chronic_injury_rate": "per_hour", "antidote": "dimensionless"}
INPUT_NOTES = {
    "chronic_injury_rate": "Chronic injury rate of functional hepatocytes in force (1/h); set by "
    "the schedule's events (chronic injury on [start, end), pulses unrolled).",
    "antidote": "1 while the antidote acts, else 0; set by the schedule's events.",
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
M_LUNG, M_LIV, EV_LIV = (_pos(s) for s in ("msc_lung", "msc_liver", "ev_liver"))
ONE = "1 dimensionless"
HALF = "0.5 dimensionless"
LN2 = "ln(2 dimensionless)"

#: Intermediate quantities (assignment rules): id -> (unit, formula, meaning).  The observables of
#: :data:`livermodel.model.OBSERVABLES` are among them with their livermodel names.
ASSIGNMENTS: dict[str, tuple[str, str, str]] = {
    "total_mass": ("dimensionless", f"{F} + {I}", VARIABLES["total_mass"][1]),
    "therapy_signal": (
        "dimensionless",
        f"msc_liver_potency * {M_LIV} + msc_lung_potency * {M_LUNG} + ev_potency * {EV_LIV}",
        "paracrine therapy signal of liver MSCs, lung MSCs and liver EVs",
    ),
    "therapy_effect": ("dimensionless", "therapy_signal / (therapy_signal + therapy_ec50)",
                       VARIABLES["therapy_effect"][1]),
    "death_protection": (
        "dimensionless", f"{ONE} - anti_death_max * anti_death_on * therapy_effect",
        "factor on every death rate left by the anti-death effect of therapy (1 = no protection)",
    ),
    "toxin_injury": (
        "per_hour",
        f"toxin_injury_rate / time_scale * ({T} / toxin_ec50)^toxin_hill"
        f" / ({ONE} + ({T} / toxin_ec50)^toxin_hill)",
        "injury rate of functional hepatocytes caused by the toxin (Hill function of the load)",
    ),
    "inflammation_injury": (
        "per_hour",
        f"inflammation_injury_rate * {X}^2 / ({X}^2 + inflammation_injury_half^2)",
        "injury rate of functional hepatocytes caused by inflammation (Hill function, n = 2)",
    ),
    "injury_flux": (
        "per_hour",
        f"(toxin_injury + inflammation_injury + chronic_injury_rate) * {F}",
        "flux of functional into injured mass (toxin, inflammation and chronic injury)",
    ),
    "repair_flux": ("per_hour", f"repair_rate / time_scale * {I}",
                    "flux of injured mass repaired back to functional mass"),
    "injured_death_flux": (
        "per_hour",
        f"death_rate / time_scale * death_sensitivity * ({ONE} + inflammation_death_gain * {X})"
        f" * death_protection * {I}",
        "death flux of injured hepatocytes",
    ),
    "overload_death": (
        "per_hour",
        f"overload_death_rate / time_scale * death_sensitivity * {HALF}"
        f" * ({ONE} + tanh((critical_mass * metabolic_load - {F}) / overload_width))"
        " * death_protection",
        "overload death rate of all hepatocytes when functional mass falls below the critical "
        "mass times the metabolic load",
    ),
    "death_flux": ("per_hour", "injured_death_flux + overload_death * total_mass",
                   VARIABLES["death_flux"][1]),
    "proliferation": (
        "per_hour",
        f"division_rate / time_scale * regeneration_capacity * primed_fraction * {F}"
        f" * max(0 dimensionless, {ONE} - total_mass / set_point)",
        VARIABLES["proliferation"][1],
    ),
    "survival_probability": ("dimensionless", "exp(-cumulative_hazard)",
                             VARIABLES["survival_probability"][1]),
}

#: Right-hand side of every state (rate rules), in the order of :data:`livermodel.model.STATES`.
RATE_RULES: dict[str, str] = {
    "functional_mass": (
        f"-injury_flux + repair_flux + proliferation - overload_death * {F}"
        f" + engraftment_rate * {M_LIV} * msc_mass_per_million"
    ),
    "injured_mass": f"injury_flux - repair_flux - injured_death_flux - overload_death * {I}",
    "primed_fraction": (
        f"priming_rate / time_scale * (growth_signal + inflammation_priming * {X})"
        f" * ({ONE} - primed_fraction) - priming_decay_rate / time_scale * primed_fraction"
    ),
    "growth_signal": (
        f"growth_signal_rate * (max(0 dimensionless, {ONE} - {F} / set_point)"
        " + pro_regenerative_max * pro_regenerative_on * therapy_effect - growth_signal)"
    ),
    "inflammation": (
        "inflammation_production * death_flux"
        f" * ({ONE} - anti_inflammatory_max * anti_inflammatory_on * therapy_effect)"
        f" - inflammation_decay_rate * {X}"
    ),
    "toxin": (
        f"-toxin_clearance_rate * (({ONE} - toxin_liver_dependence) + toxin_liver_dependence * {F})"
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
        f"hazard_max / time_scale * {HALF}"
        f" * ({ONE} + tanh((critical_mass * metabolic_load - {F}) / hazard_width))"
    ),
}

#: Initial state before any dose, as formulas (see :func:`livermodel.model.initial_state`).
INITIAL_STATE: dict[str, str] = {
    "functional_mass": "set_point",
    "alt_u_per_l": "alt_baseline",
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
            params.append((pid, ev.fraction, "dimensionless",
                           f"Fraction of hepatocyte mass removed by the hepatectomy at {_time_label(ev.at)} "
                           f"(schedule event {k})."))
            jumps = [("functional_mass", f"({{x}}) * ({ONE} - {pid})"),
                     ("injured_mass", f"({{x}}) * ({ONE} - {pid})")]
            label = f"{_fmt(100 * ev.fraction)} % hepatectomy"
        elif isinstance(ev, Toxin):
            pid = f"toxin_{k}_dose"
            params.append((pid, ev.dose, "mg_per_kg", f"Toxin dose (schedule event {k})."))
            jumps = [("toxin", f"{{x}} + {pid}")]
            label = f"toxin {_fmt(ev.dose)} mg/kg"
        elif isinstance(ev, MSC):
            pid = f"msc_{k}_dose"
            params.append((pid, ev.dose, "million_cells_per_kg",
                           f"MSC dose, route {ev.route} (schedule event {k})."))
            jumps = []
            if ev.route == "iv":
                jumps.append(("msc_lung", f"{{x}} + {pid} * msc_lung_fraction_iv"))
            jumps.append(("msc_liver", f"{{x}} + {pid} * msc_liver_fraction_{ev.route}"))
            label = f"MSC {_fmt(ev.dose)} x 1e6 cells/kg {ev.route}"
        elif isinstance(ev, EV):
            pid = f"ev_{k}_dose"
            params.append((pid, ev.dose, "ug_per_kg", f"EV protein dose, route {ev.route} "
                           f"(schedule event {k})."))
            target = "ev_plasma" if ev.route == "iv" else "ev_liver"
            jumps = [(target, f"{{x}} + {pid}")]
            label = f"EV {_fmt(ev.dose)} ug/kg {ev.route}"
        elif isinstance(ev, InflammatoryHit):
            pid = f"inflammation_{k}_amount"
            params.append((pid, ev.amount, "dimensionless",
                           f"Inflammation added by the inflammatory hit (schedule event {k})."))
            jumps = [("inflammation", f"{{x}} + {pid}")]
            label = f"inflammatory hit {_fmt(ev.amount)}"
        elif isinstance(ev, (Chronic, Antidote)):
            continue  # interval inputs: the events set them (see _steps)
        else:
            raise LivermodelError(
                f"SBML export does not support the schedule event {type(ev).__name__!r} "
                f"(schedule event {k})",
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
    from . import simulate

    return float(getattr(simulate, "MERGE_H", 0.0))


@dataclass
class _Step:
    """A restart of the solver at ``time``: the boluses applied there and the inputs that follow."""

    time: float
    actions: list[_Action]
    inputs: list[float]


def _steps(schedule: Schedule, actions: list[_Action], duration_h: float) -> list[_Step]:
    """The solver's restarts in ``[0, duration_h)``, as :mod:`livermodel.simulate` makes them.

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
            "SBML export needs every parameter resolved", key="parameters",
            expected="a full parameter dict (see livermodel.parameters.resolve)",
            found=f"{len(missing)} missing, e.g. {', '.join(missing[:3])}",
        )
    return values


def _check_initial(initial: Mapping[str, float] | None) -> dict[str, float]:
    out = {}
    for name, value in (initial or {}).items():
        if name not in STATES:
            raise LivermodelError(f"unknown state variable '{name}'", key=f"initial.{name}",
                                  expected=", ".join(STATES))
        value = float(value)
        if not (math.isfinite(value) and value >= 0):
            raise LivermodelError("an initial value must be finite and >= 0", key=f"initial.{name}",
                                  found=repr(value))
        out[name] = value
    return out


# --- document construction -----------------------------------------------------------------------

def _libsbml():
    try:
        import libsbml
    except ImportError:
        raise LivermodelError(
            "SBML export needs python-libsbml, which is not installed",
            suggestion='install the optional extra: pip install "livermodel[sbml]"',
        ) from None
    return libsbml


def _notes(*paragraphs: str) -> str:
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs if p)
    return f'<body xmlns="http://www.w3.org/1999/xhtml">{body}</body>'


def _short_name(description: str) -> str:
    first = description.split(". ")[0].strip().rstrip(".")
    return first if len(first) <= 120 else first[:117] + "..."


def _check(status: int, what: str) -> None:
    import libsbml

    if status != libsbml.LIBSBML_OPERATION_SUCCESS:
        raise LivermodelError(f"libSBML could not set {what}: "
                              f"{libsbml.OperationReturnValue_toString(status)}")


def _math(libsbml, formula: str, what: str):
    ast = libsbml.parseL3Formula(formula)
    if ast is None:
        raise LivermodelError(f"internal error: cannot parse the formula of {what}: "
                              f"{libsbml.getLastParseL3Error()}", found=formula)
    return ast


def _add_parameter(libsbml, model, pid, value, unit, *, constant=True, name=None, notes=None):
    p = model.createParameter()
    _check(p.setId(pid), f"the id {pid}")
    _check(p.setValue(float(value)), f"the value of {pid}")
    _check(p.setUnits(unit), f"the units of {pid}")
    _check(p.setConstant(constant), f"constant of {pid}")
    if name:
        _check(p.setName(name), f"the name of {pid}")
    if notes:
        _check(p.setNotes(notes), f"the notes of {pid}")
    return p


def to_sbml(
    parameters: Mapping[str, float],
    schedule: Schedule | None = None,
    *,
    duration_h: float,
    name: str = "livermodel",
    description: str | None = None,
    initial: Mapping[str, float] | None = None,
) -> str:
    """The SBML Level 3 Version 2 document of one run, as a string.

    ``parameters`` is a *full* resolved parameter dict (see :func:`livermodel.parameters.resolve`),
    ``schedule`` the run's :class:`~livermodel.schedule.Schedule`, ``duration_h`` the length of
    the run in hours (schedule actions at or after it are not exported), ``initial`` overrides of
    the healthy initial state by state name, as in :func:`livermodel.simulate.simulate`.
    Raises :class:`LivermodelError` for anything the export cannot express.
    """
    libsbml = _libsbml()
    values = _check_parameters(parameters)
    init = _check_initial(initial)
    schedule = schedule if isinstance(schedule, Schedule) else Schedule(schedule or ())
    duration_h = float(duration_h)
    if not (math.isfinite(duration_h) and duration_h > 0):
        raise LivermodelError("the duration must be positive", key="duration",
                              expected="a time > 0 h", found=repr(duration_h))
    dose_params, actions = _dose_parameters(schedule)

    doc = libsbml.SBMLDocument(SBML_LEVEL, SBML_VERSION)
    model = doc.createModel()
    model.setId(_sbml_id(name))
    model.setName(name)
    model.setTimeUnits("hour")
    steps = _steps(schedule, actions, duration_h)
    applied = {id(a) for st in steps for a in st.actions}
    omitted = [a for a in actions if id(a) not in applied]
    omitted += [(a, b, n) for a, b, n, _ in schedule.intervals() if a >= duration_h]
    model.setNotes(_notes(
        description or "",
        "Exported by livermodel: a conceptual ODE model of liver damage and regeneration, with "
        "and without MSC or EV therapy.  Time is in hours; masses are fractions of a normal liver.",
        "Every state variable is a parameter with a rate rule; total_mass, proliferation, "
        "death_flux, therapy_effect and survival_probability are assignment rules.  Species "
        "presets and effect switches are resolved into the parameter values.",
        "The schedule is written as events (all actions at one time in one event, in the order "
        "of the schedule); doses at 0 h are part of the initial assignments.  The inputs "
        "chronic_injury_rate and antidote are set by the events.",
        f"This file describes a run of {_fmt(duration_h)} h.  Schedule actions at or after "
        f"{_fmt(duration_h)} h are not included ({len(omitted)} omitted); simulating past the "
        "end keeps the inputs in force at the end.",
    ))

    for uid, (uname, parts) in UNIT_DEFINITIONS.items():
        ud = model.createUnitDefinition()
        ud.setId(uid)
        ud.setName(uname)
        for kind, exponent, scale, multiplier in parts:
            u = ud.createUnit()
            u.setKind(libsbml.UnitKind_forName(kind))
            u.setExponent(exponent)
            u.setScale(scale)
            u.setMultiplier(multiplier)

    # parameters of the table
    for par in PARAMETERS:
        unit = sbml_unit(par.unit, f"parameter '{par.name}'")
        scaled = (" Divided by time_scale in the equations." if par.scales_with_time else "")
        default = "" if values[par.name] == par.default else f" (rat default {_fmt(par.default)})"
        _add_parameter(
            libsbml, model, par.name, values[par.name], unit, name=_short_name(par.description),
            notes=_notes(par.description + scaled,
                         f"Unit: {par.unit}.  Value: {_fmt(values[par.name])}{default}.  "
                         f"Plausible range {_fmt(par.bounds[0])} to {_fmt(par.bounds[1])}.",
                         f"Source: {par.source}."),
        )
    # dose parameters
    for pid, value, unit, note in dose_params:
        _add_parameter(libsbml, model, pid, value, unit, name=note.split(" (")[0], notes=_notes(note))

    # inputs in force from 0 h
    for i, inp in enumerate(INPUTS):
        _add_parameter(libsbml, model, inp, steps[0].inputs[i], INPUT_UNITS[inp], constant=False,
                       name=inp.replace("_", " "), notes=_notes(INPUT_NOTES[inp]))

    # states: value before any dose, composed with the boluses at 0 h
    start = {s: (_num(init[s]) if s in init else INITIAL_STATE.get(s, "0")) for s in STATES}
    start = {s: f"{e} {_state_unit(s)}" if _is_number(e) else e for s, e in start.items()}
    start_expr = _compose(start, steps[0].actions)
    for s in STATES:
        unit, meaning = VARIABLES[s]
        value = _evaluate(libsbml, start_expr[s], values, dose_params)
        _add_parameter(libsbml, model, s, value, _state_unit(s), constant=False,
                       name=meaning, notes=_notes(f"State variable: {meaning}.  Unit: {unit}."))
        if not libsbml.parseL3Formula(start_expr[s]).isNumber():
            ia = model.createInitialAssignment()
            ia.setSymbol(s)
            _check(ia.setMath(_math(libsbml, start_expr[s], f"initial {s}")), f"initial {s}")

    for aid, (unit, formula, meaning) in ASSIGNMENTS.items():
        _add_parameter(libsbml, model, aid, 0.0, unit, constant=False, name=meaning,
                       notes=_notes(("Observable of livermodel: " if aid in OBSERVABLES else
                                     "Intermediate quantity: ") + meaning + "."))
        rule = model.createAssignmentRule()
        rule.setVariable(aid)
        _check(rule.setMath(_math(libsbml, formula, aid)), f"the rule of {aid}")

    for s in STATES:
        rule = model.createRateRule()
        rule.setVariable(s)
        _check(rule.setMath(_math(libsbml, RATE_RULES[s], f"d{s}/dt")), f"the rate rule of {s}")

    _add_events(libsbml, model, steps)

    text = libsbml.writeSBMLToString(doc)
    return text


def _is_number(text: str) -> bool:
    try:
        float(text.split(" ")[0])
    except ValueError:
        return False
    return True


def _compose(current: dict[str, str], actions: list[_Action]) -> dict[str, str]:
    out = dict(current)
    for a in actions:
        for state, template in a.jumps:
            out[state] = template.format(x=out[state])
    return out


def _evaluate(libsbml, formula: str, values, dose_params) -> float:
    """Numerical value of an initial formula (for the ``value`` attribute, for readers only)."""
    ast = libsbml.parseL3Formula(formula)
    env = dict(values)
    env.update({pid: v for pid, v, _, _ in dose_params})
    return float(_eval_ast(libsbml, ast, env))


def _eval_ast(libsbml, ast, env):
    t = ast.getType()
    if ast.isNumber():
        return ast.getValue()
    if t == libsbml.AST_NAME:
        return env[ast.getName()]
    args = [_eval_ast(libsbml, ast.getChild(i), env) for i in range(ast.getNumChildren())]
    if t == libsbml.AST_PLUS:
        return sum(args)
    if t == libsbml.AST_TIMES:
        return math.prod(args)
    if t == libsbml.AST_MINUS:
        return -args[0] if len(args) == 1 else args[0] - args[1]
    raise LivermodelError(f"internal error: cannot evaluate {libsbml.formulaToL3String(ast)}")


def _sbml_id(name: str) -> str:
    out = "".join(c if c.isalnum() or c == "_" else "_" for c in name) or "livermodel"
    return out if (out[0].isalpha() or out[0] == "_") else "m_" + out


def _add_events(libsbml, model, steps: list[_Step]) -> None:
    """One event per restart after 0 h: the boluses there and the inputs that switch there."""
    previous = steps[0].inputs
    n = 0
    for step in steps[1:]:
        t = step.time
        labels = [a.label for a in step.actions]
        changed = [(inp, v) for inp, v, old in zip(INPUTS, step.inputs, previous, strict=True) if v != old]
        labels += [f"{inp} = {_fmt(v)}" for inp, v in changed]
        previous = step.inputs
        if not labels:
            continue  # a breakpoint where nothing changes (an interval boundary under another)
        n += 1
        ev = model.createEvent()
        ev.setId(f"event_{n}")
        ev.setName(f"{_time_label(t)}: " + "; ".join(labels))
        ev.setUseValuesFromTriggerTime(True)
        trig = ev.createTrigger()
        trig.setInitialValue(True)
        trig.setPersistent(True)
        _check(trig.setMath(_math(libsbml, f"time >= {_num(t)} hour", f"event at {t} h")),
               "an event trigger")
        composed = _compose({s: s for s in STATES}, step.actions)
        for s in STATES:
            if composed[s] != s:
                ea = ev.createEventAssignment()
                ea.setVariable(s)
                _check(ea.setMath(_math(libsbml, composed[s], f"jump of {s}")), f"jump of {s}")
        for inp, v in changed:
            ea = ev.createEventAssignment()
            ea.setVariable(inp)
            _check(ea.setMath(_math(libsbml, f"{_num(v)} {INPUT_UNITS[inp]}", f"input {inp}")),
                   f"input {inp}")


def check_document(text: str, *, units: bool = True) -> list[str]:
    """libSBML's consistency check of an SBML string: the messages of severity error or worse."""
    libsbml = _libsbml()
    doc = libsbml.readSBMLFromString(text)
    doc.setConsistencyChecks(libsbml.LIBSBML_CAT_UNITS_CONSISTENCY, units)
    doc.checkConsistency()
    out = []
    for i in range(doc.getNumErrors()):
        err = doc.getError(i)
        if err.getSeverity() >= libsbml.LIBSBML_SEV_ERROR:
            out.append(f"{err.getErrorId()}: {err.getMessage().strip()}")
    return out


def export_sbml(source, path, *, schedule: Schedule | None = None, duration_h: float | None = None,
                name: str | None = None, initial: Mapping[str, float] | None = None) -> Path:
    """Write the SBML document of a scenario, or of a parameter dict and schedule, to ``path``.

    ``source`` is a :class:`livermodel.scenario.Scenario` (its resolved parameters, schedule,
    duration and name are used) or a full parameter dict, in which case ``schedule`` and
    ``duration_h`` are needed.  Returns the path written.
    """
    if hasattr(source, "parameters") and hasattr(source, "schedule"):
        params = source.parameters
        schedule = source.schedule if schedule is None else schedule
        duration_h = getattr(source, "duration_h", None) if duration_h is None else duration_h
        name = name or getattr(source, "name", None) or "livermodel"
        description = getattr(source, "description", None)
        if initial is None:
            initial = getattr(source, "initial", None)
    elif isinstance(source, Mapping):
        params, description = source, None
    else:
        raise LivermodelError("export_sbml needs a scenario or a parameter dict",
                              found=type(source).__name__)
    if duration_h is None:
        raise LivermodelError("export_sbml needs the duration of the run", key="duration_h")
    text = to_sbml(params, schedule, duration_h=duration_h, name=name or "livermodel",
                   description=description if isinstance(description, str) else None,
                   initial=initial)
    path = Path(path)
    tmp = path.with_name(path.name + ".part")
    try:
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)  # never leave a half-written file behind
    except OSError as err:
        tmp.unlink(missing_ok=True)
        raise LivermodelError(f"cannot write the SBML file: {err.strerror or err}",
                              source=str(path)) from None
    return path


__all__ = ["to_sbml", "export_sbml", "check_document", "sbml_unit", "UNIT_IDS", "UNIT_DEFINITIONS"]
