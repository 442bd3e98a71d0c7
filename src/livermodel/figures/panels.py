"""Figures: the panels of the time-course figure, each drawn on a matplotlib ``Axes``.

Each ``plot_*`` function takes an ``Axes`` and a *run* (see :mod:`livermodel.figures.timecourse`),
draws on it and returns it; :func:`mark_events` and :func:`label_events` mark insults and doses.
:mod:`livermodel.figures.timecourse` assembles them into whole figures and re-exports them.
"""

from __future__ import annotations

import math
from typing import Final

import numpy as np

from livermodel.figures.canvas import size_in, sub_figure_note
from livermodel.figures.style import (
    FAILURE_COLOR,
    OKABE_ITO,
    REFERENCE_COLOR,
    note_text,
    time_axis,
)
from livermodel.metrics import failure_cause, failure_level, failure_time
from livermodel.model.schedule import EVENT_LABELS

#: Colours of variables in a single-run figure (in a comparison, colour is the arm).
VARIABLE_COLORS: dict[str, str] = {
    "functional_mass": OKABE_ITO["blue"],
    "liver_function": OKABE_ITO["blue"],
    "liver_volume": OKABE_ITO["sky_blue"],
    "injured_mass": OKABE_ITO["vermillion"],
    "proliferation": OKABE_ITO["bluish_green"],
    "death_flux": OKABE_ITO["vermillion"],
    "inflammation": OKABE_ITO["vermillion"],
    "growth_signal": OKABE_ITO["bluish_green"],
    "alt_u_per_l": OKABE_ITO["reddish_purple"],
    "msc_lung": OKABE_ITO["sky_blue"],
    "msc_liver": OKABE_ITO["blue"],
    "ev_liver": OKABE_ITO["orange"],
    "therapy_effect": OKABE_ITO["bluish_green"],
}

SOLID: Final = "-"  # Final: the literal "-", the type of a line style to matplotlib's stubs
DASHED, DOTTED, DASHDOT = (0, (4, 2)), (0, (1, 1.5)), (0, (5, 2, 1, 2))


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------


def _time(run, unit: str) -> np.ndarray:
    return np.asarray(run.time_h, dtype=float) / _DIV[unit]


def _has(run, name: str) -> bool:
    """Whether ``run`` has the trajectory variable ``name`` (a folder saved by an older version
    may lack the newer ones)."""
    try:
        run[name]
    except (KeyError, IndexError):
        return False
    return True


def format_hours_short(hours: float) -> str:
    """``30.5 h``, ``3.2 d``, ``2.1 wk``: a time in the unit a reader would use for it."""
    unit, div = time_axis(hours)
    return f"{hours / div:.3g} {unit}"


def _unit_for(runs) -> str:
    return time_axis(max(float(r.duration_h) for r in runs))[0]


def _time_label(unit: str) -> str:
    return {"h": "time (h)", "d": "time (d)", "wk": "time (wk)"}[unit]


def _style(color, variable: str) -> str:
    return color if color is not None else VARIABLE_COLORS.get(variable, OKABE_ITO["black"])


def _line(ax, run, variable, unit, color, linestyle, label):
    return ax.plot(
        _time(run, unit),
        np.asarray(run[variable], dtype=float),
        color=_style(color, variable),
        linestyle=linestyle,
        label=label,
    )[0]


def has_therapy(run) -> bool:
    """Whether ``run`` has any MSC or EV in it (decides whether therapy panels are drawn)."""
    kinds = {k for _, k in run.schedule.dose_times()}
    if kinds & {"msc", "ev"}:
        return True
    return any(
        np.nanmax(np.asarray(run[v], dtype=float), initial=0.0) > 0
        for v in ("msc_lung", "msc_liver", "ev_liver")
    )


