"""Figures: the time-course panel figure of one run and the comparison figure of several runs.

Every plot function takes a matplotlib ``Axes`` (or, for whole figures, an optional ``Figure``),
draws on it and returns it; none calls ``show()``.  matplotlib is imported only inside the
functions that need it, and whole figures are built on the non-interactive Agg canvas without
touching ``pyplot``, so drawing never opens a window and never changes the backend of a notebook.

A *run* here is anything with ``time_h``, ``run[name]`` for trajectory variables
(:data:`livermodel.model.VARIABLES`), ``parameters`` (for the set point and the failure
threshold), ``duration_h`` and ``schedule.dose_times()``: a :class:`livermodel.solve.simulate.Result`
or a :class:`livermodel.output.SavedRun` read back from an output folder.

Panels of the time-course figure (y-axis unit in brackets):

* liver: function (solid), volume (dash-dot, what volumetry measures) and injured mass
  (dashed), the set point (dotted) and the failure level :func:`livermodel.metrics.failure_level`
  (dash-dot, the zone below shaded), and the failure time when the run fails [normal liver = 1];
* cell turnover: division (solid) and death (dashed) flux [normal mass / h];
* signals: inflammation (solid) and growth signal (dashed) [relative, 0 = none];
* serum ALT, on a log axis [U/L];
* therapy in tissue: MSCs in lung (solid) and liver (dashed) [1e6 cells/kg]; EVs in liver
  (dotted, right axis) [ug/kg];
* therapy effect: occupancy of the paracrine effect [0 to 1].

The two therapy panels are left out when no run in the figure has any therapy.  Insults and doses
are marked on every panel by thin vertical lines; the top panel names them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from livermodel.figures.canvas import frozen_layout, is_root
from livermodel.figures.panels import (  # noqa: F401  (the panels are public here too)
    _DIV,
    DASHDOT,
    DASHED,
    DOTTED,
    SOLID,
    VARIABLE_COLORS,
    _event_line,
    _lw,
    _note,
    _time_ticks,
    _unit_for,
    event_labels,
    has_therapy,
    label_events,
    mark_events,
    plot_alt,
    plot_mass,
    plot_signals,
    plot_therapy,
    plot_therapy_effect,
    plot_turnover,
)
from livermodel.figures.style import (
    DPI,
    REFERENCE_COLOR,
    arm_color,
    style_context,
)
from livermodel.metrics import failure_level

# --------------------------------------------------------------------------------------------
# whole figures
# --------------------------------------------------------------------------------------------

#: The panels of the time-course figure: title and the function that draws it on an Axes (typed as
#: any callable: their keyword arguments differ, and an inferred join of them is not callable).
PANELS: tuple[tuple[str, Callable[..., Any]], ...] = (
    ("Liver", plot_mass),
    ("Cell turnover", plot_turnover),
    ("Signals", plot_signals),
    ("Serum ALT", plot_alt),
    ("Therapy in tissue", plot_therapy),
    ("Therapy effect", plot_therapy_effect),
)


def _new_figure(n_panels: int, layout: dict, fig=None, ax=None, what: str = "timecourse_figure"):
    """``(figure, axes, columns, owned)``: see :mod:`livermodel.figures.canvas`."""
    from livermodel.figures.canvas import grid_axes

    columns = int(layout["columns"]) if n_panels > 4 else 2
    rows = int(np.ceil(n_panels / columns))
    size = (layout["width"], layout["row_height"] * rows + 0.35 * layout["row_height"])
    fig, axes, owned = grid_axes(n_panels, rows, columns, size, ax=ax, fig=fig, what=what)
    return fig, axes, (columns if owned else 1), owned


def _panel_legend(ax, handles_labels):
    handles, labels = handles_labels
    if handles:
        from livermodel.figures.panels import place_legend

        place_legend(ax, ax.legend(handles, labels, loc="upper right", handlelength=2.2))


def timecourse_figure(
    run,
    *,
    style: str = "paper",
    title: str | None = None,
    fig=None,
    window_h: float | None = None,
    ax=None,
):
    """The time-course panel figure of one run; returns the matplotlib ``Figure``.

    ``style`` is ``paper`` or ``slides`` (see :mod:`livermodel.figures.style`); ``fig`` an empty
    figure or sub-figure to draw into (default: a new Agg figure sized for the style); ``ax`` the
    caller's axes instead, one per panel (4 panels, 6 with therapy; see
    :mod:`livermodel.figures.canvas`); ``window_h`` draws only the first ``window_h`` hours (see
    :mod:`livermodel.figures.window`; the axes' ranges, the failure mark and the event labels
    follow the window).
    """
    return _panel_figure([run], None, style=style, title=title, fig=fig, window_h=window_h, ax=ax)


def comparison_figure(
    runs: Sequence,
    labels: Sequence[str] | None = None,
    *,
    style: str = "paper",
    title: str | None = None,
    fig=None,
    window_h: float | None = None,
    control: int | None = None,
    ax=None,
):
    """Overlay several runs on the panels of :func:`timecourse_figure`, one colour per arm.

    ``labels`` name the arms in the legend (default ``run 1``, ``run 2``, ...); ``window_h`` as
    for :func:`timecourse_figure`.  Earlier arms are drawn wider, so an arm whose curves are the
    same as another's shows as a thin line inside a wide one instead of hiding it.  Above
    :data:`livermodel.figures.arms.MAX_OVERLAID` arms the figure is small multiples instead
    (:func:`livermodel.figures.arms.arms_figure`, ``control`` drawn faintly behind each arm).
    ``fig`` and ``ax`` as for :func:`timecourse_figure` (small multiples take two axes per arm).
    Returns the ``Figure``.
    """
    runs = list(runs)
    if not runs:
        raise ValueError("comparison_figure needs at least one run")
    labels = list(labels) if labels is not None else [f"run {i + 1}" for i in range(len(runs))]
    if len(labels) != len(runs):
        raise ValueError(f"{len(labels)} labels for {len(runs)} runs")
    from livermodel.figures.arms import MAX_OVERLAID, arms_figure

    if len(runs) > MAX_OVERLAID:
        from livermodel.figures.window import check_window, windowed

        return arms_figure(
            windowed(runs, check_window(window_h, key="window_h")),
            labels,
            control=control,
            style=style,
            title=title,
            fig=fig,
            ax=ax,
        )
    return _panel_figure(runs, labels, style=style, title=title, fig=fig, window_h=window_h, ax=ax)


def _panel_figure(runs, labels, *, style, title, fig, window_h=None, ax=None):
    from livermodel.figures.window import check_window, windowed

    compare = labels is not None
    runs = windowed(runs, check_window(window_h, key="window_h"))
    with style_context(style) as layout:
        therapy = any(has_therapy(r) for r in runs)
        panels = PANELS if therapy else PANELS[:4]
        what = "comparison_figure" if compare else "timecourse_figure"
        fig, axes, columns, owned = _new_figure(len(panels), layout, fig, ax, what)
        unit = _unit_for(runs)
        end = max(float(r.duration_h) for r in runs) / _DIV[unit]
        for ax in axes:
            ax.set_xlim(0, end)
        refs = _reference_colors(runs, compare)
        for i, run in enumerate(runs):
            color = arm_color(i) if compare else None
            for (_name, func), ax in zip(panels, axes, strict=True):
                before = _own_lines(ax)
                if func is plot_mass:
                    func(
                        ax,
                        run,
                        color=color,
                        unit=unit,
                        references=refs[i] is not None,
                        reference_color=refs[i] or REFERENCE_COLOR,
                    )
                else:
                    func(ax, run, color=color, unit=unit)
                for line in _own_lines(ax)[len(before) :]:
                    line._livermodel_arm = i  # which arm drew it, for _unhide
        # event marks: times shared by every run in grey, the others in the colour of their arm
        shared = set.intersection(*({float(t) for t, _ in r.schedule.dose_times()} for r in runs))
        for i, run in enumerate(runs):
            own = {float(t) for t, _ in run.schedule.dose_times()} - shared
            for ax in axes:
                for t in sorted(own):
                    _event_line(ax, t, unit, arm_color(i) if compare else REFERENCE_COLOR)
        for ax in axes:
            for t in sorted(shared):
                _event_line(ax, t, unit, REFERENCE_COLOR)
        if compare:
            for ax in axes:
                _unhide(ax)
        rows = label_events(axes[0], _merged_event_labels(runs, compare), unit=unit)
        for k, ((name, _func), ax) in enumerate(zip(panels, axes, strict=True)):
            ax.set_xlim(0, end)
            size = ax.title.get_fontsize()
            pad = 4 + (rows * 1.25 * 0.83 * size if k < columns else 0)
            ax.set_title(f"{chr(65 + k)}  {name}", pad=pad)
            if owned and k + columns < len(panels):
                ax.set_xlabel("")  # x label only on the bottom panel of each column
        legends = [
            (ax, _style_legend(ax, func, compare)) for (_name, func), ax in zip(panels, axes, strict=True)
        ]
        if compare:
            from matplotlib.lines import Line2D

            handles = [
                Line2D([], [], color=arm_color(i), linewidth=2 * _lw(axes[0])) for i in range(len(runs))
            ]
            # on the caller's axes the arms are named in the last panel, away from its curves
            legend = (fig if owned else axes[-1]).legend(
                handles,
                labels,
                loc="outside upper center" if owned else "best",
                ncols=min(len(runs), 4) if owned else 1,
                handlelength=2.0,
                title=title,
            )
            if not owned:
                axes[-1].add_artist(legend)  # the panel's own legend must not replace it
                arm_legend = legend
            if title:  # a suptitle would sit on top of this legend: the title heads it instead
                legend.get_title().set_fontweight("bold")
        elif title and owned:
            fig.suptitle(title, fontweight="bold")
        if owned:
            _note(fig, layout)
        engine = fig.get_layout_engine()
        if (
            engine is not None and owned and is_root(fig)
        ):  # the final sizes of the axes, so legends are placed for them
            engine.execute(fig)
        for ax, entries in legends:
            _panel_legend(ax, entries)
        if compare and not owned:
            from livermodel.figures.panels import place_legend

            place_legend(axes[-1], arm_legend)
    return fig


def _own_lines(ax) -> list:
    """The curves on ``ax`` and on its right axis (EV), without reference lines or markers."""
    axes = [ax] + ([ax._livermodel_ev_ax] if hasattr(ax, "_livermodel_ev_ax") else [])
    return [
        line
        for a in axes
        for line in a.get_lines()
        if line.get_linestyle() not in ("None", "none", "")
        and line.get_label() not in ("set point", "failure level")
    ]


#: Two curves closer than this fraction of the axis height at a point coincide there.
COINCIDE_TOL = 0.012
#: A curve is widened when it coincides with a later arm's over this fraction of its points.
COINCIDE_SHARE = 0.2


def _unhide(ax) -> None:
    """Widen every curve that a later arm's curve of the same variable covers.

    Arms are drawn in order, so an arm's curve lies under the later ones'.  Where two arms have
    the same curve (over at least :data:`COINCIDE_SHARE` of its points, within
    :data:`COINCIDE_TOL` of the axis height; on a log axis in log units), the earlier one is drawn
    1.8 times as wide for each later arm covering it: the stack shows as a thin line inside wider
    ones instead of a single colour.
    """
    for a in [ax] + ([ax._livermodel_ev_ax] if hasattr(ax, "_livermodel_ev_ax") else []):
        log = a.get_yscale() == "log"
        lo, hi = a.get_ylim()
        height = (np.log10(hi) - np.log10(lo)) if log else (hi - lo)
        lines = [line for line in a.get_lines() if hasattr(line, "_livermodel_arm")]
        for k, line in enumerate(lines):
            y = np.asarray(line.get_ydata(), dtype=float)
            covered = 0
            for later in lines[k + 1 :]:
                if later.get_label() != line.get_label() or later._livermodel_arm == line._livermodel_arm:
                    continue
                y2 = np.asarray(later.get_ydata(), dtype=float)
                if y2.shape != y.shape or not np.allclose(later.get_xdata(), line.get_xdata()):
                    continue
                with np.errstate(divide="ignore", invalid="ignore"):
                    d = np.abs(np.log10(y) - np.log10(y2)) if log else np.abs(y - y2)
                if np.mean(d <= COINCIDE_TOL * height) >= COINCIDE_SHARE:
                    covered += 1
            if covered:
                line.set_linewidth(line.get_linewidth() * (1 + 0.8 * covered))


def _reference_colors(runs, compare):
    """Which runs draw the set point and failure threshold, and in what colour.

    One grey pair when all runs share the values; otherwise one pair per distinct value, in the
    colour of the first arm that has it.
    """
    seen: dict[tuple[float, float], int] = {}
    for i, run in enumerate(runs):
        key = (float(run.parameters["set_point"]), failure_level(run.parameters))
        seen.setdefault(key, i)
    if len(seen) == 1:
        return [REFERENCE_COLOR if i == 0 else None for i in range(len(runs))]
    first = set(seen.values())
    return [
        arm_color(i) if (compare and i in first) else (REFERENCE_COLOR if i in first else None)
        for i in range(len(runs))
    ]


def _merged_event_labels(runs, compare):
    """Event labels of all runs: shared ones once in grey, the others in their arm's colour."""
    per_run = [set(event_labels(r)) for r in runs]
    common = set.intersection(*per_run)
    items = [(t, text, REFERENCE_COLOR) for t, text in sorted(common)]
    placed = set(common)
    for i, labels in enumerate(per_run):
        for t, text in sorted(labels - common):
            if (t, text) in placed:
                continue  # more than one arm but not all: grey, once
            owners = [j for j, other in enumerate(per_run) if (t, text) in other]
            color = arm_color(i) if (compare and len(owners) == 1) else REFERENCE_COLOR
            items.append((t, text, color))
            placed.add((t, text))
    return items


