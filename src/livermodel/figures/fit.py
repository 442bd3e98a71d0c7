"""The figure of a calibration: the data and the model (one panel per experiment and variable),
and, when profiles were computed, one profile panel per fitted parameter (the objective above
its optimum, the 95 % threshold, the interval, and the end of the plausible range).  A
parameter on the end of its range is flagged in red on its panel and in the summary box.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from livermodel.figures.canvas import given_axes, new_figure, size_in
from livermodel.figures.studies import note

__all__ = ["fit_figure", "profile_axes"]


def _fill(text: str, ax, fontsize) -> str:
    """``text`` with every line wrapped to the width of ``ax`` (a bold title at ``fontsize``
    takes about 0.62 em per character), so that a long verdict stays over its own panel."""
    import textwrap

    from matplotlib.font_manager import FontProperties

    width_pt = size_in(ax)[0] * 72
    chars = max(20, int(width_pt / (0.62 * FontProperties(size=fontsize).get_size_in_points())))
    return "\n".join(textwrap.fill(line, chars) for line in text.split("\n"))


def profile_axes(ax, prof, *, at_bound: str | None = None):
    """Draw one :class:`~livermodel.studies.profile.Profile` on ``ax``; returns ``ax``."""
    from livermodel.figures.style import OKABE_ITO, REFERENCE_COLOR

    lo, hi = prof.bounds
    ax.plot(
        prof.grid,
        prof.delta,
        "o-",
        color=OKABE_ITO["blue"],
        markersize=2.5,
        linewidth=1.2,
        label="profile (others re-optimised)",
    )
    ax.axhline(
        prof.threshold,
        color=REFERENCE_COLOR,
        linestyle=(0, (4, 2)),
        linewidth=0.9,
        label=f"95 % threshold (Δχ² = {prof.threshold:.2f})",
    )
    a, b = prof.interval
    ax.axvspan(a, b, color=OKABE_ITO["sky_blue"], alpha=0.25, linewidth=0, label="95 % interval")
    ax.axvline(prof.estimate, color=OKABE_ITO["blue"], linewidth=0.8)
    for end in (lo, hi):
        ax.axvline(end, color="#999999", linewidth=0.8, linestyle=":")
    if lo > 0 and hi / lo > 20:
        from matplotlib.ticker import NullFormatter

        ax.set_xscale("log")
        ax.xaxis.set_minor_formatter(NullFormatter())
    top = max(3 * prof.threshold, min(float(np.nanmax(prof.delta)), 6 * prof.threshold))
    ax.set_ylim(-0.04 * top, top)
    ax.set_xlim(lo, hi)
    ax.set_xlabel(prof.name.replace("_", " "))
    ax.set_ylabel("Δχ² (objective above optimum)")
    colour = OKABE_ITO["vermillion"] if (not prof.identifiable or at_bound) else "black"
    words = prof.verdict.replace("; ", ";\n").replace(" (Δχ²", "\n(Δχ²")
    if at_bound:
        words = f"ON THE {at_bound.upper()} BOUND of its range\n" + words
    ax.set_title(_fill(words, ax, "small"), loc="left", fontsize="small", color=colour)
    ax.legend(loc="upper center", fontsize="x-small")
    return ax


def fit_figure(result, *, style: str = "paper", overrides=(), fig=None, ax=None):
    """Data (points with SD error bars) and the model at the start values (dashed) and at the
    estimates (solid), one panel per experiment and variable; then one profile panel per
    parameter if ``result.profiles``.  ``overrides`` (the ``--set`` values of the scenario) are
    named under each data panel's title.  ``fig`` a figure or sub-figure to lay the panels out
    in; ``ax`` the caller's axes instead, one per panel, data panels first (see
    :mod:`livermodel.figures.canvas`).  Returns a ``Figure``."""
    from livermodel.figures.style import (
        LAYOUT,
        OKABE_ITO,
        REFERENCE_COLOR,
        style_context,
        time_axis,
        with_overrides,
    )
    from livermodel.model.layout import VARIABLES
    from livermodel.solve.simulate import SolverSettings, simulate_batch

    pb = result.problem
    panels = [(e, v) for e, exp in enumerate(pb.experiments) for v in exp.data.variables]
    n_prof = len(result.profiles)
    layout = LAYOUT[style]
    cols = min(max(len(panels), n_prof, 1), 3 if style == "paper" else 4)
    rows_data = math.ceil(len(panels) / cols)
    rows_prof = math.ceil(n_prof / cols)
    with style_context(style):
        width = layout["width"] if cols > 1 else layout["width"] * (0.62 if style == "paper" else 0.75)
        if ax is None:
            size = (width, layout["row_height"] * 1.45 * (rows_data + rows_prof))
            fig = new_figure(size, fig)
            grid = fig.add_gridspec(rows_data + rows_prof, cols)
            if len(panels) == 1:
                cells = [grid[0, :]]
            else:
                cells = [grid[c // cols, c % cols] for c in range(len(panels))]
            cells += [grid[rows_data + c // cols, c % cols] for c in range(n_prof)]
            given = [fig.add_subplot(cell) for cell in cells]
        else:
            fig, given = given_axes(ax, fig, len(panels) + n_prof, "fit_figure")
        start_x = np.array([p.to_x(min(max(p.start, p.bounds[0]), p.bounds[1])) for p in pb.parameters])
        curves = {}
        for e, exp in enumerate(pb.experiments):
            sc = exp.scenario
            step = min(sc.output_step_h, sc.duration_h / 400)
            curves[e] = simulate_batch(
                [pb.parameter_set(e, start_x), pb.parameter_set(e, result.x)],
                sc.schedule,
                duration=sc.duration_h,
                output_step=step,
                settings=SolverSettings(sc.settings.method, sc.settings.rtol, sc.settings.atol),
                initial=sc.initial or None,
            )
        axes = []
        for c, (e, v) in enumerate(panels):
            ax = given[c]
            axes.append(ax)
            exp, batch = pb.experiments[e], curves[e]
            sc, d = exp.scenario, exp.data
            unit, div = time_axis(sc.duration_h)
            sel = np.array([x == v for x in d.variable])
            ax.plot(
                batch.time_h / div,
                batch.variable(v)[0],
                color=REFERENCE_COLOR,
                linestyle=(0, (4, 2)),
                label="model, start values",
            )
            ax.plot(batch.time_h / div, batch.variable(v)[1], color=OKABE_ITO["blue"], label="model, fitted")
            sd = d.sd[sel]
            if exp.noise == "estimated":
                sd = np.full(sel.sum(), result.noise_sd[e])
            # not clipped, so a point at the start or end of the run is drawn whole (the
            # data lie within the run: the fit refuses points after it)
            ax.errorbar(
                d.time_h[sel] / div,
                d.value[sel],
                yerr=sd,
                fmt="o",
                markersize=3.5,
                color=OKABE_ITO["vermillion"],
                ecolor=OKABE_ITO["vermillion"],
                capsize=2,
                elinewidth=0.9,
                zorder=3,
                clip_on=False,
                label="data (mean ± SD)" if exp.noise == "given" else "data (± fitted SD)",
            )
            u = VARIABLES[v][0]
            ax.set_ylabel(
                f"{v.replace('_', ' ')} (normal liver = 1)"
                if u.startswith("1 (normal")
                else f"{v.replace('_', ' ')} ({u})"
            )
            ax.set_xlabel(f"time ({unit})")
            ax.set_xlim(0, sc.duration_h / div)
            ax.set_ylim(bottom=0)
            ax.legend(loc="lower right", fontsize="x-small")
            title = (
                f"{exp.name}: {Path(d.source).name}"
                if len(pb.experiments) > 1
                else f"Fit of {sc.name} to {Path(d.source).name}"
            )
            ax.set_title(with_overrides(title, overrides), loc="left", fontsize="small")
        lines = []
        for k in result.names:
            flag = result.at_bound(k)
            text = f"{k} = {result.estimates[k]:.3g}"
            if k in result.profiles:
                p = result.profiles[k]
                a, b = p.low, p.high
                text += (
                    "  (not identifiable: no profile limit)"
                    if a is None and b is None
                    else f"  (profile 95 % {'—' if a is None else f'{a:.3g}'} to "
                    f"{'—' if b is None else f'{b:.3g}'})"
                )
            else:
                text += f"  (95 % CI {result.ci[k][0]:.3g} to {result.ci[k][1]:.3g})"
            if flag:
                text += f"  ON {flag.upper()} BOUND"
            lines.append(text)
        flagged = any(result.at_bound(k) for k in result.names)
        head = (
            f"fitted, -2 ln L = {result.chi2:.4g} (estimated SDs):"
            if pb.n_noise
            else f"fitted, chi2/dof = {result.chi2 / max(result.dof, 1):.2g}:"
        )
        axes[0].text(
            0.98,
            0.5,
            head + "\n" + "\n".join(lines),
            transform=axes[0].transAxes,
            ha="right",
            va="top",
            fontsize="x-small",
            color=OKABE_ITO["vermillion"] if flagged else "black",
            bbox={"facecolor": "white", "alpha": 0.85, "edgecolor": "none"},
        )
        for c, (name, prof) in enumerate(result.profiles.items()):
            profile_axes(given[len(panels) + c], prof, at_bound=result.at_bound(name))
        if ax is None:
            note(fig, layout)
    return fig
