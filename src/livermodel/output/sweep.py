"""Sweep folders: running a plan into a resumable folder (chunks, ``metrics.csv``, trajectories,
figures, ``provenance.json`` last), resuming it, and reading it back.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from livermodel.errors import ExecutionError, LivermodelError, did_you_mean
from livermodel.studies.sweep.execute import _execute, _tasks
from livermodel.studies.sweep.plan import (
    CHUNKS,
    EXECUTORS,
    PLAN,
    PLAN_FORMAT,
    STATUS_OK,
    TABLE,
    TRAJECTORIES,
    Plan,
    _check_trajectories,
    plan_sweep,
    zip_,
)
from livermodel.studies.sweep.table import _cell, _chunk_csv, _convert, _header, read_table

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
    #: what happened on the way that a user should hear (chunks recomputed on resume, ...)
    notes: list[str] = field(default_factory=list)
    #: a finished sweep given to ``resume``: nothing was run
    already_complete: bool = False
    _rows: list[dict] | None = None
    _traj: tuple | None = None

    @property
    def rows(self) -> list[dict]:
        if self._rows is None:
            assert self.folder is not None, "a sweep result without rows is read from its folder"
            self._rows = read_table(self.folder / TABLE)
        return self._rows

    def column(self, name: str) -> np.ndarray:
        """One column of the table as an array (floats, with ``None`` as NaN, where possible)."""
        if self.rows and name not in self.rows[0]:
            raise LivermodelError(
                f"the sweep table has no column '{name}'", suggestion=did_you_mean(name, list(self.rows[0]))
            )
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
                raise LivermodelError(
                    "this sweep kept no trajectories", suggestion="Pass save_trajectories=[...] to run_sweep"
                )
            t, data, _ = load_trajectories(self.folder, check=False)
            self._traj = (t, data)
        return self._traj

    def to_pandas(self):
        """The table as a :class:`pandas.DataFrame` (needs pandas)."""
        import pandas as pd

        return pd.DataFrame(self.rows)


def read_sweep(folder: str | Path, *, verified: bool = False) -> SweepResult:
    """The finished sweep in ``folder``: its plan and table (read when first used).

    The folder must be complete: ``provenance.json`` present and every file matching its hash
    (:func:`livermodel.output.complete.check_complete`; ``verified`` if the caller has checked).
    An unfinished sweep is refused with ``livermodel sweep --resume DIR`` as the way forward.
    """
    from livermodel.output.complete import check_complete

    folder = Path(folder)
    record = None if verified else check_complete(folder)
    if record is not None and record.get("kind") != "sweep":
        raise LivermodelError(f"'{folder}' is a {record.get('kind')} folder, not a sweep folder")
    plan, _ = load_plan(folder)
    files = list((record or {}).get("files", {}))
    return SweepResult(plan, folder, files, 0.0, plan.n_runs)


def load_trajectories(folder: str | Path, variables: Sequence[str] | None = None, *, check: bool = True):
    """Read the trajectories a sweep saved (``--save-trajectories``).

    Returns ``(time_h, {variable: float32 array (n_runs, n_times)}, runs)`` where ``runs`` are the
    run numbers of the rows (all runs, in order, for a finished sweep; the rows of ``metrics.csv``
    with the same ``run``).  Runs that failed hold NaN.  Each ``trajectories/part-NNNNNN.npz`` is
    an ordinary NumPy archive with arrays ``run``, ``time_h`` and one per variable, so
    ``numpy.load`` reads it without livermodel.  The folder must be a finished sweep whose files
    match their hashes in ``provenance.json`` (unless ``check`` is false: a sweep's own figures,
    drawn before provenance is written).
    """
    folder = Path(folder)
    if check:
        read_sweep(folder)
    parts = sorted((folder / TRAJECTORIES).glob("part-*.npz"))
    if not parts:
        raise LivermodelError(
            f"'{folder}' holds no saved trajectories",
            suggestion="Run the sweep with --save-trajectories VAR,...",
        )
    runs, time_h = [], None
    data: dict[str, list[np.ndarray]] = {}
    for p in parts:
        with np.load(p) as z:
            runs.append(z["run"])
            time_h = z["time_h"] if time_h is None else time_h
            names = [k for k in z.files if k not in ("run", "time_h")]
            for v in variables or names:
                if v not in z.files:
                    raise LivermodelError(
                        f"no saved trajectory of '{v}'",
                        expected=", ".join(names),
                        suggestion=did_you_mean(v, names),
                    )
                data.setdefault(v, []).append(z[v])
    run = np.concatenate(runs)
    order = np.argsort(run, kind="stable")
    return time_h, {v: np.concatenate(a)[order] for v, a in data.items()}, run[order]


# --------------------------------------------------------------------------------------------
# running a plan
# --------------------------------------------------------------------------------------------


def _plan_record(plan: Plan, trajectories: Sequence[str]) -> dict:
    rec = plan.to_dict()
    rec["save_trajectories"] = list(trajectories)
    return rec


def load_plan(folder: str | Path) -> tuple[Plan, dict]:
    """The plan of the sweep folder ``folder`` (from its ``plan.json``) and the raw record."""
    from livermodel.scenario.scenario import build_scenario

    folder = Path(folder)
    path = folder / PLAN
    if not path.is_file():
        raise LivermodelError(
            f"'{folder}' is not a sweep folder: it has no {PLAN}",
            key="--resume",
            suggestion="Give the --out folder of the interrupted sweep",
        )
    try:
        rec = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise LivermodelError(f"cannot read '{path}': {err}", key="--resume") from None
    if not isinstance(rec, dict) or rec.get("livermodel_sweep") != PLAN_FORMAT:
        raise LivermodelError(
            f"'{path}' is not a livermodel sweep plan (format {PLAN_FORMAT})", key="--resume"
        )
    sc = build_scenario(
        rec["scenario"], source=rec.get("scenario_source") or "<scenario>", name=rec["scenario_name"]
    )
    plan = plan_sweep(
        sc,
        rec["vary"],
        zip=rec["zip"],
        design=rec["design"],
        samples=rec["samples"],
        seed=rec["seed"],
        chunk_size=rec["chunk_size"],
        metric=rec["metric"],
    )
    if plan.n_runs != rec["n_runs"]:  # pragma: no cover - would need a changed sampler
        raise LivermodelError(f"the plan in '{path}' no longer gives {rec['n_runs']} runs", key="--resume")
    return plan, rec


def _same_plan(a: dict, b: dict) -> bool:
    keys = ("scenario_sha256", "vary", "design", "zip", "samples", "seed", "chunk_size", "n_runs")
    return all(a.get(k) == b.get(k) for k in keys)


def _check_name(k: int) -> str:
    return f"check-{k:06d}.json"


def _write_check(folder: Path, k: int, traj: Sequence[str]) -> None:
    """Record chunk ``k``'s hashes and right-hand side, after its files are written."""
    from livermodel.files import atomic_write, sha256_file
    from livermodel.output.tables import _json
    from livermodel.solve.compiled import description

    rec = {"metrics": sha256_file(folder / CHUNKS / f"metrics-{k:06d}.csv"), "right_hand_side": description()}
    if traj:
        rec["trajectories"] = sha256_file(folder / TRAJECTORIES / f"part-{k:06d}.npz")
    atomic_write(folder / CHUNKS / _check_name(k), _json(rec))


