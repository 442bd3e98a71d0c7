"""Figures: panels, units, reference lines, event marks, styles, lazy matplotlib."""

import struct
import subprocess
import sys

import matplotlib
import numpy as np
import pytest
from matplotlib.figure import Figure

from livermodel import EV, MSC, Hepatectomy, Toxin
from livermodel.figures.style import ARM_COLORS, OKABE_ITO, STYLES, time_axis
from livermodel.figures.timecourse import (
    comparison_figure,
    event_labels,
    has_therapy,
    mark_events,
    plot_alt,
    plot_mass,
    plot_signals,
    plot_therapy,
    plot_therapy_effect,
    plot_turnover,
    save_figure,
    timecourse_figure,
)
from livermodel.metrics import failure_level
from livermodel.solve import simulate

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def phx():
    return simulate(schedule=[Hepatectomy(at=0, fraction=0.7)], duration=168, output_step=4)


@pytest.fixture(scope="module")
def therapy():
    return simulate(
        schedule=[
            Hepatectomy(at=0, fraction=0.7),
            MSC(at=6, dose=1.0),
            EV(at=24, dose=50, every=24, count=2),
        ],
        duration=168,
        output_step=4,
    )


def _ax():
    return Figure().subplots()


def _visible_axes(fig):
    return [ax for ax in fig.axes if ax.get_visible() and ax.get_label() != "<colorbar>"]


def test_panel_functions_take_and_return_an_axes(phx, therapy):
    for func, run in [
        (plot_mass, phx),
        (plot_turnover, phx),
        (plot_signals, phx),
        (plot_alt, phx),
        (plot_therapy, therapy),
        (plot_therapy_effect, therapy),
        (mark_events, phx),
    ]:
        ax = _ax()
        assert func(ax, run) is ax
        assert ax.get_lines(), func.__name__


def test_mass_panel_draws_set_point_and_the_failure_level_of_the_metrics(phx):
    ax = plot_mass(_ax(), phx)
    levels = {
        line.get_label(): line.get_ydata()[0]
        for line in ax.get_lines()
        if line.get_label() in ("set point", "failure level")
    }
    assert levels["set point"] == pytest.approx(phx.parameters["set_point"])
    # the line the figure draws is the level the failure criterion reads
    assert levels["failure level"] == pytest.approx(failure_level(phx.parameters))
    assert ax.get_ylim()[0] == 0 and ax.get_ylim()[1] > 1.0
    assert "failure" not in [line.get_label() for line in ax.get_lines()]  # it recovers


def test_a_failed_run_is_marked_at_the_failure_time_of_its_metrics():
    run = simulate(schedule=[Hepatectomy(at=0, fraction=0.9)], duration=48, output_step=0.5)
    m = run.metrics()
    assert m["failed"]
    ax = plot_mass(_ax(), run, unit="h")
    mark = [line for line in ax.get_lines() if line.get_label() == "failure"]
    assert len(mark) == 1
    assert mark[0].get_xdata()[0] == pytest.approx(m["failure_time_h"])


def test_overlaying_runs_keeps_every_run_in_view(phx):
    bigger = simulate(schedule=[Toxin(at=0, dose=900)], duration=168, output_step=4)
    ax = _ax()
    plot_signals(ax, phx, color="k")
    plot_signals(ax, bigger, color="b")
    top = max(np.nanmax(bigger["inflammation"]), np.nanmax(bigger["growth_signal"]))
    assert ax.get_ylim()[1] >= top


def test_alt_is_on_a_log_axis_and_shows_the_peak(phx):
    run = simulate(schedule=[Toxin(at=0, dose=900)], duration=96, output_step=2)
    ax = plot_alt(_ax(), run)
    assert ax.get_yscale() == "log"
    lo, hi = ax.get_ylim()
    assert lo <= np.min(run["alt_u_per_l"]) and hi >= np.max(run["alt_u_per_l"])
    assert "U/L" in ax.get_ylabel()


