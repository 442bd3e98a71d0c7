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
import re
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from . import model
from .errors import (
    LivermodelError,
    ParameterError,
    ScenarioError,
    ScheduleError,
    UnitError,
    did_you_mean,
)
from .parameters import BY_NAME, NAMES, SPECIES, check_value, resolve
from .schedule import (
    EV,
    MSC,
    ROUTES_EV,
    ROUTES_MSC,
    Antidote,
    Chronic,
    Hepatectomy,
    InflammatoryHit,
    Schedule,
    Toxin,
)
from .simulate import METHODS, Result, SolverSettings, simulate
from .units import UNITS, parse_quantity

__all__ = [
    "Scenario", "ScenarioWarning", "LibraryEntry", "load_scenario", "parse_scenario",
    "apply_overrides", "parse_override", "check_expectations", "json_schema", "library_path",
    "list_library", "find_scenario", "TOP_LEVEL", "EVENTS", "EXPECT", "DEFAULT_CHRONIC_RATE",
    "build_scenario", "SWEEP_FIELDS", "SWEEP_DESIGNS",
]

#: Default rate of chronic injury (1/h) when a ``chronic`` insult gives none: about 10 % of the
#: functional mass injured per day, a moderate CCl4-like or alcohol-like injury in the rat.
DEFAULT_CHRONIC_RATE = 0.004

#: The longest ``extends:`` chain that is followed.
MAX_EXTENDS_DEPTH = 32
#: The most output points a scenario may ask for (``duration / output_step``).
MAX_OUTPUT_POINTS = 2_000_000
#: The most YAML nodes a scenario file may expand to (guards against alias bombs).
MAX_NODES = 100_000


class ScenarioWarning(UserWarning):
    """A scenario that is valid but unusual (a parameter outside its plausible range, ...)."""


# ---------------------------------------------------------------------------------------------
# The format, as data.  Validator, JSON Schema and docs are all generated from these tables.
# ---------------------------------------------------------------------------------------------

_MISSING = object()


@dataclass(frozen=True)
class Field:
    """One key of the format.

    ``kind`` is one of the unit kinds of :mod:`livermodel.units` (``time``, ``rate``,
    ``mass_dose``, ``cell_dose``, ``ev_dose``, ``fraction``) or ``number``, ``integer``,
    ``string``, ``bool``, ``choice``, ``mapping`` or ``list``.  ``default`` is what an absent key
    means (``_MISSING`` for a required key, ``None`` for "not set").  ``minimum`` and ``strict``
    bound numbers (``strict``: the minimum itself is not allowed); ``unit_required`` refuses a
    bare number (doses must say their unit).
    """

    name: str
    kind: str
    description: str
    default: Any = None
    choices: tuple = ()
    minimum: float | None = None
    maximum: float | None = None
    strict: bool = False
    unit_required: bool = False
    doc_default: str | None = None

    @property
    def required(self) -> bool:
        return self.default is _MISSING


_AT_INSULT = Field("at", "time", "When it happens (h; '72 h', '3 d', '2 wk').", default=0.0, minimum=0.0,
                   doc_default="0 h")
_AT_THERAPY = Field("at", "time", "When the (first) dose is given.", default=_MISSING, minimum=0.0)
_EVERY = Field("every", "time", "Interval between repeated doses (needs count > 1).", minimum=0.0,
               strict=True)
_COUNT = Field("count", "integer", "Number of doses (1 = a single dose).", default=1, minimum=1)

#: Insult and intervention types: ``type`` name -> (list it belongs to, fields, description).
EVENTS: dict[str, tuple[str, tuple[Field, ...], str]] = {
    "hepatectomy": ("insults", (
        _AT_INSULT,
        Field("fraction", "fraction", "Fraction of the liver removed (0.7 or '70 %' for a 2/3 "
              "hepatectomy; the remnant is 1 - fraction).", default=_MISSING, minimum=0.0,
              maximum=1.0, strict=True),
    ), "Partial hepatectomy: instant removal of a fraction of hepatocyte mass."),
    "toxin": ("insults", (
        _AT_INSULT,
        Field("dose", "mass_dose", "Dose of an acetaminophen-like hepatotoxin.", default=_MISSING,
              minimum=0.0, strict=True, unit_required=True),
        _EVERY, _COUNT,
    ), "Acute dose of an acetaminophen-like toxin, cleared first-order (optionally repeated)."),
    "chronic": ("insults", (
        Field("start", "time", "When the chronic injury starts.", default=0.0, minimum=0.0,
              doc_default="0 h"),
        Field("end", "time", "When it stops (may lie after the end of the run).",
              doc_default="the end of the run"),
        Field("rate", "rate", "Mean fraction of functional mass injured per hour ('0.1 /d').",
              default=DEFAULT_CHRONIC_RATE, minimum=0.0, strict=True,
              doc_default=f"{DEFAULT_CHRONIC_RATE:g} 1/h"),
        Field("every", "time", "If given, the same mean injury comes as pulses (CCl4-like "
              "injections) this far apart, instead of a constant rate.", minimum=0.0, strict=True),
        Field("pulse", "time", "Length of each pulse (with every).", default=12.0, minimum=0.0,
              strict=True, doc_default="12 h"),
    ), "Continuous or repeated (pulsed) injury on [start, end)."),
    "inflammation": ("insults", (
        _AT_INSULT,
        Field("amount", "number", "Inflammation added at once (LPS-like hit; 1 is a strong "
              "hit, in units of the model's inflammatory activity).", default=_MISSING,
              minimum=0.0, strict=True),
    ), "A sudden inflammatory stimulus (LPS- or D-galactosamine/LPS-like)."),
    "msc": ("interventions", (
        _AT_THERAPY,
        Field("dose", "cell_dose", "MSC dose per infusion ('1e6 cells/kg').", default=_MISSING,
              minimum=0.0, strict=True, unit_required=True),
        Field("route", "choice", "Route of administration.", default="iv", choices=ROUTES_MSC),
        _EVERY, _COUNT,
    ), "Mesenchymal stem cell infusion (paracrine therapy)."),
    "ev": ("interventions", (
        _AT_THERAPY,
        Field("dose", "ev_dose", "EV protein dose per injection ('100 ug/kg').", default=_MISSING,
              minimum=0.0, strict=True, unit_required=True),
        Field("route", "choice", "Route of administration.", default="iv", choices=ROUTES_EV),
        _EVERY, _COUNT,
    ), "MSC-derived extracellular vesicles."),
    "antidote": ("interventions", (
        _AT_THERAPY,
        Field("end", "time", "When the antidote stops.", doc_default="the end of the run"),
    ), "N-acetylcysteine-like antidote: speeds toxin clearance from 'at' to 'end'."),
}

EFFECTS: dict[str, str] = {
    "anti_inflammatory": "anti_inflammatory_on",
    "anti_death": "anti_death_on",
    "pro_regenerative": "pro_regenerative_on",
}

_EFFECT_FIELDS = tuple(
    Field(name, "bool", f"Therapy {name.replace('_', '-')} channel on (true) or off (false); "
          f"sets parameter {param}.", default=True)
    for name, param in EFFECTS.items()
)

_SOLVER_FIELDS = (
    Field("method", "choice", "Integrator.", default="LSODA", choices=METHODS),
    Field("rtol", "number", "Relative tolerance.", default=1e-6, minimum=0.0, maximum=1.0,
          strict=True),
    Field("atol", "number", "Absolute tolerance.", default=1e-9, minimum=0.0, maximum=1.0,
          strict=True),
    Field("max_step", "time", "Largest solver step (0 = no limit).", default=0.0, minimum=0.0,
          doc_default="0 (no limit)"),
    Field("max_steps", "integer", "Step budget per segment.", default=100_000, minimum=1),
)

#: Designs of a sweep (see :mod:`livermodel.sweep`).
SWEEP_DESIGNS = ("grid", "random", "lhs", "sobol")

