"""Outcome metrics on trajectories whose answers are known by construction."""

import numpy as np
import pytest

from livermodel import Schedule, SolverSettings, resolve_parameters
from livermodel.metrics import compute
from livermodel.solve.simulate import Result


def _result(t, F, alt=None, prolif=None, surv=None, success=True):
    t = np.asarray(t, float)
    F = np.asarray(F, float)
    data = {
        "functional_mass": F,
        "liver_function": F,  # normal cell size and function per volume: function = mass
        "liver_volume": F,
        "alt_u_per_l": np.asarray(alt if alt is not None else np.full_like(t, 45.0)),
        "proliferation": np.asarray(prolif if prolif is not None else np.zeros_like(t)),
        "survival_probability": np.asarray(surv if surv is not None else np.ones_like(t)),
        "systemic_hazard": np.zeros_like(t),  # no systemic injury: a failure is the liver's
    }
    return Result(
        t, data, success, "ok", resolve_parameters("rat"), Schedule(), SolverSettings(), float(t[-1])
    )


def test_nadir_recovery_and_peaks_are_interpolated():
    t = [0, 10, 20, 30, 40]
    r = _result(t, [0.4, 0.3, 0.6, 1.0, 1.0], alt=[45, 900, 400, 100, 50], prolif=[0, 0.01, 0.03, 0.02, 0])
    m = compute(r)
    assert m["nadir_mass"] == 0.3 and m["nadir_time_h"] == 10
    assert m["recovery_time_h"] == pytest.approx(27.5)  # 0.9 reached between 0.6 and 1.0
    assert m["alt_peak_u_per_l"] == 900 and m["alt_peak_time_h"] == 10
    assert m["proliferation_peak_time_h"] == 20
    assert m["failed"] is False and m["failure_time_h"] is None and m["mode"] == "normal"


def test_failure_is_when_survival_falls_below_one_half():
    # the one criterion: failed once exp(-H) <= 1/2, interpolated (here 0.8 -> 0.3 over 10 h)
    r = _result([0, 10, 20], [0.2, 0.1, 0.0], surv=[1, 0.8, 0.3])
    m = compute(r)
    assert m["failed"] and m["mode"] == "failure"
    assert m["failure_time_h"] == pytest.approx(10 + (0.8 - 0.5) / (0.8 - 0.3) * 10)
    assert m["recovery_time_h"] is None
    assert m["survival_probability"] == 0.3
    assert m["failure_cause"] == "liver"


def test_failure_cause_is_where_most_of_the_hazard_came_from():
    t, F, surv = [0, 10, 20], [1.0, 1.0, 1.0], np.array([1.0, 0.8, 0.3])
    r = _result(t, F, surv=surv)
    H = -np.log(surv)
    r.data["systemic_hazard"] = 0.6 * H  # 60 % of the hazard is systemic
    assert compute(r)["failure_cause"] == "systemic"
    r.data["systemic_hazard"] = 0.4 * H
    assert compute(r)["failure_cause"] == "liver"
    assert compute(_result(t, F))["failure_cause"] is None  # not failed


def test_a_dip_below_the_failure_level_with_survival_above_one_half_is_not_failure():
    r = _result([0, 10, 20, 30], [0.3, 0.1, 0.6, 0.95], surv=[1, 0.9, 0.8, 0.8])
    m = compute(r)
    assert not m["failed"] and m["failure_time_h"] is None and m["mode"] == "normal"


def test_suppressed_when_growth_stalls_below_90_percent():
    t = np.linspace(0, 100, 101)
    stalled = 0.6 + 0.1 * (1 - np.exp(-t / 5))
    assert compute(_result(t, stalled))["mode"] == "suppressed"
    growing = 0.4 + 0.004 * t  # 0.8 at the end, would pass 0.9 within another run length
    assert compute(_result(t, growing))["mode"] == "normal"


def test_failed_solve_gives_null_metrics():
    m = compute(_result([0, 1], [1, 1], success=False))
    assert all(v is None for v in m.values())


def test_vectorised_metrics_equal_run_by_run_metrics():
    from livermodel import EV, MSC, Hepatectomy, Toxin, simulate_batch
    from livermodel.metrics import compute_batch

    scheds = [Schedule([Hepatectomy(0, f)]) for f in (0.3, 0.7, 0.85, 0.9)]
    scheds += [Schedule([Toxin(0, d), MSC(2, m), EV(3, 50)]) for d in (300, 1300, 2500) for m in (1, 30)]
    scheds += [Schedule([])]
    ps = [resolve_parameters("rat")] * len(scheds)
    batch = simulate_batch(ps, scheds, duration=240, output_step=1.5)
    batch.success[2] = False  # a failed run: all None either way
    fast = compute_batch(batch)
    slow = [compute(r) for r in batch]
    assert len(fast) == len(slow)
    for a, b in zip(fast, slow, strict=True):
        assert a.keys() == b.keys()
        for key in a:
            if isinstance(b[key], float):
                assert a[key] == pytest.approx(b[key], rel=1e-12, abs=1e-12), key
            else:
                assert a[key] == b[key], key
    modes = {m["mode"] for m in slow if m["mode"]}
    assert {"normal", "failure"} <= modes


def test_a_liver_that_never_falls_below_the_recovery_level_has_recovery_time_zero():
    # the nadir of a slow drift (0.98 at 100 h) is not a recovery from anything
    t = np.linspace(0, 200, 201)
    F = 1.0 - 0.02 * np.sin(np.pi * t / 200)
    assert compute(_result(t, F))["recovery_time_h"] == 0.0
    # and the batch path agrees (a healthy rat, whose function never leaves the set point)
    from livermodel import simulate_batch

    rat = resolve_parameters("rat")
    (m,) = simulate_batch([rat], [Schedule()], duration=48).metrics()
    assert m["recovery_time_h"] == 0.0
    # a dip below 90 % still gives the time it is back
    G = np.where(t < 50, 1.0 - t / 100, 0.5 + (t - 50) / 100)
    assert compute(_result(t, np.minimum(G, 1.0)))["recovery_time_h"] == pytest.approx(90.0, abs=1.0)
