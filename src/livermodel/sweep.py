"""Parameter sweeps: plan a design over scenario keys, run it in chunks, keep every finished row.

A sweep has three stages, each one call:

1. **plan** (:func:`plan_sweep`): which scenario keys vary and how (a SPEC per key), combined as a
   full grid, as paired values (``zip``), or sampled (``random``, ``lhs`` = Latin hypercube,
   ``sobol``) with a seed.  The plan is a table of values, one row per run, split into chunks of
   a fixed size.  Every key and value is checked against the scenario format before anything runs.
2. **run** (:func:`run_sweep`): each chunk becomes one call of
   :func:`livermodel.simulate.simulate_batch` (many parameter sets in one vectorised solve, the
   union of the runs' schedule breakpoints), on this process, on ``jobs`` worker processes, or on a
   Dask cluster.  Results do not depend on where a chunk runs.  A run that fails numerically (after
   the solver's own retry with a tighter method) or whose combination of values is invalid becomes a
   row with ``status`` ``failed`` and a ``message``; it never stops its chunk or the sweep.
3. **write**: each finished chunk is written at once, atomically, as ``chunks/metrics-NNNNNN.csv``
   (and ``trajectories/part-NNNNNN.npz``); at the end ``metrics.csv`` is assembled in run order,
   figures are drawn and ``provenance.json`` is written last.  An interrupted sweep keeps every
   finished chunk; ``run_sweep(..., resume=True)`` (``livermodel sweep --resume DIR``) runs only
   the missing ones and ends with the same table, row for row, as an uninterrupted sweep.

SPEC syntax (one per varied key; the key is a dotted path as in ``--set``):

``a:b:n``
    ``n`` values evenly spaced from ``a`` to ``b`` (both included).
``a:b:n:log``
    ``n`` values evenly spaced on a log scale (``a`` and ``b`` > 0).
``v1,v2,v3``
    exactly these values (numbers, or words such as ``iv,intraportal``).
``a:b`` / ``a:b:log``
    a range, for the sampling designs only (their run count is ``samples``).

A unit is written on the numbers without a space: ``0:48h:9``, ``1e5:1e7cells/kg:5:log``,
``100ug/kg,1mg/kg``.  One unit on either end of a range applies to both.  Values are stored in
``metrics.csv`` as numbers in the SPEC's unit (recorded in ``plan.json``); a number without a
unit is in the scenario's internal unit (hours for times).

Designs: ``grid`` runs every combination, the first key varying slowest; ``zip`` pairs the i-th
values of every key (all keys need the same count); ``random``, ``lhs`` and ``sobol`` draw
``samples`` points in the unit cube (``numpy`` / :mod:`scipy.stats.qmc`; scrambled Sobol), mapped
onto each range (log ranges uniformly in the log) or onto a list's items (uniformly).  ``seed``
takes an int or a :class:`numpy.random.Generator`; the int actually used is recorded, so every
design can be drawn again.

Run-level parallelism uses ``concurrent.futures.ProcessPoolExecutor`` (top-level worker
functions, safe under the ``spawn`` start method) or ``distributed.Client.submit``.  Chunks are
integrated whole wherever they run, so the table is the same for every executor and job count.
"""

from __future__ import annotations

import contextlib
import csv
import io as _io
import itertools
import json
import math
import os
import re
import sys
import time
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .errors import LivermodelError, did_you_mean

__all__ = [
    "Spec", "Plan", "SweepResult", "parse_spec", "parse_vary", "plan_sweep", "run_sweep",
    "resume_sweep", "load_plan", "estimate_sweep", "read_table", "load_trajectories",
    "key_label", "DESIGNS", "EXECUTORS", "STATUS_OK", "STATUS_FAILED",
]

DESIGNS = ("grid", "random", "lhs", "sobol")
EXECUTORS = ("local", "dask")
STATUS_OK, STATUS_FAILED = "ok", "failed"

#: Format version of a sweep folder's ``plan.json``.
PLAN_FORMAT = 1
PLAN = "plan.json"
TABLE = "metrics.csv"
CHUNKS = "chunks"
TRAJECTORIES = "trajectories"

#: Bounds of the automatic chunk size (runs per simulate_batch call).  A batched call costs about
#: the same per run from a few hundred runs on, so chunks are at least that large (a 1,000-run
#: sweep is 4 chunks: enough for 2 workers and for resuming), and at most 1,000 runs so that
#: finished work reaches the disk every second or so.
CHUNK_MIN, CHUNK_MAX = 256, 1000
#: Keys a sweep cannot vary.
FIXED_KEYS = ("name", "description", "extends", "tags", "expect", "sweep")


# --------------------------------------------------------------------------------------------
# SPEC parsing
# --------------------------------------------------------------------------------------------

_NUM_UNIT = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(\S.*?)?\s*$")


@dataclass(frozen=True)
class Spec:
    """How one key varies.

    ``kind`` is ``range`` (``low``, ``high``, ``n`` values or ``None`` for a sampled range,
    ``log``) or ``list`` (``values``).  ``unit`` is the unit written on the numbers (``""`` for
    none); ``numeric`` says whether the values are numbers.  ``text`` is the SPEC as given.
    """

    key: str
    kind: str
    text: str
    low: float | None = None
    high: float | None = None
    n: int | None = None
    log: bool = False
    values: tuple = ()
    unit: str = ""
    numeric: bool = True
    raw: Any = None

    def grid_values(self) -> list:
        """The values of a grid or zip design."""
        if self.kind == "list":
            return list(self.values)
        if self.n == 1:
            return [float(self.low)]
        if self.log:
            return [float(v) for v in np.geomspace(self.low, self.high, self.n)]
        return [float(v) for v in np.linspace(self.low, self.high, self.n)]

    def from_unit(self, u: np.ndarray) -> np.ndarray:
        """Map points ``u`` of [0, 1) onto this key's values (a sampling design)."""
        if self.kind == "list":
            idx = np.minimum((u * len(self.values)).astype(int), len(self.values) - 1)
            return np.array(self.values, dtype=object if not self.numeric else float)[idx]
        if self.log:
            lo, hi = math.log(self.low), math.log(self.high)
            return np.exp(lo + u * (hi - lo))
        return self.low + u * (self.high - self.low)

    def override(self, value) -> Any:
        """The value as a scenario override (a number, or text with the unit)."""
        if isinstance(value, (float, int, np.floating, np.integer)) and not isinstance(value, bool):
            v = float(value)
            return f"{v!r} {self.unit}" if self.unit else v
        return value


def _num_unit(text: str):
    """``'48h'`` -> ``(48.0, 'h')``; ``'12'`` -> ``(12.0, '')``; anything else -> ``None``."""
    m = _NUM_UNIT.match(text)
    if not m:
        return None
    return float(m.group(1)), (m.group(2) or "").strip()


