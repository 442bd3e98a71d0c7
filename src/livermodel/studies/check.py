"""``livermodel check``: the model against what it promises and against the published data.

Two kinds of check, each a row of a scorecard (target, source, data, model, verdict):

* **expectations**: every item of a scenario's ``expect:`` block, run as the scenario says;
* **data** (``--data``): every shipped data set (``data/*.csv``, each with a citation header) and
  every literature target in ``data/literature_targets.csv``, simulated with the scenario that
  stands for the experiment.

Each data row says whether the model was **calibrated** to it (fitted: agreement is expected
and is not evidence) or only **checked** against it (held out: agreement is evidence).  The
registry of data sets is :data:`DATASETS`; the scalar targets are computed by the functions in
:data:`QUANTITIES`.  Nothing here fits anything: ``check`` only measures.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from livermodel.errors import LivermodelError

#: Roles of a data set or target.
CALIBRATED, CHECKED, EXPECTED = "calibrated", "checked", "expect"


def data_dir() -> Path:
    """The folder of the shipped data tables (``livermodel/data``)."""
    return Path(__file__).resolve().parent.parent / "data"


@dataclass(frozen=True)
class DataSet:
    """One group of a shipped time-series table and the scenario that stands for its experiment.

    ``select`` picks the rows of ``file`` (column -> value).  ``variable`` is the model variable
    the measurement corresponds to.  A point agrees when the model is within ``tolerance`` of the
    mean: the between-animal SD when ``tolerance`` is ``"sd"``, else the number given (with the
    reason in ``tolerance_source``).
    """

    name: str
    file: str
    select: tuple[tuple[str, str], ...]
    scenario: str
    role: str
    source: str
    variable: str = "liver_volume"
    overrides: tuple[str, ...] = ()
    tolerance: str | float = "sd"
    tolerance_source: str = "between-animal SD of the data"
    times_h: tuple[float, ...] | None = None
    #: the last points of a long study may be checked by a bound instead (for example "still
    #: below 0.92 at 4 years"): time -> (op, value), op one of "<=", ">="
    bounds: tuple[tuple[float, str, float], ...] = ()


_BARNHART = "Barnhart et al. 2023, Front Physiol 14:1102393, doi:10.3389/fphys.2023.1102393"
_AOKI = "Aoki et al. 2011, J Gastrointest Surg 15:1594, doi:10.1007/s11605-011-1590-y"

#: Every shipped time-series data set, with its role.  Calibration used the control rats (both
#: sexes, all time points but 96 and 336 h, where n <= 5), the ethanol-fed males and the
#: right-lobe donors; everything else is held out.
DATASETS: tuple[DataSet, ...] = (
    DataSet(
        "rat 70 % PHx, control diets, both sexes",
        "rat_phx_volume_by_group.csv",
        (("group", "control"), ("sex", "both")),
        "rat-phx-70",
        CALIBRATED,
        _BARNHART,
        times_h=(0.3, 10, 24, 48, 72, 168),
    ),
    DataSet(
        "rat 70 % PHx, control diets, females",
        "rat_phx_volume_by_group.csv",
        (("group", "control"), ("sex", "female")),
        "rat-phx-70",
        CHECKED,
        _BARNHART,
    ),
    DataSet(
        "rat 70 % PHx, control diets, males",
        "rat_phx_volume_by_group.csv",
        (("group", "control"), ("sex", "male")),
        "rat-phx-70",
        CHECKED,
        _BARNHART,
    ),
    DataSet(
        "rat 70 % PHx, ethanol-fed males",
        "rat_phx_volume_by_group.csv",
        (("group", "ethanol"), ("sex", "male")),
        "alcohol-impaired-regeneration",
        CALIBRATED,
        _BARNHART,
        times_h=(24, 48, 72, 168),
    ),
    DataSet(
        "rat 70 % PHx, ethanol-fed females",
        "rat_phx_volume_by_group.csv",
        (("group", "ethanol"), ("sex", "female")),
        "alcohol-female",
        CHECKED,
        _BARNHART,
        times_h=(24, 48, 72, 168),
    ),
    DataSet(
        "human right-lobe donors (42 % remnant)",
        "human_donor_volume.csv",
        (("group", "right"),),
        "human-donor-right-lobe",
        CALIBRATED,
        _AOKI,
        tolerance=0.08,
        tolerance_source="+-0.08: inter-individual spread of CT volumetry (Aoki et al. 2011 give means only)",
        times_h=(168, 336, 730, 2190, 4380, 8760),
        bounds=((35064, "<=", 0.92),),
    ),
    DataSet(
        "human left-lobe donors (63 % remnant)",
        "human_donor_volume.csv",
        (("group", "left"),),
        "human-donor-left-lobe",
        CHECKED,
        _AOKI,
        tolerance=0.08,
        tolerance_source="+-0.08 as for the right-lobe donors",
    ),
)


@dataclass
class Row:
    """One line of the scorecard."""

    target: str
    source: str
    role: str
    data: str
    model: str
    passed: bool
    scenario: str = ""
    detail: str = ""

    def as_dict(self) -> dict:
        return {
            "target": self.target,
            "source": self.source,
            "role": self.role,
            "data": self.data,
            "model": self.model,
            "verdict": "pass" if self.passed else "FAIL",
            "scenario": self.scenario,
            "detail": self.detail,
        }


@dataclass
class Curve:
    """A data set next to the model curve, for the model-versus-data figure."""

    dataset: DataSet
    times_h: np.ndarray
    mean: np.ndarray
    sd: np.ndarray | None
    model_t: np.ndarray
    model_y: np.ndarray
    role: str


@dataclass
class CheckResult:
    """Every row of the scorecard, and the curves of the data sets."""

    rows: list[Row] = field(default_factory=list)
    curves: list[Curve] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.rows)

    @property
    def failures(self) -> list[Row]:
        return [r for r in self.rows if not r.passed]


# --------------------------------------------------------------------------------------------
# tables
# --------------------------------------------------------------------------------------------


def read_table(name: str) -> tuple[list[dict], list[str]]:
    """Rows of a shipped CSV table (``#`` lines are its citation header), and that header."""
    path = data_dir() / name
    if not path.is_file():
        raise LivermodelError(
            f"no shipped data table '{name}'", key="--data", expected=f"a file in {data_dir()}"
        )
    header: list[str] = []
    lines: list[str] = []
    with open(path, newline="", encoding="utf-8") as fh:
        for line in fh:
            (header if line.startswith("#") else lines).append(line)
    rows = list(csv.DictReader(lines))
    return rows, [h.lstrip("# ").rstrip() for h in header]


def _fmt(x: float | None) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "none"
    if x == math.inf:
        return "never"
    return f"{x:.3g}"


def _time(h: float) -> str:
    if h < 48:
        return f"{h:g} h"
    if h < 24 * 60:
        return f"{h / 24:.3g} d"
    if h < 24 * 360:
        return f"{h / (24 * 30.44):.3g} mo"
    return f"{h / (24 * 365.25):.3g} y"


# --------------------------------------------------------------------------------------------
# expectations
# --------------------------------------------------------------------------------------------


def check_expect(scenarios: Iterable) -> list[Row]:
    """One row per ``expect:`` item of each scenario (a :class:`Scenario`, file or name)."""
    from livermodel.scenario.fields import EXPECT
    from livermodel.scenario.scenario import Scenario, check_expectations, load_scenario

    rows = []
    for item in scenarios:
        sc = item if isinstance(item, Scenario) else load_scenario(item)
        if not sc.expect:
            continue
        result = sc.run()
        metrics = result.metrics()
        for name, target in sc.expect.items():
            _, metric, _ = EXPECT[name]
            failures = check_expectations({name: target}, metrics)
            got = metrics.get(metric)
            is_time = EXPECT[name][0].kind == "time"
            if got is None or isinstance(got, bool) or not isinstance(got, float):
                shown = "never" if got is None and is_time else str(got)
            else:
                shown = _time(got) if is_time else _fmt(got)
            want = _time(target) if is_time else str(target)
            rows.append(
                Row(
                    f"{sc.name}: expect.{name}",
                    f"the scenario file ({sc.source})",
                    EXPECTED,
                    want,
                    shown,
                    not failures,
                    sc.name,
                    failures[0] if failures else "",
                )
            )
    return rows


# --------------------------------------------------------------------------------------------
# data sets
# --------------------------------------------------------------------------------------------


def check_dataset(ds: DataSet) -> tuple[list[Row], Curve]:
    """Rows (one per time point) and the curve of one data set."""
    from livermodel.scenario.scenario import load_scenario

    rows, _ = read_table(ds.file)
    sel = [r for r in rows if all(r.get(k) == v for k, v in ds.select)]
    if not sel:
        raise LivermodelError(f"data set '{ds.name}' selects no rows of {ds.file}")
    t = np.array([float(r["time_h"]) for r in sel])
    mean = np.array([float(r["mean"]) for r in sel])
    sd = np.array([float(r["sd"]) for r in sel]) if "sd" in sel[0] else None
    sc = load_scenario(ds.scenario, list(ds.overrides))
    horizon = float(max(t.max(), sc.duration_h))
    if horizon > sc.duration_h:
        sc = load_scenario(ds.scenario, [*ds.overrides, f"duration={horizon}h"])
    result = sc.run()
    if not result.success:
        raise LivermodelError(
            f"the scenario '{ds.scenario}' of data set '{ds.name}' could not be solved: {result.message}"
        )
    model_t, model_y = result.time_h, result[ds.variable]
    at = np.interp(t, model_t, model_y)
    out = []
    bounds = {bt: (op, v) for bt, op, v in ds.bounds}
    for i, ti in enumerate(t):
        if ti in bounds:
            op, v = bounds[ti]
            ok = at[i] <= v if op == "<=" else at[i] >= v
            out.append(
                Row(
                    f"{ds.name}, {_time(ti)}",
                    ds.source,
                    CHECKED,
                    f"{mean[i]:.3g} (model {op} {v:g})",
                    f"{at[i]:.3g}",
                    bool(ok),
                    ds.scenario,
                    f"bound {op} {v:g}",
                )
            )
            continue
        if ds.times_h is not None and not any(abs(ti - x) < 1e-9 for x in ds.times_h):
            continue
        if ds.tolerance == "sd":
            assert sd is not None, f"data set '{ds.name}': tolerance 'sd' needs an sd column"
            tol = float(sd[i])
        else:
            tol = float(ds.tolerance)
        ok = abs(at[i] - mean[i]) <= tol
        n = f", n = {sel[i]['n']}" if "n" in sel[i] else ""
        out.append(
            Row(
                f"{ds.name}, {_time(ti)}",
                ds.source,
                ds.role,
                f"{mean[i]:.3g} +- {tol:.2g}{n}",
                f"{at[i]:.3g}",
                bool(ok),
                ds.scenario,
                ds.tolerance_source,
            )
        )
    return out, Curve(ds, t, mean, sd, model_t, model_y, ds.role)


# --------------------------------------------------------------------------------------------
# literature targets (scalars)
# --------------------------------------------------------------------------------------------


def critical_remnant(scenario: str, overrides: Sequence[str] = ()) -> float | None:
    """The smallest remnant (1 - resected fraction) that survives the scenario's hepatectomy."""
    from livermodel.scenario.scenario import load_scenario
    from livermodel.studies.threshold import find_threshold

    sc = load_scenario(scenario, list(overrides))
    res = find_threshold(sc, "insults.0.fraction", 0.3, 0.97, tol=0.002)
    return None if res.critical_value is None else 1.0 - float(res.critical_value)


def load_metrics(scenario: str, overrides: Sequence[str]) -> dict:
    """The metrics of one run of ``scenario`` with ``overrides``."""
    from livermodel.scenario.scenario import load_scenario

    return load_scenario(scenario, list(overrides)).run().metrics()


def peak_delay_80_vs_70() -> float | None:
    """Hours by which the division peak after 80 % resection trails the peak after 70 %,
    or None when the 80 % resection fails."""
    m80 = load_metrics("rat-phx-70", ["insults.0.fraction=0.8"])
    m70 = load_metrics("rat-phx-70", [])
    if m80["failed"] or m80["proliferation_peak_time_h"] is None:
        return None
    return m80["proliferation_peak_time_h"] - m70["proliferation_peak_time_h"]


#: Scalar quantities a literature target may name: name -> function of (scenario, overrides).
QUANTITIES: dict[str, Callable[[str, Sequence[str]], float | None]] = {
    "critical_remnant": critical_remnant,
    "proliferation_peak_time_h": lambda s, o: load_metrics(s, o)["proliferation_peak_time_h"],
    "peak_delay_80_vs_70_h": lambda s, o: peak_delay_80_vs_70(),
    "final_mass": lambda s, o: load_metrics(s, o)["final_mass"],
    "alt_peak_time_h": lambda s, o: load_metrics(s, o)["alt_peak_time_h"],
    "alt_peak_u_per_l": lambda s, o: load_metrics(s, o)["alt_peak_u_per_l"],
    "failure_time_h": lambda s, o: _failure_time(load_metrics(s, o)),
}


def _failure_time(m: dict) -> float:
    """The failure time in hours; infinity for a run that does not fail."""
    t = m["failure_time_h"]
    return math.inf if t is None else t


def check_targets() -> list[Row]:
    """One row per line of ``data/literature_targets.csv``."""
    rows, _ = read_table("literature_targets.csv")
    out = []
    for r in rows:
        qty = r["quantity"]
        if qty not in QUANTITIES:
            raise LivermodelError(
                f"literature_targets.csv: unknown quantity '{qty}'", expected=", ".join(QUANTITIES)
            )
        overrides = [o for o in r["overrides"].split(";") if o.strip()]
        value = QUANTITIES[qty](r["scenario"], overrides)
        lo, hi = float(r["low"]), float(r["high"])
        ok = value is not None and lo <= value <= hi
        out.append(
            Row(
                r["target"],
                r["source"],
                r["role"],
                f"{lo:g} to {hi:g}",
                _fmt(value),
                bool(ok),
                r["scenario"],
                r.get("note", ""),
            )
        )
    return out


def run_check(
    scenarios: Sequence | None = None, *, data: bool = False, progress: Callable[[str], None] | None = None
) -> CheckResult:
    """The scorecard: the ``expect:`` blocks of ``scenarios`` (default: the whole library) and,
    with ``data``, every shipped data set and literature target."""
    from livermodel.scenario.library import list_library

    say = progress or (lambda _msg: None)
    res = CheckResult()
    if scenarios is None:
        scenarios = [e.path for e in list_library()]
    say(f"expectations of {len(scenarios)} scenario(s)")
    res.rows += check_expect(scenarios)
    if data:
        for ds in DATASETS:
            say(f"data: {ds.name}")
            rows, curve = check_dataset(ds)
            res.rows += rows
            res.curves.append(curve)
        say("literature targets")
        res.rows += check_targets()
    return res
