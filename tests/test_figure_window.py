"""The time window of figures (--window) and comparisons of many arms (small multiples)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from livermodel import Hepatectomy
from livermodel.cli import app
from livermodel.errors import LivermodelError
from livermodel.figures.arms import MAX_OVERLAID
from livermodel.figures.timecourse import comparison_figure, timecourse_figure
from livermodel.figures.window import check_window, windowed
from livermodel.solve import simulate


@pytest.fixture(scope="module")
def failing():
    """A 90 % resection in the rat: the remnant (0.1) lies below the failure level, so it fails."""
    run = simulate(schedule=[Hepatectomy(at=0, fraction=0.9)], duration=96, output_step=0.5)
    assert run.metrics()["failed"]
    return run


@pytest.fixture(scope="module")
def phx():
    return simulate(schedule=[Hepatectomy(at=0, fraction=0.7)], duration=96, output_step=1)


@pytest.mark.parametrize(
    ("text", "hours"),
    [("48h", 48.0), ("2d", 48.0), ("1 wk", 168.0), (24, 24.0), ("36", 36.0), ("90 min", 1.5)],
)
def test_window_values_are_times_in_hours(text, hours):
    assert check_window(text) == pytest.approx(hours)


@pytest.mark.parametrize("text", [None, "full", "ALL"])
def test_no_window_means_the_whole_run(text):
    assert check_window(text) is None


@pytest.mark.parametrize("text", ["0", "-3h", "abc", "3 mg/kg", "inf", "2 lightyears"])
def test_bad_windows_are_refused_with_the_option_named(text):
    with pytest.raises(LivermodelError) as err:
        check_window(text)
    assert err.value.key == "--window"


def _title(ax) -> str:
    return " ".join(ax.get_title(loc) for loc in ("left", "center", "right"))


def _panel(fig, name):
    return next(ax for ax in fig.axes if _title(ax).strip().endswith(name))


def _liver(fig):
    return _panel(fig, "Liver")


def test_every_time_axis_ends_at_the_window(phx):
    fig = timecourse_figure(phx, window_h=24)
    for ax in fig.axes:
        if ax.get_visible():
            assert ax.get_xlim() == pytest.approx((0, 24))
            assert ax.get_xlabel() in ("", "time (h)")


def test_y_ranges_follow_the_data_inside_the_window(phx):
    # division peaks near 1 d after a 70 % resection: a 6 h window shows less than the peak
    full = _panel(timecourse_figure(phx), "turnover")
    early = _panel(timecourse_figure(phx, window_h=6), "turnover")
    division = np.asarray(phx["proliferation"])
    inside = division[np.asarray(phx.time_h) <= 6].max()
    assert early.get_ylim()[1] == pytest.approx(max(1e-3, 1.06 * inside), rel=0.05)
    assert early.get_ylim()[1] < 0.9 * full.get_ylim()[1]


def test_a_failure_inside_the_window_is_marked_at_its_time(failing):
    t_fail = failing.metrics()["failure_time_h"]
    ax = _liver(timecourse_figure(failing, window_h=t_fail + 12))
    marks = [line for line in ax.get_lines() if line.get_label() == "failure"]
    assert len(marks) == 1
    assert marks[0].get_xdata()[0] == pytest.approx(t_fail, abs=0.5)
    assert any(f"failed at {t_fail:.3g} h" in t.get_text() for t in ax.texts)


def test_a_failure_after_the_window_is_named_at_its_edge_not_hidden(failing):
    t_fail = failing.metrics()["failure_time_h"]
    window = 0.5 * t_fail
    ax = _liver(timecourse_figure(failing, window_h=window))
    labels = [line.get_label() for line in ax.get_lines()]
    assert "failure" not in labels  # nothing is drawn outside the axes
    edge = [line for line in ax.get_lines() if line.get_label() == "fails after the window"]
    assert len(edge) == 1 and edge[0].get_xdata()[0] == pytest.approx(window)
    assert any("after this window" in t.get_text() for t in ax.texts)


def test_events_after_the_window_are_not_labelled():
    run = simulate(
        schedule=[Hepatectomy(at=0, fraction=0.3), Hepatectomy(at=60, fraction=0.3)],
        duration=96,
        output_step=1,
    )
    (view,) = windowed([run], 24)
    assert [t for t, _ in view.schedule.dose_times()] == [0.0]
    assert view.time_h[-1] == pytest.approx(24) and len(view["liver_function"]) == len(view.time_h)


def test_a_window_longer_than_the_run_draws_the_whole_run(phx):
    fig = timecourse_figure(phx, window_h=1000)
    assert _liver(fig).get_xlim() == pytest.approx((0, 96))  # the whole 96 h


def _function_widths(fig):
    widths = {}
    for line in _liver(fig).get_lines():
        if line.get_label() == "function":
            widths.setdefault(line.get_color(), line.get_linewidth())
    return list(widths.values())


def test_identical_arms_stay_visible_as_a_thin_line_inside_a_wide_one(phx):
    first, second = _function_widths(comparison_figure([phx, phx], ["a", "b"]))
    assert first == pytest.approx(1.8 * second)
    # three arms on one curve: a stack of three widths
    widths = _function_widths(comparison_figure([phx, phx, phx], ["a", "b", "c"]))
    assert widths[0] > widths[1] > widths[2]
    # curves that differ (on the same time grid) keep the same width
    other = simulate(schedule=[Hepatectomy(at=0, fraction=0.5)], duration=96, output_step=1)
    first, second = _function_widths(comparison_figure([phx, other], ["a", "b"]))
    assert first == pytest.approx(second)


def test_more_than_four_arms_are_small_multiples_with_the_control_behind(phx, failing):
    runs = [failing] + [phx] * MAX_OVERLAID
    labels = ["control arm"] + [f"arm {i}" for i in range(1, len(runs))]
    fig = comparison_figure(runs, labels, control=0, window_h=48)
    titled = [ax for ax in fig.axes if ax.get_title(loc="left")]
    assert len(titled) == len(runs)  # one liver panel per arm
    assert titled[0].get_title(loc="left").startswith("control arm (control)\nfails at")
    assert "no failure" in titled[1].get_title(loc="left")
    for ax in titled:
        assert ax.get_xlim() == pytest.approx((0, 48))
    grey = [line for line in titled[1].get_lines() if line.get_color() == "#b5b5b5"]
    assert len(grey) == 1  # the control's liver function behind the arm
    assert not [line for line in titled[0].get_lines() if line.get_color() == "#b5b5b5"]
    # one scale for every arm: the same ALT range in every ALT panel
    alt = [ax for ax in fig.axes if ax.get_yscale() == "log"]
    assert len(alt) == len(runs) and len({ax.get_ylim() for ax in alt}) == 1


def test_the_cli_window_is_recorded_and_kept_by_plot(tmp_path):
    runner = CliRunner()
    out = tmp_path / "phx"
    res = runner.invoke(app, ["run", "rat-phx-70", "--window", "2d", "-o", str(out), "-q"])
    assert res.exit_code == 0, res.output
    record = json.loads((out / "provenance.json").read_text())
    assert record["figure"] == {"window_h": 48.0}
    assert len((out / "timeseries.csv").read_text().splitlines()) > 300  # 14 d still saved
    assert runner.invoke(app, ["plot", str(out), "-q"]).exit_code == 0
    record = json.loads((out / "provenance.json").read_text())
    assert record["figure"] == {"window_h": 48.0} and record["redrawn"][-1]["window_h"] == 48.0
    assert runner.invoke(app, ["plot", str(out), "-q", "--window", "full"]).exit_code == 0
    record = json.loads((out / "provenance.json").read_text())
    assert "figure" not in record and record["redrawn"][-1]["window_h"] is None


@pytest.mark.parametrize("command", [["run", "rat-phx-70"], ["compare", "rat-phx-70", "healthy"]])
def test_a_bad_window_exits_2_before_simulating_and_writes_nothing(tmp_path, command):
    out = tmp_path / "out"
    res = CliRunner().invoke(app, [*command, "--window", "-2d", "-o", str(out)])
    assert res.exit_code == 2
    assert "--window" in res.output and "longer than zero" in res.output
    assert "Traceback" not in res.output and not out.exists()


def test_report_refuses_a_bad_window_or_cohort_before_simulating(monkeypatch):
    from livermodel.scenario.scenario import Scenario
    from livermodel.teach.report import build_report

    def never(self):
        raise AssertionError("simulated before the options were checked")

    monkeypatch.setattr(Scenario, "run", never)
    with pytest.raises(LivermodelError) as err:
        build_report("rat-phx-70", phase=False, window="-1h")
    assert err.value.key == "--window"
    with pytest.raises(LivermodelError) as err:
        build_report("rat-phx-70", phase=False, cohort="sise=4")
    assert err.value.key == "--cohort" and "size" in str(err.value)


def test_cohort_survival_panel_follows_the_window():
    from livermodel.figures.studies import cohort_figure
    from livermodel.scenario.scenario import load_scenario
    from livermodel.studies.cohort import run_cohort

    sc = load_scenario("rat-phx-70", ["duration=4d", "output_step=2h"])
    res = run_cohort(sc, size=3, seed=1)
    ax = cohort_figure(res, window_h=24).axes[0]
    assert ax.get_xlim() == pytest.approx((0, 24)) and ax.get_xlabel() == "time (h)"
