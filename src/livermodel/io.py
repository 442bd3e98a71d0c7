"""Output folders: what a run writes, written atomically and with provenance, and read back.

A **run folder** (``livermodel run``, :func:`write_run`) holds:

``timeseries.csv``
    ``time_h`` and every trajectory variable of :data:`livermodel.model.VARIABLES`, one row per
    output time; the header names the columns, units are listed in ``provenance.json``.
``metrics.json``
    The outcome metrics of :data:`livermodel.metrics.METRICS`, name -> value (``null`` for
    "never").
``scenario.resolved.yaml``
    The scenario after ``extends`` and ``--set`` overrides (when the run came from a scenario).
``timecourse.png`` / ``.svg`` / ``.pdf``
    The time-course figure in each requested format.
``provenance.json``
    What made the folder: scenario hash, versions of livermodel, Python and the dependencies,
    solver settings, command line, start and end time, git commit when available, the parameter
    values and the insult/dose times (so that ``livermodel plot`` can redraw without simulating),
    and the SHA-256 of every other file.

A **comparison folder** (``livermodel compare``, :func:`write_comparison`) holds one run folder
per arm under ``arms/<label>/`` (without figures), ``metrics.csv`` and ``metrics.json`` with the
metrics of all arms side by side (and, with a control, the differences of each arm against it),
``comparison.<format>`` figures and its own ``provenance.json``.

**Atomic writes.**  Every file is written to a temporary name in the same folder and renamed into
place with :func:`os.replace`, so a file under its final name is always complete.
``provenance.json`` is removed first and written last: a folder whose ``provenance.json`` is
missing was interrupted, and a folder whose files do not match the hashes in ``provenance.json``
mixes runs.  :func:`read_results` refuses both.
"""

from __future__ import annotations

import csv
import hashlib
import io as _io
import json
import math
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from .errors import LivermodelError, did_you_mean

#: Format version of output folders (bump when a file changes meaning).
FORMAT_VERSION = 1
FIGURE_FORMATS = ("png", "svg", "pdf")
DEPENDENCIES = ("numpy", "scipy", "matplotlib", "typer", "PyYAML", "numba")

TIMESERIES = "timeseries.csv"
METRICS = "metrics.json"
RESOLVED = "scenario.resolved.yaml"
PROVENANCE = "provenance.json"
TIMECOURSE = "timecourse"
COMPARISON = "comparison"
ARMS = "arms"


# --------------------------------------------------------------------------------------------
# atomic writing
# --------------------------------------------------------------------------------------------

@contextmanager
def atomic_path(path: str | Path):
    """Yield a temporary path next to ``path``; on success rename it to ``path``.

    If the ``with`` block raises (or the process is interrupted) the temporary file is removed
    and ``path`` is left as it was: it never holds a half-written file.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp)
    try:
        yield tmp
        os.chmod(tmp, _file_mode())  # mkstemp makes the file private; give it the usual mode
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _file_mode() -> int:
    """Permissions of a newly created file under the current umask (0o644 for umask 022)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def atomic_write(path: str | Path, data: str | bytes) -> Path:
    """Write ``data`` (text as UTF-8, or bytes) to ``path`` atomically; returns ``path``."""
    path = Path(path)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
    return path


def sha256_file(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 16), b""):
            h.update(block)
    return h.hexdigest()


# --------------------------------------------------------------------------------------------
# checking paths and options
# --------------------------------------------------------------------------------------------

def check_formats(formats: str | Iterable[str]) -> list[str]:
    """Parse ``"png,svg"`` (or a list) into known figure formats; raise on an unknown one."""
    if isinstance(formats, str):
        formats = [formats]
    out: list[str] = []
    for item in formats:
        for fmt in str(item).split(","):
            fmt = fmt.strip().lower().lstrip(".")
            if not fmt or fmt == "none":
                continue
            if fmt not in FIGURE_FORMATS:
                raise LivermodelError(
                    f"unknown figure format '{fmt}'", key="--format",
                    expected=f"a comma-separated list of {', '.join(FIGURE_FORMATS)} (or 'none')",
                    found=repr(fmt), suggestion=did_you_mean(fmt, FIGURE_FORMATS),
                )
            if fmt not in out:
                out.append(fmt)
    return out


