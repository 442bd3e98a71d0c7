"""Honest calibration: profile-likelihood intervals (coverage on synthetic data, agreement with an
independent optimiser, non-identifiability in words), parameters on their bounds, multi-start,
full precision of the calibrated scenario."""

import json

import numpy as np
import pytest
import typer
import yaml
from scipy.optimize import minimize_scalar
from typer.testing import CliRunner

from livermodel.cli.studies import register
from livermodel.output.studies import write_fit
from livermodel.scenario.scenario import load_scenario
from livermodel.solve import simulate
from livermodel.studies.fit import FitData, data_path, fit, read_data
from livermodel.studies.problem import single_problem
from livermodel.studies.profile import THRESHOLD_95, minimise, profile


@pytest.fixture(scope="module")
def short_phx():
    return load_scenario("rat-phx-70", ["duration=5 d", "output_step=2 h"])


def _synthetic(sc, truth, times, sd):
    run = simulate(
        {**sc.parameters, **truth}, sc.schedule, duration=sc.duration_h, output_step=sc.output_step_h
    )
    return np.interp(times, run.time_h, run["total_mass"])


def test_threshold_is_the_chi2_quantile():
    from scipy.stats import chi2

    assert THRESHOLD_95 == pytest.approx(chi2.ppf(0.95, 1), rel=1e-12)


def test_profile_intervals_cover_the_truth_at_the_nominal_rate(short_phx):
    """100 seeded replicates of noisy synthetic data from a known division rate, fitted and
    profiled in the same batches: the 95 % likelihood-ratio interval must contain the truth in
    at least 90 of them (binomial, p = 0.95: P(< 90) is about 1 %)."""
    truth = 0.09
    times = np.array([6, 12, 24, 36, 48, 72, 96, 120.0])
    sd = 0.03
    clean = _synthetic(short_phx, {"division_rate": truth}, times, sd)
    pb = single_problem(
        short_phx, FitData(times, ["total_mass"] * 8, clean, np.full(8, sd), "syn"), ["division_rate"]
    )
    R = 100
    V = clean + np.random.default_rng(20).normal(0, sd, (R, times.size))
    X, obj = minimise(pb, np.repeat(pb.x_start()[None], R, axis=0), values=V)
    profs = [row[0] for row in profile(pb, X, obj, values=V, points=9)]
    assert all(p.identifiable for p in profs)
    inside = sum(p.low <= truth <= p.high for p in profs)
    assert inside >= 90, inside
    # the interval ends are where the objective is 3.84 above the optimum (checked directly)
    ends = np.log([[p.low, p.high] for p in profs]).reshape(-1, 1)
    M, _ = pb.model_values(list(ends))
    delta = pb.objective(M, np.repeat(V, 2, axis=0)).reshape(R, 2) - obj[:, None]
    np.testing.assert_allclose(delta, THRESHOLD_95, atol=0.02)


@pytest.fixture(scope="module")
def rat_two_rates(tmp_path_factory):
    """One ``livermodel fit --profile`` of division_rate and priming_rate to the rat volume
    table, shared by the tests that read its console output, fit.json and figure."""
    out = tmp_path_factory.mktemp("rat-fit") / "f"
    app = typer.Typer()
    register(app)
    app.callback()(lambda: None)
    r = CliRunner().invoke(
        app,
        [
            "fit",
            "rat-phx-70",
            "--data",
            "rat_phx70_volume",
            "--params",
            "division_rate,priming_rate",
            "--profile",
            "--out",
            str(out),
            "--format",
            "png",
        ],
    )
    assert r.exit_code == 0, r.output
    return r.output, json.loads((out / "fit.json").read_text()), out


def test_profile_reoptimises_the_others_like_an_independent_optimiser(rat_two_rates):
    """At points of the division_rate profile written to fit.json (rat data, two parameters) the
    profile value is the minimum over priming_rate, found here independently by scipy's bounded
    scalar search; at the profile's lower interval end that minimum is 3.84 above the optimum."""
    _, doc, _ = rat_two_rates
    pb = single_problem(
        load_scenario("rat-phx-70"), read_data("rat_phx70_volume"), ["division_rate", "priming_rate"]
    )
    prof = doc["profiles"]["division_rate"]
    grid, delta = np.array(prof["grid"]), np.array(prof["delta"])
    lo, hi = pb.parameters[1].x_bounds

    def best_over_priming(division):
        def obj(xp):
            M, ok = pb.model_values([np.array([np.log(division), xp])])
            return float(pb.objective(M, ok=ok)[0])

        best = minimize_scalar(obj, bounds=(lo, hi), method="bounded", options={"xatol": 1e-5}).fun
        return min(best, obj(hi), obj(lo))

    # below the interval (priming pinned at its top), and on the flat ridge (priming inside)
    for value in (0.03, 0.1):
        i = int(np.argmin(np.abs(grid - value)))
        assert delta[i] + doc["chi2"] == pytest.approx(best_over_priming(grid[i]), abs=2e-3), value
    low = prof["low"]
    assert 0.03 < low < 0.1
    assert best_over_priming(low) - doc["chi2"] == pytest.approx(THRESHOLD_95, abs=0.02)


def test_a_parameter_without_effect_is_reported_not_identifiable(short_phx):
    """toxin_ec50 cannot matter after a hepatectomy without toxin: its profile is flat."""
    times = np.array([12, 24, 48, 72, 96, 120.0])
    clean = _synthetic(short_phx, {}, times, 0.02)
    data = FitData(
        times,
        ["total_mass"] * 6,
        clean + np.random.default_rng(3).normal(0, 0.02, 6),
        np.full(6, 0.02),
        "syn",
    )
    res = fit(short_phx, data, ["division_rate", "toxin_ec50"], profile=True)
    p = res.profiles["toxin_ec50"]
    assert not p.identifiable and p.low is None and p.high is None
    assert "not identifiable" in p.verdict
    assert p.delta.max() < 0.01
    assert res.profiles["division_rate"].identifiable
    assert any("toxin_ec50: not identifiable" in w for w in res.warnings())


