"""Virtual cohorts: variability 0 is the preset, seeds reproduce, the Wilson interval covers,
Kaplan-Meier, the paired design, the cohort: block, the CLI."""

import json

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from livermodel import LivermodelError
from livermodel.cli.studies import register
from livermodel.output.studies import write_cohort
from livermodel.scenario.scenario import load_scenario, parse_scenario
from livermodel.studies.cohort import (
    default_varied,
    draw_multipliers,
    kaplan_meier,
    run_cohort,
    wilson_interval,
)

FAST = ["output_step=4h", "duration=5d"]


@pytest.fixture(scope="module")
def fulminant():
    return load_scenario("fulminant", FAST), load_scenario("fulminant-msc-early", FAST)


def test_default_varied_follows_the_events_of_the_scenario(fulminant):
    galn = set(default_varied(fulminant[0]))
    assert {"galactosamine_sensitisation", "uridine_depletion_half", "death_rate"} <= galn
    assert not galn & {"cyp_clearance", "toxin_ec50", "nac_ec50"}
    apap = set(default_varied(load_scenario("human-apap-nac-4h")))
    assert {"cyp_clearance", "nac_ec50"} <= apap and "galactosamine_sensitisation" not in apap


def test_variability_zero_is_exactly_the_preset():
    sc = load_scenario("rat-phx-70", FAST)
    res = run_cohort(sc, size=6, variability=0.0, seed=3)
    assert np.all(res.multipliers == 1.0)
    for p, m in zip(res.arms[0].parameters, res.arms[0].metrics, strict=True):
        assert p == sc.parameters
        assert m["final_mass"] == res.arms[0].metrics[0]["final_mass"]
    assert sc.run().metrics()["final_mass"] == pytest.approx(res.arms[0].metrics[0]["final_mass"], rel=1e-9)


def test_seeded_cohort_is_reproducible(fulminant):
    control, msc = fulminant
    a = run_cohort(msc, size=12, control=control, seed=7)
    b = run_cohort(msc, size=12, control=control, seed=7)
    c = run_cohort(msc, size=12, control=control, seed=8)
    assert np.array_equal(a.multipliers, b.multipliers)
    assert a.to_dict() == b.to_dict()
    assert not np.array_equal(a.multipliers, c.multipliers)


def test_lognormal_median_is_the_preset_and_clipped_to_limits():
    m = draw_multipliers(["death_sensitivity", "anti_death_max"], 20000, variability=0.3, seed=1)
    assert np.median(m[:, 0]) == pytest.approx(1.0, abs=0.01)
    assert np.std(np.log(m[:, 0])) == pytest.approx(0.3, rel=0.03)
    from livermodel.studies.cohort import cohort_parameters

    sets = cohort_parameters(
        {"death_sensitivity": 1.0, "anti_death_max": 0.9}, ["death_sensitivity", "anti_death_max"], m[:200]
    )
    assert max(s["anti_death_max"] for s in sets) == 1.0  # hard limit of a fraction


def test_paired_design_same_individuals(fulminant):
    control, msc = fulminant
    res = run_cohort(msc, size=40, control=control, seed=1)
    arm, ctrl = res.arms
    names = res.names
    for j in range(res.size):
        for n in names:
            # same multiplier applied to each arm's own preset
            assert arm.parameters[j][n] / msc.parameters[n] == pytest.approx(
                ctrl.parameters[j][n] / control.parameters[n]
            )
    p = res.paired()
    s_arm, s_ctrl = arm.survived, ctrl.survived
    assert p["saved"] == int((s_arm & ~s_ctrl).sum()) and p["lost"] == int((~s_arm & s_ctrl).sum())
    # early MSCs never make an individual worse in this model: none lost, some saved
    assert p["lost"] == 0 and p["saved"] >= 1
    summary = res.to_dict()["arms"]
    for label in (msc.name, control.name):
        s = summary[label]
        assert s["n"] == 40 and s["ci_low"] <= s["survival_fraction"] <= s["ci_high"]


def test_wilson_interval_coverage_near_95_percent():
    rng = np.random.default_rng(11)
    coverages = []
    for p in (0.1, 0.3, 0.5, 0.8):
        for n in (20, 60):
            k = rng.binomial(n, p, size=4000)
            interval = [wilson_interval(kk, n) for kk in range(n + 1)]  # one per possible count
            hits = 0
            for kk in k:
                lo, hi = interval[int(kk)]
                hits += lo <= p <= hi
            coverages.append(hits / k.size)
    assert 0.93 <= float(np.mean(coverages)) <= 0.97
    assert min(coverages) >= 0.90
    assert wilson_interval(0, 10)[0] == 0.0 and wilson_interval(10, 10)[1] == 1.0
    # a published value: 8 of 20, Wilson 95 % = 0.219 to 0.613 (Newcombe 1998, Stat Med 17:857)
    lo, hi = wilson_interval(8, 20)
    assert lo == pytest.approx(0.2188, abs=1e-3) and hi == pytest.approx(0.6134, abs=1e-3)


