"""Virtual cohorts: N animals or patients whose parameters vary around the preset.

**Individuals.**  Individual ``j`` gets, for every varied parameter ``p``, a multiplier
:math:`m_{jp} = \\exp(\\sigma_p z_{jp})` with :math:`z_{jp}` standard normal: a log-normal
variation whose *median* is the preset (the typical individual is the scenario as written) and
whose log-standard deviation is :math:`\\sigma_p` (``--variability``; 0.3 gives a coefficient of
variation of about 31 %).  The value is then :math:`p_j = p \\cdot m_{jp}`, clipped to the
parameter's hard limits.  With :math:`\\sigma = 0` every multiplier is exactly 1 and every
individual is exactly the preset.  A ``cohort:`` block in the scenario file can give other
distributions per parameter (see ``docs/analyses.md``):

``lognormal`` (``sd``: log-SD, the default shape), ``normal`` (``sd``: SD as a fraction of the
preset value, so the multiplier is :math:`1 + sd \\cdot z`), ``uniform`` (``low``/``high``:
multipliers of the preset), ``fixed`` (no variation).

By default the varied parameters are the individual biology: ``metabolic_load`` and every
parameter of the groups regeneration, injury, inflammation, enzymes and survival, and of the
groups toxin, acetaminophen, nac and galactosamine when the scenario has such an event
(switches, zero values and ``set_point``, the normalisation "1 = this individual's normal
liver", excepted).  Therapy parameters are the
product's, not the individual's, and stay fixed unless named.

**Paired design.**  Every arm (the scenario, and a ``control``) runs on the *same* individuals:
the same multipliers are applied to each arm's own parameter values, so the difference between
arms within an individual is the effect of what differs between the arms.

**Outcomes.**  An individual *survives* if it does not reach the failure basin (metric
``failed``).  Per arm: ``survival_fraction`` = survivors / n with a 95 % **Wilson score**
interval (Wilson 1927, J Am Stat Assoc 22:209; Brown, Cai & DasGupta 2001, Stat Sci 16:101,
who recommend it over the Wald interval for small n).  Survival curves are Kaplan-Meier
estimates (Kaplan & Meier 1958, J Am Stat Assoc 53:457) from ``failure_time_h``, censored at the
horizon, with Greenwood 95 % bands.  ``deaths_by_cause`` counts the failed individuals by
``failure_cause`` (``liver`` or ``systemic``, see :mod:`livermodel.metrics`).  The paired
difference in survival counts the discordant pairs (survives in the arm but not in the control,
and the reverse) with an exact McNemar test.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from livermodel.errors import LivermodelError, check_seed, count_text
from livermodel.metrics import LABELS
from livermodel.scenario.blocks import MAX_COHORT_SIZE, _parse_distribution, parse_cohort_block
from livermodel.studies.common import check_metric, evaluate, metric_value, rng

if TYPE_CHECKING:
    from livermodel.scenario.scenario import Scenario

COHORT_GROUPS = (
    "regeneration",
    "injury",
    "inflammation",
    "toxin",
    "enzymes",
    "survival",
    "acetaminophen",
    "nac",
    "galactosamine",
)
#: Groups varied only when the scenario has an event of that kind.
_EVENT_GROUPS = ("toxin", "acetaminophen", "nac", "galactosamine")


def wilson_interval(k: int, n: int, conf: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a proportion ``k / n`` at confidence ``conf`` (scipy's
    ``binomtest(k, n).proportion_ci(method="wilson")``; exactly 0 or 1 at ``k = 0`` or ``n``)."""
    from scipy.stats import binomtest

    if n <= 0:
        return (0.0, 1.0)
    ci = binomtest(int(k), int(n)).proportion_ci(confidence_level=conf, method="wilson")
    return (0.0 if k == 0 else max(0.0, float(ci.low)), 1.0 if k == n else min(1.0, float(ci.high)))


