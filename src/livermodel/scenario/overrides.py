"""Dotted-path overrides (``--set insults.0.fraction=0.8``) applied to a scenario document."""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Mapping
from typing import Any

import yaml

from livermodel.errors import ScenarioError
from livermodel.scenario.fields import MAX_FILE_BYTES
from livermodel.scenario.reader import (
    Location,
    Path_,
    _dotted,
    _is_utf8,
    _paths,
    _printable,
    _Reader,
    compose,
)


def _short(text: str) -> str:
    return repr(text if len(text) <= 80 else text[:77] + "...")


def parse_override(text: str) -> tuple[str, Any]:
    """Split ``"interventions.0.at=24h"`` into the dotted path and the YAML-parsed value."""
    if not isinstance(text, str) or "=" not in text:
        raise ScenarioError(
            "an override must look like key.path=value",
            key=None,
            expected="e.g. 'interventions.0.at=24h' or 'species=mouse'",
            found=repr(text),
        )
    key, _, raw = text.partition("=")
    key = key.strip()
    source = f"override {_short(text)}"
    if not _is_utf8(text):
        raise ScenarioError(
            "the override holds a lone surrogate (bytes that are not UTF-8 text)",
            source=source,
            expected="UTF-8 text",
            found=_printable(text),
        )
    if len(text) > MAX_FILE_BYTES:
        raise ScenarioError(
            "the override is too long",
            source=source,
            expected=f"at most {MAX_FILE_BYTES:,} characters",
            found=f"{len(text):,}",
        )
    value = None
    if raw.strip():
        try:
            node = compose(raw, source)
        except yaml.YAMLError:
            return key, raw.strip()
        if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)):
            # a list or mapping: read as a file's would be (no self-referring aliases, no tags,
            # a bounded number of nodes)
            return key, _Reader(source).walk(node, ())
        try:
            value = yaml.safe_load(raw)
        except yaml.YAMLError:
            value = raw.strip()
        if isinstance(value, str) and not _is_utf8(value):
            raise ScenarioError(
                "the override's text holds a lone surrogate (an escape such as "
                "\\ud800), which is not a character",
                source=source,
                expected="text of real characters",
                found=_printable(value),
            )
    if isinstance(value, (dict, list)) or value is None or isinstance(value, (str, int, float, bool)):
        return key, value
    return key, raw.strip()  # dates and other YAML types stay text; validation decides


def apply_overrides(
    doc: dict,
    overrides: Iterable[str] | Mapping[str, Any] = (),
    *,
    locations: dict[Path_, Location] | None = None,
) -> dict:
    """A copy of ``doc`` with dotted-path ``overrides`` applied, in order (later wins).

    ``overrides`` is a list of ``"key.path=value"`` strings (values are read as YAML, so
    ``0.9`` is a number and ``24h`` a string) or a mapping ``{"key.path": value}``.  List items
    are addressed by index (``interventions.0.at``); an index one past the end appends a new
    item.  Missing mappings on the way are created.  If ``locations`` is given, it is updated so
    that every overridden path points at the override text.
    """
    out = copy.deepcopy(doc)
    items = (
        list(overrides.items()) if isinstance(overrides, Mapping) else [parse_override(o) for o in overrides]
    )
    for dotted, value in items:
        label = f"{dotted}={value}" if not isinstance(overrides, Mapping) else f"{dotted}"
        src = Location(f"override '{label}'")
        parts = [p for p in str(dotted).split(".")]
        if not dotted or any(p == "" for p in parts):
            raise ScenarioError(
                "an override needs a dotted key path",
                source=src.source,
                expected="e.g. 'insults.0.fraction'",
                found=repr(dotted),
            )
        if parts[0] == "extends":
            raise ScenarioError(
                "extends cannot be overridden",
                source=src.source,
                key="extends",
                suggestion="Load the other scenario instead.",
            )
        target: Any = out  # a mapping or a list, then whatever the path reaches
        path: tuple = ()
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            if isinstance(target, list):
                if not re.fullmatch(r"\d+", part):
                    raise ScenarioError(
                        "a list item is addressed by its index",
                        source=src.source,
                        key=_dotted((*path, part)),
                        expected="an index such as 0",
                        found=repr(part),
                    )
                idx = int(part)
                if idx > len(target):
                    raise ScenarioError(
                        "list index out of range",
                        source=src.source,
                        key=_dotted((*path, part)),
                        expected=f"an index from 0 to {len(target)}",
                        found=str(idx),
                    )
                if idx == len(target):
                    target.append({} if not last else None)
                step: Any = idx
            elif isinstance(target, dict):
                step = part
                if not last and target.get(part) is None:
                    target[part] = {}
            else:
                raise ScenarioError(
                    "cannot set a key inside a plain value",
                    source=src.source,
                    key=_dotted(path),
                    expected="a mapping or a list",
                    found=repr(target),
                )
            path = (*path, step)
            if last:
                target[step] = copy.deepcopy(value)
            else:
                target = target[step]
        if locations is not None:
            for p in [p for p in locations if p[: len(path)] == path]:
                del locations[p]
            for p in _paths(value, path):
                locations[p] = src
            for k in range(1, len(path) + 1):
                locations.setdefault(path[:k], src)
    return out


def describe_overrides(overrides) -> str:
    """``--set a=1 --set b=2`` (empty without overrides): how titles and messages name them."""
    return " ".join(f"--set {o}" for o in overrides)