def prepare_output_dir(path: str | Path) -> Path:
    """Create folder ``path`` (and parents) and check that files can be written into it.

    Raises :class:`LivermodelError` (key ``--out``) with what to do if it is a file, cannot be
    created, or is not writable.
    """
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise LivermodelError(
            f"the output path '{path}' is a file, not a folder", key="--out",
            suggestion="Give a folder name with --out (it is created if needed)",
        )
    try:
        path.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".write-test.", dir=path)
        os.close(fd)
        os.unlink(probe)
    except OSError as err:
        raise LivermodelError(
            f"cannot write to the output folder '{path}': {err.strerror or err}", key="--out",
            suggestion="Choose a folder you can write to with --out DIR, or fix its permissions",
        ) from None
    return path


def _output_error(path: Path, err: OSError) -> LivermodelError:
    return LivermodelError(
        f"could not write '{path}': {err.strerror or err}", key="--out",
        suggestion="Check free disk space and permissions, or choose another folder with --out",
    )


# --------------------------------------------------------------------------------------------
# provenance
# --------------------------------------------------------------------------------------------

def now_iso() -> str:
    """The current time as an ISO 8601 string in UTC, to the second."""
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def versions() -> dict[str, str | None]:
    """Versions of livermodel, Python and the dependencies (``None`` if not installed)."""
    from importlib.metadata import PackageNotFoundError, version

    from . import __version__

    out: dict[str, str | None] = {"livermodel": __version__, "python": platform.python_version()}
    for name in DEPENDENCIES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = None
    return out