def test_on_the_bound_is_said_out_loud(rat_two_rates):
    """The volume curve alone cannot tell a fast division from a fast priming: division_rate
    runs to the top of its range and priming_rate is not identifiable at all."""
    output, doc, folder = rat_two_rates
    from livermodel.model.parameters import BY_NAME

    top = BY_NAME["division_rate"].bounds[1]  # the top of its plausible range in the table
    assert f"WARNING: on the upper bound of its plausible range ({top:.4g})" in output
    assert "no upper limit within the plausible range" in output
    lines = output.splitlines()
    after = lines[next(i for i, ln in enumerate(lines) if ln.startswith("priming_rate = ")) + 1]
    assert after.startswith("  profile: not identifiable from these data"), after
    assert "leave it out of the fitted parameters" in output
    div = next(p for p in doc["parameters"] if p["name"] == "division_rate")
    assert div["bound"] == "upper" and div["at_bound"] and div["profile_high"] is None
    assert div["estimate"] == pytest.approx(top, rel=1e-6)
    pri = next(p for p in doc["parameters"] if p["name"] == "priming_rate")
    assert pri["bound"] is None and not pri["identifiable"]
    assert pri["profile_low"] is None and pri["profile_high"] is None
    assert any("division_rate is at the upper end" in w for w in doc["warnings"])
    assert any(w.startswith("priming_rate: not identifiable") for w in doc["warnings"])
    assert (folder / "fit.png").stat().st_size > 10_000


def test_multistart_is_seeded_and_reports_the_spread():
    kw = dict(starts=4, seed=7, max_evaluations=30)
    a = fit("rat-phx-70", "rat_phx70_volume", ["division_rate"], **kw)
    b = fit("rat-phx-70", "rat_phx70_volume", ["division_rate"], **kw)
    assert len(a.starts) == 4 and a.seed == 7
    assert [s["start"] for s in a.starts] == [s["start"] for s in b.starts]
    # one parameter, a single minimum: every start ends at the polished optimum
    for s in a.starts:
        assert s["chi2"] == pytest.approx(a.chi2, abs=1e-4)
        assert s["estimates"]["division_rate"] == pytest.approx(a.estimates["division_rate"], rel=1e-3)
    spread = a.to_dict()["parameters"][0]["starts_spread"]
    assert spread[0] <= a.estimates["division_rate"] * (1 + 1e-3) and spread[1] >= spread[0]
    with pytest.raises(Exception, match="at least 1"):
        fit("rat-phx-70", "rat_phx70_volume", ["division_rate"], starts=0)


def test_calibrated_scenario_has_full_precision_and_reproduces_chi2(tmp_path):
    res = fit("rat-phx-70", data_path("rat_phx70_volume.csv"), ["division_rate"], max_evaluations=20)
    write_fit(tmp_path / "f", res, formats="none")
    text = (tmp_path / "f" / "rat-phx-70-calibrated.yaml").read_text()
    assert yaml.safe_load(text)["parameters"]["division_rate"] == res.estimates["division_rate"]
    back = load_scenario(tmp_path / "f" / "rat-phx-70-calibrated.yaml")
    assert back.parameters["division_rate"] == res.estimates["division_rate"]  # exactly
    doc = json.loads((tmp_path / "f" / "fit.json").read_text())
    assert doc["reproduced_chi2"] == pytest.approx(res.chi2, rel=1e-9)


def test_a_long_verdict_stays_over_its_own_profile_panel():
    """Two profile panels side by side (the paper layout of a two-parameter fit): the title of
    a not-identifiable parameter is wrapped inside the figure, clear of its neighbour, and a
    parameter on its bound is flagged in red."""
    from livermodel.figures.canvas import grid_axes
    from livermodel.figures.fit import profile_axes
    from livermodel.figures.style import LAYOUT, OKABE_ITO, style_context
    from livermodel.studies.profile import Profile

    grid = np.linspace(0.03, 0.3, 9)
    flat = Profile(
        "priming_rate", 0.033, grid, np.linspace(0, 0.2, 9), np.zeros((9, 2)), None, None, (0.03, 0.3)
    )
    closed = Profile(
        "division_rate", 0.09, grid, 40 * (grid - 0.09) ** 2 / 0.01, np.zeros((9, 2)), 0.07, 0.12, (0.03, 0.3)
    )
    with style_context("paper") as layout:
        assert layout is LAYOUT["paper"]
        fig, (left, right), _ = grid_axes(2, 1, 2, (layout["width"], 2 * layout["row_height"]), what="test")
        profile_axes(left, closed, at_bound="upper")
        profile_axes(right, flat)
        fig.canvas.draw()
    # a parameter on its bound is said in the figure too, in the warning colour
    assert left.get_title(loc="left").startswith("ON THE UPPER BOUND")
    assert left._left_title.get_color() == OKABE_ITO["vermillion"]  # the loc="left" title
    renderer = fig.canvas.get_renderer()
    box_l, box_r = (ax._left_title.get_window_extent(renderer) for ax in (left, right))
    assert "not identifiable" in right.get_title(loc="left")
    assert "\n" in right.get_title(loc="left")  # wrapped, not one long line
    assert box_r.x1 <= fig.bbox.x1 + 1 and box_l.x1 <= box_r.x0
