"""Insults and interventions as timed events.

A :class:`Schedule` is a list of events.  Two kinds of event exist in the solver:

* **Bolus events** act at one instant ``at`` (hours) as a jump of the state: a partial
  hepatectomy removes a fraction of hepatocyte mass, a toxin dose adds to the toxin load, an MSC
  infusion adds cells to the lung and liver compartments, an EV dose adds vesicles to plasma (or
  directly to the liver for local routes), an inflammatory hit adds to inflammation.  A bolus with
  ``every`` and ``count`` repeats at ``at, at + every, ..., at + (count - 1) * every``.
* **Infusions** act on a half-open interval ``[start, end)`` as a constant input: chronic injury
  at a constant rate (or, with ``every``, as pulses of length ``pulse`` each period), the
  antidote, which speeds the lumped toxin's clearance from ``at`` to ``end`` (default: the end of
  the run), and intravenous N-acetylcysteine (the three bags of the 21 h regimen).

Semantics at a breakpoint ``t``: the state reported at ``t`` is the state *after* every jump at
``t`` (right-continuous), and an infusion starting at ``t`` acts from ``t``.  Several events at the
same time are applied in the order they are listed.  The solver restarts at every breakpoint, so a
dose acts exactly at its time whatever the output grid.  Events at or after the end of a run are
not applied (the last output point is the state at the end, before any dose there).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

import numpy as np

from livermodel.errors import ScheduleError
from livermodel.model.layout import INPUTS, STATE_INDEX

#: The most doses of one repeated dose (``count``), and the most pulses of one chronic injury:
#: each is a restart of the solver, so these bound the work of a run before it starts.
MAX_DOSES = 10_000
MAX_PULSES = 10_000

ROUTES_MSC = ("iv", "intraportal", "intrasplenic", "intraperitoneal")
ROUTES_EV = ("iv", "intraportal", "intrasplenic")


def _check_time(value: float, key: str) -> float:
    value = float(value)
    if not math.isfinite(value) or value < 0:
        raise ScheduleError(
            "a time must be zero or later", key=key, expected="a time >= 0 h", found=f"{value:g} h"
        )
    return value


def _repeat_times(at: float, every: float | None, count: int, key: str) -> list[float]:
    if count < 1:
        raise ScheduleError(
            "count must be at least 1", key=f"{key}.count", expected="an integer >= 1", found=str(count)
        )
    if count > MAX_DOSES:
        raise ScheduleError(
            f"count must be at most {MAX_DOSES:,}",
            key=f"{key}.count",
            expected=f"an integer from 1 to {MAX_DOSES:,}",
            found=_big(count),
            suggestion="Use fewer, larger doses, or a chronic injury",
        )
    if count > 1 and (every is None or every <= 0):
        raise ScheduleError(
            "a repeated dose needs a positive interval",
            key=f"{key}.every",
            expected="a time > 0, e.g. '7 d'",
            found=repr(every),
        )
    return [at + k * (every or 0.0) for k in range(count)]


def _big(n) -> str:
    """A number for a message, however many digits it has."""
    text = str(n)
    return text if len(text) <= 20 else f"a {len(text)}-digit number"


def pulse_count(start: float, end: float, every: float) -> float:
    """About how many pulses a chronic injury with ``every`` has on ``[start, end)``, counted
    without making them (a float: ``inf`` for an interval too small to count)."""
    n = (end - start) / every
    return math.ceil(n) if math.isfinite(n) else math.inf


@dataclass(frozen=True)
class Hepatectomy:
    """Partial hepatectomy at ``at`` hours: removes ``fraction`` of the hepatocyte mass.

    Functional and injured mass are both multiplied by ``1 - fraction``; the signals are left as
    they are (they respond to the new deficit within hours).
    """

    at: float
    fraction: float
    kind = "hepatectomy"

    def __post_init__(self):
        _check_time(self.at, "at")
        if not 0.0 < self.fraction < 1.0:
            raise ScheduleError(
                "a resected fraction must lie strictly between 0 and 1",
                key="fraction",
                expected="0 < fraction < 1 (0.7 for 70 %)",
                found=f"{self.fraction:g}",
            )

    def boluses(self):
        return [(self.at, self)]

    def apply(self, y: np.ndarray | list[float], params: dict) -> None:
        keep = 1.0 - self.fraction
        y[STATE_INDEX["functional_mass"]] *= keep
        y[STATE_INDEX["injured_mass"]] *= keep


@dataclass(frozen=True)
class Dose:
    """A dose of ``dose`` mg/kg at ``at`` hours (optionally repeated) added to the state
    ``state``; the subclasses name the state, their ``kind`` and what the dose is (``what``)."""

    at: float
    dose: float
    every: float | None = None
    count: int = 1
    kind = "dose"
    state = ""
    what = "dose"

    @property
    def noun(self) -> str:
        """``what`` with its article, for messages: "an acetaminophen dose"."""
        return f"{'an' if self.what[0] in 'aeiou' else 'a'} {self.what}"

    def __post_init__(self):
        _check_time(self.at, "at")
        if not self.dose > 0:
            raise ScheduleError(
                f"{self.noun} must be positive",
                key="dose",
                expected="a dose > 0 mg/kg",
                found=f"{self.dose:g}",
            )
        _repeat_times(self.at, self.every, self.count, self.kind)

    def boluses(self):
        return [(t, self) for t in _repeat_times(self.at, self.every, self.count, self.kind)]

    def apply(self, y, params):
        y[STATE_INDEX[self.state]] += self.dose


@dataclass(frozen=True)
class Toxin(Dose):
    """A dose of a lumped, direct-acting hepatotoxin (mg/kg) at ``at`` hours (optionally repeated)."""

    kind = "toxin"
    state = "toxin"
    what = "toxin dose"


@dataclass(frozen=True)
class InflammatoryHit:
    """A sudden inflammatory stimulus (LPS-like) adding ``amount`` to inflammation at ``at`` hours."""

    at: float
    amount: float
    kind = "inflammation"

    def __post_init__(self):
        _check_time(self.at, "at")
        if not self.amount > 0:
            raise ScheduleError(
                "an inflammatory hit must be positive",
                key="amount",
                expected="a number > 0",
                found=f"{self.amount:g}",
            )

    def boluses(self):
        return [(self.at, self)]

    def apply(self, y, params):
        y[STATE_INDEX["inflammation"]] += self.amount


@dataclass(frozen=True)
class Chronic:
    """Chronic injury of functional hepatocytes on ``[start, end)`` at ``rate`` per hour.

    Without ``every`` the rate is constant over the interval.  With ``every``, the same mean injury
    comes as pulses: each period starts with a pulse of length ``pulse`` hours at rate
    ``rate * every / pulse`` (a CCl4-like injection every ``every`` hours).
    """

    start: float
    end: float
    rate: float
    every: float | None = None
    pulse: float = 12.0
    kind = "chronic"

    def __post_init__(self):
        _check_time(self.start, "start")
        if not self.end > self.start:
            raise ScheduleError(
                "chronic injury must end after it starts",
                key="end",
                expected=f"end > start ({self.start:g} h)",
                found=f"{self.end:g} h",
            )
        if not self.rate > 0:
            raise ScheduleError(
                "a chronic injury rate must be positive",
                key="rate",
                expected="a rate > 0 per hour",
                found=f"{self.rate:g}",
            )
        if self.every is not None and not self.every > 0:
            raise ScheduleError(
                "pulses need a positive interval",
                key="every",
                expected="a time > 0 h",
                found=f"{self.every:g}",
            )
        if self.every is not None and pulse_count(self.start, self.end, self.every) > MAX_PULSES:
            n = pulse_count(self.start, self.end, self.every)
            raise ScheduleError(
                f"pulses every {self.every:g} h make {n:,.0f} pulses; at most {MAX_PULSES:,} are allowed",
                key="every",
                expected=f"every >= {(self.end - self.start) / MAX_PULSES:.3g} h over this interval",
                found=f"{self.every:g} h",
                suggestion="Make every longer, or leave it out for a constant rate",
            )
        if self.every is not None and not 0 < self.pulse <= self.every:
            raise ScheduleError(
                "a pulse must be shorter than the interval between pulses",
                key="pulse",
                expected=f"0 < pulse <= every ({self.every:g} h)",
                found=f"{self.pulse:g} h",
            )

    def boluses(self):
        return []

    def intervals(self):
        """``(start, end, input name, value)`` for each constant piece."""
        if self.every is None:
            return [(self.start, self.end, "chronic_injury_rate", self.rate)]
        out, t = [], self.start
        height = self.rate * self.every / self.pulse
        while t < self.end - 1e-12:
            out.append((t, min(t + self.pulse, self.end), "chronic_injury_rate", height))
            t += self.every
        return out


@dataclass(frozen=True)
class MSC:
    """Mesenchymal stem cells, ``dose`` in million cells/kg, at ``at`` hours by ``route``.

    IV: a fraction ``msc_lung_fraction_iv`` lodges in the lungs and ``msc_liver_fraction_iv`` in the
    liver.  Other routes put ``msc_liver_fraction_<route>`` into the liver and none in the lungs.
    """

    at: float
    dose: float
    route: str = "iv"
    every: float | None = None
    count: int = 1
    kind = "msc"

    def __post_init__(self):
        _check_time(self.at, "at")
        if not self.dose > 0:
            raise ScheduleError(
                "an MSC dose must be positive",
                key="dose",
                expected="a dose > 0 cells/kg",
                found=f"{self.dose:g}",
            )
        if self.route not in ROUTES_MSC:
            raise ScheduleError(
                f"unknown MSC route '{self.route}'",
                key="route",
                expected=f"one of {', '.join(ROUTES_MSC)}",
                found=repr(self.route),
            )
        _repeat_times(self.at, self.every, self.count, "msc")

    def boluses(self):
        return [(t, self) for t in _repeat_times(self.at, self.every, self.count, "msc")]

    def apply(self, y, params):
        if self.route == "iv":
            y[STATE_INDEX["msc_lung"]] += self.dose * params["msc_lung_fraction_iv"]
        y[STATE_INDEX["msc_liver"]] += self.dose * params[f"msc_liver_fraction_{self.route}"]


@dataclass(frozen=True)
class EV:
    """Extracellular vesicles, ``dose`` in ug protein/kg, at ``at`` hours.

    IV doses enter plasma, from which a fraction ``ev_liver_fraction`` reaches the liver within
    minutes; intraportal and intrasplenic doses are delivered to the liver directly (assumption).
    """

    at: float
    dose: float
    route: str = "iv"
    every: float | None = None
    count: int = 1
    kind = "ev"

    def __post_init__(self):
        _check_time(self.at, "at")
        if not self.dose > 0:
            raise ScheduleError(
                "an EV dose must be positive", key="dose", expected="a dose > 0 ug/kg", found=f"{self.dose:g}"
            )
        if self.route not in ROUTES_EV:
            raise ScheduleError(
                f"unknown EV route '{self.route}'",
                key="route",
                expected=f"one of {', '.join(ROUTES_EV)}",
                found=repr(self.route),
            )
        _repeat_times(self.at, self.every, self.count, "ev")

    def boluses(self):
        return [(t, self) for t in _repeat_times(self.at, self.every, self.count, "ev")]

    def apply(self, y, params):
        if self.route == "iv":
            y[STATE_INDEX["ev_plasma"]] += self.dose
        else:
            y[STATE_INDEX["ev_liver"]] += self.dose


@dataclass(frozen=True)
class Antidote:
    """An N-acetylcysteine-like antidote from ``at`` to ``end`` hours (default: to the end of the run).

    While it acts, toxin clearance is multiplied by ``1 + antidote_clearance_boost``.
    """

    at: float
    end: float = math.inf
    kind = "antidote"

    def __post_init__(self):
        _check_time(self.at, "at")
        if not self.end > self.at:
            raise ScheduleError(
                "the antidote must end after it starts",
                key="end",
                expected=f"end > at ({self.at:g} h)",
                found=f"{self.end:g} h",
            )

    def boluses(self):
        return []

    def intervals(self):
        return [(self.at, self.end, "antidote", 1.0)]


@dataclass(frozen=True)
class Acetaminophen(Dose):
    """An acetaminophen (paracetamol) dose of ``dose`` mg/kg at ``at`` hours (optionally repeated).

    The dose enters the absorption compartment ``apap_gut``; a fraction
    ``apap_bioavailability`` reaches plasma at rate ``apap_absorption_rate``.
    """

    kind = "acetaminophen"
    state = "apap_gut"
    what = "acetaminophen dose"


@dataclass(frozen=True)
class Galactosamine(Dose):
    """A D-galactosamine dose of ``dose`` mg/kg at ``at`` hours (intraperitoneal)."""

    kind = "galactosamine"
    state = "galactosamine"
    what = "D-galactosamine dose"


#: N-acetylcysteine regimens: name -> (description, IV bags (start h, end h, mg/kg/h), oral doses
#: (time h, mg/kg)).  Times are relative to the start of treatment.
NAC_REGIMENS: dict[str, tuple[str, tuple, tuple]] = {
    "iv21": (
        "21 h intravenous: 150 mg/kg over 1 h, 50 mg/kg over 4 h, 100 mg/kg over 16 h "
        "(the standard intravenous regimen, analysed by Woodhead et al. 2012, J Pharmacol "
        "Exp Ther, doi:10.1124/jpet.112.192930)",
        ((0.0, 1.0, 150.0), (1.0, 5.0, 12.5), (5.0, 21.0, 6.25)),
        (),
    ),
    "oral72": (
        "72 h oral: 140 mg/kg, then 70 mg/kg every 4 h for 17 doses (Smilkstein et al. "
        "1988, N Engl J Med 319:1557)",
        (),
        ((0.0, 140.0),) + tuple((4.0 * k, 70.0) for k in range(1, 18)),
    ),
}


@dataclass(frozen=True)
class OralNAC:
    """One oral N-acetylcysteine dose of ``amount`` mg/kg (a bolus of a :class:`NAC` regimen)."""

    at: float
    amount: float
    kind = "nac"

    def apply(self, y, params):
        y[STATE_INDEX["nac"]] += self.amount * params["nac_oral_fraction"] / params["nac_volume"]


@dataclass(frozen=True)
class NAC:
    """N-acetylcysteine on one of the :data:`NAC_REGIMENS`, started at ``at`` hours.

    Intravenous bags are infusion inputs (``nac_infusion``, mg/kg/h) into the NAC compartment;
    oral doses are boluses of which ``nac_oral_fraction`` reaches the liver.  NAC acts as a
    cysteine source for glutathione synthesis.
    """

    at: float
    regimen: str = "iv21"
    kind = "nac"

    def __post_init__(self):
        _check_time(self.at, "at")
        if self.regimen not in NAC_REGIMENS:
            raise ScheduleError(
                f"unknown N-acetylcysteine regimen '{self.regimen}'",
                key="regimen",
                expected=f"one of {', '.join(NAC_REGIMENS)}",
                found=repr(self.regimen),
            )

    def boluses(self):
        return [(self.at + t, OralNAC(self.at + t, amount)) for t, amount in NAC_REGIMENS[self.regimen][2]]

    def intervals(self):
        return [
            (self.at + a, self.at + b, "nac_infusion", rate) for a, b, rate in NAC_REGIMENS[self.regimen][1]
        ]


Event = (
    Hepatectomy
    | Toxin
    | InflammatoryHit
    | Chronic
    | MSC
    | EV
    | Antidote
    | Acetaminophen
    | Galactosamine
    | NAC
)


class Bolus(Protocol):
    """An event that jumps the state at an instant (what :meth:`Schedule.boluses` lists)."""

    kind: str

    def apply(self, y: np.ndarray | list[float], params: dict) -> None:
        """Jump the state ``y`` (one run's state vector, an array or a plain list) in place."""


@dataclass(frozen=True)
class Schedule:
    """The timed insults and interventions of one run."""

    events: tuple = field(default_factory=tuple)
    # per instance, set in __init__; declared ClassVar only so that it is not a dataclass field
    _memo: ClassVar[dict[Any, Any]]

    def __init__(self, events=()):
        object.__setattr__(self, "events", tuple(events))
        # answers computed once per schedule (events are frozen): a sweep asks each schedule
        # for its boluses, breakpoints and inputs several times per batch
        object.__setattr__(self, "_memo", {})

    def _once(self, key, compute):
        try:
            return self._memo[key]
        except KeyError:
            value = self._memo[key] = compute()
            return value

    def boluses(self) -> list[tuple[float, Bolus]]:
        """``(time, event)`` for every jump, sorted by time (stable: listing order at ties)."""
        return list(
            self._once(
                "boluses",
                lambda: tuple(sorted((b for ev in self.events for b in ev.boluses()), key=lambda b: b[0])),
            )
        )

    def intervals(self) -> list[tuple[float, float, str, float]]:
        return list(
            self._once(
                "intervals",
                lambda: tuple(iv for ev in self.events if hasattr(ev, "intervals") for iv in ev.intervals()),
            )
        )

    def breakpoints(self, duration: float) -> list[float]:
        """Sorted times in ``(0, duration)`` where the solver must restart."""

        def compute():
            times = {t for t, _ in self.boluses()}
            for a, b, _, _ in self.intervals():
                times.update((a, b))
            return tuple(sorted(t for t in times if 0.0 < t < duration))

        return list(self._once(("breakpoints", float(duration)), compute))

    def inputs_at(self, t: float) -> np.ndarray:
        """The input vector (see :data:`livermodel.model.INPUTS`) in force on ``[t, next breakpoint)``."""

        def compute():
            u = np.zeros(len(INPUTS))
            for a, b, name, value in self.intervals():
                if a <= t < b:
                    idx = INPUTS.index(name)
                    u[idx] = max(u[idx], value) if name == "antidote" else u[idx] + value
            u.flags.writeable = False
            return u

        return self._once(("inputs", float(t)), compute).copy()

    def dose_times(self) -> list[tuple[float, str]]:
        """``(time, kind)`` of every insult and intervention start, for marking plots."""
        out = [(t, ev.kind) for t, ev in self.boluses() if not isinstance(ev, OralNAC)]
        for ev in self.events:
            if isinstance(ev, Chronic):
                out.append((ev.start, ev.kind))
            elif isinstance(ev, (Antidote, NAC)):  # a NAC regimen is marked once, at its start
                out.append((ev.at, ev.kind))
        return sorted(out)


#: Short names of insult and intervention kinds, for the event labels.
EVENT_LABELS: dict[str, str] = {
    "hepatectomy": "PHx",
    "toxin": "toxin",
    "inflammation": "inflammatory hit",
    "chronic": "chronic injury",
    "msc": "MSC",
    "ev": "EV",
    "antidote": "antidote",
    "acetaminophen": "APAP",
    "galactosamine": "D-GalN",
    "nac": "NAC",
}
