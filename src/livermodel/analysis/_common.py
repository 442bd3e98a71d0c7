"""What every analysis shares: evaluating runs in batches, metric values, scenario variants and
the output folder.

Every analysis is a loop over :func:`livermodel.simulate.simulate_batch`: the points of one
round (a bisection round, a sensitivity design, a cohort, a Jacobian) are integrated in one
vectorised call, in chunks of :data:`CHUNK` runs so that memory stays bounded.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import numpy as np

from ..errors import LivermodelError, did_you_mean
from ..metrics import METRICS

#: Most runs integrated (and held in memory) at once by :func:`evaluate`.
CHUNK = 2048

#: Metrics that are times and are ``None`` when the event never happens within the run.  As a
#: number they are *censored at the horizon*: "never" counts as the end of the run.
CENSORED_TIMES = ("recovery_time_h", "failure_time_h")


def check_metric(name: str, *, numeric: bool = False, key: str = "--metric") -> str:
    """Return ``name`` if it is a known metric (and a number, if ``numeric``); else raise."""
    if name not in METRICS:
        raise LivermodelError(f"unknown metric '{name}'", key=key,
                              expected=f"one of {', '.join(METRICS)}", found=repr(name),
                              suggestion=did_you_mean(name, METRICS))
    if numeric and name == "mode":
        raise LivermodelError("the metric 'mode' is a label, not a number", key=key,
                              expected="a numeric metric such as final_mass or "
                              "survival_probability, or 'failed' (0/1)", found="'mode'")
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


def evaluate(scenario, parameter_sets: Sequence[Mapping[str, float]], schedules=None, *,
             progress: Callable[[int, int], None] | None = None) -> list[dict]:
    """Metrics of each parameter set (with ``scenario``'s schedule, unless ``schedules`` given).

    Runs are integrated with :func:`livermodel.simulate.simulate_batch` in chunks of
    :data:`CHUNK`, with the scenario's duration, output step, solver settings and initial state.
    A run whose solve failed gets ``None`` for every metric and ``"solver_message"`` says why.
    ``progress(done, total)`` is called after every chunk.
    """
    from ..simulate import simulate_batch

    n = len(parameter_sets)
    if schedules is None or not isinstance(schedules, (list, tuple)):
        schedules = [schedules if schedules is not None else scenario.schedule] * n
    out: list[dict] = []
    for start in range(0, n, CHUNK):
        stop = min(n, start + CHUNK)
        batch = simulate_batch(list(parameter_sets[start:stop]), list(schedules[start:stop]),
                               duration=scenario.duration_h, output_step=scenario.output_step_h,
                               settings=scenario.settings, initial=scenario.initial or None)
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

    from ..scenario import apply_overrides, parse_scenario

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


class OutputFolder:
    """An analysis output folder, written like a run folder (see :mod:`livermodel.io`).

    Every file is written atomically; ``provenance.json`` is removed first and written last
    with the SHA-256 of every file, so a folder without it was interrupted.
    """

    def __init__(self, path, *, formats=("png",), style: str = "paper"):
        from ..io import PROVENANCE, check_formats, prepare_output_dir

        self.formats = check_formats(formats)
        if self.formats:
            from ..style import check_style

            check_style(style)
        self.style = style
        self.path = prepare_output_dir(path)
        self.files: list[str] = []
        try:
            (self.path / PROVENANCE).unlink(missing_ok=True)
        except OSError as err:
            raise self._error(PROVENANCE, err) from None

    def _error(self, name, err: OSError) -> LivermodelError:
        return LivermodelError(f"could not write '{self.path / name}': {err.strerror or err}",
                               key="--out", suggestion="Check free disk space and permissions, "
                               "or choose another folder with --out")

    def put(self, name: str, text: str) -> Path:
        from ..io import atomic_write

        try:
            atomic_write(self.path / name, text)
        except OSError as err:
            raise self._error(name, err) from None
        self.files.append(name)
        return self.path / name

    def figure(self, fig, stem: str) -> list[Path]:
        from ..plots import save_figure

        try:
            paths = save_figure(fig, self.path / stem, self.formats)
        except OSError as err:
            raise self._error(stem, err) from None
        self.files += [p.name for p in paths]
        return paths

    def seal(self, scenario, *, kind: str, command: str | None, started: str | None,
             extra: Mapping | None = None) -> Path:
        from ..io import PROVENANCE, provenance, sha256_file

        record = provenance(None, scenario, command=command, started=started, kind=kind)
        if scenario is not None:
            record["solver"] = scenario.settings.as_dict()
        record.update(jsonable(dict(extra or {})))
        record["files"] = {name: sha256_file(self.path / name) for name in self.files}
        return self.put(PROVENANCE, dumps(record))


def new_figure(width_in: float, height_in: float, ncols: int = 1):
    """A constrained-layout Agg figure with ``ncols`` axes side by side (no pyplot)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width_in, height_in), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, ncols, squeeze=False).ravel()
    return fig, list(axes)


def note(fig, layout) -> None:
    """The conceptual-model note in the bottom right corner (as on every livermodel figure)."""
    from ..style import note_text

    text = note_text()
    if fig.get_figwidth() < 6.5:
        text = text.replace(" model. ", " model.\n", 1)
    fig.text(0.995, 0.002, text, ha="right", va="bottom", fontsize=layout["note_size"],
             color="#666666", style="italic")
    engine = fig.get_layout_engine()
    if engine is not None:
        lines = text.count("\n") + 1
        height = lines * 1.3 * layout["note_size"] / 72 / fig.get_figheight()
        engine.set(rect=(0, height + 0.005, 1, 1 - height - 0.005))
