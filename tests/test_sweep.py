"""Tests of livermodel.sweep: SPECs and designs, failed runs, interrupt and resume, executors, CLI."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from livermodel.errors import LivermodelError
from livermodel.output.sweep import load_trajectories, resume_sweep, run_sweep
from livermodel.scenario.blocks import parse_spec
from livermodel.scenario.scenario import load_scenario, parse_scenario
from livermodel.studies.sweep.plan import plan_sweep
from livermodel.studies.sweep.table import read_table

SHORT = ["duration=3d", "output_step=2h"]
TIMING = ["interventions.0.at=0:8h:3", "interventions.0.dose=1e6:1e8cells/kg:3:log"]


def _short_plan(vary=TIMING, **kw):
    return plan_sweep("fulminant-msc-early", vary, overrides=SHORT, **kw)


# --------------------------------------------------------------------------------------------
# SPECs and designs
# --------------------------------------------------------------------------------------------


def test_spec_forms():
    assert parse_spec("0:48h:5").grid_values() == [0.0, 12.0, 24.0, 36.0, 48.0]
    assert parse_spec("0:48h:5").unit == "h" and parse_spec("0h:48:5").unit == "h"
    log = parse_spec("1e5:1e7cells/kg:3:log")
    assert log.unit == "cells/kg" and np.allclose(log.grid_values(), [1e5, 1e6, 1e7], rtol=1e-12)
    assert parse_spec("0.6,0.7,0.8").grid_values() == [0.6, 0.7, 0.8]
    words = parse_spec("iv,intraportal")
    assert not words.numeric and words.grid_values() == ["iv", "intraportal"]
    assert parse_spec([1, 2.5]).grid_values() == [1.0, 2.5]
    assert parse_spec("2:3", sampled=True).kind == "range"
    for bad, sampled in [
        ("0:1", False),
        ("0:1:x", False),
        ("0:1:3", True),
        ("0h:1d:3", False),
        ("0:1:3:log", False),
        ("a:b:3", False),
        ("1,,2", False),
        ("0:1:0", False),
    ]:
        with pytest.raises(LivermodelError, match="--vary|KEY|SPEC|x"):
            parse_spec(bad, key="KEY", sampled=sampled)


def test_grid_zip_and_list_designs():
    plan = plan_sweep("rat-phx-70", ["insults.0.fraction=0.5,0.7", "parameters.death_sensitivity=1:2:3"])
    assert plan.n_runs == 6
    # the first key varies slowest
    assert list(plan.columns["insults.0.fraction"]) == [0.5, 0.5, 0.5, 0.7, 0.7, 0.7]
    assert list(plan.columns["parameters.death_sensitivity"]) == [1.0, 1.5, 2.0] * 2
    zipped = plan_sweep(
        "rat-phx-70", ["insults.0.fraction=0.5:0.7:3", "parameters.death_sensitivity=1:2:3"], zip=True
    )
    assert zipped.n_runs == 3
    assert [zipped.point(i) for i in range(3)][1] == {
        "insults.0.fraction": 0.6,
        "parameters.death_sensitivity": 1.5,
    }
    with pytest.raises(LivermodelError, match="same number of values"):
        plan_sweep(
            "rat-phx-70", ["insults.0.fraction=0.5:0.7:3", "parameters.death_sensitivity=1:2:2"], zip=True
        )


@pytest.mark.parametrize("design", ["random", "lhs", "sobol"])
def test_samplers_in_range_and_reproducible(design):
    vary = ["parameters.death_sensitivity=0.5:2", "interventions.0.dose=1e5:1e8cells/kg:log"]
    a = _short_plan(vary, design=design, samples=64, seed=7)
    b = _short_plan(vary, design=design, samples=64, seed=7)
    c = _short_plan(vary, design=design, samples=64, seed=8)
    g = _short_plan(vary, design=design, samples=64, seed=np.random.default_rng(3))
    ds, dose = a.columns["parameters.death_sensitivity"], a.columns["interventions.0.dose"]
    assert a.n_runs == 64 and np.array_equal(ds, b.columns["parameters.death_sensitivity"])
    assert not np.array_equal(ds, c.columns["parameters.death_sensitivity"])
    assert isinstance(g.seed, int)  # the int drawn from the Generator is recorded...
    again = _short_plan(vary, design=design, samples=64, seed=g.seed)  # ...and redraws the design
    assert np.array_equal(g.columns["interventions.0.dose"], again.columns["interventions.0.dose"])
    assert ds.min() >= 0.5 and ds.max() <= 2 and dose.min() >= 1e5 and dose.max() <= 1e8
    u = np.log(dose / 1e5) / np.log(1e3)  # log range: uniform in the log
    if design == "lhs":  # one point in each of the 64 strata, in every dimension
        for col in (u, (ds - 0.5) / 1.5):
            assert sorted(np.floor(col * 64).astype(int)) == list(range(64))
    if design == "sobol":  # scrambled Sobol: low discrepancy, every half-interval holds 32 points
        assert (u < 0.5).sum() == 32 and ((ds - 0.5) / 1.5 < 0.5).sum() == 32


def test_bad_plans_name_the_key():
    with pytest.raises(LivermodelError, match="parameters.nope.*unknown parameter"):
        _short_plan(["parameters.nope=1:2:3"])
    with pytest.raises(LivermodelError, match="interventions.0.dose.*unit"):
        _short_plan(["interventions.0.dose=1:2:3"])
    with pytest.raises(LivermodelError, match="samples"):
        _short_plan(["parameters.death_sensitivity=0.5:2"], design="lhs")
    with pytest.raises(LivermodelError, match="cannot be varied"):
        _short_plan(["name=a,b"])


# --------------------------------------------------------------------------------------------
# results
# --------------------------------------------------------------------------------------------


def test_sweep_equals_individual_runs():
    plan = _short_plan()
    result = run_sweep(plan)
    assert len(result.rows) == 9 and all(r["status"] == "ok" for r in result.rows)
    # the sweep finds both outcomes, so this also checks that both kinds of row are right
    assert {r["mode"] for r in result.rows} == {"normal", "failure"}
    for row in result.rows:
        overrides = SHORT + [
            f"interventions.0.at={row['interventions.0.at']}h",
            f"interventions.0.dose={row['interventions.0.dose']} cells/kg",
        ]
        single = load_scenario("fulminant-msc-early", overrides).run().metrics()
        for name, value in single.items():
            got = row[name]
            if isinstance(value, float):
                assert got == pytest.approx(value, rel=1e-4, abs=1e-7), (name, row["run"])
            else:
                assert got == value, (name, row["run"])


def test_failed_runs_are_rows_and_the_rest_complete(tmp_path):
    # a step budget of 1 cannot integrate the scenario, nor can the Radau retry
    plan = _short_plan(["solver.max_steps=1,100000", "interventions.0.at=2h,6h"])
    result = run_sweep(plan, tmp_path / "out", formats="png")
    rows = read_table(tmp_path / "out" / "metrics.csv")
    assert [r["run"] for r in rows] == [0, 1, 2, 3]
    bad = [r for r in rows if r["solver.max_steps"] == 1]
    good = [r for r in rows if r["solver.max_steps"] == 100000]
    assert len(bad) == 2 and all(r["status"] == "failed" for r in bad)
    assert all("LSODA failed" in r["message"] and "Radau" in r["message"] for r in bad)
    assert all(r["final_mass"] is None for r in bad)
    assert all(r["status"] == "ok" and r["message"] == "" and r["final_mass"] is not None for r in good)
    assert result.n_failed == 2
    for name in ("map.png", "trajectories.png"):  # figures are drawn around failed runs
        assert (tmp_path / "out" / name).is_file()


def test_interrupt_and_resume_equal_an_uninterrupted_sweep(tmp_path):
    plan = _short_plan(
        ["interventions.0.at=0:8h:5", "interventions.0.dose=1e6:1e8cells/kg:4:log"], chunk_size=3
    )
    assert plan.n_chunks == 7
    whole = run_sweep(plan, tmp_path / "whole", formats=())

    calls = []

    def interrupt(done, total):  # Ctrl-C after the third chunk has been written
        calls.append(done)
        if done >= 9:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_sweep(plan, tmp_path / "cut", formats=(), progress=interrupt)
    cut = tmp_path / "cut"
    assert not (cut / "metrics.csv").exists() and not (cut / "provenance.json").exists()
    assert len(list((cut / "chunks").glob("metrics-*.csv"))) == 3
    with pytest.raises(LivermodelError, match="already holds a sweep"):
        run_sweep(plan, cut, formats=())
    done_before = calls[-1]
    resumed = resume_sweep(cut, formats=(), progress=lambda d, t: calls.append(d))
    assert calls[calls.index(done_before) + 1] == 9  # resumed from the 9 finished runs
    assert (cut / "metrics.csv").read_bytes() == (tmp_path / "whole" / "metrics.csv").read_bytes()
    assert resumed.rows == whole.rows and len(whole.rows) == 20
    # resuming a finished sweep again redoes nothing and keeps the same table
    assert resume_sweep(cut, formats=()).rows == whole.rows


def test_resume_with_another_plan_is_refused(tmp_path):
    plan = _short_plan(chunk_size=3)
    run_sweep(plan, tmp_path / "a", formats=(), max_chunks=1)
    other = _short_plan(
        ["interventions.0.at=0:8h:3", "interventions.0.dose=1e6:1e8cells/kg:2:log"], chunk_size=3
    )
    with pytest.raises(LivermodelError, match="another plan"):
        run_sweep(other, tmp_path / "a", formats=(), resume=True)


def test_worker_processes_and_dask_give_the_same_table(tmp_path):
    distributed = pytest.importorskip("distributed")
    plan = _short_plan(["parameters.death_sensitivity=0.5:2:4", "interventions.0.at=1h,4h,8h"], chunk_size=4)
    local = run_sweep(plan, tmp_path / "local", formats=())
    pool = run_sweep(plan, tmp_path / "pool", formats=(), jobs=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with distributed.LocalCluster(
            n_workers=1,
            threads_per_worker=1,
            processes=False,
            protocol="tcp://",
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster:
            # by address, as --scheduler gives it
            on_dask = run_sweep(
                plan, tmp_path / "dask", formats=(), executor="dask", scheduler=cluster.scheduler_address
            )
    table = (tmp_path / "local" / "metrics.csv").read_bytes()
    assert (tmp_path / "pool" / "metrics.csv").read_bytes() == table
    assert (tmp_path / "dask" / "metrics.csv").read_bytes() == table
    assert local.rows == pool.rows == on_dask.rows


def test_trajectories_are_saved_and_read_back(tmp_path):
    plan = _short_plan(chunk_size=4)
    run_sweep(plan, tmp_path / "t", formats=(), save_trajectories=["functional_mass,alt_u_per_l"])
    time_h, data, runs = load_trajectories(tmp_path / "t")
    assert list(runs) == list(range(9)) and time_h[-1] == 72 and time_h.size == 37
    assert data["functional_mass"].shape == (9, 37) and data["functional_mass"].dtype == np.float32
    again = plan.scenario_at(5).run()
    assert np.allclose(data["functional_mass"][5], again["functional_mass"], rtol=1e-4, atol=1e-6)
    with pytest.raises(LivermodelError, match="unknown trajectory variable"):
        run_sweep(plan, tmp_path / "u", save_trajectories=["functional_mas"])


# --------------------------------------------------------------------------------------------
# the scenario's sweep: block
# --------------------------------------------------------------------------------------------

BLOCK = """\
name: phx-sweep
species: rat
duration: 3 d
insults:
  - type: hepatectomy
    fraction: 0.7
