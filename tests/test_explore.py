"""explore: the snapshot draws, and its pixels follow the sliders, switches and scenario."""

import matplotlib
import numpy as np
import pytest
from matplotlib.image import imread
from typer.testing import CliRunner

from livermodel.cli.app import app
from livermodel.teach.explore import SWITCHES, Explorer

matplotlib.use("Agg")  # never open a window, even on a machine with a display


def invoke(*args):
    """Run a command in-process on the real app (so the wiring in livermodel.cli is tested too)."""
    return CliRunner().invoke(app, [str(a) for a in args])


def pixels(ex_or_path, tmp_path=None, name="x.png"):
    if isinstance(ex_or_path, Explorer):
        path = tmp_path / name
        ex_or_path.save(path, dpi=60)
        ex_or_path = path
    return imread(str(ex_or_path))


def changed_fraction(a, b) -> float:
    assert a.shape == b.shape
    return float(np.mean(np.any(np.abs(a - b) > 1e-3, axis=-1)))


@pytest.fixture(scope="module")
def msc():
    return Explorer("fulminant-msc-early")


def test_cli_snapshot_changes_with_a_slider_and_a_scenario(tmp_path):
    a, b, c = tmp_path / "a.png", tmp_path / "b.png", tmp_path / "c.png"
    res = invoke("explore", "rat-phx-70", "--snapshot", a)
    assert res.exit_code == 0, res.output
    assert "7 sliders" in res.output
    res = invoke("explore", "rat-phx-70", "--snapshot", b, "--slider", "insults.0.fraction=0.9")
    assert res.exit_code == 0, res.output
    res = invoke("explore", "rat-phx-70", "--snapshot", c, "--set", "insults.0.fraction=0.9")
    assert res.exit_code == 0, res.output
    pa, pb, pc = pixels(a), pixels(b), pixels(c)
    assert pa.shape[0] > 400 and pa.std() > 0.05  # a real picture, not a blank canvas
    assert changed_fraction(pa, pb) > 0.01
    assert changed_fraction(pa, pc) > 0.01
    # moving the slider to 0.9 and loading the scenario at 0.9 draw the same curves
    assert changed_fraction(pb, pc) < changed_fraction(pa, pb)


def test_slider_reruns_the_model_and_redraws_fast(tmp_path):
    ex = Explorer("rat-phx-70")
    before = pixels(ex, tmp_path, "before.png")
    assert ex.result.metrics()["mode"] == "normal"
    ex.set("parameters.critical_mass", 0.33)
    assert ex.result.parameters["critical_mass"] == pytest.approx(0.33)
    assert ex.result.metrics()["mode"] == "failure"
    assert changed_fraction(before, pixels(ex, tmp_path, "after.png")) > 0.01
    ex.set("insults.0.at", 24)
    assert ex.result.schedule.events[0].at == 24


def test_therapy_switches_change_the_outcome_and_reset_restores(msc, tmp_path):
    assert [c.key for c in msc.controls][-2:] == ["interventions.0.dose", "interventions.0.at"]
    start = pixels(msc, tmp_path, "start.png")
    assert msc.result.metrics()["mode"] == "normal"
    msc.toggle("anti_inflammatory_on")
    assert msc.switches["anti_inflammatory_on"] is False
    assert msc.result.parameters["anti_inflammatory_on"] == 0.0
    # the D-galactosamine/LPS injury runs through inflammation: this channel carries the rescue
    assert msc.result.metrics()["mode"] == "failure"
    assert changed_fraction(start, pixels(msc, tmp_path, "off.png")) > 0.01
    msc.set("interventions.0.at", 8.0)
    msc.reset()
    assert all(msc.switches[s] for s in SWITCHES)
    assert msc.result.metrics()["mode"] == "normal"
    assert changed_fraction(start, pixels(msc, tmp_path, "reset.png")) == 0.0


def test_mistakes(tmp_path):
    res = invoke("explore", "rat-phx-70", "--snapshot", tmp_path / "x.png", "--slider", "nope=1")
    assert res.exit_code == 2 and "no slider 'nope'" in res.output
    res = invoke("explore", "rat-phx-70", "--snapshot", tmp_path / "x.txt")
    assert res.exit_code == 2 and ".png" in res.output
    res = invoke("explore", "rat-phx-70")  # the tests run on Agg: no window
    assert res.exit_code == 2 and "--snapshot" in res.output


def test_drug_scenarios_get_dose_and_time_sliders():
    # acetaminophen, D-galactosamine and NAC events are sliders like the other events
    nac = Explorer("human-apap-nac-4h")
    keys = [c.key for c in nac.controls]
    assert {"insults.0.dose", "insults.0.at", "interventions.0.at"} <= set(keys)
    assert nac.result.metrics()["mode"] != "failure"
    nac.set("interventions.0.at", 16.0)  # NAC past the point of no return (human-apap-nac-16h)
    assert nac.result.metrics()["mode"] == "failure"
    galn = Explorer("rat-galactosamine")
    assert "insults.0.dose" in [c.key for c in galn.controls]