def _finish(ax, unit, ylabel, *, floor: float = 0.0):
    """Axis labels, time ticks, and a y range from 0 to just above every line drawn so far.

    The y range is recomputed from all lines on ``ax`` at every call, so drawing several runs
    one after the other on the same axes always shows all of them.
    """
    ax.set_ylabel(ylabel)
    ax.set_xlabel(_time_label(unit))
    _time_ticks(ax, unit)
    top = _data_max(ax)
    ax.set_ylim(0, max(floor, 1.06 * top) or 1.0)
    return ax


def _data_max(ax) -> float:
    top = 0.0
    for line in ax.get_lines():
        y = np.asarray(line.get_ydata(), dtype=float)
        if y.size and np.any(np.isfinite(y)):
            top = max(top, float(np.nanmax(y)))
    return top


#: Candidate tick spacings for each time unit (in that unit).
_TICK_STEPS = {"h": (1, 2, 3, 6, 12, 24), "d": (1, 2, 7, 14, 28), "wk": (1, 2, 4, 8, 13, 26, 52)}


def _time_ticks(ax, unit: str, max_ticks: int = 8) -> None:
    from matplotlib.ticker import AutoMinorLocator, MultipleLocator

    lo, hi = ax.get_xlim()
    span = max(hi - max(lo, 0.0), 1e-9)
    steps = _TICK_STEPS[unit]
    step = next((s for s in steps if span / s <= max_ticks), None)
    if step is None:
        return  # a span beyond the table: keep matplotlib's ticks
    ax.xaxis.set_major_locator(MultipleLocator(step))
    ax.xaxis.set_minor_locator(AutoMinorLocator(2) if step > 1 else MultipleLocator(step))


# --------------------------------------------------------------------------------------------
# panels: each takes an Axes and a run, draws, and returns the Axes
# --------------------------------------------------------------------------------------------


