"""Every independent mistake of a scenario file in one pass (``livermodel validate``).

The validator stops at the first mistake.  :func:`all_errors` records it, takes the offending
key out of the document (or, for a required key, puts a harmless stand-in value in its place,
so that its absence is not reported as a second mistake) and validates again, until the
document loads or no key can be taken out.  Mistakes at a key already taken out are consequences
of the first and are not reported again.  The errors come back in line order.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable

from livermodel.errors import LivermodelError

#: Stand-ins for a required key that was wrong, by field kind (valid for any event).
_STAND_IN = {
    "time": "0 h",
    "fraction": 0.5,
    "mass_dose": "300 mg/kg",
    "cell_dose": "1e6 cells/kg",
    "ev_dose": "100 ug/kg",
    "number": 1.0,
    "integer": 1,
    "bool": True,
    "string": "x",
}

MAX_ERRORS = 50


def _path(key: str | None) -> tuple:
    if not key:
        return ()
    return tuple(int(p) if p.isdigit() else p for p in key.split("."))


def _get(data, path):
    node = data
    for p in path:
        node = node[p]
    return node


def _stand_in(data, path) -> object | None:
    """A valid value for the required key at ``path`` (an event's field), or ``None``."""
    from livermodel.scenario.fields import EVENTS

    try:
        item = _get(data, path[:-1])
    except (KeyError, IndexError, TypeError):
        return None
    kind = item.get("type") if isinstance(item, dict) else None
    entry = EVENTS.get(kind) if isinstance(kind, str) else None
    for f in entry[1] if entry else ():
        if f.name == path[-1] and f.required:
            return _STAND_IN.get(f.kind)
    return None


def _take_out(data, path) -> bool:
    """Remove the key at ``path`` (a mapping key) or stand in for it; False if it cannot."""
    if not path:
        return False
    try:
        parent = _get(data, path[:-1])
    except (KeyError, IndexError, TypeError):
        return False
    leaf = path[-1]
    if not isinstance(parent, dict):
        return False
    value = _stand_in(data, path)
    if value is not None:
        parent[leaf] = value
        return True
    if leaf in parent:
        del parent[leaf]
        return True
    return False


def all_errors(path, overrides: Iterable[str] = ()) -> tuple[object | None, list[LivermodelError]]:
    """``(scenario or None, errors in line order)`` for the scenario file ``path``."""
    from livermodel.scenario.overrides import apply_overrides
    from livermodel.scenario.reader import _load_chain, find_scenario
    from livermodel.scenario.scenario import _build

    file = find_scenario(path)
    data, locs = _load_chain(file, ())  # a file that cannot be read: one error, raised
    data.pop("extends", None)
    locs = {k: v for k, v in locs.items() if k[:1] != ("extends",)}
    overrides = list(overrides)
    if overrides:
        data = apply_overrides(data, overrides, locations=locs)
    errors: list[LivermodelError] = []
    touched: list[tuple] = []
    doc = copy.deepcopy(data)
    for _ in range(MAX_ERRORS):
        try:
            scenario = _build(copy.deepcopy(doc), locs, str(file), file.stem)
        except LivermodelError as err:
            where = _path(err.key)
            if "missing required key" in err.message:
                name = err.message.split("'")[1] if "'" in err.message else None
                where = (*where, name) if name else where
            if not any(where[: len(t)] == t for t in touched):
                errors.append(err)
            if where in touched or not _take_out(doc, where):
                break
            touched.append(where)
            continue
        return (scenario if not errors else None), _ordered(errors)
    return None, _ordered(errors)


def _ordered(errors: list[LivermodelError]) -> list[LivermodelError]:
    return sorted(errors, key=lambda e: (str(e.source or ""), e.line or 0, e.column or 0))
