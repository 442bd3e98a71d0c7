"""Scenario files: the YAML format, its validation, ``extends:``, overrides and the library.

A scenario is one YAML file that says *what happens* to one liver (species, insults,
interventions, parameter changes) and *for how long* to simulate it.  The format is a public
interface, documented key by key in ``docs/scenarios.md``; the same tables in this module drive
the validator, the generated JSON Schema (:func:`json_schema`) and that documentation.

Loading a scenario (:func:`load_scenario`) goes through four stages:

1. **read**: the file is parsed with PyYAML's *safe* composer (``yaml.compose``), never the full
   loader, so nothing in a file is ever executed; the node tree is walked here so that duplicate
   keys are errors and every key and value keeps its file, line and column;
2. **compose**: ``extends:`` chains are followed (paths relative to the file that names them;
   missing files and cycles are errors), then the child is laid over its parent, then the
   overrides over both (later wins; mappings merge key by key, lists and scalars replace);
3. **validate**: every key is checked against the tables below: unknown keys (with a "did you
   mean"), wrong types, units, impossible values, events after the end of the run;
4. **build**: a :class:`Scenario` with the full parameter dict, the :class:`Schedule`, the
   :class:`SolverSettings`, and a resolved plain dict (all units explicit) with its SHA-256.

Every user mistake raises a :class:`livermodel.errors.LivermodelError` subclass whose message
names the file, line, column, dotted key path, what was expected and what was found.  Plausible
but unusual parameter values are accepted with a :class:`ScenarioWarning`.  Loading never writes
anything.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import hashlib
import json
import math
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from livermodel import model
from livermodel.errors import LivermodelError, ScenarioError, did_you_mean
from livermodel.model.parameters import BY_NAME, resolve
from livermodel.model.schedule import Schedule
from livermodel.scenario.fields import (
    _EFFECT_FIELDS,
    _NAME_RE,
    _SOLVER_FIELDS,
    _TOP,
    EFFECTS,
    EXPECT,
    MAX_BREAKPOINTS,
    MAX_EVENTS,
    MAX_OUTPUT_POINTS,
    TOP_LEVEL,
    Field,
    ScenarioWarning,
)
from livermodel.scenario.overrides import apply_overrides, parse_override
from livermodel.scenario.points import RunInputs
from livermodel.scenario.reader import (
    EXTENDS_PATH_ENV,
    Location,
    Path_,
    _inside,
    _load_chain,
    _locate,
    _merge,
    _read_text,
    extends_roots,
    find_scenario,
)
from livermodel.scenario.validate import (
    _build_cohort,
    _build_event,
    _build_sweep,
    _check_parameter,
    _describe,
    _format,
    _g,
    _Validator,
)
from livermodel.solve.simulate import Result, SolverSettings, simulate

# ---------------------------------------------------------------------------------------------
# The Scenario
# ---------------------------------------------------------------------------------------------


@dataclass
class Scenario:
    """A validated scenario, ready to run.

    ``parameter_overrides`` are the changes to the species preset (including the effect
    switches); ``parameters`` the full resolved dict; ``resolved`` a plain dict (every unit
    explicit, ``extends`` and overrides applied) that :func:`parse_scenario` reads back to the
    same scenario; ``sha256`` its hash.  ``warnings`` lists accepted oddities.
    """

    name: str
    description: str
    species: str
    duration_h: float
    output_step_h: float
    parameter_overrides: dict[str, float]
    parameters: dict[str, float]
    schedule: Schedule
    settings: SolverSettings
    initial: dict[str, float]
    expect: dict[str, Any]
    tags: list[str]
    source: str | None
    resolved: dict
    sha256: str
    warnings: list[str] = field(default_factory=list)
    sweep: dict | None = None
    cohort: dict | None = None

    def run(self, **kwargs) -> Result:
        """Simulate this scenario; keyword arguments override ``duration``/``output_step``/...

        Returns the :class:`livermodel.solve.simulate.Result`, with ``result.info["scenario"]`` set to
        the scenario name and ``result.info["scenario_sha256"]`` to its hash.
        """
        args: dict[str, Any] = {
            "species": self.species,
            "duration": self.duration_h,
            "output_step": self.output_step_h,
            "settings": self.settings,
            "initial": self.initial or None,
        }
        args.update(kwargs)
        result = simulate(self.parameters, self.schedule, **args)
        result.info["scenario"] = self.name
        result.info["scenario_sha256"] = self.sha256
        return result

    def check(self, result: Result | None = None) -> list[str]:
        """Compare the outcome with ``expect:``; returns the failed checks (empty if all hold)."""
        result = result if result is not None else self.run()
        if not result.success:
            return [f"the simulation failed: {result.message}"]
        return check_expectations(self.expect, result.metrics())

    def _repr_html_(self) -> str:
        from livermodel.solve.frames import scenario_html

        return scenario_html(self)

    def to_yaml(self) -> str:
        """The resolved scenario as YAML (loads back to an equal scenario)."""
        return yaml.safe_dump(self.resolved, sort_keys=False, allow_unicode=True, width=100)

    def to_dict(self) -> dict:
        """The resolved scenario as a plain dict (a copy)."""
        return copy.deepcopy(self.resolved)

    def with_overrides(self, overrides: Iterable[str] | Mapping[str, Any] = ()) -> Scenario:
        """A new, validated scenario: this one's resolved form with ``overrides`` applied.

        Reads no file (``extends`` is already resolved), so it is cheap enough to call once per
        point of a sweep; errors name the overridden key as :func:`load_scenario` does.  The new
        scenario keeps this one's ``source`` and ``name``.
        """
        fast = self._with_parameter_values(overrides)
        if fast is not None:
            return fast
        return build_scenario(self.resolved, overrides, source=self.source or "<scenario>", name=self.name)

    def run_inputs(self, overrides: Iterable[str] | Mapping[str, Any] = ()) -> RunInputs:
        """What simulating this scenario with ``overrides`` needs, and nothing more.

        The same parameters, schedule and settings as ``with_overrides(overrides)`` (a test
        checks it), without the resolved form, its hash and the warnings when only parameters
        or fields of existing events change: sweeps call this once per point.
        """
        fast = self._with_parameter_values(overrides, light=True)
        if fast is not None:
            parameters, schedule = fast
            return RunInputs(
                parameters, schedule, self.duration_h, self.output_step_h, self.settings, self.initial
            )
        sc = self.with_overrides(overrides)
        return RunInputs(sc.parameters, sc.schedule, sc.duration_h, sc.output_step_h, sc.settings, sc.initial)

    def runs_inputs(self, overrides: Iterable[Mapping[str, Any]]) -> list[RunInputs | LivermodelError]:
        """:meth:`run_inputs` for many points at once (a sweep chunk): the same inputs (a test
        checks it), or the error of each point that is invalid, in point order.

        Points that share the overrides of everything but plain parameter numbers share one
        scenario built once (with its schedule); their parameter values are checked against
        each parameter's limits and set into that scenario's parameters directly.  A point whose
        value fails the check goes through :meth:`run_inputs`, which names the error.
        """
        from livermodel.scenario.points import runs_inputs

        return runs_inputs(self, overrides)

    def _with_parameter_values(self, overrides, light: bool = False):
        """The fast path of :meth:`with_overrides`, for the keys sweeps vary most.

        Handles plain numbers under ``parameters.`` and single fields of existing insults and
        interventions (``interventions.0.dose``), re-validating only what changed.  Gives the
        same scenario as the full validation (tests check it), or ``None`` when the overrides
        need the full path (other keys, units on parameters, effect switches, any error: the full
        path then raises the error with its usual message).
        """
        items = (
            list(overrides.items())
            if isinstance(overrides, Mapping)
            else [parse_override(o) for o in overrides]
        )
        values: dict[str, float] = {}
        events: dict[tuple[str, int], dict] = {}
        for key, raw in items:
            parts = str(key).split(".")
            if parts[0] == "parameters" and len(parts) == 2:
                name = parts[1]
                if (
                    name not in BY_NAME
                    or name.endswith("_on")
                    or isinstance(raw, bool)
                    or not isinstance(raw, (int, float))
                ):
                    return None
                par = BY_NAME[name]
                value = float(raw)
                if not (math.isfinite(value) and par.limits[0] <= value <= par.limits[1]):
                    return None
                values[name] = value
            elif (
                parts[0] in ("insults", "interventions")
                and len(parts) == 3
                and parts[1].isdigit()
                and parts[2] != "type"
                and int(parts[1]) < len(self.resolved.get(parts[0]) or [])
                and (raw is None or isinstance(raw, (int, float, str)))
            ):
                slot = (parts[0], int(parts[1]))
                item = events.get(slot) or dict(self.resolved[parts[0]][slot[1]])
                item[parts[2]] = raw
                events[slot] = item
            else:
                return None
        if not values and not events:
            return None
        resolved = dict(self.resolved)
        schedule = self.schedule
        notes = list(self.warnings)
        if events:
            n_insults = len(self.resolved.get("insults") or [])
            new_events = list(schedule.events)
            for (group, i), item in events.items():
                built = _event_cached(
                    json.dumps(item, sort_keys=True, default=str),
                    group,
                    i,
                    self.duration_h,
                    str(self.source or "<scenario>"),
                )
                if built is None:
                    return None
                event, res, event_notes = built
                resolved[group] = list(resolved[group])
                resolved[group][i] = dict(res)
                new_events[i if group == "insults" else n_insults + i] = event
                notes = [w for w in notes if f"{group}.{i}." not in w] + list(event_notes)
            schedule = _schedule_cached(tuple(new_events))
        overrides_ = dict(self.parameter_overrides, **values)
        full = dict(self.parameters, **values)
        if light:
            return full, schedule
        if values:
            ordered = {}
            for k, val in resolved.items():
                if k != "parameters":
                    ordered[k] = val
                if k == "output_step":
                    ordered["parameters"] = {n: overrides_[n] for n in sorted(overrides_)}
            resolved = ordered
            notes = [w for w in notes if not any(f"parameters.{n}" in w for n in values)]
            for n, value in values.items():
                lo, hi = BY_NAME[n].bounds
                if not lo <= value <= hi:
                    notes.append(
                        f"<override>: parameters.{n}: {value:g} {BY_NAME[n].unit} is "
                        f"outside the plausible range {lo:g} to {hi:g} of '{n}'"
                    )
            notes = [w for w in notes if "normal liver is unstable" not in w]
            key = (self.species, tuple(sorted(overrides_.items())))
            growth = _GROWTH.get(key)
            if growth is None:
                growth = _GROWTH[key] = model.healthy_growth_rate(full)
                if len(_GROWTH) > 4096:
                    _GROWTH.clear()
            if growth > 1e-4:
                notes.append(
                    f"<override>: parameters: with these parameters a normal liver is "
                    f"unstable (a small perturbation grows at {growth:.3g} per hour) and "
                    f"will fail without any insult"
                )
        digest = hashlib.sha256(
            json.dumps(resolved, sort_keys=True, separators=(",", ":")).encode("utf-8")
        ).hexdigest()
        return dataclasses.replace(
            self,
            parameter_overrides=overrides_,
            parameters=full,
            schedule=schedule,
            resolved=resolved,
            sha256=digest,
            warnings=notes,
        )


#: Stability of the normal liver by (species, parameter overrides): sweeps ask again and again.
_GROWTH: dict[tuple, float] = {}


@functools.lru_cache(maxsize=4096)
def _schedule_cached(events: tuple) -> Schedule:
    """One schedule per distinct list of events: the points of a sweep that share a dose share
    a schedule object, and with it its memo of boluses, breakpoints and inputs (events are
    frozen, equal events act alike)."""
    return Schedule(events)


@functools.lru_cache(maxsize=4096)
def _event_cached(item_json: str, group: str, index: int, duration: float, source: str):
    """One validated event (event, resolved form, warnings), or None if it is invalid.

    Cached: the points of a sweep grid share few distinct events (a 32 x 32 grid has 32 doses).
    """
    v = _Validator({}, source)
    try:
        event, res = _build_event(v, json.loads(item_json), (group, index), group, duration)
    except LivermodelError:
        return None
    return event, res, tuple(v.warnings)


def check_expectations(expect: Mapping[str, Any], metrics: Mapping[str, Any]) -> list[str]:
    """Check ``expect`` (validated, times in hours) against a metrics dict; returns failures."""
    failures = []
    for name, target in expect.items():
        f, metric, op = EXPECT[name]
        got = metrics.get(metric)
        if op == "eq":
            ok = got == target
        elif op == "gt_or_none":
            ok = got is None or got > target
        elif got is None:
            ok = False
        elif op == "le":
            ok = got <= target
        else:
            ok = got >= target
        if not ok:
            shown = f"{got:.4g}" if isinstance(got, float) else repr(got)
            failures.append(f"expect.{name}: wanted {metric} {_OPS[op]} {target!r}, got {shown}")
    return failures


_OPS = {"eq": "==", "le": "<=", "ge": ">=", "gt_or_none": "> (or never)"}


def _restarts(event) -> float:
    """How many times ``event`` restarts the solver (its doses, or its pulses' starts and ends;
    ``inf`` for pulses too close to count, see :func:`livermodel.model.schedule.pulse_count`)."""
    from livermodel.model.schedule import Chronic, pulse_count

    if isinstance(event, Chronic):
        return 2 * (pulse_count(event.start, event.end, event.every) if event.every else 1)
    return int(getattr(event, "count", 1))


def _build(data: dict, locs: dict[Path_, Location], source: str, default_name: str) -> Scenario:
    v = _Validator(locs, source)
    v.mapping(data, (), TOP_LEVEL)

    name = v.value(_TOP["name"], data.get("name"), ("name",)) or default_name
    if not _NAME_RE.fullmatch(name):
        v.fail(
            ScenarioError,
            "a name may hold letters, digits, '-', '_' and '.'",
            ("name",),
            expected="e.g. rat-phx-70",
            found=repr(name),
        )
    description = v.value(_TOP["description"], data.get("description"), ("description",))
    species = v.value(_TOP["species"], data.get("species"), ("species",))
    duration = v.value(_TOP["duration"], data.get("duration"), ("duration",))
    step = v.value(_TOP["output_step"], data.get("output_step"), ("output_step",))
    if step > duration:
        v.fail(
            ScenarioError,
            "output_step is longer than the run",
            ("output_step",),
            expected=f"output_step <= duration ({duration:g} h)",
            found=f"{step:g} h",
        )
    if duration / step > MAX_OUTPUT_POINTS:
        v.fail(
            ScenarioError,
            "too many output points",
            ("output_step",),
            expected=f"duration / output_step <= {MAX_OUTPUT_POINTS}",
            found=f"{duration / step:.3g} points",
        )

    tags_raw = data.get("tags") or []
    if not isinstance(tags_raw, list):
        v.fail(
            ScenarioError,
            "tags must be a list",
            ("tags",),
            expected="a list of strings",
            found=_describe(tags_raw),
        )
    tag_field = Field("tag", "string", "")
    tags = [v.value(tag_field, t, ("tags", i)) for i, t in enumerate(tags_raw)]

    # parameters and effects
    params_raw = v.mapping(data.get("parameters") or {}, ("parameters",), what="parameter: value")
    overrides = {
        k: _check_parameter(v, k, val, ("parameters", k)) for k, val in params_raw.items() if val is not None
    }
    effects_raw = v.mapping(data.get("effects") or {}, ("effects",), _EFFECT_FIELDS)
    for f in _EFFECT_FIELDS:
        if effects_raw.get(f.name) is None:
            continue
        on = v.value(f, effects_raw[f.name], ("effects", f.name))
        param = EFFECTS[f.name]
        if param in overrides and overrides[param] != float(on):
            v.fail(
                ScenarioError,
                f"effects.{f.name} contradicts parameters.{param}",
                ("effects", f.name),
                expected="one of the two, or both equal",
                found=f"{on} and {overrides[param]:g}",
            )
        overrides[param] = 1.0 if on else 0.0
    try:
        full = resolve(species, overrides)
    except LivermodelError as err:  # pragma: no cover - every value was checked above
        v.relocate(err, ("parameters",))
    if overrides:
        growth = model.healthy_growth_rate(full)
        if growth > 1e-4:
            v.warn(
                f"with these parameters a normal liver is unstable (a small perturbation grows "
                f"at {growth:.3g} per hour) and will fail without any insult; check "
                f"critical_mass x metabolic_load against set_point and the inflammation loop",
                ("parameters",),
            )

    # initial state
    init_raw = v.mapping(data.get("initial") or {}, ("initial",), what="state: value")
    initial = {}
    for k, val in init_raw.items():
        if k not in model.STATE_INDEX:
            v.fail(
                ScenarioError,
                f"unknown state variable '{k}'",
                ("initial", k),
                at_key=True,
                expected=f"one of {', '.join(model.STATES)}",
                found=repr(k),
                suggestion=did_you_mean(k, model.STATES),
            )
        if val is None:
            continue
        initial[k] = v.value(Field(k, "number", "", minimum=0.0), val, ("initial", k))

    # events
    events: list = []
    resolved_events: dict[str, list] = {"insults": [], "interventions": []}
    for group in ("insults", "interventions"):
        items = data.get(group) or []
        if not isinstance(items, list):
            v.fail(
                ScenarioError,
                f"{group} must be a list",
                (group,),
                expected="a list of items, each starting with '- type:'",
                found=_describe(items),
            )
        if len(items) + len(events) > MAX_EVENTS:
            v.fail(
                ScenarioError,
                f"more than {MAX_EVENTS:,} insults and interventions",
                (group,),
                expected=f"at most {MAX_EVENTS:,} items in insults and interventions together",
                found=f"{len(items) + len(events):,}",
                suggestion="Use 'count' and 'every' for repeated doses",
            )
        for i, item in enumerate(items):
            event, res = _build_event(v, item, (group, i), group, duration)
            events.append(event)
            resolved_events[group].append(res)
    restarts = sum(_restarts(ev) for ev in events)
    if restarts > MAX_BREAKPOINTS:
        v.fail(
            ScenarioError,
            f"the insults and interventions restart the solver {restarts:,} times; "
            f"at most {MAX_BREAKPOINTS:,} are allowed",
            ("insults",) if data.get("insults") else ("interventions",),
            expected=f"doses plus twice the pulses <= {MAX_BREAKPOINTS:,}",
            found=f"{restarts:,}",
            suggestion="Lower the counts, or lengthen 'every'",
        )

    # solver
    solver_raw = v.mapping(data.get("solver") or {}, ("solver",), _SOLVER_FIELDS)
    solver_vals = v.fields(solver_raw, ("solver",), _SOLVER_FIELDS)
    try:
        settings = SolverSettings(**solver_vals)
    except LivermodelError as err:
        v.relocate(err, tuple((err.key or "solver").split(".")))

    # sweep
    sweep = _build_sweep(v, data.get("sweep")) if data.get("sweep") is not None else None
    cohort = _build_cohort(v, data.get("cohort")) if data.get("cohort") is not None else None

    # expectations
    expect_raw = v.mapping(data.get("expect") or {}, ("expect",), [f for f, _, _ in EXPECT.values()])
    expect = {
        k: v.value(EXPECT[k][0], val, ("expect", k)) for k, val in expect_raw.items() if val is not None
    }

    for w in v.warnings:
        warnings.warn(w, ScenarioWarning, stacklevel=3)

    resolved: dict[str, Any] = {"name": name, "description": description}
    if tags:
        resolved["tags"] = tags
    resolved.update({"species": species, "duration": f"{_g(duration)} h", "output_step": f"{_g(step)} h"})
    if overrides:
        resolved["parameters"] = {k: overrides[k] for k in sorted(overrides)}
    if initial:
        resolved["initial"] = dict(initial)
    for group in ("insults", "interventions"):
        if resolved_events[group]:
            resolved[group] = resolved_events[group]
    resolved["solver"] = {
        "method": settings.method,
        "rtol": settings.rtol,
        "atol": settings.atol,
        "max_step": f"{_g(settings.max_step)} h",
        "max_steps": settings.max_steps,
    }
    if expect:
        resolved["expect"] = {k: _format(EXPECT[k][0].kind, val) for k, val in expect.items()}
    if sweep:
        resolved["sweep"] = copy.deepcopy(sweep)
    if cohort:
        resolved["cohort"] = copy.deepcopy(cohort)
    digest = hashlib.sha256(
        json.dumps(resolved, sort_keys=True, separators=(",", ":")).encode("utf-8")
    ).hexdigest()
    return Scenario(
        name=name,
        description=description,
        species=species,
        duration_h=duration,
        output_step_h=step,
        parameter_overrides=overrides,
        parameters=full,
        schedule=Schedule(events),
        settings=settings,
        initial=initial,
        expect=expect,
        tags=tags,
        source=source,
        resolved=resolved,
        sha256=digest,
        warnings=list(v.warnings),
        sweep=sweep,
        cohort=cohort,
    )


def load_scenario(path: str | Path, overrides: Iterable[str] | Mapping[str, Any] = ()) -> Scenario:
    """Read, compose, validate and build the scenario at ``path``.

    ``path`` is a file, or the name of a library scenario (``"rat-phx-70"``; see
    :func:`list_library`).  ``overrides`` are dotted-path changes applied last, as a list of
    ``"key.path=value"`` strings (the CLI's ``--set``) or a mapping ``{"key.path": value}``.
    ``"-"`` reads the scenario from standard input (``livermodel run - < my.yaml``; messages
    name ``<stdin>``, ``extends:`` is relative to the current folder).
    Raises a :class:`LivermodelError` subclass for any mistake; never writes anything.
    """
    if str(path) == "-":
        from livermodel.scenario.reader import read_stdin

        return parse_scenario(read_stdin(), source="<stdin>", overrides=overrides, base_dir=Path.cwd())
    file = find_scenario(path)
    data, locs = _load_chain(file, ())
    data.pop("extends", None)
    locs = {k: l for k, l in locs.items() if k[:1] != ("extends",)}
    if overrides:
        data = apply_overrides(data, overrides, locations=locs)
    return _build(data, locs, str(file), file.stem)


def build_scenario(
    doc: Mapping[str, Any],
    overrides: Iterable[str] | Mapping[str, Any] = (),
    *,
    source: str = "<dict>",
    name: str = "scenario",
) -> Scenario:
    """Validate and build a scenario from a plain dict (such as :attr:`Scenario.resolved`).

    ``overrides`` are applied as in :func:`load_scenario`; ``doc`` must not hold ``extends``.
    No file is read.  ``name`` is used when ``doc`` has none.
    """
    if not isinstance(doc, Mapping):
        raise ScenarioError(
            "a scenario must be a mapping of keys",
            source=source,
            expected="keys such as 'species:' and 'insults:'",
            found=_describe(doc),
        )
    if doc.get("extends") is not None:
        raise ScenarioError(
            "build_scenario needs a scenario without extends",
            source=source,
            key="extends",
            suggestion="Use load_scenario for files with extends:",
        )
    locs: dict[Path_, Location] = {}
    data = apply_overrides(dict(doc), overrides, locations=locs) if overrides else copy.deepcopy(dict(doc))
    return _build(data, locs, source, name)


def parse_scenario(
    text: str,
    *,
    source: str = "<string>",
    overrides: Iterable[str] | Mapping[str, Any] = (),
    base_dir: str | Path | None = None,
) -> Scenario:
    """Like :func:`load_scenario`, from YAML text (``extends:`` is relative to ``base_dir``)."""
    data, locs = _read_text(text, source)
    if data.get("extends") is not None:
        base = Path(base_dir) if base_dir is not None else Path.cwd()
        ext = data["extends"]
        loc = locs[("extends",)]
        if not isinstance(ext, str):
            raise ScenarioError(
                "extends must be the path of another scenario file",
                source=source,
                line=loc.line,
                column=loc.column,
                key="extends",
                expected="a relative path such as 'base.yaml'",
                found=repr(ext),
            )
        parent = (base / ext).resolve()
        roots = extends_roots(base / "scenario.yaml")
        if not _inside(parent, roots):
            raise ScenarioError(
                "extends names a file outside base_dir and the library",
                source=source,
                line=loc.line,
                column=loc.column,
                key="extends",
                expected=f"a path inside '{roots[0]}'",
                found=repr(ext),
                suggestion=f"Allow its folder with {EXTENDS_PATH_ENV}=DIR",
            )
        if not parent.is_file():
            raise ScenarioError(
                "the scenario named in extends does not exist",
                source=source,
                line=loc.line,
                column=loc.column,
                key="extends",
                expected="a path relative to base_dir",
                found=repr(ext),
            )
        pdata, plocs = _load_chain(parent, (Path(source),), roots)
        data = _merge(pdata, data)
        locs = _locate(data, [locs, plocs])
    data.pop("extends", None)
    locs = {k: l for k, l in locs.items() if k[:1] != ("extends",)}
    if overrides:
        data = apply_overrides(data, overrides, locations=locs)
    return _build(data, locs, source, "scenario")
