"""Parameter sweeps: plan a design over scenario keys, run it in chunks, keep every finished row.

A sweep has three stages, each one call:

1. **plan** (:func:`plan_sweep`): which scenario keys vary and how (a SPEC per key), combined as a
   full grid, as paired values (``zip``), or sampled (``random``, ``lhs`` = Latin hypercube,
   ``sobol``) with a seed.  The plan is a table of values, one row per run, split into chunks of
   a fixed size.  Every key and value is checked against the scenario format before anything runs.
2. **run** (:func:`run_sweep`): each chunk becomes one call of
   :func:`livermodel.solve.simulate.simulate_batch` (many parameter sets in one vectorised solve, the
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

import math
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from livermodel.errors import MAX_SEED, LivermodelError, check_seed, count_text, did_you_mean
from livermodel.scenario.blocks import Spec, parse_vary

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

#: The most runs of one sweep (grid size or --samples), checked from the SPECs before a single
#: value is made: at about 4,000 runs/s per core that is hours of work and GB of table.
MAX_RUNS = 10_000_000
#: The largest --chunk-size (runs integrated in one solver call, all in memory at once).
MAX_CHUNK = 100_000


class GridColumns(Mapping):
    """The columns of a grid or zip design, made only when asked for.

    ``len`` of the design and the value of one run (:meth:`value`) come from the values of each
    key by index arithmetic, so a dry run of a large grid never builds its table.
    """

    def __init__(self, keys: Sequence[str], values: Sequence[np.ndarray], zipped: bool):
        self._keys, self._values, self._zip = list(keys), list(values), zipped
        sizes = [len(v) for v in values]
        self.n = sizes[0] if zipped else math.prod(sizes)
        # run i holds value (i // stride[j]) % size[j] of key j: the first key varies slowest
        self._strides = [1] * len(sizes) if zipped else [math.prod(sizes[j + 1 :]) for j in range(len(sizes))]
        self._cache: dict[str, np.ndarray] = {}

    def __len__(self) -> int:
        return len(self._keys)

    def __iter__(self):
        return iter(self._keys)

    def __getitem__(self, key: str) -> np.ndarray:
        if key not in self._cache:
            j = self._keys.index(key)
            vals = self._values[j]
            if self._zip:
                col = vals
            else:
                col = np.tile(np.repeat(vals, self._strides[j]), self.n // (len(vals) * self._strides[j]))
            self._cache[key] = col
        return self._cache[key]

    def value(self, key: str, i: int):
        j = self._keys.index(key)
        vals = self._values[j]
        return vals[(i // self._strides[j]) % len(vals)]


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
    columns: Mapping[str, np.ndarray]  # a dict, or the lazy GridColumns of a grid or zip design
    chunk_size: int
    metric: str = "survival_probability"
    warnings: list[str] = field(default_factory=list)

    @property
    def keys(self) -> list[str]:
        return [s.key for s in self.specs]

    @property
    def n_runs(self) -> int:
        if isinstance(self.columns, GridColumns):
            return self.columns.n
        return len(next(iter(self.columns.values())))

    def _value(self, key: str, i: int):
        if isinstance(self.columns, GridColumns):
            return _plain(self.columns.value(key, i))
        return _plain(self.columns[key][i])

    @property
    def n_chunks(self) -> int:
        return -(-self.n_runs // self.chunk_size)

    def chunks(self) -> list[range]:
        return [
            range(s, min(s + self.chunk_size, self.n_runs)) for s in range(0, self.n_runs, self.chunk_size)
        ]

    def point(self, i: int) -> dict:
        """The varied values of run ``i`` (in each SPEC's unit)."""
        return {k: self._value(k, i) for k in self.keys}

    def overrides(self, i: int) -> dict:
        """Run ``i`` as scenario overrides (numbers with their units)."""
        return {s.key: s.override(self._value(s.key, i)) for s in self.specs}

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
        how = {
            "grid": "full grid" if not self.zip else "paired (zip)",
            "random": "uniform random",
            "lhs": "Latin hypercube",
            "sobol": "scrambled Sobol",
        }
        keys = "; ".join(
            f"{s.key} = {s.text}" + (f" ({len(self.unique(s.key))} values)" if self.design == "grid" else "")
            for s in self.specs
        )
        seed = f", seed {self.seed}" if self.design != "grid" else ""
        return (
            f"{self.n_runs:,} runs of '{self.scenario.name}' ({how[self.design]}{seed}) in "
            f"{self.n_chunks} chunks of up to {self.chunk_size}: {keys}"
        )

    def unique(self, key: str) -> list:
        if isinstance(self.columns, GridColumns):
            col = self.columns._values[self.keys.index(key)]
        else:
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


def _grid_count(spec: Spec) -> int:
    assert spec.n is not None, "parse_spec gives a grid's range a count"
    return int(spec.n)


def plan_sweep(
    scenario,
    vary=None,
    *,
    zip: bool | None = None,
    design: str | None = None,
    samples: int | None = None,
    seed: int | np.random.Generator | None = None,
    chunk_size: int | None = None,
    metric: str | None = None,
    overrides: Iterable[str] | Mapping[str, Any] = (),
) -> Plan:
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
    from livermodel.metrics import METRICS
    from livermodel.scenario.fields import ScenarioWarning
    from livermodel.scenario.scenario import Scenario, load_scenario

    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario, overrides)
    elif overrides:
        scenario = scenario.with_overrides(overrides)
    block = scenario.sweep or {}
    if scenario.sweep is not None:
        doc = scenario.to_dict()
        doc.pop("sweep", None)
        from livermodel.scenario.scenario import build_scenario

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
        raise LivermodelError(
            f"unknown design '{design}'",
            key="--design",
            expected=f"one of {', '.join(DESIGNS)}",
            found=repr(design),
            suggestion=did_you_mean(design, DESIGNS),
        )
    if metric not in METRICS:
        raise LivermodelError(
            f"unknown metric '{metric}'",
            key="--metric",
            expected=f"one of {', '.join(METRICS)}",
            found=repr(metric),
            suggestion=did_you_mean(metric, METRICS),
        )
    sampled = design != "grid"
    specs = parse_vary(vary or [], sampled=sampled)
    if sampled:
        if zip:
            raise LivermodelError(
                "--zip pairs grid values; a sampling design has no grid",
                key="--zip",
                suggestion="Drop --zip, or use --design grid",
            )
        if samples is None or isinstance(samples, bool) or int(samples) < 1:
            raise LivermodelError(
                f"a {design} design needs --samples N (N >= 1)", key="--samples", found=repr(samples)
            )
        samples = int(samples)
        if samples > MAX_RUNS:
            raise LivermodelError(
                f"--samples must be at most {MAX_RUNS:,}",
                key="--samples",
                expected=f"N from 1 to {MAX_RUNS:,}",
                found=count_text(samples),
                suggestion="Ask for fewer samples, or split the sweep by --seed into several folders",
            )
        seed = check_seed(seed)
        if seed is None:
            seed = int(np.random.default_rng().integers(MAX_SEED))
        elif isinstance(seed, np.random.Generator):
            seed = int(seed.integers(MAX_SEED))
        u = _unit_cube(design, samples, len(specs), seed)
        columns: Mapping[str, np.ndarray] = {s.key: s.from_unit(u[:, j]) for j, s in enumerate(specs)}
    else:
        if samples is not None:
            raise LivermodelError(
                "--samples is for random, lhs and sobol designs",
                key="--samples",
                suggestion="A grid's size follows from its SPECs; drop --samples",
            )
        seed = None
        counts = [len(s.values) if s.kind == "list" else _grid_count(s) for s in specs]
        if zip:
            if len(set(counts)) > 1:
                raise LivermodelError(
                    "--zip needs the same number of values for every key",
                    key="--zip",
                    found=", ".join(f"{s.key}: {count_text(c)}" for s, c in zip_(specs, counts)),
                )
            size = counts[0]
        else:
            size = math.prod(counts)
        if size > MAX_RUNS:
            shape = " x ".join(count_text(c) for c in counts)
            raise LivermodelError(
                f"the design has {count_text(size)} runs ({shape}); at most {MAX_RUNS:,} are allowed",
                key="--vary",
                expected=f"a grid of at most {MAX_RUNS:,} runs",
                found=count_text(size),
                suggestion="Use fewer values per key, or a sampling design (--design lhs --samples N)",
            )
        lists = [np.array(s.grid_values(), dtype=float if s.numeric else object) for s in specs]
        columns = GridColumns([s.key for s in specs], lists, zip)
    n = columns.n if isinstance(columns, GridColumns) else len(next(iter(columns.values())))
    if chunk_size is None:
        chunk_size = _default_chunk_size(n)
    if isinstance(chunk_size, bool) or int(chunk_size) < 1:
        raise LivermodelError("the chunk size must be at least 1", key="--chunk-size", found=repr(chunk_size))
    if int(chunk_size) > MAX_CHUNK:
        raise LivermodelError(
            f"the chunk size must be at most {MAX_CHUNK:,}",
            key="--chunk-size",
            expected=f"N from 1 to {MAX_CHUNK:,}",
            found=count_text(chunk_size),
            suggestion="Leave --chunk-size out for the automatic size",
        )
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

