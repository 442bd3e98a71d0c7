"""Quantities with units, as written in scenario files.

Inside the library every time is in **hours**; scenario files may write ``72 h``, ``3 d``,
``2 wk`` (or a bare number, read in the unit that the key documents).  Doses are written with
their unit (``300 mg/kg``, ``1e6 cells/kg``, ``100 ug/kg``) and converted to the unit the model
uses for that kind of dose.

Each *kind* of quantity has one internal unit and a table of accepted spellings:

==============  =============  ==================================================
kind            internal unit  accepted
==============  =============  ==================================================
``time``        h              s, min, h, d, wk (and long forms: hours, days ...)
``rate``        1/h            1/h, 1/d, 1/wk, /h, /d, per h, per d
``mass_dose``   mg/kg          mg/kg, g/kg, ug/kg (µg/kg)
``cell_dose``   1e6 cells/kg   cells/kg
``ev_dose``     ug/kg          ug/kg, µg/kg, mg/kg, ng/kg (EV protein)
``fraction``    1              a number, or a percentage such as ``70 %``
==============  =============  ==================================================
"""

from __future__ import annotations

import math
import re

from livermodel.errors import UnitError, did_you_mean

_TIME = {
    "s": 1 / 3600,
    "sec": 1 / 3600,
    "second": 1 / 3600,
    "seconds": 1 / 3600,
    "min": 1 / 60,
    "minute": 1 / 60,
    "minutes": 1 / 60,
    "h": 1.0,
    "hr": 1.0,
    "hrs": 1.0,
    "hour": 1.0,
    "hours": 1.0,
    "d": 24.0,
    "day": 24.0,
    "days": 24.0,
    "wk": 168.0,
    "w": 168.0,
    "week": 168.0,
    "weeks": 168.0,
}
_RATE = {"1/" + k: 1.0 / v for k, v in _TIME.items()}
_RATE.update({"/" + k: 1.0 / v for k, v in _TIME.items()})
_RATE.update({"per " + k: 1.0 / v for k, v in _TIME.items()})

UNITS: dict[str, tuple[str, dict[str, float]]] = {
    "time": ("h", _TIME),
    "rate": ("1/h", _RATE),
    "mass_dose": ("mg/kg", {"mg/kg": 1.0, "g/kg": 1000.0, "ug/kg": 1e-3, "µg/kg": 1e-3}),
    "cell_dose": ("1e6 cells/kg", {"cells/kg": 1e-6, "1e6 cells/kg": 1.0, "million cells/kg": 1.0}),
    "ev_dose": (
        "ug/kg",
        {"ug/kg": 1.0, "µg/kg": 1.0, "mg/kg": 1000.0, "ng/kg": 1e-3, "g/kg": 1e6},
    ),
    "fraction": ("1", {"": 1.0, "1": 1.0, "%": 0.01}),
}

_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_QUANTITY = re.compile(rf"^\s*(?P<num>{_NUMBER})\s*(?P<unit>.*?)\s*$")


def parse_quantity(value, kind: str, *, key: str | None = None) -> float:
    """Convert ``value`` (a number, or a string such as ``"3 d"``) to the internal unit of ``kind``.

    A bare number is taken to be in the internal unit already.  Raises :class:`UnitError`
    for an unknown unit or a unit of another kind, naming what would have been accepted.
    """
    internal, table = UNITS[kind]
    if isinstance(value, bool):
        raise UnitError(
            "a quantity cannot be true/false",
            key=key,
            expected=f"a number or a number with a unit ({internal})",
            found=repr(value),
        )
    if isinstance(value, (int, float)):
        number = float(value)
        if not math.isfinite(number):
            raise UnitError("the value is not a finite number", key=key, found=repr(value))
        return number
    if not isinstance(value, str):
        raise UnitError(
            "a quantity must be a number or a string such as '72 h'",
            key=key,
            expected=f"a number with a unit in {sorted(set(table) - {''})}",
            found=type(value).__name__,
        )
    match = _QUANTITY.match(value)
    if not match:
        raise UnitError(
            "cannot read a number followed by a unit",
            key=key,
            expected=f"something like '{_example(kind)}'",
            found=repr(value),
        )
    number = float(match.group("num"))
    unit = match.group("unit").replace("μ", "µ")
    norm = unit.lower().replace(" ", "") if kind != "rate" else unit.lower()
    lookup = {k.lower().replace(" ", "") if kind != "rate" else k.lower(): v for k, v in table.items()}
    if norm not in lookup:
        other = [k for k, (_, t) in UNITS.items() if k != kind and unit in t]
        hint = did_you_mean(unit, [k for k in table if k])
        if other:
            hint = f"'{unit}' is a unit of {other[0].replace('_', ' ')}, not of {kind.replace('_', ' ')}"
        raise UnitError(
            f"unknown unit '{unit}' for a {kind.replace('_', ' ')}",
            key=key,
            expected=f"one of {', '.join(sorted(k for k in table if k))}",
            found=repr(value),
            suggestion=hint,
        )
    result = number * lookup[norm]
    if not math.isfinite(result):
        raise UnitError("the value is not a finite number", key=key, found=repr(value))
    return result


def _example(kind: str) -> str:
    return {
        "time": "72 h",
        "rate": "0.1 1/h",
        "mass_dose": "300 mg/kg",
        "cell_dose": "1e6 cells/kg",
        "ev_dose": "100 ug/kg",
        "fraction": "0.7",
    }[kind]


def format_hours(hours: float) -> str:
    """A time in hours as a short human string: ``36 h``, ``3 d``, ``2 wk``."""
    if hours != 0 and hours % 168 == 0:
        return f"{hours / 168:g} wk"
    if hours != 0 and hours % 24 == 0:
        return f"{hours / 24:g} d"
    return f"{hours:g} h"


def _reference(unit: str) -> str | None:
    """``normal mass`` for ``1 (normal mass)``: the reference of a dimensionless unit, if any."""
    if unit.startswith("1 (") and unit.endswith(")"):
        return unit[3:-1]
    return None


def unit_in_label(unit: str) -> str:
    """A unit as written in an axis label's brackets: ``h``, ``mg/kg``; ``1 (normal mass)``
    becomes ``normal mass = 1`` (never ``(1 (normal mass))``)."""
    ref = _reference(unit)
    return f"{ref} = 1" if ref else unit


def unit_after_number(unit: str) -> str:
    """A unit as written after a number: ``12 h``, ``300 mg/kg``; nothing for a number relative
    to a reference (``0.15``, not ``0.15 1 (normal mass)``)."""
    return "" if _reference(unit) or unit == "1" else unit