def _spec_error(key, message, text, expected=None) -> LivermodelError:
    return LivermodelError(message, key=key, found=repr(text), expected=expected or (
        "a:b:n, a:b:n:log, v1,v2,v3 (or a:b, a:b:log with a sampling design); units on the "
        "numbers, e.g. 0:48h:9 or 1e5:1e7cells/kg:5:log"))


def parse_spec(spec, *, key: str = "SPEC", sampled: bool = False) -> Spec:
    """Parse one SPEC (text, a number or a list of values) for ``key``.

    ``sampled``: the design draws samples (``random``, ``lhs``, ``sobol``), so ranges are given
    without a count.  Raises :class:`LivermodelError` naming ``key`` for a malformed SPEC.
    """
    import dataclasses

    return dataclasses.replace(_parse_spec(spec, key, sampled),
                               raw=list(spec) if isinstance(spec, (list, tuple)) else spec)


def _parse_spec(spec, key: str, sampled: bool) -> Spec:
    if isinstance(spec, (list, tuple)):
        return _list_spec(key, list(spec), ",".join(str(s) for s in spec))
    if isinstance(spec, bool) or spec is None:
        return _list_spec(key, [spec], repr(spec))
    if isinstance(spec, (int, float)):
        return _list_spec(key, [spec], repr(spec))
    if not isinstance(spec, str) or not spec.strip():
        raise _spec_error(key, "empty SPEC", spec)
    text = spec.strip()
    if "," in text:
        return _list_spec(key, [p.strip() for p in text.split(",")], text)
    parts = [p.strip() for p in text.split(":")]
    if len(parts) == 1:
        return _list_spec(key, [text], text)
    if len(parts) > 4 or any(p == "" for p in parts):
        raise _spec_error(key, "malformed SPEC", text)
    log = False
    n = None
    rest = parts[2:]
    if rest and rest[-1].lower() in ("log", "lin"):
        log = rest[-1].lower() == "log"
        rest = rest[:-1]
    elif len(rest) == 2:
        raise _spec_error(key, "the fourth part of a SPEC must be 'log' or 'lin'", text)
    if rest:
        try:
            n = int(rest[0])
        except ValueError:
            raise _spec_error(key, "the count n of a:b:n must be a whole number", text) from None
        if n < 1:
            raise _spec_error(key, "the count n of a:b:n must be at least 1", text)
    if sampled and n is not None:
        raise _spec_error(key, "a sampling design takes ranges a:b or a:b:log (the number of "
                          "runs is --samples)", text, expected="a:b or a:b:log")
    if not sampled and n is None:
        raise _spec_error(key, "a range needs a count for a grid: a:b:n", text,
                          expected="a:b:n or a:b:n:log (or --design lhs/random/sobol)")
    ends = [_num_unit(parts[0]), _num_unit(parts[1])]
    if ends[0] is None or ends[1] is None:
        raise _spec_error(key, "the ends of a range must be numbers (with an optional unit)", text)
    units = {u for _, u in ends if u}
    if len(units) > 1:
        raise _spec_error(key, "both ends of a range must use the same unit", text,
                          expected=f"one unit, e.g. {ends[0][0]:g}{sorted(units)[0]}:"
                          f"{ends[1][0]:g}{sorted(units)[0]}")
    (lo, _), (hi, _) = ends
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise _spec_error(key, "the ends of a range must be finite", text)
    if log and not (lo > 0 and hi > 0):
        raise _spec_error(key, "a log range needs both ends > 0", text)
    return Spec(key, "range", text, low=lo, high=hi, n=n, log=log, unit=units.pop() if units else "")


def _list_spec(key: str, items: list, text: str) -> Spec:
    if not items or any(isinstance(i, str) and not i for i in items):
        raise _spec_error(key, "a list SPEC needs values between its commas", text)
    parsed = []
    for item in items:
        if isinstance(item, str):
            parsed.append(_num_unit(item))
        elif isinstance(item, (int, float)) and not isinstance(item, bool):
            parsed.append((float(item), ""))
        else:
            parsed.append(None)
    units = {p[1] for p in parsed if p is not None and p[1]}
    if all(p is not None for p in parsed) and len(units) <= 1:
        return Spec(key, "list", text, values=tuple(p[0] for p in parsed),
                    unit=units.pop() if units else "")
    values = []
    for item in items:
        if isinstance(item, str):
            import yaml

            try:
                item = yaml.safe_load(item)
            except yaml.YAMLError:
                pass
        if isinstance(item, (dict, list)) or item is None:
            raise _spec_error(key, "list values must be numbers or words", text)
        values.append(item)
    return Spec(key, "list", text, values=tuple(values), numeric=False)


def parse_vary(vary, *, sampled: bool = False) -> list[Spec]:
    """``["KEY=SPEC", ...]`` or ``{KEY: SPEC}`` -> specs, in the order given."""
    if isinstance(vary, Mapping):
        items = list(vary.items())
    else:
        items = []
        for text in vary:
            if not isinstance(text, str) or "=" not in text:
                raise LivermodelError("--vary takes KEY=SPEC", key="--vary", found=repr(text),
                                      expected="e.g. interventions.0.at=0:48h:9")
            k, _, s = text.partition("=")
            items.append((k.strip(), s.strip()))
    if not items:
        raise LivermodelError("a sweep needs at least one key to vary", key="--vary",
                              expected="--vary KEY=SPEC, e.g. --vary interventions.0.at=0:48h:9",
                              found="none (and no sweep: block in the scenario)")
    specs, seen = [], set()
    for k, s in items:
        if not k or any(p == "" for p in str(k).split(".")):
            raise LivermodelError("a varied key needs a dotted path", key="--vary", found=repr(k),
                                  expected="e.g. interventions.0.at or parameters.death_sensitivity")
        if str(k).split(".")[0] in FIXED_KEYS:
            raise LivermodelError(f"'{k}' cannot be varied", key=str(k),
                                  expected="a key of the model: species, duration, parameters.*, "
                                  "insults.*, interventions.*, effects.*, initial.*, solver.*")
        if k in seen:
            raise LivermodelError(f"'{k}' is varied twice", key=str(k),
                                  suggestion="Give each key one --vary")
        seen.add(k)
        specs.append(parse_spec(s, key=str(k), sampled=sampled))
    return specs


# --------------------------------------------------------------------------------------------
# the plan
# --------------------------------------------------------------------------------------------

def _rng(seed) -> np.random.Generator:
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