def _verified(folder: Path, k: int, traj: Sequence[str]) -> str | None:
    """``None`` if chunk ``k`` matches the hashes recorded when it was written, else why not."""
    from livermodel.files import sha256_file
    from livermodel.solve.compiled import description

    try:
        rec = json.loads((folder / CHUNKS / _check_name(k)).read_text(encoding="utf-8"))
        if not isinstance(rec, dict):
            raise ValueError
    except (OSError, ValueError):
        return "no record of its hash"
    if rec.get("right_hand_side") != description():
        raise LivermodelError(
            f"chunk {k} of the sweep in '{folder}' was computed with another right-hand side "
            f"({rec.get('right_hand_side')}); this process uses {description()}",
            key="--resume",
            suggestion="Resume with the same LIVERMODEL_COMPILED setting and numba as before, "
            "or start the sweep again in another --out folder",
        )
    try:
        if sha256_file(folder / CHUNKS / f"metrics-{k:06d}.csv") != rec.get("metrics"):
            return "its table does not match the hash recorded when it was written"
        if traj and sha256_file(folder / TRAJECTORIES / f"part-{k:06d}.npz") != rec.get("trajectories"):
            return "its trajectories do not match the hash recorded when they were written"
    except OSError:
        return "a file of it cannot be read"
    return None