def kaplan_meier(times: Sequence[float | None], horizon: float, conf: float = 0.95) -> dict:
    """Kaplan-Meier survival from event times (``None`` = no event, censored at ``horizon``).

    Returns ``time_h`` (0, then each distinct event time), ``survival`` (the estimate just after
    each), ``ci_low``/``ci_high`` (Greenwood, clipped to [0, 1]; where the estimate reaches 0 the
    band is 0) and ``at_risk``.  The estimate and its band are scipy's ``stats.ecdf`` of the
    right-censored data (its ``sf`` and ``confidence_interval``).
    """
    import warnings

    import numpy as np
    from scipy.stats import CensoredData, ecdf

    n = len(times)
    events = sorted(float(t) for t in times if t is not None and t <= horizon)
    out: dict = {
        "time_h": [0.0],
        "survival": [1.0],
        "ci_low": [1.0],
        "ci_high": [1.0],
        "at_risk": [n],
        "horizon_h": float(horizon),
    }
    if not events:
        return out
    censored = [float(horizon)] * (n - len(events))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # Greenwood's 0/0 where survival is 0
        res = ecdf(CensoredData(uncensored=events, right=censored))
        # Any: scipy-stubs type the band's ends as float64; they are empirical functions with
        # .probabilities, like res.sf
        band: Any = res.sf.confidence_interval(conf)
    t = res.sf.quantiles
    at_event = np.isin(t, events)  # the quantiles include the censoring time
    s = res.sf.probabilities[at_event]
    lo = np.where(np.isnan(band.low.probabilities[at_event]), s, band.low.probabilities[at_event])
    hi = np.where(np.isnan(band.high.probabilities[at_event]), s, band.high.probabilities[at_event])
    ev = np.asarray(events)
    for ti, si, li, hj in zip(t[at_event], s, lo, hi, strict=True):
        out["time_h"].append(float(ti))
        out["survival"].append(float(si))
        out["ci_low"].append(float(min(1.0, max(0.0, li))))
        out["ci_high"].append(float(min(1.0, max(0.0, hj))))
        out["at_risk"].append(int(n - np.count_nonzero(ev <= ti)))
    return out


def mcnemar_exact(b: int, c: int) -> float:
    """Two-sided exact McNemar p-value for ``b`` and ``c`` discordant pairs."""
    from scipy.stats import binomtest

    if b + c == 0:
        return 1.0
    return float(binomtest(b, b + c, 0.5).pvalue)


# --------------------------------------------------------------------------------------------
# individuals
# --------------------------------------------------------------------------------------------


def default_varied(scenario) -> list[str]:
    """The parameters varied when none are named (see the module docstring)."""
    from livermodel.model.parameters import PARAMETERS

    kinds = {k for _, k in scenario.schedule.dose_times()}
    out = []
    for p in PARAMETERS:
        if p.unit == "switch" or scenario.parameters[p.name] == 0 or p.name == "set_point":
            continue
        if p.name == "metabolic_load" or (p.group in COHORT_GROUPS and p.name != "antidote_clearance_boost"):
            if p.group in _EVENT_GROUPS and p.group not in kinds:
                continue
            out.append(p.name)
    return out


def draw_multipliers(
    names: Sequence[str],
    size: int,
    *,
    variability: float = 0.3,
    distributions: Mapping[str, Mapping] | None = None,
    seed=None,
) -> np.ndarray:
    """Multipliers ``(size, len(names))`` of the preset values (see the module docstring).

    One standard normal (or uniform) column is drawn per parameter in the order of ``names``,
    from ``seed`` (an int, ``None`` or a Generator), so a seed gives the same cohort every time.
    """
    if size < 1:
        raise LivermodelError("a cohort needs at least one individual", key="--size", found=str(size))
    if size > MAX_COHORT_SIZE:
        raise LivermodelError(
            f"a cohort has at most {MAX_COHORT_SIZE:,} individuals",
            key="--size",
            expected=f"N from 1 to {MAX_COHORT_SIZE:,}",
            found=count_text(size),
            suggestion="A few hundred individuals give percentages to a few points",
        )
    if not (variability >= 0 and math.isfinite(variability)):
        raise LivermodelError(
            "the variability (log-SD) must be >= 0", key="--variability", found=repr(variability)
        )
    g = rng(seed)
    dists = dict(distributions or {})
    out = np.ones((size, len(names)))
    for j, n in enumerate(names):
        d = dists.get(n, {"distribution": "lognormal", "sd": variability})
        kind = d["distribution"]
        if kind == "uniform":
            u = g.random(size)
            out[:, j] = d["low"] + u * (d["high"] - d["low"])
            continue
        z = g.standard_normal(size)
        if kind == "lognormal":
            out[:, j] = np.exp(d["sd"] * z)
        elif kind == "normal":
            out[:, j] = 1.0 + d["sd"] * z
        # fixed: stays 1 (a column is still drawn, so other parameters do not shift)
    return out