def test_every_panel_has_a_unit_and_the_bottom_row_a_time_label(therapy):
    fig = timecourse_figure(therapy)
    axes = _visible_axes(fig)
    assert len(axes) == 7  # six panels and the EV axis on the right of the therapy panel
    for ax in axes:
        assert "(" in ax.get_ylabel() and ")" in ax.get_ylabel(), ax.get_ylabel()
    xlabels = [ax.get_xlabel() for ax in axes if ax.get_xlabel()]
    assert xlabels and all(label == "time (d)" for label in xlabels)


def test_therapy_panels_only_when_there_is_therapy(phx, therapy):
    assert not has_therapy(phx) and has_therapy(therapy)
    assert len(_visible_axes(timecourse_figure(phx))) == 4
    titles = [ax.get_title(loc="left") for ax in _visible_axes(timecourse_figure(therapy))]
    assert any("Therapy in tissue" in t for t in titles)
    assert any("Therapy effect" in t for t in titles)


def test_events_are_marked_and_named(therapy):
    assert event_labels(therapy) == [(0.0, "PHx"), (6.0, "MSC"), (24.0, "EV \u00d72")]
    fig = timecourse_figure(therapy)
    mass = _visible_axes(fig)[0]
    texts = [t.get_text() for t in mass.texts]
    assert {"PHx", "MSC", "EV \u00d72"} <= set(texts)
    vertical = sorted(
        {
            line.get_xdata()[0]
            for line in mass.get_lines()
            if len(set(line.get_xdata())) == 1 and line.get_linestyle() != "-"
        }
    )
    # times in days on a one-week axis
    np.testing.assert_allclose(vertical, [0, 6 / 24, 1, 2])


@pytest.mark.parametrize("hours, unit", [(48, "h"), (96, "h"), (336, "d"), (1680, "d"), (8760, "wk")])
def test_time_axis_unit_suits_the_duration(hours, unit):
    assert time_axis(hours)[0] == unit


def test_comparison_gives_each_arm_its_colour_and_label(phx):
    late = simulate(schedule=[Hepatectomy(at=24, fraction=0.5)], duration=168, output_step=4)
    fig = comparison_figure([phx, late], ["70 % at 0 h", "50 % at 24 h"])
    legend = fig.legends[0]
    assert [t.get_text() for t in legend.get_texts()] == ["70 % at 0 h", "50 % at 24 h"]
    mass = _visible_axes(fig)[0]
    colors = {line.get_color() for line in mass.get_lines() if line.get_label() == "function"}
    assert colors == {ARM_COLORS[0], ARM_COLORS[1]}
    # the 24 h hepatectomy belongs to one arm only: its mark is in that arm's colour
    marks = [line for line in mass.get_lines() if list(line.get_xdata()) == [1.0, 1.0]]
    assert marks and all(line.get_color() == ARM_COLORS[1] for line in marks)
    with pytest.raises(ValueError, match="labels"):
        comparison_figure([phx, late], ["only one"])


def test_palette_is_okabe_ito():
    assert set(ARM_COLORS) == set(OKABE_ITO.values())
    assert len(set(ARM_COLORS)) == 8


def test_slides_style_is_larger_than_paper(phx):
    paper = timecourse_figure(phx, style="paper")
    slides = timecourse_figure(phx, style="slides")
    assert slides.get_figwidth() > paper.get_figwidth()
    assert STYLES["slides"]["font.size"] >= 1.5 * STYLES["paper"]["font.size"]
    fs = [_visible_axes(f)[0].yaxis.label.get_fontsize() for f in (paper, slides)]
    assert fs[1] > fs[0]


def test_figure_carries_the_conceptual_model_note(phx):
    fig = timecourse_figure(phx)
    assert any("conceptual model" in t.get_text() for t in fig.texts)


