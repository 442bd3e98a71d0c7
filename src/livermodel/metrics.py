"""Outcome metrics computed from one trajectory, and the one failure criterion.

The metric names are a public interface (tables, tests and figures use them).  "Mass" metrics
read the **liver function** Phi = compensation x hypertrophy x functional mass (normal = 1), the
quantity the hepatostat restores and the failure criterion reads:

``nadir_mass``, ``nadir_time_h``
    Lowest liver function, and the first time it is reached.
``final_mass``
    Liver function at the end of the run.
``final_volume``
    Liver volume (hypertrophy x total mass) at the end of the run: what volumetry measures.
``recovery_time_h``
    First time at or after the nadir when liver function is back to at least
    :data:`RECOVERY_LEVEL` (90 %) of the set point; 0 if it never fell below that level (nothing
    to recover from); ``None`` if never within the run.
``failed``, ``failure_time_h``
    **The failure criterion.**  The hazard of death rises as a steep smooth step as liver
    function falls below the failure level Phi_fail (:func:`failure_level`: the function below
    which overload death outruns the fastest possible division); the run has *failed* once the
    survival probability exp(-H) has fallen below :data:`FAILURE_SURVIVAL` (one half), and
    ``failure_time_h`` is that first time (``None`` if not failed).  A brief dip below Phi_fail
    is a risk, not a failure; a long stay is a failure even if the mass later recovers.
``failure_cause``
    What the failure came from: ``liver`` if most of the hazard accumulated by the first output
    point at or after the failure came from liver function below Phi_fail, ``systemic`` if most
    came from the systemic injury of a systemic inflammation (multi-organ failure, infection);
    ``None`` if not failed.
``alt_peak_u_per_l``, ``alt_peak_time_h``
    Highest serum ALT and when it occurs.
``proliferation_peak_time_h``
    Time of the highest hepatocyte division flux; ``None`` if no division happens.
``survival_probability``
    ``exp(-H(end))``; below one half exactly when ``failed``.
``mode``
    ``failure`` if failed; ``normal`` if liver function ends at or above 90 % of the set point,
    or is still growing fast enough to get there within another run length; otherwise
    ``suppressed`` (growth stalled well below the set point), after the three response modes
    of Verma et al. 2019 (BMC Syst Biol 13:9).

``failed``, ``failure_time_h``, ``mode`` and ``survival_probability`` all derive from the one
cumulative hazard (whose systemic part is a hazard on top of the liver's, not another
criterion), and every figure draws its threshold line and shading at
:func:`failure_level`, so they cannot disagree.  Times are interpolated linearly between output
points.
"""

from __future__ import annotations

import numpy as np

RECOVERY_LEVEL = 0.9
#: Survival probability at and below which a run has failed.
FAILURE_SURVIVAL = 0.5

#: The trajectory variables the metrics are computed from.
NEEDS = (
    "liver_function",
    "liver_volume",
    "alt_u_per_l",
    "proliferation",
    "survival_probability",
    "systemic_hazard",
)

#: Metrics that are labels, not numbers: name -> their values (coded 0, 1, ... in figures).
LABELS: dict[str, tuple[str, ...]] = {
    "mode": ("normal", "suppressed", "failure"),
    "failure_cause": ("liver", "systemic"),
}

METRICS: dict[str, tuple[str, str]] = {
    "nadir_mass": ("1 (normal mass)", "lowest liver function"),
    "nadir_time_h": ("h", "time of the lowest liver function"),
    "final_mass": ("1 (normal mass)", "liver function at the end of the run"),
    "final_volume": ("1 (normal volume)", "liver volume at the end of the run"),
    "recovery_time_h": (
        "h",
        "first time after the nadir with liver function >= 90 % of the set "
        "point (0 if it never fell below; null if never)",
    ),
    "failed": ("bool", "the survival probability fell below one half (liver failure)"),
    "failure_time_h": ("h", "first time the survival probability fell below one half (null if not failed)"),
    "failure_cause": (
        "",
        "liver or systemic: where most of the hazard at failure came from (null if not failed)",
    ),
    "alt_peak_u_per_l": ("U/L", "highest serum ALT"),
    "alt_peak_time_h": ("h", "time of the highest serum ALT"),
    "proliferation_peak_time_h": ("h", "time of the highest division flux (null if none)"),
    "survival_probability": ("1", "exp(-cumulative hazard) at the end of the run"),
    "mode": ("", "normal, suppressed or failure (after Verma et al. 2019)"),
}


def failure_level(parameters) -> float:
    """The liver function Phi_fail at which the hazard is half-maximal: the failure line that
    every figure draws (see :func:`livermodel.model.equations.failure_level`)."""
    from livermodel.model.equations import derived
    from livermodel.model.equations import failure_level as level

    d = derived({k: np.array([float(v)]) for k, v in parameters.items()})
    return float(level(d)[0])


