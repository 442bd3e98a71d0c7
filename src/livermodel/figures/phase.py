"""The phase-portrait figure (see :mod:`livermodel.studies.phase` for the analysis)."""

from __future__ import annotations

import numpy as np

from livermodel.figures.canvas import given_axes, is_root, new_figure, sub_figure_note
from livermodel.studies.phase import Y_LABELS, PhasePortrait

#: A leading eigenvalue smaller than this (1/h) in size is neither stable nor unstable: neutral
#: (numerically zero, as on a line of steady states).
NEUTRAL_TOL = 1e-8


def boundary_at_top(portrait: PhasePortrait) -> float | None:
    """Where the basin boundary crosses the top row of the grid (functional mass), if it does."""
    row = np.asarray(portrait.failure)[-1]
    change = np.flatnonzero(row[1:] != row[:-1])
    if not change.size:
        return None
    i = int(change[0])
    return float(0.5 * (portrait.grid_x[i] + portrait.grid_x[i + 1]))


def phase_figure(portrait: PhasePortrait, *, style: str = "paper", fig=None, overrides=(), ax=None):
    """Draw ``portrait``: the phase plane (left) and functional mass over time (right), titled
    with the scenario and the ``--set`` values it was changed by (``overrides``).  ``fig`` a
    figure or sub-figure to draw into; ``ax`` the caller's two axes instead (phase plane, time
    course; see :mod:`livermodel.figures.canvas`).  Returns the ``Figure``."""
    from matplotlib.colors import ListedColormap
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    from livermodel.figures.style import (
        FAILURE_COLOR,
        OKABE_ITO,
        REFERENCE_COLOR,
        note_text,
        style_context,
        time_axis,
        with_overrides,
    )

    recover_c, fail_c = OKABE_ITO["blue"], FAILURE_COLOR
    with style_context(style) as layout:
        owned = ax is None
        if owned:
            fig = new_figure((layout["width"], layout["width"] * 0.46), fig)
            ax, axt = fig.subplots(1, 2, width_ratios=(1.25, 1))
        else:
            fig, (ax, axt) = given_axes(ax, fig, 2, "phase_figure")
        p = portrait
        cmap = ListedColormap(["#d6e9f5", "#f8dccb"])
        ax.pcolormesh(
            p.grid_x,
            p.grid_y,
            p.failure.astype(float),
            cmap=cmap,
            vmin=0,
            vmax=1,
            shading="nearest",
            rasterized=True,
            zorder=0,
        )
        ax.axvline(p.critical_level, color=REFERENCE_COLOR, linestyle="-.", linewidth=0.8, zorder=1)
        lines = [(p.critical_level, "critical level")]
        if p.failure.any() and not p.failure.all():
            ax.contour(
                p.grid_x,
                p.grid_y,
                p.failure.astype(float),
                levels=[0.5],
                colors=[REFERENCE_COLOR],
                linewidths=0.8,
                linestyles="--",
                zorder=1,
            )
            top = boundary_at_top(p)
            if top is not None:
                lines.append((top, "basin boundary"))
        # both vertical lines named at the top: the one further right on its right, the other
        # on its left, one text line apart (they are often close together)
        lines.sort()
        for k, (x, word) in enumerate(lines):
            right = k == len(lines) - 1
            ax.annotate(
                word,
                xy=(x, 1.0),
                xycoords=("data", "axes fraction"),
                xytext=(3 if right else -3, -3 - 11 * k),
                textcoords="offset points",
                ha="left" if right else "right",
                va="top",
                fontsize="small",
                color=REFERENCE_COLOR,
                zorder=6,
            )
        unit, div = time_axis(max(float(t.time_h[-1]) for t in p.trajectories))
        for t in p.trajectories:
            c = fail_c if t.failed else recover_c
            lw = 2.2 if t.is_scenario else 1.0
            ax.plot(
                t.x,
                t.y,
                color=c,
                linewidth=lw,
                zorder=3 if t.is_scenario else 2,
                alpha=1.0 if t.is_scenario else 0.8,
            )
            ax.plot(t.x[0], t.y[0], "o", color=c, markersize=3, zorder=3, clip_on=False)
            k = max(1, min(len(t.x) - 2, int(np.argmax(np.hypot(np.diff(t.x), np.diff(t.y)) > 0)) + 3))
            ax.annotate(
                "",
                xy=(t.x[k + 1], t.y[k + 1]),
                xytext=(t.x[k], t.y[k]),
                arrowprops={"arrowstyle": "->", "color": c, "lw": lw},
                zorder=3,
            )
            axt.plot(t.time_h / div, t.x, color=c, linewidth=lw, zorder=3 if t.is_scenario else 2)
        for s in p.steady_states:
            if not (p.grid_y[0] <= s.y <= p.grid_y[-1] * 1.05):
                continue
            neutral = abs(s.eigenvalue) < NEUTRAL_TOL
            ax.plot(
                s.functional_mass,
                s.y,
                "o",
                markersize=7,
                zorder=5,
                clip_on=False,
                markerfacecolor="#999999" if neutral else ("black" if s.stable else "white"),
                markeredgecolor="black",
            )
            ax.annotate(
                s.label + (" (neutral)" if neutral else ""),
                xy=(s.functional_mass, s.y),
                xytext=(0, 6),
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontsize="small",
                zorder=5,
            )
        ax.set_xlim(0, max(p.set_point, float(p.grid_x[-1])) * 1.04)
        ax.set_ylim(-0.02 * p.grid_y[-1], p.grid_y[-1])
        ax.set_xlabel("functional mass F (normal liver = 1)")
        ax.set_ylabel(Y_LABELS[p.y])
        ax.set_title(f"A  Phase plane, varying the {p.varied}")
        handles = [
            Patch(color="#d6e9f5", label="recovery basin"),
            Patch(color="#f8dccb", label="failure basin"),
            Line2D([], [], color=recover_c, label="recovers"),
            Line2D([], [], color=fail_c, label="fails"),
            Line2D([], [], color=REFERENCE_COLOR, linestyle="--", linewidth=0.8, label="basin boundary"),
            Line2D([], [], color=REFERENCE_COLOR, linestyle="-.", linewidth=0.8, label="critical level"),
            Line2D(
                [],
                [],
                marker="o",
                linestyle="",
                markerfacecolor="black",
                markeredgecolor="black",
                label="stable state",
            ),
            Line2D(
                [],
                [],
                marker="o",
                linestyle="",
                markerfacecolor="white",
                markeredgecolor="black",
                label="saddle (tipping point)",
            ),
        ]
        if any(abs(s.eigenvalue) < NEUTRAL_TOL for s in p.steady_states):
            handles.append(
                Line2D(
                    [],
                    [],
                    marker="o",
                    linestyle="",
                    markerfacecolor="#999999",
                    markeredgecolor="black",
                    label=f"neutral (|eigenvalue| < {NEUTRAL_TOL:g} 1/h)",
                )
            )
        ax.legend(handles=handles, loc="upper right", fontsize="small")
        ax.grid(False)
        axt.axhline(p.critical_level, color=REFERENCE_COLOR, linestyle="-.", linewidth=0.8)
        axt.axhline(p.set_point, color=REFERENCE_COLOR, linestyle=":", linewidth=0.8)
        axt.axhspan(0, p.critical_level, color=FAILURE_COLOR, alpha=0.07, linewidth=0)
        for level, word in ((p.critical_level, "critical level"), (p.set_point, "set point")):
            axt.annotate(
                word,
                xy=(0, level),
                xycoords=("axes fraction", "data"),
                xytext=(3, 2),
                textcoords="offset points",
                ha="left",
                va="bottom",
                fontsize="small",
                color=REFERENCE_COLOR,
            )
        ends = sorted(p.trajectories, key=lambda t: t.value)
        for t in (ends[0], ends[-1]):
            if not t.is_scenario:
                axt.annotate(
                    t.label,
                    xy=(t.time_h[-1] / div, t.x[-1]),
                    xytext=(-2, 3),
                    textcoords="offset points",
                    ha="right",
                    va="bottom",
                    fontsize="small",
                    color=fail_c if t.failed else recover_c,
                )
        own = [t for t in ends if t.is_scenario]
        if own:
            axt.legend(
                handles=[
                    Line2D([], [], color="#222222", linewidth=2.2, label=f"scenario: {own[0].label}"),
                    Line2D(
                        [], [], color="#222222", linewidth=1.0, label=f"{ends[0].label} to {ends[-1].label}"
                    ),
                ],
                loc="center right",
                fontsize="small",
            )
        axt.set_xlim(0, float(ends[0].time_h[-1]) / div)
        axt.set_ylim(0, max(1.12, p.set_point * 1.12))
        axt.set_xlabel({"h": "time (h)", "d": "time (days)", "wk": "time (weeks)"}[unit])
        axt.set_ylabel("functional mass F")
        axt.set_title("B  Functional mass over time")
        if not owned:  # the caller's figure: no note, title or layout change
            return fig
        notes = "; ".join(p.notes) + ". " + note_text()
        if not sub_figure_note(fig, notes, layout["note_size"] * 0.9):
            fig.text(
                0.995,
                0.002,
                notes,
                ha="right",
                va="bottom",
                fontsize=layout["note_size"] * 0.9,
                color="#666666",
                style="italic",
                wrap=True,
            )
        fig.suptitle(
            with_overrides(f"{p.scenario}: tipping point between recovery and failure", overrides),
            fontweight="bold",
        )
        engine = fig.get_layout_engine()
        if engine is not None and is_root(fig):  # a sub-figure's layout belongs to its parent
            engine.set(rect=(0, 0.05, 1, 0.95))
    return fig