sweep:
  vary:
    insults.0.fraction: 0.5:0.9:5
    parameters.death_sensitivity: [1, 2]
  metric: final_mass
"""


def test_sweep_block_plans_like_vary():
    sc = parse_scenario(BLOCK)
    assert sc.sweep["vary"]["insults.0.fraction"] == "0.5:0.9:5"
    plan = plan_sweep(sc)
    assert plan.n_runs == 10 and plan.metric == "final_mass" and plan.scenario.sweep is None
    same = plan_sweep(
        parse_scenario(BLOCK.split("sweep:")[0]),
        {"insults.0.fraction": "0.5:0.9:5", "parameters.death_sensitivity": [1, 2]},
    )
    assert all(np.array_equal(plan.columns[k], same.columns[k]) for k in plan.keys)
    with pytest.raises(LivermodelError, match=r"<string>:9:25: sweep.vary.insults.0.fraction"):
        parse_scenario(BLOCK.replace("0.5:0.9:5", "0.5:0.9"))
    with pytest.raises(LivermodelError, match="sweep.metric.*unknown metric"):
        parse_scenario(BLOCK.replace("final_mass", "final_mas"))


def test_with_overrides_matches_load_scenario():
    base = load_scenario("fulminant-msc-early")
    over = ["interventions.0.at=6h", "parameters.death_sensitivity=1.5"]
    assert base.with_overrides(over).resolved == load_scenario("fulminant-msc-early", over).resolved
    with pytest.raises(LivermodelError, match="parameters.nope"):
        base.with_overrides({"parameters.nope": 1})


# --------------------------------------------------------------------------------------------
# command line
# --------------------------------------------------------------------------------------------


def _app():
    from livermodel.cli.sweep import register

    app = typer.Typer(add_completion=False)

    @app.callback()
    def _root():
        """test app"""

    register(app)
    return app


def test_cli_sweep_dry_run_run_and_errors(tmp_path):
    runner = CliRunner()
    app = _app()
    base = [
        "sweep",
        "fulminant-msc-early",
        "--set",
        "duration=3d",
        "--vary",
        "interventions.0.at=0:8h:3",
        "--vary",
        "interventions.0.dose=1e6:1e8cells/kg:3:log",
    ]
    dry = runner.invoke(app, [*base, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "9 runs" in dry.output and "estimated time" in dry.output
    out = tmp_path / "s"
    res = runner.invoke(app, [*base, "--out", str(out), "--format", "png"])
    assert res.exit_code == 0, res.output
    assert "9 ok, 0 failed to solve" in res.output
    for name in (
        "metrics.csv",
        "plan.json",
        "provenance.json",
        "map.png",
        "timing-map.png",
        "trajectories.png",
    ):
        assert (out / name).is_file(), name
    import json

    prov = json.loads((out / "provenance.json").read_text())
    assert prov["kind"] == "sweep" and prov["sweep"]["runs"] == 9 and "metrics.csv" in prov["files"]
    assert prov["solver"]["rtol"] == 1e-6 and "numpy" in prov["solver"]["right_hand_side"]
    again = runner.invoke(app, ["sweep", "--resume", str(out), "--quiet"])
    assert again.exit_code == 0 and again.output == ""
    bad = runner.invoke(app, ["sweep", "fulminant-msc-early", "--vary", "interventions.0.at=0:8h"])
    assert bad.exit_code == 2 and "a range needs a count" in bad.output
    assert "Traceback" not in bad.output
    bad_key = runner.invoke(app, ["sweep", "rat-phx-70", "--vary", "insult.0.fraction=0.5,0.6"])
    assert bad_key.exit_code == 2 and "error:" in bad_key.output
    help_text = runner.invoke(app, ["sweep", "--help"]).output
    assert "--vary" in help_text and "Examples" in help_text


def test_dose_response_is_monotone_in_dose():
    """Sanity of the numbers, not of the code: more MSCs early never lower survival."""
    # 4 days: the untreated rat fails at 32 h and its survival probability falls below 0.05 by 4 d
    plan = plan_sweep(
        "fulminant-msc-early",
        ["interventions.0.dose=1e5:1e8cells/kg:7:log"],
        overrides=["duration=4d", "output_step=2h"],
    )
    surv = [r["survival_probability"] for r in run_sweep(plan).rows]
    assert all(b >= a - 1e-9 for a, b in zip(surv, surv[1:], strict=False))
    assert surv[0] < 0.05 and surv[-1] > 0.9 and not math.isnan(surv[3])


def test_cli_sweep_where_every_solve_fails_exits_1_with_one_line(tmp_path, recwarn):
    from typer.testing import CliRunner

    from livermodel.cli.app import app

    res = CliRunner().invoke(
        app,
        [
            "sweep",
            "rat-phx-70",
            "--vary",
            "insults.0.fraction=0.6,0.7",
            "--set",
            "solver.max_steps=1",
            "--set",
            "output_step=12h",
            "-o",
            str(tmp_path / "sw"),
            "-q",
        ],
    )
    assert res.exit_code == 1, res.output
    assert res.exception is None or isinstance(res.exception, SystemExit)
    lines = [line for line in res.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: every one of the 2 runs failed to solve")
    assert "Traceback" not in res.output
    # its figures still say what happened, laid out (no panel collapsed by an empty curve)
    assert (tmp_path / "sw" / "response.png").exists() and (tmp_path / "sw" / "trajectories.png").exists()
    assert not [w for w in recwarn if "constrained_layout not applied" in str(w.message)]


def test_cli_sweep_always_says_how_many_runs_failed_to_solve(tmp_path):
    from typer.testing import CliRunner

    from livermodel.cli.app import app

    res = CliRunner().invoke(
        app,
        [
            "sweep",
            "rat-phx-70",
            "--vary",
            "solver.max_steps=1,100000",
            "--set",
            "output_step=12h",
            "-o",
            str(tmp_path / "sw"),
            "-q",
            "-f",
            "none",
        ],
    )
    assert res.exit_code == 0, res.output
    assert res.output.strip() == (
        "warning: 1 of 2 runs failed to solve (status 'failed' and a "
        "message in metrics.csv; the figures leave them out)"
    )


def _colorbar_limits(fig):
    bars = [ax for ax in fig.axes if ax.get_label() == "<colorbar>"]
    assert len(bars) == 1
    return bars[0].get_ylim()


def test_probability_maps_keep_a_fixed_0_1_colour_scale():
    from livermodel.figures.sweep import map_figure

    # 90 % resection: the liver fails in every run, survival is ~0 everywhere (a flat map)
    plan = plan_sweep(
        "rat-phx-90",
        ["parameters.death_sensitivity=0.5:2", "parameters.critical_mass=0.1:0.3"],
        design="lhs",
        samples=24,
        seed=1,
        overrides=["output_step=12h", "duration=4d"],
    )
    result = run_sweep(plan, formats=())
    fig = map_figure(result)
    assert _colorbar_limits(fig) == pytest.approx((0.0, 1.0))
    texts = [t.get_text() for ax in fig.axes for t in ax.texts]
    if all(r["failed"] for r in result.rows):
        assert any("fails in every run" in t for t in texts)
    assert not any("(1 (normal mass))" in ax.get_ylabel() for ax in fig.axes)


def test_a_map_where_every_solve_failed_says_so():
    from livermodel.figures.sweep import map_figure

    plan = _short_plan(["interventions.0.at=2h,6h", "interventions.0.dose=1e6,1e7cells/kg"])
    plan = plan_sweep(
        plan.scenario.with_overrides(["solver.max_steps=1"]),
        ["interventions.0.at=2h,6h", "interventions.0.dose=1e6,1e7cells/kg"],
    )
    result = run_sweep(plan, formats=())
    assert result.n_failed == 4
    fig = map_figure(result)
    texts = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert any("every one of the 4 runs failed to solve" in t for t in texts)
    assert _colorbar_limits(fig) == pytest.approx((0.0, 1.0))


def test_trajectories_show_both_outcomes_when_the_sweep_has_both():
    from livermodel.figures.sweep import pick_both_outcomes

    plan = plan_sweep(
        "rat-phx-70",
        ["insults.0.fraction=0.5:0.95:8", "parameters.death_sensitivity=0.5:3:6"],
        overrides=["output_step=12h", "duration=4d"],
    )
    result = run_sweep(plan, formats=())
    picked = pick_both_outcomes(result)
    outcomes = {bool(result.rows[i]["failed"]) for i in picked}
    assert outcomes == {True, False} and len(picked) == 6


def test_resume_with_the_sweep_options_repeated_checks_them_against_the_plan(tmp_path):
    """``--resume DIR`` with SCENARIO/--vary given again compares them with DIR's plan (this path
    once called a method the plan does not have and ended in a traceback; found by mypy)."""
    from livermodel.cli.app import app

    runner = CliRunner()
    base = [
        "sweep",
        "rat-phx-70",
        "--set",
        "duration=2d",
        "--set",
        "output_step=6h",
        "-q",
        "--format",
        "none",
    ]
    out = tmp_path / "s"
    first = runner.invoke(app, [*base, "--vary", "insults.0.fraction=0.5:0.9:2", "--out", str(out)])
    assert first.exit_code == 0, first.output
    same = runner.invoke(app, [*base, "--vary", "insults.0.fraction=0.5:0.9:2", "--resume", str(out)])
    assert same.exit_code == 0 and same.output == "", same.output
    other = runner.invoke(app, [*base, "--vary", "insults.0.fraction=0.5:0.9:3", "--resume", str(out)])
    assert other.exit_code == 2 and "has another plan than this command" in other.output, other.output