def plot_mass(
    ax,
    run,
    *,
    color=None,
    unit: str | None = None,
    references: bool = True,
    reference_color: str = REFERENCE_COLOR,
):
    """Liver function (solid), liver volume (dash-dot) and injured mass (dashed), as fractions of
    a normal liver.

    With ``references`` the set point (dotted) and the failure level
    (:func:`livermodel.metrics.failure_level`, dash-dot, with the zone below it shaded) of ``run``
    are drawn in ``reference_color``, and the failure time (where the survival probability
    falls below one half: the one failure criterion of :mod:`livermodel.metrics`) is marked.
    Runs saved before liver function existed show functional mass instead.
    """
    unit = unit or _unit_for([run])
    if _has(run, "liver_function"):
        _line(ax, run, "liver_function", unit, color, SOLID, "function")
        _line(ax, run, "liver_volume", unit, color, (0, (6, 2, 1.5, 2)), "volume")
    else:
        _line(ax, run, "functional_mass", unit, color, SOLID, "functional")
    _line(ax, run, "injured_mass", unit, color, DASHED, "injured")
    crit = failure_level(run.parameters)
    t_fail = (
        failure_time(run.time_h, run["survival_probability"]) if _has(run, "survival_probability") else None
    )
    late = False
    if t_fail is not None:  # every failing run is marked, not only the one drawing the lines
        div = _DIV[unit]
        # a death of systemic injury is marked on the function curve, wherever the liver is
        systemic = (
            _has(run, "systemic_hazard")
            and failure_cause(run["survival_probability"], run["systemic_hazard"]) == "systemic"
        )
        y_mark = crit
        if systemic and _has(run, "liver_function"):
            y_mark = float(np.interp(t_fail, run.time_h, run["liver_function"]))
        # in a comparison the mark takes the arm's colour, and the time is named only for
        # a single run (several arms' labels would overlap)
        ax.plot(
            [t_fail / div],
            [y_mark],
            marker="X",
            markersize=7,
            color=FAILURE_COLOR if color is None else color,
            linestyle="none",
            zorder=5,
            clip_on=False,
            label="failure",
        )
        late = t_fail > 0.55 * float(run.duration_h)  # then the text goes left of the mark
        if color is None:
            why = " (systemic injury)" if systemic else ""
            # below the mark for a systemic death: above it sit the function curve and legend
            ax.annotate(
                f"failed at {t_fail / div:.3g} {unit}{why}",
                xy=(t_fail / div, y_mark),
                xytext=((-6 if late else 6), -6) if systemic else ((-4 if late else 4), 4),
                textcoords="offset points",
                ha="right" if late else "left",
                va="top" if systemic else "baseline",
                fontsize="small",
                color=FAILURE_COLOR,
                zorder=6,
            )
    later = getattr(run, "failure_after_h", None)  # a run drawn in a window that ends first
    late = t_fail is not None and late or t_fail is None and later is not None
    if t_fail is None and later is not None:
        end = float(run.duration_h) / _DIV[unit]
        ax.plot(
            [end],
            [crit],
            marker=">",
            markersize=7,
            linestyle="none",
            zorder=5,
            color=FAILURE_COLOR if color is None else color,
            clip_on=False,
            label="fails after the window",
        )
        if color is None:
            t_text = format_hours_short(later)
            ax.annotate(
                f"fails at {t_text}, after this window",
                xy=(end, crit),
                xytext=(-8, -4),
                textcoords="offset points",
                ha="right",
                va="top",
                fontsize="small",
                color=FAILURE_COLOR,
                zorder=6,
            )
    if references:
        ax.axhline(
            float(run.parameters["set_point"]),
            color=reference_color,
            linestyle=DOTTED,
            linewidth=_lw(ax),
            label="set point",
            zorder=1,
        )
        ax.axhline(
            crit,
            color=reference_color,
            linestyle=DASHDOT,
            linewidth=0.9 * _lw(ax),
            label="failure level",
            zorder=1,
        )
        ax.axhspan(0, crit, color=FAILURE_COLOR, alpha=0.07, linewidth=0, zorder=0)
        # named where they end rather than in the legend, which then stays small; the failure
        # level at the start when a late failure mark and its text sit at the end
        trans = ax.get_yaxis_transform()
        for level, text in ((float(run.parameters["set_point"]), "set point"), (crit, "failure level")):
            at_start = late and text == "failure level"
            ax.annotate(
                text,
                xy=(0.0 if at_start else 1.0, level),
                xycoords=trans,
                xytext=(2 if at_start else -2, 1.5),
                textcoords="offset points",
                ha="left" if at_start else "right",
                va="bottom",
                fontsize="small",
                color=reference_color,
            )
    return _finish(ax, unit, "mass (normal liver = 1)", floor=1.12)


def plot_turnover(ax, run, *, color=None, unit: str | None = None):
    """Hepatocyte division flux (solid) and death flux (dashed), fraction of normal mass per hour."""
    unit = unit or _unit_for([run])
    _line(ax, run, "proliferation", unit, color, SOLID, "division")
    _line(ax, run, "death_flux", unit, color, DASHED, "death")
    return _finish(ax, unit, "flux (normal mass / h)", floor=1e-3)


def plot_signals(ax, run, *, color=None, unit: str | None = None):
    """Inflammation (solid) and growth signal (dashed), both relative (0 = none), and the
    systemic injury (dotted, 0 to 1) where a systemic inflammation left any (above 0.01)."""
    unit = unit or _unit_for([run])
    _line(ax, run, "inflammation", unit, color, SOLID, "inflammation")
    _line(ax, run, "growth_signal", unit, color, DASHED, "growth signal")
    if _has(run, "systemic_injury") and float(np.nanmax(run["systemic_injury"])) > 0.01:
        _line(ax, run, "systemic_injury", unit, color, DOTTED, "systemic injury")
    return _finish(ax, unit, "signal (relative, 0 = none)", floor=0.05)


#: The smallest ratio of top to bottom of the ALT axis.
ALT_MIN_SPAN = 4.0


