"""Figures of a sweep: dose-response curves, maps with the failure boundary, small multiples.

Each ``plot_*`` function takes a matplotlib ``Axes`` and returns it; each ``*_figure`` function
builds a whole figure on the Agg canvas (no ``pyplot``) in the project style
(:mod:`livermodel.figures.style`) and returns it.  matplotlib is imported inside the functions.

"Failure" in these figures is the *liver's* failure (metric ``failed``: functional mass fell into
the failure basin), shaded or bounded in the failure colour; runs whose *solve* failed
(``status`` ``failed``) are marked with grey crosses and never drawn as values.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from livermodel.figures import style as _style
from livermodel.figures.style import FAILURE_COLOR, OKABE_ITO, REFERENCE_COLOR, style_context
from livermodel.metrics import LABELS, METRICS

#: Axis labels of the metrics (with units).
METRIC_LABELS = {
    "nadir_mass": "lowest functional mass (normal = 1)",
    "nadir_time_h": "time of lowest mass (h)",
    "final_mass": "final liver function (normal = 1)",
    "recovery_time_h": "recovery time (d)",
    "failed": "liver failure (1 = yes)",
    "failure_time_h": "time of failure (h)",
    "alt_peak_u_per_l": "peak serum ALT (U/L)",
    "alt_peak_time_h": "time of ALT peak (h)",
    "proliferation_peak_time_h": "time of division peak (h)",
    "survival_probability": "survival probability",
    "mode": "response mode",
    "failure_cause": "cause of failure (0 = liver, 1 = systemic)",
}
#: Metrics shown in days rather than hours.
_IN_DAYS = {"recovery_time_h"}
#: Metrics drawn next to the chosen one in a one-key response figure.
RESPONSE_PANELS = ("survival_probability", "final_mass", "nadir_mass", "recovery_time_h")


def metric_label(metric: str) -> str:
    return METRIC_LABELS.get(metric, metric)


def _metric_values(result, metric: str) -> np.ndarray:
    if metric in LABELS:
        codes = {v: float(i) for i, v in enumerate(LABELS[metric])}
        return np.array([codes.get(r[metric], np.nan) for r in result.rows])
    v = result.column(metric).astype(float)
    return v / 24.0 if metric in _IN_DAYS else v


def _status_ok(result) -> np.ndarray:
    return np.array([r["status"] == "ok" for r in result.rows])


def _liver_failed(result) -> np.ndarray:
    return np.array([bool(r["failed"]) for r in result.rows])


def _x(result, spec):
    """Numeric x positions of a key's values, and tick labels for words."""
    col = result.column(spec.key)
    if spec.numeric:
        return col.astype(float), None
    words = list(dict.fromkeys(str(v) for v in col))
    return np.array([words.index(str(v)) for v in col], dtype=float), words


# --------------------------------------------------------------------------------------------
# panels
# --------------------------------------------------------------------------------------------