def failure_time(time_h, survival) -> float | None:
    """First time (h) at which ``survival`` falls to :data:`FAILURE_SURVIVAL`, or None: the
    failure time of the criterion, for one trajectory (figures mark it)."""
    return _crossing(np.asarray(time_h), np.asarray(survival), FAILURE_SURVIVAL, below=True)


def critical_level(parameters) -> float:
    """Liver function at which overload death is half-maximal (critical_mass x metabolic_load);
    the failure line is :func:`failure_level`, a little above it."""
    return float(parameters["critical_mass"] * parameters["metabolic_load"])


def _crossing(t, x, level, start=0, below=False):
    """First time at or after index ``start`` where ``x`` reaches ``level`` (interpolated)."""
    hit = (x[start:] <= level) if below else (x[start:] >= level)
    idx = np.flatnonzero(hit)
    if idx.size == 0:
        return None
    j = start + int(idx[0])
    if j == 0 or j == start:
        return float(t[j])
    x0, x1 = x[j - 1], x[j]
    if x1 == x0:
        return float(t[j])
    return float(t[j - 1] + (level - x0) * (t[j] - t[j - 1]) / (x1 - x0))


def compute(result) -> dict:
    """The outcome metrics of a :class:`livermodel.solve.simulate.Result`, as a plain dict.

    A run whose solve failed gets ``None`` for every metric.
    """
    if not result.success:
        return {name: None for name in METRICS}
    t = result.time_h
    F = result["liver_function"]
    S = float(result.parameters["set_point"])
    surv = result["survival_probability"]

    i_nadir = int(np.argmin(F))
    recovery = _crossing(t, F, RECOVERY_LEVEL * S, start=i_nadir)
    if F[i_nadir] >= RECOVERY_LEVEL * S:
        recovery = 0.0  # never below the recovery level: nothing to recover from
    fail_t = failure_time(t, surv)
    alt = result["alt_u_per_l"]
    i_alt = int(np.argmax(alt))
    prolif = result["proliferation"]
    i_pro = int(np.argmax(prolif))
    prolif_peak = float(t[i_pro]) if prolif[i_pro] > 1e-9 else None

    if fail_t is not None:
        mode = "failure"
    elif F[-1] >= RECOVERY_LEVEL * S:
        mode = "normal"
    else:
        # growth over the last tenth of the run, extrapolated over another run length
        k = max(1, int(0.9 * (len(t) - 1)))
        rate = (F[-1] - F[k]) / max(t[-1] - t[k], 1e-12)
        mode = "normal" if F[-1] + rate * t[-1] >= RECOVERY_LEVEL * S else "suppressed"

    return {
        "nadir_mass": float(F[i_nadir]),
        "nadir_time_h": float(t[i_nadir]),
        "final_mass": float(F[-1]),
        "final_volume": float(result["liver_volume"][-1]),
        "recovery_time_h": recovery,
        "failed": fail_t is not None,
        "failure_time_h": fail_t,
        "failure_cause": failure_cause(surv, result["systemic_hazard"]),
        "alt_peak_u_per_l": float(alt[i_alt]),
        "alt_peak_time_h": float(t[i_alt]),
        "proliferation_peak_time_h": prolif_peak,
        "survival_probability": float(surv[-1]),
        "mode": mode,
    }


def _cause(systemic_hazard, survival) -> str:
    """``systemic`` if the systemic part of the hazard is more than half of the whole."""
    return "systemic" if systemic_hazard > 0.5 * -np.log(max(survival, 1e-300)) else "liver"


def failure_cause(survival, systemic_hazard) -> str | None:
    """``liver`` or ``systemic`` (see ``failure_cause`` above) from a survival-probability
    series and its systemic hazard at the same points; ``None`` if the run did not fail."""
    surv = np.asarray(survival, dtype=float)
    hit = np.flatnonzero(surv <= FAILURE_SURVIVAL)
    if hit.size == 0:
        return None
    return _cause(float(np.asarray(systemic_hazard)[hit[0]]), float(surv[hit[0]]))


def _first(mask: np.ndarray) -> np.ndarray:
    """Index of the first True along the last axis, or -1 where there is none."""
    idx = np.argmax(mask, axis=1)
    return np.where(mask[np.arange(mask.shape[0]), idx], idx, -1)


def _crossing_times(t, x, level, first, below=False):
    """Vectorised :func:`_crossing`: times (NaN if none) for first indices ``first`` (-1: none)."""
    rows = np.arange(x.shape[0])
    j = np.maximum(first, 0)
    prev = np.maximum(j - 1, 0)
    x0, x1 = x[rows, prev], x[rows, j]
    with np.errstate(divide="ignore", invalid="ignore"):
        interp = t[prev] + (level - x0) * (t[j] - t[prev]) / (x1 - x0)
    exact = (j == 0) | (x1 == x0)
    out = np.where(exact, t[j], interp)
    return np.where(first >= 0, out, np.nan), j