def _done_chunks(
    plan: Plan, folder: Path, trajectories: Sequence[str], notes: list[str] | None = None
) -> set[int]:
    """Chunks already on disk whose files match their recorded hashes and whose rows match the
    plan (checked value by value); a chunk that fails the hash check is set aside to be
    recomputed, with a note in ``notes``."""
    done = set()
    chunks = plan.chunks()
    for path in sorted((folder / CHUNKS).glob("metrics-*.csv")):
        m = re.fullmatch(r"metrics-(\d+)\.csv", path.name)
        if not m or int(m.group(1)) >= len(chunks):
            continue
        k = int(m.group(1))
        if trajectories and not (folder / TRAJECTORIES / f"part-{k:06d}.npz").is_file():
            continue
        why = _verified(folder, k, trajectories)
        if why is not None:
            if notes is not None:
                notes.append(f"chunk {k} ({path.name}) is recomputed: {why}")
            path.unlink(missing_ok=True)
            continue
        rows = read_table(path)
        expect = list(chunks[k])
        if [r["run"] for r in rows] != expect:
            raise LivermodelError(f"'{path}' does not belong to this sweep's plan", key="--resume")
        for r in rows:
            point = plan.point(r["run"])
            for key in plan.keys:
                if _cell(point[key]) != _cell(r[key]):
                    raise LivermodelError(
                        f"'{path}' holds other values of {key} than the plan",
                        key="--resume",
                        suggestion="Start a new sweep in another --out folder",
                    )
        done.add(k)
    return done