_FIELD_WORDS = {
    "at": "time",
    "dose": "dose",
    "fraction": "fraction removed",
    "every": "interval",
    "count": "number of doses",
    "amount": "amount",
    "start": "start",
    "end": "end",
    "rate": "rate",
    "route": "route",
    "pulse": "pulse length",
}


def _event_field(scenario, key: str):
    parts = key.split(".")
    if len(parts) == 3 and parts[0] in ("insults", "interventions") and parts[1].isdigit():
        items = scenario.resolved.get(parts[0]) or []
        i = int(parts[1])
        if i < len(items):
            from livermodel.scenario.fields import EVENTS

            etype = items[i]["type"]
            fields = {f.name: f for f in EVENTS[etype][1]}
            return etype, fields.get(parts[2])
    return None, None


def key_unit(scenario, spec: Spec) -> str:
    """The unit of ``spec``'s values: the SPEC's own, else the key's internal unit."""
    if spec.unit or not spec.numeric:
        return spec.unit
    from livermodel.units import UNITS

    _, f = _event_field(scenario, spec.key)
    if f is not None and f.kind in UNITS and f.kind != "fraction":
        return UNITS[f.kind][0]
    parts = spec.key.split(".")
    if parts[0] == "parameters" and len(parts) == 2:
        from livermodel.model.parameters import BY_NAME

        p = BY_NAME.get(parts[1])
        return p.unit if p is not None and p.unit not in ("1", "") else ""
    if parts[0] in ("duration", "output_step") or parts[-1] == "max_step":
        return "h"
    return ""


