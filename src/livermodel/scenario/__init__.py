"""Scenario files: reading YAML with file:line positions (:mod:`.reader`), the format as tables
(:mod:`.fields`), ``--set`` overrides (:mod:`.overrides`), validation (:mod:`.validate`), the
:class:`Scenario` object (:mod:`.scenario`), the library (:mod:`.library`), the JSON Schema
(:mod:`.schema`) and the formats of the ``sweep:`` and ``cohort:`` blocks (:mod:`.blocks`).

The public names are re-exported here: ``from livermodel.scenario import load_scenario``.
"""

from livermodel.scenario.fields import (
    DEFAULT_CHRONIC_RATE,
    EVENTS,
    EXPECT,
    SWEEP_DESIGNS,
    SWEEP_FIELDS,
    TOP_LEVEL,
    ScenarioWarning,
)
from livermodel.scenario.library import LibraryEntry, list_library
from livermodel.scenario.overrides import apply_overrides, parse_override
from livermodel.scenario.reader import find_scenario, library_path
from livermodel.scenario.scenario import (
    RunInputs,
    Scenario,
    build_scenario,
    check_expectations,
    load_scenario,
    parse_scenario,
)
from livermodel.scenario.schema import json_schema, json_schema_text

__all__ = [
    "Scenario",
    "ScenarioWarning",
    "LibraryEntry",
    "RunInputs",
    "load_scenario",
    "parse_scenario",
    "apply_overrides",
    "parse_override",
    "check_expectations",
    "json_schema",
    "json_schema_text",
    "library_path",
    "list_library",
    "find_scenario",
    "TOP_LEVEL",
    "EVENTS",
    "EXPECT",
    "DEFAULT_CHRONIC_RATE",
    "build_scenario",
    "SWEEP_FIELDS",
    "SWEEP_DESIGNS",
]
