"""Tests of livermodel.scenario: reading, validation messages, extends/overrides, schema."""

from __future__ import annotations

import json
import math
import os
import warnings
from pathlib import Path

import pytest
import yaml

import livermodel.errors as errors_module
from livermodel.errors import LivermodelError, ScenarioError, ScheduleError, UnitError
from livermodel.model.schedule import MSC, Chronic, Hepatectomy, Toxin
from livermodel.scenario.fields import DEFAULT_CHRONIC_RATE, ScenarioWarning
from livermodel.scenario.overrides import apply_overrides, parse_override
from livermodel.scenario.reader import find_scenario, library_path
from livermodel.scenario.scenario import load_scenario, parse_scenario
from livermodel.scenario.schema import json_schema, json_schema_text

HERE = Path(__file__).parent
BROKEN = HERE / "broken_scenarios"
ROOT = HERE.parent


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------------------------
# A valid file end to end
# --------------------------------------------------------------------------------------------

FULL = """\
name: full-example
description: every key once
tags: [demo]
species: mouse
duration: 2 wk
output_step: 30 min
parameters:
  death_sensitivity: 1.5
  toxin_clearance_rate: 2.4 /d
  alt_half_life: 1.5 d
initial:
  functional_mass: 0.9
insults:
  - type: hepatectomy
    at: 0 h
    fraction: 70 %
  - type: toxin
    at: 1 d
    dose: 0.3 g/kg
  - type: chronic
    start: 2 d
    end: 1 wk
    rate: 0.1 /d
    every: 3.5 d
  - type: inflammation
    at: 3 d
    amount: 0.5
interventions:
  - type: msc
    at: 6 h
    dose: 1e6 cells/kg
    route: intraportal
    every: 7 d
    count: 2
  - type: ev
    at: 6 h
    dose: 0.1 mg/kg
  - type: antidote
    at: 30 h
    end: 3 d
effects:
  anti_inflammatory: false
solver: {method: LSODA, rtol: 1e-7, atol: 1e-10, max_step: 2 h}
expect:
  failed: false
  recovered_by: 2 wk
"""


def test_full_example_converts_every_unit(tmp_path):
    sc = load_scenario(write(tmp_path, "full.yaml", FULL))
    assert sc.name == "full-example" and sc.species == "mouse" and sc.tags == ["demo"]
    assert sc.duration_h == 336.0 and sc.output_step_h == 0.5
    assert sc.parameter_overrides["toxin_clearance_rate"] == pytest.approx(0.1)
    assert sc.parameter_overrides["alt_half_life"] == pytest.approx(36.0)
    assert sc.parameter_overrides["anti_inflammatory_on"] == 0.0
    assert sc.parameters["anti_inflammatory_on"] == 0.0 and sc.parameters["anti_death_on"] == 1.0
    assert sc.parameters["time_scale"] == 1.5  # the mouse preset is applied underneath
    assert sc.initial == {"functional_mass": 0.9}
    kinds = [type(e).__name__ for e in sc.schedule.events]
    assert kinds == ["Hepatectomy", "Toxin", "Chronic", "InflammatoryHit", "MSC", "EV", "Antidote"]
    hx, tox, chronic, _, msc, ev, anti = sc.schedule.events
    assert hx.fraction == pytest.approx(0.7)
    assert tox.at == 24.0 and tox.dose == pytest.approx(300.0)
    assert (chronic.start, chronic.end, chronic.every) == (48.0, 168.0, 84.0)
    assert chronic.rate == pytest.approx(0.1 / 24)
    assert msc.dose == pytest.approx(1.0) and msc.route == "intraportal" and msc.count == 2
    assert ev.dose == pytest.approx(100.0)
    assert (anti.at, anti.end) == (30.0, 72.0)
    assert sc.settings.rtol == 1e-7 and sc.settings.max_step == 2.0
    assert sc.expect == {"failed": False, "recovered_by": 336.0}