def plot_alt(ax, run, *, color=None, unit: str | None = None):
    """Serum ALT on a logarithmic axis (U/L)."""
    unit = unit or _unit_for([run])
    _line(ax, run, "alt_u_per_l", unit, color, SOLID, "ALT")
    ax.set_ylabel("serum ALT (U/L)")
    ax.set_xlabel(_time_label(unit))
    _time_ticks(ax, unit)
    ax.set_yscale("log")
    lo, hi = np.inf, 0.0
    for line in ax.get_lines():
        y = np.asarray(line.get_ydata(), dtype=float)
        y = y[np.isfinite(y) & (y > 0)]
        if y.size:
            lo, hi = min(lo, float(y.min())), max(hi, float(y.max()))
    if hi > 0:
        # a margin around the data, and a span of at least a factor ALT_MIN_SPAN, so a flat
        # baseline is drawn flat in the middle rather than under an empty decade
        lo, hi = lo / 1.25, hi * 1.25
        widen = math.sqrt(max(ALT_MIN_SPAN / (hi / lo), 1.0))
        ax.set_ylim(lo / widen, hi * widen)
    _plain_log_ticks(ax)
    return ax


def plot_therapy(ax, run, *, color=None, unit: str | None = None, ev_ax=None):
    """MSCs in lung (solid) and liver (dashed), 1e6 cells/kg; EVs in liver (dotted, right axis, ug/kg).

    The right axis is ``ev_ax`` if given, else a twin of ``ax`` made on first use and reused by
    later calls on the same ``ax`` (so several runs share it).  Returns ``ax``.
    """
    unit = unit or _unit_for([run])
    _line(ax, run, "msc_lung", unit, color, SOLID, "MSC, lung")
    _line(ax, run, "msc_liver", unit, color, DASHED, "MSC, liver")
    _finish(ax, unit, "MSC (10\u2076 cells/kg)", floor=0.01)
    if ev_ax is None:
        ev_ax = getattr(ax, "_livermodel_ev_ax", None)
    if ev_ax is None:
        ev_ax = ax.twinx()
        ev_ax.grid(False)
        ev_ax.spines["right"].set_visible(True)
        ax._livermodel_ev_ax = ev_ax
    _line(ev_ax, run, "ev_liver", unit, color, DOTTED, "EV, liver")
    ev_ax.set_ylabel("EV in liver (\u00b5g/kg)")
    ev_ax.set_ylim(0, max(0.01, 1.06 * _data_max(ev_ax)))
    return ax


def plot_therapy_effect(ax, run, *, color=None, unit: str | None = None):
    """Occupancy of the paracrine therapy effect (0 to 1)."""
    unit = unit or _unit_for([run])
    _line(ax, run, "therapy_effect", unit, color, SOLID, "therapy effect")
    return _finish(ax, unit, "effect occupancy (0 to 1)", floor=0.05)


