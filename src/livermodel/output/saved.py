"""Reading run and comparison folders back, and redrawing their figures without simulating."""

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
            raise LivermodelError(
                f"'{self.folder / TIMESERIES}' has no column '{name}'",
                suggestion=did_you_mean(name, self.data),
            ) from None


@dataclass
class SavedComparison:
    """A comparison folder read back: the arms, their labels and the control label."""

    folder: Path
    runs: list[SavedRun]
    labels: list[str]
    control: str | None
    table: dict
    provenance: dict


def _load_provenance(folder: Path, *, figures: bool = True) -> dict:
    from livermodel.output.complete import check_complete

    return check_complete(folder, figures=figures)


def read_run(folder: str | Path, *, figures: bool = True) -> SavedRun:
    """Read a run folder written by :func:`write_run`, checking it is complete and consistent
    (its figures too, unless ``figures`` is false)."""
    folder = Path(folder)
    record = _load_provenance(folder, figures=figures)
    if record.get("kind") != "run":
        raise LivermodelError(f"'{folder}' is a {record.get('kind')} folder, not a run folder")
    time_h, data = read_timeseries(folder / TIMESERIES)
    metrics = json.loads((folder / METRICS).read_text(encoding="utf-8"))
    overrides = metrics.pop("overrides", None) or (record.get("output") or {}).get("overrides", [])
    metrics.pop("scenario", None)
    run = record.get("run", {})
    return SavedRun(
        folder=folder,
        time_h=time_h,
        data=data,
        metrics=metrics,
        parameters={k: float(v) for k, v in run.get("parameters", {}).items()},
        schedule=EventTimes(run.get("events", [])),
        duration_h=float(run.get("duration_h", time_h[-1] if time_h.size else 0.0)),
        success=bool(run.get("success", True)),
        message=str(run.get("message", "")),
        name=(record.get("scenario") or {}).get("name"),
        provenance=record,
        overrides=list(overrides or []),
    )


def read_results(folder: str | Path, *, figures: bool = True) -> SavedRun | SavedComparison:
    """Read a run or comparison folder (whichever ``folder`` is), checking that it is complete
    and that every file matches its hash (figures too, unless ``figures`` is false)."""
    folder = Path(folder)
    record = _load_provenance(folder, figures=figures)
    if record.get("kind") == "comparison":
        runs = [read_run(folder / arm["folder"], figures=figures) for arm in record.get("arms", [])]
        labels = [arm["label"] for arm in record.get("arms", [])]
        table = json.loads((folder / METRICS).read_text(encoding="utf-8"))
        return SavedComparison(folder, runs, labels, record.get("control"), table, record)
    if record.get("kind") != "run":
        raise LivermodelError(f"'{folder}' is a {record.get('kind')} folder, not a run or comparison folder")
    return read_run(folder, figures=figures)