def test_defaults(tmp_path):
    sc = load_scenario(write(tmp_path, "minimal.yaml", "insults:\n  - type: chronic\n"))
    assert sc.name == "minimal" and sc.species == "rat" and sc.description == ""
    assert sc.duration_h == 336.0 and sc.output_step_h == 1.0
    (chronic,) = sc.schedule.events
    assert chronic.rate == DEFAULT_CHRONIC_RATE and chronic.start == 0.0
    assert chronic.end == sc.duration_h and chronic.every is None
    assert sc.settings.method == "LSODA" and sc.settings.rtol == 1e-6
    assert sc.parameter_overrides == {} and sc.warnings == []


def test_scenario_runs_like_simulate(tmp_path):
    from livermodel.solve import simulate

    sc = load_scenario(
        write(
            tmp_path,
            "phx.yaml",
            "duration: 5 d\noutput_step: 2 h\ninsults:\n  - {type: hepatectomy, fraction: 0.7}\n",
        )
    )
    a = sc.run()
    b = simulate({}, [Hepatectomy(0.0, 0.7)], species="rat", duration=120, output_step=2)
    assert a.success and a.time_h[-1] == 120.0
    assert a["functional_mass"] == pytest.approx(b["functional_mass"], rel=1e-9)
    assert a.info["scenario"] == "phx" and a.info["scenario_sha256"] == sc.sha256


def test_round_trip_to_yaml_is_identical(tmp_path):
    sc = load_scenario(write(tmp_path, "full.yaml", FULL))
    again = parse_scenario(sc.to_yaml(), source="resolved")
    assert again.resolved == sc.resolved
    assert again.sha256 == sc.sha256
    assert again.schedule == sc.schedule
    assert again.parameters == sc.parameters
    assert again.initial == sc.initial and again.expect == sc.expect


def test_hash_changes_with_content_not_with_style(tmp_path):
    a = load_scenario(
        write(tmp_path, "a.yaml", "duration: 3 d\ninsults:\n  - {type: toxin, dose: 300 mg/kg}\n")
    )
    b = load_scenario(
        write(
            tmp_path,
            "b.yaml",
            "name: a\nduration: 72 h  # same\ninsults:\n  - type: toxin\n    dose: 0.3 g/kg\n    at: 0\n",
        )
    )
    c = load_scenario(
        write(tmp_path, "c.yaml", "name: a\nduration: 3 d\ninsults:\n  - {type: toxin, dose: 301 mg/kg}\n")
    )
    assert a.sha256 == b.sha256
    assert a.sha256 != c.sha256


def test_quoted_numbers_and_percentages(tmp_path):
    sc = load_scenario(
        write(
            tmp_path,
            "q.yaml",
            'duration: "48"\ninsults:\n'
            '  - {type: hepatectomy, fraction: "30 %"}\n'
            'parameters: {death_sensitivity: "2"}\n',
        )
    )
    assert sc.duration_h == 48.0
    assert sc.schedule.events[0].fraction == pytest.approx(0.3)
    assert sc.parameter_overrides["death_sensitivity"] == 2.0


def test_parameter_with_its_own_unit(tmp_path):
    sc = load_scenario(
        write(tmp_path, "u.yaml", "parameters:\n  alt_baseline: 40 U/L\n  toxin_ec50: 0.2 g/kg\n")
    )
    assert sc.parameter_overrides == {"alt_baseline": 40.0, "toxin_ec50": pytest.approx(200.0)}


# --------------------------------------------------------------------------------------------
# Warnings: plausible range versus hard limits
# --------------------------------------------------------------------------------------------


def test_out_of_plausible_range_warns_but_loads(tmp_path):
    path = write(tmp_path, "w.yaml", "parameters:\n  death_sensitivity: 5\n")
    with pytest.warns(
        ScenarioWarning,
        match=r"w\.yaml:2:22: parameters\.death_sensitivity: .*"
        r"outside the plausible range 0\.3 to 3",
    ):
        sc = load_scenario(path)
    assert sc.parameters["death_sensitivity"] == 5.0
    assert len(sc.warnings) == 1


def test_outside_hard_limits_is_an_error(tmp_path):
    path = write(tmp_path, "e.yaml", "parameters:\n  death_sensitivity: 500\n")
    with pytest.raises(errors_module.ParameterError, match=r"e\.yaml:2:22: .*impossible"):
        load_scenario(path)