def plot_response(ax, result, key: str, metric: str = "survival_probability", *, shade: bool = True):
    """``metric`` against the values of ``key`` (one line; other keys' runs as points).

    With ``shade`` the stretches of ``key`` where the liver fails are shaded in the failure
    colour.  Runs whose solve failed are marked by grey crosses on the x axis.
    """
    from livermodel.studies.sweep.plan import key_label

    plan = result.plan
    spec = next(s for s in plan.specs if s.key == key)
    x, words = _x(result, spec)
    y = _metric_values(result, metric)
    ok = _status_ok(result)
    failed = _liver_failed(result) & ok
    order = np.argsort(x, kind="stable")
    xs, ys, oks = x[order], y[order], ok[order]
    if shade:
        _shade_failure(ax, xs, failed[order], spec)
    single = len(plan.specs) == 1
    good = oks & np.isfinite(ys)
    if single and good.any():  # (an empty unclipped line has an unbounded extent for the layout)
        ax.plot(
            xs[good],
            ys[good],
            color=OKABE_ITO["blue"],
            marker="o",
            markersize=3,
            label=metric_label(metric),
            clip_on=False,
        )
    elif good.any():
        ax.scatter(xs[good], ys[good], s=8, color=OKABE_ITO["blue"], alpha=0.6, linewidths=0)
    if not good.any():  # nothing to draw: say so, on an axis without made-up values
        ax.set_ylim(0, 1)
        ax.set_yticks([])
        why = f"every one of the {oks.size} runs failed to solve" if not oks.any() else "no run has a value"
        _style.note_box(ax, f"{why}:\nnothing to plot")
    if (~oks).any():
        y0 = ax.get_ylim()[0]
        ax.scatter(
            xs[~oks],
            np.full((~oks).sum(), y0),
            marker="x",
            color=_style.FAILED_RUN_COLOR,
            s=20,
            clip_on=False,
            zorder=5,
            label="solver failed",
        )
    if spec.log:
        ax.set_xscale("log")
    if words:
        ax.set_xticks(range(len(words)), words)
    ax.set_xlabel(key_label(plan.scenario, spec))
    ax.set_ylabel(metric_label(metric))
    if metric in ("survival_probability", "failed"):
        ax.set_ylim(-0.03, 1.03)
    return ax


def _shade_failure(ax, xs, failed, spec):
    """Shade x stretches with liver failure, split half-way to the neighbouring values."""
    if not failed.any():
        return
    ux = np.unique(xs)
    fail_at = {v: failed[xs == v].mean() >= 0.5 for v in ux}
    if spec.log and (ux > 0).all():
        edges_mid = np.sqrt(ux[1:] * ux[:-1])
    else:
        edges_mid = 0.5 * (ux[1:] + ux[:-1])
    lo = np.concatenate([[ux[0]], edges_mid])
    hi = np.concatenate([edges_mid, [ux[-1]]])
    labelled = False
    for v, a, b in zip(ux, lo, hi, strict=True):
        if fail_at[v]:
            ax.axvspan(
                a,
                b,
                color=FAILURE_COLOR,
                alpha=0.12,
                linewidth=0,
                zorder=0,
                label=None if labelled else "liver fails",
            )
            labelled = True