def cohort_parameters(base: Mapping[str, float], names: Sequence[str], multipliers: np.ndarray) -> list[dict]:
    """Full parameter dicts: ``base`` with ``names`` multiplied, clipped to their hard limits."""
    from livermodel.model.parameters import BY_NAME

    out = []
    for row in multipliers:
        p = dict(base)
        for n, m in zip(names, row, strict=True):
            lo, hi = BY_NAME[n].limits
            p[n] = float(min(max(base[n] * float(m), lo), hi))
        out.append(p)
    return out


# --------------------------------------------------------------------------------------------
# running
# --------------------------------------------------------------------------------------------


@dataclass
class Arm:
    """One arm of a cohort: its scenario, label, the individuals' parameters and metrics."""

    label: str
    scenario: Scenario
    parameters: list[dict]
    metrics: list[dict]

    @property
    def n(self) -> int:
        return len(self.metrics)

    @property
    def survived(self) -> np.ndarray:
        return np.array([m.get("failed") is False for m in self.metrics])

    @property
    def evaluated(self) -> np.ndarray:
        return np.array([m.get("failed") is not None for m in self.metrics])

    def summary(self, conf: float = 0.95) -> dict:
        ok = self.evaluated
        n = int(ok.sum())
        k = int((self.survived & ok).sum())
        lo, hi = wilson_interval(k, n, conf)
        causes = [m.get("failure_cause") for m in self.metrics if m.get("failed")]
        return {
            "label": self.label,
            "scenario": getattr(self.scenario, "name", None),
            "n": n,
            "survivors": k,
            "survival_fraction": k / n if n else None,
            "ci_low": lo,
            "ci_high": hi,
            "failed_solves": int((~ok).sum()),
            "deaths_by_cause": {c: causes.count(c) for c in LABELS["failure_cause"]},
        }

    def values(self, metric: str) -> np.ndarray:
        horizon = self.scenario.duration_h
        return np.array([metric_value(m, metric, horizon) for m in self.metrics])


@dataclass
class CohortResult:
    """A cohort run: the varied parameter names, the multipliers (one row per individual),
    the arms (the first is the scenario, then the control), and the settings."""

    names: list[str]
    multipliers: np.ndarray
    arms: list[Arm]
    variability: float
    distributions: dict
    seed: int | None
    metrics_shown: list[str] = field(default_factory=lambda: ["final_mass", "alt_peak_u_per_l"])
    conf: float = 0.95

    @property
    def size(self) -> int:
        return int(self.multipliers.shape[0])

    def paired(self, arm: int = 0, control: int = 1) -> dict:
        """Paired comparison of arm ``arm`` with arm ``control`` on the same individuals."""
        a, c = self.arms[arm], self.arms[control]
        ok = a.evaluated & c.evaluated
        sa, sc = a.survived[ok], c.survived[ok]
        b = int((sa & ~sc).sum())
        cc = int((~sa & sc).sum())
        n = int(ok.sum())
        out: dict = {
            "arm": a.label,
            "control": c.label,
            "n_pairs": n,
            "survival_difference": (int(sa.sum()) - int(sc.sum())) / n if n else None,
            "saved": b,
            "lost": cc,
            "mcnemar_p": mcnemar_exact(b, cc),
            "metrics": {},
        }
        from scipy.stats import t as student

        for m in self.metrics_shown:
            d = (a.values(m) - c.values(m))[ok]
            d = d[np.isfinite(d)]
            if d.size == 0:
                continue
            mean = float(d.mean())
            if d.size > 1:
                half = float(student.ppf(0.5 + self.conf / 2, d.size - 1) * d.std(ddof=1) / math.sqrt(d.size))
            else:
                half = math.nan
            out["metrics"][m] = {
                "mean_difference": mean,
                "ci_low": mean - half,
                "ci_high": mean + half,
                "median_difference": float(np.median(d)),
                "n": int(d.size),
            }
        return out

    def to_dict(self) -> dict:
        """The content of ``cohort.json``."""
        out: dict[str, Any] = {
            "size": self.size,
            "seed": self.seed,
            "variability": self.variability,
            "distribution": "log-normal multipliers exp(sd * z) of the preset (median = preset), "
            "clipped to the hard limits",
            "ci_method": f"Wilson score, {int(self.conf * 100)} %",
            "varied": {
                n: self.distributions.get(n, {"distribution": "lognormal", "sd": self.variability})
                for n in self.names
            },
            "arms": {a.label: a.summary(self.conf) for a in self.arms},
            "survival_curves": {
                a.label: kaplan_meier(
                    [m.get("failure_time_h") for m in a.metrics if m.get("failed") is not None],
                    a.scenario.duration_h,
                    self.conf,
                )
                for a in self.arms
            },
        }
        if len(self.arms) > 1:
            out["paired"] = [self.paired(0, k) for k in range(1, len(self.arms))]
        return out

    def table(self) -> tuple[list[str], list[list]]:
        """Header and rows of the individuals table: one row per individual and arm."""
        from livermodel.metrics import METRICS

        header = ["individual", "arm", *[f"multiplier_{n}" for n in self.names], *self.names, *METRICS]
        rows = []
        for a in self.arms:
            for j in range(self.size):
                m = a.metrics[j]
                rows.append(
                    [
                        j + 1,
                        a.label,
                        *self.multipliers[j],
                        *[a.parameters[j][n] for n in self.names],
                        *[m.get(k) for k in METRICS],
                    ]
                )
        return header, rows