def run_sweep(
    plan: Plan,
    out_dir: str | Path | None = None,
    *,
    jobs: int = 1,
    executor: str = "local",
    scheduler=None,
    save_trajectories: Sequence[str] = (),
    resume: bool = False,
    progress: Callable[[int, int], None] | None = None,
    formats: str | Sequence[str] = ("png",),
    style: str = "paper",
    metric: str | None = None,
    command: str | None = None,
    max_chunks: int | None = None,
    overrides: Sequence[str] = (),
    force: bool = False,
    window_h: float | None = None,
) -> SweepResult:
    """Run ``plan``; returns a :class:`SweepResult`.

    With ``out_dir`` every finished chunk is written at once and the folder ends with
    ``metrics.csv``, ``plan.json``, ``scenario.resolved.yaml``, the figures (``formats``; empty
    for none) and ``provenance.json`` (last).  Without it, rows stay in memory and nothing is
    written.  ``jobs`` worker processes (``executor="local"``) or a Dask cluster
    (``executor="dask"``, ``scheduler`` an address or a ``distributed.Client``) run the chunks.
    ``resume`` continues the sweep already in ``out_dir`` (same plan) without redoing finished
    chunks.  ``progress(runs_done, runs_total)`` is called after each chunk.  ``max_chunks``
    stops after that many new chunks (the sweep is then left unfinished, as if interrupted).
    A folder that holds another sweep is refused unless ``resume``; a folder holding another
    kind of output or another scenario too (see :mod:`livermodel.output.folders`), unless
    ``force``, which replaces it.  ``overrides`` (the ``--set`` values of the plan's scenario) are
    recorded in ``plan.json`` and ``provenance.json``.  ``window_h`` limits the time axis of the
    trajectories figure.
    """
    from livermodel.files import check_formats
    from livermodel.output.provenance import prepare_output_dir

    if executor not in EXECUTORS:
        raise LivermodelError(
            f"unknown executor '{executor}'",
            key="--executor",
            expected=f"one of {', '.join(EXECUTORS)}",
            found=repr(executor),
            suggestion=did_you_mean(executor, EXECUTORS),
        )
    if isinstance(jobs, bool) or int(jobs) < 1:
        raise LivermodelError("--jobs must be at least 1", key="--jobs", found=repr(jobs))
    from livermodel.studies.sweep.execute import cap_jobs

    jobs, capped = cap_jobs(int(jobs))
    if capped:
        import warnings

        warnings.warn(capped, UserWarning, stacklevel=2)
    traj = _check_trajectories(plan, save_trajectories)
    formats = check_formats(formats) if out_dir is not None else []
    if formats:
        from livermodel.figures.style import check_style

        check_style(style)
    metric = metric or plan.metric
    from livermodel.metrics import METRICS

    if metric not in METRICS:
        raise LivermodelError(
            f"unknown metric '{metric}'",
            key="--metric",
            expected=f"one of {', '.join(METRICS)}",
            found=repr(metric),
            suggestion=did_you_mean(metric, METRICS),
        )
    started = time.perf_counter()
    from livermodel.output.provenance import now_iso

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

        todo: Sequence[int] = (
            range(plan.n_chunks) if max_chunks is None else range(min(max_chunks, plan.n_chunks))
        )
        _execute(
            _tasks(plan, todo, traj),
            keep,
            jobs=jobs,
            executor=executor,
            scheduler=scheduler,
            chunk_runs=plan.chunk_size,
        )
        numeric = {s.key for s in plan.specs if s.numeric}
        table = []
        for i in sorted(rows):
            cells = [str(i), *[_cell(plan.point(i)[k]) for k in plan.keys], *[_cell(c) for c in rows[i]]]
            table.append({n: _convert(n, c, numeric) for n, c in zip_(_header(plan), cells)})
        result = SweepResult(plan, None, [], time.perf_counter() - started, len(rows), _rows=table)
        if traj and trajs:
            outs = [trajs[k] for k in sorted(trajs)]
            result._traj = (
                outs[0]["time_h"],
                {v: np.concatenate([o["trajectories"][v] for o in outs]) for v in traj},
            )
        return result

    from livermodel.output.folders import check_folder, identity

    folder = prepare_output_dir(out_dir)
    record = _plan_record(plan, traj)
    overrides = [str(o) for o in overrides]
    if resume and (folder / PLAN).is_file():
        with contextlib.suppress(OSError, ValueError):
            overrides = list(
                json.loads((folder / PLAN).read_text(encoding="utf-8")).get("overrides", overrides)
            )
    record["overrides"] = overrides
    ident = identity("sweep", [plan.scenario.name], overrides)
    plan_path = folder / PLAN
    if not resume and (force or not plan_path.exists()):
        check_folder(folder, ident, force=force)
    if plan_path.exists():
        if not resume:
            raise LivermodelError(
                f"'{folder}' already holds a sweep",
                key="--out",
                suggestion="Continue it with --resume DIR, choose another "
                "--out folder, or add --force to replace it",
            )
        _, old = load_plan(folder)
        if not _same_plan(old, record) or old.get("save_trajectories", []) != traj:
            raise LivermodelError(
                f"the sweep in '{folder}' has another plan than the one given",
                key="--resume",
                suggestion="Resume with the same scenario, "
                "--vary, design, --samples, --seed and --save-trajectories, or "
                "give only --resume DIR",
            )
    elif resume and any(folder.iterdir()):
        raise LivermodelError(f"'{folder}' holds no sweep to resume (no {PLAN})", key="--resume")
    if resume and (folder / "provenance.json").is_file():  # finished: checked, never redone
        finished = read_sweep(folder)  # a changed file is refused, with what to do
        _drop_chunks(folder)  # left by a kill between provenance.json and their removal
        finished.already_complete = True
        return finished
    from livermodel.output.provenance import RESOLVED
    from livermodel.output.runs import Written, _begin, _put
    from livermodel.output.tables import _json

    _clean_stale(folder)  # left by a killed command; this one holds the folder's lock
    fresh = not plan_path.exists()
    written = Written(folder)
    _begin(folder)
    _put(folder, PLAN, _json(record), written)
    _put(folder, RESOLVED, plan.scenario.to_yaml(), written)
    (folder / CHUNKS).mkdir(exist_ok=True)
    if traj:
        (folder / TRAJECTORIES).mkdir(exist_ok=True)
    notes: list[str] = []
    done = _done_chunks(plan, folder, traj, notes)
    chunks = plan.chunks()
    done_runs = sum(len(chunks[k]) for k in done)
    todo = [k for k in range(plan.n_chunks) if k not in done]
    if max_chunks is not None:
        todo = todo[:max_chunks]
    state = {"runs": done_runs, "stored": 0}
    if progress:
        progress(done_runs, total)

    def store(out):
        k = out["index"]
        if traj:
            _write_npz(folder / TRAJECTORIES / f"part-{k:06d}.npz", out)
        from livermodel.files import atomic_write

        atomic_write(folder / CHUNKS / f"metrics-{k:06d}.csv", _chunk_csv(plan, out))
        _write_check(folder, k, traj)
        state["stored"] += 1
        state["runs"] += len(out["runs"])
        if progress:
            progress(state["runs"], total)

    try:
        _execute(
            _tasks(plan, todo, traj),
            store,
            jobs=jobs,
            executor=executor,
            scheduler=scheduler,
            chunk_runs=plan.chunk_size,
        )
    except LivermodelError as err:
        nothing = fresh and not done and not state["stored"]
        if nothing:
            _unstart(folder)  # nothing ran: the same command can simply be run again
        if isinstance(err, ExecutionError):
            kept = len(done) + state["stored"]
            raise ExecutionError(
                err.message,
                key=err.key,
                suggestion=(
                    "No chunk had finished; restart the cluster and run the same command again"
                    if nothing
                    else f"{kept} of {plan.n_chunks} chunks are kept; restart the cluster "
                    f"and finish with: livermodel sweep --resume {folder}"
                ),
            ) from None
        raise
    except OSError as err:
        raise LivermodelError(
            f"could not write the sweep into '{folder}': {err.strerror or err}",
            key="--out",
            suggestion="Free some disk space (or fix permissions), then finish "
            f"it with --resume {folder}; finished chunks are kept",
        ) from None
    if len(done) + len(todo) < plan.n_chunks:
        # stopped early on purpose: the folder stays resumable, with no metrics.csv yet
        return SweepResult(
            plan, folder, list(written.files), time.perf_counter() - started, state["runs"], notes=notes
        )
    _assemble(folder, plan)
    written.files.append(TABLE)
    if traj:
        parts = (folder / TRAJECTORIES).glob("part-*.npz")
        written.files += sorted(f"{TRAJECTORIES}/{p.name}" for p in parts)
    result = SweepResult(plan, folder, [], 0.0, total, notes=notes)
    if formats:
        from livermodel.figures.sweep import draw_sweep_figures

        for path in draw_sweep_figures(
            result,
            folder,
            formats=formats,
            style=style,
            metric=metric,
            window_h=window_h,
            overrides=overrides,
        ):
            written.files.append(path.name)
    result.elapsed_s = time.perf_counter() - started
    _seal_sweep(
        folder,
        plan,
        written,
        result,
        command=command,
        started=started_iso,
        jobs=jobs,
        executor=executor,
        traj=traj,
        ident=ident,
        metric=metric,
    )
    _drop_chunks(folder)
    result.files = list(written.files)
    return result


