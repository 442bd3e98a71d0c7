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
from typing import TYPE_CHECKING

import numpy as np

from livermodel.errors import LivermodelError, check_count, count_text
from livermodel.metrics import LABELS, METRICS
from livermodel.studies.common import check_metric, metric_value

if TYPE_CHECKING:
    from livermodel.scenario.scenario import Scenario

__all__ = ["ThresholdResult", "CurvePoint", "find_threshold", "outcome_names", "normalise_key"]

#: Interior points evaluated per bracket and round.
POINTS = 7
#: Bounded work: at most this many points per round, and runs per round with --along.
MAX_POINTS = 1_000
MAX_ROUND_RUNS = 100_000
#: Largest number of rounds (a guard; a tolerance of 1e-9 of the range needs about 10).
MAX_ROUNDS = 60


def normalise_key(key: str) -> str:
    """``death_sensitivity`` -> ``parameters.death_sensitivity``; dotted keys unchanged."""
    from livermodel.model.parameters import BY_NAME

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
        return {
            "along_value": self.along_value,
            "critical_value": self.critical_value,
            "bracket": list(self.bracket) if self.bracket else None,
            "outcome_low": self.outcome_low,
            "outcome_high": self.outcome_high,
            "status": self.status,
            "non_monotone": self.non_monotone,
        }


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
    scenario: Scenario | None = None

    @property
    def outcome_words(self) -> tuple[str, str]:
        return outcome_names(self.metric, self.level)

    def to_dict(self) -> dict:
        """The content of ``threshold.json``."""
        out = {
            "key": self.key,
            "unit": self.unit,
            "critical_value": self.critical_value,
            "bracket": list(self.bracket) if self.bracket else None,
            "metric": self.metric,
            "level": self.level,
            "outcome_low": self.outcome_low,
            "outcome_high": self.outcome_high,
            "status": self.status,
            "non_monotone": self.non_monotone,
            "range": [self.low, self.high],
            "log": self.log,
            "tol": self.tol,
            "rounds": self.rounds,
            "runs": self.runs,
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
    from livermodel.studies.sweep.execute import run_chunk

    task = {
        "index": 0,
        "runs": list(range(len(overrides))),
        "scenario": scenario.to_dict(),
        "source": str(scenario.source or "<scenario>"),
        "name": scenario.name,
        "overrides": [dict(o) for o in overrides],
        "trajectories": [],
    }
    rows = run_chunk(task)["rows"]
    return [(r[0], r[1], dict(zip(METRICS, r[2:], strict=True))) for r in rows]


def _interior(lo: float, hi: float, k: int, log: bool) -> list[float]:
    if log:
        return [float(v) for v in np.geomspace(lo, hi, k + 2)[1:-1]]
    return [float(v) for v in np.linspace(lo, hi, k + 2)[1:-1]]


def find_threshold(
    scenario,
    key: str,
    low=None,
    high=None,
    *,
    spec: str | None = None,
    metric: str = "failed",
    level: float | None = None,
    tol: float | None = None,
    log: bool = False,
    unit: str = "",
    along: tuple[str, object] | None = None,
    points: int = POINTS,
    progress=None,
) -> ThresholdResult:
    """Find the critical value of ``key`` between ``low`` and ``high`` (see the module docstring).

    ``scenario`` is a :class:`~livermodel.scenario.Scenario`, a file or a library name.  Give
    the range either as ``low``/``high`` (numbers in ``unit``; ``log`` for a log scale) or as a
    ``spec`` string ``"LOW:HIGH"`` / ``"LOW:HIGH:log"`` with an optional unit on the numbers
    (``"0:48h"``).  ``metric`` is ``failed`` (boolean) or a numeric metric with ``level``.
    ``tol`` is the largest width of the final bracket, in the key's unit (default: 1/1000 of the
    range).  ``along`` is ``(KEY2, SPEC)`` for a boundary curve.  ``points`` interior points are
    evaluated per bracket and round.  ``progress(runs_done, runs_expected)`` is called after
    every round (the expected total is re-estimated as brackets narrow).  Raises
    :class:`LivermodelError` for bad input.
    """
    from livermodel.scenario.blocks import Spec, parse_spec
    from livermodel.scenario.scenario import Scenario, load_scenario
    from livermodel.studies.sweep.plan import key_label, key_unit

    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    key = normalise_key(key)
    check_metric(metric)
    if metric in LABELS:
        raise LivermodelError(
            "a threshold needs 'failed' or a numeric metric with --level", key="--metric", found=repr(metric)
        )
    if metric != "failed" and level is None:
        raise LivermodelError(
            f"the numeric metric '{metric}' needs a level to cross",
            key="--level",
            expected="e.g. --metric final_mass --level 0.9",
            suggestion="Or use --metric failed (the default)",
        )
    if metric == "failed" and level is not None:
        raise LivermodelError("--level is for numeric metrics; 'failed' is already true/false", key="--level")
    if spec is not None:
        s = parse_spec(spec, key=key, sampled=True)
        if s.kind != "range":
            raise LivermodelError(
                "a threshold needs a range LOW:HIGH",
                key=key,
                found=repr(spec),
                expected="LOW:HIGH or LOW:HIGH:log, e.g. 0.6:0.95 or 0:48h",
            )
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
    points = check_count(
        points, "--points", MAX_POINTS, suggestion="7 points narrow the bracket 8-fold per round"
    )
    key_spec = Spec(key, "range", spec or f"{low!r}:{high!r}", low=low, high=high, log=log, unit=unit)
    unit = key_unit(scenario, key_spec)
    label = key_label(scenario, key_spec)

    brackets = [_Bracket(None, {}, low, high)]
    along_key = along_spec = None
    if along is not None:
        along_key = normalise_key(along[0])
        if along_key == key:
            raise LivermodelError(
                "--along must name another key than --vary", key="--along", found=repr(along_key)
            )
        along_spec = parse_spec(along[1], key=along_key)
        n_along = len(along_spec.values) if along_spec.kind == "list" else int(along_spec.n or 1)
        if (n_along + 1) * (points + 2) > MAX_ROUND_RUNS:
            raise LivermodelError(
                f"{count_text(n_along)} values of --along with --points {points} make "
                f"{count_text((n_along + 1) * (points + 2))} runs a round; at most "
                f"{MAX_ROUND_RUNS:,} are allowed",
                key="--along",
                expected=f"(values + 1) x (points + 2) <= {MAX_ROUND_RUNS:,}",
                found=count_text(n_along),
                suggestion="Use fewer values along the curve (a few dozen draw it), or fewer --points",
            )
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
        if metric == "failed":
            return value > 0.5, value
        assert level is not None  # checked above: a numeric metric has a level
        return value >= level, value

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
            xs = ([b.lo] if first else []) + _interior(b.lo, b.hi, points, log) + ([b.hi] if first else [])
            todo += [(b, x) for x in xs]
        rows = _metrics_rows(scenario, [{**b.overrides, key: key_spec.override(x)} for b, x in todo])
        runs += len(todo)
        for (b, x), (status, message, m) in zip(todo, rows, strict=True):
            out, value = outcome(m) if status == "ok" else (None, math.nan)
            b.xs[x] = (out, value)
            records.append(
                {
                    "along_value": b.along,
                    "value": x,
                    "outcome": out,
                    "metric_value": value,
                    "round": rounds,
                    "status": status,
                    "message": message,
                }
            )
        for b in brackets:
            if b.done:
                continue
            if first:
                b.out_lo, b.out_hi = b.xs[b.lo][0], b.xs[b.hi][0]
                if b.out_lo is None or b.out_hi is None:
                    bad = [
                        r["message"]
                        for r in records
                        if r["along_value"] == b.along and r["value"] in (b.lo, b.hi) and r["status"] != "ok"
                    ]
                    raise LivermodelError(
                        f"the run at an end of the range could not be evaluated: "
                        f"{bad[0] if bad else 'no value for the metric'}",
                        key=key,
                        found=f"{low:g}:{high:g}",
                    )
            _narrow(b, tol)
        first = False
        if progress is not None:
            progress(runs, runs + _runs_left(brackets, tol, points))

    curve = [
        CurvePoint(
            b.along,
            _critical(b, metric, level, log),
            (b.lo, b.hi) if b.status == "ok" else None,
            b.out_lo,
            b.out_hi,
            b.status,
            b.non_monotone,
        )
        for b in brackets
    ]
    base = curve[0]
    along_label = along_unit = None
    if along_spec is not None:
        along_unit = key_unit(scenario, along_spec)
        along_label = key_label(scenario, along_spec)
    return ThresholdResult(
        key=key,
        metric=metric,
        level=level,
        low=low,
        high=high,
        log=log,
        tol=tol,
        unit=unit,
        label=label,
        critical_value=base.critical_value,
        bracket=base.bracket,
        outcome_low=base.outcome_low,
        outcome_high=base.outcome_high,
        status=base.status,
        non_monotone=base.non_monotone,
        along_key=along_key,
        along_label=along_label,
        along_unit=along_unit,
        curve=curve[1:],
        points=records,
        rounds=rounds,
        runs=runs,
        scenario=scenario,
    )


def _runs_left(brackets, tol: float, points: int) -> int:
    """About how many runs the brackets not yet done still need: each round divides a bracket
    into ``points + 1`` parts until it is ``tol`` wide."""
    left = 0
    for b in brackets:
        if not b.done and b.hi - b.lo > tol:
            left += points * math.ceil(math.log((b.hi - b.lo) / tol) / math.log(points + 1))
    return left


def _narrow(b: _Bracket, tol: float) -> None:
    """Move the bracket of ``b`` to the first flip seen inside it; mark it done when narrow."""
    xs = sorted(x for x in b.xs if b.lo <= x <= b.hi and b.xs[x][0] is not None)
    outs = [b.xs[x][0] for x in xs]
    flips = [j for j in range(1, len(xs)) if outs[j] != outs[j - 1]]
    if not flips:
        b.done = True
        b.status = f"no flip in the range: the outcome is {'true' if b.out_lo else 'false'} everywhere"
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
