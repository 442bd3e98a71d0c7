"""A virtual N-acetylcysteine trial: hepatotoxicity by time to treatment in a cohort of
acetaminophen overdoses, as in Smilkstein et al. 1988 (N Engl J Med 319:1557,
doi:10.1056/NEJM198812153192401).

Patients differ in the ingested dose and in their drug handling (:data:`VARIABILITY`); those whose
plasma acetaminophen at 4 h lies on or above the 200 mg/L probable-risk line enter the trial (the
trial's entry criterion).  Every patient enters every arm (a paired design): no NAC, or NAC on a
clinical regimen started at a time drawn uniformly within the arm's interval.  Hepatotoxicity is
a peak ALT or AST above 1,000 U/L, the trial's definition.

    from livermodel.studies.apap import nac_trial
    trial = nac_trial(n=1500, seed=14)
    trial.rates["0-4 h"], trial.intervals["0-4 h"]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from livermodel.model.parameters import resolve
from livermodel.model.schedule import NAC, Acetaminophen, Schedule
from livermodel.solve.simulate import simulate_batch
from livermodel.studies.cohort import wilson_interval

#: Between-patient variability: parameter -> coefficient of variation of a log-normal factor
#: with mean 1.  Assumptions: CYP2E1 activity varies several-fold between people; conjugation
#: capacity, glutathione stores and synthesis and the absorption of an overdose vary less.
VARIABILITY: dict[str, float] = {
    "cyp_clearance": 0.40,
    "glucuronidation_vmax": 0.30,
    "sulfation_vmax": 0.30,
    "glutathione_pool": 0.30,
    "glutathione_synthesis_rate": 0.30,
    "apap_absorption_rate": 0.50,
}

#: The trial's arms: label, earliest and latest start of NAC (h after the overdose).
ARMS: tuple[tuple[str, float, float], ...] = (
    ("0-4 h", 0.0, 4.0),
    ("4-8 h", 4.0, 8.0),
    ("8-10 h", 8.0, 10.0),
    ("0-10 h", 0.0, 10.0),
    ("10-24 h", 10.0, 24.0),
)

#: Ingested dose: log-normal with this median (mg/kg) and geometric standard deviation
#: (assumption: most overdoses that reach the probable-risk line are 200-600 mg/kg).
DOSE_MEDIAN = 350.0
DOSE_GSD = 1.5
#: Entry criterion: plasma acetaminophen at 4 h on or above the probable-risk line (mg/L).
ENTRY_LEVEL_4H = 200.0
#: Hepatotoxicity: peak ALT or AST above this (U/L).
HEPATOTOXIC = 1000.0
DURATION_H = 168.0


@dataclass
class Trial:
    """Result of :func:`nac_trial`: hepatotoxicity % per arm (and ``none``) with 95 % Wilson
    intervals, the number of patients enrolled and their doses."""

    rates: dict[str, float]
    intervals: dict[str, tuple[float, float]]
    enrolled: int
    sampled: int
    doses: np.ndarray = field(repr=False)
    regimen: str = "oral72"


def patients(n: int, seed: int, overrides: Mapping[str, float] | None = None):
    """``n`` virtual patients: (parameter dicts, ingested doses in mg/kg)."""
    rng = np.random.default_rng(seed)
    base = resolve("human", dict(overrides or {}))
    dose = DOSE_MEDIAN * np.exp(np.log(DOSE_GSD) * rng.standard_normal(n))
    people = []
    for _ in range(n):
        p = dict(base)
        for name, cv in VARIABILITY.items():
            sigma = np.sqrt(np.log(1.0 + cv * cv))
            p[name] = base[name] * float(np.exp(sigma * rng.standard_normal() - 0.5 * sigma * sigma))
        people.append(p)
    return people, dose


def _toxic(batch) -> np.ndarray:
    peak = np.maximum(batch.variable("alt_u_per_l").max(axis=1), batch.variable("ast_u_per_l").max(axis=1))
    return peak > HEPATOTOXIC


def nac_trial(
    n: int = 1500,
    seed: int = 14,
    *,
    regimen: str = "oral72",
    arms: Sequence[tuple[str, float, float]] = ARMS,
    overrides: Mapping[str, float] | None = None,
) -> Trial:
    """Run the virtual trial on ``n`` sampled patients (about 55 % enrol) and return a :class:`Trial`."""
    people, dose = patients(n, seed, overrides)
    rng = np.random.default_rng(seed + 1)
    base = simulate_batch(
        people, [Schedule([Acetaminophen(0, float(d))]) for d in dose], duration=DURATION_H, output_step=1.0
    )
    t = base.time_h
    level4 = np.array([np.interp(4.0, t, row) for row in base.variable("apap_plasma")])
    enrolled = np.flatnonzero(level4 >= ENTRY_LEVEL_4H)
    toxic = {"none": _toxic(base)[enrolled]}
    for label, lo, hi in arms:
        starts = rng.uniform(lo, hi, enrolled.size)
        batch = simulate_batch(
            [people[i] for i in enrolled],
            [
                Schedule([Acetaminophen(0, float(dose[i])), NAC(float(s), regimen)])
                for i, s in zip(enrolled, starts, strict=True)
            ],
            duration=DURATION_H,
            output_step=1.0,
        )
        toxic[label] = _toxic(batch)
    m = enrolled.size
    rates = {k: 100.0 * float(v.mean()) if m else float("nan") for k, v in toxic.items()}
    intervals: dict[str, tuple[float, float]] = {}
    for k, v in toxic.items():
        lo, hi = wilson_interval(int(v.sum()), m)
        intervals[k] = (100.0 * lo, 100.0 * hi)
    return Trial(rates, intervals, m, n, dose[enrolled], regimen)
