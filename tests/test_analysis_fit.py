"""Calibration: recovery of known parameters from synthetic data, the rat 70 % PHx data,
the calibrated scenario, bad data, the CLI."""

import json

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from livermodel import LivermodelError
from livermodel.cli.studies import register
from livermodel.output.studies import write_fit
from livermodel.scenario.scenario import load_scenario
from livermodel.solve import simulate
from livermodel.studies.fit import FitData, calibrated_scenario, data_path, fit, read_data


@pytest.fixture(scope="module")
def phx():
    return load_scenario("rat-phx-70")


def test_recovers_known_parameters_from_synthetic_data(phx):
    truth = {"division_rate": 0.1, "priming_rate": 0.12}
    times = np.array([6, 12, 24, 36, 48, 72, 96, 144, 200, 300.0])
    run = simulate({**phx.parameters, **truth}, phx.schedule, duration=phx.duration_h)
    rng = np.random.default_rng(5)
    mass_sd = 0.01
    mass = np.interp(times, run.time_h, run["total_mass"]) + rng.normal(0, mass_sd, times.size)
    prolif = np.interp(times, run.time_h, run["primed_fraction"])
    prolif_sd = np.full(times.size, 0.02 * prolif.max())
    prolif = prolif + rng.normal(0, prolif_sd)
    data = FitData(
        np.concatenate([times, times]),
        ["total_mass"] * times.size + ["primed_fraction"] * times.size,
        np.concatenate([mass, prolif]),
        np.concatenate([np.full(times.size, mass_sd), prolif_sd]),
        "synthetic",
    )
    res = fit(phx, data, list(truth))
    assert res.success
    for n, v in truth.items():
        lo, hi = res.ci[n]
        assert lo <= v <= hi, (n, res.estimates[n], res.ci[n])
        assert res.estimates[n] == pytest.approx(v, rel=0.15)
        assert hi / lo < 2  # informative intervals, not the whole range
    assert res.chi2 / res.dof < 3
    # the Jacobian is batched: a handful of solves, many runs each
    assert res.evaluations > res.solves


def test_rat_phx70_fit_lands_inside_the_sds(phx):
    data = read_data("rat_phx70_volume")
    assert len(data) == 8 and data.variables == ["liver_volume"]
    res = fit(phx, data, ["division_rate", "priming_rate"])
    assert res.within_sd.all(), res.residuals
    assert 0.01 <= res.estimates["division_rate"] <= 0.2
    assert abs(res.correlation[0, 1]) <= 1 + 1e-9


def test_calibrated_scenario_loads_back(phx, tmp_path):
    data = read_data(data_path("rat_phx70_volume.csv"))
    res = fit(phx, data, ["division_rate"], max_evaluations=20)
    paths = write_fit(tmp_path / "f", res, formats="none")
    yaml_path = next(p for p in paths if p.suffix == ".yaml")
    back = load_scenario(yaml_path)
    assert back.name == "rat-phx-70-calibrated"
    assert back.parameters["division_rate"] == pytest.approx(res.estimates["division_rate"], rel=1e-5)
    assert back.schedule == phx.schedule or len(back.schedule.dose_times()) == 1
    data_json = json.loads((tmp_path / "f" / "fit.json").read_text())
    assert data_json["parameters"][0]["name"] == "division_rate"
    assert {"estimate", "ci_low", "ci_high"} <= set(data_json["parameters"][0])
    new, text = calibrated_scenario(res, name="mine")
    assert new.name == "mine" and "expect" not in new.to_dict()


@pytest.mark.parametrize(
    "content,fragment",
    [
        ("time_h,variable,value\n1,total_mass,0.5\n", "sd"),
        ("time_h,variable,value,sd\n1,total_mas,0.5,0.1\n", "total_mass"),
        ("time_h,variable,value,sd\n1,liver_volum,0.5,0.1\n", "liver_volume"),
        ("time_h,variable,value,sd\n1,total_mass,0.5,0\n", "sd > 0"),
        ("time_h,variable,value,sd\n1,total_mass,x,0.1\n", "numbers"),
        ("time_h,variable,value,sd\n", "no rows"),
    ],
)
def test_bad_data_files(tmp_path, content, fragment):
    p = tmp_path / "d.csv"
    p.write_text(content)
    with pytest.raises(LivermodelError, match=fragment):
        read_data(p)


def test_bad_fit_requests(phx, tmp_path):
    p = tmp_path / "late.csv"
    p.write_text("time_h,variable,value,sd\n1000,total_mass,1,0.1\n")
    with pytest.raises(LivermodelError, match="end of the run"):
        fit(phx, p, ["division_rate"])
    with pytest.raises(LivermodelError, match="unknown parameter"):
        fit(phx, "rat_phx70_volume", ["divison_rate"])


def test_cli(tmp_path):
    app = typer.Typer()
    register(app)
    app.callback()(lambda: None)
    r = CliRunner().invoke(
        app,
        [
            "fit",
            "rat-phx-70",
            "--data",
            str(data_path("rat_phx70_volume.csv")),
            "--params",
            "division_rate",
            "--out",
            str(tmp_path / "f"),
            "--format",
            "png",
        ],
    )
    assert r.exit_code == 0, r.output
    assert "within 1 SD" in r.output
    assert (tmp_path / "f" / "fit.png").exists()
    assert (tmp_path / "f" / "rat-phx-70-calibrated.yaml").exists()
    r = CliRunner().invoke(app, ["fit", "rat-phx-70", "--data", "nope.csv", "--params", "division_rate"])
    assert r.exit_code == 2 and "not found" in r.output