def _unit_cube(design: str, n: int, d: int, seed: int) -> np.ndarray:
    """``n`` points in [0, 1)^d of ``design`` from integer ``seed`` (reproducible)."""
    from scipy.stats import qmc

    rng = np.random.default_rng(seed)
    if design == "random":
        return rng.random((n, d))
    if design == "lhs":
        engine = _qmc_engine(qmc.LatinHypercube, d, rng)
        return engine.random(n)
    engine = _qmc_engine(qmc.Sobol, d, rng)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # balance properties need n = 2^m; other n are allowed
        return engine.random(n)


def _qmc_engine(cls, d, rng):
    try:
        return cls(d, rng=rng)
    except TypeError:  # scipy < 1.15 takes seed=
        return cls(d, seed=rng)


@dataclass
class Plan:
    """A sweep ready to run: the base scenario, the specs and the table of values per run.

    ``columns[key]`` holds the value of ``key`` in every run (run ``i`` is row ``i``);
    :meth:`chunks` splits runs ``0 .. n_runs - 1`` into consecutive chunks of ``chunk_size``.
    """

    scenario: Any  # livermodel.scenario.Scenario (without its sweep: block)
    specs: list[Spec]
    design: str
    zip: bool
    samples: int | None
    seed: int | None
    columns: dict[str, np.ndarray]
    chunk_size: int
    metric: str = "survival_probability"
    warnings: list[str] = field(default_factory=list)

    @property
    def keys(self) -> list[str]:
        return [s.key for s in self.specs]

    @property
    def n_runs(self) -> int:
        return len(next(iter(self.columns.values())))

    @property
    def n_chunks(self) -> int:
        return -(-self.n_runs // self.chunk_size)

    def chunks(self) -> list[range]:
        return [range(s, min(s + self.chunk_size, self.n_runs))
                for s in range(0, self.n_runs, self.chunk_size)]

    def point(self, i: int) -> dict:
        """The varied values of run ``i`` (in each SPEC's unit)."""
        return {k: _plain(self.columns[k][i]) for k in self.keys}

    def overrides(self, i: int) -> dict:
        """Run ``i`` as scenario overrides (numbers with their units)."""
        return {s.key: s.override(_plain(self.columns[s.key][i])) for s in self.specs}

    def scenario_at(self, i: int):
        """The validated scenario of run ``i``."""
        return self.scenario.with_overrides(self.overrides(i))

    def units(self) -> dict[str, str]:
        return {s.key: key_unit(self.scenario, s) for s in self.specs}

    def to_dict(self) -> dict:
        """What ``plan.json`` records: enough to draw the same design again."""
        return {
            "livermodel_sweep": PLAN_FORMAT,
            "scenario": self.scenario.to_dict(),
            "scenario_name": self.scenario.name,
            "scenario_source": str(self.scenario.source) if self.scenario.source else None,
            "scenario_sha256": self.scenario.sha256,
            "vary": {s.key: s.raw for s in self.specs},
            "units": self.units(),
            "design": self.design,
            "zip": self.zip,
            "samples": self.samples,
            "seed": self.seed,
            "chunk_size": self.chunk_size,
            "n_runs": self.n_runs,
            "metric": self.metric,
        }

    def describe(self) -> str:
        """One paragraph for people: runs, design, keys."""
        how = {"grid": "full grid" if not self.zip else "paired (zip)",
               "random": "uniform random", "lhs": "Latin hypercube", "sobol": "scrambled Sobol"}
        keys = "; ".join(
            f"{s.key} = {s.text}" + (f" ({len(self.unique(s.key))} values)" if self.design == "grid"
                                     else "") for s in self.specs)
        seed = f", seed {self.seed}" if self.design != "grid" else ""
        return (f"{self.n_runs:,} runs of '{self.scenario.name}' ({how[self.design]}{seed}) in "
                f"{self.n_chunks} chunks of up to {self.chunk_size}: {keys}")

    def unique(self, key: str) -> list:
        col = self.columns[key]
        seen: dict = {}
        for v in col:
            seen.setdefault(_plain(v), None)
        return list(seen)


def _plain(v):
    if isinstance(v, np.generic):
        return v.item()
    return v


def _default_chunk_size(n: int) -> int:
    return int(min(CHUNK_MAX, max(CHUNK_MIN, math.ceil(n / 8))))


def plan_sweep(scenario, vary=None, *, zip: bool | None = None, design: str | None = None,
               samples: int | None = None, seed: int | np.random.Generator | None = None,
               chunk_size: int | None = None, metric: str | None = None,
               overrides: Iterable[str] | Mapping[str, Any] = ()) -> Plan:
    """Plan a sweep of ``scenario`` (a :class:`~livermodel.scenario.Scenario`, a file or a
    library name).

    ``vary`` is a list of ``"KEY=SPEC"`` strings or a mapping ``{KEY: SPEC}`` (see the module
    docstring); without it, the scenario's ``sweep:`` block is used, and ``zip``, ``design``,
    ``samples``, ``seed`` and ``metric`` default to that block's.  ``design`` is one of
    :data:`DESIGNS`; ``samples`` the run count of a sampling design; ``seed`` an int or a
    :class:`numpy.random.Generator` (the int drawn from it is recorded).  ``chunk_size`` runs go
    to one solver call (default: n / 16, between 64 and 1000).  Every key and the ends of every
    range are validated against the scenario format here; raises :class:`LivermodelError`.
    """
    from .metrics import METRICS
    from .scenario import Scenario, ScenarioWarning, load_scenario

    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario, overrides)
    elif overrides:
        scenario = scenario.with_overrides(overrides)
    block = scenario.sweep or {}
    if scenario.sweep is not None:
        doc = scenario.to_dict()
        doc.pop("sweep", None)
        from .scenario import build_scenario

        scenario = build_scenario(doc, source=scenario.source or "<scenario>", name=scenario.name)
    if not vary:
        vary = block.get("vary")
        zip = block.get("zip", False) if zip is None else zip
        design = design or block.get("design")
        samples = samples if samples is not None else block.get("samples")
        seed = seed if seed is not None else block.get("seed")
    metric = metric or block.get("metric") or "survival_probability"
    design = design or "grid"
    zip = bool(zip)
    if design not in DESIGNS:
        raise LivermodelError(f"unknown design '{design}'", key="--design",
                              expected=f"one of {', '.join(DESIGNS)}", found=repr(design),
                              suggestion=did_you_mean(design, DESIGNS))
    if metric not in METRICS:
        raise LivermodelError(f"unknown metric '{metric}'", key="--metric",
                              expected=f"one of {', '.join(METRICS)}", found=repr(metric),
                              suggestion=did_you_mean(metric, METRICS))
    sampled = design != "grid"
    specs = parse_vary(vary or [], sampled=sampled)
    if sampled:
        if zip:
            raise LivermodelError("--zip pairs grid values; a sampling design has no grid",
                                  key="--zip", suggestion="Drop --zip, or use --design grid")
        if samples is None or isinstance(samples, bool) or int(samples) < 1:
            raise LivermodelError(f"a {design} design needs --samples N (N >= 1)", key="--samples",
                                  found=repr(samples))
        samples = int(samples)
        if seed is None:
            seed = int(np.random.default_rng().integers(2**63))
        elif isinstance(seed, np.random.Generator):
            seed = int(seed.integers(2**63))
        else:
            seed = int(seed)
        u = _unit_cube(design, samples, len(specs), seed)
        columns = {s.key: s.from_unit(u[:, j]) for j, s in enumerate(specs)}
    else:
        if samples is not None:
            raise LivermodelError("--samples is for random, lhs and sobol designs", key="--samples",
                                  suggestion="A grid's size follows from its SPECs; drop --samples")
        seed = None
        lists = [s.grid_values() for s in specs]
        if zip:
            sizes = {len(v) for v in lists}
            if len(sizes) > 1:
                raise LivermodelError("--zip needs the same number of values for every key",
                                      key="--zip", found=", ".join(f"{s.key}: {len(v)}" for s, v
                                                                    in zip_(specs, lists)))
            rows = list(zip_(*lists))
        else:
            rows = list(itertools.product(*lists))
        columns = {}
        for j, s in enumerate(specs):
            col = [r[j] for r in rows]
            columns[s.key] = np.array(col, dtype=float if s.numeric else object)
    n = len(next(iter(columns.values())))
    if chunk_size is None:
        chunk_size = _default_chunk_size(n)
    if isinstance(chunk_size, bool) or int(chunk_size) < 1:
        raise LivermodelError("the chunk size must be at least 1", key="--chunk-size",
                              found=repr(chunk_size))
    plan = Plan(scenario, specs, design, zip, samples, seed, columns, int(chunk_size), metric)
    # validate: every list value and both ends of every range alone, then the first run whole
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ScenarioWarning)
        for s in specs:
            probes = list(s.values) if s.kind == "list" else [s.low, s.high]
            for value in probes:
                scenario.with_overrides({s.key: s.override(value)})
        plan.scenario_at(0)
    plan.warnings = sorted({str(w.message) for w in caught if issubclass(w.category, ScenarioWarning)})
    return plan


