"""The scenario library shipped in ``scenarios/``: listing entries and finding a scenario by name
or path.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

from livermodel.scenario.fields import ScenarioWarning
from livermodel.scenario.reader import library_path
from livermodel.scenario.scenario import load_scenario

# ---------------------------------------------------------------------------------------------
# The library
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LibraryEntry:
    """One scenario of the shipped library."""

    name: str
    path: Path
    description: str
    species: str
    tags: tuple[str, ...]
    expect: dict


def list_library() -> list[LibraryEntry]:
    """Every scenario of the library, sorted by file name (each file is loaded and validated)."""
    out = []
    for path in sorted(library_path().glob("*.yaml")):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ScenarioWarning)
            sc = load_scenario(path)
        out.append(
            LibraryEntry(
                sc.name, path, sc.description, sc.species, tuple(sc.tags), dict(sc.resolved.get("expect", {}))
            )
        )
    return out