def _style_legend(ax, func, compare):
    """Legend entries that explain line styles (in black when colour means the arm)."""
    from matplotlib.lines import Line2D

    handles, labels = [], []
    seen = set()
    axes = [ax] + ([ax._livermodel_ev_ax] if hasattr(ax, "_livermodel_ev_ax") else [])
    for a in axes:
        for line in a.get_lines():
            label = line.get_label()
            if label.startswith("_") or label in seen or label in ("set point", "failure level"):
                continue  # reference lines are named on the plot
            if not compare and label in ("failure", "fails after the window"):
                continue  # a single run's failure mark is named in words beside it
            seen.add(label)
            handle = Line2D([], [])
            handle.update_from(line)
            if compare:
                handle.set_color("#222222")
                handle.set_linewidth(_lw(ax))  # not the width of the arm it was copied from
            handles.append(handle)
            labels.append(label)
    if func in (plot_alt, plot_therapy_effect):
        return [], []  # one kind of line; the axis label says what it is
    return handles, labels


def save_figure(fig, stem: str | Path, formats: Sequence[str] = ("png",), *, dpi: int = DPI) -> list[Path]:
    """Save ``fig`` as ``stem.<format>`` for each format (png, svg, pdf); PNG at ``dpi``.

    Each file is written to a temporary name in the same folder and renamed into place, so an
    interrupted save never leaves a truncated figure under the final name.  The PNG is laid out
    at ``dpi`` first and then drawn once (:func:`livermodel.figures.canvas.frozen_layout`: the
    same image as matplotlib's own save, which draws the figure twice); SVG and PDF are saved by
    matplotlib as they are.  Returns the paths.
    """
    from livermodel.files import atomic_path, check_formats

    out = []
    for fmt in check_formats(formats):
        path = Path(f"{stem}.{fmt}")
        with atomic_path(path) as tmp:
            if fmt == "png":
                with frozen_layout(fig, dpi):
                    fig.savefig(tmp, format=fmt, dpi=dpi, metadata=_metadata(fmt))
            else:
                fig.savefig(tmp, format=fmt, dpi=dpi, metadata=_metadata(fmt))
        out.append(path)
    return out


def _metadata(fmt: str) -> dict:
    from livermodel.version import __version__

    creator = f"livermodel {__version__}"
    if fmt == "png":
        return {"Software": creator}
    if fmt == "svg":
        return {"Creator": creator, "Date": None}
    if fmt == "pdf":
        return {"Creator": creator, "CreationDate": None}
    return {}