zip_ = zip  # the builtin, since plan_sweep has a parameter called zip


# --------------------------------------------------------------------------------------------
# labels and units of varied keys
# --------------------------------------------------------------------------------------------

_FIELD_WORDS = {"at": "time", "dose": "dose", "fraction": "fraction removed", "every": "interval",
                "count": "number of doses", "amount": "amount", "start": "start", "end": "end",
                "rate": "rate", "route": "route", "pulse": "pulse length"}


def _event_field(scenario, key: str):
    parts = key.split(".")
    if len(parts) == 3 and parts[0] in ("insults", "interventions") and parts[1].isdigit():
        items = scenario.resolved.get(parts[0]) or []
        i = int(parts[1])
        if i < len(items):
            from .scenario import EVENTS

            etype = items[i]["type"]
            fields = {f.name: f for f in EVENTS[etype][1]}
            return etype, fields.get(parts[2])
    return None, None


def key_unit(scenario, spec: Spec) -> str:
    """The unit of ``spec``'s values: the SPEC's own, else the key's internal unit."""
    if spec.unit or not spec.numeric:
        return spec.unit
    from .units import UNITS

    _, f = _event_field(scenario, spec.key)
    if f is not None and f.kind in UNITS and f.kind != "fraction":
        return UNITS[f.kind][0]
    parts = spec.key.split(".")
    if parts[0] == "parameters" and len(parts) == 2:
        from .parameters import BY_NAME

        p = BY_NAME.get(parts[1])
        return p.unit if p is not None and p.unit not in ("1", "") else ""
    if parts[0] in ("duration", "output_step") or parts[-1] == "max_step":
        return "h"
    return ""


def key_label(scenario, spec: Spec) -> str:
    """An axis label for a varied key, with its unit: ``MSC time (h)``, ``toxin dose (mg/kg)``."""
    from .plots import EVENT_LABELS

    etype, f = _event_field(scenario, spec.key)
    if etype is not None:
        word = _FIELD_WORDS.get(spec.key.split(".")[-1], spec.key.split(".")[-1])
        text = f"{EVENT_LABELS.get(etype, etype)} {word}"
    elif spec.key.startswith("parameters."):
        text = spec.key.split(".", 1)[1].replace("_", " ")
    else:
        text = spec.key.replace("_", " ")
    unit = key_unit(scenario, spec)
    return f"{text} ({unit})" if unit else text


# --------------------------------------------------------------------------------------------
# running one chunk (top-level, picklable: runs in worker processes and on Dask workers)
# --------------------------------------------------------------------------------------------

def run_chunk(task: dict) -> dict:
    """Simulate one chunk; the unit of work sent to a worker.

    ``task``: ``index``, ``runs`` (run numbers), ``scenario`` (resolved dict), ``source``,
    ``name``, ``overrides`` (one mapping per run), ``trajectories`` (variable names).  Returns
    ``index``, ``runs``, ``rows`` (``[status, message, *metrics]`` per run), ``time_h`` and
    ``trajectories`` (``{variable: float32 array (runs, times)}``, when asked for).
    """
    from .metrics import METRICS
    from .metrics import NEEDS as METRIC_NEEDS
    from .scenario import ScenarioWarning, build_scenario

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ScenarioWarning)
        base = build_scenario(task["scenario"], source=task["source"], name=task["name"])
        scenarios: list = []
        for ov in task["overrides"]:
            try:
                scenarios.append(base.run_inputs(ov))
            except LivermodelError as err:
                scenarios.append(err)
    n = len(scenarios)
    none_metrics = [None] * len(METRICS)
    rows: list[list] = [[STATUS_FAILED, "", *none_metrics] for _ in range(n)]
    traj_vars = list(task.get("trajectories") or ())
    grid = None
    traj = {}
    groups: dict[tuple, list[int]] = {}
    for i, sc in enumerate(scenarios):
        if isinstance(sc, LivermodelError):
            rows[i][1] = f"invalid scenario: {sc}"
            continue
        key = (sc.duration_h, sc.output_step_h, sc.settings, tuple(sorted(sc.initial.items())))
        groups.setdefault(key, []).append(i)
    from .simulate import output_grid, simulate_batch

    if traj_vars:
        grid = output_grid(base.duration_h, base.output_step_h)
        traj = {v: np.full((n, grid.size), np.nan, dtype=np.float32) for v in traj_vars}
    for (duration, step, settings, initial), members in groups.items():
        batch = simulate_batch([scenarios[i].parameters for i in members],
                               [scenarios[i].schedule for i in members], duration=duration,
                               output_step=step, settings=settings, initial=dict(initial) or None,
                               variables=(*METRIC_NEEDS, *traj_vars))
        for j, (i, m) in enumerate(zip(members, batch.metrics(), strict=True)):
            ok = bool(batch.success[j])
            msg = batch.messages[j]
            rows[i] = [STATUS_OK if ok else STATUS_FAILED, "" if msg == "ok" else msg,
                       *[m[k] for k in METRICS]]
        for v in traj_vars:
            if grid is not None and batch.time_h.size == grid.size:
                traj[v][members] = batch.variable(v).astype(np.float32)
    return {"index": task["index"], "runs": list(task["runs"]), "rows": rows,
            "time_h": grid, "trajectories": traj}


