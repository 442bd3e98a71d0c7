"""Figures of the studies: threshold curves and basins, sensitivity charts, cohort survival and
metric distributions (calibration fits: :mod:`livermodel.figures.fit`).  Each function takes
a study result and returns a matplotlib ``Figure``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from livermodel.figures.canvas import grid_axes, size_in, sub_figure_note
from livermodel.studies.cohort import CohortResult
from livermodel.studies.common import metric_label
from livermodel.studies.sensitivity import SensitivityResult
from livermodel.studies.threshold import ThresholdResult


def note(fig, layout) -> None:
    """The conceptual-model note in the bottom right corner (as on every livermodel figure)."""
    from livermodel.figures.style import note_text

    text = note_text()
    if size_in(fig)[0] < 6.5:
        text = text.replace(" model. ", " model.\n", 1)
    if sub_figure_note(fig, text, layout["note_size"]):
        return
    fig.text(
        0.995,
        0.002,
        text,
        ha="right",
        va="bottom",
        fontsize=layout["note_size"],
        color="#666666",
        style="italic",
    )
    engine = fig.get_layout_engine()
    if engine is not None:
        lines = text.count("\n") + 1
        height = lines * 1.3 * layout["note_size"] / 72 / size_in(fig)[1]
        engine.set(rect=(0, height + 0.005, 1, 1 - height - 0.005))


# --------------------------------------------------------------------------------------------
# figure
# --------------------------------------------------------------------------------------------

BASIN_COLORS = {False: "#009E73", True: "#D55E00"}  # Okabe-Ito bluish green / vermillion


def _basin_color(outcome: bool, metric: str) -> str:
    # 'failed' True is the bad basin; for a numeric level, reaching it is the good one
    bad = outcome if metric == "failed" else not outcome
    return BASIN_COLORS[bool(bad)]


def threshold_figure(result: ThresholdResult, *, style: str = "paper", overrides=(), fig=None, ax=None):
    """The threshold figure: the outcome along the key with both basins shaded, or (with
    ``along``) the boundary curve between the two basins.  ``overrides`` (the ``--set`` values
    of the scenario, as for every study figure) are named under the title.  ``fig`` a figure or sub-figure to
    draw into; ``ax`` the caller's axes instead (one Axes; see :mod:`livermodel.figures.canvas`). Returns a
    matplotlib ``Figure``."""
    from livermodel.figures.style import LAYOUT, REFERENCE_COLOR, style_context, with_overrides

    with style_context(style):
        layout = LAYOUT[style]
        width = layout["width"] * (0.62 if style == "paper" else 0.75)
        fig, (ax,), owned = grid_axes(1, 1, 1, (width, width * 0.68), ax=ax, fig=fig, what="threshold_figure")
        if result.along_key is None:
            _draw_1d(ax, result, REFERENCE_COLOR)
        else:
            _draw_curve(ax, result, REFERENCE_COLOR)
        name = getattr(result.scenario, "name", "")
        ax.set_title(with_overrides(f"Tipping point of {name}" if name else "Tipping point", overrides))
        if owned:
            note(fig, layout)
    return fig


def _draw_1d(ax, r: ThresholdResult, ref):
    pts = sorted(
        (p for p in r.points if p["along_value"] is None and p["outcome"] is not None),
        key=lambda p: p["value"],
    )
    xs = np.array([p["value"] for p in pts])
    words = r.outcome_words
    c = r.critical_value
    if r.log:
        ax.set_xscale("log")
    ax.set_xlim(r.low, r.high)
    if r.metric == "failed":
        ys = np.array([1.0 if p["outcome"] else 0.0 for p in pts])
        ax.set_ylim(-0.15, 1.15)
        ax.set_yticks([0, 1], [words[0], words[1]])
        ax.set_ylabel("outcome")
    else:
        ys = np.array([p["metric_value"] for p in pts])
        ax.set_ylabel(metric_label(r.metric))
        lo, hi = float(np.nanmin([*ys, r.level])), float(np.nanmax([*ys, r.level]))
        span = (hi - lo) or 1.0
        ax.set_ylim(lo - 0.05 * span, hi + 0.2 * span)
        ax.axhline(r.level, color=ref, linestyle=(0, (1, 1.5)), linewidth=0.8)
        ax.annotate(
            f"level {r.level:g}",
            (r.low, r.level),
            xytext=(3, 3),
            textcoords="offset points",
            fontsize="small",
            color=ref,
        )
    if c is not None:
        # a critical value lies in a bracket, between two known outcomes
        assert r.outcome_low is not None and r.outcome_high is not None and r.bracket is not None
        for lo, hi, out in ((r.low, c, r.outcome_low), (c, r.high, r.outcome_high)):
            ax.axvspan(lo, hi, color=_basin_color(out, r.metric), alpha=0.13, linewidth=0)
            mid = math.sqrt(lo * hi) if r.log else 0.5 * (lo + hi)
            ax.text(
                mid,
                0.97,
                f"{words[int(out)]} basin",
                transform=ax.get_xaxis_transform(),
                ha="center",
                va="top",
                fontsize="small",
                color=_basin_color(out, r.metric),
                fontweight="bold",
            )
        ax.axvline(c, color="#222222", linestyle=(0, (4, 2)), linewidth=1.0)
        frac = (math.log(c / r.low) / math.log(r.high / r.low)) if r.log else (c - r.low) / (r.high - r.low)
        right = frac < 0.6
        from livermodel.units import unit_after_number

        unit = unit_after_number(r.unit)
        ax.annotate(
            f"critical value {c:.4g}"
            + (f" {unit}" if unit else "")
            + f"\nbracket {r.bracket[0]:.4g} to {r.bracket[1]:.4g}",
            (c, 0.5),
            xycoords=("data", "axes fraction"),
            xytext=(6 if right else -6, 0),
            textcoords="offset points",
            fontsize="small",
            va="center",
            ha="left" if right else "right",
            bbox={"facecolor": "white", "alpha": 0.85, "edgecolor": "none"},
        )
    ax.plot(
        xs, ys, color="#222222", linewidth=0.8, drawstyle="steps-mid" if r.metric == "failed" else "default"
    )
    for out in (False, True):
        sel = np.array([p["outcome"] is out for p in pts], dtype=bool)
        if sel.any():
            # the ends of the range are evaluated too: their markers sit on the axes' edges
            ax.plot(
                xs[sel],
                ys[sel],
                linestyle="none",
                marker="o",
                markersize=3.5,
                zorder=4,
                color=_basin_color(out, r.metric),
                label=f"evaluated: {words[int(out)]}",
                clip_on=False,
            )
    ax.set_xlabel(r.label)


def _draw_curve(ax, r: ThresholdResult, ref):
    words = r.outcome_words
    numeric_along = all(isinstance(p.along_value, (int, float)) for p in r.curve)
    xs = np.array([p.along_value if numeric_along else i for i, p in enumerate(r.curve)], dtype=float)
    crit = np.array([np.nan if p.critical_value is None else p.critical_value for p in r.curve])
    found = [p for p in r.curve if p.critical_value is not None]
    ref_pt = found[0] if found else (r.curve[0] if r.curve else None)
    out_low = bool(ref_pt.outcome_low) if ref_pt is not None and ref_pt.outcome_low is not None else False
    out_high = not out_low
    # where there is no flip the whole column has one outcome
    col = np.array([bool(p.outcome_low) if p.outcome_low is not None else out_low for p in r.curve])
    lower = np.where(np.isnan(crit), np.where(col == out_low, r.high, r.low), crit)
    upper = np.where(np.isnan(crit), np.where(col == out_high, r.low, r.high), crit)
    if r.log:
        ax.set_yscale("log")
    along_log = (
        numeric_along
        and len(xs) > 2
        and np.all(xs > 0)
        and np.allclose(np.diff(np.log(xs)), np.log(xs[1] / xs[0]))
        and not np.allclose(np.diff(xs), xs[1] - xs[0])
    )
    if along_log:
        ax.set_xscale("log")
    ax.set_ylim(r.low, r.high)
    # one shaded column per curve point, from midway to its neighbours (geometric on a log axis)
    if len(xs) > 1:
        mids = np.sqrt(xs[1:] * xs[:-1]) if along_log else 0.5 * (xs[1:] + xs[:-1])
        first = xs[0] ** 2 / mids[0] if along_log else 2 * xs[0] - mids[0]
        last = xs[-1] ** 2 / mids[-1] if along_log else 2 * xs[-1] - mids[-1]
        edges = np.concatenate([[first], mids, [last]])
    else:
        edges = np.array([xs[0] - 0.5, xs[0] + 0.5])
    ax.set_xlim(edges[0], edges[-1])
    ax.fill_between(
        edges,
        r.low,
        np.append(lower, lower[-1]),
        step="post",
        color=_basin_color(out_low, r.metric),
        alpha=0.18,
        linewidth=0,
    )
    ax.fill_between(
        edges,
        np.append(upper, upper[-1]),
        r.high,
        step="post",
        color=_basin_color(out_high, r.metric),
        alpha=0.18,
        linewidth=0,
    )
    # evaluated runs, faint, coloured by outcome
    for out in (False, True):
        pts = [p for p in r.points if p["along_value"] is not None and p["outcome"] is out]
        if pts:
            px = [
                p["along_value"]
                if numeric_along
                else [c.along_value for c in r.curve].index(p["along_value"])
                for p in pts
            ]
            ax.plot(
                px,
                [p["value"] for p in pts],
                linestyle="none",
                marker=".",
                markersize=2,
                alpha=0.45,
                color=_basin_color(out, r.metric),
                clip_on=False,
            )
    ax.plot(xs, crit, color="#222222", marker="o", markersize=3.5, label="critical value", clip_on=False)
    if r.critical_value is not None:
        base = _base_along(r)
        if base is not None:
            ax.plot(
                [base],
                [r.critical_value],
                marker="D",
                markersize=5,
                color="#0072B2",
                linestyle="none",
                label="the scenario as written",
            )
    for out, y in ((out_low, 0.04), (out_high, 0.96)):
        ax.text(
            0.02,
            y,
            f"{words[int(out)]} basin",
            transform=ax.transAxes,
            ha="left",
            va="bottom" if y < 0.5 else "top",
            fontweight="bold",
            fontsize="small",
            color=_basin_color(out, r.metric),
            bbox={"facecolor": "white", "alpha": 0.7, "edgecolor": "none"},
        )
    if not numeric_along:
        ax.set_xticks(xs, [str(p.along_value) for p in r.curve])
    ax.set_xlabel(r.along_label or r.along_key)
    ax.set_ylabel(f"critical {r.label}")
    ax.legend(loc="upper right", fontsize="small")


def _base_along(r: ThresholdResult):
    """The value of the along key in the scenario as written (in the along unit), if numeric."""
    import re

    if r.scenario is None or not r.along_key:
        return None
    parts = r.along_key.split(".")
    if parts[0] == "parameters" and len(parts) == 2:
        return float(r.scenario.parameters.get(parts[1], math.nan))
    node: Any = r.scenario.to_dict()  # then whatever the key path reaches
    for part in parts:
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return None
    if isinstance(node, bool):
        return None
    if isinstance(node, (int, float)):
        return float(node)
    m = re.fullmatch(r"\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(.*?)\s*", str(node))
    if m is None:
        return None
    value, unit = float(m.group(1)), m.group(2)
    if not unit or not r.along_unit or unit == r.along_unit:
        return value
    from livermodel.units import UNITS

    for _, table in UNITS.values():
        if unit in table and r.along_unit in table:
            return value * table[unit] / table[r.along_unit]
    return None


# --------------------------------------------------------------------------------------------
# figure
# --------------------------------------------------------------------------------------------


def sensitivity_figure(
    result: SensitivityResult, *, style: str = "paper", top: int = 15, overrides=(), fig=None, ax=None
):
    """Tornado chart (local), mu*-sigma plane and mu* bars (Morris), or S1/ST bars with their
    intervals (Sobol), for the ``top`` most important parameters.  ``fig`` a figure or sub-figure to draw
    into; ``ax`` the caller's axes instead (two for Morris, else one; see :mod:`livermodel.figures.canvas`).
    Returns a ``Figure``."""
    from livermodel.figures.style import LAYOUT, OKABE_ITO, style_context, with_overrides

    rows = result.rows[:top]
    with style_context(style):
        layout = LAYOUT[style]
        n = max(len(rows), 1)
        height = max(2.6, 0.75 + 0.2 * n) if style == "paper" else max(5.0, 1.5 + 0.38 * n)
        ncols = 2 if result.method == "morris" else 1
        width = layout["width"] if ncols == 2 else layout["width"] * (0.7 if style == "paper" else 0.8)
        fig, axes, owned = grid_axes(
            ncols, 1, ncols, (width, height), ax=ax, fig=fig, what=f"sensitivity_figure ({result.method})"
        )
        names = [r["name"] for r in rows][::-1]
        ypos = np.arange(len(names))
        label = metric_label(result.metric)
        if result.method == "local":
            ax = axes[0]
            e = np.array([r["elasticity"] for r in rows][::-1], dtype=float)
            use = e if np.isfinite(e).any() else np.array([r["scaled"] for r in rows][::-1])
            colors = [OKABE_ITO["blue"] if v >= 0 else OKABE_ITO["vermillion"] for v in use]
            ax.barh(ypos, np.nan_to_num(use), color=colors, height=0.7)
            ax.axvline(0, color="#222222", linewidth=0.8)
            ax.set_yticks(ypos, names)
            word = "elasticity" if np.isfinite(e).any() else "change per relative change"
            ax.set_xlabel(f"{word} of {label}\n(% change per % change of the parameter)")
            lim = np.nanmax(np.abs(use)) if np.isfinite(use).any() else 1.0
            ax.set_xlim(-1.15 * lim or -1, 1.15 * lim or 1)
            ax.set_title(f"Local sensitivity (baseline {result.baseline:.4g})")
            ax.grid(axis="y", visible=False)
        elif result.method == "morris":
            ax, bx = axes
            mu = result.column("mu_star")[:top][::-1]
            conf = result.column("mu_star_conf")[:top][::-1]
            sig = result.column("sigma")[:top]
            # mu* is a mean of absolute values, so it is never below 0: the symmetric bootstrap
            # interval is clipped there (said in the axis label)
            low = np.minimum(np.nan_to_num(conf), np.nan_to_num(mu))
            ax.barh(
                ypos,
                mu,
                xerr=[low, np.nan_to_num(conf)],
                color=OKABE_ITO["blue"],
                height=0.7,
                error_kw={"elinewidth": 0.8, "capsize": 2},
            )
            ax.set_yticks(ypos, names)
            ax.set_xlabel(
                f"μ* (mean |elementary effect| on {label});\nbars: 95 % bootstrap "
                "interval, clipped at 0 (μ* ≥ 0)"
            )
            ax.set_title("A  Morris μ* (importance)")
            ax.grid(axis="y", visible=False)
            mus = result.column("mu_star")[:top]
            bx.plot(mus, sig, "o", color=OKABE_ITO["vermillion"], markersize=4, clip_on=False)
            top_v = float(np.nanmax([*mus, *sig, 1e-12]))
            placed: list[tuple[float, float]] = []
            for k, r in enumerate(rows[:8]):
                # name a point only if no named point is close (labels must stay readable)
                pos = (mus[k] / top_v, sig[k] / top_v)
                if any(abs(pos[0] - a) < 0.2 and abs(pos[1] - b) < 0.05 for a, b in placed):
                    continue
                placed.append(pos)
                bx.annotate(
                    r["name"], (mus[k], sig[k]), xytext=(3, 2), textcoords="offset points", fontsize="x-small"
                )
            bx.plot(
                [0, top_v], [0, top_v], color="#888888", linestyle=(0, (4, 2)), linewidth=0.8, label="σ = μ*"
            )
            bx.set_xlim(0, top_v * 1.25)
            bx.set_ylim(0, top_v * 1.1)
            bx.set_xlabel("μ*")
            bx.set_ylabel("σ (interactions, non-linearity)")
            bx.set_title("B  μ* against σ")
            bx.legend(loc="upper left")
        else:
            ax = axes[0]
            s1 = result.column("S1")[:top][::-1]
            st = result.column("ST")[:top][::-1]
            c1 = result.column("S1_conf")[:top][::-1]
            ct = result.column("ST_conf")[:top][::-1]
            ax.barh(
                ypos + 0.2,
                st,
                xerr=ct,
                height=0.38,
                color=OKABE_ITO["blue"],
                label="total index $S_T$",
                error_kw={"elinewidth": 0.8, "capsize": 2},
            )
            ax.barh(
                ypos - 0.2,
                s1,
                xerr=c1,
                height=0.38,
                color=OKABE_ITO["orange"],
                label="first-order index $S_1$",
                error_kw={"elinewidth": 0.8, "capsize": 2},
            )
            ax.set_yticks(ypos, names)
            ax.axvline(0, color="#222222", linewidth=0.8)
            ax.set_xlabel(f"share of the variance of {label}")
            pct = int(100 * result.extra.get("conf_level", 0.95))
            ax.set_title(f"Sobol indices ({result.runs:,} runs, {pct} % intervals)")
            ax.legend(loc="lower right")
            ax.grid(axis="y", visible=False)
        name = getattr(result.scenario, "name", None)
        if name and owned:
            fig.suptitle(
                with_overrides(f"{name}: sensitivity of {result.metric}", overrides), fontweight="bold"
            )
        if owned:
            note(fig, layout)
    return fig


# --------------------------------------------------------------------------------------------
# figure
# --------------------------------------------------------------------------------------------


def _color_index(i: int, paired: bool) -> int:
    """Colour of cohort arm ``i``: the control (arm 1 of a paired cohort) takes the first arm
    colour, as the control does in ``compare`` and the report, and the treated arm the second."""
    if not paired:
        return i
    return {0: 1, 1: 0}.get(i, i)


def cohort_figure(
    result: CohortResult,
    *,
    style: str = "paper",
    window_h: float | None = None,
    overrides=(),
    fig=None,
    ax=None,
):
    """Kaplan-Meier curves, the distribution of each shown metric per arm, and (with a control)
    the paired differences.  ``window_h`` limits the time axis of the survival panel (hours; the
    counts in its legend are of the whole run).  ``fig`` a figure or sub-figure to draw into; ``ax`` the
    caller's axes instead (survival, one per shown metric, then the paired panel with a control; see
    :mod:`livermodel.figures.canvas`). Returns a ``Figure``."""
    from livermodel.figures.window import check_window

    window_h = check_window(window_h, key="window_h")
    from livermodel.figures.style import (
        LAYOUT,
        REFERENCE_COLOR,
        arm_color,
        style_context,
        time_axis,
        with_overrides,
    )

    paired = len(result.arms) > 1
    n_panels = 1 + len(result.metrics_shown) + (1 if paired else 0)
    with style_context(style):
        layout = LAYOUT[style]
        cols = min(n_panels, 2 if style == "paper" else 3)
        rows = math.ceil(n_panels / cols)
        size = (layout["width"], layout["row_height"] * rows * 1.15 + 0.5)
        fig, axes, owned = grid_axes(n_panels, rows, cols, size, ax=ax, fig=fig, what="cohort_figure")
        data = result.to_dict()
        horizon = max(a.scenario.duration_h for a in result.arms)
        shown = horizon if window_h is None else min(horizon, window_h)
        unit, div = time_axis(shown)
        ax = axes[0]
        for i, a in enumerate(result.arms):
            km = data["survival_curves"][a.label]
            t = np.array([*km["time_h"], km["horizon_h"]]) / div
            s = np.array([*km["survival"], km["survival"][-1]])
            lo = np.array([*km["ci_low"], km["ci_low"][-1]])
            hi = np.array([*km["ci_high"], km["ci_high"][-1]])
            summ = data["arms"][a.label]
            color = arm_color(_color_index(i, paired))
            ax.step(
                t,
                s,
                where="post",
                color=color,
                label=f"{a.label}: {summ['survivors']}/{summ['n']} survive "
                f"({100 * summ['ci_low']:.0f}-{100 * summ['ci_high']:.0f} %)",
            )
            ax.fill_between(t, lo, hi, step="post", color=color, alpha=0.12, linewidth=0)
        ax.set_xlim(0, shown / div)
        from livermodel.figures.panels import _time_ticks

        _time_ticks(ax, unit)
        ax.set_ylim(-0.02, 1.05)
        ax.set_xlabel(f"time ({unit})")
        ax.set_ylabel("fraction alive (not failed)")
        ax.set_title("A  Survival (Kaplan-Meier, 95 % band)")
        ax.legend(loc="best", fontsize="small")  # where it hides the fewest curve points
        for k, m in enumerate(result.metrics_shown):
            ax = axes[1 + k]
            vals = [a.values(m) for a in result.arms]
            for i, v in enumerate(vals):
                v = v[np.isfinite(v)]
                x = i + (np.random.default_rng(0).random(v.size) - 0.5) * 0.35
                ax.plot(
                    x,
                    v,
                    linestyle="none",
                    marker="o",
                    markersize=2.5,
                    alpha=0.6,
                    color=arm_color(_color_index(i, paired)),
                )
                if v.size:
                    ax.plot([i - 0.3, i + 0.3], [np.median(v)] * 2, color="#222222", linewidth=1.4)
            ax.set_xticks(range(len(result.arms)), [a.label for a in result.arms])
            ax.set_xlim(-0.6, len(result.arms) - 0.4)
            ax.set_ylabel(metric_label(m))
            if m == "alt_peak_u_per_l":
                ax.set_yscale("log")
            ax.set_title(f"{chr(66 + k)}  {metric_label(m).split(' (')[0]} per individual (bar: median)")
            ax.grid(axis="x", visible=False)
        if paired:
            ax = axes[n_panels - 1]
            p = data["paired"][0]
            first = result.metrics_shown[0] if result.metrics_shown else None
            if first is not None:
                d = result.arms[0].values(first) - result.arms[1].values(first)
                sa, sc = result.arms[0].survived, result.arms[1].survived
                groups = [
                    ("saved", sa & ~sc),
                    ("lost", ~sa & sc),
                    ("both survive", sa & sc),
                    ("both fail", ~sa & ~sc),
                ]
                colors = ["#009E73", "#D55E00", "#0072B2", REFERENCE_COLOR]
                for (word, sel), col in zip(groups, colors, strict=True):
                    idx = np.flatnonzero(sel)
                    if idx.size:
                        ax.plot(
                            idx + 1,
                            d[idx],
                            linestyle="none",
                            marker="o",
                            markersize=3,
                            color=col,
                            label=f"{word} ({idx.size})",
                        )
                ax.axhline(0, color="#222222", linewidth=0.8)
                ax.set_xlabel("individual")
                ax.set_ylabel(f"difference in {metric_label(first)}")
                ax.legend(
                    loc="best",
                    fontsize="x-small",
                    title=f"McNemar p = {p['mcnemar_p']:.2g}",
                    title_fontsize="x-small",
                )
            ax.set_title(f"{chr(65 + n_panels - 1)}  Paired: first arm minus control")
        if owned:
            fig.suptitle(
                with_overrides(
                    f"{result.arms[0].scenario.name}: virtual cohort of "
                    f"{result.size} (variability {result.variability:g})",
                    overrides,
                ),
                fontweight="bold",
            )
            note(fig, layout)
    return fig


def check_figure(result, *, style: str = "paper", fig=None, ax=None):
    """Model against data: one panel per shipped data set, the data as points (mean ± SD where
    the data give one) and the model curve; calibration data sets are marked as such, so a
    reader sees at once which agreement is evidence.  ``fig`` a figure or sub-figure to draw into; ``ax`` the
    caller's axes instead (one per data set; see :mod:`livermodel.figures.canvas`). Returns a ``Figure``."""
    from livermodel.figures.style import LAYOUT, OKABE_ITO, style_context, time_axis

    curves = result.curves
    if not curves:
        raise ValueError("check_figure needs a CheckResult with data curves (run_check(data=True))")
    with style_context(style):
        layout = LAYOUT[style]
        ncols = min(3, len(curves))
        nrows = -(-len(curves) // ncols)
        size = (layout["width"], layout["row_height"] * 1.25 * nrows)
        fig, axes, owned = grid_axes(len(curves), nrows, ncols, size, ax=ax, fig=fig, what="check_figure")
        for ax, c in zip(axes, curves, strict=True):
            import textwrap

            horizon = float(c.times_h.max()) * 1.05
            log_time = horizon > 24 * 365  # years of follow-up: weeks and days both visible
            if log_time:
                unit, div = "d", 24.0
            else:
                unit, div = time_axis(horizon)
            keep = (c.model_t <= horizon) & ((c.model_t > 0) if log_time else True)
            ax.plot(c.model_t[keep] / div, c.model_y[keep], color=OKABE_ITO["blue"], label="model")
            tol = c.dataset.tolerance
            if c.sd is not None:
                yerr, what = c.sd, "data (mean ± SD)"
            else:
                yerr, what = float(tol), f"data (mean; ± {float(tol):g} accepted)"
            ax.errorbar(
                c.times_h / div,
                c.mean,
                yerr=yerr,
                fmt="o",
                markersize=3.2,
                color=OKABE_ITO["vermillion"],
                ecolor=OKABE_ITO["vermillion"],
                capsize=2,
                elinewidth=0.9,
                label=what,
                zorder=3,
                clip_on=False,
            )
            role = "calibrated to" if c.role == "calibrated" else "held out"
            title = textwrap.fill(c.dataset.name, 34)
            ax.set_title(f"{title}\n({role})", fontsize="small", loc="left", fontweight="normal")
            ax.set_ylabel("liver volume (pre-op = 1)")
            if log_time:
                ax.set_xscale("log")
                ax.set_xlim(1.0, horizon / div)
                ax.set_xlabel("time (d, log scale)")
            else:
                ax.set_xlim(0, horizon / div)
                ax.set_xlabel(f"time ({unit})")
            ax.set_ylim(0, 1.1)
            ax.legend(loc="lower right", fontsize="x-small")
        if owned:
            note(fig, layout)
    return fig