def _plain_log_ticks(ax) -> None:
    """Log-axis tick labels as plain numbers (30, 100, 1000), with 2 and 5 in between on short ranges."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    lo, hi = ax.get_ylim()
    fmt = FuncFormatter(lambda v, _pos: f"{v:,.0f}" if v >= 1 else f"{v:g}")
    ax.yaxis.set_major_locator(LogLocator(base=10))
    ax.yaxis.set_major_formatter(fmt)
    if hi / lo < 300:  # 2 and 5 between the decades; 3 too on a short axis
        subs = (2.0, 3.0, 5.0) if hi / lo < 30 else (2.0, 5.0)
        ax.yaxis.set_minor_locator(LogLocator(base=10, subs=subs))
        ax.yaxis.set_minor_formatter(fmt)
    else:
        ax.yaxis.set_minor_formatter(NullFormatter())


def _lw(ax) -> float:
    import matplotlib

    return float(matplotlib.rcParams["lines.linewidth"])


def mark_events(ax, run, *, unit: str | None = None, color=REFERENCE_COLOR, labels: bool = False):
    """Mark every insult and dose of ``run`` with a thin vertical line in ``color``.

    With ``labels`` the first time of each kind is also named above the plot area
    (see :func:`label_events`).  Returns ``ax``.
    """
    unit = unit or _unit_for([run])
    for t in sorted({float(t) for t, _ in run.schedule.dose_times()}):
        _event_line(ax, t, unit, color)
    if labels:
        label_events(ax, [(t, text, color) for t, text in event_labels(run)], unit=unit)
    return ax


def _event_line(ax, t_h: float, unit: str, color) -> None:
    ax.axvline(
        t_h / _DIV[unit], color=color, linewidth=0.6 * _lw(ax), linestyle=(0, (2, 2)), alpha=0.8, zorder=0.5
    )


_DIV = {"h": 1.0, "d": 24.0, "wk": 168.0}


def event_labels(run) -> list[tuple[float, str]]:
    """``[(time_h, text)]``: each kind of event named once, at its first time.

    Repeats are counted (``MSC \u00d74``) and kinds starting together are joined
    (``PHx + MSC``).
    """
    first: dict[str, float] = {}
    count: dict[str, int] = {}
    for t, kind in run.schedule.dose_times():
        first.setdefault(kind, float(t))
        count[kind] = count.get(kind, 0) + 1
    by_time: dict[float, list[str]] = {}
    for kind, t in first.items():
        name = EVENT_LABELS.get(kind, kind)
        if count[kind] > 1:
            name += f" \u00d7{count[kind]}"
        by_time.setdefault(t, []).append(name)
    return sorted((t, " + ".join(names)) for t, names in by_time.items())


def label_events(ax, items, *, unit: str) -> int:
    """Write event labels ``[(time_h, text, color)]`` above ``ax``, stacking any that would overlap.

    Returns the number of label rows used (so a caller can make room above the axes).
    """
    import matplotlib
    import matplotlib.transforms as mtransforms

    if not items:
        return 0
    size = matplotlib.font_manager.FontProperties(size="small").get_size_in_points()
    width_pt = size_in(ax)[0] * 72
    lo, hi = ax.get_xlim()
    ends: list[float] = []  # right end (points) of the last label in each row
    trans = mtransforms.blended_transform_factory(ax.transData, ax.transAxes)
    for t, text, color in sorted(items, key=lambda it: it[0]):
        x_pt = (t / _DIV[unit] - lo) / max(hi - lo, 1e-12) * width_pt
        w = 0.6 * size * len(text) + 6
        row = next((r for r, end in enumerate(ends) if x_pt > end), len(ends))
        if row == len(ends):
            ends.append(0.0)
        ends[row] = x_pt + w
        ax.annotate(
            text,
            xy=(t / _DIV[unit], 1.0),
            xycoords=trans,
            xytext=(1.5, 2 + 1.25 * size * row),
            textcoords="offset points",
            fontsize=size,
            color=color,
            ha="left",
            va="bottom",
            annotation_clip=False,
        )
    return len(ends)


def _note(fig, layout, extra: str = ""):
    if sub_figure_note(fig, note_text() + extra, layout["note_size"]):
        return
    fig.text(
        0.995,
        0.002,
        note_text() + extra,
        ha="right",
        va="bottom",
        fontsize=layout["note_size"],
        color="#666666",
        style="italic",
    )
    engine = fig.get_layout_engine()
    if engine is not None:
        engine.set(rect=(0, 0.025 if layout["note_size"] < 10 else 0.03, 1, 0.975))


#: Legend positions tried: centres on a grid over the axes (fractions), corners first on ties.
LEGEND_GRID = 9


def _obstacles(ax, legend) -> np.ndarray:
    """Points (axes fraction) a legend should not cover: every line on ``ax`` (and its right axis)
    sampled evenly along its length, so a straight reference line such as the set point weighs as
    much as a curve, and the texts written on the axes."""
    to_axes = ax.transAxes.inverted()
    pts = []
    axes = [ax] + ([ax._livermodel_ev_ax] if hasattr(ax, "_livermodel_ev_ax") else [])
    for a in axes:
        for line in a.get_lines():
            xy = line.get_transform().transform(
                np.column_stack(
                    [np.asarray(line.get_xdata(), dtype=float), np.asarray(line.get_ydata(), dtype=float)]
                )
            )
            xy = to_axes.transform(xy[np.all(np.isfinite(xy), axis=1)])
            if len(xy) == 0:
                continue
            if len(xy) == 1:
                pts.append(np.repeat(xy, 40, axis=0))  # a marker
                continue
            seg = np.hypot(*np.diff(xy, axis=0).T)
            at = np.concatenate([[0.0], np.cumsum(seg)])
            if at[-1] <= 0:
                continue
            s = np.linspace(0.0, at[-1], 150)
            pts.append(np.column_stack([np.interp(s, at, xy[:, 0]), np.interp(s, at, xy[:, 1])]))
    renderer = _renderer(ax)
    for text in ax.texts:
        if text.get_text():
            bb = text.get_window_extent(renderer).transformed(to_axes)
            gx, gy = np.meshgrid(np.linspace(bb.x0, bb.x1, 8), np.linspace(bb.y0, bb.y1, 3))
            pts.append(np.repeat(np.column_stack([gx.ravel(), gy.ravel()]), 4, axis=0))
    if not pts:
        return np.empty((0, 2))
    return np.vstack(pts)


def _renderer(ax):
    """The renderer of ``ax``'s figure, or ``None`` if its canvas cannot draw (a bare Figure)."""
    get = getattr(ax.figure.canvas, "get_renderer", None)
    return get() if get is not None else None