def plot_map(
    ax,
    result,
    xkey: str,
    ykey: str,
    metric: str = "survival_probability",
    *,
    boundary: bool = True,
    colorbar: bool = True,
):
    """Filled map of ``metric`` over two varied keys, with the failure boundary drawn.

    A grid is drawn cell by cell (``pcolormesh``); scattered designs as a filled contour over a
    triangulation with the run points marked.  The failure boundary is the 0.5 contour of the
    liver-failure indicator; runs whose solve failed are grey crosses.
    """
    from livermodel.studies.sweep.plan import key_label

    plan = result.plan
    sx = next(s for s in plan.specs if s.key == xkey)
    sy = next(s for s in plan.specs if s.key == ykey)
    x, xw = _x(result, sx)
    y, yw = _x(result, sy)
    z = _metric_values(result, metric)
    ok = _status_ok(result)
    fail = _liver_failed(result).astype(float)
    fail[~ok] = np.nan
    z = np.where(ok, z, np.nan)
    cmap, vmin, vmax = _cmap(metric, z)
    ux, uy = np.unique(x), np.unique(y)
    gridded = plan.design == "grid" and not plan.zip and ux.size * uy.size == x.size
    if gridded:
        Z = np.full((uy.size, ux.size), np.nan)
        F = np.full((uy.size, ux.size), np.nan)
        ix, iy = np.searchsorted(ux, x), np.searchsorted(uy, y)
        Z[iy, ix] = z
        F[iy, ix] = fail
        ex, ey = _edges(ux, sx.log), _edges(uy, sy.log)
        mesh = ax.pcolormesh(ex, ey, np.ma.masked_invalid(Z), cmap=cmap, vmin=vmin, vmax=vmax, shading="flat")
        blank = (F == 1) & ~np.isfinite(Z)  # e.g. no recovery time where the liver fails
        if blank.any():
            from matplotlib.colors import ListedColormap

            ax.pcolormesh(
                ex,
                ey,
                np.ma.masked_where(~blank, np.ones_like(Z)),
                cmap=ListedColormap([FAILURE_COLOR]),
                alpha=0.18,
                shading="flat",
            )
        if boundary and np.nanmin(F, initial=1) < 0.5 < np.nanmax(F, initial=0):
            X, Y = np.meshgrid(ux, uy)
            ax.contour(
                X,
                Y,
                np.nan_to_num(F, nan=0.5),
                levels=[0.5],
                colors=FAILURE_COLOR,
                linewidths=2.0 * _lw(ax),
                linestyles="-",
            )
    else:
        import matplotlib.tri as mtri

        good = np.isfinite(z)
        tx = np.log10(x) if sx.log else x
        ty = np.log10(y) if sy.log else y
        tri = mtri.Triangulation(tx, ty)
        mesh = None
        if good.sum() >= 3:
            zz = np.where(good, z, np.nanmean(z[good]))
            levels = (
                np.linspace(vmin, vmax, 11) if metric in FIXED_SCALE else 12
            )  # probabilities keep their 0-1 scale, however flat the map
            mesh = ax.tricontourf(
                tx,
                ty,
                np.clip(zz, vmin, vmax) if metric in FIXED_SCALE else zz,
                levels=levels,
                cmap=cmap,
                vmin=vmin,
                vmax=vmax,
            )
            if boundary and np.nanmin(fail) < 0.5 < np.nanmax(fail):
                ax.tricontour(
                    tri,
                    np.nan_to_num(fail, nan=0.5),
                    levels=[0.5],
                    colors=FAILURE_COLOR,
                    linewidths=2.0 * _lw(ax),
                )
        ax.scatter(tx, ty, s=3, color="#222222", alpha=0.35, linewidths=0)
        if sx.log:
            _log_ticks(ax.xaxis)
        if sy.log:
            _log_ticks(ax.yaxis)
        x, y = tx, ty
    if (~ok).any():
        ax.scatter(
            x[~ok], y[~ok], marker="x", color=_style.FAILED_RUN_COLOR, s=18, zorder=5, label="solver failed"
        )
    note = None
    if not ok.any():
        note = f"every one of the {ok.size} runs failed to solve:\nnothing to map"
    elif not np.isfinite(z).any():
        note = f"{metric_label(metric)} has no value in any run"
    elif np.nanmin(fail) == 1:
        note = "the liver fails in every run"
    if note:
        _style.note_box(ax, note)
    if gridded:
        if sx.log:
            ax.set_xscale("log")
        if sy.log:
            ax.set_yscale("log")
    if xw:
        ax.set_xticks(range(len(xw)), xw)
    if yw:
        ax.set_yticks(range(len(yw)), yw)
    ax.set_xlabel(key_label(plan.scenario, sx))
    ax.set_ylabel(key_label(plan.scenario, sy))
    ax.grid(False)
    if colorbar and mesh is None and metric in FIXED_SCALE:
        import matplotlib.cm

        mesh = matplotlib.cm.ScalarMappable(cmap=cmap)
        mesh.set_clim(vmin, vmax)
    if colorbar and mesh is not None:
        cb = ax.figure.colorbar(mesh, ax=ax, shrink=0.9)
        cb.set_label(metric_label(metric))
    return ax


def _log_ticks(axis):
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    axis.set_major_locator(MaxNLocator(integer=True))
    axis.set_major_formatter(FuncFormatter(lambda v, _: f"1e{v:.0f}" if v % 1 == 0 else ""))


#: Metrics that are probabilities or fractions: always drawn on a fixed 0-1 colour scale.
FIXED_SCALE = ("survival_probability", "failed")


