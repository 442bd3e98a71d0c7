"""What makes an output folder complete, and the check every reader of a folder makes.

Every command that writes a folder removes ``provenance.json`` first and writes it last, with the
SHA-256 of every file it wrote (tables, figures, trajectories).  So ``provenance.json`` is the
completeness marker:

* a folder without it was interrupted (a kill or a full disk during the tables or the figures)
  or failed: :func:`check_complete` refuses it, says what it looks like (an unfinished sweep, an
  interrupted output) and how to go on (``sweep --resume DIR``, or the same command again, which
  replaces it; ``--force`` if the folder holds something else);
* a folder whose files do not match the hashes mixes outputs or was edited: refused too.  A figure
  that is missing or changed is named as one, with ``livermodel plot DIR`` to redraw it.

``plot`` (:func:`livermodel.output.saved.redraw`), ``sweep --resume`` and the readers of run,
comparison and sweep folders (:func:`livermodel.output.saved.read_results`,
:func:`livermodel.output.sweep.read_sweep`, :func:`livermodel.output.sweep.load_trajectories`)
all go through :func:`check_complete`.
"""

from __future__ import annotations

import json
from pathlib import Path

from livermodel.errors import LivermodelError
from livermodel.files import sha256_file
from livermodel.output.provenance import FORMAT_VERSION, PROVENANCE

#: Endings of figure files (checked like every other file, but redrawn by ``livermodel plot``).
FIGURE_ENDINGS = (".png", ".svg", ".pdf")


class IncompleteFolder(LivermodelError):
    """An output folder without its completeness marker, or whose files do not match it."""


def is_figure(name: str) -> bool:
    return name.lower().endswith(FIGURE_ENDINGS)


def check_complete(folder: str | Path, *, figures: bool = True, key: str | None = None) -> dict:
    """The provenance record of the complete output folder ``folder``.

    Raises :class:`IncompleteFolder` if ``provenance.json`` is missing, unreadable or of another
    format, or if a file it lists is missing or does not match its SHA-256 (figures too, unless
    ``figures`` is false: :func:`~livermodel.output.saved.redraw` checks them itself, because it
    redraws them).  ``key`` is the option that named the folder, for the message.
    """
    folder = Path(folder)
    if not folder.exists():
        raise LivermodelError(
            f"the output folder '{folder}' does not exist",
            key=key,
            suggestion="Give the folder the command wrote (printed at its end)",
        )
    if not folder.is_dir():
        raise LivermodelError(
            f"'{folder}' is a file, not an output folder",
            key=key,
            suggestion="Give the folder that holds provenance.json",
        )
    path = folder / PROVENANCE
    if not path.is_file():
        raise incomplete(folder, key)
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise IncompleteFolder(
            f"cannot read '{path}': {err}", key=key, suggestion="Run the command that wrote the folder again"
        ) from None
    if (
        not isinstance(record, dict)
        or record.get("livermodel_output") != FORMAT_VERSION
        or not isinstance(record.get("files", {}), dict)
    ):
        raise IncompleteFolder(
            f"'{path}' is not provenance of a livermodel output folder (format {FORMAT_VERSION})",
            key=key,
            suggestion="Re-create the folder with this version of livermodel",
        )
    for name, digest in record.get("files", {}).items():
        if not figures and is_figure(name):
            continue
        why = file_problem(folder, name, digest)
        if why is not None:
            raise IncompleteFolder(
                f"'{folder / name}' {why}", key=key, suggestion=_redo(folder, name, record)
            )
    return record


def file_problem(folder: Path, name: str, digest) -> str | None:
    """Why the file ``name`` of ``folder`` does not match its provenance entry, or ``None``."""
    f = folder / name
    base = folder.resolve()
    try:
        inside = base in f.resolve().parents
    except OSError:
        inside = False
    if not inside:
        return "is named in provenance.json but lies outside the folder"
    if not f.is_file():
        return "is missing from the output folder (provenance.json lists it)"
    try:
        if sha256_file(f) != digest:
            return "has changed since provenance.json was written (the folder mixes outputs or was edited)"
    except OSError as err:
        return f"cannot be read: {err.strerror or err}"
    return None


def _redo(folder: Path, name: str, record: dict) -> str:
    kind = record.get("kind")
    if is_figure(name) and kind in ("run", "comparison", "sweep"):
        return f"Redraw the figures with: livermodel plot {folder} --format {name.rsplit('.', 1)[1]}"
    if kind == "sweep":
        return f"Run the sweep again with --out {folder} --force (it replaces the folder's sweep)"
    return f"Run the command that wrote it again (it replaces the {kind or 'old'} output in the folder)"


def incomplete(folder: Path, key: str | None = None) -> IncompleteFolder:
    """The refusal of a folder without ``provenance.json``, with the way forward."""
    from livermodel.studies.sweep.plan import PLAN, TABLE

    if (folder / PLAN).is_file():
        where = " after its table was written (during the figures)" if (folder / TABLE).is_file() else ""
        return IncompleteFolder(
            f"'{folder}' holds an unfinished sweep: it has no {PROVENANCE} (written last), so the "
            f"sweep was interrupted{where} or failed",
            key=key,
            suggestion=f"Finish it with: livermodel sweep --resume {folder} (finished chunks are "
            "kept), or start again there with --force",
        )
    return IncompleteFolder(
        f"'{folder}' is not a complete livermodel output folder: it has no {PROVENANCE} (written "
        "last, so the command that wrote it was interrupted or failed, or this is another folder)",
        key=key,
        suggestion="Run that command again with the same --out: it replaces the "
        "incomplete output (add --force if it is refused)",
    )