def _tasks(plan: Plan, indices: Iterable[int], trajectories: Sequence[str]):
    doc = plan.scenario.to_dict()
    source = str(plan.scenario.source or "<scenario>")
    chunks = plan.chunks()
    for k in indices:
        runs = chunks[k]
        yield {"index": k, "runs": list(runs), "scenario": doc, "source": source,
               "name": plan.scenario.name, "overrides": [plan.overrides(i) for i in runs],
               "trajectories": list(trajectories)}


# --------------------------------------------------------------------------------------------
# executors
# --------------------------------------------------------------------------------------------

def _mp_context():
    """How worker processes start.

    On Linux, a process with a single thread forks its workers: they start at once with
    everything already imported (``fork`` is unsafe only when other threads hold locks).  With
    other threads running (a progress bar, a notebook), workers fork from a ``forkserver`` that
    has the model and the solver preloaded; elsewhere they are spawned.
    """
    import multiprocessing as mp
    import threading

    methods = mp.get_all_start_methods()
    if sys.platform.startswith("linux") and threading.active_count() == 1 and "fork" in methods:
        return mp.get_context("fork")
    if sys.platform.startswith("linux") and "forkserver" in methods:
        ctx = mp.get_context("forkserver")
        # workers start with the model and the solver (scipy is imported lazily) already loaded
        ctx.set_forkserver_preload(["livermodel.sweep", "livermodel.scenario", "scipy.integrate"])
        return ctx
    return mp.get_context("spawn")


def _execute(tasks, on_done: Callable[[dict], None], *, jobs: int, executor: str, scheduler=None,
             chunk_runs: int = 0):
    """Run ``tasks`` and hand each result to ``on_done`` as soon as it is finished."""
    if executor == "dask":
        _execute_dask(tasks, on_done, scheduler)
        return
    if jobs <= 1:
        for t in tasks:
            on_done(run_chunk(t))
        return
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    if chunk_runs:
        from .simulate import compiled_rhs

        compiled_rhs(chunk_runs)  # loaded once here, so that forked workers start with it

    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=_mp_context())
    pending: set = set()
    tasks = iter(tasks)
    try:
        while True:
            while len(pending) < 2 * jobs:
                t = next(tasks, None)
                if t is None:
                    break
                pending.add(pool.submit(run_chunk, t))
            if not pending:
                break
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                on_done(fut.result())
    except BaseException:
        for fut in pending:
            fut.cancel()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


def _execute_dask(tasks, on_done, scheduler):
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise LivermodelError("the dask executor needs the optional extra 'dask'",
                              key="--executor",
                              suggestion='pip install "livermodel[dask]"') from None
    own = not isinstance(scheduler, Client)
    if own and not scheduler:
        raise LivermodelError("the dask executor needs the address of a scheduler",
                              key="--scheduler", expected="e.g. tcp://10.0.0.5:8786")
    try:
        client = Client(scheduler, timeout="20s") if own else scheduler
    except (OSError, TimeoutError, ValueError) as err:
        raise LivermodelError(f"cannot reach the Dask scheduler at {scheduler!r}: {err}",
                              key="--scheduler",
                              suggestion="Start one with 'dask scheduler' or check the address") from None
    try:
        workers = max(1, len(client.scheduler_info().get("workers", {})))
        tasks = iter(tasks)
        futures = []
        for t in itertools.islice(tasks, 2 * workers):
            futures.append(client.submit(run_chunk, t, pure=False))
        queue = as_completed(futures)
        try:
            for fut in queue:
                on_done(fut.result())
                fut.release()
                t = next(tasks, None)
                if t is not None:
                    queue.add(client.submit(run_chunk, t, pure=False))
        except BaseException:
            for fut in futures:
                fut.cancel()
            raise
    finally:
        if own:
            client.close()


# --------------------------------------------------------------------------------------------
# the table
# --------------------------------------------------------------------------------------------

def _cell(v) -> str:
    if v is None:
        return ""
    if isinstance(v, (float, np.floating)):
        v = float(v)
        return repr(v) if math.isfinite(v) else ""
    return str(_plain(v))


def _header(plan: Plan) -> list[str]:
    from .metrics import METRICS

    return ["run", *plan.keys, "status", "message", *METRICS]


def _chunk_csv(plan: Plan, out: dict) -> str:
    """The CSV text of one finished chunk (this runs once per chunk for every row: kept lean)."""
    runs = out["runs"]
    points = [[_cell(_plain(plan.columns[k][i])) for i in runs] for k in plan.keys]
    repr_, isfinite = float.__repr__, math.isfinite
    buf = _io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(_header(plan))
    for j, (i, row) in enumerate(zip_(runs, out["rows"])):
        cells = [i, *[col[j] for col in points]]
        for v in row:
            if v.__class__ is float:
                cells.append(repr_(v) if isfinite(v) else "")
            else:
                cells.append(_cell(v))
        w.writerow(cells)
    return buf.getvalue()


def _convert(name: str, text: str, numeric_keys: set[str]):
    from .metrics import METRICS

    if name == "run":
        return int(text)
    if name in ("status", "message"):
        return text
    if name in METRICS:
        unit = METRICS[name][0]
        if text == "":
            return None
        if unit == "bool":
            return text == "True"
        if name == "mode":
            return text
        return float(text)
    if text == "":
        return None
    if name in numeric_keys:
        return float(text)
    return text


def read_table(path: str | Path) -> list[dict]:
    """Read a sweep ``metrics.csv`` (or a chunk file) into rows with typed values.

    Numbers become floats, ``failed`` a bool, empty cells ``None``; varied keys are numbers
    when every value of the column is one.
    """
    path = Path(path)
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        header = next(reader, None)
        if not header or header[0] != "run":
            raise LivermodelError(f"'{path}' is not a livermodel sweep table",
                                  expected="a CSV file whose first column is run")
        raw = list(reader)
    keys = header[1:header.index("status")]
    numeric = {k for j, k in enumerate(keys, start=1)
               if all(r[j] == "" or _num_unit(r[j]) is not None and _num_unit(r[j])[1] == "" for r in raw)}
    return [{name: _convert(name, cell, numeric) for name, cell in zip_(header, r)} for r in raw]