def _cmap(metric, z):
    import matplotlib

    finite = z[np.isfinite(z)]
    if metric in FIXED_SCALE:
        return matplotlib.colormaps["cividis"], 0.0, 1.0
    if finite.size == 0:
        return matplotlib.colormaps["viridis"], 0.0, 1.0
    lo, hi = float(finite.min()), float(finite.max())
    if hi == lo:
        hi = lo + 1.0
    return matplotlib.colormaps["viridis"], lo, hi


def _edges(u, log):
    if u.size == 1:
        return np.array([u[0] * 0.9, u[0] * 1.1]) if log else np.array([u[0] - 0.5, u[0] + 0.5])
    if log and (u > 0).all():
        mid = np.sqrt(u[1:] * u[:-1])
        return np.concatenate([[u[0] ** 2 / mid[0]], mid, [u[-1] ** 2 / mid[-1]]])
    mid = 0.5 * (u[1:] + u[:-1])
    return np.concatenate([[2 * u[0] - mid[0]], mid, [2 * u[-1] - mid[-1]]])


def _lw(ax) -> float:
    import matplotlib

    return float(matplotlib.rcParams["lines.linewidth"])


# --------------------------------------------------------------------------------------------
# whole figures
# --------------------------------------------------------------------------------------------


def _figure(layout, n: int, rows: int, cols: int, height_rows: float | None = None, *, ax, fig, what):
    """``(figure, axes, owned)`` for ``n`` panels (see :mod:`livermodel.figures.canvas`)."""
    from livermodel.figures.canvas import grid_axes

    width = layout["width"] if cols > 1 else layout["width"] * 0.8
    height = layout["row_height"] * (height_rows or rows) * (1.25 if cols > 1 else 1.4) + 0.3
    return grid_axes(n, rows, cols, (width, height), ax=ax, fig=fig, what=what)


def _finish(fig, layout, title, overrides=(), owned: bool = True):
    from livermodel.figures.panels import _note
    from livermodel.figures.style import with_overrides

    if not owned:  # the caller's axes: no title, note or layout change on their figure
        return fig
    if title:
        fig.suptitle(with_overrides(title, overrides), fontweight="bold")
    _note(fig, layout)
    return fig


