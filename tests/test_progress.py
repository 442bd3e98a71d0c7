"""Progress of the studies: the counts their callbacks report, and the bar on a terminal only."""

from __future__ import annotations

import io

import pytest

from livermodel.cli.common import ProgressBar
from livermodel.scenario.scenario import load_scenario
from livermodel.studies import common


class _Terminal(io.StringIO):
    """A stream that says it is a terminal (what rich draws a bar on)."""

    def isatty(self) -> bool:
        return True


class _Pipe(io.StringIO):
    def isatty(self) -> bool:
        return False


@pytest.fixture(scope="module")
def short():
    return load_scenario("rat-phx-70", ["duration=2d", "output_step=2h"])


def _recorder():
    calls: list[tuple[int, int | None]] = []
    return calls, lambda done, total=None: calls.append((done, total))


def test_the_bar_draws_counts_on_a_terminal():
    stream = _Terminal()
    with ProgressBar(False, "cohort", "runs", stream=stream) as update:
        assert update is not None
        update(120, 400)
        update(400, 400)
    text = stream.getvalue()
    assert "cohort" in text and "400/400" in text


@pytest.mark.parametrize(("quiet", "stream"), [(True, _Terminal()), (False, _Pipe())])
def test_no_bar_with_quiet_or_off_a_terminal(quiet, stream):
    with ProgressBar(quiet, "cohort", stream=stream) as update:
        assert update is None
    assert stream.getvalue() == ""


def test_a_cohort_counts_every_individual_of_every_arm(short, monkeypatch):
    from livermodel.studies.cohort import run_cohort

    monkeypatch.setattr(common, "PROGRESS_CHUNK", 8)  # several chunks from a small cohort
    calls, update = _recorder()
    control = load_scenario("rat-phx-90", ["duration=2d", "output_step=2h"])
    run_cohort(short, size=40, control=control, seed=1, progress=update)
    done = [d for d, _ in calls]
    assert done == sorted(done) and done[-1] == 80  # 40 individuals x 2 arms, never backwards
    assert {t for _, t in calls} == {80} and len(calls) >= 4


def test_with_progress_chunks_are_at_least_progress_chunk_runs(short):
    calls, update = _recorder()
    sets = [dict(short.parameters)] * (common.PROGRESS_CHUNK + 1)
    common.evaluate(short, sets, progress=update)
    assert [d for d, _ in calls] == [common.PROGRESS_CHUNK, common.PROGRESS_CHUNK + 1]


def test_a_threshold_reports_its_runs_round_by_round(short):
    from livermodel.studies.threshold import find_threshold

    calls, update = _recorder()
    res = find_threshold(short, "insults.0.fraction", spec="0.6:0.95", tol=0.01, progress=update)
    assert len(calls) == res.rounds
    assert calls[-1] == (res.runs, res.runs)  # done: nothing left
    assert all(d <= t for d, t in calls)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)


def test_local_sensitivity_counts_its_runs(short):
    from livermodel.studies.sensitivity import sensitivity

    calls, update = _recorder()
    res = sensitivity(short, "final_mass", params=["division_rate", "priming_rate"], progress=update)
    assert calls[-1] == (res.runs, res.runs)


def test_a_fit_counts_its_model_runs(short):
    from livermodel.studies.fit import fit, read_data

    calls, update = _recorder()
    res = fit(
        load_scenario("rat-phx-70"),
        read_data("rat_phx70_volume"),
        ["division_rate"],
        max_evaluations=3,
        progress=update,
    )
    assert calls and calls[-1][0] == res.evaluations and all(t is None for _, t in calls)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)
