"""phase: steady states, basins and trajectories of the tipping point, and the figure."""

import numpy as np
import pytest
from matplotlib.image import imread
from typer.testing import CliRunner

from livermodel.cli.app import app
from livermodel.metrics import failure_level
from livermodel.scenario.scenario import load_scenario
from livermodel.studies.phase import phase_portrait, steady_states


def invoke(*args):
    """Run a command in-process on the real app (so the wiring in livermodel.cli is tested too)."""
    return CliRunner().invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def phx():
    return phase_portrait("rat-phx-70", grid=(30, 8))


def test_steady_states_healthy_failed_and_a_saddle(phx):
    labels = [s.label for s in phx.steady_states]
    assert labels == ["failed", "tipping point", "healthy"]
    failed, saddle, healthy = phx.steady_states
    assert failed.stable and healthy.stable and not saddle.stable
    assert saddle.eigenvalue > 0.01
    # healthy: in the termination band, where the demand signal M (1 - Phi/S) is below the
    # priming threshold and division has stopped (1 - threshold/M <= F <= 1)
    p = load_scenario("rat-phx-70").parameters
    band = 1 - p["priming_threshold"] / p["metabolic_load"]
    assert band - 1e-6 <= healthy.functional_mass <= 1.0 + 1e-6
    assert failed.functional_mass == pytest.approx(0.0, abs=1e-6)
    # the saddle sits at the failure threshold (about 21 % remnant in the rat, docs/model.md)
    assert 0.15 < saddle.functional_mass < 0.26


def test_basin_boundary_at_the_saddle(phx):
    saddle = phx.steady_states[1].functional_mass
    row = phx.failure[0]  # no inflammation
    first_recovering = phx.grid_x[np.argmin(row)]
    assert row[phx.grid_x < saddle - 0.04].all()
    assert not row[phx.grid_x > saddle + 0.04].any()
    assert abs(first_recovering - saddle) < 0.06
    # more inflammation needs more mass to recover: the boundary leans right as X grows
    assert phx.failure[-1].sum() >= phx.failure[0].sum()


def test_trajectories_flip_once_and_agree_with_the_metrics(phx):
    flags = [t.failed for t in sorted(phx.trajectories, key=lambda t: t.value)]
    assert flags[0] is False and flags[-1] is True
    assert flags == sorted(flags)  # one flip from recovery to failure
    assert sum(t.is_scenario for t in phx.trajectories) == 1
    for t in phx.trajectories[::3]:
        sc = load_scenario("rat-phx-70", [f"insults.0.fraction={t.value}"])
        assert sc.run().metrics()["failed"] is t.failed, t.label


def test_a_higher_load_moves_the_saddle():
    sc = load_scenario("rat-phx-70")
    base = steady_states(sc.parameters)
    heavy = steady_states({**sc.parameters, "metabolic_load": 1.3})
    assert heavy[1].functional_mass > base[1].functional_mass * 1.2
    assert heavy[1].functional_mass == pytest.approx(
        failure_level({**sc.parameters, "metabolic_load": 1.3}), rel=0.15
    )


def test_cli_images_change_with_the_scenario(tmp_path):
    a, b, c = tmp_path / "a.png", tmp_path / "b.png", tmp_path / "c.png"
    res = invoke("phase", "rat-phx-70", "-o", a)
    assert res.exit_code == 0, res.output
    # rats survive an 80 % resection (Zieve et al. 1985), not a 90 % one
    assert "tipping point" in res.output and "fail: 80%" not in res.output
    assert "92% resected" in res.output.split("fail:")[1]
    res = invoke("phase", "rat-phx-70", "-o", b, "--set", "parameters.metabolic_load=1.3")
    assert res.exit_code == 0, res.output
    res = invoke("phase", "mouse-apap-300", "-o", c, "--values", "200,400,600")
    assert res.exit_code == 0, res.output
    assert "3 trajectories" in res.output
    pa, pb, pc = (imread(str(p)) for p in (a, b, c))
    assert pa.std() > 0.05
    for other in (pb, pc):
        assert other.shape != pa.shape or np.mean(np.abs(other - pa) > 1e-3) > 0.01


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["--y", "growth"], "inflammation, toxin"),
        (["--values", "0.5,x"], "numbers"),
        (["--values", "0.5,1.2"], "impossible"),
        (["-o", "x.txt"], ".png"),
    ],
)
def test_cli_mistakes(tmp_path, args, fragment):
    res = invoke("phase", "rat-phx-70", *[a if a != "x.txt" else tmp_path / a for a in args])
    assert res.exit_code == 2, res.output
    assert fragment in res.output


def test_the_toxin_plane_refuses_a_scenario_without_a_lumped_toxin(tmp_path):
    # acetaminophen has no toxin load: a toxin plane would draw flat lines over a basin of
    # another insult
    res = invoke("phase", "mouse-apap-300", "--y", "toxin", "-o", tmp_path / "p.png")
    assert res.exit_code == 2, res.output
    assert "acetaminophen dose" in res.output and "--y inflammation" in res.output
    assert not (tmp_path / "p.png").exists()


def test_a_numerically_zero_eigenvalue_is_called_neutral(tmp_path):
    from typer.testing import CliRunner

    from livermodel.cli.app import app
    from livermodel.figures.phase import NEUTRAL_TOL

    res = CliRunner().invoke(
        app, ["phase", "rat-phx-70", "--values", "0.5,0.9", "-o", str(tmp_path / "p.png")]
    )
    assert res.exit_code == 0, res.output
    for line in res.output.splitlines():
        if line.startswith("steady state:"):
            eig = float(line.split("leading eigenvalue ")[1].split()[0])
            if abs(eig) < NEUTRAL_TOL:
                assert "(neutral," in line
            else:
                assert ("(stable," in line) == (eig < 0), line