def redraw(
    folder: str | Path,
    *,
    formats: str | Sequence[str] = ("png",),
    style: str = "paper",
    window_h: float | str | None = None,
    metric: str | None = None,
) -> list[Path]:
    """Redraw the figures of a run, comparison or sweep folder from its saved files (no
    simulation).

    The folder must be complete (:func:`livermodel.output.complete.check_complete`; its figures
    may be missing or changed: a listed figure that is is redrawn too, in its format).  The new
    figures replace the old ones, and ``provenance.json`` is rewritten atomically, last, listing
    and hashing every file of the folder (with a ``redrawn`` entry saying when, in which formats,
    style and window).  ``window_h`` limits the time axis (hours, or ``"48h"``, ``"2d"``;
    ``"full"`` for the whole run); without it the window the folder was drawn with
    (``figure.window_h`` in provenance) is kept.  ``metric`` is the metric of a sweep's figures
    (default: the sweep's).  Returns the figure paths.
    """
    from livermodel.figures.style import check_style
    from livermodel.figures.window import check_window
    from livermodel.output.complete import file_problem, is_figure
    from livermodel.output.lock import lock_folder

    formats = check_formats(formats)
    check_style(style)
    given = window_h is not None
    window_h = check_window(window_h)
    if metric is not None:
        from livermodel.studies.common import check_metric

        check_metric(metric)
    folder = Path(folder)
    if folder.is_dir():
        lock_folder(folder)  # no other command writes here while the figures are replaced
    record = _load_provenance(folder, figures=False)  # data files checked; figures redrawn
    if not given:
        window_h = (record.get("figure") or {}).get("window_h")
    stale = [
        name
        for name, digest in record.get("files", {}).items()
        if is_figure(name) and "/" not in name and file_problem(folder, name, digest)
    ]
    todo = list(dict.fromkeys([*formats, *[n.rsplit(".", 1)[1].lower() for n in stale]]))
    if not todo:
        return []
    kind = record.get("kind")
    try:
        if kind == "sweep":
            paths = _redraw_sweep(
                folder,
                todo,
                style,
                metric or (record.get("sweep") or {}).get("metric"),
                window_h,
                record.get("overrides") or [],
            )
        else:
            paths = _redraw_run(folder, todo, style, window_h)
    except OSError as err:
        raise _output_error(folder, err) from None
    _record_figures(folder, record, paths, formats, style, stale, window_h)
    return paths


def _redraw_run(folder: Path, formats: list[str], style: str, window_h: float | None) -> list[Path]:
    from livermodel.figures.timecourse import comparison_figure, save_figure, timecourse_figure

    saved = read_results(folder, figures=False)
    if isinstance(saved, SavedComparison):
        from livermodel.output.folders import describe_overrides

        over = (saved.provenance.get("output") or {}).get("overrides", [])
        control = saved.labels.index(saved.control) if saved.control in saved.labels else None
        fig = comparison_figure(
            saved.runs,
            saved.labels,
            style=style,
            window_h=window_h,
            title=describe_overrides(over) or None,
            control=control,
        )
        stem = saved.folder / COMPARISON
    else:
        from livermodel.output.folders import titled

        fig = timecourse_figure(
            saved, style=style, title=titled(saved.name, saved.overrides), window_h=window_h
        )
        stem = saved.folder / TIMECOURSE
    return save_figure(fig, stem, formats)


def _redraw_sweep(
    folder: Path,
    formats: list[str],
    style: str,
    metric: str | None,
    window_h: float | None,
    overrides: Sequence[str],
) -> list[Path]:
    from livermodel.figures.sweep import draw_sweep_figures
    from livermodel.output.sweep import read_sweep
    from livermodel.studies.common import check_metric

    result = read_sweep(folder, verified=True)
    metric = check_metric(metric or result.plan.metric)
    return draw_sweep_figures(
        result, folder, formats=formats, style=style, metric=metric, window_h=window_h, overrides=overrides
    )


def _record_figures(
    folder: Path,
    record: dict,
    paths: Sequence[Path],
    formats,
    style: str,
    stale: Sequence[str] = (),
    window_h: float | None = None,
) -> None:
    """List and hash redrawn figures in the folder's ``provenance.json`` (atomically)."""
    from livermodel.files import atomic_write
    from livermodel.output.provenance import now_iso
    from livermodel.output.tables import _json

    files = dict(record.get("files", {}))
    for p in paths:
        files[p.relative_to(folder).as_posix()] = sha256_file(p)
    record["files"] = files
    entry: dict[str, object] = {"at": now_iso(), "formats": list(formats), "style": style}
    if stale:
        entry["replaced_stale"] = sorted(stale)
    record.setdefault("redrawn", []).append(entry)
    entry["window_h"] = window_h
    if window_h is None:
        record.pop("figure", None)
    else:
        record["figure"] = {"window_h": float(window_h)}
    try:
        atomic_write(folder / PROVENANCE, _json(record))
    except OSError as err:
        raise _output_error(folder / PROVENANCE, err) from None