def run_cohort(
    scenario,
    *,
    size: int | None = None,
    variability: float | None = None,
    control=None,
    seed=None,
    params: Sequence[str] | None = None,
    distributions: Mapping[str, Mapping] | None = None,
    metrics: Sequence[str] = ("final_mass", "alt_peak_u_per_l"),
    labels=None,
    progress=None,
) -> CohortResult:
    """Simulate a virtual cohort of ``scenario`` (and of ``control``, on the same individuals).

    Settings not given come from the scenario's ``cohort:`` block, else: size 20, variability
    0.3, no control.  ``params`` replaces the default set of varied parameters; ``distributions``
    (name -> ``{"distribution": ..., ...}``) overrides the log-normal shape per parameter.
    ``metrics`` are the metrics whose distributions and paired differences are reported.  Every
    arm's runs are one batched solve (in chunks).
    """
    from livermodel.scenario.scenario import Scenario, load_scenario

    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    block = parse_cohort_block(getattr(scenario, "cohort", None) or {})
    size = int(size if size is not None else block.get("size", 20))
    variability = float(variability if variability is not None else block.get("variability", 0.3))
    if seed is None:
        seed = block.get("seed")
    seed = check_seed(seed)
    if seed is None:
        seed = int(np.random.default_rng().integers(2**31 - 1))
    control = control if control is not None else block.get("control")
    dists = dict(block.get("parameters") or {})
    for n, d in (distributions or {}).items():
        dists[n] = _parse_distribution(d, f"distributions.{n}")
    if params:
        from livermodel.studies.sensitivity import _check_names

        names = _check_names(params)
    else:
        names = list(block.get("vary") or default_varied(scenario))
    for n in dists:
        if n not in names:
            names.append(n)
    for m in metrics:
        check_metric(m, numeric=True, key="--metrics")
    mult = draw_multipliers(names, size, variability=variability, distributions=dists, seed=seed)
    arms_sc = [scenario]
    if control is not None:
        if not isinstance(control, Scenario):
            control = load_scenario(_beside(control, scenario.source))
        arms_sc.append(control)
        if control.species != scenario.species:
            raise LivermodelError(
                "the control is another species: a paired cohort needs the same animals in both arms",
                key="--control",
                found=f"{scenario.species} and {control.species}",
            )
    labels = list(labels) if labels else [s.name for s in arms_sc]
    if len(set(labels)) < len(labels):
        labels = [f"{lab} ({i + 1})" for i, lab in enumerate(labels)]
    arms = []
    total = size * len(arms_sc)
    if progress is not None:
        progress(0, total)
    for k, (sc, label) in enumerate(zip(arms_sc, labels, strict=True)):
        sets = cohort_parameters(sc.parameters, names, mult)
        # one count over every arm: individuals x arms
        step = (
            None if progress is None else (lambda done, _n, before=k * size: progress(before + done, total))
        )
        arms.append(Arm(label, sc, sets, evaluate(sc, sets, progress=step)))
    return CohortResult(
        names, mult, arms, variability, dists, seed if isinstance(seed, int) else None, list(metrics)
    )


def _beside(name: str, source) -> str:
    """A control named in a cohort block: a path relative to the scenario file if one exists."""
    from pathlib import Path

    if source and not Path(name).is_absolute():
        candidate = Path(str(source)).parent / name
        if candidate.is_file():
            return str(candidate)
    return name
