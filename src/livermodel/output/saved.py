"""Reading run and comparison folders back, and redrawing their figures without simulating.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from livermodel.errors import LivermodelError, did_you_mean
from livermodel.files import check_formats, sha256_file
from livermodel.output.provenance import (
    COMPARISON,
    FORMAT_VERSION,
    METRICS,
    PROVENANCE,
    TIMECOURSE,
    TIMESERIES,
    _output_error,
)
from livermodel.output.tables import read_timeseries

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

    ``run[name]`` gives a trajectory variable, as on a :class:`livermodel.solve.simulate.Result`.
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
    overrides: list[str] = field(default_factory=list)

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
    overrides = metrics.pop("overrides", None) or (record.get("output") or {}).get("overrides", [])
    metrics.pop("scenario", None)
    run = record.get("run", {})
    return SavedRun(
        folder=folder, time_h=time_h, data=data, metrics=metrics,
        parameters={k: float(v) for k, v in run.get("parameters", {}).items()},
        schedule=EventTimes(run.get("events", [])),
        duration_h=float(run.get("duration_h", time_h[-1] if time_h.size else 0.0)),
        success=bool(run.get("success", True)), message=str(run.get("message", "")),
        name=(record.get("scenario") or {}).get("name"), provenance=record,
        overrides=list(overrides or []),
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
           style: str = "paper", window_h: float | str | None = None) -> list[Path]:
    """Redraw the figures of a run or comparison folder from its saved files (no simulation).

    The new figures replace the old ones, and ``provenance.json`` lists and hashes them (with a
    ``redrawn`` entry saying when, in which formats, style and window).  ``window_h`` limits the
    time axis (hours, or ``"48h"``, ``"2d"``; ``"full"`` for the whole run); without it the
    window the folder was drawn with (``figure.window_h`` in provenance) is kept.  Returns the
    figure paths.
    """
    from livermodel.figures.style import check_style
    from livermodel.figures.timecourse import comparison_figure, save_figure, timecourse_figure
    from livermodel.figures.window import check_window

    formats = check_formats(formats)
    check_style(style)
    given = window_h is not None
    window_h = check_window(window_h)
    saved = read_results(folder)
    if not given:
        window_h = (saved.provenance.get("figure") or {}).get("window_h")
    if isinstance(saved, SavedComparison):
        from livermodel.output.folders import describe_overrides

        over = (saved.provenance.get("output") or {}).get("overrides", [])
        control = saved.labels.index(saved.control) if saved.control in saved.labels else None
        fig = comparison_figure(saved.runs, saved.labels, style=style, window_h=window_h,
                                title=describe_overrides(over) or None, control=control)
        stem = saved.folder / COMPARISON
    else:
        from livermodel.output.folders import titled

        fig = timecourse_figure(saved, style=style, title=titled(saved.name, saved.overrides),
                                window_h=window_h)
        stem = saved.folder / TIMECOURSE
    try:
        paths = save_figure(fig, stem, formats)
    except OSError as err:
        raise _output_error(stem, err) from None
    _record_figures(saved.folder, saved.provenance, paths, formats, style, window_h)
    return paths


def _record_figures(folder: Path, record: dict, paths: Sequence[Path], formats, style: str,
                    window_h: float | None = None) -> None:
    """List and hash redrawn figures in the folder's ``provenance.json`` (atomically)."""
    from livermodel.files import atomic_write
    from livermodel.output.provenance import now_iso
    from livermodel.output.tables import _json

    files = dict(record.get("files", {}))
    for p in paths:
        files[p.relative_to(folder).as_posix()] = sha256_file(p)
    record["files"] = files
    record.setdefault("redrawn", []).append({"at": now_iso(), "formats": list(formats),
                                             "style": style, "window_h": window_h})
    if window_h is None:
        record.pop("figure", None)
    else:
        record["figure"] = {"window_h": float(window_h)}
    try:
        atomic_write(folder / PROVENANCE, _json(record))
    except OSError as err:
        raise _output_error(folder / PROVENANCE, err) from None
