"""A steady state of the exported model (``export --steady-state``): without the two path
integrals (which have no steady state of their own) libRoadRunner's Newton solver finds both
basins and COPASI the regenerated liver's equilibrium where the equations put it
(docs/interop.md, "Steady states")."""

from __future__ import annotations

import locale

import numpy as np
import pytest

from livermodel.interop.sbml import check_document, sbml_text
from livermodel.interop.sbml_terms import READOUT_ASSIGNMENTS, READOUT_RATES
from livermodel.scenario.scenario import load_scenario

pytest.importorskip("libsbml")


def test_the_steady_state_export_leaves_out_the_path_integrals_and_writes_their_rates():
    import libsbml

    text = sbml_text(load_scenario("rat-phx-70"), steady_state=True)
    assert check_document(text) == []
    model = libsbml.readSBMLFromString(text).getModel()
    rate_rules = {
        model.getRule(i).getVariable() for i in range(model.getNumRules()) if model.getRule(i).isRate()
    }
    assigned = {
        model.getRule(i).getVariable() for i in range(model.getNumRules()) if model.getRule(i).isAssignment()
    }
    for state, rate in READOUT_RATES.items():
        assert model.getParameter(state) is None and state not in rate_rules
        assert rate in assigned
    assert not set(READOUT_ASSIGNMENTS) & assigned
    assert len(rate_rules) == 23  # the 25 states of livermodel less the two hazards
    full = libsbml.readSBMLFromString(sbml_text(load_scenario("rat-phx-70"))).getModel()
    assert full.getParameter("cumulative_hazard") is not None  # the default export keeps them


def test_leaving_out_the_hazards_changes_no_other_trajectory():
    """Nothing depends on the two path integrals: libRoadRunner gives the same course of every
    other state from the full and the steady-state export, and the hazard rate is the slope of
    the full export's cumulative hazard."""
    roadrunner = pytest.importorskip("roadrunner")
    sc = load_scenario("rat-phx-90", ["duration=96h"])
    runs = {}
    for steady in (False, True):
        rr = roadrunner.RoadRunner(sbml_text(sc, steady_state=steady))
        rr.integrator.relative_tolerance = 1e-10
        rr.integrator.absolute_tolerance = 1e-12
        names = ["time", "liver_function", "inflammation", "alt_u_per_l"]
        names += ["hazard_rate"] if steady else ["cumulative_hazard"]
        runs[steady] = rr.simulate(0, 96, 961, selections=names)
    full, steady = runs[False], runs[True]
    for name in ("liver_function", "inflammation", "alt_u_per_l"):
        scale = max(1.0, float(np.max(np.abs(full[name]))))
        assert np.max(np.abs(full[name] - steady[name])) < 1e-8 * scale
    slope = np.gradient(full["cumulative_hazard"], full["time"])
    assert np.max(np.abs(slope[5:-5] - steady["hazard_rate"][5:-5])) < 1e-3 * float(np.max(slope))


def test_roadrunner_newton_solves_both_basins_of_the_steady_state_export():
    """libRoadRunner's KINSOL Newton solver ("newton", with its default 5 h presimulation) from the
    model's own start: after a 90 %
    resection it finds the failed liver (function 0, the hazard at its ceiling, the rate livermodel's
    cumulative hazard grows at), which the full export cannot have as a steady state because its
    hazard keeps growing; a healthy liver rests inside the hepatostat's band, between
    S (1 - threshold / M) and the set point S, with every rate below 1e-8 per hour."""
    roadrunner = pytest.importorskip("roadrunner")
    sc = load_scenario("rat-phx-90", ["duration=400h", "output_step=1h"])
    full = roadrunner.RoadRunner(sbml_text(sc))
    full.setSteadyStateSolver("newton")
    full.getSteadyStateSolver().setValue("allow_approx", False)  # no long integration as a fallback
    with pytest.raises(RuntimeError):
        full.steadyState()
    rr = roadrunner.RoadRunner(sbml_text(sc, steady_state=True))
    rr.setSteadyStateSolver("newton")
    assert rr.steadyState() < 1e-9  # the norm of the rates at the solution
    ours = sc.run()
    slope = ours["cumulative_hazard"][-1] - ours["cumulative_hazard"][-2]  # per 1 h step
    assert rr["liver_function"] == pytest.approx(0.0, abs=1e-9)
    assert rr["hazard_rate"] == pytest.approx(slope, rel=1e-5)  # livermodel's rtol 1e-6, one step

    healthy = load_scenario("healthy")
    p = healthy.parameters
    rr = roadrunner.RoadRunner(sbml_text(healthy, steady_state=True))
    rr.setSteadyStateSolver("newton")
    rr.steadyState()
    low = p["set_point"] * (1.0 - p["priming_threshold"] / p["metabolic_load"])
    assert low - 1e-9 <= rr["liver_function"] <= p["set_point"] + 1e-9
    assert np.max(np.abs(rr.getRatesOfChange())) < 1e-8


def test_copasi_finds_the_hepatostat_equilibrium_of_a_healthy_liver():
    """Division stops where the growth signal M (1 - function / S) falls to the priming
    threshold, so a healthy liver rests at function = S (1 - threshold / M), a little below the
    set point (docs/interop.md): COPASI's steady-state task lands there."""
    basico = pytest.importorskip("basico")
    sc = load_scenario("healthy")
    p = sc.parameters
    expected = p["set_point"] * (1.0 - p["priming_threshold"] / p["metabolic_load"])
    saved = locale.setlocale(locale.LC_ALL)  # importing COPASI sets the C locale ...
    try:
        model = basico.load_model_from_string(sbml_text(sc, steady_state=True))
        try:
            status = basico.run_steadystate(model=model)
            values = basico.get_parameters(model=model)["value"]
        finally:
            basico.remove_datamodel(model)
    finally:
        locale.setlocale(locale.LC_ALL, saved)  # ... which must not leak into later tests
    assert status in (1, 2)  # COPASI's "found" and "found equilibrium"
    assert values["liver_function"] == pytest.approx(expected, abs=1e-6)
    assert abs(values["hazard_rate"]) < 1e-12
    # and a livermodel run that regrows from a 70 % resection approaches the same level
    long = load_scenario("rat-phx-70", ["duration=10000h", "output_step=100h"]).run()
    assert long["liver_function"][-1] == pytest.approx(expected, abs=1e-4)
    assert np.all(np.diff(long["liver_function"][-20:]) >= -1e-9)  # from below, still rising


def test_steady_state_is_refused_for_petab(tmp_path):
    from typer.testing import CliRunner

    from livermodel.cli import app

    out = CliRunner().invoke(
        app,
        [
            "export",
            "rat-phx-70",
            "--format",
            "petab",
            "--data",
            "rat_phx70_volume",
            "--params",
            "division_rate",
            "--steady-state",
            "-o",
            str(tmp_path / "p"),
        ],
    )
    assert out.exit_code == 2
    assert "only an SBML export has a steady-state variant" in out.output
