"""The scenario file format as data: every field of every block, with its kind, unit, default and
limits.  The validator, the JSON Schema and the docs are all generated from these tables.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from livermodel.metrics import LABELS
from livermodel.model.parameters import SPECIES
from livermodel.model.schedule import MAX_DOSES, MAX_PULSES, ROUTES_EV, ROUTES_MSC  # noqa: F401
from livermodel.solve.simulate import METHODS

#: Default rate of chronic injury (1/h) when a ``chronic`` insult gives none: about 10 % of the
#: functional mass injured per day, a moderate CCl4-like or alcohol-like injury in the rat.
DEFAULT_CHRONIC_RATE = 0.004

#: The longest ``extends:`` chain that is followed.
MAX_EXTENDS_DEPTH = 32
#: The most output points a scenario may ask for (``duration / output_step``).
MAX_OUTPUT_POINTS = 2_000_000
#: The most YAML nodes a scenario file may expand to (guards against alias bombs).
MAX_NODES = 100_000
#: The largest scenario file that is read, in bytes (the library's files are under 5 kB).
MAX_FILE_BYTES = 1_000_000
#: The deepest nesting of lists and mappings in a scenario file or a --set value.
MAX_DEPTH = 64
#: The most insults plus interventions of one scenario.
MAX_EVENTS = 1_000
#: The most solver restarts (dose times, pulse starts and ends) of one scenario.
MAX_BREAKPOINTS = 20_000


class ScenarioWarning(UserWarning):
    """A scenario that is valid but unusual (a parameter outside its plausible range, ...)."""


# ---------------------------------------------------------------------------------------------
# The format, as data.  Validator, JSON Schema and docs are all generated from these tables.
# ---------------------------------------------------------------------------------------------

_MISSING = object()


@dataclass(frozen=True)
class Field:
    """One key of the format.

    ``kind`` is one of the unit kinds of :mod:`livermodel.units` (``time``, ``rate``,
    ``mass_dose``, ``cell_dose``, ``ev_dose``, ``fraction``) or ``number``, ``integer``,
    ``string``, ``bool``, ``choice``, ``mapping`` or ``list``.  ``default`` is what an absent key
    means (``_MISSING`` for a required key, ``None`` for "not set").  ``minimum`` and ``strict``
    bound numbers (``strict``: the minimum itself is not allowed); ``unit_required`` refuses a
    bare number (doses must say their unit).
    """

    name: str
    kind: str
    description: str
    default: Any = None
    choices: tuple = ()
    minimum: float | None = None
    maximum: float | None = None
    strict: bool = False
    unit_required: bool = False
    doc_default: str | None = None

    @property
    def required(self) -> bool:
        return self.default is _MISSING


_AT_INSULT = Field(
    "at", "time", "When it happens (h; '72 h', '3 d', '2 wk').", default=0.0, minimum=0.0, doc_default="0 h"
)
_AT_THERAPY = Field("at", "time", "When the (first) dose is given.", default=_MISSING, minimum=0.0)
_EVERY = Field(
    "every", "time", "Interval between repeated doses (needs count > 1).", minimum=0.0, strict=True
)
_COUNT = Field(
    "count",
    "integer",
    f"Number of doses (1 = a single dose; at most {MAX_DOSES:,}).",
    default=1,
    minimum=1,
    maximum=MAX_DOSES,
)

#: Insult and intervention types: ``type`` name -> (list it belongs to, fields, description).
# Tables: one entry per row reads better than one argument per line.
# fmt: off
EVENTS: dict[str, tuple[str, tuple[Field, ...], str]] = {
    "hepatectomy": ("insults", (
        _AT_INSULT,
        Field("fraction", "fraction", "Fraction of the liver removed (0.7 or '70 %' for a 2/3 "
              "hepatectomy; the remnant is 1 - fraction).", default=_MISSING, minimum=0.0,
              maximum=1.0, strict=True),
    ), "Partial hepatectomy: instant removal of a fraction of hepatocyte mass."),
    "toxin": ("insults", (
        _AT_INSULT,
        Field("dose", "mass_dose", "Dose of a lumped, direct-acting hepatotoxin.",
              default=_MISSING, minimum=0.0, strict=True, unit_required=True),
        _EVERY, _COUNT,
    ), "Acute dose of a lumped hepatotoxin (a reactive load cleared first-order; for "
       "acetaminophen itself use 'acetaminophen')."),
    "acetaminophen": ("insults", (
        _AT_INSULT,
        Field("dose", "mass_dose", "Acetaminophen (paracetamol) dose ('300 mg/kg', '10 g' needs "
              "a body weight: give mg/kg).", default=_MISSING, minimum=0.0, strict=True,
              unit_required=True),
        _EVERY, _COUNT,
    ), "Acetaminophen overdose: absorption, conjugation, NAPQI, glutathione, protein adducts, "
       "mitochondrial stress and necrosis."),
    "galactosamine": ("insults", (
        _AT_INSULT,
        Field("dose", "mass_dose", "D-galactosamine dose ('1.2 g/kg').", default=_MISSING,
              minimum=0.0, strict=True, unit_required=True),
    ), "D-galactosamine: uridine-nucleotide depletion and transcriptional arrest, which blocks "
       "repair and sensitises hepatocytes to inflammation (with a small 'inflammation' hit: the "
       "D-galactosamine/LPS model of fulminant failure)."),
    "chronic": ("insults", (
        Field("start", "time", "When the chronic injury starts.", default=0.0, minimum=0.0,
              doc_default="0 h"),
        Field("end", "time", "When it stops (may lie after the end of the run).",
              doc_default="the end of the run"),
        Field("rate", "rate", "Mean fraction of functional mass injured per hour ('0.1 /d').",
              default=DEFAULT_CHRONIC_RATE, minimum=0.0, strict=True,
              doc_default=f"{DEFAULT_CHRONIC_RATE:g} 1/h"),
        Field("every", "time", "If given, the same mean injury comes as pulses (CCl4-like "
              "injections) this far apart, instead of a constant rate.", minimum=0.0, strict=True),
        Field("pulse", "time", "Length of each pulse (with every).", default=12.0, minimum=0.0,
              strict=True, doc_default="12 h"),
    ), "Continuous or repeated (pulsed) injury on [start, end)."),
    "inflammation": ("insults", (
        _AT_INSULT,
        Field("amount", "number", "Inflammation added at once (LPS-like hit; 1 is a strong "
              "hit, in units of the model's inflammatory activity).", default=_MISSING,
              minimum=0.0, strict=True),
    ), "A sudden inflammatory stimulus (LPS- or D-galactosamine/LPS-like)."),
    "msc": ("interventions", (
        _AT_THERAPY,
        Field("dose", "cell_dose", "MSC dose per infusion ('1e6 cells/kg').", default=_MISSING,
              minimum=0.0, strict=True, unit_required=True),
        Field("route", "choice", "Route of administration.", default="iv", choices=ROUTES_MSC),
        _EVERY, _COUNT,
    ), "Mesenchymal stem cell infusion (paracrine therapy)."),
    "ev": ("interventions", (
        _AT_THERAPY,
        Field("dose", "ev_dose", "EV protein dose per injection ('100 ug/kg').", default=_MISSING,
              minimum=0.0, strict=True, unit_required=True),
        Field("route", "choice", "Route of administration.", default="iv", choices=ROUTES_EV),
        _EVERY, _COUNT,
    ), "MSC-derived extracellular vesicles."),
    "antidote": ("interventions", (
        _AT_THERAPY,
        Field("end", "time", "When the antidote stops.", doc_default="the end of the run"),
    ), "Antidote of the lumped toxin: speeds its clearance from 'at' to 'end' (for "
       "acetaminophen use 'nac')."),
    "nac": ("interventions", (
        _AT_THERAPY,
        Field("regimen", "choice", "N-acetylcysteine regimen: 'iv21' (21 h intravenous, "
              "300 mg/kg) or 'oral72' (72 h oral, 1,330 mg/kg).", default="iv21",
              choices=("iv21", "oral72")),
    ), "N-acetylcysteine, a cysteine source for glutathione synthesis, on a clinical regimen."),
}

EFFECTS: dict[str, str] = {
    "anti_inflammatory": "anti_inflammatory_on",
    "anti_death": "anti_death_on",
    "pro_regenerative": "pro_regenerative_on",
}

_EFFECT_FIELDS = tuple(
    Field(name, "bool", f"Therapy {name.replace('_', '-')} channel on (true) or off (false); "
          f"sets parameter {param}.", default=True)
    for name, param in EFFECTS.items()
)

_SOLVER_FIELDS = (
    Field("method", "choice", "Integrator.", default="LSODA", choices=METHODS),
    Field("rtol", "number", "Relative tolerance.", default=1e-6, minimum=0.0, maximum=1.0,
          strict=True),
    Field("atol", "number", "Absolute tolerance.", default=1e-9, minimum=0.0, maximum=1.0,
          strict=True),
    Field("max_step", "time", "Largest solver step (0 = no limit).", default=0.0, minimum=0.0,
          doc_default="0 (no limit)"),
    Field("max_steps", "integer", "Step budget per segment.", default=100_000, minimum=1),
)

#: Designs of a sweep (see :mod:`livermodel.sweep`).
SWEEP_DESIGNS = ("grid", "random", "lhs", "sobol")

#: Keys of the ``sweep:`` block (the same options as ``livermodel sweep``).
SWEEP_FIELDS = (
    Field("vary", "mapping", "Dotted key path -> SPEC: 'a:b:n' (n values from a to b), "
          "'a:b:n:log' (log-spaced), 'v1,v2,v3' or a YAML list of values; with a sampling design, "
          "'a:b' or 'a:b:log' ranges. Units go on the numbers ('0:48h:9', '1e5:1e7cells/kg:5:log').",
          default=_MISSING),
    Field("zip", "bool", "Pair the values of the varied keys (all need the same count) instead "
          "of a full grid.", default=False),
    Field("design", "choice", "grid (every combination), random, lhs (Latin hypercube) or sobol "
          "(scrambled Sobol sequence).", default="grid", choices=SWEEP_DESIGNS),
    Field("samples", "integer", "Number of runs of a random, lhs or sobol design.", minimum=1),
    Field("seed", "integer", "Seed of a random, lhs or sobol design.", minimum=0),
    Field("metric", "string", "Outcome metric drawn in the sweep figures.",
          default="survival_probability"),
)

#: Outcome checks allowed under ``expect:``: name -> (field, metric, comparison).
#: Comparisons: ``eq`` equal; ``le``/``ge`` metric <= / >= value (a missing metric fails);
#: ``le_or_none``: metric is None or > value ("not recovered by").
EXPECT: dict[str, tuple[Field, str, str]] = {
    "mode": (Field("mode", "choice", "Response mode.", choices=LABELS["mode"]),
             "mode", "eq"),
    "failed": (Field("failed", "bool", "Whether the liver fails."), "failed", "eq"),
    "failure_cause": (Field("failure_cause", "choice", "What the failure came from: the liver, "
                            "or the systemic injury of a systemic inflammation.",
                            choices=LABELS["failure_cause"]), "failure_cause", "eq"),
    "failed_by": (Field("failed_by", "time", "The liver fails no later than this.", minimum=0.0),
                  "failure_time_h", "le"),
    "failed_after": (Field("failed_after", "time", "The liver fails, but not before this.",
                           minimum=0.0), "failure_time_h", "ge"),
    "recovered_by": (Field("recovered_by", "time", "Functional mass is back to 90 % of the set "
                           "point no later than this.", minimum=0.0), "recovery_time_h", "le"),
    "not_recovered_by": (Field("not_recovered_by", "time", "Functional mass is not yet back to "
                               "90 % of the set point at this time.", minimum=0.0),
                         "recovery_time_h", "gt_or_none"),
    "survival_above": (Field("survival_above", "number", "Survival probability at the end is "
                             "at least this.", minimum=0.0, maximum=1.0), "survival_probability", "ge"),
    "survival_below": (Field("survival_below", "number", "Survival probability at the end is at "
                             "most this.", minimum=0.0, maximum=1.0), "survival_probability", "le"),
    "final_mass_above": (Field("final_mass_above", "number", "Final functional mass is at least "
                               "this.", minimum=0.0), "final_mass", "ge"),
    "final_mass_below": (Field("final_mass_below", "number", "Final functional mass is at most "
                               "this.", minimum=0.0), "final_mass", "le"),
    "nadir_above": (Field("nadir_above", "number", "Lowest functional mass is at least this.",
                          minimum=0.0), "nadir_mass", "ge"),
    "nadir_below": (Field("nadir_below", "number", "Lowest functional mass is at most this.",
                          minimum=0.0), "nadir_mass", "le"),
    "alt_peak_above": (Field("alt_peak_above", "number", "Peak serum ALT (U/L) is at least this.",
                             minimum=0.0), "alt_peak_u_per_l", "ge"),
    "alt_peak_below": (Field("alt_peak_below", "number", "Peak serum ALT (U/L) is at most this.",
                             minimum=0.0), "alt_peak_u_per_l", "le"),
    "alt_peak_after": (Field("alt_peak_after", "time", "Serum ALT peaks no earlier than this.",
                             minimum=0.0), "alt_peak_time_h", "ge"),
    "alt_peak_before": (Field("alt_peak_before", "time", "Serum ALT peaks no later than this.",
                              minimum=0.0), "alt_peak_time_h", "le"),
    "proliferation_peak_after": (Field("proliferation_peak_after", "time", "Division peaks no "
                                       "earlier than this.", minimum=0.0),
                                 "proliferation_peak_time_h", "ge"),
    "proliferation_peak_before": (Field("proliferation_peak_before", "time", "Division peaks no "
                                        "later than this.", minimum=0.0),
                                  "proliferation_peak_time_h", "le"),
}

#: Top-level keys of a scenario file.
TOP_LEVEL: tuple[Field, ...] = (
    Field("name", "string", "Short identifier (letters, digits, '-', '_', '.'). Not inherited.",
          doc_default="the file name without .yaml"),
    Field("description", "string", "What the scenario shows and which published observation it "
          "mirrors. Not inherited.", default=""),
    Field("extends", "string", "Path of a parent scenario, relative to this file."),
    Field("tags", "list", "Free-form labels for listing and filtering.", default=()),
    Field("species", "choice", "Parameter preset.", default="rat", choices=tuple(SPECIES)),
    Field("duration", "time", "Simulated time.", default=336.0, minimum=0.0, strict=True,
          doc_default="14 d"),
    Field("output_step", "time", "Spacing of the output grid.", default=1.0, minimum=0.0,
          strict=True, doc_default="1 h"),
    Field("parameters", "mapping", "Overrides of the parameter table (name: value, units "
          "optional but checked).", default={}),
    Field("initial", "mapping", "Initial state overrides (state name: value) instead of the "
          "healthy steady state, e.g. a chronically injured liver.", default={}),
    Field("insults", "list", "Insults: hepatectomy, acetaminophen, galactosamine, toxin, "
          "chronic, inflammation.", default=()),
    Field("interventions", "list", "Interventions: msc, ev, nac, antidote.", default=()),
    Field("effects", "mapping", "Therapy effect channels, all on by default.", default={}),
    Field("solver", "mapping", "Numerical settings.", default={}),
    Field("expect", "mapping", "The outcome this scenario is meant to show; checked by "
          "Scenario.check() and the test suite. Not inherited.", default={}),
    Field("sweep", "mapping", "A parameter sweep over this scenario, run by 'livermodel sweep' "
          "(see docs/sweeps.md). Not inherited; ignored by 'livermodel run'.", default={}),
    Field("cohort", "mapping", "A virtual cohort of this scenario, run by 'livermodel cohort': "
          "size, seed, variability (log-SD), control, vary (parameter names) and per-parameter "
          "distributions (see docs/analyses.md). Not inherited; ignored by 'livermodel run'.",
          default={}),
)
# fmt: on
_TOP = {f.name: f for f in TOP_LEVEL}
#: Keys that a child scenario does not inherit from its parent.
NOT_INHERITED = ("name", "description", "expect", "sweep", "cohort")
#: Keys whose mapping values merge key by key across extends/overrides (the rest replace).
MERGED = ("parameters", "initial", "effects", "solver")

_PARAM_UNIT_KINDS = {"1/h": "rate", "h": "time", "mg/kg": "mass_dose"}
_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]*")  # used with fullmatch: "$" would let "name\n" through
_NUMBER_RE = re.compile(r"^\s*[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?\s*$")
