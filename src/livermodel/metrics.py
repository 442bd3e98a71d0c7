"""Outcome metrics computed from one trajectory.

The metric names are a public interface (tables, tests and figures use them):

``nadir_mass``, ``nadir_time_h``
    Lowest functional mass, and the first time it is reached.
``final_mass``
    Functional mass at the end of the run.
``recovery_time_h``
    First time at or after the nadir when functional mass is back to at least
    :data:`RECOVERY_LEVEL` (90 %) of the set point; ``None`` if never within the run.
``failed``, ``failure_time_h``
    Whether, and first when, functional mass falls below :data:`FAILURE_LEVEL` (one half) of the
    critical level ``critical_mass x metabolic_load``.  Below it overload death outruns division in
    the model, so the liver is in the failure basin.  ``failure_time_h`` is ``None`` if not failed.
``alt_peak_u_per_l``, ``alt_peak_time_h``
    Highest serum ALT and when it occurs.
``proliferation_peak_time_h``
    Time of the highest hepatocyte division flux; ``None`` if no division happens.
``survival_probability``
    ``exp(-H(end))`` where ``H`` is the cumulative hazard; the hazard rises as a smooth step as
    functional mass falls below the critical level (see ``docs/model.md``).
``mode``
    ``failure`` if failed; ``normal`` if the run ends at or above 90 % of the set point, or is still
    growing fast enough to get there within another run length; otherwise ``suppressed``
    (growth stalled well below the set point), after the three response modes of
    Verma et al. 2019 (BMC Syst Biol 13:9).

Times are interpolated linearly between output points.
"""

from __future__ import annotations

import numpy as np

RECOVERY_LEVEL = 0.9
FAILURE_LEVEL = 0.5

#: The trajectory variables the metrics are computed from.
NEEDS = ("functional_mass", "alt_u_per_l", "proliferation", "survival_probability")

METRICS: dict[str, tuple[str, str]] = {
    "nadir_mass": ("1 (normal mass)", "lowest functional mass"),
    "nadir_time_h": ("h", "time of the lowest functional mass"),
    "final_mass": ("1 (normal mass)", "functional mass at the end of the run"),
    "recovery_time_h": ("h", "first time after the nadir with functional mass >= 90 % of the set "
                        "point (null if never)"),
    "failed": ("bool", "functional mass fell below half the critical level (failure basin)"),
    "failure_time_h": ("h", "first time functional mass fell below half the critical level "
                       "(null if not failed)"),
    "alt_peak_u_per_l": ("U/L", "highest serum ALT"),
    "alt_peak_time_h": ("h", "time of the highest serum ALT"),
    "proliferation_peak_time_h": ("h", "time of the highest division flux (null if none)"),
    "survival_probability": ("1", "exp(-cumulative hazard) at the end of the run"),
    "mode": ("", "normal, suppressed or failure (after Verma et al. 2019)"),
}


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


def critical_level(parameters) -> float:
    """Functional mass at which overload death and the hazard are half-maximal."""
    return float(parameters["critical_mass"] * parameters["metabolic_load"])


def compute(result) -> dict:
    """The outcome metrics of a :class:`livermodel.solve.simulate.Result`, as a plain dict.

    A run whose solve failed gets ``None`` for every metric.
    """
    if not result.success:
        return {name: None for name in METRICS}
    t = result.time_h
    F = result["functional_mass"]
    S = float(result.parameters["set_point"])
    crit = critical_level(result.parameters)

    i_nadir = int(np.argmin(F))
    recovery = _crossing(t, F, RECOVERY_LEVEL * S, start=i_nadir)
    fail_t = _crossing(t, F, FAILURE_LEVEL * crit, below=True)
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
        "recovery_time_h": recovery,
        "failed": fail_t is not None,
        "failure_time_h": fail_t,
        "alt_peak_u_per_l": float(alt[i_alt]),
        "alt_peak_time_h": float(t[i_alt]),
        "proliferation_peak_time_h": prolif_peak,
        "survival_probability": float(result["survival_probability"][-1]),
        "mode": mode,
    }


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
    t = batch.time_h
    n = len(batch)
    F = batch.variable("functional_mass")
    alt = batch.variable("alt_u_per_l")
    prolif = batch.variable("proliferation")
    surv = batch.variable("survival_probability")[:, -1]
    S = np.array([float(p["set_point"]) for p in batch.parameters])
    crit = np.array([critical_level(p) for p in batch.parameters])
    cols = np.arange(t.size)

    i_nadir = np.argmin(F, axis=1)
    rec_level = RECOVERY_LEVEL * S
    rec_first = _first((F >= rec_level[:, None]) & (cols[None, :] >= i_nadir[:, None]))
    recovery, _ = _crossing_times(t, F, rec_level, rec_first)
    # _crossing returns the exact grid time when the first hit is the start index itself
    recovery = np.where(rec_first == i_nadir, t[np.maximum(rec_first, 0)], recovery)
    recovery = np.where(rec_first >= 0, recovery, np.nan)
    fail_first = _first(F <= (FAILURE_LEVEL * crit)[:, None])
    fail_t, _ = _crossing_times(t, F, FAILURE_LEVEL * crit, fail_first)
    i_alt = np.argmax(alt, axis=1)
    i_pro = np.argmax(prolif, axis=1)
    rows = np.arange(n)
    k = max(1, int(0.9 * (len(t) - 1)))
    rate = (F[:, -1] - F[:, k]) / max(t[-1] - t[k], 1e-12)

    out = []
    for i in range(n):
        if not batch.success[i]:
            out.append({name: None for name in METRICS})
            continue
        failed = fail_first[i] >= 0
        if failed:
            mode = "failure"
        elif F[i, -1] >= rec_level[i]:
            mode = "normal"
        else:
            mode = "normal" if F[i, -1] + rate[i] * t[-1] >= rec_level[i] else "suppressed"
        out.append({
            "nadir_mass": float(F[i, i_nadir[i]]),
            "nadir_time_h": float(t[i_nadir[i]]),
            "final_mass": float(F[i, -1]),
            "recovery_time_h": float(recovery[i]) if rec_first[i] >= 0 else None,
            "failed": bool(failed),
            "failure_time_h": float(fail_t[i]) if failed else None,
            "alt_peak_u_per_l": float(alt[i, i_alt[i]]),
            "alt_peak_time_h": float(t[i_alt[i]]),
            "proliferation_peak_time_h": (float(t[i_pro[i]])
                                          if prolif[rows[i], i_pro[i]] > 1e-9 else None),
            "survival_probability": float(surv[i]),
            "mode": mode,
        })
    return out
