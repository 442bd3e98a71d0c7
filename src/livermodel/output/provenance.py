"""Provenance: the record written last into every output folder (versions, solver settings,
command line, scenario hash and the SHA-256 of every file), and the names of the files in a run
folder.
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from livermodel.errors import LivermodelError

#: Format version of output folders (bump when a file changes meaning).
FORMAT_VERSION = 1


DEPENDENCIES = ("numpy", "scipy", "matplotlib", "typer", "PyYAML", "numba")

TIMESERIES = "timeseries.csv"
METRICS = "metrics.json"
RESOLVED = "scenario.resolved.yaml"
PROVENANCE = "provenance.json"
TIMECOURSE = "timecourse"
COMPARISON = "comparison"
ARMS = "arms"


def prepare_output_dir(
    path: str | Path, ident: dict | None = None, *, force: bool = False, replace: bool = True
) -> Path:
    """Create folder ``path`` (and parents) and check that files can be written into it.

    Raises :class:`LivermodelError` (key ``--out``) with what to do if it is a file, cannot be
    created, or is not writable.  With ``ident`` (see :func:`livermodel.output.folders.identity`)
    the folder rules apply: a folder holding another kind of output, another scenario or other
    overrides is refused unless ``force``; the old output is removed unless ``replace`` is false
    (see :mod:`livermodel.output.folders`).
    """
    from livermodel.files import check_name

    path = check_name(path, "--out")  # not '' (the current folder) nor 'name\n'
    if path.exists() and not path.is_dir():
        raise LivermodelError(
            f"the output path '{path}' is a file, not a folder",
            key="--out",
            suggestion="Give a folder name with --out (it is created if needed)",
        )
    missing = [p for p in [path, *path.parents] if not p.exists()][::-1]  # parents first
    try:
        path.mkdir(parents=True, exist_ok=True)
        from livermodel.output.lock import note_created

        note_created(missing)
        fd, probe = tempfile.mkstemp(prefix=".write-test.", dir=path)
        os.close(fd)
        os.unlink(probe)
    except OSError as err:
        raise LivermodelError(
            f"cannot write to the output folder '{path}': {err.strerror or err}",
            key="--out",
            suggestion="Choose a folder you can write to with --out DIR, or fix its permissions",
        ) from None
    from livermodel.output.lock import lock_folder

    lock_folder(path)  # held until the command ends: no other command writes here meanwhile
    if ident is not None:
        from livermodel.output.folders import check_folder

        check_folder(path, ident, force=force, replace=replace)
    return path


def _output_error(path: Path, err: OSError) -> LivermodelError:
    return LivermodelError(
        f"could not write '{path}': {err.strerror or err}",
        key="--out",
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

    from livermodel.version import __version__

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
    where = Path(path) if path is not None else Path(__file__).resolve().parent.parent
    if shutil.which("git") is None:
        return None
    try:
        head = subprocess.run(
            ["git", "-C", str(where), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5
        )
        if head.returncode != 0:
            return None
        status = subprocess.run(
            ["git", "-C", str(where), "status", "--porcelain", "--untracked-files=no", "--", "."],
            capture_output=True,
            text=True,
            timeout=5,
        )
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


def provenance(
    result=None,
    scenario=None,
    *,
    command: str | None = None,
    started: str | None = None,
    kind: str = "run",
    ident: dict | None = None,
) -> dict:
    """The provenance record of an output folder (without the file hashes).

    ``ident`` (kind, scenario names and ``--set`` overrides, see
    :func:`livermodel.output.folders.identity`) is recorded as ``output``.
    """
    from livermodel.model.layout import VARIABLES

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
    if ident is not None:
        record["output"] = ident
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
        record["units"] = {name: VARIABLES[name][0] for name in ["time_h", *result.data] if name in VARIABLES}
    return record


def _step(t) -> float | None:
    t = np.asarray(t, dtype=float)
    return float(t[1] - t[0]) if t.size > 1 else None


def sidecar_path(path: str | Path) -> Path:
    """``<file>.provenance.json``: where the provenance of a single-file output goes."""
    path = Path(path)
    return path.with_name(path.name + ".provenance.json")


def write_sidecar(
    path: str | Path,
    *,
    kind: str,
    scenario=None,
    overrides: Sequence[str] = (),
    command: str | None = None,
    started: str | None = None,
    extra: dict | None = None,
    others: Sequence[str | Path] = (),
) -> Path:
    """Write the provenance of the single file ``path`` next to it, as ``<file>.provenance.json``.

    The record is that of an output folder (versions, command, scenario name and hash, the
    ``--set`` values as ``output``) with ``files`` holding the SHA-256 of ``path`` (and of the
    files ``others`` written with it, such as the SBML a SED-ML file refers to).  ``scenario``
    is a loaded scenario or just its name.  Returns the sidecar's path.
    """
    from livermodel.files import atomic_write, sha256_file
    from livermodel.output.folders import identity
    from livermodel.output.tables import _json

    path = Path(path)
    name = scenario if isinstance(scenario, str) else getattr(scenario, "name", None)
    record = provenance(
        None,
        None if isinstance(scenario, str) else scenario,
        command=command,
        started=started,
        kind=kind,
        ident=identity(kind, [name], list(overrides)),
    )
    if isinstance(scenario, str):
        record["scenario"] = {"name": scenario}
    record.update(extra or {})
    record["files"] = {p.name: sha256_file(p) for p in (path, *map(Path, others))}
    out = sidecar_path(path)
    try:
        atomic_write(out, _json(record))
    except OSError as err:
        raise _output_error(out, err) from None
    return out


def output_file(path: str | Path, key: str = "--output") -> Path:
    """Check a single-file output path, creating its folder if needed: a new name or an existing
    regular file (:func:`livermodel.files.check_target_file`), never a folder or a device."""
    from livermodel.files import check_name, check_target_file

    path = check_name(path, key)  # no control characters, not empty: before anything is created
    if not path.is_dir():
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise LivermodelError(
                f"cannot create the folder '{path.parent}': {err.strerror or err}",
                key=key,
                suggestion="Choose a folder you can write to",
            ) from None
    return check_target_file(path, key)