def compute_batch(batch) -> list[dict]:
    """:func:`compute` for every run of a :class:`livermodel.solve.simulate.BatchResult`, vectorised.

    Gives the same values as calling :func:`compute` run by run (a test checks it), without a
    Python loop over the output points; sweeps use it.
    """
    return as_dicts(batch_arrays(batch), batch.success)


def batch_arrays(batch) -> dict[str, np.ndarray]:
    """The metrics of every run of a batch as arrays (see :func:`assemble`), from its
    trajectories of the variables :data:`NEEDS`."""
    t = batch.time_h
    n = len(batch)
    F = batch.variable("liver_function")
    alt = batch.variable("alt_u_per_l")
    prolif = batch.variable("proliferation")
    surv_t = batch.variable("survival_probability")
    sys_h = batch.variable("systemic_hazard")
    rows = np.arange(n)
    cols = np.arange(t.size)

    i_nadir = np.argmin(F, axis=1)
    rec_level = RECOVERY_LEVEL * np.array([float(p["set_point"]) for p in batch.parameters])
    rec_first = _first((F >= rec_level[:, None]) & (cols[None, :] >= i_nadir[:, None]))
    recovery, _ = _crossing_times(t, F, rec_level, rec_first)
    # _crossing returns the exact grid time when the first hit is the start index itself
    recovery = np.where(rec_first == i_nadir, t[np.maximum(rec_first, 0)], recovery)
    recovery = np.where(rec_first >= 0, recovery, np.nan)
    fail_first = _first(surv_t <= FAILURE_SURVIVAL)
    fail_t, j = _crossing_times(t, surv_t, np.full(n, FAILURE_SURVIVAL), fail_first)
    i_alt = np.argmax(alt, axis=1)
    i_pro = np.argmax(prolif, axis=1)
    return assemble(
        t,
        rec_level,
        batch.success,
        nadir=F[rows, i_nadir],
        i_nadir=i_nadir,
        recovery=recovery,
        fail_t=fail_t,
        fail_systemic=sys_h[rows, j],
        fail_survival=surv_t[rows, j],
        alt_peak=alt[rows, i_alt],
        i_alt=i_alt,
        prolif_peak=prolif[rows, i_pro],
        i_prolif=i_pro,
        f_mode=F[:, max(1, int(0.9 * (len(t) - 1)))],
        final_mass=F[:, -1],
        final_volume=batch.variable("liver_volume")[:, -1],
        final_survival=surv_t[:, -1],
    )


#: The metrics that are numbers with a value for every run (NaN only where the solve failed).
_ALWAYS: tuple[str, ...] = ("nadir_mass", "nadir_time_h", "final_mass", "final_volume")
_ALWAYS += ("alt_peak_u_per_l", "alt_peak_time_h", "survival_probability")


def assemble(t, rec_level, success, **x) -> dict[str, np.ndarray]:
    """The metrics of :data:`METRICS` as arrays over runs, from what one pass over each
    trajectory gathers (on the output grid ``t``, with recovery levels ``rec_level``):
    ``nadir`` and ``i_nadir`` (the first minimum of liver function), ``recovery`` (the crossing
    at or after it, NaN if none), ``fail_t`` (the failure crossing, NaN if none) with
    ``fail_systemic`` and ``fail_survival`` at its output point, ``alt_peak``/``i_alt`` and
    ``prolif_peak``/``i_prolif`` (first maxima), ``f_mode`` (liver function at the point
    the ``mode`` rule reads), ``final_mass``, ``final_volume`` and ``final_survival``.

    Both :func:`batch_arrays` (from trajectories) and the compiled integrator's accumulated
    metrics (:mod:`livermodel.solve.kernel_metrics`) end here, so the rules for ``recovery``,
    ``mode`` and ``failure_cause`` are written once.  Numbers are float arrays with NaN for
    ``None``; ``failed`` is bool; ``mode`` and ``failure_cause`` are codes into
    :data:`LABELS` (``-1`` for ``None``).  Runs whose solve failed (``success`` False) hold NaN,
    ``False`` and ``-1``.
    """
    ok = np.asarray(success, dtype=bool)
    i_nadir, i_alt, i_pro = (np.asarray(x[k], dtype=np.int64) for k in ("i_nadir", "i_alt", "i_prolif"))
    nadir, final = np.asarray(x["nadir"], dtype=float), np.asarray(x["final_mass"], dtype=float)
    fail_t = np.asarray(x["fail_t"], dtype=float)
    failed = ~np.isnan(fail_t) & ok
    recovery = np.where(nadir >= rec_level, 0.0, x["recovery"])  # never below: nothing to recover
    k = max(1, int(0.9 * (len(t) - 1)))
    # growth over the last tenth of the run, extrapolated over another run length
    rate = (final - x["f_mode"]) / max(t[-1] - t[k], 1e-12)
    normal = (final >= rec_level) | (final + rate * t[-1] >= rec_level)
    mode = np.where(failed, 2, np.where(normal, 0, 1))
    with np.errstate(divide="ignore", invalid="ignore"):
        hazard = -np.log(np.maximum(np.asarray(x["fail_survival"], dtype=float), 1e-300))
    cause = np.where(failed, np.where(np.asarray(x["fail_systemic"]) > 0.5 * hazard, 1, 0), -1)
    out = {
        "nadir_mass": nadir,
        "nadir_time_h": t[i_nadir],
        "final_mass": final,
        "final_volume": np.asarray(x["final_volume"], dtype=float),
        "recovery_time_h": np.asarray(recovery, dtype=float),
        "failed": failed,
        "failure_time_h": fail_t,
        "failure_cause": cause,
        "alt_peak_u_per_l": np.asarray(x["alt_peak"], dtype=float),
        "alt_peak_time_h": t[i_alt],
        "proliferation_peak_time_h": np.where(np.asarray(x["prolif_peak"]) > 1e-9, t[i_pro], np.nan),
        "survival_probability": np.asarray(x["final_survival"], dtype=float),
        "mode": mode,
    }
    for name, v in out.items():
        out[name] = np.where(ok, v, False if v.dtype == bool else -1 if v.dtype.kind == "i" else np.nan)
    return out


