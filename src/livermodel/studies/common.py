"""What every analysis shares: evaluating runs in batches, metric values, scenario variants and
the output folder.

Every analysis is a loop over :func:`livermodel.solve.simulate.simulate_batch`: the points of one
round (a bisection round, a sensitivity design, a cohort, a Jacobian) are integrated in one
vectorised call, in chunks of :data:`CHUNK` runs so that memory stays bounded.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import numpy as np

from livermodel.errors import LivermodelError, did_you_mean
from livermodel.metrics import LABELS, METRICS

CHUNK = 2048
#: The smallest chunk while a progress bar is shown.
PROGRESS_CHUNK = 256

#: Metrics that are times and are ``None`` when the event never happens within the run.  As a
#: number they are *censored at the horizon*: "never" counts as the end of the run.
CENSORED_TIMES = ("recovery_time_h", "failure_time_h")


def check_metric(name: str, *, numeric: bool = False, key: str = "--metric") -> str:
    """Return ``name`` if it is a known metric (and a number, if ``numeric``); else raise."""
    if name not in METRICS:
        raise LivermodelError(
            f"unknown metric '{name}'",
            key=key,
            expected=f"one of {', '.join(METRICS)}",
            found=repr(name),
            suggestion=did_you_mean(name, METRICS),
        )
    if numeric and name in LABELS:
        raise LivermodelError(
            f"the metric '{name}' is a label, not a number",
            key=key,
            expected="a numeric metric such as final_mass or survival_probability, or 'failed' (0/1)",
            found=repr(name),
        )
    return name


def metric_label(name: str) -> str:
    """An axis label for a metric with its unit: ``final mass (normal liver = 1)``."""
    unit = METRICS[name][0] if name in METRICS else ""
    text = name.replace("_u_per_l", "").replace("_h", "" if unit == "h" else "_h").replace("_", " ")
    if name == "alt_peak_u_per_l":
        text = "ALT peak"
    if unit.startswith("1 (normal mass)"):
        return f"{text} (normal liver = 1)"
    if unit in ("", "1"):
        return text
    if unit == "bool":
        return f"{text} (0 = no, 1 = yes)"
    return f"{text} ({unit})"


def metric_value(metrics: Mapping, name: str, horizon_h: float) -> float:
    """One metric of one run as a float.

    ``failed`` is 1.0 or 0.0; a time that never happened (``recovery_time_h``,
    ``failure_time_h``) is ``horizon_h`` (censored at the end of the run); anything else that is
    missing (a failed solve, no division at all) is NaN.
    """
    value = metrics.get(name)
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if value is None:
        if name in CENSORED_TIMES and metrics.get("final_mass") is not None:
            return float(horizon_h)
        return math.nan
    return float(value)


def evaluate(
    scenario,
    parameter_sets: Sequence[Mapping[str, float]],
    schedules=None,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> list[dict]:
    """Metrics of each parameter set (with ``scenario``'s schedule, unless ``schedules`` given).

    Runs are integrated with :func:`livermodel.solve.simulate.simulate_batch` in chunks of
    :data:`CHUNK`, with the scenario's duration, output step, solver settings and initial state.
    A run whose solve failed gets ``None`` for every metric and ``"solver_message"`` says why.
    ``progress(done, total)`` is called after every chunk; with it the chunks are smaller (about
    a 25th of the runs, at least :data:`PROGRESS_CHUNK`), so a progress bar moves.
    """
    from livermodel.solve.simulate import simulate_batch

    n = len(parameter_sets)
    if schedules is None or not isinstance(schedules, (list, tuple)):
        schedules = [schedules if schedules is not None else scenario.schedule] * n
    out: list[dict] = []
    chunk = CHUNK if progress is None else min(CHUNK, max(PROGRESS_CHUNK, math.ceil(n / 25)))
    for start in range(0, n, chunk):
        stop = min(n, start + chunk)
        batch = simulate_batch(
            list(parameter_sets[start:stop]),
            list(schedules[start:stop]),
            duration=scenario.duration_h,
            output_step=scenario.output_step_h,
            settings=scenario.settings,
            initial=scenario.initial or None,
        )
        for k, m in enumerate(batch.metrics()):
            m = dict(m)
            if not batch.success[k]:
                m["solver_message"] = batch.messages[k]
            out.append(m)
        if progress is not None:
            progress(stop, n)
    return out


def variant(scenario, overrides: Mapping[str, object]):
    """A validated copy of ``scenario`` with dotted-key ``overrides`` applied (no file read)."""
    if hasattr(scenario, "with_overrides"):
        return scenario.with_overrides(dict(overrides))
    import yaml  # pragma: no cover - older scenario modules without with_overrides

    from livermodel.scenario.overrides import apply_overrides
    from livermodel.scenario.scenario import parse_scenario

    doc = apply_overrides(scenario.resolved, dict(overrides))
    return parse_scenario(yaml.safe_dump(doc, sort_keys=False), source=str(scenario.source))


def rng(seed) -> np.random.Generator:
    """A numpy Generator from an int, ``None`` or a Generator (returned as is)."""
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(seed)


def jsonable(obj):
    """``obj`` with numpy scalars/arrays as Python values and NaN/inf as ``None``."""
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return jsonable(obj.tolist())
    if isinstance(obj, np.generic):
        return jsonable(obj.item())
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, Path):
        return str(obj)
    return obj


def dumps(obj) -> str:
    return json.dumps(jsonable(obj), indent=2, allow_nan=False) + "\n"


def csv_text(header: Sequence[str], rows: Sequence[Sequence]) -> str:
    """CSV text: numbers with 10 significant digits, ``None``/NaN as empty cells."""
    import csv
    import io

    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    return buf.getvalue()


def _cell(v) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (float, np.floating)):
        return "" if not math.isfinite(float(v)) else f"{float(v):.10g}"
    return str(v)
