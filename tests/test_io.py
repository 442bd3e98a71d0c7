"""Output folders: atomic writes, provenance, reading back, consistency checks."""

import csv
import json
import os

import numpy as np
import pytest

from livermodel import Hepatectomy, LivermodelError
from livermodel.files import atomic_path, atomic_write, check_formats
from livermodel.metrics import METRICS
from livermodel.model.layout import VARIABLES
from livermodel.output.provenance import PROVENANCE, prepare_output_dir
from livermodel.output.runs import comparison_table, metric_differences, write_comparison, write_run
from livermodel.output.saved import read_results, read_run, redraw
from livermodel.output.tables import read_timeseries
from livermodel.scenario.scenario import load_scenario
from livermodel.solve import simulate


@pytest.fixture(scope="module")
def result():
    return simulate(schedule=[Hepatectomy(at=0, fraction=0.7)], duration=96, output_step=4)


@pytest.fixture(scope="module")
def scenario():
    return load_scenario("rat-phx-70", ["duration=4d", "output_step=4h"])


# --- atomic writes --------------------------------------------------------------------------


def test_atomic_write_replaces_whole_file(tmp_path):
    path = tmp_path / "a.txt"
    atomic_write(path, "old contents\n")
    atomic_write(path, "new\n")
    assert path.read_text() == "new\n"
    assert os.listdir(tmp_path) == ["a.txt"]  # no temporary file left behind


def test_written_files_get_the_usual_permissions(tmp_path):
    mask = os.umask(0o022)
    try:
        path = atomic_write(tmp_path / "a.txt", "x")
    finally:
        os.umask(mask)
    assert path.stat().st_mode & 0o777 == 0o644


def test_failed_write_keeps_old_file_and_leaves_no_partial_file(tmp_path):
    path = tmp_path / "timeseries.csv"
    atomic_write(path, "time_h,x\n0,1\n")
    with pytest.raises(RuntimeError):
        with atomic_path(path) as tmp:
            with open(tmp, "w") as fh:
                fh.write("time_h,x\n0,")  # half a row, then the process "dies"
            raise RuntimeError("interrupted")
    assert path.read_text() == "time_h,x\n0,1\n"
    assert sorted(os.listdir(tmp_path)) == ["timeseries.csv"]


def test_interrupted_first_write_leaves_nothing_under_the_final_name(tmp_path):
    path = tmp_path / "metrics.json"
    with pytest.raises(KeyboardInterrupt):
        with atomic_path(path) as tmp:
            tmp.write_text("{")
            raise KeyboardInterrupt
    assert not path.exists()
    assert os.listdir(tmp_path) == []


def test_interrupted_run_folder_is_refused_by_the_reader(tmp_path, result, monkeypatch):
    """A failure while writing figures leaves data files but no provenance: the reader refuses."""
    import livermodel.figures.timecourse as plots

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(plots, "save_figure", broken)
    with pytest.raises(LivermodelError, match="No space left"):
        write_run(tmp_path / "run", result, formats="png")
    assert (tmp_path / "run" / "timeseries.csv").exists()
    assert not (tmp_path / "run" / PROVENANCE).exists()
    with pytest.raises(LivermodelError, match="no provenance.json"):
        read_run(tmp_path / "run")


def test_rewriting_a_folder_removes_the_old_completeness_marker_first(tmp_path, result, monkeypatch):
    folder = tmp_path / "run"
    write_run(folder, result, formats=())
    assert (folder / PROVENANCE).exists()
    import livermodel.output.runs as lio

    def broken(result):
        raise RuntimeError("killed while formatting")

    monkeypatch.setattr(lio, "timeseries_csv", broken)
    with pytest.raises(RuntimeError):
        write_run(folder, result, formats=())
    # the old metrics.json is still there, but without provenance the folder is not "complete"
    assert not (folder / PROVENANCE).exists()


# --- run folders ----------------------------------------------------------------------------


def test_run_folder_contents(tmp_path, result, scenario):
    res = scenario.run()
    written = write_run(tmp_path / "out", res, scenario, formats="png,svg", command="livermodel run x")
    names = set(written.files)
    assert {
        "timeseries.csv",
        "metrics.json",
        "scenario.resolved.yaml",
        "timecourse.png",
        "timecourse.svg",
        "provenance.json",
    } <= names
    assert written.files[-1] == "provenance.json"  # written last

    with open(tmp_path / "out" / "timeseries.csv", newline="") as fh:
        header = next(csv.reader(fh))
    assert header[0] == "time_h"
    assert set(header) == set(VARIABLES)

    metrics = json.loads((tmp_path / "out" / "metrics.json").read_text())
    assert set(metrics) == set(METRICS) | {"scenario", "overrides"}
    assert metrics["mode"] == "normal"

    prov = json.loads((tmp_path / "out" / "provenance.json").read_text())
    assert prov["scenario"]["sha256"] == scenario.sha256
    assert prov["command"] == "livermodel run x"
    for pkg in ("livermodel", "numpy", "scipy", "matplotlib", "typer", "PyYAML", "python"):
        assert prov["versions"][pkg]
    assert prov["solver"]["method"] == "LSODA" and prov["solver"]["rtol"] == pytest.approx(1e-6)
    assert prov["run"]["parameters"]["set_point"] == 1.0
    assert prov["run"]["events"] == [[0.0, "hepatectomy"]]
    assert "started" in prov and "git" in prov
    assert set(prov["files"]) == names - {"provenance.json"}

    resolved = load_scenario(tmp_path / "out" / "scenario.resolved.yaml")
    assert resolved.sha256 == scenario.sha256