# --------------------------------------------------------------------------------------------
# results
# --------------------------------------------------------------------------------------------

@dataclass
class SweepResult:
    """A finished sweep: the plan, the table and where it was written.

    ``rows`` is the table (one dict per run, in run order: ``run``, the varied keys, ``status``,
    ``message`` and every metric of :data:`livermodel.metrics.METRICS`).  For a sweep written to
    a folder the rows are read from ``metrics.csv`` when first used.
    """

    plan: Plan
    folder: Path | None = None
    files: list[str] = field(default_factory=list)
    elapsed_s: float = 0.0
    runs_done: int = 0
    _rows: list[dict] | None = None
    _traj: tuple | None = None

    @property
    def rows(self) -> list[dict]:
        if self._rows is None:
            self._rows = read_table(self.folder / TABLE)
        return self._rows

    def column(self, name: str) -> np.ndarray:
        """One column of the table as an array (floats, with ``None`` as NaN, where possible)."""
        if self.rows and name not in self.rows[0]:
            raise LivermodelError(f"the sweep table has no column '{name}'",
                                  suggestion=did_you_mean(name, list(self.rows[0])))
        vals = [r[name] for r in self.rows]
        try:
            return np.array([np.nan if v is None else float(v) for v in vals])
        except (TypeError, ValueError):
            return np.array(vals, dtype=object)

    @property
    def n_failed(self) -> int:
        return sum(r["status"] != STATUS_OK for r in self.rows)

    def trajectories(self) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """``(time_h, {variable: array (runs, times)})`` of the saved trajectories."""
        if self._traj is None:
            if self.folder is None:
                raise LivermodelError("this sweep kept no trajectories",
                                      suggestion="Pass save_trajectories=[...] to run_sweep")
            t, data, _ = load_trajectories(self.folder)
            self._traj = (t, data)
        return self._traj

    def to_pandas(self):
        """The table as a :class:`pandas.DataFrame` (needs pandas)."""
        import pandas as pd

        return pd.DataFrame(self.rows)


def load_trajectories(folder: str | Path, variables: Sequence[str] | None = None):
    """Read the trajectories a sweep saved (``--save-trajectories``).

    Returns ``(time_h, {variable: float32 array (n_runs, n_times)}, runs)`` where ``runs`` are the
    run numbers of the rows (all runs, in order, for a finished sweep; the rows of ``metrics.csv``
    with the same ``run``).  Runs that failed hold NaN.  Each ``trajectories/part-NNNNNN.npz`` is
    an ordinary NumPy archive with arrays ``run``, ``time_h`` and one per variable, so
    ``numpy.load`` reads it without livermodel.
    """
    folder = Path(folder)
    parts = sorted((folder / TRAJECTORIES).glob("part-*.npz"))
    if not parts:
        raise LivermodelError(f"'{folder}' holds no saved trajectories",
                              suggestion="Run the sweep with --save-trajectories VAR,...")
    runs, time_h, data = [], None, {}
    for p in parts:
        with np.load(p) as z:
            runs.append(z["run"])
            time_h = z["time_h"] if time_h is None else time_h
            names = [k for k in z.files if k not in ("run", "time_h")]
            for v in variables or names:
                if v not in z.files:
                    raise LivermodelError(f"no saved trajectory of '{v}'", expected=", ".join(names),
                                          suggestion=did_you_mean(v, names))
                data.setdefault(v, []).append(z[v])
    run = np.concatenate(runs)
    order = np.argsort(run, kind="stable")
    return time_h, {v: np.concatenate(a)[order] for v, a in data.items()}, run[order]


# --------------------------------------------------------------------------------------------
# running a plan
# --------------------------------------------------------------------------------------------

def _check_trajectories(plan: Plan, names: Sequence[str]) -> list[str]:
    from .model import VARIABLES

    out = []
    for name in names:
        for v in str(name).split(","):
            v = v.strip()
            if not v:
                continue
            if v not in VARIABLES or v == "time_h":
                choices = [k for k in VARIABLES if k != "time_h"]
                raise LivermodelError(f"unknown trajectory variable '{v}'",
                                      key="--save-trajectories", expected=", ".join(choices),
                                      suggestion=did_you_mean(v, choices))
            if v not in out:
                out.append(v)
    if out and any(k.split(".")[0] in ("duration", "output_step") for k in plan.keys):
        raise LivermodelError("trajectories need one output grid, but the sweep varies "
                              "duration or output_step", key="--save-trajectories",
                              suggestion="Save trajectories from a sweep with a fixed duration")
    return out


def _plan_record(plan: Plan, trajectories: Sequence[str]) -> dict:
    rec = plan.to_dict()
    rec["save_trajectories"] = list(trajectories)
    return rec


def load_plan(folder: str | Path) -> tuple[Plan, dict]:
    """The plan of the sweep folder ``folder`` (from its ``plan.json``) and the raw record."""
    from .scenario import build_scenario

    folder = Path(folder)
    path = folder / PLAN
    if not path.is_file():
        raise LivermodelError(f"'{folder}' is not a sweep folder: it has no {PLAN}", key="--resume",
                              suggestion="Give the --out folder of the interrupted sweep")
    try:
        rec = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise LivermodelError(f"cannot read '{path}': {err}", key="--resume") from None
    if not isinstance(rec, dict) or rec.get("livermodel_sweep") != PLAN_FORMAT:
        raise LivermodelError(f"'{path}' is not a livermodel sweep plan (format {PLAN_FORMAT})",
                              key="--resume")
    sc = build_scenario(rec["scenario"], source=rec.get("scenario_source") or "<scenario>",
                        name=rec["scenario_name"])
    plan = plan_sweep(sc, rec["vary"], zip=rec["zip"], design=rec["design"], samples=rec["samples"],
                      seed=rec["seed"], chunk_size=rec["chunk_size"], metric=rec["metric"])
    if plan.n_runs != rec["n_runs"]:  # pragma: no cover - would need a changed sampler
        raise LivermodelError(f"the plan in '{path}' no longer gives {rec['n_runs']} runs",
                              key="--resume")
    return plan, rec


def _same_plan(a: dict, b: dict) -> bool:
    keys = ("scenario_sha256", "vary", "design", "zip", "samples", "seed",
            "chunk_size", "n_runs")
    return all(a.get(k) == b.get(k) for k in keys)


