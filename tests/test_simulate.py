"""The solver layer: results, failures that are reported not raised, methods, batches."""

import numpy as np
import pytest

from livermodel import (
    MSC,
    Hepatectomy,
    LivermodelError,
    Schedule,
    SolverSettings,
    Toxin,
    resolve_parameters,
    simulate_batch,
)
from livermodel.solve import simulate
from livermodel.solve.simulate import output_grid


def test_output_grid_includes_the_end():
    assert output_grid(10, 3).tolist() == [0, 3, 6, 9, 10]
    assert output_grid(12, 3).tolist() == [0, 3, 6, 9, 12]
    with pytest.raises(LivermodelError, match="duration"):
        output_grid(0, 1)
    with pytest.raises(LivermodelError, match="output step"):
        output_grid(10, -1)


@pytest.mark.parametrize("method", ["BDF", "Radau"])
def test_other_stiff_methods_agree_with_lsoda(method):
    sched = [Hepatectomy(0, 0.6), Toxin(10, 500), MSC(5, 10)]
    ref = simulate(schedule=sched, duration=200, settings=SolverSettings(rtol=1e-9, atol=1e-11))
    other = simulate(
        schedule=sched, duration=200, settings=SolverSettings(method=method, rtol=1e-9, atol=1e-11)
    )
    assert other.success
    for name in ("functional_mass", "alt_u_per_l", "msc_lung"):
        scale = np.abs(ref[name]).max()
        assert np.abs(other[name] - ref[name]).max() <= 1e-5 * scale


def test_a_failed_solve_is_reported_not_raised():
    # a step budget of 1 cannot be met: every method fails, and the result says so
    bad = SolverSettings(max_steps=1, max_step=1e-3)
    r = simulate(schedule=[Hepatectomy(0, 0.7)], duration=10, settings=bad)
    assert not r.success
    assert "failed" in r.message
    assert all(v is None for v in r.metrics().values())


def test_one_bad_run_does_not_sink_the_batch():
    good = resolve_parameters("rat")
    ps = [good, good, good]
    sched = Schedule([Hepatectomy(0, 0.7)])
    ref = simulate_batch(ps, sched, duration=48)
    assert ref.success.all() and ref.messages == ["ok"] * 3
    r = ref[1]
    assert r.success and r.metrics()["final_mass"] > 0.5


def test_runs_with_different_schedules_batch_to_the_same_answer():
    ps = [resolve_parameters("rat")] * 3
    scheds = [
        Schedule([Hepatectomy(0, 0.7)]),
        Schedule([Toxin(7.3, 900)]),
        Schedule([Hepatectomy(12, 0.5), MSC(13, 20)]),
    ]
    tight = SolverSettings(rtol=1e-10, atol=1e-12)
    batch = simulate_batch(ps, scheds, duration=96, settings=tight)
    for i, s in enumerate(scheds):
        one = simulate(schedule=s, duration=96, settings=tight)
        assert np.abs(batch[i]["functional_mass"] - one["functional_mass"]).max() < 1e-7


def test_settings_are_validated():
    with pytest.raises(LivermodelError, match="method"):
        SolverSettings(method="Euler")
    with pytest.raises(LivermodelError, match="rtol"):
        SolverSettings(rtol=0)
    assert SolverSettings().as_dict()["method"] == "LSODA"


def test_unknown_variable_and_initial_state_name_have_suggestions():
    r = simulate(duration=2)
    with pytest.raises(LivermodelError, match="functional_mass"):
        r["functional_mas"]
    with pytest.raises(LivermodelError, match="Did you mean 'toxin'"):
        simulate(initial={"toxn": 1.0}, duration=2)


def test_unknown_parameter_is_a_user_error():
    with pytest.raises(LivermodelError, match="Did you mean 'death_rate'"):
        simulate({"deathrate": 0.1}, duration=2)


def test_a_batch_can_keep_only_some_variables():
    ps = [resolve_parameters("rat")] * 3
    sched = Schedule([Toxin(0, 900), MSC(2, 10)])
    full = simulate_batch(ps, sched, duration=48)
    some = simulate_batch(
        ps, sched, duration=48, variables=["functional_mass", "death_flux", "survival_probability"]
    )
    assert some.variables == ("functional_mass", "death_flux", "survival_probability")
    for name in some.variables:
        assert np.array_equal(some.variable(name), full.variable(name))
    with pytest.raises(LivermodelError, match="Did you mean 'toxin'"):
        simulate_batch(ps, sched, duration=48, variables=["toxn"])


def test_metrics_need_only_the_variables_listed_in_metrics_needs():
    from livermodel.metrics import NEEDS

    ps = [resolve_parameters("rat")] * 2
    sched = Schedule([Hepatectomy(0, 0.7)])
    full = simulate_batch(ps, sched, duration=200).metrics()
    lean = simulate_batch(ps, sched, duration=200, variables=NEEDS).metrics()
    assert lean == full


def test_each_bolus_acts_once_at_the_restart_it_belongs_to():
    from livermodel.solve.simulate import MERGE_H, _boluses_by_segment, _segments

    first = Schedule([Toxin(0, 100), Hepatectomy(5, 0.5), MSC(5 + 0.5 * MERGE_H, 10), Toxin(10, 50)])
    second = Schedule([MSC(7, 10), Toxin(3, 100, every=3, count=4)])  # 3, 6, 9, 12 h
    bps = _segments([first, second], 10.0)
    assert bps == [0.0, 3.0, 5.0, 6.0, 7.0, 9.0, 10.0]
    got = [[(i, type(ev).__name__) for i, ev in seg] for seg in _boluses_by_segment([first, second], bps)]
    assert got == [
        [(0, "Toxin")],  # at 0
        [(1, "Toxin")],  # 3 h
        [(0, "Hepatectomy"), (0, "MSC")],  # 5 h, and the MSC 5e-10 h later, merged
        [(1, "Toxin")],  # 6 h
        [(1, "MSC")],  # 7 h
        [(1, "Toxin")],
    ]  # 9 h; 10 h and 12 h lie at or after the end
