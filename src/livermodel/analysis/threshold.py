"""Tipping points: the value of one scenario key at which the outcome flips.

The model is bistable: below a critical remnant, or above a critical toxin dose, the liver fails.
:func:`find_threshold` locates that critical value of one dotted scenario key (``insults.0.fraction``,
``interventions.0.at``, ``parameters.death_sensitivity``) between ``low`` and ``high``.

The outcome of a run is either a boolean metric (``failed``, the default) or whether a numeric
metric reaches a ``level`` (``final_mass >= 0.9``).  The search is a **k-section**: every round
evaluates ``points`` equally spaced values inside the current bracket (all of them in one
batched solve, since a batch of 8 runs costs about the wall time of one), keeps the first
sub-interval whose ends differ in outcome, and stops when the bracket is narrower than ``tol``.
Each round shrinks the bracket by a factor ``points + 1``, so ``points = 7`` needs about a third
of the rounds of plain bisection.  Ranges written ``LOW:HIGH:log`` are searched on a log scale.

For a boolean outcome the critical value is the middle of the final bracket (the geometric
middle on a log scale), so it is within ``tol / 2`` of the true flip.  For a numeric metric it is
where the line through the metric values at the two ends of the final bracket crosses
``level``.

With ``along`` (a second key and a SPEC of values, as in ``livermodel sweep``) the search is run
for every value of the second key *at once* (one batch per round for the whole curve), giving
the boundary between the two basins as a curve.  If more than one flip is seen inside a bracket,
the point is marked ``non_monotone``: the outcome is not a simple threshold there and the first
flip (from ``low``) is followed.

Per-point scenarios are built and evaluated with :func:`livermodel.sweep.run_chunk`, the same
path as ``livermodel sweep``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..errors import LivermodelError
from ..metrics import METRICS
from ._common import check_metric, metric_label, metric_value

__all__ = ["ThresholdResult", "CurvePoint", "find_threshold", "outcome_names", "normalise_key",
           "threshold_figure"]

#: Interior points evaluated per bracket and round.
POINTS = 7
#: Largest number of rounds (a guard; a tolerance of 1e-9 of the range needs about 10).
MAX_ROUNDS = 60


def normalise_key(key: str) -> str:
    """``death_sensitivity`` -> ``parameters.death_sensitivity``; dotted keys unchanged."""
    from ..parameters import BY_NAME

    key = str(key).strip()
    if "." not in key and key in BY_NAME:
        return f"parameters.{key}"
    return key


def outcome_names(metric: str, level: float | None) -> tuple[str, str]:
    """Words for the outcome False and True: ``("recovery", "failure")`` for ``failed``."""
    if metric == "failed":
        return "recovery", "failure"
    return f"{metric} < {level:g}", f"{metric} >= {level:g}"


@dataclass
class CurvePoint:
    """The threshold at one value of the ``along`` key.

    ``critical_value`` is ``None`` (and ``status`` says why) when both ends of the range give the
    same outcome.  ``outcome_low``/``outcome_high`` are the outcomes at ``low`` and ``high``.
    """

    along_value: object
    critical_value: float | None
    bracket: tuple[float, float] | None
    outcome_low: bool | None
    outcome_high: bool | None
    status: str
    non_monotone: bool = False

    def to_dict(self) -> dict:
        return {"along_value": self.along_value, "critical_value": self.critical_value,
                "bracket": list(self.bracket) if self.bracket else None,
                "outcome_low": self.outcome_low, "outcome_high": self.outcome_high,
                "status": self.status, "non_monotone": self.non_monotone}


@dataclass
class ThresholdResult:
    """What :func:`find_threshold` found.

    ``critical_value``/``bracket``/``outcome_low``/``outcome_high``/``status`` refer to the
    scenario as given (the ``along`` key at its own value); ``curve`` holds one
    :class:`CurvePoint` per ``along`` value.  ``points`` lists every evaluated run: a dict with
    ``along_value`` (or ``None``), ``value``, ``outcome``, ``metric_value``, ``round`` and
    ``status``.  Values are in ``unit`` (the unit written in the range, else the key's internal
    unit).
    """

    key: str
    metric: str
    level: float | None
    low: float
    high: float
    log: bool
    tol: float
    unit: str
    label: str
    critical_value: float | None
    bracket: tuple[float, float] | None
    outcome_low: bool | None
    outcome_high: bool | None
    status: str
    non_monotone: bool
    along_key: str | None = None
    along_label: str | None = None
    along_unit: str | None = None
    curve: list[CurvePoint] = field(default_factory=list)
    points: list[dict] = field(default_factory=list)
    rounds: int = 0
    runs: int = 0
    scenario: object = None

    @property
    def outcome_words(self) -> tuple[str, str]:
        return outcome_names(self.metric, self.level)

    def to_dict(self) -> dict:
        """The content of ``threshold.json``."""
        out = {
            "key": self.key, "unit": self.unit, "critical_value": self.critical_value,
            "bracket": list(self.bracket) if self.bracket else None, "metric": self.metric,
            "level": self.level, "outcome_low": self.outcome_low,
            "outcome_high": self.outcome_high, "status": self.status,
            "non_monotone": self.non_monotone, "range": [self.low, self.high],
            "log": self.log, "tol": self.tol, "rounds": self.rounds, "runs": self.runs,
            "scenario": getattr(self.scenario, "name", None),
            "scenario_sha256": getattr(self.scenario, "sha256", None),
        }
        if self.along_key is not None:
            out["along"] = {"key": self.along_key, "unit": self.along_unit}
            out["curve"] = [p.to_dict() for p in self.curve]
        return out


class _Bracket:
    """The search state of one curve point."""

    def __init__(self, along, overrides: dict, lo: float, hi: float):
        self.along = along
        self.overrides = overrides
        self.xs: dict[float, tuple[bool | None, float]] = {}
        self.lo, self.hi = lo, hi
        self.done = False
        self.status = ""
        self.non_monotone = False
        self.out_lo: bool | None = None
        self.out_hi: bool | None = None


def _metrics_rows(scenario, overrides: Sequence[Mapping]) -> list[tuple[str, str, dict]]:
    """Evaluate ``scenario`` under each overrides mapping (one batched solve)."""
    from ..sweep import run_chunk

    task = {"index": 0, "runs": list(range(len(overrides))), "scenario": scenario.to_dict(),
            "source": str(scenario.source or "<scenario>"), "name": scenario.name,
            "overrides": [dict(o) for o in overrides], "trajectories": []}
    rows = run_chunk(task)["rows"]
    return [(r[0], r[1], dict(zip(METRICS, r[2:], strict=True))) for r in rows]


def _interior(lo: float, hi: float, k: int, log: bool) -> list[float]:
    if log:
        return [float(v) for v in np.geomspace(lo, hi, k + 2)[1:-1]]
    return [float(v) for v in np.linspace(lo, hi, k + 2)[1:-1]]


def find_threshold(scenario, key: str, low=None, high=None, *, spec: str | None = None,
                   metric: str = "failed", level: float | None = None, tol: float | None = None,
                   log: bool = False, unit: str = "", along: tuple[str, object] | None = None,
                   points: int = POINTS, progress=None) -> ThresholdResult:
    """Find the critical value of ``key`` between ``low`` and ``high`` (see the module docstring).

    ``scenario`` is a :class:`~livermodel.scenario.Scenario`, a file or a library name.  Give
    the range either as ``low``/``high`` (numbers in ``unit``; ``log`` for a log scale) or as a
    ``spec`` string ``"LOW:HIGH"`` / ``"LOW:HIGH:log"`` with an optional unit on the numbers
    (``"0:48h"``).  ``metric`` is ``failed`` (boolean) or a numeric metric with ``level``.
    ``tol`` is the largest width of the final bracket, in the key's unit (default: 1/1000 of the
    range).  ``along`` is ``(KEY2, SPEC)`` for a boundary curve.  ``points`` interior points are
    evaluated per bracket and round.  Raises :class:`LivermodelError` for bad input.
    """
    from ..scenario import Scenario, load_scenario
    from ..sweep import Spec, key_label, key_unit, parse_spec

    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    key = normalise_key(key)
    check_metric(metric)
    if metric == "mode":
        raise LivermodelError("a threshold needs 'failed' or a numeric metric with --level",
                              key="--metric", found="'mode'")
    if metric != "failed" and level is None:
        raise LivermodelError(f"the numeric metric '{metric}' needs a level to cross", key="--level",
                              expected="e.g. --metric final_mass --level 0.9",
                              suggestion="Or use --metric failed (the default)")
    if metric == "failed" and level is not None:
        raise LivermodelError("--level is for numeric metrics; 'failed' is already true/false",
                              key="--level")
    if spec is not None:
        s = parse_spec(spec, key=key, sampled=True)
        if s.kind != "range":
            raise LivermodelError("a threshold needs a range LOW:HIGH", key=key, found=repr(spec),
                                  expected="LOW:HIGH or LOW:HIGH:log, e.g. 0.6:0.95 or 0:48h")
        low, high, log, unit = s.low, s.high, s.log, s.unit
    if low is None or high is None:
        raise LivermodelError("a threshold needs a range", key=key, expected="LOW:HIGH")
    low, high = float(low), float(high)
    if not (math.isfinite(low) and math.isfinite(high)) or not low < high:
        raise LivermodelError("the range must have LOW < HIGH", key=key, found=f"{low:g}:{high:g}")
    if log and low <= 0:
        raise LivermodelError("a log range needs LOW > 0", key=key, found=f"{low:g}")
    tol = (high - low) * 1e-3 if tol is None else float(tol)
    if not (tol > 0 and math.isfinite(tol)):
        raise LivermodelError("the tolerance must be > 0", key="--tol", found=repr(tol))
    points = int(points)
    if points < 1:
        raise LivermodelError("at least one point per round is needed", key="points",
                              found=str(points))
    key_spec = Spec(key, "range", spec or f"{low!r}:{high!r}", low=low, high=high, log=log, unit=unit)
    unit = key_unit(scenario, key_spec)
    label = key_label(scenario, key_spec)

    brackets = [_Bracket(None, {}, low, high)]
    along_key = along_spec = None
    if along is not None:
        along_key = normalise_key(along[0])
        if along_key == key:
            raise LivermodelError("--along must name another key than --vary", key="--along",
                                  found=repr(along_key))
        along_spec = parse_spec(along[1], key=along_key)
        for v in along_spec.grid_values():
            brackets.append(_Bracket(v, {along_key: along_spec.override(v)}, low, high))
    check = brackets[0].overrides
    scenario.with_overrides({**check, key: key_spec.override(low)})  # bad keys fail here, once
    scenario.with_overrides({**check, key: key_spec.override(high)})

    horizon = scenario.duration_h
    records: list[dict] = []
    rounds = runs = 0

    def outcome(m: dict) -> tuple[bool | None, float]:
        value = metric_value(m, metric, horizon)
        if math.isnan(value):
            return None, value
        return (value > 0.5 if metric == "failed" else value >= level), value

    first = True
    while any(not b.done for b in brackets):
        rounds += 1
        if rounds > MAX_ROUNDS:
            for b in brackets:
                if not b.done:
                    b.done, b.status = True, f"stopped after {MAX_ROUNDS} rounds"
            break
        todo = []
        for b in brackets:
            if b.done:
                continue
            xs = ([b.lo] if first else []) + _interior(b.lo, b.hi, points, log) + \
                ([b.hi] if first else [])
            todo += [(b, x) for x in xs]
        rows = _metrics_rows(scenario, [{**b.overrides, key: key_spec.override(x)} for b, x in todo])
        runs += len(todo)
        for (b, x), (status, message, m) in zip(todo, rows, strict=True):
            out, value = outcome(m) if status == "ok" else (None, math.nan)
            b.xs[x] = (out, value)
            records.append({"along_value": b.along, "value": x, "outcome": out,
                            "metric_value": value, "round": rounds, "status": status,
                            "message": message})
        for b in brackets:
            if b.done:
                continue
            if first:
                b.out_lo, b.out_hi = b.xs[b.lo][0], b.xs[b.hi][0]
                if b.out_lo is None or b.out_hi is None:
                    bad = [r["message"] for r in records if r["along_value"] == b.along
                           and r["value"] in (b.lo, b.hi) and r["status"] != "ok"]
                    raise LivermodelError(
                        f"the run at an end of the range could not be evaluated: "
                        f"{bad[0] if bad else 'no value for the metric'}", key=key,
                        found=f"{low:g}:{high:g}")
            _narrow(b, tol)
        first = False

    curve = [CurvePoint(b.along, _critical(b, metric, level, log), (b.lo, b.hi) if b.status == "ok"
                        else None, b.out_lo, b.out_hi, b.status, b.non_monotone)
             for b in brackets]
    base = curve[0]
    along_label = along_unit = None
    if along_spec is not None:
        along_unit = key_unit(scenario, along_spec)
        along_label = key_label(scenario, along_spec)
    return ThresholdResult(
        key=key, metric=metric, level=level, low=low, high=high, log=log, tol=tol, unit=unit,
        label=label, critical_value=base.critical_value, bracket=base.bracket,
        outcome_low=base.outcome_low, outcome_high=base.outcome_high, status=base.status,
        non_monotone=base.non_monotone, along_key=along_key, along_label=along_label,
        along_unit=along_unit, curve=curve[1:], points=records, rounds=rounds, runs=runs,
        scenario=scenario)


def _narrow(b: _Bracket, tol: float) -> None:
    """Move the bracket of ``b`` to the first flip seen inside it; mark it done when narrow."""
    xs = sorted(x for x in b.xs if b.lo <= x <= b.hi and b.xs[x][0] is not None)
    outs = [b.xs[x][0] for x in xs]
    flips = [j for j in range(1, len(xs)) if outs[j] != outs[j - 1]]
    if not flips:
        b.done = True
        b.status = (f"no flip in the range: the outcome is "
                    f"{'true' if b.out_lo else 'false'} everywhere")
        return
    if len(flips) > 1:
        b.non_monotone = True
    j = flips[0]
    b.lo, b.hi = xs[j - 1], xs[j]
    if b.hi - b.lo <= tol:
        b.done, b.status = True, "ok"


def _critical(b: _Bracket, metric: str, level, log: bool) -> float | None:
    if b.status != "ok":
        return None
    if metric != "failed":
        (_, y0), (_, y1) = b.xs[b.lo], b.xs[b.hi]
        if y1 != y0 and math.isfinite(y0) and math.isfinite(y1):
            x = b.lo + (level - y0) * (b.hi - b.lo) / (y1 - y0)
            return float(min(max(x, b.lo), b.hi))
    return float(math.sqrt(b.lo * b.hi)) if log else 0.5 * (b.lo + b.hi)


# --------------------------------------------------------------------------------------------
# figure
# --------------------------------------------------------------------------------------------

BASIN_COLORS = {False: "#009E73", True: "#D55E00"}  # Okabe-Ito bluish green / vermillion


def _basin_color(outcome: bool, metric: str) -> str:
    # 'failed' True is the bad basin; for a numeric level, reaching it is the good one
    bad = outcome if metric == "failed" else not outcome
    return BASIN_COLORS[bool(bad)]


def threshold_figure(result: ThresholdResult, *, style: str = "paper"):
    """The threshold figure: the outcome along the key with both basins shaded, or (with
    ``along``) the boundary curve between the two basins.  Returns a matplotlib ``Figure``."""
    from ..style import LAYOUT, REFERENCE_COLOR, style_context
    from ._common import new_figure, note

    with style_context(style):
        layout = LAYOUT[style]
        width = layout["width"] * (0.62 if style == "paper" else 0.75)
        fig, (ax,) = new_figure(width, width * 0.68)
        if result.along_key is None:
            _draw_1d(ax, result, REFERENCE_COLOR)
        else:
            _draw_curve(ax, result, REFERENCE_COLOR)
        name = getattr(result.scenario, "name", "")
        ax.set_title(f"Tipping point of {name}" if name else "Tipping point")
        note(fig, layout)
    return fig


def _draw_1d(ax, r: ThresholdResult, ref):
    pts = sorted((p for p in r.points if p["along_value"] is None and p["outcome"] is not None),
                 key=lambda p: p["value"])
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
        ax.annotate(f"level {r.level:g}", (r.low, r.level), xytext=(3, 3),
                    textcoords="offset points", fontsize="small", color=ref)
    if c is not None:
        for lo, hi, out in ((r.low, c, r.outcome_low), (c, r.high, r.outcome_high)):
            ax.axvspan(lo, hi, color=_basin_color(out, r.metric), alpha=0.13, linewidth=0)
            mid = math.sqrt(lo * hi) if r.log else 0.5 * (lo + hi)
            ax.text(mid, 0.97, f"{words[int(out)]} basin", transform=ax.get_xaxis_transform(),
                    ha="center", va="top", fontsize="small", color=_basin_color(out, r.metric),
                    fontweight="bold")
        ax.axvline(c, color="#222222", linestyle=(0, (4, 2)), linewidth=1.0)
        frac = (math.log(c / r.low) / math.log(r.high / r.low)) if r.log else \
            (c - r.low) / (r.high - r.low)
        right = frac < 0.6
        ax.annotate(f"critical value {c:.4g}" + (f" {r.unit}" if r.unit else "")
                    + f"\nbracket {r.bracket[0]:.4g} to {r.bracket[1]:.4g}",
                    (c, 0.5), xycoords=("data", "axes fraction"), xytext=(6 if right else -6, 0),
                    textcoords="offset points", fontsize="small", va="center",
                    ha="left" if right else "right",
                    bbox={"facecolor": "white", "alpha": 0.85, "edgecolor": "none"})
    ax.plot(xs, ys, color="#222222", linewidth=0.8, drawstyle="steps-mid" if r.metric == "failed"
            else "default")
    for out in (False, True):
        sel = np.array([p["outcome"] is out for p in pts], dtype=bool)
        if sel.any():
            ax.plot(xs[sel], ys[sel], linestyle="none", marker="o", markersize=3.5,
                    color=_basin_color(out, r.metric), label=f"evaluated: {words[int(out)]}")
    ax.set_xlabel(r.label)


def _draw_curve(ax, r: ThresholdResult, ref):
    words = r.outcome_words
    numeric_along = all(isinstance(p.along_value, (int, float)) for p in r.curve)
    xs = np.array([p.along_value if numeric_along else i for i, p in enumerate(r.curve)],
                  dtype=float)
    crit = np.array([np.nan if p.critical_value is None else p.critical_value for p in r.curve])
    found = [p for p in r.curve if p.critical_value is not None]
    ref_pt = found[0] if found else (r.curve[0] if r.curve else None)
    out_low = bool(ref_pt.outcome_low) if ref_pt is not None and ref_pt.outcome_low is not None \
        else False
    out_high = not out_low
    # where there is no flip the whole column has one outcome
    col = np.array([bool(p.outcome_low) if p.outcome_low is not None else out_low for p in r.curve])
    lower = np.where(np.isnan(crit), np.where(col == out_low, r.high, r.low), crit)
    upper = np.where(np.isnan(crit), np.where(col == out_high, r.low, r.high), crit)
    if r.log:
        ax.set_yscale("log")
    along_log = numeric_along and len(xs) > 2 and np.all(xs > 0) and \
        np.allclose(np.diff(np.log(xs)), np.log(xs[1] / xs[0])) and \
        not np.allclose(np.diff(xs), xs[1] - xs[0])
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
    ax.fill_between(edges, r.low, np.append(lower, lower[-1]), step="post",
                    color=_basin_color(out_low, r.metric), alpha=0.18, linewidth=0)
    ax.fill_between(edges, np.append(upper, upper[-1]), r.high, step="post",
                    color=_basin_color(out_high, r.metric), alpha=0.18, linewidth=0)
    # evaluated runs, faint, coloured by outcome
    for out in (False, True):
        pts = [p for p in r.points if p["along_value"] is not None and p["outcome"] is out]
        if pts:
            px = [p["along_value"] if numeric_along else
                  [c.along_value for c in r.curve].index(p["along_value"]) for p in pts]
            ax.plot(px, [p["value"] for p in pts], linestyle="none", marker=".", markersize=2,
                    alpha=0.45, color=_basin_color(out, r.metric))
    ax.plot(xs, crit, color="#222222", marker="o", markersize=3.5, label="critical value")
    if r.critical_value is not None:
        base = _base_along(r)
        if base is not None:
            ax.plot([base], [r.critical_value], marker="D", markersize=5, color="#0072B2",
                    linestyle="none", label="the scenario as written")
    for out, y in ((out_low, 0.04), (out_high, 0.96)):
        ax.text(0.02, y, f"{words[int(out)]} basin", transform=ax.transAxes, ha="left",
                va="bottom" if y < 0.5 else "top", fontweight="bold", fontsize="small",
                color=_basin_color(out, r.metric),
                bbox={"facecolor": "white", "alpha": 0.7, "edgecolor": "none"})
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
    node = r.scenario.to_dict()
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
    from ..units import UNITS

    for _, table in UNITS.values():
        if unit in table and r.along_unit in table:
            return value * table[unit] / table[r.along_unit]
    return None