def test_repeats_past_the_end_warn(tmp_path):
    path = write(
        tmp_path,
        "r.yaml",
        "duration: 10 d\ninterventions:\n  - type: msc\n    at: 0 h\n"
        "    dose: 1e6 cells/kg\n    every: 7 d\n    count: 4\n",
    )
    with pytest.warns(ScenarioWarning, match="2 of 4 doses fall after the end"):
        load_scenario(path)


def test_valid_file_gives_no_warning(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_scenario(write(tmp_path, "ok.yaml", FULL))


# --------------------------------------------------------------------------------------------
# The broken corpus: every file has its expected error in its header
# --------------------------------------------------------------------------------------------


def _header(path: Path) -> dict:
    out = {}
    for line in path.read_bytes().decode("utf-8", "replace").splitlines():
        if not line.startswith("# ") or ":" not in line:
            break
        k, _, v = line[2:].partition(":")
        out[k.strip()] = v.strip()
    return out


BROKEN_FILES = sorted(BROKEN.glob("*.yaml"))


def test_the_broken_corpus_is_large_enough():
    assert len(BROKEN_FILES) >= 30
    for path in BROKEN_FILES:
        assert {"error", "where", "key", "match"} <= set(_header(path)), path.name


@pytest.mark.parametrize("path", BROKEN_FILES, ids=[p.stem for p in BROKEN_FILES])
def test_broken_scenario_gives_its_message(path):
    h = _header(path)
    with pytest.raises(LivermodelError) as info:
        load_scenario(path)
    err = info.value
    assert type(err).__name__ == h["error"], str(err)
    assert isinstance(err, getattr(errors_module, h["error"]))
    text = str(err)
    origin = path.parent / h.get("file", path.name)
    line, col = h["where"].split(":")
    assert err.source == str(origin)
    assert err.line == int(line), text
    if col != "-":
        assert err.column == int(col), text
        assert text.startswith(f"{origin}:{line}:{col}: "), text
    else:
        assert text.startswith(f"{origin}:{line}: "), text
    if h["key"] != "-":
        assert err.key == h["key"], text
        assert f": {h['key']}: " in text
    for fragment in h["match"].split("|"):
        assert fragment in text, f"{fragment!r} not in {text!r}"
    assert "Traceback" not in text and "\n" not in text


def test_unknown_key_message_is_complete():
    path = BROKEN / "unknown-event-key.yaml"
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    err = info.value
    assert err.expected == "one of type, at, dose, every, count"
    assert err.found == "'doze'"
    assert err.suggestion == "Did you mean 'dose'?"


def test_a_bad_file_changes_nothing_on_disk(tmp_path):
    for path in BROKEN_FILES[:5]:
        (tmp_path / path.name).write_bytes(path.read_bytes())
    before = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in tmp_path.rglob("*")}
    cwd_before = sorted(os.listdir(Path.cwd()))
    for path in sorted(tmp_path.glob("*.yaml")):
        with pytest.raises(LivermodelError):
            load_scenario(path)
    after = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in tmp_path.rglob("*")}
    assert before == after
    assert sorted(os.listdir(Path.cwd())) == cwd_before


def test_nothing_is_executed(tmp_path):
    marker = tmp_path / "pwned"
    text = f"name: !!python/object/apply:os.system ['touch {marker}']\n"
    with pytest.raises(ScenarioError, match="unsupported YAML tag"):
        load_scenario(write(tmp_path, "evil.yaml", text))
    assert not marker.exists()


def test_alias_bomb_is_refused(tmp_path):
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 8):
        prev = f"*a{i - 1}"
        lines.append(f"a{i}: &a{i} [{', '.join([prev] * 10)}]")
    lines.append("tags: *a7")
    with pytest.raises(ScenarioError, match="more than 100000 YAML nodes"):
        load_scenario(write(tmp_path, "bomb.yaml", "\n".join(lines) + "\n"))


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(ScenarioError, match="not found"):
        load_scenario(tmp_path / "nope.yaml")
    with pytest.raises(ScenarioError, match="directory"):
        load_scenario(tmp_path)


# --------------------------------------------------------------------------------------------
# extends and overrides: parent, then child, then overrides; lists replace
# --------------------------------------------------------------------------------------------