def _done_chunks(plan: Plan, folder: Path, trajectories: Sequence[str]) -> set[int]:
    """Chunks already on disk whose rows match the plan (checked value by value)."""
    done = set()
    chunks = plan.chunks()
    for path in sorted((folder / CHUNKS).glob("metrics-*.csv")):
        m = re.fullmatch(r"metrics-(\d+)\.csv", path.name)
        if not m or int(m.group(1)) >= len(chunks):
            continue
        k = int(m.group(1))
        if trajectories and not (folder / TRAJECTORIES / f"part-{k:06d}.npz").is_file():
            continue
        rows = read_table(path)
        expect = list(chunks[k])
        if [r["run"] for r in rows] != expect:
            raise LivermodelError(f"'{path}' does not belong to this sweep's plan", key="--resume")
        for r in rows:
            point = plan.point(r["run"])
            for key in plan.keys:
                if _cell(point[key]) != _cell(r[key]):
                    raise LivermodelError(f"'{path}' holds other values of {key} than the plan",
                                          key="--resume", suggestion="Start a new sweep in "
                                          "another --out folder")
        done.add(k)
    return done


def run_sweep(plan: Plan, out_dir: str | Path | None = None, *, jobs: int = 1,
              executor: str = "local", scheduler=None, save_trajectories: Sequence[str] = (),
              resume: bool = False, progress: Callable[[int, int], None] | None = None,
              formats: str | Sequence[str] = ("png",), style: str = "paper",
              metric: str | None = None, command: str | None = None,
              max_chunks: int | None = None) -> SweepResult:
    """Run ``plan``; returns a :class:`SweepResult`.

    With ``out_dir`` every finished chunk is written at once and the folder ends with
    ``metrics.csv``, ``plan.json``, ``scenario.resolved.yaml``, the figures (``formats``; empty
    for none) and ``provenance.json`` (last).  Without it, rows stay in memory and nothing is
    written.  ``jobs`` worker processes (``executor="local"``) or a Dask cluster
    (``executor="dask"``, ``scheduler`` an address or a ``distributed.Client``) run the chunks.
    ``resume`` continues the sweep already in ``out_dir`` (same plan) without redoing finished
    chunks.  ``progress(runs_done, runs_total)`` is called after each chunk.  ``max_chunks``
    stops after that many new chunks (the sweep is then left unfinished, as if interrupted).
    A folder that holds another sweep is refused unless ``resume``.
    """
    from .io import check_formats, prepare_output_dir

    if executor not in EXECUTORS:
        raise LivermodelError(f"unknown executor '{executor}'", key="--executor",
                              expected=f"one of {', '.join(EXECUTORS)}", found=repr(executor),
                              suggestion=did_you_mean(executor, EXECUTORS))
    if isinstance(jobs, bool) or int(jobs) < 1:
        raise LivermodelError("--jobs must be at least 1", key="--jobs", found=repr(jobs))
    jobs = int(jobs)
    traj = _check_trajectories(plan, save_trajectories)
    formats = check_formats(formats) if out_dir is not None else []
    if formats:
        from .style import check_style

        check_style(style)
    metric = metric or plan.metric
    from .metrics import METRICS

    if metric not in METRICS:
        raise LivermodelError(f"unknown metric '{metric}'", key="--metric",
                              expected=f"one of {', '.join(METRICS)}", found=repr(metric),
                              suggestion=did_you_mean(metric, METRICS))
    started = time.perf_counter()
    from .io import now_iso

    started_iso = now_iso()
    total = plan.n_runs
    if out_dir is None:
        rows: dict[int, list] = {}
        trajs: dict[int, dict] = {}

        def keep(out):
            for i, r in zip_(out["runs"], out["rows"]):
                rows[i] = r
            if traj:
                trajs[out["index"]] = out
            if progress:
                progress(len(rows), total)

        todo = range(plan.n_chunks) if max_chunks is None else range(min(max_chunks, plan.n_chunks))
        _execute(_tasks(plan, todo, traj), keep, jobs=jobs, executor=executor, scheduler=scheduler,
                 chunk_runs=plan.chunk_size)
        numeric = {s.key for s in plan.specs if s.numeric}
        table = []
        for i in sorted(rows):
            cells = [i, *[_cell(plan.point(i)[k]) for k in plan.keys], *[_cell(c) for c in rows[i]]]
            table.append({n: _convert(n, c, numeric) for n, c in zip_(_header(plan), cells)})
        result = SweepResult(plan, None, [], time.perf_counter() - started, len(rows), table)
        if traj and trajs:
            outs = [trajs[k] for k in sorted(trajs)]
            result._traj = (outs[0]["time_h"],
                            {v: np.concatenate([o["trajectories"][v] for o in outs]) for v in traj})
        return result

    folder = prepare_output_dir(out_dir)
    record = _plan_record(plan, traj)
    plan_path = folder / PLAN
    if plan_path.exists():
        if not resume:
            raise LivermodelError(f"'{folder}' already holds a sweep", key="--out",
                                  suggestion="Continue it with --resume DIR, or choose another "
                                  "--out folder")
        _, old = load_plan(folder)
        if not _same_plan(old, record) or old.get("save_trajectories", []) != traj:
            raise LivermodelError(f"the sweep in '{folder}' has another plan than the one given",
                                  key="--resume", suggestion="Resume with the same scenario, "
                                  "--vary, design, --samples, --seed and --save-trajectories, or "
                                  "give only --resume DIR")
    elif resume and any(folder.iterdir()):
        raise LivermodelError(f"'{folder}' holds no sweep to resume (no {PLAN})", key="--resume")
    from .io import RESOLVED, Written, _begin, _json, _put

    written = Written(folder)
    _begin(folder)
    _put(folder, PLAN, _json(record), written)
    _put(folder, RESOLVED, plan.scenario.to_yaml(), written)
    (folder / CHUNKS).mkdir(exist_ok=True)
    if traj:
        (folder / TRAJECTORIES).mkdir(exist_ok=True)
    done = _done_chunks(plan, folder, traj)
    chunks = plan.chunks()
    done_runs = sum(len(chunks[k]) for k in done)
    todo = [k for k in range(plan.n_chunks) if k not in done]
    if max_chunks is not None:
        todo = todo[:max_chunks]
    state = {"runs": done_runs}
    if progress:
        progress(done_runs, total)

    def store(out):
        k = out["index"]
        if traj:
            _write_npz(folder / TRAJECTORIES / f"part-{k:06d}.npz", out)
        from .io import atomic_write

        atomic_write(folder / CHUNKS / f"metrics-{k:06d}.csv", _chunk_csv(plan, out))
        state["runs"] += len(out["runs"])
        if progress:
            progress(state["runs"], total)

    _execute(_tasks(plan, todo, traj), store, jobs=jobs, executor=executor, scheduler=scheduler,
             chunk_runs=plan.chunk_size)
    if len(done) + len(todo) < plan.n_chunks:
        # stopped early on purpose: the folder stays resumable, with no metrics.csv yet
        return SweepResult(plan, folder, list(written.files), time.perf_counter() - started,
                           state["runs"])
    _assemble(folder, plan)
    written.files.append(TABLE)
    if traj:
        parts = (folder / TRAJECTORIES).glob("part-*.npz")
        written.files += sorted(f"{TRAJECTORIES}/{p.name}" for p in parts)
    result = SweepResult(plan, folder, [], 0.0, total)
    if formats:
        from .sweep_plots import draw_sweep_figures

        for path in draw_sweep_figures(result, folder, formats=formats, style=style, metric=metric):
            written.files.append(path.name)
    result.elapsed_s = time.perf_counter() - started
    _seal_sweep(folder, plan, written, result, command=command, started=started_iso, jobs=jobs,
                executor=executor, traj=traj)
    for p in (folder / CHUNKS).glob("metrics-*.csv"):
        p.unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        (folder / CHUNKS).rmdir()
    result.files = list(written.files)
    return result