def _drop_chunks(folder: Path) -> None:
    """Remove the chunk files of a sealed sweep (its table holds their rows)."""
    for p in [*(folder / CHUNKS).glob("metrics-*.csv"), *(folder / CHUNKS).glob("check-*.json")]:
        p.unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        (folder / CHUNKS).rmdir()


def _clean_stale(folder: Path) -> None:
    """Remove temporary files (``.NAME.XXXX.tmp``) that a killed command left behind."""
    for sub in (folder, folder / CHUNKS, folder / TRAJECTORIES):
        if sub.is_dir():
            for p in sub.glob(".*.tmp"):
                with contextlib.suppress(OSError):
                    p.unlink()


def _unstart(folder: Path) -> None:
    """Undo the start of a sweep that ran nothing (its plan, resolved scenario, empty folders)."""
    from livermodel.output.provenance import RESOLVED

    for name in (PLAN, RESOLVED):
        (folder / name).unlink(missing_ok=True)
    for sub in (CHUNKS, TRAJECTORIES):
        with contextlib.suppress(OSError):
            (folder / sub).rmdir()


def _write_npz(path: Path, out: dict) -> None:
    from livermodel.files import atomic_path

    arrays = {"run": np.asarray(out["runs"], dtype=np.int64), "time_h": out["time_h"], **out["trajectories"]}
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            np.savez_compressed(fh, **arrays)


def _assemble(folder: Path, plan: Plan) -> None:
    """Concatenate the chunk files into ``metrics.csv`` in run order (streamed, atomic)."""
    from livermodel.files import atomic_path

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


def _seal_sweep(
    folder, plan, written, result, *, command, started, jobs, executor, traj, ident=None, metric=None
):
    from livermodel.output.provenance import provenance
    from livermodel.output.runs import _seal

    record = provenance(None, plan.scenario, command=command, started=started, kind="sweep", ident=ident)
    from livermodel.solve.compiled import description

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
        "runs": plan.n_runs,
        "failed": failed,
        "design": plan.design,
        "zip": plan.zip,
        "samples": plan.samples,
        "seed": plan.seed,
        "vary": {s.key: s.text for s in plan.specs},
        "units": plan.units(),
        "chunk_size": plan.chunk_size,
        "chunks": plan.n_chunks,
        "jobs": jobs,
        "executor": executor,
        "save_trajectories": list(traj),
        "elapsed_s": round(result.elapsed_s, 3),
        "warnings": plan.warnings,
        "metric": metric,
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