def response_figure(
    result,
    *,
    metric: str = "survival_probability",
    style: str = "paper",
    title: str | None = None,
    overrides=(),
    fig=None,
    ax=None,
):
    """One varied key: the chosen metric and three others against the key's values.

    With several keys: one panel per key, the chosen metric against it (every run a point).
    ``overrides`` (the ``--set`` values of the swept scenario, as in every sweep figure) are
    named under the title.  ``fig`` a figure or sub-figure to draw into; ``ax`` the caller's
    axes instead (four for one key, else one per key; see :mod:`livermodel.figures.canvas`).
    """
    plan = result.plan
    with style_context(style) as layout:
        if len(plan.specs) == 1:
            metrics = [metric] + [m for m in RESPONSE_PANELS if m != metric][:3]
            fig, axes, owned = _figure(layout, 4, 2, 2, ax=ax, fig=fig, what="response_figure")
            for k, (ax, m) in enumerate(zip(axes, metrics, strict=True)):
                plot_response(ax, result, plan.keys[0], m)
                ax.set_title(f"{chr(65 + k)}  {metric_label(m).split(' (')[0]}")
                if k == 0:
                    _legend(ax)
        else:
            n = len(plan.specs)
            cols = min(n, 3)
            rows = -(-n // cols)
            fig, axes, owned = _figure(layout, n, rows, cols, ax=ax, fig=fig, what="response_figure")
            for k, (ax, spec) in enumerate(zip(axes, plan.specs, strict=True)):
                plot_response(ax, result, spec.key, metric)
                ax.set_title(f"{chr(65 + k)}  {metric_label(metric).split(' (')[0]}")
                if k == 0:
                    _legend(ax)
        return _finish(
            fig,
            layout,
            title or f"{plan.scenario.name}: sweep of {', '.join(plan.keys)} ({plan.n_runs} runs)",
            overrides,
            owned,
        )


def _legend(ax):
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        ax.legend(handles, labels, loc="best")


def map_figure(
    result,
    *,
    metric: str = "survival_probability",
    style: str = "paper",
    title: str | None = None,
    keys: Sequence[str] | None = None,
    overrides=(),
    fig=None,
    ax=None,
):
    """Two varied keys: a map of ``metric`` with the failure boundary.  ``fig`` a figure or
    sub-figure to draw into; ``ax`` the caller's Axes instead (see :mod:`livermodel.figures.canvas`)."""
    plan = result.plan
    xkey, ykey = keys or plan.keys[:2]
    with style_context(style) as layout:
        fig, (ax,), owned = _figure(layout, 1, 1, 1, height_rows=1.3, ax=ax, fig=fig, what="map_figure")
        plot_map(ax, result, xkey, ykey, metric)
        _boundary_legend(ax, result)
        title = title or f"{plan.scenario.name}: {metric_label(metric)}"
        return _finish(fig, layout, title, overrides, owned)


def _boundary_legend(ax, result):
    from matplotlib.lines import Line2D

    handles, labels = ax.get_legend_handles_labels()
    fail = _liver_failed(result) & _status_ok(result)
    if fail.any() and not fail.all():
        handles.insert(0, Line2D([], [], color=FAILURE_COLOR, linewidth=2.0 * _lw(ax)))
        labels.insert(0, "failure boundary")
    if any(c.get_alpha() == 0.18 for c in ax.collections):
        from matplotlib.patches import Patch

        handles.append(Patch(color=FAILURE_COLOR, alpha=0.18, linewidth=0))
        labels.append("liver fails (no value)")
    if handles:
        ax.legend(handles, labels, loc="upper right", fontsize="small")


def is_timing_map(plan) -> tuple[str, str] | None:
    """``(time key, dose key)`` if the sweep varies the time and the dose of one event."""
    times = [s.key for s in plan.specs if s.key.split(".")[-1] in ("at", "start") and s.numeric]
    doses = [s.key for s in plan.specs if s.key.split(".")[-1] == "dose" and s.numeric]
    if len(plan.specs) == 2 and times and doses:
        return times[0], doses[0]
    return None


def timing_map_figure(
    result, *, style: str = "paper", title: str | None = None, overrides=(), fig=None, ax=None
):
    """Treatment timing: intervention time x dose -> survival (A) and recovery time (B).  ``fig``
    a figure or sub-figure to draw into; ``ax`` the caller's two axes instead."""
    plan = result.plan
    tkey, dkey = is_timing_map(plan) or plan.keys[:2]
    with style_context(style) as layout:
        fig, axes, owned = _figure(layout, 2, 1, 2, height_rows=1.3, ax=ax, fig=fig, what="timing_map_figure")
        for k, (ax, m) in enumerate(zip(axes, ("survival_probability", "recovery_time_h"), strict=True)):
            plot_map(ax, result, tkey, dkey, m)
            ax.set_title(f"{chr(65 + k)}  {metric_label(m).split(' (')[0]}")
            if k == 0:
                _boundary_legend(ax, result)
        title = title or f"{plan.scenario.name}: treatment timing and dose"
        return _finish(fig, layout, title, overrides, owned)


def pick_points(plan, k: int = 6) -> list[int]:
    """``k`` runs spread over the design (for small multiples), in run order."""
    n = plan.n_runs
    return sorted({int(round(v)) for v in np.linspace(0, n - 1, min(k, n))})


def pick_both_outcomes(result, k: int = 6) -> list[int]:
    """``k`` runs spread over the design, showing both outcomes (the liver fails, it does not)
    when the sweep has both: about half of each, each half spread over its runs."""
    rows = [r for r in result.rows if r["status"] == "ok"]
    failed = [r["run"] for r in rows if r["failed"]]
    fine = [r["run"] for r in rows if not r["failed"]]
    if not failed or not fine:
        return pick_points(result.plan, k)

    def spread(runs, m):
        idx = np.linspace(0, len(runs) - 1, min(m, len(runs)))
        return [runs[int(round(v))] for v in idx]

    n_fail = min(len(failed), max(1, k // 2))
    n_fine = min(len(fine), k - n_fail)
    n_fail = min(len(failed), k - n_fine)
    return sorted(set(spread(failed, n_fail)) | set(spread(fine, n_fine)))


def trajectories_figure(
    result,
    runs: Sequence[int] | None = None,
    *,
    variable: str = "liver_function",
    style: str = "paper",
    title: str | None = None,
    batch=None,
    window_h: float | None = None,
    overrides=(),
    fig=None,
    ax=None,
):
    """Small multiples: ``variable`` over time in a handful of runs, one panel each.

    ``batch`` holds one :class:`livermodel.solve.simulate.Result` per run (default: they are simulated
    again, grouped as in the sweep's chunks).  The set point and the failure
    threshold are drawn in each panel of functional mass.  ``window_h`` draws only the first
    ``window_h`` hours.  ``fig`` a figure or sub-figure to draw into; ``ax`` the caller's axes
    instead, one per run (see :mod:`livermodel.figures.canvas`).
    """
    from livermodel.figures.style import time_axis
    from livermodel.figures.timecourse import _time_ticks, mark_events
    from livermodel.figures.window import check_window, windowed
    from livermodel.metrics import failure_level
    from livermodel.model.layout import VARIABLES

    plan = result.plan
    runs = list(runs) if runs is not None else pick_both_outcomes(result)
    if batch is None:
        batch = _simulate_points(plan, runs)
    batch = windowed(batch, check_window(window_h, key="window_h"))
    rows_by_run = {r["run"]: r for r in result.rows}
    with style_context(style) as layout:
        cols = min(3, len(runs))
        nrows = -(-len(runs) // cols)
        fig, axes, owned = _figure(
            layout,
            len(runs),
            nrows,
            cols,
            height_rows=0.8 * nrows,
            ax=ax,
            fig=fig,
            what="trajectories_figure",
        )
        unit, div = time_axis(max(float(b.duration_h) for b in batch))
        for k, (ax, i) in enumerate(zip(axes, runs, strict=True)):
            run = batch[k]
            row = rows_by_run.get(i, {})
            color = FAILURE_COLOR if row.get("failed") else OKABE_ITO["blue"]
            ax.plot(run.time_h / div, run[variable], color=color)
            if not run.success:
                _style.note_box(ax, "the solve failed:\nno trajectory")
            if variable in ("liver_function", "functional_mass"):
                ax.axhline(
                    float(run.parameters["set_point"]),
                    color=REFERENCE_COLOR,
                    linestyle=(0, (1, 1.5)),
                    linewidth=0.8 * _lw(ax),
                )
                crit = failure_level(run.parameters)
                ax.axhline(crit, color=REFERENCE_COLOR, linestyle=(0, (5, 2, 1, 2)), linewidth=0.8 * _lw(ax))
                ax.axhspan(0, crit, color=FAILURE_COLOR, alpha=0.07, linewidth=0, zorder=0)
                ax.set_ylim(0, 1.15)
            mark_events(ax, run, unit=unit)
            ax.set_xlim(0, run.duration_h / div)
            _time_ticks(ax, unit)
            ax.set_title(_point_title(plan, i, wrap=cols > 1), fontweight="normal", fontsize="small")
            if k % cols == 0:
                ax.set_ylabel(
                    f"{variable.replace('_', ' ')} ({VARIABLES[variable][0]})"
                    if variable != "liver_function"
                    else "liver function (normal = 1)"
                )
            if k >= len(runs) - cols:
                ax.set_xlabel(f"time ({unit})")
        return _finish(
            fig,
            layout,
            title
            or f"{plan.scenario.name}: {len(runs)} runs of the sweep\n"
            "(vermillion: the liver fails, blue: it does not; dotted: set point; "
            "dash-dot: failure threshold)",
            overrides,
            owned,
        )


def _point_title(plan, i: int, *, wrap: bool = False) -> str:
    from livermodel.studies.sweep.plan import key_unit
    from livermodel.units import unit_after_number

    parts = []
    for s in plan.specs:
        v = plan.point(i)[s.key]
        unit = unit_after_number(key_unit(plan.scenario, s))
        word = s.key.split(".")[-1]
        text = _short(v) if isinstance(v, float) else str(v)
        parts.append(f"{word} {text}{' ' + unit if unit else ''}")
    line = ", ".join(parts)
    return "\n".join(parts) if wrap and len(line) > 34 else line  # a third of the width


def _short(v: float) -> str:
    """``1e+05`` -> ``1e5``; ``3.16e+07`` -> ``3.2e7``; ``12.0`` -> ``12``."""
    if v != 0 and (abs(v) >= 1e4 or abs(v) < 1e-3):
        mant, exp = f"{v:.1e}".split("e")
        mant = mant.rstrip("0").rstrip(".")
        return f"{mant}e{int(exp)}"
    return f"{v:.3g}"


def _simulate_points(plan, runs):
    """Simulate a few runs of ``plan`` (grouped by solver settings, as the sweep's chunks are).

    Returns one :class:`livermodel.solve.simulate.Result` per run, in the order of ``runs``.
    """
    from livermodel.solve.simulate import simulate_batch

    scs = [plan.scenario_at(i) for i in runs]
    groups: dict = {}
    for k, sc in enumerate(scs):
        key = (sc.duration_h, sc.output_step_h, sc.settings, tuple(sorted(sc.initial.items())))
        groups.setdefault(key, []).append(k)
    out: list = [None] * len(scs)
    for (duration, step, settings, initial), members in groups.items():
        batch = simulate_batch(
            [scs[k].parameters for k in members],
            [scs[k].schedule for k in members],
            duration=duration,
            output_step=step,
            settings=settings,
            initial=dict(initial) or None,
        )
        for j, k in enumerate(members):
            out[k] = batch[j]
    return out


def draw_sweep_figures(
    result,
    folder: str | Path,
    *,
    formats=("png",),
    style: str = "paper",
    metric: str = "survival_probability",
    window_h: float | None = None,
    overrides=(),
) -> list[Path]:
    """Draw the figures that fit the sweep into ``folder``; returns the files written.

    ``response.<fmt>`` (one key, or three and more), ``map.<fmt>`` (two keys),
    ``timing-map.<fmt>`` (an event's time and dose), ``trajectories.<fmt>`` (small multiples).
    """
    import warnings

    from livermodel.figures.timecourse import save_figure
    from livermodel.scenario.fields import ScenarioWarning

    folder = Path(folder)
    plan = result.plan
    out: list[Path] = []
    if metric not in METRICS:
        metric = "survival_probability"
    if (
        len(plan.specs) == 2
        and all(s.numeric for s in plan.specs)
        or (len(plan.specs) == 2 and plan.design == "grid" and not plan.zip)
    ):
        out += save_figure(
            map_figure(result, metric=metric, style=style, overrides=overrides), folder / "map", formats
        )
        if is_timing_map(plan):
            out += save_figure(
                timing_map_figure(result, style=style, overrides=overrides), folder / "timing-map", formats
            )
    else:
        out += save_figure(
            response_figure(result, metric=metric, style=style, overrides=overrides),
            folder / "response",
            formats,
        )
    same_grid = not any(k.split(".")[0] in ("duration", "output_step") for k in plan.keys)
    if same_grid:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ScenarioWarning)
            fig = trajectories_figure(result, style=style, window_h=window_h, overrides=overrides)
        out += save_figure(fig, folder / "trajectories", formats)
    return out
