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
import io as _io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from livermodel.errors import LivermodelError
from livermodel.files import atomic_write, check_formats, sha256_file
from livermodel.output.folders import describe_overrides, identity, titled
from livermodel.output.provenance import (
    ARMS,
    COMPARISON,
    METRICS,
    PROVENANCE,
    RESOLVED,
    TIMECOURSE,
    TIMESERIES,
    _output_error,
    prepare_output_dir,
    provenance,
)
from livermodel.output.tables import _json, metrics_dict, timeseries_csv

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


def write_run(
    folder: str | Path,
    result,
    scenario=None,
    *,
    formats: str | Sequence[str] = ("png",),
    style: str = "paper",
    command: str | None = None,
    started: str | None = None,
    title: str | None = None,
    overrides: Sequence[str] = (),
    force: bool = False,
    _nested: bool = False,
    extra: Mapping | None = None,
    window_h: float | None = None,
) -> Written:
    """Write the output folder of one run (see the module docstring); returns what was written.

    ``extra`` entries are added to the provenance record (``run`` adds ``expectations``).

    ``scenario`` (a loaded scenario, optional) adds ``scenario.resolved.yaml`` and the scenario
    hash.  ``formats`` are the figure formats (empty for none).  ``overrides`` (the ``--set``
    values the scenario was loaded with) are named in ``metrics.json``, ``provenance.json`` and
    the figure title.  A folder holding another kind of output, another scenario or other
    overrides is refused unless ``force`` (see :mod:`livermodel.output.folders`).  ``window_h``
    limits the figure's time axis (not the saved time series; recorded in provenance as
    ``figure.window_h``, which ``livermodel plot`` reuses).  Raises :class:`LivermodelError` if
    ``folder`` cannot be written.
    """
    formats = check_formats(formats)
    if formats:
        from livermodel.figures.style import check_style

        check_style(style)
    overrides = [str(o) for o in overrides]
    name = getattr(scenario, "name", None) or (getattr(result, "info", None) or {}).get("scenario")
    ident = identity("run", [name], overrides)
    folder = prepare_output_dir(folder, None if _nested else ident, force=force)
    written = Written(folder)
    _begin(folder)
    _put(folder, TIMESERIES, timeseries_csv(result), written)
    _put(folder, METRICS, _json({**metrics_dict(result), "scenario": name, "overrides": overrides}), written)
    if scenario is not None and hasattr(scenario, "to_yaml"):
        _put(folder, RESOLVED, scenario.to_yaml(), written)
    if formats:
        from livermodel.figures.timecourse import save_figure, timecourse_figure

        fig = timecourse_figure(
            result,
            style=style,
            window_h=window_h,
            title=title if title is not None else titled(name, overrides),
        )
        try:
            for path in save_figure(fig, folder / TIMECOURSE, formats):
                written.files.append(path.name)
        except OSError as err:
            raise _output_error(folder / TIMECOURSE, err) from None
    record = provenance(result, scenario, command=command, started=started, ident=ident)
    if window_h is not None:
        record["figure"] = {"window_h": float(window_h)}
    record.update(dict(extra or {}))
    _seal(folder, record, written)
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
    out: dict[str, str | float | None] = {}
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


def write_comparison(
    folder: str | Path,
    results: Sequence,
    labels: Sequence[str],
    scenarios: Sequence | None = None,
    *,
    control: int | None = None,
    formats: str | Sequence[str] = ("png",),
    style: str = "paper",
    command: str | None = None,
    started: str | None = None,
    title: str | None = None,
    overrides: Sequence[str] = (),
    force: bool = False,
    window_h: float | None = None,
) -> Written:
    """Write a comparison folder (see the module docstring); returns what was written.

    ``control`` is the index of the control arm in ``results`` (or ``None``); ``overrides``,
    ``force`` and ``window_h`` as for :func:`write_run`.
    """
    formats = check_formats(formats)
    if formats:
        from livermodel.figures.style import check_style

        check_style(style)
    if len(labels) != len(results):
        raise LivermodelError(f"{len(labels)} labels for {len(results)} runs", key="--labels")
    if len(set(labels)) != len(labels):
        raise LivermodelError(
            "two arms have the same label",
            key="--labels",
            found=", ".join(labels),
            suggestion="Give every arm its own label with --labels",
        )
    scenarios = list(scenarios) if scenarios is not None else [None] * len(results)
    overrides = [str(o) for o in overrides]
    ident = identity(
        "comparison",
        [getattr(sc, "name", None) or lab for sc, lab in zip(scenarios, labels, strict=True)],
        overrides,
    )
    folder = prepare_output_dir(folder, ident, force=force)
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
        inner = write_run(
            folder / sub,
            res,
            sc,
            formats=(),
            command=command,
            started=started,
            overrides=overrides,
            _nested=True,
        )
        arms.append(
            {
                "label": label,
                "folder": sub.as_posix(),
                "scenario": getattr(sc, "name", None),
                "sha256": getattr(sc, "sha256", None),
            }
        )
        written.files += [(sub / f).as_posix() for f in inner.files]
    table = comparison_table(results, labels, control=control)
    _put(folder, METRICS, _json(table), written)
    _put(folder, "metrics.csv", _metrics_csv(table), written)
    if formats:
        from livermodel.figures.timecourse import comparison_figure, save_figure

        fig = comparison_figure(
            results,
            labels,
            style=style,
            window_h=window_h,
            control=control,
            title=title if title is not None else (describe_overrides(overrides) or None),
        )
        try:
            for path in save_figure(fig, folder / COMPARISON, formats):
                written.files.append(path.name)
        except OSError as err:
            raise _output_error(folder / COMPARISON, err) from None
    record = provenance(None, None, command=command, started=started, kind="comparison", ident=ident)
    record["arms"] = arms
    record["control"] = labels[control] if control is not None else None
    if window_h is not None:
        record["figure"] = {"window_h": float(window_h)}
    _seal(folder, record, written)
    return written


def comparison_table(results: Sequence, labels: Sequence[str], *, control: int | None = None) -> dict:
    """Metrics of every arm side by side, and the differences against the control arm."""
    rows = {label: metrics_dict(r) for r, label in zip(results, labels, strict=True)}
    table: dict = {"arms": rows, "control": None, "differences": {}}
    if control is not None:
        base = labels[control]
        table["control"] = base
        table["differences"] = {
            label: metric_differences(m, rows[base]) for label, m in rows.items() if label != base
        }
    return table


def _metrics_csv(table: dict) -> str:
    from livermodel.metrics import METRICS as METRIC_TABLE

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