PARENT = """\
name: parent
description: the parent
tags: [p]
species: rat
duration: 10 d
parameters: {death_sensitivity: 1.5, repair_rate: 0.2}
effects: {anti_death: false}
insults:
  - {type: hepatectomy, fraction: 0.7}
  - {type: toxin, dose: 100 mg/kg}
interventions:
  - {type: msc, at: 6 h, dose: 1e6 cells/kg}
expect: {mode: normal}
"""

CHILD = """\
extends: parent.yaml
parameters: {death_sensitivity: 2.0}
insults:
  - {type: hepatectomy, fraction: 0.5}
"""


def test_child_over_parent(tmp_path):
    write(tmp_path, "parent.yaml", PARENT)
    sc = load_scenario(write(tmp_path, "child.yaml", CHILD))
    # scalars and mappings: child wins key by key, the parent's other keys stay
    assert sc.duration_h == 240.0 and sc.species == "rat" and sc.tags == ["p"]
    assert sc.parameter_overrides == {"death_sensitivity": 2.0, "repair_rate": 0.2, "anti_death_on": 0.0}
    # lists replace: one insult, not two or three
    assert sc.schedule.events[0] == Hepatectomy(0.0, 0.5)
    assert [type(e).__name__ for e in sc.schedule.events] == ["Hepatectomy", "MSC"]
    # name, description and expect are not inherited
    assert sc.name == "child" and sc.description == "" and sc.expect == {}


def test_overrides_win_over_child_and_parent(tmp_path):
    write(tmp_path, "parent.yaml", PARENT)
    child = write(tmp_path, "child.yaml", CHILD)
    sc = load_scenario(
        child,
        [
            "parameters.death_sensitivity=3",
            "insults.0.fraction=0.9",
            "interventions.0.at=24h",
            "species=mouse",
            "duration=5 d",
            "effects.anti_death=true",
        ],
    )
    assert sc.parameter_overrides["death_sensitivity"] == 3.0
    assert sc.parameter_overrides["repair_rate"] == 0.2
    assert sc.parameter_overrides["anti_death_on"] == 1.0
    assert sc.schedule.events[0] == Hepatectomy(0.0, 0.9)
    assert sc.schedule.events[1] == MSC(24.0, 1.0)
    assert sc.species == "mouse" and sc.duration_h == 120.0
    # later overrides win over earlier ones, and a mapping works like a list of strings
    sc2 = load_scenario(child, ["duration=5 d", "duration=6 d"])
    assert sc2.duration_h == 144.0
    sc3 = load_scenario(child, {"duration": "6 d", "insults.0.fraction": 0.9})
    assert sc3.duration_h == 144.0 and sc3.schedule.events[0].fraction == 0.9


def test_three_level_chain(tmp_path, monkeypatch):
    monkeypatch.setenv("LIVERMODEL_EXTENDS_PATH", str(tmp_path))  # ../ leaves sub/'s tree
    write(tmp_path, "parent.yaml", PARENT)
    write(tmp_path, "child.yaml", CHILD)
    (tmp_path / "sub").mkdir()
    grand = write(
        tmp_path / "sub",
        "grandchild.yaml",
        "extends: ../child.yaml\nparameters: {repair_rate: 0.3}\nduration: 4 d\n",
    )
    sc = load_scenario(grand)
    assert sc.parameter_overrides == {"death_sensitivity": 2.0, "repair_rate": 0.3, "anti_death_on": 0.0}
    assert sc.duration_h == 96.0 and sc.schedule.events[0].fraction == 0.5


def test_override_replacing_a_list_and_appending(tmp_path):
    write(tmp_path, "parent.yaml", PARENT)
    child = write(tmp_path, "child.yaml", CHILD)
    sc = load_scenario(child, ["interventions=[]"])
    assert [type(e).__name__ for e in sc.schedule.events] == ["Hepatectomy"]
    sc = load_scenario(child, ["insults.1={type: toxin, dose: 50 mg/kg}"])
    assert sc.schedule.events[1] == Toxin(0.0, 50.0)
    sc = load_scenario(child, ["interventions.1.type=antidote", "interventions.1.at=2 h"])
    assert sc.schedule.events[-1].at == 2.0