def place_legend(ax, legend):
    """Move ``legend`` to where it covers the fewest points of the lines, reference lines and
    texts of ``ax`` (matplotlib's ``best`` counts vertices, so it readily covers a straight line
    such as the set point): the centres of a :data:`LEGEND_GRID` x :data:`LEGEND_GRID` grid
    inside the axes are tried, and among equally good ones the one nearest a corner, then the
    highest, wins.
    Returns the legend."""
    if _renderer(ax) is None:  # a figure without a drawing canvas: matplotlib's own choice
        if hasattr(legend, "set_loc"):
            legend.set_loc("best")
        return legend
    pts = _obstacles(ax, legend)
    renderer = _renderer(ax)
    bb = legend.get_window_extent(renderer).transformed(ax.transAxes.inverted())
    w, h = min(bb.width, 1.0), min(bb.height, 1.0)
    pad = 0.01
    best = None
    for cx in np.linspace(pad + w / 2, 1 - pad - w / 2, LEGEND_GRID):
        for cy in np.linspace(pad + h / 2, 1 - pad - h / 2, LEGEND_GRID):
            m = 0.02  # a line just outside the frame is still hidden by it
            inside = (
                (pts[:, 0] >= cx - w / 2 - m)
                & (pts[:, 0] <= cx + w / 2 + m)
                & (pts[:, 1] >= cy - h / 2 - m)
                & (pts[:, 1] <= cy + h / 2 + m)
            )
            corner = min(abs(cx - 0.5), 0.5) + min(abs(cy - 0.5), 0.5)
            key = (int(np.count_nonzero(inside)), -round(corner, 6), -cy)  # then corners, then top
            if best is None or key < best[0]:
                best = (key, (float(cx), float(cy)))
    assert best is not None  # LEGEND_GRID x LEGEND_GRID candidates
    legend.set_bbox_to_anchor(best[1], transform=ax.transAxes)
    if hasattr(legend, "set_loc"):
        legend.set_loc("center")
    else:  # matplotlib 3.7
        legend._loc = 10
    return legend