#: Keys of the ``sweep:`` block (the same options as ``livermodel sweep``).
SWEEP_FIELDS = (
    Field("vary", "mapping", "Dotted key path -> SPEC: 'a:b:n' (n values from a to b), "
          "'a:b:n:log' (log-spaced), 'v1,v2,v3' or a YAML list of values; with a sampling design, "
          "'a:b' or 'a:b:log' ranges. Units go on the numbers ('0:48h:9', '1e5:1e7cells/kg:5:log').",
          default=_MISSING),
    Field("zip", "bool", "Pair the values of the varied keys (all need the same count) instead "
          "of a full grid.", default=False),
    Field("design", "choice", "grid (every combination), random, lhs (Latin hypercube) or sobol "
          "(scrambled Sobol sequence).", default="grid", choices=SWEEP_DESIGNS),
    Field("samples", "integer", "Number of runs of a random, lhs or sobol design.", minimum=1),
    Field("seed", "integer", "Seed of a random, lhs or sobol design.", minimum=0),
    Field("metric", "string", "Outcome metric drawn in the sweep figures.",
          default="survival_probability"),
)

#: Outcome checks allowed under ``expect:``: name -> (field, metric, comparison).
#: Comparisons: ``eq`` equal; ``le``/``ge`` metric <= / >= value (a missing metric fails);
#: ``le_or_none``: metric is None or > value ("not recovered by").
EXPECT: dict[str, tuple[Field, str, str]] = {
    "mode": (Field("mode", "choice", "Response mode.", choices=("normal", "suppressed", "failure")),
             "mode", "eq"),
    "failed": (Field("failed", "bool", "Whether the liver fails."), "failed", "eq"),
    "failed_by": (Field("failed_by", "time", "The liver fails no later than this.", minimum=0.0),
                  "failure_time_h", "le"),
    "failed_after": (Field("failed_after", "time", "The liver fails, but not before this.",
                           minimum=0.0), "failure_time_h", "ge"),
    "recovered_by": (Field("recovered_by", "time", "Functional mass is back to 90 % of the set "
                           "point no later than this.", minimum=0.0), "recovery_time_h", "le"),
    "not_recovered_by": (Field("not_recovered_by", "time", "Functional mass is not yet back to "
                               "90 % of the set point at this time.", minimum=0.0),
                         "recovery_time_h", "gt_or_none"),
    "survival_above": (Field("survival_above", "number", "Survival probability at the end is "
                             "at least this.", minimum=0.0, maximum=1.0), "survival_probability", "ge"),
    "survival_below": (Field("survival_below", "number", "Survival probability at the end is at "
                             "most this.", minimum=0.0, maximum=1.0), "survival_probability", "le"),
    "final_mass_above": (Field("final_mass_above", "number", "Final functional mass is at least "
                               "this.", minimum=0.0), "final_mass", "ge"),
    "final_mass_below": (Field("final_mass_below", "number", "Final functional mass is at most "
                               "this.", minimum=0.0), "final_mass", "le"),
    "nadir_above": (Field("nadir_above", "number", "Lowest functional mass is at least this.",
                          minimum=0.0), "nadir_mass", "ge"),
    "nadir_below": (Field("nadir_below", "number", "Lowest functional mass is at most this.",
                          minimum=0.0), "nadir_mass", "le"),
    "alt_peak_above": (Field("alt_peak_above", "number", "Peak serum ALT (U/L) is at least this.",
                             minimum=0.0), "alt_peak_u_per_l", "ge"),
    "alt_peak_below": (Field("alt_peak_below", "number", "Peak serum ALT (U/L) is at most this.",
                             minimum=0.0), "alt_peak_u_per_l", "le"),
    "alt_peak_after": (Field("alt_peak_after", "time", "Serum ALT peaks no earlier than this.",
                             minimum=0.0), "alt_peak_time_h", "ge"),
    "alt_peak_before": (Field("alt_peak_before", "time", "Serum ALT peaks no later than this.",
                              minimum=0.0), "alt_peak_time_h", "le"),
    "proliferation_peak_after": (Field("proliferation_peak_after", "time", "Division peaks no "
                                       "earlier than this.", minimum=0.0),
                                 "proliferation_peak_time_h", "ge"),
    "proliferation_peak_before": (Field("proliferation_peak_before", "time", "Division peaks no "
                                        "later than this.", minimum=0.0),
                                  "proliferation_peak_time_h", "le"),
}

#: Top-level keys of a scenario file.
TOP_LEVEL: tuple[Field, ...] = (
    Field("name", "string", "Short identifier (letters, digits, '-', '_', '.'). Not inherited.",
          doc_default="the file name without .yaml"),
    Field("description", "string", "What the scenario shows and which published observation it "
          "mirrors. Not inherited.", default=""),
    Field("extends", "string", "Path of a parent scenario, relative to this file."),
    Field("tags", "list", "Free-form labels for listing and filtering.", default=()),
    Field("species", "choice", "Parameter preset.", default="rat", choices=tuple(SPECIES)),
    Field("duration", "time", "Simulated time.", default=336.0, minimum=0.0, strict=True,
          doc_default="14 d"),
    Field("output_step", "time", "Spacing of the output grid.", default=1.0, minimum=0.0,
          strict=True, doc_default="1 h"),
    Field("parameters", "mapping", "Overrides of the parameter table (name: value, units "
          "optional but checked).", default={}),
    Field("initial", "mapping", "Initial state overrides (state name: value) instead of the "
          "healthy steady state, e.g. a chronically injured liver.", default={}),
    Field("insults", "list", "Insults: hepatectomy, toxin, chronic, inflammation.", default=()),
    Field("interventions", "list", "Interventions: msc, ev, antidote.", default=()),
    Field("effects", "mapping", "Therapy effect channels, all on by default.", default={}),
    Field("solver", "mapping", "Numerical settings.", default={}),
    Field("expect", "mapping", "The outcome this scenario is meant to show; checked by "
          "Scenario.check() and the test suite. Not inherited.", default={}),
    Field("sweep", "mapping", "A parameter sweep over this scenario, run by 'livermodel sweep' "
          "(see docs/sweeps.md). Not inherited; ignored by 'livermodel run'.", default={}),
    Field("cohort", "mapping", "A virtual cohort of this scenario, run by 'livermodel cohort': "
          "size, seed, variability (log-SD), control, vary (parameter names) and per-parameter "
          "distributions (see docs/analyses.md). Not inherited; ignored by 'livermodel run'.",
          default={}),
)
_TOP = {f.name: f for f in TOP_LEVEL}
#: Keys that a child scenario does not inherit from its parent.
NOT_INHERITED = ("name", "description", "expect", "sweep", "cohort")
#: Keys whose mapping values merge key by key across extends/overrides (the rest replace).
MERGED = ("parameters", "initial", "effects", "solver")

_PARAM_UNIT_KINDS = {"1/h": "rate", "h": "time", "mg/kg": "mass_dose"}
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
_NUMBER_RE = re.compile(r"^\s*[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?\s*$")


# ---------------------------------------------------------------------------------------------
# Reading YAML with positions
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Location:
    """Where a value came from: file (or override text), 1-based line and column."""

    source: str
    line: int | None = None
    column: int | None = None
    key_line: int | None = None
    key_column: int | None = None


Path_ = tuple  # a key path: ('interventions', 0, 'at')


def _dotted(path: Path_) -> str:
    return ".".join(str(p) for p in path)


def _mark(node_mark) -> tuple[int, int]:
    return node_mark.line + 1, node_mark.column + 1