def test_errors_point_at_the_right_layer(tmp_path):
    write(tmp_path, "parent.yaml", PARENT.replace("repair_rate: 0.2", "repair_rate: 0.2 mg/kg"))
    child = write(tmp_path, "child.yaml", CHILD)
    with pytest.raises(UnitError) as info:
        load_scenario(child)
    assert info.value.source == str(tmp_path / "parent.yaml") and info.value.line == 6
    # an override that is wrong names the override, not a file line
    write(tmp_path, "parent.yaml", PARENT)
    with pytest.raises(ScheduleError) as info:
        load_scenario(child, ["insults.0.fraction=1.5"])
    assert info.value.source == "override 'insults.0.fraction=1.5'"
    assert info.value.key == "insults.0.fraction"
    # a child value that replaces the parent's is located in the child
    with pytest.raises(ScheduleError) as info:
        load_scenario(write(tmp_path, "c2.yaml", CHILD.replace("0.5}", "-0.5}")))
    assert info.value.source == str(tmp_path / "c2.yaml") and info.value.line == 4


@pytest.mark.parametrize(
    "bad, fragment",
    [
        ("no-equals-sign", "key.path=value"),
        ("=3", "needs a dotted key path"),
        ("insults.x.fraction=0.5", "addressed by its index"),
        ("insults.5.fraction=0.5", "list index out of range"),
        ("species.x=1", "inside a plain value"),
        ("extends=other.yaml", "extends cannot be overridden"),
        ("specis=mouse", "Did you mean 'species'"),
    ],
)
def test_bad_overrides(tmp_path, bad, fragment):
    write(tmp_path, "parent.yaml", PARENT)
    with pytest.raises(ScenarioError, match=fragment):
        load_scenario(write(tmp_path, "child.yaml", CHILD), [bad])


def test_parse_override_values():
    assert parse_override("a.b=0.9") == ("a.b", 0.9)
    assert parse_override("a=24h") == ("a", "24h")
    assert parse_override("a=true") == ("a", True)
    assert parse_override("a = [1, 2]") == ("a", [1, 2])
    assert parse_override("a=") == ("a", None)


def test_apply_overrides_does_not_touch_its_input():
    doc = {"insults": [{"type": "toxin", "dose": "1 mg/kg"}]}
    out = apply_overrides(doc, ["insults.0.dose=2 mg/kg", "parameters.repair_rate=0.2"])
    assert doc == {"insults": [{"type": "toxin", "dose": "1 mg/kg"}]}
    assert out == {"insults": [{"type": "toxin", "dose": "2 mg/kg"}], "parameters": {"repair_rate": 0.2}}


def test_null_means_default(tmp_path):
    write(tmp_path, "parent.yaml", PARENT)
    sc = load_scenario(write(tmp_path, "child.yaml", CHILD), ["parameters.repair_rate=null"])
    assert "repair_rate" not in sc.parameter_overrides


def test_parse_scenario_with_extends(tmp_path):
    write(tmp_path, "parent.yaml", PARENT)
    sc = parse_scenario(CHILD, base_dir=tmp_path, source="inline")
    assert sc.source == "inline" and sc.schedule.events[0].fraction == 0.5
    with pytest.raises(ScenarioError, match="inline:1:10: extends: .*does not exist"):
        parse_scenario("extends: nope.yaml\n", base_dir=tmp_path, source="inline")


# --------------------------------------------------------------------------------------------
# Library look-up and JSON Schema
# --------------------------------------------------------------------------------------------


def test_library_names_resolve():
    assert find_scenario("rat-phx-70") == library_path() / "rat-phx-70.yaml"
    with pytest.raises(ScenarioError, match="Did you mean 'rat-phx-70'"):
        find_scenario("rat-phx-7O")


def test_top_level_scenarios_folder_is_the_library():
    # the same files, byte for byte, whether the package is installed editable or not
    top = {p.name: p.read_bytes() for p in (ROOT / "scenarios").glob("*.yaml")}
    shipped = {p.name: p.read_bytes() for p in library_path().glob("*.yaml")}
    assert top and top == shipped


def test_committed_schema_is_the_generated_one():
    committed = (ROOT / "docs" / "scenario.schema.json").read_text(encoding="utf-8")
    assert committed == json_schema_text(), (
        "regenerate with: python -c 'from livermodel.scenario import json_schema_text as t; "
        'open("docs/scenario.schema.json","w").write(t())\''
    )


