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

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from livermodel.figures.style import (
    DPI,
    FAILURE_COLOR,
    OKABE_ITO,
    REFERENCE_COLOR,
    arm_color,
    note_text,
    style_context,
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

SOLID, DASHED, DOTTED, DASHDOT = "-", (0, (4, 2)), (0, (1, 1.5)), (0, (5, 2, 1, 2))


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


def _unit_for(runs) -> str:
    return time_axis(max(float(r.duration_h) for r in runs))[0]


def _time_label(unit: str) -> str:
    return {"h": "time (h)", "d": "time (d)", "wk": "time (wk)"}[unit]


def _style(color, variable: str) -> str:
    return color if color is not None else VARIABLE_COLORS.get(variable, OKABE_ITO["black"])


def _line(ax, run, variable, unit, color, linestyle, label):
    return ax.plot(_time(run, unit), np.asarray(run[variable], dtype=float),
                   color=_style(color, variable), linestyle=linestyle, label=label)[0]


def has_therapy(run) -> bool:
    """Whether ``run`` has any MSC or EV in it (decides whether therapy panels are drawn)."""
    kinds = {k for _, k in run.schedule.dose_times()}
    if kinds & {"msc", "ev"}:
        return True
    return any(np.nanmax(np.asarray(run[v], dtype=float), initial=0.0) > 0
               for v in ("msc_lung", "msc_liver", "ev_liver"))


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

def plot_mass(ax, run, *, color=None, unit: str | None = None, references: bool = True,
              reference_color: str = REFERENCE_COLOR):
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
    t_fail = failure_time(run.time_h, run["survival_probability"]) \
        if _has(run, "survival_probability") else None
    if t_fail is not None:  # every failing run is marked, not only the one drawing the lines
        div = _DIV[unit]
        # a death of systemic injury is marked on the function curve, wherever the liver is
        systemic = _has(run, "systemic_hazard") and failure_cause(
            run["survival_probability"], run["systemic_hazard"]) == "systemic"
        y_mark = crit
        if systemic and _has(run, "liver_function"):
            y_mark = float(np.interp(t_fail, run.time_h, run["liver_function"]))
        # in a comparison the mark takes the arm's colour, and the time is named only for
        # a single run (several arms' labels would overlap)
        ax.plot([t_fail / div], [y_mark], marker="X", markersize=7,
                color=FAILURE_COLOR if color is None else color, linestyle="none", zorder=5,
                clip_on=False, label="failure")
        if color is None:
            why = " (systemic injury)" if systemic else ""
            # below the mark for a systemic death: above it sit the function curve and legend
            ax.annotate(f"failed at {t_fail / div:.3g} {unit}{why}", xy=(t_fail / div, y_mark),
                        xytext=(6, -6) if systemic else (4, 4), textcoords="offset points",
                        va="top" if systemic else "baseline", fontsize="small",
                        color=FAILURE_COLOR, zorder=6)
    if references:
        ax.axhline(float(run.parameters["set_point"]), color=reference_color, linestyle=DOTTED,
                   linewidth=_lw(ax), label="set point", zorder=1)
        ax.axhline(crit, color=reference_color, linestyle=DASHDOT, linewidth=0.9 * _lw(ax),
                   label="failure level", zorder=1)
        ax.axhspan(0, crit, color=FAILURE_COLOR, alpha=0.07, linewidth=0, zorder=0)
        # named where they end rather than in the legend, which then stays small
        trans = ax.get_yaxis_transform()
        for level, text in ((float(run.parameters["set_point"]), "set point"),
                            (crit, "failure level")):
            ax.annotate(text, xy=(1.0, level), xycoords=trans, xytext=(-2, 1.5),
                        textcoords="offset points", ha="right", va="bottom", fontsize="small",
                        color=reference_color)
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
        # at least one decade above the lowest value, so a flat baseline does not look like a peak
        ax.set_ylim(lo / 1.5, max(hi * 1.5, lo * 10))
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
    if hi / lo < 300:
        ax.yaxis.set_minor_locator(LogLocator(base=10, subs=(2.0, 5.0)))
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
    ax.axvline(t_h / _DIV[unit], color=color, linewidth=0.6 * _lw(ax), linestyle=(0, (2, 2)),
               alpha=0.8, zorder=0.5)


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
    fig = ax.get_figure()
    size = matplotlib.font_manager.FontProperties(size="small").get_size_in_points()
    width_pt = ax.get_position().width * fig.get_figwidth() * 72
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
        ax.annotate(text, xy=(t / _DIV[unit], 1.0), xycoords=trans,
                    xytext=(1.5, 2 + 1.25 * size * row), textcoords="offset points",
                    fontsize=size, color=color, ha="left", va="bottom", annotation_clip=False)
    return len(ends)


# --------------------------------------------------------------------------------------------
# whole figures
# --------------------------------------------------------------------------------------------

PANELS = (
    ("Liver", plot_mass),
    ("Cell turnover", plot_turnover),
    ("Signals", plot_signals),
    ("Serum ALT", plot_alt),
    ("Therapy in tissue", plot_therapy),
    ("Therapy effect", plot_therapy_effect),
)


def _new_figure(n_panels: int, layout: dict, fig=None):
    from matplotlib.figure import Figure

    columns = int(layout["columns"]) if n_panels > 4 else 2
    rows = int(np.ceil(n_panels / columns))
    size = (layout["width"], layout["row_height"] * rows + 0.35 * layout["row_height"])
    if fig is None:
        fig = Figure(figsize=size, layout="constrained")
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        FigureCanvasAgg(fig)
    axes = fig.subplots(rows, columns, squeeze=False).ravel()
    for ax in axes[n_panels:]:
        ax.set_visible(False)
    return fig, list(axes[:n_panels]), columns


def _panel_legend(ax, handles_labels, *, loc="best"):
    handles, labels = handles_labels
    if handles:
        ax.legend(handles, labels, loc=loc, handlelength=2.2)


def _note(fig, layout, extra: str = ""):
    fig.text(0.995, 0.002, note_text() + extra, ha="right", va="bottom",
             fontsize=layout["note_size"], color="#666666", style="italic")
    engine = fig.get_layout_engine()
    if engine is not None:
        engine.set(rect=(0, 0.025 if layout["note_size"] < 10 else 0.03, 1, 0.975))


def timecourse_figure(run, *, style: str = "paper", title: str | None = None, fig=None):
    """The time-course panel figure of one run; returns the matplotlib ``Figure``.

    ``style`` is ``paper`` or ``slides`` (see :mod:`livermodel.figures.style`); ``fig`` an empty figure to
    draw into (default: a new Agg figure sized for the style).
    """
    return _panel_figure([run], None, style=style, title=title, fig=fig)


def comparison_figure(runs: Sequence, labels: Sequence[str] | None = None, *, style: str = "paper",
                      title: str | None = None, fig=None):
    """Overlay several runs on the panels of :func:`timecourse_figure`, one colour per arm.

    ``labels`` name the arms in the legend (default ``run 1``, ``run 2``, ...).  Returns the
    ``Figure``.
    """
    runs = list(runs)
    if not runs:
        raise ValueError("comparison_figure needs at least one run")
    labels = list(labels) if labels is not None else [f"run {i + 1}" for i in range(len(runs))]
    if len(labels) != len(runs):
        raise ValueError(f"{len(labels)} labels for {len(runs)} runs")
    return _panel_figure(runs, labels, style=style, title=title, fig=fig)


def _panel_figure(runs, labels, *, style, title, fig):
    compare = labels is not None
    with style_context(style) as layout:
        therapy = any(has_therapy(r) for r in runs)
        panels = PANELS if therapy else PANELS[:4]
        fig, axes, columns = _new_figure(len(panels), layout, fig)
        unit = _unit_for(runs)
        end = max(float(r.duration_h) for r in runs) / _DIV[unit]
        for ax in axes:
            ax.set_xlim(0, end)
        refs = _reference_colors(runs, compare)
        for i, run in enumerate(runs):
            color = arm_color(i) if compare else None
            for (_name, func), ax in zip(panels, axes, strict=True):
                if func is plot_mass:
                    func(ax, run, color=color, unit=unit, references=refs[i] is not None,
                         reference_color=refs[i] or REFERENCE_COLOR)
                else:
                    func(ax, run, color=color, unit=unit)
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
        rows = label_events(axes[0], _merged_event_labels(runs, compare), unit=unit)
        for k, ((name, func), ax) in enumerate(zip(panels, axes, strict=True)):
            ax.set_xlim(0, end)
            size = ax.title.get_fontsize()
            pad = 4 + (rows * 1.25 * 0.83 * size if k < columns else 0)
            ax.set_title(f"{chr(65 + k)}  {name}", pad=pad)
            if k + columns < len(panels):
                ax.set_xlabel("")  # x label only on the bottom panel of each column
            _panel_legend(ax, _style_legend(ax, func, compare))
        if compare:
            from matplotlib.lines import Line2D

            handles = [Line2D([], [], color=arm_color(i), linewidth=2 * _lw(axes[0]))
                       for i in range(len(runs))]
            legend = fig.legend(handles, labels, loc="outside upper center",
                                ncols=min(len(runs), 4), handlelength=2.0, title=title)
            if title:  # a suptitle would sit on top of this legend: the title heads it instead
                legend.get_title().set_fontweight("bold")
        elif title:
            fig.suptitle(title, fontweight="bold")
        _note(fig, layout)
    return fig


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
    return [arm_color(i) if (compare and i in first) else (REFERENCE_COLOR if i in first else None)
            for i in range(len(runs))]


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
            if label.startswith("_") or label in seen or label in ("set point", "failure threshold"):
                continue  # reference lines are named on the plot
            seen.add(label)
            handle = Line2D([], [])
            handle.update_from(line)
            if compare:
                handle.set_color("#222222")
            handles.append(handle)
            labels.append(label)
    if func in (plot_alt, plot_therapy_effect):
        return [], []  # one kind of line; the axis label says what it is
    return handles, labels


def save_figure(fig, stem: str | Path, formats: Sequence[str] = ("png",), *, dpi: int = DPI) -> list[Path]:
    """Save ``fig`` as ``stem.<format>`` for each format (png, svg, pdf); PNG at ``dpi``.

    Each file is written to a temporary name in the same folder and renamed into place, so an
    interrupted save never leaves a truncated figure under the final name.  Returns the paths.
    """
    from livermodel.files import atomic_path, check_formats

    out = []
    for fmt in check_formats(formats):
        path = Path(f"{stem}.{fmt}")
        with atomic_path(path) as tmp:
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