def test_kaplan_meier_by_hand():
    km = kaplan_meier([10.0, None, 20.0, 20.0, None], horizon=100.0)
    assert km["time_h"] == [0.0, 10.0, 20.0]
    assert km["survival"] == pytest.approx([1.0, 0.8, 0.8 * (1 - 2 / 4)])
    assert km["at_risk"] == [5, 4, 2]


def test_cohort_block_in_a_scenario_file(tmp_path):
    text = """
name: block
extends: {lib}/fulminant-msc-early.yaml
duration: 5 d
output_step: 4 h
cohort:
  size: 8
  seed: 2
  variability: 0.1
  control: fulminant
  parameters:
    death_sensitivity: {{distribution: lognormal, sd: 0.4}}
    alt_release: fixed
    critical_mass: {{distribution: uniform, low: 0.9, high: 1.1}}
"""
    from livermodel.scenario.reader import library_path

    sc = parse_scenario(text.format(lib=library_path()))
    assert sc.cohort["size"] == 8 and sc.cohort["parameters"]["alt_release"] == {"distribution": "fixed"}
    res = run_cohort(sc)
    assert res.size == 8 and res.seed == 2 and len(res.arms) == 2
    j = res.names.index("alt_release")
    assert np.all(res.multipliers[:, j] == 1.0)
    k = res.names.index("critical_mass")
    assert np.all((res.multipliers[:, k] >= 0.9) & (res.multipliers[:, k] <= 1.1))
    with pytest.raises(LivermodelError, match="sdd"):
        parse_scenario(text.format(lib=library_path()).replace("sd: 0.4", "sdd: 0.4"))


def test_bad_input():
    sc = load_scenario("rat-phx-70", FAST)
    with pytest.raises(LivermodelError, match="at least one"):
        run_cohort(sc, size=0)
    with pytest.raises(LivermodelError, match="species"):
        run_cohort(sc, size=2, control=load_scenario("mouse-phx-70", FAST))


def test_output_and_cli(tmp_path, fulminant):
    control, msc = fulminant
    res = run_cohort(msc, size=10, control=control, seed=1)
    write_cohort(tmp_path / "w", res, formats="png")
    data = json.loads((tmp_path / "w" / "cohort.json").read_text())
    for arm in data["arms"].values():
        assert {"survival_fraction", "ci_low", "ci_high", "n"} <= set(arm)
    lines = (tmp_path / "w" / "individuals.csv").read_text().splitlines()
    assert len(lines) == 1 + 2 * 10
    app = typer.Typer()
    register(app)
    app.callback()(lambda: None)
    r = CliRunner().invoke(
        app,
        [
            "cohort",
            "fulminant-msc-early",
            "--size",
            "6",
            "--seed",
            "1",
            "--control",
            "fulminant",
            "--set",
            "output_step=4h",
            "--format",
            "none",
            "--out",
            str(tmp_path / "c"),
        ],
    )
    assert r.exit_code == 0, r.output
    assert "survive" in r.output
    r = CliRunner().invoke(app, ["cohort", "rat-phx-70", "--size", "3", "--metrics", "modee"])
    assert r.exit_code == 2 and "unknown metric" in r.output


def test_cli_set_changes_both_arms_and_names_the_control_when_it_cannot(tmp_path):
    """Paired arms differ only in what the scenarios differ in: --set reaches the control too
    (as in compare), and a key only the treated arm has is refused with the control named."""
    from livermodel.cli.app import app

    out = tmp_path / "c"
    args = ["cohort", "fulminant-msc-early", "--control", "fulminant", "--size", "2", "--seed", "1"]
    r = CliRunner().invoke(app, [*args, "--set", "duration=30h", "--format", "none", "--out", str(out)])
    assert r.exit_code == 0, r.output
    curves = json.loads((out / "cohort.json").read_text())["survival_curves"]
    assert {label: c["horizon_h"] for label, c in curves.items()} == {
        "fulminant-msc-early": 30.0,
        "fulminant": 30.0,
    }
    r = CliRunner().invoke(
        app, [*args, "--set", "interventions.0.dose=2e6cells/kg", "--out", str(tmp_path / "d")]
    )
    assert r.exit_code == 2
    assert "--control fulminant" in r.output and "--set changes both arms" in r.output
    assert not (tmp_path / "d").exists()
