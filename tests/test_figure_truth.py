"""What study figures say: the --set values in their titles, units written once, markers at the
axes' edges drawn whole, both vertical lines of the phase portrait named, a tight ALT axis."""

from __future__ import annotations

import math

import numpy as np
import pytest
from matplotlib.figure import Figure

from livermodel import Hepatectomy
from livermodel.figures.panels import ALT_MIN_SPAN, plot_alt
from livermodel.figures.style import with_overrides
from livermodel.scenario.scenario import load_scenario
from livermodel.solve import simulate
from livermodel.units import unit_after_number, unit_in_label

OVER = ["parameters.death_sensitivity=1.5"]


@pytest.fixture(scope="module")
def short():
    return load_scenario("rat-phx-70", ["duration=3d", "output_step=2h", *OVER])


def _texts(fig) -> str:
    """Every text of a figure: titles, labels, annotations."""
    from matplotlib.text import Text

    out = [t.get_text() for t in fig.findobj(Text)]
    return "\n".join(out)


def test_units_relative_to_a_reference_are_written_once():
    assert unit_in_label("1 (normal mass)") == "normal mass = 1"
    assert unit_after_number("1 (normal mass)") == ""
    assert unit_in_label("mg/kg") == "mg/kg" and unit_after_number("h") == "h"


def test_no_doubled_units_in_sweep_labels_and_titles(short):
    from livermodel.figures.sweep import _point_title
    from livermodel.studies.sweep.plan import key_label, plan_sweep

    plan = plan_sweep(short, ["parameters.critical_mass=0.1:0.3:3"])
    label = key_label(plan.scenario, plan.specs[0])
    assert label == "critical mass (normal mass = 1)"
    assert "(1 (" not in _point_title(plan, 0) and _point_title(plan, 0).endswith("0.1")


def test_with_overrides_names_every_set_value_on_its_own_line():
    assert with_overrides("title", []) == "title"
    assert with_overrides("title", ["a=1", "b=2"]) == "title\n(--set a=1 --set b=2)"


def test_threshold_sensitivity_cohort_and_phase_titles_name_the_overrides(short):
    from livermodel.figures.phase import phase_figure
    from livermodel.figures.studies import cohort_figure, sensitivity_figure, threshold_figure
    from livermodel.studies.cohort import run_cohort
    from livermodel.studies.phase import phase_portrait
    from livermodel.studies.sensitivity import sensitivity
    from livermodel.studies.threshold import find_threshold

    th = find_threshold(short, "insults.0.fraction", spec="0.6:0.95", tol=0.02)
    se = sensitivity(short, "final_mass", params=["division_rate"])
    co = run_cohort(short, size=4, seed=1)
    ph = phase_portrait(short, grid=(12, 4), values=[0.5, 0.9])
    figures = [
        threshold_figure(th, overrides=OVER),
        sensitivity_figure(se, overrides=OVER),
        cohort_figure(co, overrides=OVER),
        phase_figure(ph, overrides=OVER),
    ]
    for fig in figures:
        assert "--set parameters.death_sensitivity=1.5" in _texts(fig)
    # and without overrides, no '--set' anywhere
    assert "--set" not in _texts(threshold_figure(th))


def test_sweep_figures_name_the_overrides(short, tmp_path):
    from livermodel.output.sweep import run_sweep
    from livermodel.studies.sweep.plan import plan_sweep

    plan = plan_sweep(short, ["insults.0.fraction=0.6:0.9:3"])
    res = run_sweep(plan, tmp_path / "s", formats=("svg",), overrides=OVER)
    for name in ("response.svg", "trajectories.svg"):
        assert "death_sensitivity=1.5" in (res.folder / name).read_text(), name


def test_threshold_markers_at_the_ends_of_the_range_are_not_clipped(short):
    from livermodel.figures.studies import threshold_figure
    from livermodel.studies.threshold import find_threshold

    th = find_threshold(short, "insults.0.fraction", spec="0.6:0.95", tol=0.02)
    ax = threshold_figure(th).axes[0]
    points = [line for line in ax.get_lines() if line.get_label().startswith("evaluated")]
    xs = np.concatenate([line.get_xdata() for line in points])
    assert xs.min() == pytest.approx(0.6) and xs.max() == pytest.approx(0.95)
    assert all(not line.get_clip_on() for line in points)


def test_both_vertical_lines_of_the_phase_plane_are_named():
    from livermodel.figures.phase import boundary_at_top, phase_figure
    from livermodel.studies.phase import phase_portrait

    p = phase_portrait("rat-phx-70", grid=(16, 4), values=[0.5, 0.9])
    ax = phase_figure(p).axes[0]
    named = {t.get_text(): t.xy[0] for t in ax.texts if t.get_text() in ("critical level", "basin boundary")}
    assert named["critical level"] == pytest.approx(p.critical_level)
    top = boundary_at_top(p)
    assert named["basin boundary"] == pytest.approx(top)
    # the boundary lies between two grid columns whose outcomes differ
    row = np.asarray(p.failure)[-1]
    i = int(np.searchsorted(p.grid_x, top)) - 1
    assert row[i] != row[i + 1]


def test_a_flat_alt_is_drawn_on_a_tight_log_axis():
    run = simulate(schedule=[Hepatectomy(at=0, fraction=0.3)], duration=96, output_step=1)
    ax = plot_alt(Figure().subplots(), run)
    lo, hi = ax.get_ylim()
    alt = np.asarray(run["alt_u_per_l"])
    assert lo < alt.min() and hi > alt.max()  # every value inside
    span = hi / lo
    assert span == pytest.approx(max(ALT_MIN_SPAN, (alt.max() / alt.min()) * 1.25**2), rel=1e-6)
    assert math.log10(span) < 1  # not a whole empty decade


def test_the_liver_legend_leaves_the_set_point_line_visible():
    from livermodel.figures.timecourse import timecourse_figure

    run = simulate(schedule=[Hepatectomy(at=0, fraction=0.7)], duration=336, output_step=2)
    fig = timecourse_figure(run)
    fig.canvas.draw()
    ax = next(
        a for a in fig.axes if a.get_title(loc="left").endswith("Liver") or a.get_title().endswith("Liver")
    )
    box = ax.get_legend().get_window_extent().transformed(ax.transAxes.inverted())
    set_point = ax.transAxes.inverted().transform(
        ax.transData.transform((0, float(run.parameters["set_point"])))
    )[1]
    assert not box.y0 <= set_point <= box.y1  # the dotted line runs past the legend, not under it
    # and the legend covers no more than a sliver of the function curve
    xy = ax.transAxes.inverted().transform(
        ax.transData.transform(
            np.column_stack([np.asarray(run.time_h) / 24, np.asarray(run["liver_function"])])
        )
    )
    inside = (xy[:, 0] >= box.x0) & (xy[:, 0] <= box.x1) & (xy[:, 1] >= box.y0) & (xy[:, 1] <= box.y1)
    assert inside.mean() < 0.05