def git_commit(path: str | Path | None = None) -> dict | None:
    """``{"commit": sha, "dirty": bool}`` of the git work tree holding ``path``, or ``None``.

    ``path`` defaults to the livermodel source folder, so an editable install records the commit
    of the code that ran; an installed wheel records nothing.
    """
    where = Path(path) if path is not None else Path(__file__).resolve().parent
    if shutil.which("git") is None:
        return None
    try:
        head = subprocess.run(["git", "-C", str(where), "rev-parse", "HEAD"], capture_output=True,
                              text=True, timeout=5)
        if head.returncode != 0:
            return None
        status = subprocess.run(["git", "-C", str(where), "status", "--porcelain",
                                 "--untracked-files=no", "--", "."], capture_output=True, text=True,
                                timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    return {"commit": head.stdout.strip(), "dirty": bool(status.stdout.strip())}


def command_line(argv: Sequence[str] | None = None) -> str:
    """The command line as one shell-quoted string (default: ``sys.argv``)."""
    import shlex

    argv = list(sys.argv if argv is None else argv)
    if argv:
        argv[0] = Path(argv[0]).name
    return " ".join(shlex.quote(a) for a in argv)


def provenance(result=None, scenario=None, *, command: str | None = None, started: str | None = None,
               kind: str = "run") -> dict:
    """The provenance record of an output folder (without the file hashes)."""
    from .model import VARIABLES

    record: dict = {
        "livermodel_output": FORMAT_VERSION,
        "kind": kind,
        "started": started or now_iso(),
        "finished": now_iso(),
        "command": command if command is not None else command_line(),
        "versions": versions(),
        "platform": platform.platform(),
        "git": git_commit(),
    }
    if scenario is not None:
        record["scenario"] = {
            "name": getattr(scenario, "name", None),
            "description": getattr(scenario, "description", None),
            "source": str(getattr(scenario, "source", "") or "") or None,
            "sha256": getattr(scenario, "sha256", None),
        }
    if result is not None:
        record["solver"] = result.settings.as_dict()
        record["run"] = {
            "species": getattr(result, "species", None) or getattr(scenario, "species", None),
            "duration_h": float(result.duration_h),
            "output_step_h": _step(result.time_h),
            "success": bool(result.success),
            "message": result.message,
            "parameters": {k: float(v) for k, v in result.parameters.items()},
            "events": [[float(t), kind] for t, kind in result.schedule.dose_times()],
        }
        record["units"] = {name: VARIABLES[name][0] for name in ["time_h", *result.data]
                           if name in VARIABLES}
    return record


def _step(t) -> float | None:
    t = np.asarray(t, dtype=float)
    return float(t[1] - t[0]) if t.size > 1 else None


# --------------------------------------------------------------------------------------------
# file contents
# --------------------------------------------------------------------------------------------

def timeseries_csv(result) -> str:
    """``time_h`` and every trajectory variable of ``result`` as CSV text (NaN as empty)."""
    names = ["time_h", *result.data]
    columns = [np.asarray(result.time_h, dtype=float)] + [np.asarray(result.data[n], dtype=float)
                                                            for n in result.data]
    buf = _io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(names)
    for row in zip(*columns, strict=True):
        writer.writerow(["" if not math.isfinite(v) else f"{v:.10g}" for v in row])
    return buf.getvalue()


def read_timeseries(path: str | Path) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Read a ``timeseries.csv``: ``(time_h, {variable: values})`` (empty cells as NaN)."""
    path = Path(path)
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    if not rows or not rows[0] or rows[0][0] != "time_h":
        raise LivermodelError(f"'{path}' is not a livermodel time series",
                              expected="a CSV file whose first column is time_h")
    header = rows[0]
    try:
        values = np.array([[float(c) if c != "" else np.nan for c in r] for r in rows[1:]], dtype=float)
    except ValueError:
        raise LivermodelError(f"'{path}' holds a value that is not a number",
                              suggestion="Re-create the folder with 'livermodel run'") from None
    if values.ndim != 2 or values.shape[1] != len(header):
        raise LivermodelError(f"'{path}' has rows of the wrong length",
                              suggestion="Re-create the folder with 'livermodel run'")
    return values[:, 0], {name: values[:, k] for k, name in enumerate(header) if k > 0}


def _json(obj) -> str:
    return json.dumps(obj, indent=2, allow_nan=False, default=_json_default) + "\n"


def _json_default(obj):
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"cannot write {type(obj).__name__} to JSON")


def _clean(value):
    """JSON-safe metric value (NaN/inf become null)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def metrics_dict(result) -> dict:
    """The outcome metrics of ``result`` as a JSON-safe dict."""
    return {k: _clean(v) for k, v in result.metrics().items()}


# --------------------------------------------------------------------------------------------
# writing folders
# --------------------------------------------------------------------------------------------

@dataclass
class Written:
    """What a writer produced: the folder and the files in it (relative names)."""

    folder: Path
    files: list[str] = field(default_factory=list)

    def paths(self) -> list[Path]:
        return [self.folder / f for f in self.files]


def _begin(folder: Path) -> None:
    """Remove the completeness marker before anything else is written."""
    try:
        (folder / PROVENANCE).unlink(missing_ok=True)
    except OSError as err:
        raise _output_error(folder / PROVENANCE, err) from None


def _put(folder: Path, name: str, data: str, written: Written) -> None:
    try:
        atomic_write(folder / name, data)
    except OSError as err:
        raise _output_error(folder / name, err) from None
    written.files.append(name)


def _seal(folder: Path, record: dict, written: Written) -> None:
    record["files"] = {name: sha256_file(folder / name) for name in written.files}
    _put(folder, PROVENANCE, _json(record), written)


def write_run(folder: str | Path, result, scenario=None, *, formats: str | Sequence[str] = ("png",),
              style: str = "paper", command: str | None = None, started: str | None = None,
              title: str | None = None) -> Written:
    """Write the output folder of one run (see the module docstring); returns what was written.

    ``scenario`` (a loaded scenario, optional) adds ``scenario.resolved.yaml`` and the scenario
    hash.  ``formats`` are the figure formats (empty for none).  Raises :class:`LivermodelError`
    if ``folder`` cannot be written.
    """
    formats = check_formats(formats)
    if formats:
        from .style import check_style

        check_style(style)
    folder = prepare_output_dir(folder)
    written = Written(folder)
    _begin(folder)
    _put(folder, TIMESERIES, timeseries_csv(result), written)
    _put(folder, METRICS, _json(metrics_dict(result)), written)
    if scenario is not None and hasattr(scenario, "to_yaml"):
        _put(folder, RESOLVED, scenario.to_yaml(), written)
    if formats:
        from .plots import save_figure, timecourse_figure

        name = title if title is not None else getattr(scenario, "name", None)
        fig = timecourse_figure(result, style=style, title=name)
        try:
            for path in save_figure(fig, folder / TIMECOURSE, formats):
                written.files.append(path.name)
        except OSError as err:
            raise _output_error(folder / TIMECOURSE, err) from None
    _seal(folder, provenance(result, scenario, command=command, started=started), written)
    return written


def slug(label: str) -> str:
    """A folder-safe version of an arm label."""
    s = re.sub(r"[^A-Za-z0-9._+-]+", "-", label).strip("-.")
    return s or "arm"


def metric_differences(arm: Mapping, control: Mapping) -> dict:
    """Each metric of ``arm`` minus the control's.

    Numbers give a difference; ``failed`` and ``mode`` give ``"unchanged"`` or
    ``"<control> -> <arm>"``, and so does a number that only one side has (``"never -> 100 h"``
    for a recovery time the control never reached); ``None`` when neither has one.
    """
    out = {}
    for name, a in arm.items():
        c = control.get(name)
        if isinstance(a, bool) or isinstance(c, bool) or isinstance(a, str) or isinstance(c, str):
            out[name] = "unchanged" if a == c else f"{_word(c, name)} -> {_word(a, name)}"
        elif a is None and c is None:
            out[name] = None
        elif a is None or c is None:
            out[name] = f"{_word(c, name)} -> {_word(a, name)}"
        else:
            out[name] = float(a) - float(c)
    return out


def _word(value, name: str = "") -> str:
    if value is None:
        return "never" if name == "recovery_time_h" else "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.4g} h" if name.endswith("_time_h") else f"{value:.4g}"
    return str(value)


def write_comparison(folder: str | Path, results: Sequence, labels: Sequence[str],
                     scenarios: Sequence | None = None, *, control: int | None = None,
                     formats: str | Sequence[str] = ("png",), style: str = "paper",
                     command: str | None = None, started: str | None = None,
                     title: str | None = None) -> Written:
    """Write a comparison folder (see the module docstring); returns what was written.

    ``control`` is the index of the control arm in ``results`` (or ``None``).
    """
    formats = check_formats(formats)
    if formats:
        from .style import check_style

        check_style(style)
    if len(labels) != len(results):
        raise LivermodelError(f"{len(labels)} labels for {len(results)} runs", key="--labels")
    if len(set(labels)) != len(labels):
        raise LivermodelError("two arms have the same label", key="--labels", found=", ".join(labels),
                              suggestion="Give every arm its own label with --labels")
    scenarios = list(scenarios) if scenarios is not None else [None] * len(results)
    folder = prepare_output_dir(folder)
    written = Written(folder)
    _begin(folder)
    arms = []
    used: set[str] = set()
    for res, label, sc in zip(results, labels, scenarios, strict=True):
        name, k = slug(label), 2
        while name.lower() in used:  # labels that differ only in punctuation or case
            name, k = f"{slug(label)}-{k}", k + 1
        used.add(name.lower())
        sub = Path(ARMS) / name
        inner = write_run(folder / sub, res, sc, formats=(), command=command, started=started)
        arms.append({"label": label, "folder": sub.as_posix(),
                     "scenario": getattr(sc, "name", None), "sha256": getattr(sc, "sha256", None)})
        written.files += [(sub / f).as_posix() for f in inner.files]
    table = comparison_table(results, labels, control=control)
    _put(folder, METRICS, _json(table), written)
    _put(folder, "metrics.csv", _metrics_csv(table), written)
    if formats:
        from .plots import comparison_figure, save_figure

        fig = comparison_figure(results, labels, style=style, title=title)
        try:
            for path in save_figure(fig, folder / COMPARISON, formats):
                written.files.append(path.name)
        except OSError as err:
            raise _output_error(folder / COMPARISON, err) from None
    record = provenance(None, None, command=command, started=started, kind="comparison")
    record["arms"] = arms
    record["control"] = labels[control] if control is not None else None
    _seal(folder, record, written)
    return written


def comparison_table(results: Sequence, labels: Sequence[str], *, control: int | None = None) -> dict:
    """Metrics of every arm side by side, and the differences against the control arm."""
    rows = {label: metrics_dict(r) for r, label in zip(results, labels, strict=True)}
    table: dict = {"arms": rows, "control": None, "differences": {}}
    if control is not None:
        base = labels[control]
        table["control"] = base
        table["differences"] = {label: metric_differences(m, rows[base])
                                for label, m in rows.items() if label != base}
    return table


def _metrics_csv(table: dict) -> str:
    from .metrics import METRICS as METRIC_TABLE

    buf = _io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    names = list(METRIC_TABLE)
    writer.writerow(["arm", "row", *names])
    for label, m in table["arms"].items():
        writer.writerow([label, "value", *[_cell(m.get(n)) for n in names]])
    for label, d in table["differences"].items():
        writer.writerow([label, f"minus {table['control']}", *[_cell(d.get(n)) for n in names]])
    return buf.getvalue()


def _cell(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:.6g}"
    return str(v)


# --------------------------------------------------------------------------------------------
# reading folders back
# --------------------------------------------------------------------------------------------

class EventTimes:
    """The insult and dose times of a saved run (stands in for a schedule when plotting)."""

    def __init__(self, events: Iterable):
        self.events = [(float(t), str(kind)) for t, kind in events]

    def dose_times(self) -> list[tuple[float, str]]:
        return sorted(self.events)


@dataclass
class SavedRun:
    """One run read back from its folder: enough to redraw figures and tables.

    ``run[name]`` gives a trajectory variable, as on a :class:`livermodel.simulate.Result`.
    """

    folder: Path
    time_h: np.ndarray
    data: dict[str, np.ndarray]
    metrics: dict
    parameters: dict[str, float]
    schedule: EventTimes
    duration_h: float
    success: bool
    message: str
    name: str | None
    provenance: dict

    def __getitem__(self, name: str) -> np.ndarray:
        if name == "time_h":
            return self.time_h
        try:
            return self.data[name]
        except KeyError:
            raise LivermodelError(f"'{self.folder / TIMESERIES}' has no column '{name}'",
                                  suggestion=did_you_mean(name, self.data)) from None


@dataclass
class SavedComparison:
    """A comparison folder read back: the arms, their labels and the control label."""

    folder: Path
    runs: list[SavedRun]
    labels: list[str]
    control: str | None
    table: dict
    provenance: dict


def _load_provenance(folder: Path) -> dict:
    if not folder.exists():
        raise LivermodelError(f"result folder '{folder}' does not exist",
                              suggestion="Give the folder that 'livermodel run' or 'livermodel "
                              "compare' wrote (printed at the end of the run)")
    if not folder.is_dir():
        raise LivermodelError(f"'{folder}' is a file, not a result folder",
                              suggestion="Give the folder that holds provenance.json")
    path = folder / PROVENANCE
    if not path.is_file():
        raise LivermodelError(
            f"'{folder}' is not a complete livermodel result folder: it has no {PROVENANCE}",
            suggestion="The run that wrote it was interrupted or failed, or this is another "
            "folder; run the scenario again",
        )
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise LivermodelError(f"cannot read '{path}': {err}") from None
    if not isinstance(record, dict) or record.get("livermodel_output") != FORMAT_VERSION:
        raise LivermodelError(f"'{path}' is not provenance of a livermodel output folder "
                              f"(format {FORMAT_VERSION})",
                              suggestion="Re-create the folder with this version of livermodel")
    for name, digest in record.get("files", {}).items():
        f = folder / name
        if not f.is_file():
            raise LivermodelError(f"'{f}' is missing from the result folder",
                                  suggestion="Run the scenario again to re-create the folder")
        if name.endswith((".csv", ".json", ".yaml")) and sha256_file(f) != digest:
            raise LivermodelError(
                f"'{f}' has changed since the run that wrote '{path}'",
                suggestion="The folder mixes files from different runs or was edited; run the "
                "scenario again",
            )
    return record


def read_run(folder: str | Path) -> SavedRun:
    """Read a run folder written by :func:`write_run`, checking it is complete and consistent."""
    folder = Path(folder)
    record = _load_provenance(folder)
    if record.get("kind") != "run":
        raise LivermodelError(f"'{folder}' is a {record.get('kind')} folder, not a run folder")
    time_h, data = read_timeseries(folder / TIMESERIES)
    metrics = json.loads((folder / METRICS).read_text(encoding="utf-8"))
    run = record.get("run", {})
    return SavedRun(
        folder=folder, time_h=time_h, data=data, metrics=metrics,
        parameters={k: float(v) for k, v in run.get("parameters", {}).items()},
        schedule=EventTimes(run.get("events", [])),
        duration_h=float(run.get("duration_h", time_h[-1] if time_h.size else 0.0)),
        success=bool(run.get("success", True)), message=str(run.get("message", "")),
        name=(record.get("scenario") or {}).get("name"), provenance=record,
    )


def read_results(folder: str | Path) -> SavedRun | SavedComparison:
    """Read a run or comparison folder (whichever ``folder`` is)."""
    folder = Path(folder)
    record = _load_provenance(folder)
    if record.get("kind") == "comparison":
        runs = [read_run(folder / arm["folder"]) for arm in record.get("arms", [])]
        labels = [arm["label"] for arm in record.get("arms", [])]
        table = json.loads((folder / METRICS).read_text(encoding="utf-8"))
        return SavedComparison(folder, runs, labels, record.get("control"), table, record)
    return read_run(folder)


def redraw(folder: str | Path, *, formats: str | Sequence[str] = ("png",),
           style: str = "paper") -> list[Path]:
    """Redraw the figures of a run or comparison folder from its saved files (no simulation).

    The new figures replace the old ones; ``provenance.json`` is not changed (figures are not
    hashed).  Returns the figure paths.
    """
    from .plots import comparison_figure, save_figure, timecourse_figure
    from .style import check_style

    formats = check_formats(formats)
    check_style(style)
    saved = read_results(folder)
    if isinstance(saved, SavedComparison):
        fig = comparison_figure(saved.runs, saved.labels, style=style)
        stem = saved.folder / COMPARISON
    else:
        fig = timecourse_figure(saved, style=style, title=saved.name)
        stem = saved.folder / TIMECOURSE
    try:
        return save_figure(fig, stem, formats)
    except OSError as err:
        raise _output_error(stem, err) from None
