"""Outcome metrics accumulated by the compiled integrator (solve/kernel_metrics.py) against the
metrics computed from trajectories (metrics.compute_batch).

For a run the integrator finishes, both read the same dense-output values at the same output
times: the kernel's observables are the formulas of model.observables (checked here to 1e-12 on
random states) and its crossings the same linear interpolation of the same numbers, so the two
agree to rounding (1e-9 relative leaves a margin of 1e3 over a few operations at 1e-15; labels,
flags and None exactly).  Runs handed back to LSODA are integrated on the same path in both.
"""

import tracemalloc

import numpy as np
import pytest

from livermodel.errors import LivermodelError
from livermodel.metrics import METRICS, NEEDS
from livermodel.model.equations import derived, observables
from livermodel.model.layout import N_STATES
from livermodel.scenario.scenario import load_scenario
from livermodel.solve import compiled
from livermodel.solve.simulate import SolverSettings, simulate_batch
from statescale import state_scale
from test_compiled import _random_parameter_sets, _stack

N = compiled.MIN_RUNS
OBS = ("liver_function", "liver_volume", "proliferation", "survival_probability")


def test_compiled_observables_equal_the_model(integrator):
    import numba

    from livermodel.solve import kernel_metrics as km

    @numba.njit
    def each(Y, D, out):
        for r in range(Y.shape[0]):
            y = Y[r]
            out[r, 0], out[r, 1], out[r, 2], out[r, 3] = km.observables_one(
                y[0], y[1], y[2], y[3], y[4], y[5], D[r]
            )
        return out

    rng = np.random.default_rng(5)
    n = 400
    d = derived(_stack(_random_parameter_sets(rng, n)))
    y = rng.normal(size=(N_STATES, n)) * state_scale()[:, None]
    y[:, : n // 2] = np.abs(y[:, : n // 2])  # clamps in play on the other half
    y[km.STATE_NUMBERS[km.M_H]] = np.abs(y[km.STATE_NUMBERS[km.M_H]])  # hazards are >= 0
    Y = np.ascontiguousarray(y[list(km.STATE_NUMBERS[:6])].T)
    got = each(Y, compiled.pack(d, n), np.empty((n, 4)))
    ref = observables(y, d, None, OBS)
    for c, name in enumerate(OBS):
        size = np.maximum(1.0, np.abs(ref[name]))
        assert np.all(np.abs(got[:, c] - ref[name]) <= 1e-12 * size), name


def _batch(name, n=N, **settings):
    sc = load_scenario(name)
    sets = [dict(sc.parameters, death_sensitivity=float(v)) for v in np.geomspace(0.3, 4.0, n)]
    kw = dict(duration=sc.duration_h, output_step=sc.output_step_h)
    kw["settings"] = SolverSettings(**{**sc.settings.as_dict(), **settings})
    return sets, [sc.schedule] * n, kw


def _agree(fast, ref):
    """Metric dicts equal: numbers to 1e-9 of max(1, |value|), everything else exactly."""
    for a, b in zip(fast, ref, strict=True):
        assert list(a) == list(b) == list(METRICS)
        for k, v in b.items():
            if isinstance(v, float) and not isinstance(v, bool):
                assert type(a[k]) is float and abs(a[k] - v) <= 1e-9 * max(1.0, abs(v)), (k, a[k], v)
            else:
                assert type(a[k]) is type(v) and a[k] == v, (k, a[k], v)


SCENARIOS = {
    # liver failure and recoveries after a nadir (death_sensitivity 0.3 to 4)
    "fulminant": {},
    # systemic failure (most runs) and liver failure; some runs handed back to LSODA
    "human-aclf": {},
    # never below the recovery level (recovery 0), no division (None); some handed back
    "healthy": {},
    # suppressed regeneration
    "alcohol-impaired-regeneration": {},
    # every run turns stiff at rtol 1e-3 (acetaminophen absorbed at 200/h) and is handed back
    "mouse-apap-600-stiff": {"rtol": 1e-3, "atol": 1e-6},
}


@pytest.fixture(scope="module")
def outcomes(integrator):
    out = {}
    for key, settings in SCENARIOS.items():
        sets, schedules, kw = _batch(key.removesuffix("-stiff"), **settings)
        if key.endswith("-stiff"):
            sets = [dict(p, apap_absorption_rate=200.0) for p in sets]
            kw["duration"] = 48.0
        fast = simulate_batch(sets, schedules, metrics_only=True, **kw)
        ref = simulate_batch(sets, schedules, variables=NEEDS, **kw)
        out[key] = fast, ref
    return out


@pytest.mark.parametrize("key", list(SCENARIOS))
def test_accumulated_metrics_equal_those_of_the_trajectories(outcomes, key):
    fast, ref = outcomes[key]
    assert fast.messages == ref.messages
    assert np.array_equal(fast.success, ref.success) and ref.success.all()
    _agree(fast.metrics(), ref.metrics())
    a, b = fast.metric_arrays(), ref.metric_arrays()
    assert list(a) == list(METRICS)
    for k in METRICS:
        assert a[k].dtype == b[k].dtype and a[k].shape == (len(ref),)
        np.testing.assert_allclose(a[k], b[k], rtol=1e-9, atol=1e-9)


def test_the_scenarios_cover_every_branch(outcomes):
    seen: dict[str, set] = {}
    handed_back = 0
    for fast, _ in outcomes.values():
        handed_back += sum("integrated with LSODA" in m for m in fast.messages)
        for m in fast.metrics():
            seen.setdefault("mode", set()).add(m["mode"])
            seen.setdefault("cause", set()).add(m["failure_cause"])
            rec = m["recovery_time_h"]
            seen.setdefault("recovery", set()).add("none" if rec is None else "zero" if rec == 0 else "time")
            seen.setdefault("division", set()).add(m["proliferation_peak_time_h"] is None)
    assert seen["mode"] == {"normal", "suppressed", "failure"}
    assert seen["cause"] == {None, "liver", "systemic"}
    assert seen["recovery"] == {"none", "zero", "time"}
    assert seen["division"] == {True, False}
    assert handed_back > N  # the stiff batch and some of the others
    stiff, _ = outcomes["mouse-apap-600-stiff"]
    assert all("(stiff)" in m and m.endswith("integrated with LSODA: ok") for m in stiff.messages)


def test_a_metrics_only_batch_keeps_no_trajectory(integrator):
    # 256 runs x 8 kept states x 721 times would be 11.8 MB of trajectories
    sets, schedules, kw = _batch("fulminant-msc-early", n=256)
    kw.update(duration=720.0, output_step=1.0)
    simulate_batch(sets[:N], schedules[:N], metrics_only=True, **kw)  # warm: imports, caches
    tracemalloc.start()
    try:
        fast = simulate_batch(sets, schedules, metrics_only=True, **kw)
        _, peak_fast = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        full = simulate_batch(sets, schedules, variables=NEEDS, **kw)
        _, peak_full = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert set(fast.messages) == {"ok"}  # all by the integrator, none on the reference path
    assert fast.variables == () and fast.values.size == 0 and fast.time_h.size == 721
    traj = 256 * 8 * 721 * 8  # bytes
    assert peak_fast < traj / 4 < traj < peak_full  # the inputs (segments, constants) only
    _agree(fast.metrics(), full.metrics())


@pytest.mark.parametrize("path", ["small", "rhs", "off", "bdf"])
def test_the_reference_paths_give_the_metrics_of_their_trajectories(integrator, monkeypatch, path):
    n = 8 if path in ("small", "bdf") else N
    sets, schedules, kw = _batch("fulminant", n=n, **({"method": "BDF"} if path == "bdf" else {}))
    if path in ("rhs", "off"):
        monkeypatch.setenv("LIVERMODEL_COMPILED", "rhs" if path == "rhs" else "0")
    if path == "small":  # a process that has not loaded the integrator: small batches skip it
        monkeypatch.setattr(compiled.integrator, "cache_info", lambda: type("c", (), {"currsize": 0}))
    kw["duration"] = 96.0
    fast = simulate_batch(sets, schedules, metrics_only=True, **kw)
    ref = simulate_batch(sets, schedules, variables=NEEDS, **kw)
    assert fast.values.size == 0 and "compiled" not in " ".join(fast.messages)
    assert fast.metrics() == ref.metrics()  # the same trajectories, the same code


def test_metrics_only_takes_no_variables():
    sets, schedules, kw = _batch("healthy", n=2)
    with pytest.raises(LivermodelError, match="metrics_only"):
        simulate_batch(sets, schedules, metrics_only=True, variables=("liver_function",), **kw)


def test_a_later_deeper_nadir_restarts_the_recovery_and_failure_can_start_at_zero(integrator):
    # two resections: the liver recovers from the first, then falls lower after the second, so
    # the recovery crossing found after the first nadir is dropped and searched again; and a
    # cumulative hazard of 1 at the start (survival 0.37) fails at the first output point
    from livermodel import Hepatectomy, resolve_parameters

    base = resolve_parameters("rat")
    sets = [dict(base, death_sensitivity=float(v)) for v in np.linspace(0.5, 1.2, N)]
    schedules = [[Hepatectomy(2.0, 0.3 + 0.002 * i), Hepatectomy(200.0, 0.6)] for i in range(N)]
    kw = dict(duration=400.0, output_step=1.0)
    fast = simulate_batch(sets, schedules, metrics_only=True, **kw)
    ref = simulate_batch(sets, schedules, variables=NEEDS, **kw)
    assert set(fast.messages) == {"ok"}
    _agree(fast.metrics(), ref.metrics())
    F, t = ref.variable("liver_function"), ref.time_h
    level = 0.9 * base["set_point"]
    first = t < 200.0
    assert np.any((F[:, first] < level).any(axis=1) & (F[:, first][:, -1] >= level))  # recovered
    assert np.all(ref.metric_arrays()["nadir_time_h"] >= 200.0)  # then a deeper nadir
    assert np.any(np.isfinite(ref.metric_arrays()["recovery_time_h"]))

    init = {"cumulative_hazard": 1.0}
    fast = simulate_batch(sets, schedules, metrics_only=True, initial=init, **kw)
    ref = simulate_batch(sets, schedules, variables=NEEDS, initial=init, **kw)
    assert [m["failure_time_h"] for m in fast.metrics()] == [0.0] * N
    _agree(fast.metrics(), ref.metrics())
