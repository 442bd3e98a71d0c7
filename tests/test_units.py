"""Quantities with units."""

import pytest

from livermodel import UnitError
from livermodel.units import format_hours, parse_quantity


@pytest.mark.parametrize(
    "text, kind, hours",
    [
        ("72 h", "time", 72),
        ("3 d", "time", 72),
        ("2 wk", "time", 336),
        ("90 min", "time", 1.5),
        (12, "time", 12),
        ("1e6 cells/kg", "cell_dose", 1.0),
        ("300 mg/kg", "mass_dose", 300),
        ("100 ug/kg", "ev_dose", 100),
        ("16 mg/kg", "ev_dose", 16000),
        ("70 %", "fraction", 0.7),
        ("0.24 /d", "rate", 0.01),
        ("0.01 1/h", "rate", 0.01),
    ],
)
def test_accepted_spellings(text, kind, hours):
    assert parse_quantity(text, kind) == pytest.approx(hours)


@pytest.mark.parametrize(
    "text, kind, fragment",
    [
        ("3 days later", "time", "unknown unit"),
        ("300 mg/kg", "time", "is a unit of mass dose"),
        ("fast", "time", "cannot read"),
        (True, "time", "true/false"),
        ("3 hrz", "time", "Did you mean"),
    ],
)
def test_bad_quantities_say_what_was_expected(text, kind, fragment):
    with pytest.raises(UnitError, match=fragment):
        parse_quantity(text, kind, key="duration")


def test_format_hours():
    assert format_hours(336) == "2 wk" and format_hours(72) == "3 d" and format_hours(5) == "5 h"
