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
* The time-dependent inputs ``chronic_injury_rate``, ``antidote`` and ``nac_infusion`` are
  non-constant parameters that the events set to the value in force on ``[t, next breakpoint)``,
  exactly the piecewise constant input that livermodel integrates.  Repeats and chronic pulses are unrolled.
* The file describes the run from 0 to ``duration_h``.  Schedule actions at or after the end of
  the run have no effect on a livermodel run, so they are not exported; the model notes list them.

Each dose amount is its own parameter (``toxin_2_dose``, ``msc_3_dose`` ...; the number is the
position of the event in the schedule), so a user can change a dose in COPASI without editing
the event mathematics.

libSBML is an optional dependency (``pip install "livermodel[sbml]"``) and is imported only when
an export is made.
"""

from __future__ import annotations

import ast as pyast
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from livermodel.errors import LivermodelError
from livermodel.interop.sbml_terms import (
    ASSIGNMENTS,
    INITIAL_STATE,
    INPUT_NOTES,
    INPUT_UNITS,
    RATE_RULES,
    READOUT_ASSIGNMENTS,
    READOUT_RATES,
    SBML_LEVEL,
    SBML_VERSION,
    UNIT_DEFINITIONS,
    _Action,
    _check_initial,
    _check_parameters,
    _dose_parameters,
    _fmt,
    _num,
    _state_unit,
    _Step,
    _steps,
    _time_label,
    sbml_unit,
)
from livermodel.model.layout import INPUTS, OBSERVABLES, STATES, VARIABLES
from livermodel.model.parameters import PARAMETERS
from livermodel.model.schedule import Schedule

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


#: SBO term (Systems Biology Ontology; Courtot et al. 2011, Mol Syst Biol 7:543,
#: doi:10.1038/msb.2011.77) of the model's constants and dose inputs: SBO:0000002, "quantitative
#: systems description parameter".  States and observables are parameters changed by rules;
#: SBO has no term that fits them better than none, so they carry none.
SBO_PARAMETER = 2
SBO_INPUT = 2


def _check(status: int, what: str) -> None:
    import libsbml

    if status != libsbml.LIBSBML_OPERATION_SUCCESS:
        raise LivermodelError(
            f"libSBML could not set {what}: {libsbml.OperationReturnValue_toString(status)}"
        )


def _math(libsbml, formula: str, what: str):
    ast = libsbml.parseL3Formula(formula)
    if ast is None:
        raise LivermodelError(
            f"internal error: cannot parse the formula of {what}: {libsbml.getLastParseL3Error()}",
            found=formula,
        )
    return ast


def _add_parameter(libsbml, model, pid, value, unit, *, constant=True, notes=None, sbo=None):
    """A parameter whose ``name`` is its livermodel id (what COPASI, basico and tellurium show
    and look up; ``basico.set_parameters('priming_rate', ...)`` finds it); the description,
    unit, range and source are in its notes."""
    p = model.createParameter()
    _check(p.setId(pid), f"the id {pid}")
    _check(p.setName(pid), f"the name of {pid}")
    _check(p.setValue(float(value)), f"the value of {pid}")
    _check(p.setUnits(unit), f"the units of {pid}")
    _check(p.setConstant(constant), f"constant of {pid}")
    if notes:
        _check(p.setNotes(notes), f"the notes of {pid}")
    if sbo:
        _check(p.setSBOTerm(sbo), f"the SBO term of {pid}")
    return p


@dataclass
class _Run:
    """What the SBML document of one run is made of (no libSBML object involved)."""

    values: dict[str, float]  # the checked parameter table
    dose_params: list[tuple[str, float, str, str]]
    steps: list[_Step]
    omitted: list
    duration_h: float
    start_expr: dict[str, str]  # initial formula of each state
    state_values: dict[str, float]  # and its value
    failure_level: float


def _prepare(parameters, schedule, duration_h, initial) -> _Run:
    values = _check_parameters(parameters)
    init = _check_initial(initial)
    schedule = schedule if isinstance(schedule, Schedule) else Schedule(schedule or ())
    duration_h = float(duration_h)
    if not (math.isfinite(duration_h) and duration_h > 0):
        raise LivermodelError(
            "the duration must be positive", key="duration", expected="a time > 0 h", found=repr(duration_h)
        )
    dose_params, actions = _dose_parameters(schedule)
    steps = _steps(schedule, actions, duration_h)
    applied = {id(a) for st in steps for a in st.actions}
    omitted: list[_Action | tuple[float, float, str]] = [a for a in actions if id(a) not in applied]
    omitted += [(a, b, n) for a, b, n, _ in schedule.intervals() if a >= duration_h]
    start = {s: (_num(init[s]) if s in init else INITIAL_STATE.get(s, "0")) for s in STATES}
    start = {s: f"{e} {_state_unit(s)}" if _is_number(e) else e for s, e in start.items()}
    start_expr = _compose(start, steps[0].actions)
    from livermodel.metrics import failure_level

    return _Run(
        values=values,
        dose_params=dose_params,
        steps=steps,
        omitted=omitted,
        duration_h=duration_h,
        start_expr=start_expr,
        state_values={s: _evaluate(start_expr[s], values, dose_params) for s in STATES},
        failure_level=failure_level(values),
    )


def run_values(
    parameters: Mapping[str, float],
    schedule: Schedule | None = None,
    *,
    duration_h: float,
    initial: Mapping[str, float] | None = None,
) -> tuple[dict[str, float], tuple]:
    """The ``value`` of every parameter of :func:`to_sbml`'s document, and a key of the rest.

    Returns ``(values, structure)``: ``values`` maps each SBML parameter id (the parameter
    table, ``failure_level``, the dose parameters, the inputs in force at 0 h and the states'
    initial values) to its number; ``structure`` is a hashable description of everything else
    that a simulator uses (event times and assignments, initial formulas, duration).  Two runs
    with equal ``structure`` differ only in parameter values, so one document with changed
    values simulates both (the SED-ML export writes a sweep that way).  Needs no libSBML.
    """
    run = _prepare(parameters, schedule, duration_h, initial)
    values = {p.name: run.values[p.name] for p in PARAMETERS}
    values["failure_level"] = run.failure_level
    values.update({pid: float(v) for pid, v, _, _ in run.dose_params})
    values.update(zip(INPUTS, (float(v) for v in run.steps[0].inputs), strict=True))
    values.update(run.state_values)
    structure = (
        run.duration_h,
        tuple((pid, unit) for pid, _, unit, _ in run.dose_params),
        tuple(sorted(run.start_expr.items())),
        tuple((st.time, tuple(st.inputs), tuple(tuple(a.jumps) for a in st.actions)) for st in run.steps[1:]),
    )
    return values, structure


def to_sbml(
    parameters: Mapping[str, float],
    schedule: Schedule | None = None,
    *,
    duration_h: float,
    name: str = "livermodel",
    description: str | None = None,
    initial: Mapping[str, float] | None = None,
    steady_state: bool = False,
) -> str:
    """The SBML Level 3 Version 2 document of one run, as a string.

    ``parameters`` is a *full* resolved parameter dict (see :func:`livermodel.model.parameters.resolve`),
    ``schedule`` the run's :class:`~livermodel.model.schedule.Schedule`, ``duration_h`` the length of
    the run in hours (schedule actions at or after it are not exported), ``initial`` overrides of
    the healthy initial state by state name, as in :func:`livermodel.solve.simulate.simulate`.
    ``steady_state`` leaves out the two path integrals (``cumulative_hazard``,
    ``systemic_hazard``) and ``survival_probability``, and writes the hazards' rates
    (``hazard_rate``, ``systemic_hazard_rate``) as assignment rules instead, so the remaining
    states have a regular Jacobian and a steady-state solver (libRoadRunner's ``steadyState()``,
    COPASI's steady-state task) can solve them (see
    :data:`~livermodel.interop.sbml_terms.READOUT_RATES`).
    Raises :class:`LivermodelError` for anything the export cannot express.
    """
    libsbml = _libsbml()
    run = _prepare(parameters, schedule, duration_h, initial)
    values, dose_params, steps, duration_h = run.values, run.dose_params, run.steps, run.duration_h
    omitted = run.omitted
    states = [s for s in STATES if not (steady_state and s in READOUT_RATES)]
    assignments = {
        aid: rule for aid, rule in ASSIGNMENTS.items() if not (steady_state and aid in READOUT_ASSIGNMENTS)
    }
    if steady_state:
        for s, rate in READOUT_RATES.items():
            assignments[rate] = ("per_hour", RATE_RULES[s], f"rate of {s} (hazard per hour)")

    doc = libsbml.SBMLDocument(SBML_LEVEL, SBML_VERSION)
    model = doc.createModel()
    model.setId(_sbml_id(name))
    model.setName(name)
    model.setTimeUnits("hour")
    model.setNotes(
        _notes(
            description or "",
            "Exported by livermodel: a conceptual ODE model of liver damage and regeneration, with "
            "and without MSC or EV therapy.  Time is in hours; masses are fractions of a normal liver.",
            "Every state variable is a parameter with a rate rule; liver_function, liver_volume, "
            "total_mass, proliferation, death_flux, therapy_effect and survival_probability are "
            "assignment rules; failure_level is a constant computed at export.  Species "
            "presets and effect switches are resolved into the parameter values.",
            "The schedule is written as events (all actions at one time in one event, in the order "
            "of the schedule); doses at 0 h are part of the initial assignments.  The inputs "
            "chronic_injury_rate, antidote and nac_infusion are set by the events.",
            f"This file describes a run of {_fmt(duration_h)} h.  Schedule actions at or after "
            f"{_fmt(duration_h)} h are not included ({len(omitted)} omitted); simulating past the "
            "end keeps the inputs in force at the end.",
            *(
                [
                    "Steady-state variant: cumulative_hazard and systemic_hazard (path integrals "
                    "that nothing depends on, whose Jacobian columns are zero) and "
                    "survival_probability are left out; hazard_rate and systemic_hazard_rate "
                    "give the hazards per hour instead.  Use the full export for time courses."
                ]
                if steady_state
                else []
            ),
        )
    )

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
        scaled = " Divided by time_scale in the equations." if par.scales_with_time else ""
        default = "" if values[par.name] == par.default else f" (rat default {_fmt(par.default)})"
        _add_parameter(
            libsbml,
            model,
            par.name,
            values[par.name],
            unit,
            sbo=SBO_PARAMETER,
            notes=_notes(
                par.description + scaled,
                f"Unit: {par.unit}.  Value: {_fmt(values[par.name])}{default}.  "
                f"Plausible range {_fmt(par.bounds[0])} to {_fmt(par.bounds[1])}.",
                f"Source: {par.source}.",
            ),
        )
    # the failure level: a constant of the parameter values (a root, not a formula)
    _add_parameter(
        libsbml,
        model,
        "failure_level",
        run.failure_level,
        "dimensionless",
        sbo=SBO_PARAMETER,
        notes=_notes(
            "Failure level Phi_fail: liver function below which overload death "
            "outruns the fastest division (livermodel.model.equations.failure_level); "
            "the hazard is half-maximal there.  Computed from the parameter values at "
            "export: recompute it with livermodel if you change the regeneration or "
            "overload parameters."
        ),
    )
    # dose parameters
    for pid, value, unit, note in dose_params:
        _add_parameter(libsbml, model, pid, value, unit, notes=_notes(note), sbo=SBO_PARAMETER)

    # inputs in force from 0 h
    for i, inp in enumerate(INPUTS):
        _add_parameter(
            libsbml,
            model,
            inp,
            steps[0].inputs[i],
            INPUT_UNITS[inp],
            constant=False,
            notes=_notes(INPUT_NOTES[inp]),
            sbo=SBO_INPUT,
        )

    # states: value before any dose, composed with the boluses at 0 h
    for s in states:
        unit, meaning = VARIABLES[s]
        _add_parameter(
            libsbml,
            model,
            s,
            run.state_values[s],
            _state_unit(s),
            constant=False,
            notes=_notes(f"State variable: {meaning}.  Unit: {unit}."),
        )
        if not _is_number_formula(run.start_expr[s]):
            ia = model.createInitialAssignment()
            ia.setSymbol(s)
            _check(ia.setMath(_math(libsbml, run.start_expr[s], f"initial {s}")), f"initial {s}")

    for aid, (unit, formula, meaning) in assignments.items():
        _add_parameter(
            libsbml,
            model,
            aid,
            0.0,
            unit,
            constant=False,
            notes=_notes(
                ("Observable of livermodel: " if aid in OBSERVABLES else "Intermediate quantity: ")
                + meaning
                + "."
            ),
        )
        rule = model.createAssignmentRule()
        rule.setVariable(aid)
        _check(rule.setMath(_math(libsbml, formula, aid)), f"the rule of {aid}")

    for s in states:
        rule = model.createRateRule()
        rule.setVariable(s)
        _check(rule.setMath(_math(libsbml, RATE_RULES[s], f"d{s}/dt")), f"the rate rule of {s}")

    _add_events(libsbml, model, steps, states)

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


#: A number followed by its SBML unit in an L3 formula ("1 dimensionless", "0.5 hour").
_NUMBER_WITH_UNIT = re.compile(r"(?<![\w.])((?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s+[A-Za-z_]\w*")


def _initial_ast(formula: str) -> pyast.expr:
    """An initial formula (numbers with units, names, + - * and brackets) as a Python expression.

    The initial formulas are evaluated in Python, not with libSBML's formula parser: once
    libSEDML (which bundles its own libSBML) is loaded in the same process, the objects that
    ``libsbml.parseL3Formula`` returns belong to libSEDML's copy, and their methods cannot be
    relied on (the SED-ML export loads it).  The parsed math is only ever handed to ``setMath``.
    """
    return pyast.parse(_NUMBER_WITH_UNIT.sub(r"\1", formula), mode="eval").body


def _is_number_formula(formula: str) -> bool:
    return isinstance(_initial_ast(formula), pyast.Constant)


def _evaluate(formula: str, values, dose_params) -> float:
    """Numerical value of an initial formula (for the ``value`` attribute, for readers only)."""
    env = dict(values)
    env.update({pid: v for pid, v, _, _ in dose_params})
    return float(_eval_node(_initial_ast(formula), env, formula))


def _eval_node(node, env, formula: str) -> float:
    if isinstance(node, pyast.Constant) and isinstance(node.value, (int, float)):
        return float(node.value)
    if isinstance(node, pyast.Name) and node.id in env:
        return float(env[node.id])
    if isinstance(node, pyast.UnaryOp) and isinstance(node.op, pyast.USub):
        return -_eval_node(node.operand, env, formula)
    if isinstance(node, pyast.BinOp) and isinstance(node.op, (pyast.Add, pyast.Sub, pyast.Mult)):
        a, b = _eval_node(node.left, env, formula), _eval_node(node.right, env, formula)
        return a + b if isinstance(node.op, pyast.Add) else a - b if isinstance(node.op, pyast.Sub) else a * b
    raise LivermodelError(f"internal error: cannot evaluate the initial formula {formula!r}")


def _sbml_id(name: str) -> str:
    out = "".join(c if c.isalnum() or c == "_" else "_" for c in name) or "livermodel"
    return out if (out[0].isalpha() or out[0] == "_") else "m_" + out


def _add_events(libsbml, model, steps: list[_Step], states: list[str]) -> None:
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
        _check(trig.setMath(_math(libsbml, f"time >= {_num(t)} hour", f"event at {t} h")), "an event trigger")
        composed = _compose({s: s for s in STATES}, step.actions)
        for s in states:
            if composed[s] != s:
                ea = ev.createEventAssignment()
                ea.setVariable(s)
                _check(ea.setMath(_math(libsbml, composed[s], f"jump of {s}")), f"jump of {s}")
        for inp, v in changed:
            ea = ev.createEventAssignment()
            ea.setVariable(inp)
            _check(
                ea.setMath(_math(libsbml, f"{_num(v)} {INPUT_UNITS[inp]}", f"input {inp}")), f"input {inp}"
            )


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


def sbml_text(
    source,
    *,
    schedule: Schedule | None = None,
    duration_h: float | None = None,
    name: str | None = None,
    initial: Mapping[str, float] | None = None,
    steady_state: bool = False,
) -> str:
    """The SBML document of a scenario, or of a parameter dict and schedule, as a string.

    ``source`` is a :class:`livermodel.scenario.Scenario` (its resolved parameters, schedule,
    duration, name, description and initial state are used) or a full parameter dict, in which
    case ``schedule`` and ``duration_h`` are needed.  ``steady_state`` as for :func:`to_sbml`.
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
        raise LivermodelError("export_sbml needs a scenario or a parameter dict", found=type(source).__name__)
    if duration_h is None:
        raise LivermodelError("export_sbml needs the duration of the run", key="duration_h")
    return to_sbml(
        params,
        schedule,
        duration_h=duration_h,
        name=name or "livermodel",
        description=description if isinstance(description, str) else None,
        initial=initial,
        steady_state=steady_state,
    )


def export_sbml(
    source,
    path,
    *,
    schedule: Schedule | None = None,
    duration_h: float | None = None,
    name: str | None = None,
    initial: Mapping[str, float] | None = None,
    steady_state: bool = False,
) -> Path:
    """Write :func:`sbml_text` of ``source`` (a scenario, or a parameter dict with ``schedule``
    and ``duration_h``) to ``path``; returns the path written.  ``steady_state`` as for
    :func:`to_sbml`."""
    from livermodel.files import atomic_write, check_target_file

    path = check_target_file(path, "--output")  # a new name or a regular file, never a device
    text = sbml_text(
        source,
        schedule=schedule,
        duration_h=duration_h,
        name=name,
        initial=initial,
        steady_state=steady_state,
    )
    try:
        atomic_write(path, text)  # never leave a half-written file behind
    except OSError as err:
        raise LivermodelError(
            f"cannot write the SBML file: {err.strerror or err}",
            source=str(path),
            suggestion="Check free disk space and permissions; nothing was written",
        ) from None
    return path


__all__ = ["to_sbml", "export_sbml", "check_document", "run_values", "sbml_text"]