def as_dicts(arrays: dict[str, np.ndarray], success) -> list[dict]:
    """The arrays of :func:`assemble` as one dict per run (floats, ``None``, bools and labels:
    what :func:`compute` returns); every metric ``None`` for a run whose solve failed."""
    n = len(success)
    cols = {name: arrays[name].tolist() for name in METRICS}
    out: list[dict] = []
    for i in range(n):
        if not success[i]:
            out.append({name: None for name in METRICS})
            continue
        m = {name: cols[name][i] for name in _ALWAYS}
        for name in ("recovery_time_h", "failure_time_h", "proliferation_peak_time_h"):
            v = cols[name][i]
            m[name] = None if v != v else v  # NaN: no value
        m["failed"] = bool(cols["failed"][i])
        for name in ("failure_cause", "mode"):
            c = cols[name][i]
            m[name] = LABELS[name][c] if c >= 0 else None
        out.append({name: m[name] for name in METRICS})
    return out


# --------------------------------------------------------------------------------------------
# metrics for people
# --------------------------------------------------------------------------------------------

#: Metrics shown in the summary table of ``run`` and ``compare``, with their labels.
SUMMARY = (
    ("mode", "outcome mode"),
    ("nadir_mass", "nadir liver function"),
    ("recovery_time_h", "recovery (90 % of set point)"),
    ("failure_time_h", "failure time"),
    ("alt_peak_u_per_l", "ALT peak (U/L)"),
    ("proliferation_peak_time_h", "division peak"),
    ("survival_probability", "survival probability"),
    ("final_mass", "final liver function"),
    ("final_volume", "final liver volume"),
)


def format_time(hours: float | None) -> str:
    """A time for a table: ``36 h``; ``4.2 d``; ``never`` for ``None``."""
    if hours is None:
        return "never"
    if abs(hours) < 72:
        return f"{hours:.0f} h" if abs(hours - round(hours)) < 0.05 else f"{hours:.1f} h"
    if abs(hours) < 24 * 70:
        return _short(hours / 24) + " d"
    return _short(hours / 168) + " wk"


def _short(x: float) -> str:
    text = f"{x:.1f}"
    return text[:-2] if text.endswith(".0") else text


def format_metric(name: str, value, metrics: dict | None = None) -> str:
    """One metric value as shown in tables (times in h/d/wk, masses to 3 digits)."""
    if name == "failure_time_h" and value is None:
        return "no failure"
    if name == "failure_time_h" and metrics and metrics.get("failure_cause") == "systemic":
        return f"{format_time(value)}, systemic"  # the liver held; other organs failed
    if name.endswith("_time_h"):
        return format_time(value)
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if name == "alt_peak_u_per_l":
        text = f"{value:,.0f}"
        if metrics and metrics.get("alt_peak_time_h") is not None:
            text += f" at {format_time(metrics['alt_peak_time_h'])}"
        return text
    if name == "nadir_mass" and metrics and metrics.get("nadir_time_h") is not None:
        return f"{value:.3f} at {format_time(metrics['nadir_time_h'])}"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)
