"""The JSON Schema of scenario files, generated from the field tables in
:mod:`livermodel.scenario.fields`.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from typing import Any

from livermodel import model
from livermodel.model.parameters import BY_NAME, NAMES
from livermodel.scenario.fields import (
    _EFFECT_FIELDS,
    _MISSING,
    _PARAM_UNIT_KINDS,
    _SOLVER_FIELDS,
    EVENTS,
    EXPECT,
    SWEEP_FIELDS,
    TOP_LEVEL,
    Field,
)
from livermodel.units import UNITS

# ---------------------------------------------------------------------------------------------
# JSON Schema, generated from the tables above
# ---------------------------------------------------------------------------------------------

_NUM = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"


def _number_pattern(f: Field) -> str:
    """Regex of a number as text; unsigned when the field cannot be negative."""
    return _NUM[len("[-+]?") :] if f.minimum is not None and f.minimum >= 0 else _NUM


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
    out: dict[str, Any] = {
        "type": "object",
        "properties": {f.name: _field_schema(f) for f in fields},
        "additionalProperties": False,
    }
    if extra:
        out["properties"].update(extra)
    req = [f.name for f in fields if f.required]
    if req:
        out["required"] = req
    return out


def _cohort_schema() -> dict:
    from livermodel.scenario.blocks import DISTRIBUTIONS

    dist = {
        "anyOf": [
            {"const": "fixed"},
            {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    "distribution": {"enum": list(DISTRIBUTIONS), "default": "lognormal"},
                    "sd": {
                        "type": "number",
                        "minimum": 0,
                        "description": "log-SD (lognormal) or SD as a fraction of the preset (normal)",
                    },
                    "low": {"type": "number", "minimum": 0, "description": "uniform: lowest multiplier"},
                    "high": {"type": "number", "minimum": 0, "description": "uniform: highest multiplier"},
                },
            },
        ]
    }
    return {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "size": {"type": "integer", "minimum": 1, "description": "Number of individuals."},
            "seed": {"type": "integer", "minimum": 0, "description": "Seed of the draw."},
            "variability": {
                "type": "number",
                "minimum": 0,
                "maximum": 3,
                "description": "Log-SD of the default log-normal variation (0.3 = about "
                "31 % coefficient of variation).",
            },
            "control": {"type": "string", "description": "Control scenario (path or library name)."},
            "vary": {
                "type": "array",
                "items": {"enum": list(NAMES)},
                "description": "Parameters to vary (replaces the default set).",
            },
            "parameters": {
                "type": "object",
                "propertyNames": {"enum": list(NAMES)},
                "additionalProperties": dist,
                "description": "Per-parameter distributions of the multiplier.",
            },
        },
    }


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
        number: dict[str, Any] = {"type": "number", "minimum": p.limits[0]}
        if math.isfinite(p.limits[1]):
            number["maximum"] = p.limits[1]
        entry: dict[str, Any] = {
            "description": f"{p.description} [{p.unit}; plausible {p.bounds[0]:g} to "
            f"{p.bounds[1]:g}; default {p.default:g}]"
        }
        if kind:
            entry["anyOf"] = [number, _quantity_schema(Field(p.name, kind, ""))]
        else:
            entry.update(number)
        params[p.name] = entry
    states = {s: {"type": "number", "minimum": 0, "description": model.VARIABLES[s][1]} for s in model.STATES}
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
            spec = {
                "anyOf": [
                    {"type": "string"},
                    {"type": "number"},
                    {
                        "type": "array",
                        "items": {"anyOf": [{"type": "string"}, {"type": "number"}, {"type": "boolean"}]},
                    },
                ]
            }
            s = _object(
                [fx for fx in SWEEP_FIELDS if fx.name != "vary"],
                {
                    "vary": {
                        "type": "object",
                        "additionalProperties": spec,
                        "description": SWEEP_FIELDS[0].description,
                    }
                },
            )
            s["required"] = ["vary"]
        elif f.name == "cohort":
            s = _cohort_schema()
        else:
            s = _field_schema(f)
        s["description"] = f.description
        top_props[f.name] = s
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
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
