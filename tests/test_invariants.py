"""Property-based invariants over random parameter sets within their plausible ranges."""

import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from livermodel import (
    EV,
    MSC,
    PARAMETERS,
    Chronic,
    Hepatectomy,
    Schedule,
    SolverSettings,
    Toxin,
    resolve_parameters,
    simulate_batch,
)
from livermodel.model.equations import healthy_growth_rate
from livermodel.model.layout import STATES

SWEEPABLE = [p for p in PARAMETERS if p.unit != "switch"]


@st.composite
def parameter_sets(draw):
    values = resolve_parameters(draw(st.sampled_from(["rat", "mouse", "human"])))
    for p in SWEEPABLE:
        lo, hi = p.bounds
        u = draw(st.floats(0, 1))
        if lo > 0 and hi / lo > 10:  # wide ranges: sample in log space
            values[p.name] = float(lo * (hi / lo) ** u)
        else:
            values[p.name] = float(lo + (hi - lo) * u)
    # Independent draws at the ends of the ranges can make a *normal* liver fail by itself (for
    # example critical_mass x metabolic_load close to the set point): its healthy state is then
    # unstable and any perturbation, solver error included, grows.  That is not a biological
    # case, and no solver can make two runs of an unstable state agree: keep stable ones.
    assume(healthy_growth_rate(values) < 1e-4)
    return values


@st.composite
def schedules(draw):
    events = []
    if draw(st.booleans()):
        events.append(Hepatectomy(draw(st.floats(0, 24)), draw(st.floats(0.05, 0.95))))
    if draw(st.booleans()):
        events.append(Toxin(draw(st.floats(0, 24)), draw(st.floats(10, 3000))))
    if draw(st.booleans()):
        events.append(Chronic(draw(st.floats(0, 24)), draw(st.floats(30, 90)), draw(st.floats(1e-4, 0.02))))
    if draw(st.booleans()):
        events.append(
            MSC(
                draw(st.floats(0, 48)),
                draw(st.floats(0.1, 100)),
                route=draw(st.sampled_from(["iv", "intraportal", "intrasplenic", "intraperitoneal"])),
            )
        )
    if draw(st.booleans()):
        events.append(EV(draw(st.floats(0, 48)), draw(st.floats(1, 1000))))
    return Schedule(events)


@settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(st.lists(st.tuples(parameter_sets(), schedules()), min_size=2, max_size=4))
def test_states_stay_nonnegative_mass_bounded_and_batch_equals_single(runs):
    params = [p for p, _ in runs]
    scheds = [s for _, s in runs]
    tight = SolverSettings(rtol=1e-9, atol=1e-11)
    batch = simulate_batch(params, scheds, duration=120, output_step=2, settings=tight)
    assert batch.success.all(), batch.messages
    for i in range(len(runs)):
        single = simulate_batch([params[i]], [scheds[i]], duration=120, output_step=2, settings=tight)
        for k, name in enumerate(STATES):
            y = batch.values[i, k]
            scale = max(1.0, np.abs(y).max())
            # no state goes negative (beyond the absolute tolerance)
            assert y.min() >= -1e-7 * scale, name
            # the batch path equals the one-run path
            assert np.abs(y - single.values[0, k]).max() <= 1e-6 * scale, name
        total = batch.variable("total_mass")[i]
        # no overshoot: regrowth stops within 10 % of the set point (or of a larger start)
        assert total.max() <= 1.1 * max(params[i]["set_point"], params[i]["initial_mass"])
        surv = batch.variable("survival_probability")[i]
        assert np.all(np.diff(surv) <= 1e-12) and surv.min() >= 0