def test_unknown_style_is_a_user_error(phx):
    from livermodel import LivermodelError

    with pytest.raises(LivermodelError, match="unknown figure style"):
        timecourse_figure(phx, style="poster")


def test_png_is_300_dpi_and_vector_formats_are_vector(tmp_path, phx):
    fig = timecourse_figure(phx)
    paths = save_figure(fig, tmp_path / "fig", ["png", "svg", "pdf"])
    png = paths[0].read_bytes()
    i = png.index(b"pHYs")
    ppm_x, ppm_y, unit = struct.unpack(">IIB", png[i + 4 : i + 13])
    assert unit == 1 and round(ppm_x * 0.0254) == 300 and ppm_x == ppm_y
    svg = paths[1].read_text()
    assert "<svg" in svg and "<image" not in svg  # lines, not an embedded bitmap
    assert paths[2].read_bytes().startswith(b"%PDF")


def test_draws_into_a_given_figure(phx):
    fig = Figure(figsize=(6, 5))
    assert timecourse_figure(phx, fig=fig) is fig


def test_matplotlib_is_imported_only_to_draw_and_pyplot_never():
    code = (
        "import sys, livermodel.cli, livermodel.plots, livermodel.output.runs, livermodel.cli.actions, "
        "livermodel.figures.style\n"
        "print('matplotlib' in sys.modules)\n"
        "from livermodel import simulate, Hepatectomy\n"
        "from livermodel.plots import timecourse_figure\n"
        "timecourse_figure(simulate(schedule=[Hepatectomy(at=0, fraction=0.7)], duration=48, "
        "output_step=6))\n"
        "print('matplotlib' in sys.modules, 'matplotlib.pyplot' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["False", "True", "False"]


def test_the_control_has_one_colour_in_compare_and_cohort():
    from matplotlib.colors import to_hex

    from livermodel.figures.studies import cohort_figure
    from livermodel.figures.timecourse import comparison_figure
    from livermodel.scenario.scenario import load_scenario
    from livermodel.studies.cohort import run_cohort

    short = ["output_step=12h", "duration=2d"]
    control = load_scenario("fulminant", short)
    treated = load_scenario("fulminant-msc-early", short)
    fig = comparison_figure([control.run(), treated.run()], ["fulminant", "fulminant-msc-early"])
    compare_colour = to_hex(fig.axes[0].get_lines()[0].get_color())
    res = run_cohort(treated, size=3, control=control, seed=1, metrics=("final_mass",))
    km = cohort_figure(res).axes[0]
    colours = {
        line.get_label().split(":")[0]: to_hex(line.get_color())
        for line in km.get_lines()
        if not line.get_label().startswith("_")
    }
    assert colours["fulminant"] == compare_colour
    assert colours["fulminant-msc-early"] != compare_colour


def test_every_failing_arm_of_a_comparison_has_its_failure_mark():
    """The failure time (survival below one half, the metrics' criterion) is marked for every arm
    that fails, in its colour, not only for the arm that draws the failure level; the title heads
    the legend instead of sitting on it."""
    from matplotlib.colors import to_hex

    from livermodel.figures.timecourse import comparison_figure
    from livermodel.scenario.scenario import load_scenario

    names = ["fulminant", "fulminant-msc-late", "fulminant-msc-early"]
    runs = [load_scenario(n, ["duration=3d", "output_step=1h"]).run() for n in names]
    fig = comparison_figure(runs, names, title="three arms")
    marks = [ln for ln in fig.axes[0].get_lines() if ln.get_marker() == "X"]
    failed = [r for r in runs if r.metrics()["failed"]]
    assert len(marks) == len(failed) == 2
    times = sorted(float(m.get_xdata()[0]) for m in marks)
    expected = sorted(r.metrics()["failure_time_h"] for r in failed)
    assert times == pytest.approx(expected)
    assert len({to_hex(m.get_color()) for m in marks}) == 2
    assert fig.legends[0].get_title().get_text() == "three arms"
    assert fig._suptitle is None