def _schema_accepts(schema, doc, root=None) -> bool:
    """A small JSON Schema check covering the keywords json_schema() uses."""
    import re

    root = root or schema
    if "$ref" in schema:
        name = schema["$ref"].split("/")[-1]
        return _schema_accepts(root["$defs"][name], doc, root)
    if "oneOf" in schema:
        return sum(_schema_accepts(s, doc, root) for s in schema["oneOf"]) == 1
    if "anyOf" in schema:
        return any(_schema_accepts(s, doc, root) for s in schema["anyOf"])
    if "const" in schema and doc != schema["const"]:
        return False
    if "enum" in schema and doc not in schema["enum"]:
        return False
    t = schema.get("type")
    if t == "object":
        if not isinstance(doc, dict):
            return False
        props = schema.get("properties", {})
        if schema.get("additionalProperties") is False and set(doc) - set(props):
            return False
        if set(schema.get("required", [])) - set(doc):
            return False
        return all(_schema_accepts(props[k], v, root) for k, v in doc.items() if k in props)
    if t == "array":
        return isinstance(doc, list) and all(_schema_accepts(schema["items"], v, root) for v in doc)
    if t in ("number", "integer"):
        if isinstance(doc, bool) or not isinstance(doc, (int, float)):
            return False
        if t == "integer" and not float(doc).is_integer():
            return False
        checks = {
            "minimum": doc >= schema.get("minimum", -math.inf),
            "maximum": doc <= schema.get("maximum", math.inf),
            "exclusiveMinimum": doc > schema.get("exclusiveMinimum", -math.inf),
            "exclusiveMaximum": doc < schema.get("exclusiveMaximum", math.inf),
        }
        return all(checks.values())
    if t == "string":
        return isinstance(doc, str) and re.search(schema.get("pattern", ""), doc) is not None
    if t == "boolean":
        return isinstance(doc, bool)
    return True


def test_schema_accepts_the_library_and_the_full_example():
    schema = json_schema()
    json.dumps(schema)
    assert _schema_accepts(schema, yaml.safe_load(FULL))
    for path in sorted(library_path().glob("*.yaml")):
        assert _schema_accepts(schema, yaml.safe_load(path.read_text())), path.name


@pytest.mark.parametrize(
    "name",
    [
        "unknown-top-key",
        "unknown-species",
        "negative-dose",
        "fraction-above-one",
        "unknown-unit",
        "dose-without-unit",
        "unknown-parameter",
        "unknown-insult-type",
        "unknown-event-key",
        "unknown-route",
        "solver-bad-method",
        "effect-not-bool",
        "unknown-expect",
        "missing-fraction",
        "count-not-integer",
    ],
)
def test_schema_rejects_what_the_validator_rejects(name):
    doc = yaml.safe_load((BROKEN / f"{name}.yaml").read_text())
    assert not _schema_accepts(json_schema(), doc)


def test_schema_knows_every_event_type_and_parameter():
    from livermodel.model.parameters import NAMES
    from livermodel.scenario.fields import EVENTS

    schema = json_schema()
    assert set(EVENTS) <= set(schema["$defs"])
    assert set(schema["properties"]["parameters"]["properties"]) == set(NAMES)


def test_expect_checks(tmp_path):
    from livermodel.scenario.scenario import check_expectations

    m = {
        "mode": "failure",
        "failed": True,
        "failure_time_h": 20.0,
        "recovery_time_h": None,
        "survival_probability": 0.01,
        "final_mass": 0.0,
        "nadir_mass": 0.0,
    }
    assert (
        check_expectations(
            {
                "mode": "failure",
                "failed_by": 24.0,
                "failed_after": 12.0,
                "not_recovered_by": 100.0,
                "survival_below": 0.05,
            },
            m,
        )
        == []
    )
    bad = check_expectations({"mode": "normal", "failed_by": 10.0, "recovered_by": 100.0}, m)
    assert len(bad) == 3 and bad[0].startswith("expect.mode")