class _Reader:
    """Turns a composed YAML node tree into plain data and a location for every path."""

    def __init__(self, source: str):
        self._constructor = yaml.SafeLoader("")
        self.source = source
        self.locs: dict[Path_, Location] = {}
        self.count = 0
        self.stack: set[int] = set()

    def error(self, message, node, path, **kw) -> ScenarioError:
        line, col = _mark(node.start_mark)
        return ScenarioError(message, source=self.source, line=line, column=col,
                             key=_dotted(path) or None, **kw)

    def walk(self, node, path: Path_, key_node=None):
        self.count += 1
        if self.count > MAX_NODES:
            raise self.error(f"the file expands to more than {MAX_NODES} YAML nodes", node, path,
                             expected="a small scenario file", found="an alias-expanded tree")
        line, col = _mark(node.start_mark)
        kl, kc = _mark(key_node.start_mark) if key_node is not None else (line, col)
        self.locs[path] = Location(self.source, line, col, kl, kc)
        if id(node) in self.stack:
            raise self.error("a YAML alias refers to itself", node, path,
                             expected="a finite tree", found="a recursive alias")
        if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) and node.tag not in _PLAIN_TAGS:
            raise self.error(f"unsupported YAML tag {node.tag!r}", node, path,
                             expected="plain YAML (no tags)", found=node.tag)
        if isinstance(node, yaml.MappingNode):
            self.stack.add(id(node))
            out: dict[str, Any] = {}
            for knode, vnode in node.value:
                if not isinstance(knode, yaml.ScalarNode):
                    raise self.error("a key must be a plain name", knode, path,
                                     expected="a name such as 'species'",
                                     found=f"a YAML {_node_kind(knode)}")
                if knode.tag == "tag:yaml.org,2002:merge":
                    raise self.error("YAML merge keys ('<<') are not supported", knode, path,
                                     expected="plain keys", found="'<<'",
                                     suggestion="Use 'extends:' to inherit from another scenario.")
                key = str(knode.value)
                if key in out:
                    first = self.locs[(*path, key)]
                    raise self.error(f"duplicate key '{key}'", knode, (*path, key),
                                     expected="each key once per mapping",
                                     found=f"'{key}' again (first at line {first.key_line})")
                out[key] = self.walk(vnode, (*path, key), knode)
            self.stack.discard(id(node))
            return out
        if isinstance(node, yaml.SequenceNode):
            self.stack.add(id(node))
            items = [self.walk(v, (*path, i)) for i, v in enumerate(node.value)]
            self.stack.discard(id(node))
            return items
        try:
            value = self._constructor.construct_object(node, deep=True)
        except yaml.YAMLError as err:
            raise self.error(f"cannot read this value: {_yaml_problem(err)}", node, path) from None
        if not isinstance(value, (str, int, float, bool, type(None))):
            raise self.error("unsupported YAML value", node, path,
                             expected="a number, a string, true/false or a list/mapping",
                             found=f"{type(value).__name__} {node.value!r}",
                             suggestion="Quote it to make it a string.")
        return value


_PLAIN_TAGS = ("tag:yaml.org,2002:map", "tag:yaml.org,2002:seq")


def _node_kind(node) -> str:
    return {yaml.MappingNode: "mapping", yaml.SequenceNode: "list"}.get(type(node), "value")


def _yaml_problem(err) -> str:
    parts = [getattr(err, "context", None), getattr(err, "problem", None)]
    text = "; ".join(p for p in parts if p)
    return text or str(err).splitlines()[0]


def _read_text(text: str, source: str) -> tuple[dict, dict[Path_, Location]]:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line, col = _mark(mark) if mark is not None else (None, None)
        raise ScenarioError(f"malformed YAML: {_yaml_problem(err)}", source=source, line=line,
                            column=col, expected="valid YAML",
                            found=_line_excerpt(text, line)) from None
    except yaml.YAMLError as err:
        raise ScenarioError(f"malformed YAML: {_yaml_problem(err)}", source=source) from None
    if node is None:
        raise ScenarioError("the scenario is empty", source=source, line=1, column=1,
                            expected="a mapping of keys such as 'species:' and 'insults:'",
                            found="no content")
    reader = _Reader(source)
    if not isinstance(node, yaml.MappingNode):
        line, col = _mark(node.start_mark)
        raise ScenarioError("a scenario must be a mapping of keys", source=source, line=line,
                            column=col, expected="keys such as 'species:' and 'insults:'",
                            found=f"a YAML {_node_kind(node)}")
    data = reader.walk(node, ())
    return data, reader.locs


def _line_excerpt(text: str, line: int | None) -> str | None:
    if line is None:
        return None
    lines = text.splitlines()
    if 1 <= line <= len(lines):
        return repr(lines[line - 1].strip()[:80])
    return "the end of the file"


def _read_file(path: Path) -> tuple[dict, dict[Path_, Location]]:
    source = str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ScenarioError("scenario file not found", source=source,
                            expected="an existing .yaml file", found="no such file") from None
    except IsADirectoryError:
        raise ScenarioError("this is a directory, not a scenario file", source=source) from None
    except OSError as err:
        raise ScenarioError(f"cannot read the scenario file: {err.strerror}", source=source) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise ScenarioError("the file is not UTF-8 text", source=source, line=line,
                            expected="a UTF-8 encoded YAML file",
                            found=f"byte 0x{raw[err.start]:02x}") from None
    return _read_text(text, source)


# ---------------------------------------------------------------------------------------------
# Composition: extends, then overrides
# ---------------------------------------------------------------------------------------------

def _merge(parent: dict, child: dict) -> dict:
    """Lay ``child`` over ``parent``: top-level MERGED mappings merge key by key, the rest replace."""
    out = {k: copy.deepcopy(v) for k, v in parent.items() if k not in NOT_INHERITED and k != "extends"}
    for key, value in child.items():
        if key in MERGED and isinstance(value, dict) and isinstance(out.get(key), dict):
            merged = dict(out[key])
            merged.update(copy.deepcopy(value))
            out[key] = merged
        else:
            out[key] = copy.deepcopy(value)
    return out


def _locate(data, layers: list[dict[Path_, Location]], path: Path_ = ()) -> dict[Path_, Location]:
    """A location for every path of ``data``: the first layer (child first) that has it."""
    out: dict[Path_, Location] = {}
    for layer in layers:
        if path in layer:
            out[path] = layer[path]
            break
    if isinstance(data, dict):
        for k, v in data.items():
            out.update(_locate(v, layers, (*path, k)))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            out.update(_locate(v, layers, (*path, i)))
    return out


def _paths(data, path: Path_ = ()):
    """Every key path inside ``data`` (``path`` itself included)."""
    yield path
    if isinstance(data, dict):
        for k, v in data.items():
            yield from _paths(v, (*path, k))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield from _paths(v, (*path, i))


def _load_chain(path: Path, seen: tuple[Path, ...]) -> tuple[dict, dict[Path_, Location]]:
    data, locs = _read_file(path)
    ext = data.get("extends")
    if ext is None:
        return data, locs
    loc = locs.get(("extends",))
    where = {"source": str(path), "line": loc.line if loc else None,
             "column": loc.column if loc else None, "key": "extends"}
    if not isinstance(ext, str) or not ext.strip():
        raise ScenarioError("extends must be the path of another scenario file", **where,
                            expected="a relative path such as 'base.yaml'", found=repr(ext))
    parent_path = (path.parent / ext).resolve()
    if parent_path in seen or parent_path == path.resolve():
        chain = " -> ".join(p.name for p in (*seen, path.resolve(), parent_path))
        raise ScenarioError("extends forms a cycle", **where, expected="a chain that ends",
                            found=chain, suggestion="Remove one of the extends: keys.")
    if len(seen) >= MAX_EXTENDS_DEPTH:
        raise ScenarioError("extends chain is too long", **where,
                            expected=f"at most {MAX_EXTENDS_DEPTH} levels", found=f"{len(seen)}")
    if not parent_path.is_file():
        hint = None
        if parent_path.parent.is_dir():
            hint = did_you_mean(Path(ext).name, [p.name for p in parent_path.parent.glob("*.y*ml")])
        raise ScenarioError("the scenario named in extends does not exist", **where,
                            expected="a path relative to this file",
                            found=f"{ext!r} (looked for {parent_path})", suggestion=hint)
    pdata, plocs = _load_chain(parent_path, (*seen, path.resolve()))
    merged = _merge(pdata, data)
    return merged, _locate(merged, [locs, plocs])


