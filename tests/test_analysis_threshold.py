"""Tipping points: k-section against a brute-force sweep, the boundary curve, bad input."""

import json

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from livermodel import LivermodelError, simulate_batch
from livermodel.cli.studies import register
from livermodel.output.studies import write_threshold
from livermodel.scenario.scenario import load_scenario
from livermodel.studies.threshold import find_threshold

TOL = 2e-3


@pytest.fixture(scope="module")
def phx():
    return load_scenario("rat-phx-70", ["output_step=2h", "duration=7d"])


@pytest.fixture(scope="module")
def critical(phx):
    return find_threshold(phx, "insults.0.fraction", spec="0.6:0.95", tol=TOL)


def brute_force(scenario, fractions, death_sensitivity=None):
    """Failure at every fraction, from one direct batch (no threshold code involved)."""
    from livermodel import Hepatectomy, Schedule

    params = dict(scenario.parameters)
    if death_sensitivity is not None:
        params["death_sensitivity"] = death_sensitivity
    batch = simulate_batch(
        [params] * len(fractions),
        [Schedule([Hepatectomy(at=0.0, fraction=float(f))]) for f in fractions],
        duration=scenario.duration_h,
        output_step=scenario.output_step_h,
    )
    return np.array([m["failed"] for m in batch.metrics()])


def test_rat_remnant_matches_brute_force_sweep(phx, critical):
    fractions = np.arange(0.70, 0.86, 0.001)
    failed = brute_force(phx, fractions)
    assert not failed[0] and failed[-1]
    flip = np.flatnonzero(failed)[0]
    lo, hi = fractions[flip - 1], fractions[flip]
    assert critical.status == "ok"
    assert critical.bracket[1] - critical.bracket[0] <= TOL
    # the true flip lies in [lo, hi] (width 0.001); the estimate within tol/2 of it
    assert lo - TOL / 2 - 1e-9 <= critical.critical_value <= hi + TOL / 2 + 1e-9
    assert (critical.outcome_low, critical.outcome_high) == (False, True)


def test_critical_remnant_in_the_published_range(critical):
    # model family of Furchtgott 2009 / Verma 2019: about 20-23 % remnant; rat 10-18 % (Tuczek)
    remnant = 1 - critical.critical_value
    assert 0.10 <= remnant <= 0.25


def test_fewer_runs_than_a_sweep_of_the_same_resolution(critical):
    assert critical.runs < (0.95 - 0.6) / TOL / 4
    assert critical.rounds <= 5


def test_critical_remnant_rises_with_death_sensitivity(phx):
    res = find_threshold(
        phx, "insults.0.fraction", spec="0.6:0.95", tol=TOL, along=("death_sensitivity", "0.5:3:6")
    )
    assert res.along_key == "parameters.death_sensitivity"
    crit = np.array([p.critical_value for p in res.curve])
    assert np.all(np.isfinite(crit))
    # a more death-sensitive (injured) liver needs a larger remnant: the critical resected
    # fraction falls monotonically (biology: the threshold moves with death sensitivity)
    assert np.all(np.diff(crit) < 0)
    # the curve point at the scenario's own value agrees with the single search
    single = find_threshold(phx, "insults.0.fraction", spec="0.6:0.95", tol=TOL)
    assert abs(single.critical_value - res.critical_value) <= TOL
    # and the brute-force check holds at an end of the curve too
    fractions = np.arange(0.70, 0.86, 0.002)
    failed = brute_force(phx, fractions, death_sensitivity=3.0)
    flip = fractions[np.flatnonzero(failed)[0]]
    assert abs(crit[-1] - flip) <= 0.002 + TOL


def test_numeric_metric_crossing_a_level(phx, critical):
    res = find_threshold(phx, "insults.0.fraction", spec="0.6:0.95", metric="final_mass", level=0.5, tol=TOL)
    assert abs(res.critical_value - critical.critical_value) <= 2 * TOL


def test_no_flip_is_reported_not_raised(phx):
    res = find_threshold(phx, "insults.0.fraction", spec="0.3:0.6", tol=0.01)
    assert res.critical_value is None
    assert "no flip" in res.status


@pytest.mark.parametrize(
    "kwargs,fragment",
    [
        ({"spec": "0.9:0.6"}, "LOW < HIGH"),
        ({"spec": "0.6:0.9", "metric": "final_mass"}, "level"),
        ({"spec": "0.6:0.9", "metric": "nonsense"}, "unknown metric"),
        ({"spec": "0.6,0.9"}, "range"),
    ],
)
def test_bad_input_raises(phx, kwargs, fragment):
    with pytest.raises(LivermodelError, match=fragment):
        find_threshold(phx, "insults.0.fraction", **kwargs)


def test_unknown_key_is_a_user_error(phx):
    with pytest.raises(LivermodelError, match="fraction"):
        find_threshold(phx, "insults.0.fractio", spec="0.6:0.9")


def test_output_folder_and_cli(tmp_path, critical):
    paths = write_threshold(tmp_path / "w", critical, formats="png")
    names = {p.name for p in paths}
    assert {"threshold.json", "threshold_points.csv", "threshold.png", "provenance.json"} <= names
    data = json.loads((tmp_path / "w" / "threshold.json").read_text())
    assert data["key"] == "insults.0.fraction" and data["metric"] == "failed"
    assert data["bracket"][0] <= data["critical_value"] <= data["bracket"][1]

    app = typer.Typer()
    register(app)
    app.callback()(lambda: None)
    runner = CliRunner()
    out = tmp_path / "cli"
    result = runner.invoke(
        app,
        [
            "threshold",
            "rat-phx-70",
            "--set",
            "output_step=4h",
            "--set",
            "duration=5d",
            "--vary",
            "insults.0.fraction=0.6:0.95",
            "--along",
            "interventions.0.at=0:6h:2",
            "--format",
            "none",
            "--out",
            str(out),
        ],
    )
    # the scenario has no interventions: a clear user error, exit 2
    assert result.exit_code == 2, result.output
    assert "error:" in result.output
    result = runner.invoke(
        app,
        [
            "threshold",
            "rat-phx-70",
            "--set",
            "output_step=4h",
            "--vary",
            "insults.0.fraction=0.6:0.95",
            "--along",
            "death_sensitivity=1,2",
            "--format",
            "none",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads((out / "threshold.json").read_text())
    assert len(data["curve"]) == 2 and data["along"]["key"] == "parameters.death_sensitivity"