def test_chronic_pulses_reach_the_schedule(tmp_path):
    sc = load_scenario(
        write(
            tmp_path,
            "c.yaml",
            "duration: 7 d\ninsults:\n  - type: chronic\n"
            "    every: 2 d\n    pulse: 6 h\n    rate: 0.1 per d\n",
        )
    )
    (chronic,) = sc.schedule.events
    assert isinstance(chronic, Chronic) and chronic.rate == pytest.approx(0.1 / 24)
    assert (chronic.start, chronic.end, chronic.every, chronic.pulse) == (0.0, 168.0, 48.0, 6.0)
    assert len(sc.schedule.intervals()) == 4


def test_parameters_that_make_a_normal_liver_unstable_give_a_warning():
    text = "name: x\nspecies: rat\nduration: 2 d\nparameters:\n  critical_mass: 0.35\n  metabolic_load: 2.9\n"
    with pytest.warns(ScenarioWarning, match="normal liver is unstable"):
        sc = parse_scenario(text, source="unstable.yaml")
    assert any("unstable" in w for w in sc.warnings)
    assert sc.run().metrics()["failed"]


@pytest.mark.parametrize(
    "overrides",
    [
        {"parameters.death_sensitivity": 1.7},
        {"parameters.death_sensitivity": 2.0, "parameters.metabolic_load": 1.2},
        ["parameters.toxin_ec50=400", "parameters.msc_lung_half_life=9"],
        {"parameters.critical_mass": 0.34, "parameters.metabolic_load": 2.9},  # unstable: warns
        {"interventions.0.dose": "3e7 cells/kg"},
        {"interventions.0.at": "5 h", "parameters.death_sensitivity": 1.2},
        ["insults.0.at=1h", "interventions.0.route=intraportal"],
        {"interventions.0.every": "6 h", "interventions.0.count": 3},
        {"interventions.0.every": "200 h", "interventions.0.count": 9},  # doses after the end: warns
    ],
)
@pytest.mark.parametrize("name", ["fulminant-msc-early", "human-aclf-msc"])
def test_fast_overrides_equal_full_validation(overrides, name):
    from livermodel.scenario.scenario import build_scenario

    base = load_scenario(name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ScenarioWarning)
        try:
            full = build_scenario(base.resolved, overrides, source=base.source, name=base.name)
        except LivermodelError as err:  # not valid for this scenario: the same error either way
            with pytest.raises(LivermodelError) as fast_err:
                base.with_overrides(overrides)
            assert str(fast_err.value) == str(err)
            return
    fast = base.with_overrides(overrides)
    assert fast.parameters == full.parameters
    assert fast.parameter_overrides == full.parameter_overrides
    assert fast.resolved == full.resolved and list(fast.resolved) == list(full.resolved)
    assert fast.sha256 == full.sha256
    assert fast.schedule == full.schedule and fast.settings == full.settings
    assert any("unstable" in w for w in fast.warnings) == any("unstable" in w for w in full.warnings)
    assert any("after the end" in w for w in fast.warnings) == any(
        "after the end" in w for w in full.warnings
    )


def test_fast_path_leaves_units_and_bad_values_to_full_validation():
    base = load_scenario("fulminant-msc-early")
    with pytest.raises(LivermodelError, match="override 'interventions.0.dose'.*positive|dose"):
        base.with_overrides({"interventions.0.dose": "-1 cells/kg"})
    with pytest.raises(LivermodelError, match="Did you mean 'dose'"):
        base.with_overrides({"interventions.0.dos": "1e6 cells/kg"})
    base = load_scenario("rat-phx-70")
    assert base.with_overrides({"parameters.death_rate": "0.2 1/h"}).parameters["death_rate"] == 0.2
    with pytest.raises(LivermodelError, match="impossible"):
        base.with_overrides({"parameters.death_rate": -1})
    with pytest.raises(LivermodelError, match="Did you mean"):
        base.with_overrides({"parameters.death_rat": 0.1})


@pytest.mark.parametrize(
    "overrides",
    [
        {"parameters.death_sensitivity": 1.7, "interventions.0.dose": "3e7 cells/kg"},
        {"interventions.0.at": "5 h"},
        {"duration": "3 d", "parameters.death_sensitivity": 1.2},  # not a fast key: full path
    ],
)
def test_run_inputs_equal_the_overridden_scenario(overrides):
    base = load_scenario("fulminant-msc-early")
    inputs = base.run_inputs(overrides)
    full = base.with_overrides(overrides)
    assert inputs.parameters == full.parameters and inputs.schedule == full.schedule
    assert (inputs.duration_h, inputs.output_step_h, inputs.settings, inputs.initial) == (
        full.duration_h,
        full.output_step_h,
        full.settings,
        full.initial,
    )