def parse_override(text: str) -> tuple[str, Any]:
    """Split ``"interventions.0.at=24h"`` into the dotted path and the YAML-parsed value."""
    if not isinstance(text, str) or "=" not in text:
        raise ScenarioError("an override must look like key.path=value", key=None,
                            expected="e.g. 'interventions.0.at=24h' or 'species=mouse'",
                            found=repr(text))
    key, _, raw = text.partition("=")
    key = key.strip()
    try:
        value = yaml.safe_load(raw) if raw.strip() else None
    except yaml.YAMLError:
        value = raw.strip()
    if isinstance(value, (dict, list)) or value is None or isinstance(value, (str, int, float, bool)):
        return key, value
    return key, raw.strip()  # dates and other YAML types stay text; validation decides


def apply_overrides(doc: dict, overrides: Iterable[str] | Mapping[str, Any] = (), *,
                    locations: dict[Path_, Location] | None = None) -> dict:
    """A copy of ``doc`` with dotted-path ``overrides`` applied, in order (later wins).

    ``overrides`` is a list of ``"key.path=value"`` strings (values are read as YAML, so
    ``0.9`` is a number and ``24h`` a string) or a mapping ``{"key.path": value}``.  List items
    are addressed by index (``interventions.0.at``); an index one past the end appends a new
    item.  Missing mappings on the way are created.  If ``locations`` is given, it is updated so
    that every overridden path points at the override text.
    """
    out = copy.deepcopy(doc)
    items = list(overrides.items()) if isinstance(overrides, Mapping) else \
        [parse_override(o) for o in overrides]
    for dotted, value in items:
        label = f"{dotted}={value}" if not isinstance(overrides, Mapping) else f"{dotted}"
        src = Location(f"override '{label}'")
        parts = [p for p in str(dotted).split(".")]
        if not dotted or any(p == "" for p in parts):
            raise ScenarioError("an override needs a dotted key path", source=src.source,
                                expected="e.g. 'insults.0.fraction'", found=repr(dotted))
        if parts[0] == "extends":
            raise ScenarioError("extends cannot be overridden", source=src.source, key="extends",
                                suggestion="Load the other scenario instead.")
        target, path = out, ()
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            if isinstance(target, list):
                if not re.fullmatch(r"\d+", part):
                    raise ScenarioError("a list item is addressed by its index", source=src.source,
                                        key=_dotted((*path, part)), expected="an index such as 0",
                                        found=repr(part))
                idx = int(part)
                if idx > len(target):
                    raise ScenarioError("list index out of range", source=src.source,
                                        key=_dotted((*path, part)),
                                        expected=f"an index from 0 to {len(target)}",
                                        found=str(idx))
                if idx == len(target):
                    target.append({} if not last else None)
                step: Any = idx
            elif isinstance(target, dict):
                step = part
                if not last and target.get(part) is None:
                    target[part] = {}
            else:
                raise ScenarioError("cannot set a key inside a plain value", source=src.source,
                                    key=_dotted(path), expected="a mapping or a list",
                                    found=repr(target))
            path = (*path, step)
            if last:
                target[step] = copy.deepcopy(value)
            else:
                target = target[step]
        if locations is not None:
            for p in [p for p in locations if p[: len(path)] == path]:
                del locations[p]
            for p in _paths(value, path):
                locations[p] = src
            for k in range(1, len(path) + 1):
                locations.setdefault(path[:k], src)
    return out


# ---------------------------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------------------------

class _Validator:
    def __init__(self, locs: dict[Path_, Location], default_source: str):
        self.locs = locs
        self.default_source = default_source
        self.warnings: list[str] = []

    def where(self, path: Path_, at_key: bool = False) -> dict:
        p = path
        while p and p not in self.locs:
            p = p[:-1]
        loc = self.locs.get(p)
        if loc is None:
            return {"source": self.default_source, "line": None, "column": None,
                    "key": _dotted(path) or None}
        line, col = (loc.key_line, loc.key_column) if at_key else (loc.line, loc.column)
        return {"source": loc.source, "line": line, "column": col, "key": _dotted(path) or None}

    def fail(self, cls, message, path, *, at_key=False, **kw):
        raise cls(message, **self.where(path, at_key), **kw)

    def relocate(self, err: LivermodelError, path: Path_):
        """Re-raise ``err`` (raised without a location) at ``path``."""
        raise type(err)(err.message, **self.where(path), expected=err.expected, found=err.found,
                        suggestion=err.suggestion) from None

    def warn(self, message: str, path: Path_):
        w = self.where(path)
        pos = f"{w['source']}:{w['line']}:{w['column']}" if w["line"] else w["source"]
        text = f"{pos}: {w['key']}: {message}" if w["key"] else f"{pos}: {message}"
        self.warnings.append(text)

    # --- generic ---------------------------------------------------------------------------
    def mapping(self, value, path: Path_, fields: Iterable[Field] | None = None, what="keys"):
        if not isinstance(value, dict):
            names = ", ".join(f.name for f in fields) if fields else what
            self.fail(ScenarioError, "expected a mapping of keys", path,
                      expected=f"a mapping ({names})", found=_describe(value))
        if fields is not None:
            allowed = [f.name for f in fields]
            for key in value:
                if key not in allowed:
                    self.fail(ScenarioError, f"unknown key '{key}'", (*path, key), at_key=True,
                              expected=f"one of {', '.join(allowed)}", found=repr(key),
                              suggestion=did_you_mean(key, allowed))
            for f in fields:
                if f.required and value.get(f.name) is None:
                    self.fail(ScenarioError, f"missing required key '{f.name}'", path, at_key=True,
                              expected=f"{f.name}: {f.description}", found="no such key")
        return value

    def value(self, f: Field, raw, path: Path_):
        """Convert and check one value against its field."""
        if raw is None:
            return f.default if f.default is not _MISSING else None
        kind = f.kind
        if kind in UNITS:
            if f.unit_required and not isinstance(raw, str) and not isinstance(raw, bool):
                internal = UNITS[kind][0]
                example = {"mass_dose": "300 mg/kg", "cell_dose": "1e6 cells/kg",
                           "ev_dose": "100 ug/kg"}[kind]
                self.fail(UnitError, "a dose needs its unit", path,
                          expected=f"a number with a unit, e.g. '{example}' (internal unit {internal})",
                          found=repr(raw))
            if isinstance(raw, str) and _NUMBER_RE.match(raw) and not f.unit_required:
                raw = float(raw)
            try:
                number = parse_quantity(raw, kind, key=_dotted(path))
            except UnitError as err:
                self.relocate(err, path)
            return self.bounds(f, number, path)
        if kind == "number":
            if isinstance(raw, str) and _NUMBER_RE.match(raw):
                raw = float(raw)
            if isinstance(raw, bool) or not isinstance(raw, (int, float)) or not math.isfinite(raw):
                self.fail(ScenarioError, "expected a number", path, expected="a number",
                          found=_describe(raw))
            return self.bounds(f, float(raw), path)
        if kind == "integer":
            if isinstance(raw, float) and raw.is_integer():
                raw = int(raw)
            if isinstance(raw, bool) or not isinstance(raw, int):
                self.fail(ScenarioError, "expected a whole number", path, expected="an integer",
                          found=_describe(raw))
            return int(self.bounds(f, raw, path))
        if kind == "bool":
            if not isinstance(raw, bool):
                self.fail(ScenarioError, "expected true or false", path, expected="true or false",
                          found=_describe(raw))
            return raw
        if kind == "string":
            if not isinstance(raw, str):
                self.fail(ScenarioError, "expected text", path, expected="a string",
                          found=_describe(raw))
            return raw
        if kind == "choice":
            if not isinstance(raw, str) or raw not in f.choices:
                self.fail(ScenarioError, f"unknown {f.name} {raw!r}", path,
                          expected=f"one of {', '.join(f.choices)}", found=repr(raw),
                          suggestion=did_you_mean(str(raw).lower(), f.choices)
                          if str(raw).lower() not in f.choices else f"Did you mean '{str(raw).lower()}'?")
            return raw
        raise AssertionError(kind)  # pragma: no cover

    def bounds(self, f: Field, number, path):
        unit = UNITS[f.kind][0] if f.kind in UNITS else ""
        if unit == "1":  # a dimensionless fraction: no unit to show
            unit = ""
        show = f"{number:g} {unit}".strip()
        if f.minimum is not None and (number < f.minimum or (f.strict and number == f.minimum)):
            op = ">" if f.strict else ">="
            self.fail(ScheduleError if f.kind in UNITS or f.kind == "number" else ScenarioError,
                      f"{f.name} must be {op} {f.minimum:g}", path,
                      expected=f"{f.name} {op} {f.minimum:g} {unit}".rstrip(), found=show)
        if f.maximum is not None and (number > f.maximum or (f.strict and number == f.maximum)):
            op = "<" if f.strict else "<="
            self.fail(ScheduleError if f.kind in UNITS or f.kind == "number" else ScenarioError,
                      f"{f.name} must be {op} {f.maximum:g}", path,
                      expected=f"{f.name} {op} {f.maximum:g} {unit}".rstrip(), found=show)
        return number

    def fields(self, raw: dict, path: Path_, fields: Iterable[Field]) -> dict:
        return {f.name: self.value(f, raw.get(f.name), (*path, f.name)) for f in fields}


