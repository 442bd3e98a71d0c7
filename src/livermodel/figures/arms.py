"""Figures: a comparison of many arms as small multiples, one panel pair per arm.

Overlaid on shared axes, more than four arms become a tangle in which identical curves hide each
other.  :func:`arms_figure` gives every arm its own pair of panels instead (the liver above, serum
ALT below), with the control (or the first arm) drawn faintly in grey behind each other arm, the
same axes everywhere, and the arm's outcome in its panel title.  :func:`comparison_figure
<livermodel.figures.timecourse.comparison_figure>` draws this figure above
:data:`MAX_OVERLAID` arms.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from livermodel.figures.canvas import given_axes, new_figure
from livermodel.figures.panels import (
    _DIV,
    DASHDOT,
    DASHED,
    SOLID,
    _lw,
    _time_ticks,
    _unit_for,
    format_hours_short,
    mark_events,
    plot_alt,
    plot_mass,
)
from livermodel.figures.style import REFERENCE_COLOR, arm_color, style_context
from livermodel.metrics import failure_time

#: Up to this many arms are overlaid on shared panels; more are drawn as small multiples.
MAX_OVERLAID = 4
#: Colour of the control drawn behind the other arms.
CONTROL_COLOR = "#b5b5b5"


def outcome_text(run) -> str:
    """``fails at 31.9 h`` or ``no failure in 14 d``: what happened to ``run``'s liver (the whole
    run, also when the figure shows only a window of it)."""
    full = getattr(run, "run", run)
    t_fail = failure_time(full.time_h, full["survival_probability"])
    if t_fail is None:
        return f"no failure in {format_hours_short(float(full.duration_h))}"
    return f"fails at {format_hours_short(t_fail)}"


def _wrap(label: str, width: int = 30) -> str:
    """A long arm label on two lines at most (a panel is a third of the figure wide)."""
    import textwrap

    lines = textwrap.wrap(label, width=width) or [label]
    return "\n".join(lines[:1] + [" ".join(lines[1:])] if len(lines) > 1 else lines)


def arms_figure(
    runs: Sequence,
    labels: Sequence[str],
    *,
    control: int | None = None,
    style: str = "paper",
    title: str | None = None,
    fig=None,
    ax=None,
):
    """One pair of panels per arm: liver mass (function, volume, injured, the failure mark) above,
    serum ALT below, in the arm's colour; the control arm (index ``control``, default the first)
    faintly behind the others.  ``runs`` may be windowed (:mod:`livermodel.figures.window`).
    ``fig`` a figure or sub-figure to lay the panels out in; ``ax`` the caller's axes instead, two
    per arm (the liver panel, then the ALT panel, of each arm in turn; see
    :mod:`livermodel.figures.canvas`).  Returns the ``Figure``.
    """
    from matplotlib.lines import Line2D

    from livermodel.figures.panels import _note

    runs, labels = list(runs), list(labels)
    ref = 0 if control is None else control
    with style_context(style) as layout:
        cols = 3
        pairs = -(-len(runs) // cols)
        owned = ax is None
        if owned:
            size = (layout["width"], layout["row_height"] * 1.55 * pairs + 0.6 * layout["row_height"])
            fig = new_figure(size, fig)
            grid = fig.add_gridspec(2 * pairs, cols, height_ratios=[1.25, 0.8] * pairs)
        else:
            fig, given = given_axes(ax, fig, 2 * len(runs), "arms_figure")
        unit = _unit_for(runs)
        end = max(float(r.duration_h) for r in runs) / _DIV[unit]
        livers, alts = [], []
        for k, (run, label) in enumerate(zip(runs, labels, strict=True)):
            row, col = 2 * (k // cols), k % cols
            if owned:
                ax = fig.add_subplot(grid[row, col])
                bx = fig.add_subplot(grid[row + 1, col], sharex=ax)
            else:
                ax, bx = given[2 * k], given[2 * k + 1]
            ax.set_xlim(0, end)
            if k != ref:  # the control behind, in grey and thin
                back = runs[ref]
                ax.plot(
                    np.asarray(back.time_h) / _DIV[unit],
                    back["liver_function"],
                    color=CONTROL_COLOR,
                    linewidth=1.6 * _lw(ax),
                    zorder=1,
                )
                bx.plot(
                    np.asarray(back.time_h) / _DIV[unit],
                    back["alt_u_per_l"],
                    color=CONTROL_COLOR,
                    linewidth=1.6 * _lw(ax),
                    zorder=1,
                )
            plot_mass(ax, run, color=arm_color(k), unit=unit)
            plot_alt(bx, run, color=arm_color(k), unit=unit)
            for a in (ax, bx):
                mark_events(a, run, unit=unit)
                a.set_xlim(0, end)
                _time_ticks(a, unit)
            ax.set_xlabel("")
            ax.tick_params(labelbottom=False)
            role = " (control)" if control is not None and k == ref else ""
            ax.set_title(
                _wrap(label + role) + "\n" + outcome_text(run),
                color=arm_color(k),
                fontsize="medium",
                loc="left",
            )
            if col == 0 or not owned:
                ax.set_ylabel("liver (normal = 1)")
                bx.set_ylabel("ALT (U/L)")
            else:
                ax.set_ylabel("")
                bx.set_ylabel("")
            livers.append(ax)
            alts.append(bx)
        lows, highs = zip(*(a.get_ylim() for a in alts), strict=True)
        for bx in alts:  # one ALT scale for every arm, so heights compare across panels
            bx.set_ylim(min(lows), max(highs))
        top = max(a.get_ylim()[1] for a in livers)
        for ax in livers:
            ax.set_ylim(0, top)
        gray = "#222222"
        handles = [
            Line2D([], [], color=gray, linestyle=SOLID),
            Line2D([], [], color=gray, linestyle=(0, (6, 2, 1.5, 2))),
            Line2D([], [], color=gray, linestyle=DASHED),
            Line2D([], [], color=REFERENCE_COLOR, linestyle=DASHDOT),
            Line2D([], [], color=gray, marker="X", linestyle="none"),
            Line2D([], [], color=CONTROL_COLOR, linewidth=1.6 * _lw(livers[0])),
        ]
        names = [
            "function",
            "volume",
            "injured",
            "failure level",
            "failure",
            f"{labels[ref]} ({'control' if control is not None else 'first arm'})",
        ]
        if not owned:  # the caller's figure: the key goes in the first liver panel
            livers[0].legend(handles, names, loc="best", fontsize="x-small", handlelength=2.2)
            return fig
        legend = fig.legend(
            handles, names, loc="outside upper center", ncols=6, handlelength=2.2, title=title
        )
        if title:
            legend.get_title().set_fontweight("bold")
        _note(fig, layout)
    return fig
