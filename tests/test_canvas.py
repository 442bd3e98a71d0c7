"""Every whole-figure function draws on the caller's axes (``ax=``) or into a given figure or
sub-figure (``fig=``) as well as into a figure of its own (livermodel.figures.canvas)."""

import matplotlib
import pytest
from matplotlib.figure import Figure

from livermodel import Hepatectomy
from livermodel.figures.timecourse import comparison_figure, timecourse_figure
from livermodel.solve import simulate

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def runs():
    return [
        simulate(schedule=[Hepatectomy(at=0, fraction=f)], duration=96, output_step=4) for f in (0.7, 0.9)
    ]


def _drawn(ax) -> bool:
    return bool(ax.get_lines() or ax.collections or ax.patches or ax.images)


def _untouched_at_figure_level(fig):
    """The caller's figure gets no title, note or figure legend."""
    assert fig.texts == []
    assert fig.legends == []
    assert fig._suptitle is None


def test_timecourse_on_the_callers_axes(runs):
    fig = Figure(figsize=(8, 6))
    axes = fig.subplots(2, 2)
    assert timecourse_figure(runs[0], ax=axes) is fig
    assert all(_drawn(ax) for ax in axes.ravel())
    assert [(ax.get_title() or ax.get_title(loc="left"))[:1] for ax in axes.ravel()] == ["A", "B", "C", "D"]
    _untouched_at_figure_level(fig)


def test_the_comparison_names_its_arms_on_the_callers_axes(runs):
    fig = Figure(figsize=(8, 6))
    axes = fig.subplots(2, 2)
    comparison_figure(runs, ["70 %", "90 %"], ax=axes)
    _untouched_at_figure_level(fig)
    texts = [
        t.get_text() for ax in axes.ravel() for leg in ax.findobj(matplotlib.legend.Legend) for t in leg.texts
    ]
    assert "70 %" in texts and "90 %" in texts


def test_small_multiples_take_two_axes_per_arm(runs):
    from livermodel.figures.arms import MAX_OVERLAID

    many = [runs[i % 2] for i in range(MAX_OVERLAID + 1)]
    labels = [f"arm {i}" for i in range(len(many))]
    fig = Figure(figsize=(10, 10))
    with pytest.raises(ValueError, match=rf"draws {2 * len(many)} panels"):
        comparison_figure(many, labels, ax=fig.subplots(2, 2))
    fig = Figure(figsize=(10, 10))
    axes = fig.subplots(len(many), 2)
    assert comparison_figure(many, labels, ax=axes) is fig
    assert all(_drawn(ax) for ax in axes.ravel())
    _untouched_at_figure_level(fig)


def test_too_few_axes_or_not_axes_is_a_clear_error(runs):
    fig = Figure()
    with pytest.raises(ValueError, match=r"draws 4 panels here, and ax= gave 2 Axes; pass 4"):
        timecourse_figure(runs[0], ax=fig.subplots(1, 2))
    with pytest.raises(TypeError, match="not str"):
        timecourse_figure(runs[0], ax=["a", "b", "c", "d"])
    with pytest.raises(ValueError, match="not both"):
        timecourse_figure(runs[0], ax=Figure().subplots(2, 2), fig=Figure())


def test_extra_axes_are_left_alone(runs):
    fig = Figure(figsize=(9, 6))
    axes = fig.subplots(2, 3).ravel()
    timecourse_figure(runs[0], ax=axes)
    assert not _drawn(axes[4]) and not _drawn(axes[5])
    assert axes[4].get_visible() and axes[5].get_visible()


def test_a_sub_figure_holds_the_panels_and_the_note(runs):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    root = Figure(figsize=(14, 5), layout="constrained")
    FigureCanvasAgg(root)
    left, right = root.subfigures(1, 2)
    other = right.subplots()
    other.plot([0, 1], [0, 1])
    assert comparison_figure(runs, ["70 %", "90 %"], fig=left) is left
    assert len(left.axes) == 4 and right.axes == [other]
    assert "conceptual model" in left.get_supxlabel()  # which the parent's layout makes room for
    assert root.texts == []  # the note belongs to the sub-figure, not to the whole figure
    root.canvas.draw()  # the constrained layout of the parent still works


def test_study_figures_take_ax(runs):
    from livermodel.figures.studies import cohort_figure, sensitivity_figure
    from livermodel.scenario import load_scenario
    from livermodel.studies.cohort import run_cohort
    from livermodel.studies.sensitivity import sensitivity

    sc = load_scenario("rat-phx-70", ["duration=2d", "output_step=12h"])
    res = sensitivity(sc, "final_mass", method="local", params=["division_rate", "priming_rate"])
    fig = Figure()
    ax = fig.subplots()
    assert sensitivity_figure(res, ax=ax) is fig
    assert _drawn(ax)
    _untouched_at_figure_level(fig)

    co = run_cohort(sc, size=3, seed=1, metrics=("final_mass",))
    fig = Figure(figsize=(8, 3))
    with pytest.raises(ValueError, match="cohort_figure draws 2 panels"):
        cohort_figure(co, ax=fig.subplots())
    axes = fig.subplots(1, 2)
    assert cohort_figure(co, ax=axes) is fig
    assert all(_drawn(a) for a in axes)
    _untouched_at_figure_level(fig)


def test_save_figure_draws_the_png_once_as_matplotlib_would(runs, tmp_path):
    """save_figure lays the PNG out at its dpi beforehand and draws it once; the image is the one
    matplotlib's own two-pass savefig writes, and the figure keeps its layout engine."""
    import numpy as np
    from matplotlib.image import imread

    from livermodel.figures.style import DPI
    from livermodel.figures.timecourse import save_figure

    fig = timecourse_figure(runs[1])
    engine = fig.get_layout_engine()
    fig.savefig(tmp_path / "matplotlib.png", dpi=DPI)
    draws = []
    fig.canvas.mpl_connect("draw_event", lambda event: draws.append(event))
    (path,) = save_figure(fig, tmp_path / "ours", ["png"])
    assert len(draws) == 1
    assert fig.get_layout_engine() is engine
    assert np.array_equal(imread(path), imread(tmp_path / "matplotlib.png"))