FIVE_MISTAKES = """\
name: five
species: rat
duration: 14 d
insults:
  - type: hepatectomy
    at: 0 h
    fraction: 1.5
    colour: red
interventions:
  - type: msc
    at: 6 h
    dose: 1e6 cells/kg
    route: intravenous
  - type: ev
    at: 6 h
    dose: -5 ug/kg
parameters:
  set_pont: 2
"""


def test_validate_reports_every_independent_mistake_in_line_order(tmp_path):
    from typer.testing import CliRunner

    from livermodel.cli.app import app

    path = tmp_path / "five.yaml"
    path.write_text(FIVE_MISTAKES)
    res = CliRunner().invoke(app, ["validate", str(path)])
    assert res.exit_code == 2, res.output
    errors = [line for line in res.output.splitlines() if line.startswith("error:")]
    # fraction (line 7), colour (8), route (13), the EV dose (16), set_pont (18)
    lines = [int(e.split(":")[2]) for e in errors]
    assert lines == [7, 8, 13, 16, 18], res.output
    assert "(5 in all)" in res.output
    assert "Traceback" not in res.output


def test_validate_of_a_file_with_one_mistake_gives_one_error(tmp_path):
    from livermodel.scenario.all_errors import all_errors

    path = tmp_path / "one.yaml"
    path.write_text(FIVE_MISTAKES.split("interventions:")[0].replace("    colour: red\n", ""))
    _, errors = all_errors(path)
    assert [e.key for e in errors] == ["insults.0.fraction"]


def test_validate_of_an_event_type_that_is_not_a_string_reports_it(tmp_path):
    """A list or mapping as an event's ``type`` is reported, not a traceback (the stand-in
    lookup once used it as a dict key: TypeError, unhashable type; found by mypy)."""
    from livermodel.scenario.all_errors import all_errors

    path = tmp_path / "listed.yaml"
    path.write_text("name: listed\nspecies: rat\nduration: 2d\ninsults:\n  - type: [hepatectomy]\n")
    _, errors = all_errors(path)
    assert "insults.0.type" in [e.key for e in errors]


def test_shipped_schema_is_the_generated_one():
    from importlib.resources import files

    shipped = files("livermodel").joinpath("scenario.schema.json").read_text(encoding="utf-8")
    assert shipped == json_schema_text(), "regenerate src/livermodel/scenario.schema.json as docs/ above"


def test_runs_inputs_of_a_chunk_equal_each_point_s_own_inputs_or_error():
    """The batched inputs of a sweep chunk equal :meth:`run_inputs` point by point, in order:
    points sharing a dose share its schedule, a parameter outside its limits, a bad dose and a
    key off the fast path (duration) each give what that point alone gives."""
    base = load_scenario("fulminant-msc-early")
    points = [
        {"parameters.death_sensitivity": 0.5, "interventions.0.dose": "1e6 cells/kg"},
        {"parameters.death_sensitivity": 1.5, "interventions.0.dose": "1e6 cells/kg"},
        {"parameters.death_sensitivity": 1.5, "interventions.0.dose": "3e7 cells/kg"},
        {"parameters.death_sensitivity": -1.0, "interventions.0.dose": "1e6 cells/kg"},
        {"parameters.death_sensitivity": 1.0, "interventions.0.dose": "-1 cells/kg"},
        {"parameters.death_sensitivity": 1.2, "duration": "3 d"},
        {"parameters.death_sensitivity": True},
        {},
    ]
    got = base.runs_inputs(points)
    assert len(got) == len(points)
    for point, inputs in zip(points, got, strict=True):
        try:
            alone = base.run_inputs(point)
        except LivermodelError as err:
            assert isinstance(inputs, LivermodelError) and str(inputs) == str(err)
            continue
        assert inputs == alone
    assert got[0].schedule is got[1].schedule and got[0].schedule != got[2].schedule
    assert got[1].parameters["death_sensitivity"] == 1.5 and got[5].duration_h == 72.0