def _write_npz(path: Path, out: dict) -> None:
    from .io import atomic_path

    arrays = {"run": np.asarray(out["runs"], dtype=np.int64), "time_h": out["time_h"],
              **out["trajectories"]}
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            np.savez_compressed(fh, **arrays)


def _assemble(folder: Path, plan: Plan) -> None:
    """Concatenate the chunk files into ``metrics.csv`` in run order (streamed, atomic)."""
    from .io import atomic_path

    with atomic_path(folder / TABLE) as tmp:
        with open(tmp, "w", encoding="utf-8", newline="") as out:
            csv.writer(out, lineterminator="\n").writerow(_header(plan))
            for k in range(plan.n_chunks):
                with open(folder / CHUNKS / f"metrics-{k:06d}.csv", encoding="utf-8") as fh:
                    next(fh)
                    for line in fh:
                        out.write(line)
            out.flush()
            os.fsync(out.fileno())


def _seal_sweep(folder, plan, written, result, *, command, started, jobs, executor, traj):
    from .io import _seal, provenance

    record = provenance(None, plan.scenario, command=command, started=started, kind="sweep")
    from .compiled import description

    record["solver"] = plan.scenario.settings.as_dict()
    record["solver"]["right_hand_side"] = description()
    failed = 0
    with open(folder / TABLE, newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        col = header.index("status")
        for row in reader:
            failed += row[col] != STATUS_OK
    record["sweep"] = {
        "runs": plan.n_runs, "failed": failed, "design": plan.design, "zip": plan.zip,
        "samples": plan.samples, "seed": plan.seed, "vary": {s.key: s.text for s in plan.specs},
        "units": plan.units(), "chunk_size": plan.chunk_size, "chunks": plan.n_chunks,
        "jobs": jobs, "executor": executor, "save_trajectories": list(traj),
        "elapsed_s": round(result.elapsed_s, 3), "warnings": plan.warnings,
    }
    _seal(folder, record, written)


def resume_sweep(folder: str | Path, **kwargs) -> SweepResult:
    """Finish the interrupted sweep in ``folder`` with its own ``plan.json``.

    Keyword arguments go to :func:`run_sweep` (``jobs``, ``executor``, ``formats``, ...);
    ``save_trajectories`` defaults to what the sweep saved.
    """
    plan, rec = load_plan(folder)
    kwargs.setdefault("save_trajectories", rec.get("save_trajectories", []))
    return run_sweep(plan, folder, resume=True, **kwargs)


# --------------------------------------------------------------------------------------------
# dry run
# --------------------------------------------------------------------------------------------

def estimate_sweep(plan: Plan, *, jobs: int = 1, save_trajectories: Sequence[str] = (),
                   probe_runs: int = 64) -> dict:
    """The size and an estimated duration of ``plan``, from a short probe (nothing written).

    A warm-up of two runs (imports, the scenario's caches) and, with numba, the loading of the
    compiled right-hand side are timed as ``startup_s`` and counted once, for the sweep's fixed
    costs.  Then up to ``probe_runs`` runs spread over the design, and no more than a chunk, are
    simulated in one batch on this process, so that the probe takes the path the chunks take
    (the compiled right-hand side from 64 runs on).  The time per run measured there (a batch
    smaller than a chunk, so a cautious one) is shared among ``jobs``.
    Returns ``runs``, ``chunks``, ``probe_runs``, ``probe_s``, ``startup_s``, ``runs_per_s``,
    ``estimated_s``, ``table_bytes``, ``trajectory_bytes`` and ``probe_failed``.
    """
    from .simulate import compiled_rhs, output_grid

    traj = _check_trajectories(plan, save_trajectories)
    n = plan.n_runs
    k = max(1, min(n, probe_runs, plan.chunk_size))
    picks = sorted({int(round(x)) for x in np.linspace(0, n - 1, k)})

    def task(runs):
        return {"index": 0, "runs": runs, "scenario": plan.scenario.to_dict(),
                "source": str(plan.scenario.source or "<scenario>"), "name": plan.scenario.name,
                "overrides": [plan.overrides(i) for i in runs], "trajectories": traj}

    t0 = time.perf_counter()
    run_chunk(task(picks[:2]))  # warm-up: stands for the sweep's fixed costs too
    compiled_rhs(len(picks))
    startup = time.perf_counter() - t0
    probe = task(picks)
    t0 = time.perf_counter()
    out = run_chunk(probe)
    dt = max(time.perf_counter() - t0, 1e-9)
    rate = len(picks) / dt
    row_bytes = len(_chunk_csv(plan, out).encode()) / max(len(picks), 1)
    points = output_grid(plan.scenario.duration_h, plan.scenario.output_step_h).size
    return {
        "runs": n, "chunks": plan.n_chunks, "chunk_size": plan.chunk_size,
        "probe_runs": len(picks), "probe_s": dt, "startup_s": startup,
        "runs_per_s": rate * max(1, jobs), "estimated_s": startup + n / (rate * max(1, jobs)),
        "table_bytes": int(row_bytes * n),
        "trajectory_bytes": int(n * len(traj) * points * 4),
        "probe_failed": sum(r[0] != STATUS_OK for r in out["rows"]),
    }


def format_bytes(n: float) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} GB"  # pragma: no cover


def format_seconds(s: float) -> str:
    if s < 90:
        return f"{s:.1f} s"
    if s < 5400:
        return f"{s / 60:.1f} min"
    return f"{s / 3600:.1f} h"
