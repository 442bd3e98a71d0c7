"""explain: the equations as data, checked against the model so that they cannot drift."""

import re

import numpy as np
import pytest
from typer.testing import CliRunner

from livermodel import model
from livermodel.cli.app import app
from livermodel.model.parameters import BY_NAME, NAMES, PARAMETERS
from livermodel.teach import explain

TOKEN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def invoke(*args):
    """Run a command in-process on the real app (so the wiring in livermodel.cli is tested too)."""
    return CliRunner().invoke(app, [str(a) for a in args])


def _parameters_read_by_rhs() -> set[str]:
    """Parameters whose change changes a rate constant of the right-hand side."""
    base = {p.name: np.array([p.default]) for p in PARAMETERS}
    base["body_weight"] = np.array([70.0])  # at the rat's weight the exposure exponent acts on 1
    d0 = model.derived(base)
    used = set()
    for p in PARAMETERS:
        changed = dict(base)
        changed[p.name] = np.array([p.default * 1.37 + 0.011])
        d1 = model.derived(changed)
        if any(not np.allclose(d0[k], d1[k]) for k in d0):
            used.add(p.name)
    return used


def test_every_state_has_one_equation():
    assert [eq.name for eq in explain.EQUATIONS] == list(model.STATES)


def test_equations_name_exactly_the_parameters_the_model_reads():
    in_text = explain.parameters_in_equations()
    assert in_text <= set(NAMES)
    # everything the right-hand side reads is explained by a term (time_scale divides the rates)
    assert _parameters_read_by_rhs() == in_text | {"time_scale"}
    # the rest act when a dose is given, and say so
    assert set(NAMES) == in_text | set(explain.OTHER_PARAMETERS)


def test_each_term_lists_the_parameters_in_its_expression():
    for eq in explain.all_equations():
        for t in eq.terms:
            named = {w for w in TOKEN.findall(t.expression) if w in BY_NAME}
            assert named == set(t.parameters), (eq.name, t.expression)


def test_time_scaling_is_stated_where_the_model_applies_it():
    for eq in explain.all_equations():
        for t in eq.terms:
            scaled = any(BY_NAME[p].scales_with_time for p in t.parameters)
            assert scaled == ("divided by time_scale" in t.meaning), (eq.name, t.expression)


def test_raising_text_and_mechanisms_cover_the_table():
    assert set(explain.RAISING) == set(NAMES)
    for needed in (
        "hepatostat",
        "priming",
        "overload",
        "inflammation",
        "toxin",
        "enzymes",
        "msc",
        "ev",
        "survival",
    ):
        m = explain.MECHANISMS[needed]
        assert set(m.parameters) <= set(NAMES)
        for e in m.equations:
            explain.equation(e)  # raises if unknown
    assert explain.check_mechanism("failure threshold").name == "overload"


def test_parameter_demo_shows_what_raising_does():
    demo = explain.parameter_demo("critical_mass")
    lo, base, hi = demo["metrics"]
    assert demo["scenario"] == "rat-phx-70" and demo["values"] == [0.1, 0.15, 0.35]
    assert lo["mode"] == base["mode"] == "normal"
    assert hi["mode"] == "failure"  # "raises the failure threshold": 30 % remnant now fails


def test_cli_equations_parameter_mechanism():
    res = invoke("explain", "--equations")
    assert res.exit_code == 0, res.output
    for name in model.STATES:
        assert f"{name}:" in res.output
    res = invoke("explain", "toxin_ec50", "--no-demo")
    assert res.exit_code == 0, res.output
    assert "mg/kg" in res.output and "rat 600, mouse 150, human 150" in res.output
    assert "McGill" in res.output and "raising it" in res.output
    res = invoke("explain", "--mechanism", "hepatostat")
    assert res.exit_code == 0 and "set_point" in res.output and "Try:" in res.output
    res = invoke("explain")
    assert res.exit_code == 0 and "survival" in res.output


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["explain", "set_pont"], "set_point"),
        (["explain", "--mechanism", "magic"], "hepatostat"),
        (["explain", "critical_mass", "--equations"], "one of"),
    ],
)
def test_cli_mistakes_exit_2(args, fragment):
    res = invoke(*args)
    assert res.exit_code == 2, res.output
    assert "error:" in res.output and fragment in res.output and "Traceback" not in res.output
