"""The folder rules: what an output folder already holds, whether a new output may replace it,
and the default folder name of a scenario with ``--set`` overrides.

Every output folder names what made it in ``provenance.json``: its ``kind`` (run, comparison,
sweep, threshold, ...), the scenario(s) and the ``--set`` overrides.  A command writing into a
folder that already holds output

* of the same kind, scenario and overrides: replaces it (the files the old provenance lists are
  removed first, so nothing stale is left);
* of another kind, another scenario or other overrides, an unfinished sweep, or files livermodel
  did not write: refuses, and says so (exit 2), unless ``force``;
* with ``force``: removes the old output's files (those its provenance lists, and an unfinished
  sweep's chunks) and writes the new one; files livermodel did not write are left alone.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Iterable, Sequence
from pathlib import Path

from livermodel.errors import LivermodelError
from livermodel.scenario.overrides import describe_overrides  # noqa: F401  (named here too)

RESULTS_DIR = Path("results")

#: Names each kind of folder may hold while its provenance.json is missing (an interrupted write).
_KNOWN = {
    "run": ("timeseries.csv", "metrics.json", "scenario.resolved.yaml", "timecourse."),
    "comparison": ("metrics.json", "metrics.csv", "comparison.", "arms"),
    "sweep": (
        "plan.json",
        "scenario.resolved.yaml",
        "chunks",
        "trajectories",
        "metrics.csv",
        "response.",
        "map.",
        "timing-map.",
        "trajectories.",
    ),
    "threshold": ("threshold",),
    "sensitivity": ("sensitivity",),
    "cohort": ("cohort", "individuals.csv"),
    "fit": ("fit", "-calibrated.yaml"),
}


def override_tag(overrides: Iterable[str]) -> str | None:
    """A short, stable tag of a list of ``--set`` overrides (``set-1a2b3c``), or ``None``."""
    items = [str(o).strip() for o in overrides if str(o).strip()]
    if not items:
        return None
    return "set-" + hashlib.sha256("\n".join(items).encode()).hexdigest()[:6]


def default_folder(name: str, overrides: Iterable[str] = (), suffix: str = "") -> Path:
    """``results/<name>[-set-<hash>]<suffix>``: the default folder of a scenario and its overrides.

    Two runs of one scenario with different ``--set`` values get different folders; the same
    overrides always give the same one.
    """
    tag = override_tag(overrides)
    return RESULTS_DIR / (f"{name}-{tag}{suffix}" if tag else f"{name}{suffix}")


def titled(name: str | None, overrides: Sequence[str]) -> str | None:
    """A figure title naming the scenario and its overrides."""
    if not overrides:
        return name
    return f"{name or 'scenario'}  ({describe_overrides(overrides)})"


def identity(kind: str, names: Sequence[str | None], overrides: Sequence[str] = ()) -> dict:
    """What an output is of: its kind, scenario name(s) and overrides (recorded in provenance)."""
    return {"kind": kind, "scenarios": [n for n in names], "overrides": [str(o) for o in overrides]}


def _read_identity(folder: Path) -> tuple[dict | None, dict | None]:
    """``(identity, provenance record)`` of the output in ``folder`` (``None``s if none)."""
    path = folder / "provenance.json"
    if not path.is_file():
        return None, None
    try:
        rec = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"kind": "unreadable", "scenarios": [], "overrides": []}, None
    if not isinstance(rec, dict):
        return {"kind": "unreadable", "scenarios": [], "overrides": []}, None
    ident = rec.get("output")
    if isinstance(ident, dict) and "kind" in ident:
        return ident, rec
    # folders written before the identity was recorded
    kind = rec.get("kind", "unknown")
    if kind == "comparison":
        names = [a.get("scenario") for a in rec.get("arms", [])]
    else:
        names = [(rec.get("scenario") or {}).get("name")]
    return {"kind": kind, "scenarios": names, "overrides": []}, rec


def _what(ident: dict, bare: bool = False) -> str:
    names = ", ".join(str(n) for n in ident.get("scenarios", []) if n) or "an unnamed scenario"
    text = f"a {ident.get('kind')} output of {names}"
    if ident.get("overrides"):
        text += f" ({describe_overrides(ident['overrides'])})"
    elif bare:
        text += " (no --set values)"
    return text


def _known(kind: str, name: str) -> bool:
    if name.startswith("."):
        return True
    return any(name == k or name.startswith(k) or name.endswith(k) for k in _KNOWN.get(kind, ()))


def check_folder(folder: str | Path, ident: dict, *, force: bool = False, replace: bool = True) -> None:
    """Refuse to write ``ident``'s output into ``folder`` if it holds something else.

    See the module docstring for the rules.  When the folder is replaced (same output, or
    ``force``), the old output's files are removed here (unless ``replace`` is false: a check
    before simulating, so that a failed simulation leaves the old output as it was).  A sweep
    folder being resumed is checked by the sweep itself; call this only for a fresh output.
    """
    folder = Path(folder)
    if not folder.is_dir():
        return
    entries = [p for p in folder.iterdir() if not p.name.startswith(".")]
    if not entries:
        return
    old, rec = _read_identity(folder)
    kind = ident["kind"]
    problem = None
    if old is None:
        if (folder / "plan.json").is_file():
            problem = "an unfinished sweep (plan.json, no provenance.json)"
        else:
            foreign = sorted(p.name for p in entries if not _known(kind, p.name))
            if foreign:
                shown = ", ".join(foreign[:4]) + (", ..." if len(foreign) > 4 else "")
                problem = f"files livermodel did not write for a {kind} ({shown})"
    elif old.get("kind") != kind:
        problem = _what(old)
    elif list(old.get("scenarios", [])) != list(ident["scenarios"]) or list(old.get("overrides", [])) != list(
        ident["overrides"]
    ):
        bare = bool(old.get("overrides") or ident["overrides"])
        problem = _what(old, bare)
    if problem is not None and not force:
        raise LivermodelError(
            f"the output folder '{folder}' already holds {problem}; {_what(ident, True)} would mix with it",
            key="--out",
            suggestion="Choose another folder with --out (or leave --out out: the default folder "
            "names the scenario and its --set values), or add --force to replace it",
        )
    if replace:
        _remove_old(folder, rec)


def _remove_old(folder: Path, rec: dict | None) -> None:
    """Remove the files of the output in ``folder``: those its provenance lists, and the
    chunks of an unfinished sweep.  Other files are left alone."""
    try:
        if rec is not None:
            for name in rec.get("files", {}):
                target = (folder / name).resolve()
                if folder.resolve() in target.parents:
                    target.unlink(missing_ok=True)
            (folder / "provenance.json").unlink(missing_ok=True)
            (folder / "plan.json").unlink(missing_ok=True)
        elif (folder / "plan.json").is_file():
            (folder / "plan.json").unlink()
            for sub in ("chunks", "trajectories"):
                if (folder / sub).is_dir():
                    shutil.rmtree(folder / sub)
        for sub in ("arms", "trajectories", "chunks"):
            _prune_empty(folder / sub)
    except OSError as err:
        raise LivermodelError(
            f"could not replace the output in '{folder}': {err.strerror or err}",
            key="--out",
            suggestion="Check permissions, or choose another folder with --out",
        ) from None


def _prune_empty(path: Path) -> None:
    if not path.is_dir():
        return
    for sub in sorted(path.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        if sub.is_dir() and not any(sub.iterdir()):
            sub.rmdir()
    if not any(path.iterdir()):
        path.rmdir()
