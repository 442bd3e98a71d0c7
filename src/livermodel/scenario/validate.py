"""Validation of a scenario document against the field tables: one :class:`_Validator` collects
values with their locations and raises errors that name file, line, key, what was expected and a
suggestion.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from typing import NoReturn

from livermodel.errors import (
    LivermodelError,
    ParameterError,
    ScenarioError,
    ScheduleError,
    UnitError,
    did_you_mean,
)
from livermodel.model.parameters import BY_NAME, NAMES, check_value
from livermodel.model.schedule import (
    EV,
    MSC,
    NAC,
    Acetaminophen,
    Antidote,
    Chronic,
    Galactosamine,
    Hepatectomy,
    InflammatoryHit,
    Toxin,
)
from livermodel.scenario.fields import _MISSING, _NUMBER_RE, _PARAM_UNIT_KINDS, EVENTS, SWEEP_FIELDS, Field
from livermodel.scenario.reader import Location, Path_, _dotted
from livermodel.units import UNITS, parse_quantity

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
            return {"source": self.default_source, "line": None, "column": None, "key": _dotted(path) or None}
        line, col = (loc.key_line, loc.key_column) if at_key else (loc.line, loc.column)
        return {"source": loc.source, "line": line, "column": col, "key": _dotted(path) or None}

    def fail(self, cls, message, path, *, at_key=False, **kw) -> NoReturn:
        raise cls(message, **self.where(path, at_key), **kw)

    def relocate(self, err: LivermodelError, path: Path_) -> NoReturn:
        """Re-raise ``err`` (raised without a location) at ``path``."""
        raise type(err)(
            err.message, **self.where(path), expected=err.expected, found=err.found, suggestion=err.suggestion
        ) from None

    def warn(self, message: str, path: Path_):
        w = self.where(path)
        pos = f"{w['source']}:{w['line']}:{w['column']}" if w["line"] else w["source"]
        text = f"{pos}: {w['key']}: {message}" if w["key"] else f"{pos}: {message}"
        self.warnings.append(text)

    # --- generic ---------------------------------------------------------------------------
    def mapping(self, value, path: Path_, fields: Iterable[Field] | None = None, what="keys"):
        if not isinstance(value, dict):
            names = ", ".join(f.name for f in fields) if fields else what
            self.fail(
                ScenarioError,
                "expected a mapping of keys",
                path,
                expected=f"a mapping ({names})",
                found=_describe(value),
            )
        if fields is not None:
            allowed = [f.name for f in fields]
            for key in value:
                if key not in allowed:
                    self.fail(
                        ScenarioError,
                        f"unknown key '{key}'",
                        (*path, key),
                        at_key=True,
                        expected=f"one of {', '.join(allowed)}",
                        found=repr(key),
                        suggestion=did_you_mean(key, allowed),
                    )
            for f in fields:
                if f.required and value.get(f.name) is None:
                    self.fail(
                        ScenarioError,
                        f"missing required key '{f.name}'",
                        path,
                        at_key=True,
                        expected=f"{f.name}: {f.description}",
                        found="no such key",
                    )
        return value

    def value(self, f: Field, raw, path: Path_):
        """Convert and check one value against its field."""
        if raw is None:
            return f.default if f.default is not _MISSING else None
        kind = f.kind
        if kind != "integer":
            _check_size(self, raw, path)
        if kind in UNITS:
            if f.unit_required and not isinstance(raw, str) and not isinstance(raw, bool):
                internal = UNITS[kind][0]
                example = {"mass_dose": "300 mg/kg", "cell_dose": "1e6 cells/kg", "ev_dose": "100 ug/kg"}[
                    kind
                ]
                self.fail(
                    UnitError,
                    "a dose needs its unit",
                    path,
                    expected=f"a number with a unit, e.g. '{example}' (internal unit {internal})",
                    found=repr(raw),
                )
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
                self.fail(ScenarioError, "expected a number", path, expected="a number", found=_describe(raw))
            return self.bounds(f, float(raw), path)
        if kind == "integer":
            if isinstance(raw, str) and _NUMBER_RE.match(raw):
                raw = float(raw)  # '4e12' (YAML reads an exponent without a dot as text)
            if isinstance(raw, float) and raw.is_integer():
                raw = int(raw)
            if isinstance(raw, bool) or not isinstance(raw, int):
                self.fail(
                    ScenarioError,
                    "expected a whole number",
                    path,
                    expected="an integer",
                    found=_describe(raw),
                )
            return int(self.bounds(f, raw, path))
        if kind == "bool":
            if not isinstance(raw, bool):
                self.fail(
                    ScenarioError,
                    "expected true or false",
                    path,
                    expected="true or false",
                    found=_describe(raw),
                )
            return raw
        if kind == "string":
            if not isinstance(raw, str):
                self.fail(ScenarioError, "expected text", path, expected="a string", found=_describe(raw))
            return raw
        if kind == "choice":
            if not isinstance(raw, str) or raw not in f.choices:
                self.fail(
                    ScenarioError,
                    f"unknown {f.name} {raw!r}",
                    path,
                    expected=f"one of {', '.join(f.choices)}",
                    found=repr(raw),
                    suggestion=_choice_hint(raw, f.choices),
                )
            return raw
        raise AssertionError(kind)  # pragma: no cover

    def bounds(self, f: Field, number, path):
        unit = UNITS[f.kind][0] if f.kind in UNITS else ""
        if unit == "1":  # a dimensionless fraction: no unit to show
            unit = ""
        if isinstance(number, int) and len(str(abs(number))) > 20:
            show = f"a {len(str(abs(number)))}-digit number"
        else:
            show = f"{number:g} {unit}".strip()
        if f.minimum is not None and (number < f.minimum or (f.strict and number == f.minimum)):
            op = ">" if f.strict else ">="
            self.fail(
                ScheduleError if f.kind in UNITS or f.kind == "number" else ScenarioError,
                f"{f.name} must be {op} {f.minimum:g}",
                path,
                expected=f"{f.name} {op} {f.minimum:g} {unit}".rstrip(),
                found=show,
            )
        if f.maximum is not None and (number > f.maximum or (f.strict and number == f.maximum)):
            op = "<" if f.strict else "<="
            self.fail(
                ScheduleError if f.kind in UNITS or f.kind == "number" else ScenarioError,
                f"{f.name} must be {op} {f.maximum:g}",
                path,
                expected=f"{f.name} {op} {f.maximum:g} {unit}".rstrip(),
                found=show,
            )
        return number

    def fields(self, raw: dict, path: Path_, fields: Iterable[Field]) -> dict:
        return {f.name: self.value(f, raw.get(f.name), (*path, f.name)) for f in fields}


#: Words people write for a choice, and the choice they mean (checked before spelling).
_SYNONYMS = {
    "intravenous": "iv",
    "i.v.": "iv",
    "intravenously": "iv",
    "portal": "intraportal",
    "portal vein": "intraportal",
    "splenic": "intrasplenic",
    "spleen": "intrasplenic",
    "ip": "intraperitoneal",
    "i.p.": "intraperitoneal",
    "peritoneal": "intraperitoneal",
}


def _choice_hint(raw, choices) -> str | None:
    """ "Did you mean" for a choice: the same word in lower case, a synonym, or a close spelling."""
    word = str(raw).strip().lower()
    if word in choices:
        return f"Did you mean '{word}'?"
    if _SYNONYMS.get(word) in choices:
        return f"Did you mean '{_SYNONYMS[word]}' ({raw!s} is written '{_SYNONYMS[word]}')?"
    return did_you_mean(word, choices)


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


def _check_size(v: _Validator, raw, path: Path_) -> None:
    """Refuse a whole number too large for a float (a 400-digit value) before it is used."""
    if isinstance(raw, int) and not isinstance(raw, bool) and abs(raw) > 1e300:
        v.fail(
            ScenarioError,
            "this number is too large",
            path,
            expected="a number below 1e300",
            found=f"a {len(str(abs(raw)))}-digit number",
        )


def _check_parameter(v: _Validator, name: str, raw, path: Path_) -> float:
    _check_size(v, raw, path)
    if name not in BY_NAME:
        v.fail(
            ParameterError,
            f"unknown parameter '{name}'",
            path,
            at_key=True,
            expected="a name from the parameter table (see 'livermodel params')",
            found=repr(name),
            suggestion=did_you_mean(name, NAMES),
        )
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
                v.fail(
                    UnitError,
                    f"'{name}' is in {par.unit}",
                    path,
                    expected=f"a number in {par.unit}",
                    found=repr(raw),
                )
            raw = float(m.group(1))
    elif isinstance(raw, str):
        raw = float(raw)
    if isinstance(raw, bool) or not isinstance(raw, (int, float)):
        v.fail(
            ParameterError,
            f"parameter '{name}' needs a number",
            path,
            expected=f"a number in {par.unit}",
            found=_describe(raw),
        )
    try:
        value = check_value(name, raw, key=_dotted(path))
    except ParameterError as err:
        v.relocate(err, path)
    lo, hi = par.bounds
    if not lo <= value <= hi:
        v.warn(f"{value:g} {par.unit} is outside the plausible range {lo:g} to {hi:g} of '{name}'", path)
    return value


def _build_event(v: _Validator, raw, path: Path_, group: str, duration: float):
    allowed = [t for t, (g, _, _) in EVENTS.items() if g == group]
    v.mapping(raw, path, what="type and its keys")
    etype = raw.get("type")
    if etype is None:
        v.fail(
            ScenarioError,
            "an event needs a type",
            path,
            at_key=True,
            expected=f"type: one of {', '.join(allowed)}",
            found="no type key",
        )
    if etype not in allowed:
        other = [g for t, (g, _, _) in EVENTS.items() if t == etype]
        hint = f"'{etype}' belongs under '{other[0]}:'" if other else did_you_mean(str(etype), allowed)
        v.fail(
            ScenarioError,
            f"unknown {group[:-1]} type {etype!r}",
            (*path, "type"),
            expected=f"one of {', '.join(allowed)}",
            found=repr(etype),
            suggestion=hint,
        )
    _, fields, _ = EVENTS[etype]
    v.mapping(raw, path, (Field("type", "string", ""), *fields))
    vals = v.fields(raw, path, fields)
    if "count" in vals:
        if vals["every"] is not None and vals["count"] == 1:
            v.fail(
                ScheduleError,
                "'every' repeats a dose, so it needs a count above 1",
                (*path, "every"),
                expected="count: 2 or more next to every",
                found="count 1 (the default)",
            )
        if vals["count"] > 1 and vals["every"] is None:
            v.fail(
                ScheduleError,
                "repeated doses need an interval",
                (*path, "count"),
                expected="every: a time > 0 next to count",
                found="no every",
            )
    start_key = "start" if etype == "chronic" else "at"
    start = vals[start_key]
    if start >= duration:
        v.fail(
            ScheduleError,
            f"this {etype} starts at or after the end of the run",
            (*path, start_key),
            expected=f"{start_key} < duration ({duration:g} h)",
            found=f"{start:g} h",
        )
    if vals.get("count", 1) > 1:
        last = start + (vals["count"] - 1) * vals["every"]
        if last >= duration:
            late = sum(1 for k in range(vals["count"]) if start + k * vals["every"] >= duration)
            v.warn(
                f"{late} of {vals['count']} doses fall after the end of the run ({duration:g} h)",
                (*path, "count"),
            )
    ctor = {
        "hepatectomy": lambda d: Hepatectomy(d["at"], d["fraction"]),
        "toxin": lambda d: Toxin(d["at"], d["dose"], d["every"], d["count"]),
        "acetaminophen": lambda d: Acetaminophen(d["at"], d["dose"], d["every"], d["count"]),
        "galactosamine": lambda d: Galactosamine(d["at"], d["dose"]),
        "nac": lambda d: NAC(d["at"], d["regimen"]),
        "inflammation": lambda d: InflammatoryHit(d["at"], d["amount"]),
        "chronic": lambda d: Chronic(
            d["start"], d["end"] if d["end"] is not None else duration, d["rate"], d["every"], d["pulse"]
        ),
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
    from livermodel.metrics import METRICS
    from livermodel.scenario.blocks import parse_spec

    path = ("sweep",)
    v.mapping(raw, path, SWEEP_FIELDS)
    vals = v.fields(raw, path, [f for f in SWEEP_FIELDS if f.name != "vary"])
    vary = v.mapping(raw["vary"], (*path, "vary"), what="key.path: SPEC")
    if not vary:
        v.fail(
            ScenarioError,
            "a sweep needs at least one key to vary",
            (*path, "vary"),
            expected="key.path: SPEC, e.g. 'interventions.0.at: 0:48h:9'",
            found="nothing",
        )
    out_vary = {}
    for key, spec in vary.items():
        if isinstance(spec, bool) or not isinstance(spec, (str, list, int, float)):
            v.fail(
                ScenarioError,
                "a SPEC is text such as '0:48h:9' or a list of values",
                (*path, "vary", key),
                found=_describe(spec),
            )
        try:
            parse_spec(spec, key=f"sweep.vary.{key}", sampled=vals["design"] != "grid")
        except LivermodelError as err:
            v.relocate(err, (*path, "vary", key))
        out_vary[str(key)] = list(spec) if isinstance(spec, list) else spec
    if vals["metric"] not in METRICS:
        v.fail(
            ScenarioError,
            f"unknown metric '{vals['metric']}'",
            (*path, "metric"),
            expected=f"one of {', '.join(METRICS)}",
            found=repr(vals["metric"]),
            suggestion=did_you_mean(vals["metric"], METRICS),
        )
    if vals["design"] != "grid" and vals["samples"] is None:
        v.fail(
            ScenarioError,
            f"a {vals['design']} design needs a number of samples",
            path,
            at_key=True,
            expected="samples: N",
            found="no samples key",
        )
    out = {"vary": out_vary}
    out.update({k: val for k, val in vals.items() if val is not None})
    return out


def _build_cohort(v: _Validator, raw) -> dict:
    """Check the ``cohort:`` block (see :func:`livermodel.studies.cohort.parse_cohort_block`)."""
    from livermodel.scenario.blocks import parse_cohort_block

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