def _describe(value) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"{str(value).lower()} (a boolean)"
    return f"{value!r} ({type(value).__name__})"


def _check_parameter(v: _Validator, name: str, raw, path: Path_) -> float:
    if name not in BY_NAME:
        v.fail(ParameterError, f"unknown parameter '{name}'", path, at_key=True,
               expected="a name from the parameter table (see 'livermodel params')",
               found=repr(name), suggestion=did_you_mean(name, NAMES))
    par = BY_NAME[name]
    kind = _PARAM_UNIT_KINDS.get(par.unit)
    if isinstance(raw, str) and not _NUMBER_RE.match(raw):
        if kind is not None:
            try:
                raw = parse_quantity(raw, kind, key=_dotted(path))
            except UnitError as err:
                v.relocate(err, path)
        else:
            m = re.match(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(.*?)\s*$", raw)
            if not m or m.group(2) not in ("", par.unit):
                v.fail(UnitError, f"'{name}' is in {par.unit}", path,
                       expected=f"a number in {par.unit}", found=repr(raw))
            raw = float(m.group(1))
    elif isinstance(raw, str):
        raw = float(raw)
    if isinstance(raw, bool) or not isinstance(raw, (int, float)):
        v.fail(ParameterError, f"parameter '{name}' needs a number", path,
               expected=f"a number in {par.unit}", found=_describe(raw))
    try:
        value = check_value(name, raw, key=_dotted(path))
    except ParameterError as err:
        v.relocate(err, path)
    lo, hi = par.bounds
    if not lo <= value <= hi:
        v.warn(f"{value:g} {par.unit} is outside the plausible range {lo:g} to {hi:g} of '{name}'",
               path)
    return value


def _build_event(v: _Validator, raw, path: Path_, group: str, duration: float):
    allowed = [t for t, (g, _, _) in EVENTS.items() if g == group]
    v.mapping(raw, path, what="type and its keys")
    etype = raw.get("type")
    if etype is None:
        v.fail(ScenarioError, "an event needs a type", path, at_key=True,
               expected=f"type: one of {', '.join(allowed)}", found="no type key")
    if etype not in allowed:
        other = [g for t, (g, _, _) in EVENTS.items() if t == etype]
        hint = (f"'{etype}' belongs under '{other[0]}:'" if other
                else did_you_mean(str(etype), allowed))
        v.fail(ScenarioError, f"unknown {group[:-1]} type {etype!r}", (*path, "type"),
               expected=f"one of {', '.join(allowed)}", found=repr(etype), suggestion=hint)
    _, fields, _ = EVENTS[etype]
    v.mapping(raw, path, (Field("type", "string", ""), *fields))
    vals = v.fields(raw, path, fields)
    if "count" in vals:
        if vals["every"] is not None and vals["count"] == 1:
            v.fail(ScheduleError, "'every' repeats a dose, so it needs a count above 1",
                   (*path, "every"), expected="count: 2 or more next to every",
                   found="count 1 (the default)")
        if vals["count"] > 1 and vals["every"] is None:
            v.fail(ScheduleError, "repeated doses need an interval", (*path, "count"),
                   expected="every: a time > 0 next to count", found="no every")
    start_key = "start" if etype == "chronic" else "at"
    start = vals[start_key]
    if start >= duration:
        v.fail(ScheduleError, f"this {etype} starts at or after the end of the run", (*path, start_key),
               expected=f"{start_key} < duration ({duration:g} h)", found=f"{start:g} h")
    if vals.get("count", 1) > 1:
        last = start + (vals["count"] - 1) * vals["every"]
        if last >= duration:
            late = sum(1 for k in range(vals["count"]) if start + k * vals["every"] >= duration)
            v.warn(f"{late} of {vals['count']} doses fall after the end of the run ({duration:g} h)",
                   (*path, "count"))
    ctor = {
        "hepatectomy": lambda d: Hepatectomy(d["at"], d["fraction"]),
        "toxin": lambda d: Toxin(d["at"], d["dose"], d["every"], d["count"]),
        "inflammation": lambda d: InflammatoryHit(d["at"], d["amount"]),
        "chronic": lambda d: Chronic(d["start"], d["end"] if d["end"] is not None else duration,
                                     d["rate"], d["every"], d["pulse"]),
        "msc": lambda d: MSC(d["at"], d["dose"], d["route"], d["every"], d["count"]),
        "ev": lambda d: EV(d["at"], d["dose"], d["route"], d["every"], d["count"]),
        "antidote": lambda d: Antidote(d["at"], d["end"] if d["end"] is not None else math.inf),
    }[etype]
    try:
        event = ctor(vals)
    except ScheduleError as err:
        sub = (err.key or "").split(".")[-1]
        v.relocate(err, (*path, sub) if sub in raw else path)
    resolved = {"type": etype}
    for f in fields:
        val = vals[f.name]
        if val is None:
            continue
        if f.name == "count" and val == 1:
            continue
        resolved[f.name] = _format(f.kind, val)
    return event, resolved


def _build_sweep(v: _Validator, raw) -> dict:
    """Check the ``sweep:`` block; returns it with defaults filled in (specs as written)."""
    from .metrics import METRICS
    from .sweep import parse_spec

    path = ("sweep",)
    v.mapping(raw, path, SWEEP_FIELDS)
    vals = v.fields(raw, path, [f for f in SWEEP_FIELDS if f.name != "vary"])
    vary = v.mapping(raw["vary"], (*path, "vary"), what="key.path: SPEC")
    if not vary:
        v.fail(ScenarioError, "a sweep needs at least one key to vary", (*path, "vary"),
               expected="key.path: SPEC, e.g. 'interventions.0.at: 0:48h:9'", found="nothing")
    out_vary = {}
    for key, spec in vary.items():
        if isinstance(spec, bool) or not isinstance(spec, (str, list, int, float)):
            v.fail(ScenarioError, "a SPEC is text such as '0:48h:9' or a list of values",
                   (*path, "vary", key), found=_describe(spec))
        try:
            parse_spec(spec, key=f"sweep.vary.{key}", sampled=vals["design"] != "grid")
        except LivermodelError as err:
            v.relocate(err, (*path, "vary", key))
        out_vary[str(key)] = list(spec) if isinstance(spec, list) else spec
    if vals["metric"] not in METRICS:
        v.fail(ScenarioError, f"unknown metric '{vals['metric']}'", (*path, "metric"),
               expected=f"one of {', '.join(METRICS)}", found=repr(vals["metric"]),
               suggestion=did_you_mean(vals["metric"], METRICS))
    if vals["design"] != "grid" and vals["samples"] is None:
        v.fail(ScenarioError, f"a {vals['design']} design needs a number of samples", path,
               at_key=True, expected="samples: N", found="no samples key")
    out = {"vary": out_vary}
    out.update({k: val for k, val in vals.items() if val is not None})
    return out


def _build_cohort(v: _Validator, raw) -> dict:
    """Check the ``cohort:`` block (see :func:`livermodel.analysis.cohort.parse_cohort_block`)."""
    from .analysis.cohort import parse_cohort_block

    v.mapping(raw, ("cohort",), what="cohort settings")
    try:
        return parse_cohort_block(raw)
    except LivermodelError as err:
        v.relocate(err, tuple(int(p) if p.isdigit() else p for p in (err.key or "cohort").split(".")))


def _format(kind: str, value):
    """A value in its internal unit, written with that unit so that it reads back the same."""
    if kind in UNITS and kind != "fraction":
        unit = UNITS[kind][0]
        if kind == "cell_dose":
            return f"{_g(value)} million cells/kg"
        return f"{_g(value)} {unit}"
    if isinstance(value, float) and value.is_integer() and kind == "integer":
        return int(value)
    return value


def _g(x: float) -> str:
    """Shortest text that reads back as exactly ``x`` (``336``, ``0.004166666666666667``)."""
    text = repr(float(x))
    return text[:-2] if text.endswith(".0") else text


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

        Returns the :class:`livermodel.simulate.Result`, with ``result.info["scenario"]`` set to
        the scenario name and ``result.info["scenario_sha256"]`` to its hash.
        """
        args = {"species": self.species, "duration": self.duration_h,
                "output_step": self.output_step_h, "settings": self.settings,
                "initial": self.initial or None}
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
        return build_scenario(self.resolved, overrides, source=self.source or "<scenario>",
                              name=self.name)

    def run_inputs(self, overrides: Iterable[str] | Mapping[str, Any] = ()) -> RunInputs:
        """What simulating this scenario with ``overrides`` needs, and nothing more.

        The same parameters, schedule and settings as ``with_overrides(overrides)`` (a test
        checks it), without the resolved form, its hash and the warnings when only parameters
        or fields of existing events change: sweeps call this once per point.
        """
        fast = self._with_parameter_values(overrides, light=True)
        if fast is not None:
            parameters, schedule = fast
            return RunInputs(parameters, schedule, self.duration_h, self.output_step_h,
                             self.settings, self.initial)
        sc = self.with_overrides(overrides)
        return RunInputs(sc.parameters, sc.schedule, sc.duration_h, sc.output_step_h,
                         sc.settings, sc.initial)

    def _with_parameter_values(self, overrides, light: bool = False):
        """The fast path of :meth:`with_overrides`, for the keys sweeps vary most.

        Handles plain numbers under ``parameters.`` and single fields of existing insults and
        interventions (``interventions.0.dose``), re-validating only what changed.  Gives the
        same scenario as the full validation (tests check it), or ``None`` when the overrides
        need the full path (other keys, units on parameters, effect switches, any error: the full
        path then raises the error with its usual message).
        """
        items = (list(overrides.items()) if isinstance(overrides, Mapping)
                 else [parse_override(o) for o in overrides])
        values: dict[str, float] = {}
        events: dict[tuple[str, int], dict] = {}
        for key, raw in items:
            parts = str(key).split(".")
            if parts[0] == "parameters" and len(parts) == 2:
                name = parts[1]
                if (name not in BY_NAME or name.endswith("_on") or isinstance(raw, bool)
                        or not isinstance(raw, (int, float))):
                    return None
                par = BY_NAME[name]
                value = float(raw)
                if not (math.isfinite(value) and par.limits[0] <= value <= par.limits[1]):
                    return None
                values[name] = value
            elif (parts[0] in ("insults", "interventions") and len(parts) == 3
                  and parts[1].isdigit() and parts[2] != "type"
                  and int(parts[1]) < len(self.resolved.get(parts[0]) or [])
                  and (raw is None or isinstance(raw, (int, float, str)))):
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
                built = _event_cached(json.dumps(item, sort_keys=True, default=str), group, i,
                                      self.duration_h, str(self.source or "<scenario>"))
                if built is None:
                    return None
                event, res, event_notes = built
                resolved[group] = list(resolved[group])
                resolved[group][i] = dict(res)
                new_events[i if group == "insults" else n_insults + i] = event
                notes = [w for w in notes if f"{group}.{i}." not in w] + list(event_notes)
            schedule = Schedule(new_events)
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
                    notes.append(f"<override>: parameters.{n}: {value:g} {BY_NAME[n].unit} is "
                                 f"outside the plausible range {lo:g} to {hi:g} of '{n}'")
            notes = [w for w in notes if "normal liver is unstable" not in w]
            key = (self.species, tuple(sorted(overrides_.items())))
            growth = _GROWTH.get(key)
            if growth is None:
                growth = _GROWTH[key] = model.healthy_growth_rate(full)
                if len(_GROWTH) > 4096:
                    _GROWTH.clear()
            if growth > 1e-4:
                notes.append(f"<override>: parameters: with these parameters a normal liver is "
                             f"unstable (a small perturbation grows at {growth:.3g} per hour) and "
                             f"will fail without any insult")
        digest = hashlib.sha256(json.dumps(resolved, sort_keys=True, separators=(",", ":"))
                                .encode("utf-8")).hexdigest()
        return dataclasses.replace(self, parameter_overrides=overrides_, parameters=full,
                                   schedule=schedule, resolved=resolved, sha256=digest,
                                   warnings=notes)


@dataclass(frozen=True)
class RunInputs:
    """The inputs of one simulation: see :meth:`Scenario.run_inputs`."""

    parameters: dict[str, float]
    schedule: Schedule
    duration_h: float
    output_step_h: float
    settings: SolverSettings
    initial: dict[str, float]


#: Stability of the normal liver by (species, parameter overrides): sweeps ask again and again.
_GROWTH: dict[tuple, float] = {}


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


def _build(data: dict, locs: dict[Path_, Location], source: str, default_name: str) -> Scenario:
    v = _Validator(locs, source)
    v.mapping(data, (), TOP_LEVEL)

    name = v.value(_TOP["name"], data.get("name"), ("name",)) or default_name
    if not _NAME_RE.match(name):
        v.fail(ScenarioError, "a name may hold letters, digits, '-', '_' and '.'", ("name",),
               expected="e.g. rat-phx-70", found=repr(name))
    description = v.value(_TOP["description"], data.get("description"), ("description",))
    species = v.value(_TOP["species"], data.get("species"), ("species",))
    duration = v.value(_TOP["duration"], data.get("duration"), ("duration",))
    step = v.value(_TOP["output_step"], data.get("output_step"), ("output_step",))
    if step > duration:
        v.fail(ScenarioError, "output_step is longer than the run", ("output_step",),
               expected=f"output_step <= duration ({duration:g} h)", found=f"{step:g} h")
    if duration / step > MAX_OUTPUT_POINTS:
        v.fail(ScenarioError, "too many output points", ("output_step",),
               expected=f"duration / output_step <= {MAX_OUTPUT_POINTS}",
               found=f"{duration / step:.3g} points")

    tags_raw = data.get("tags") or []
    if not isinstance(tags_raw, list):
        v.fail(ScenarioError, "tags must be a list", ("tags",), expected="a list of strings",
               found=_describe(tags_raw))
    tag_field = Field("tag", "string", "")
    tags = [v.value(tag_field, t, ("tags", i)) for i, t in enumerate(tags_raw)]

    # parameters and effects
    params_raw = v.mapping(data.get("parameters") or {}, ("parameters",), what="parameter: value")
    overrides = {k: _check_parameter(v, k, val, ("parameters", k))
                 for k, val in params_raw.items() if val is not None}
    effects_raw = v.mapping(data.get("effects") or {}, ("effects",), _EFFECT_FIELDS)
    for f in _EFFECT_FIELDS:
        if effects_raw.get(f.name) is None:
            continue
        on = v.value(f, effects_raw[f.name], ("effects", f.name))
        param = EFFECTS[f.name]
        if param in overrides and overrides[param] != float(on):
            v.fail(ScenarioError, f"effects.{f.name} contradicts parameters.{param}",
                   ("effects", f.name), expected="one of the two, or both equal",
                   found=f"{on} and {overrides[param]:g}")
        overrides[param] = 1.0 if on else 0.0
    try:
        full = resolve(species, overrides)
    except LivermodelError as err:  # pragma: no cover - every value was checked above
        v.relocate(err, ("parameters",))
    if overrides:
        growth = model.healthy_growth_rate(full)
        if growth > 1e-4:
            v.warn(f"with these parameters a normal liver is unstable (a small perturbation grows "
                   f"at {growth:.3g} per hour) and will fail without any insult; check "
                   f"critical_mass x metabolic_load against set_point and the inflammation loop",
                   ("parameters",))

    # initial state
    init_raw = v.mapping(data.get("initial") or {}, ("initial",), what="state: value")
    initial = {}
    for k, val in init_raw.items():
        if k not in model.STATE_INDEX:
            v.fail(ScenarioError, f"unknown state variable '{k}'", ("initial", k), at_key=True,
                   expected=f"one of {', '.join(model.STATES)}", found=repr(k),
                   suggestion=did_you_mean(k, model.STATES))
        if val is None:
            continue
        initial[k] = v.value(Field(k, "number", "", minimum=0.0), val, ("initial", k))

    # events
    events, resolved_events = [], {"insults": [], "interventions": []}
    for group in ("insults", "interventions"):
        items = data.get(group) or []
        if not isinstance(items, list):
            v.fail(ScenarioError, f"{group} must be a list", (group,),
                   expected="a list of items, each starting with '- type:'", found=_describe(items))
        for i, item in enumerate(items):
            event, res = _build_event(v, item, (group, i), group, duration)
            events.append(event)
            resolved_events[group].append(res)

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
    expect = {k: v.value(EXPECT[k][0], val, ("expect", k)) for k, val in expect_raw.items()
              if val is not None}

    for w in v.warnings:
        warnings.warn(w, ScenarioWarning, stacklevel=3)

    resolved: dict[str, Any] = {"name": name, "description": description}
    if tags:
        resolved["tags"] = tags
    resolved.update({"species": species, "duration": f"{_g(duration)} h",
                     "output_step": f"{_g(step)} h"})
    if overrides:
        resolved["parameters"] = {k: overrides[k] for k in sorted(overrides)}
    if initial:
        resolved["initial"] = dict(initial)
    for group in ("insults", "interventions"):
        if resolved_events[group]:
            resolved[group] = resolved_events[group]
    resolved["solver"] = {"method": settings.method, "rtol": settings.rtol, "atol": settings.atol,
                          "max_step": f"{_g(settings.max_step)} h", "max_steps": settings.max_steps}
    if expect:
        resolved["expect"] = {k: _format(EXPECT[k][0].kind, val) for k, val in expect.items()}
    if sweep:
        resolved["sweep"] = copy.deepcopy(sweep)
    if cohort:
        resolved["cohort"] = copy.deepcopy(cohort)
    digest = hashlib.sha256(json.dumps(resolved, sort_keys=True, separators=(",", ":"))
                            .encode("utf-8")).hexdigest()
    return Scenario(
        name=name, description=description, species=species, duration_h=duration,
        output_step_h=step, parameter_overrides=overrides, parameters=full,
        schedule=Schedule(events), settings=settings, initial=initial, expect=expect, tags=tags,
        source=source, resolved=resolved, sha256=digest, warnings=list(v.warnings), sweep=sweep,
        cohort=cohort,
    )


def load_scenario(path: str | Path, overrides: Iterable[str] | Mapping[str, Any] = ()) -> Scenario:
    """Read, compose, validate and build the scenario at ``path``.

    ``path`` is a file, or the name of a library scenario (``"rat-phx-70"``; see
    :func:`list_library`).  ``overrides`` are dotted-path changes applied last, as a list of
    ``"key.path=value"`` strings (the CLI's ``--set``) or a mapping ``{"key.path": value}``.
    Raises a :class:`LivermodelError` subclass for any mistake; never writes anything.
    """
    file = find_scenario(path)
    data, locs = _load_chain(file, ())
    data.pop("extends", None)
    locs = {k: l for k, l in locs.items() if k[:1] != ("extends",)}
    if overrides:
        data = apply_overrides(data, overrides, locations=locs)
    return _build(data, locs, str(file), file.stem)


def build_scenario(doc: Mapping[str, Any], overrides: Iterable[str] | Mapping[str, Any] = (), *,
                   source: str = "<dict>", name: str = "scenario") -> Scenario:
    """Validate and build a scenario from a plain dict (such as :attr:`Scenario.resolved`).

    ``overrides`` are applied as in :func:`load_scenario`; ``doc`` must not hold ``extends``.
    No file is read.  ``name`` is used when ``doc`` has none.
    """
    if not isinstance(doc, Mapping):
        raise ScenarioError("a scenario must be a mapping of keys", source=source,
                            expected="keys such as 'species:' and 'insults:'",
                            found=_describe(doc))
    if doc.get("extends") is not None:
        raise ScenarioError("build_scenario needs a scenario without extends", source=source,
                            key="extends", suggestion="Use load_scenario for files with extends:")
    locs: dict[Path_, Location] = {}
    data = apply_overrides(dict(doc), overrides, locations=locs) if overrides else copy.deepcopy(dict(doc))
    return _build(data, locs, source, name)


def parse_scenario(text: str, *, source: str = "<string>",
                   overrides: Iterable[str] | Mapping[str, Any] = (),
                   base_dir: str | Path | None = None) -> Scenario:
    """Like :func:`load_scenario`, from YAML text (``extends:`` is relative to ``base_dir``)."""
    data, locs = _read_text(text, source)
    if data.get("extends") is not None:
        base = Path(base_dir) if base_dir is not None else Path.cwd()
        ext = data["extends"]
        loc = locs[("extends",)]
        if not isinstance(ext, str):
            raise ScenarioError("extends must be the path of another scenario file", source=source,
                                line=loc.line, column=loc.column, key="extends",
                                expected="a relative path such as 'base.yaml'", found=repr(ext))
        parent = (base / ext).resolve()
        if not parent.is_file():
            raise ScenarioError("the scenario named in extends does not exist", source=source,
                                line=loc.line, column=loc.column, key="extends",
                                expected="a path relative to base_dir", found=repr(ext))
        pdata, plocs = _load_chain(parent, ())
        data = _merge(pdata, data)
        locs = _locate(data, [locs, plocs])
    data.pop("extends", None)
    locs = {k: l for k, l in locs.items() if k[:1] != ("extends",)}
    if overrides:
        data = apply_overrides(data, overrides, locations=locs)
    return _build(data, locs, source, "scenario")


# ---------------------------------------------------------------------------------------------
# The library
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class LibraryEntry:
    """One scenario of the shipped library."""

    name: str
    path: Path
    description: str
    species: str
    tags: tuple[str, ...]
    expect: dict


def library_path() -> Path:
    """The folder of the shipped scenario library (inside the installed package)."""
    return Path(__file__).resolve().parent / "scenarios"


def list_library() -> list[LibraryEntry]:
    """Every scenario of the library, sorted by file name (each file is loaded and validated)."""
    out = []
    for path in sorted(library_path().glob("*.yaml")):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ScenarioWarning)
            sc = load_scenario(path)
        out.append(LibraryEntry(sc.name, path, sc.description, sc.species, tuple(sc.tags),
                                dict(sc.resolved.get("expect", {}))))
    return out


def find_scenario(name_or_path: str | Path) -> Path:
    """``name_or_path`` as a file: an existing path, or a library scenario by name."""
    path = Path(name_or_path)
    if path.exists() or path.suffix in (".yaml", ".yml") or len(path.parts) > 1:
        return path
    lib = library_path()
    candidate = lib / f"{name_or_path}.yaml"
    if candidate.is_file():
        return candidate
    names = [p.stem for p in lib.glob("*.yaml")]
    raise ScenarioError(f"no scenario file or library scenario called '{name_or_path}'",
                        source=str(name_or_path), expected="a .yaml file or a library name "
                        "(see 'livermodel scenarios')", found="neither",
                        suggestion=did_you_mean(str(name_or_path), names))


# ---------------------------------------------------------------------------------------------
# JSON Schema, generated from the tables above
# ---------------------------------------------------------------------------------------------

_NUM = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"


def _number_pattern(f: Field) -> str:
    """Regex of a number as text; unsigned when the field cannot be negative."""
    return _NUM[len("[-+]?"):] if f.minimum is not None and f.minimum >= 0 else _NUM


def _quantity_schema(f: Field) -> dict:
    _, table = UNITS[f.kind]
    units = sorted({u for u in table if u}, key=lambda u: (-len(u), u))
    alt = "|".join(re.escape(u).replace("\\ ", " ?") for u in units)
    optional_unit = not f.unit_required
    pattern = rf"^\s*{_number_pattern(f)}\s*({alt}){'?' if optional_unit else ''}\s*$"
    string = {"type": "string", "pattern": pattern}
    if f.unit_required:
        return string
    number: dict[str, Any] = {"type": "number"}
    _number_bounds(f, number)
    return {"anyOf": [number, string]}


def _number_bounds(f: Field, schema: dict) -> None:
    if f.minimum is not None:
        schema["exclusiveMinimum" if f.strict else "minimum"] = f.minimum
    if f.maximum is not None:
        schema["exclusiveMaximum" if f.strict else "maximum"] = f.maximum


def _field_schema(f: Field) -> dict:
    if f.kind in UNITS:
        schema = _quantity_schema(f)
    elif f.kind == "integer":
        schema = {"type": "integer"}
        _number_bounds(f, schema)
    elif f.kind == "number":
        number: dict[str, Any] = {"type": "number"}
        _number_bounds(f, number)
        # YAML 1.1 reads 1e-7 as text; the validator accepts numeric text, so does the schema
        schema = {"anyOf": [number, {"type": "string", "pattern": rf"^\s*{_number_pattern(f)}\s*$"}]}
    elif f.kind == "bool":
        schema = {"type": "boolean"}
    elif f.kind == "string":
        schema = {"type": "string"}
    elif f.kind == "choice":
        schema = {"enum": list(f.choices)}
    else:  # pragma: no cover - mapping/list fields get their own schema below
        schema = {}
    schema["description"] = f.description
    if f.default is not None and f.default is not _MISSING and f.kind not in ("mapping", "list"):
        schema["default"] = f.default
    return schema


def _object(fields: Iterable[Field], extra: dict | None = None) -> dict:
    fields = list(fields)
    out = {"type": "object", "properties": {f.name: _field_schema(f) for f in fields},
           "additionalProperties": False}
    if extra:
        out["properties"].update(extra)
    req = [f.name for f in fields if f.required]
    if req:
        out["required"] = req
    return out


def _cohort_schema() -> dict:
    from .analysis.cohort import DISTRIBUTIONS

    dist = {"anyOf": [{"const": "fixed"}, {
        "type": "object", "additionalProperties": False, "properties": {
            "distribution": {"enum": list(DISTRIBUTIONS), "default": "lognormal"},
            "sd": {"type": "number", "minimum": 0, "description": "log-SD (lognormal) or SD as a "
                   "fraction of the preset (normal)"},
            "low": {"type": "number", "minimum": 0, "description": "uniform: lowest multiplier"},
            "high": {"type": "number", "minimum": 0, "description": "uniform: highest multiplier"},
        }}]}
    return {"type": "object", "additionalProperties": False, "properties": {
        "size": {"type": "integer", "minimum": 1, "description": "Number of individuals."},
        "seed": {"type": "integer", "minimum": 0, "description": "Seed of the draw."},
        "variability": {"type": "number", "minimum": 0, "maximum": 3,
                        "description": "Log-SD of the default log-normal variation (0.3 = about "
                        "31 % coefficient of variation)."},
        "control": {"type": "string", "description": "Control scenario (path or library name)."},
        "vary": {"type": "array", "items": {"enum": list(NAMES)},
                 "description": "Parameters to vary (replaces the default set)."},
        "parameters": {"type": "object", "propertyNames": {"enum": list(NAMES)},
                       "additionalProperties": dist,
                       "description": "Per-parameter distributions of the multiplier."},
    }}


def json_schema() -> dict:
    """The JSON Schema (draft 2020-12) of scenario files, for editors.

    Generated from the same tables as the validator; ``docs/scenario.schema.json`` is this
    function's output (a test checks they agree).  The validator checks more than the schema can
    (parameter hard limits, times against the duration, ``extends`` chains).
    """
    defs: dict[str, Any] = {}
    for group in ("insults", "interventions"):
        variants = []
        for etype, (g, fields, desc) in EVENTS.items():
            if g != group:
                continue
            obj = _object(fields, {"type": {"const": etype, "description": desc}})
            obj["required"] = ["type", *obj.get("required", [])]
            obj["title"] = etype
            defs[etype] = obj
            variants.append({"$ref": f"#/$defs/{etype}"})
        defs[group[:-1]] = {"oneOf": variants}
    params = {}
    for p in BY_NAME.values():
        kind = _PARAM_UNIT_KINDS.get(p.unit)
        number = {"type": "number", "minimum": p.limits[0]}
        if math.isfinite(p.limits[1]):
            number["maximum"] = p.limits[1]
        entry = {"description": f"{p.description} [{p.unit}; plausible {p.bounds[0]:g} to "
                 f"{p.bounds[1]:g}; default {p.default:g}]"}
        if kind:
            entry["anyOf"] = [number, _quantity_schema(Field(p.name, kind, ""))]
        else:
            entry.update(number)
        params[p.name] = entry
    states = {s: {"type": "number", "minimum": 0, "description": model.VARIABLES[s][1]}
              for s in model.STATES}
    top_props: dict[str, Any] = {}
    for f in TOP_LEVEL:
        if f.name == "parameters":
            s = {"type": "object", "properties": params, "additionalProperties": False}
        elif f.name == "initial":
            s = {"type": "object", "properties": states, "additionalProperties": False}
        elif f.name in ("insults", "interventions"):
            s = {"type": "array", "items": {"$ref": f"#/$defs/{f.name[:-1]}"}}
        elif f.name == "tags":
            s = {"type": "array", "items": {"type": "string"}}
        elif f.name == "effects":
            s = _object(_EFFECT_FIELDS)
        elif f.name == "solver":
            s = _object(_SOLVER_FIELDS)
        elif f.name == "expect":
            s = _object([fx for fx, _, _ in EXPECT.values()])
        elif f.name == "sweep":
            spec = {"anyOf": [{"type": "string"}, {"type": "number"},
                              {"type": "array", "items": {"anyOf": [
                                  {"type": "string"}, {"type": "number"}, {"type": "boolean"}]}}]}
            s = _object([fx for fx in SWEEP_FIELDS if fx.name != "vary"],
                        {"vary": {"type": "object", "additionalProperties": spec,
                                  "description": SWEEP_FIELDS[0].description}})
            s["required"] = ["vary"]
        elif f.name == "cohort":
            s = _cohort_schema()
        else:
            s = _field_schema(f)
        s["description"] = f.description
        top_props[f.name] = s
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://livermodel.readthedocs.io/scenario.schema.json",
        "title": "livermodel scenario",
        "description": "A livermodel scenario file (see docs/scenarios.md). Generated by "
                       "livermodel.scenario.json_schema(); do not edit by hand.",
        "type": "object",
        "properties": top_props,
        "additionalProperties": False,
        "$defs": defs,
    }


def json_schema_text() -> str:
    """:func:`json_schema` as the exact text of ``docs/scenario.schema.json``."""
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"