def test_timeseries_round_trip(tmp_path, result):
    write_run(tmp_path, result, formats=())
    t, data = read_timeseries(tmp_path / "timeseries.csv")
    np.testing.assert_allclose(t, result.time_h)
    for name, values in result.data.items():
        np.testing.assert_allclose(data[name], values, rtol=1e-9, atol=1e-300)


def test_read_run_gives_what_plots_need(tmp_path, result):
    write_run(tmp_path, result, formats=())
    saved = read_run(tmp_path)
    assert saved.duration_h == 96
    assert saved.parameters["critical_mass"] == pytest.approx(result.parameters["critical_mass"])
    assert saved.schedule.dose_times() == [(0.0, "hepatectomy")]
    np.testing.assert_allclose(saved["functional_mass"], result["functional_mass"], rtol=1e-9)
    assert saved.metrics["mode"] == result.metrics()["mode"]


def test_edited_file_is_detected(tmp_path, result):
    write_run(tmp_path, result, formats=())
    with open(tmp_path / "metrics.json", "a") as fh:
        fh.write(" ")
    with pytest.raises(LivermodelError, match="has changed since provenance.json was written"):
        read_results(tmp_path)


def test_missing_file_is_detected(tmp_path, result):
    write_run(tmp_path, result, formats=())
    (tmp_path / "timeseries.csv").unlink()
    with pytest.raises(LivermodelError, match="missing"):
        read_results(tmp_path)


def test_redraw_writes_figures_without_simulating(tmp_path, result, monkeypatch):
    write_run(tmp_path, result, formats=())
    import sys

    sim = sys.modules["livermodel.solve.simulate"]
    monkeypatch.setattr(sim, "simulate_batch", lambda *a, **k: pytest.fail("simulated"))
    paths = redraw(tmp_path, formats="pdf", style="slides")
    assert [p.name for p in paths] == ["timecourse.pdf"]
    assert paths[0].read_bytes()[:5] == b"%PDF-"
    read_results(tmp_path)  # still consistent: figures are not part of the hash check


# --- checks ---------------------------------------------------------------------------------


def test_check_formats():
    assert check_formats("png, SVG,pdf,png") == ["png", "svg", "pdf"]
    assert check_formats("none") == []
    assert check_formats(["png", "pdf"]) == ["png", "pdf"]
    with pytest.raises(LivermodelError, match="unknown figure format 'jpg'"):
        check_formats("png,jpg")


def test_output_dir_that_is_a_file(tmp_path):
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(LivermodelError, match="is a file, not a folder"):
        prepare_output_dir(f)
    with pytest.raises(LivermodelError, match="cannot write to the output folder"):
        prepare_output_dir(f / "sub")


def test_output_dir_is_created(tmp_path):
    out = prepare_output_dir(tmp_path / "a" / "b")
    assert out.is_dir() and os.listdir(out) == []


# --- comparisons ----------------------------------------------------------------------------


def test_metric_differences():
    control = {
        "final_mass": 0.1,
        "recovery_time_h": None,
        "failed": True,
        "mode": "failure",
        "alt_peak_u_per_l": 5000.0,
    }
    arm = {
        "final_mass": 0.9,
        "recovery_time_h": 100.0,
        "failed": False,
        "mode": "normal",
        "alt_peak_u_per_l": 3000.0,
    }
    d = metric_differences(arm, control)
    assert d["final_mass"] == pytest.approx(0.8)
    assert d["recovery_time_h"] == "never -> 100 h"
    assert metric_differences({"failure_time_h": None}, {"failure_time_h": 12.5}) == {
        "failure_time_h": "12.5 h -> none"
    }
    assert metric_differences({"failure_time_h": None}, {"failure_time_h": None}) == {"failure_time_h": None}
    assert d["failed"] == "yes -> no"
    assert d["mode"] == "failure -> normal"
    assert d["alt_peak_u_per_l"] == pytest.approx(-2000.0)
    assert metric_differences(control, control)["mode"] == "unchanged"


def test_comparison_folder_round_trip(tmp_path, result):
    other = simulate(schedule=[Hepatectomy(at=0, fraction=0.5)], duration=96, output_step=4)
    written = write_comparison(tmp_path, [result, other], ["70 %", "50 %"], control=0, formats="png")
    assert "comparison.png" in written.files
    assert (tmp_path / "arms" / "70" / "timeseries.csv").exists()
    table = json.loads((tmp_path / "metrics.json").read_text())
    assert table["control"] == "70 %"
    assert table["differences"]["50 %"]["nadir_mass"] == pytest.approx(0.5 - 0.3, abs=1e-6)
    with open(tmp_path / "metrics.csv", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0][:2] == ["arm", "row"] and len(rows) == 4
    saved = read_results(tmp_path)
    assert saved.labels == ["70 %", "50 %"] and saved.control == "70 %"
    assert len(saved.runs) == 2
    assert [p.name for p in redraw(tmp_path, formats="svg")] == ["comparison.svg"]


def test_arm_folders_stay_apart_when_labels_look_alike(tmp_path, result):
    other = simulate(schedule=[Hepatectomy(at=0, fraction=0.5)], duration=96, output_step=4)
    write_comparison(tmp_path, [result, other], ["70 %", "70 %!"], formats=())
    assert sorted(os.listdir(tmp_path / "arms")) == ["70", "70-2"]
    saved = read_results(tmp_path)
    assert saved.runs[1].metrics["nadir_mass"] == pytest.approx(0.5, abs=1e-6)


def test_comparison_labels_must_be_distinct(tmp_path, result):
    with pytest.raises(LivermodelError, match="same label"):
        write_comparison(tmp_path, [result, result], ["a", "a"])


def test_comparison_table_without_control(result):
    table = comparison_table([result], ["x"])
    assert table["control"] is None and table["differences"] == {}
    assert table["arms"]["x"]["mode"] == result.metrics()["mode"]