def key_label(scenario, spec: Spec) -> str:
    """An axis label for a varied key, with its unit: ``MSC time (h)``, ``toxin dose (mg/kg)``."""
    from livermodel.model.schedule import EVENT_LABELS

    etype, f = _event_field(scenario, spec.key)
    if etype is not None:
        word = _FIELD_WORDS.get(spec.key.split(".")[-1], spec.key.split(".")[-1])
        text = f"{EVENT_LABELS.get(etype, etype)} {word}"
    elif spec.key.startswith("parameters."):
        text = spec.key.split(".", 1)[1].replace("_", " ")
    else:
        text = spec.key.replace("_", " ")
    from livermodel.units import unit_in_label

    unit = unit_in_label(key_unit(scenario, spec))
    return f"{text} ({unit})" if unit else text


def _check_trajectories(plan: Plan, names: Sequence[str]) -> list[str]:
    from livermodel.model.layout import VARIABLES

    out = []
    for name in names:
        for v in str(name).split(","):
            v = v.strip()
            if not v:
                continue
            if v not in VARIABLES or v == "time_h":
                choices = [k for k in VARIABLES if k != "time_h"]
                raise LivermodelError(
                    f"unknown trajectory variable '{v}'",
                    key="--save-trajectories",
                    expected=", ".join(choices),
                    suggestion=did_you_mean(v, choices),
                )
            if v not in out:
                out.append(v)
    if out and any(k.split(".")[0] in ("duration", "output_step") for k in plan.keys):
        raise LivermodelError(
            "trajectories need one output grid, but the sweep varies duration or output_step",
            key="--save-trajectories",
            suggestion="Save trajectories from a sweep with a fixed duration",
        )
    return out
