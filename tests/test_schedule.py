"""Schedule semantics: breakpoints, half-open infusions, repeats, validation."""

import math

import pytest

from livermodel import (
    EV,
    MSC,
    Antidote,
    Chronic,
    Hepatectomy,
    InflammatoryHit,
    Schedule,
    ScheduleError,
    Toxin,
)
from livermodel.model.layout import INPUTS


def test_repeats_and_breakpoints():
    s = Schedule([MSC(6, 1, every=168, count=4), Hepatectomy(0, 0.7)])
    assert [t for t, _ in s.boluses()] == [0, 6, 174, 342, 510]
    assert s.breakpoints(400) == [6, 174, 342]


def test_infusions_act_on_half_open_intervals():
    s = Schedule([Chronic(10, 20, 0.01), Antidote(15)])
    rate, anti = INPUTS.index("chronic_injury_rate"), INPUTS.index("antidote")
    assert s.inputs_at(9.999)[rate] == 0
    assert s.inputs_at(10)[rate] == 0.01
    assert s.inputs_at(20)[rate] == 0
    assert s.inputs_at(15)[anti] == 1 and s.inputs_at(1e6)[anti] == 1
    assert s.breakpoints(100) == [10, 15, 20]


def test_pulsed_chronic_injury_keeps_the_mean_rate():
    c = Chronic(0, 24 * 7 * 8, 0.004, every=84, pulse=12)
    pieces = c.intervals()
    assert len(pieces) == 16
    delivered = sum((b - a) * v for a, b, _, v in pieces)
    assert delivered == pytest.approx(0.004 * 24 * 7 * 8)


@pytest.mark.parametrize(
    "make, key",
    [
        (lambda: Hepatectomy(0, 1.0), "fraction"),
        (lambda: Hepatectomy(0, 0.0), "fraction"),
        (lambda: Hepatectomy(-1, 0.5), "at"),
        (lambda: Toxin(0, -5), "dose"),
        (lambda: Toxin(0, 5, count=3), "toxin.every"),
        (lambda: Chronic(10, 5, 0.1), "end"),
        (lambda: Chronic(0, 50, 0.1, every=10, pulse=20), "pulse"),
        (lambda: MSC(0, 1, route="oral"), "route"),
        (lambda: EV(0, 0), "dose"),
        (lambda: EV(0, 1, route="intraperitoneal"), "route"),
        (lambda: Antidote(10, 5), "end"),
        (lambda: InflammatoryHit(0, 0), "amount"),
        (lambda: Toxin(math.nan, 5), "at"),
    ],
)
def test_impossible_events_raise_schedule_errors(make, key):
    with pytest.raises(ScheduleError) as err:
        make()
    assert err.value.key == key


def test_dose_times_for_plots():
    s = Schedule([Toxin(0, 300), Antidote(8), Chronic(24, 48, 0.01)])
    assert s.dose_times() == [(0, "toxin"), (8, "antidote"), (24, "chronic")]
