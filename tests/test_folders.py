"""The folder rules: no output is mixed into a folder holding another kind of output, another
scenario or other --set values; default folders name the overrides; --force replaces."""

import hashlib
import json
import os

from typer.testing import CliRunner

from livermodel.cli.app import app

runner = CliRunner()
FAST = ["--set", "output_step=12h", "--format", "none", "-q"]


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def refused(result, *fragments):
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert "--force" in result.output
    for f in fragments:
        assert f in result.output, result.output


def tag(*overrides):
    return "set-" + hashlib.sha256("\n".join(overrides).encode()).hexdigest()[:6]


def test_default_folder_names_the_overrides(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert invoke("run", "rat-phx-70", *FAST).exit_code == 0
    r = invoke("run", "rat-phx-70", *FAST, "--set", "insults.0.fraction=0.8")
    assert r.exit_code == 0, r.output
    first = tmp_path / "results" / f"rat-phx-70-{tag('output_step=12h')}"
    second = tmp_path / "results" / f"rat-phx-70-{tag('output_step=12h', 'insults.0.fraction=0.8')}"
    assert first != second and first.is_dir() and second.is_dir()
    # the 70 % run is untouched: its resolved scenario still says 0.7
    assert "fraction: 0.7" in (first / "scenario.resolved.yaml").read_text()
    assert "fraction: 0.8" in (second / "scenario.resolved.yaml").read_text()
    # metrics.json and provenance.json name the overrides
    metrics = json.loads((second / "metrics.json").read_text())
    assert metrics["scenario"] == "rat-phx-70"
    assert metrics["overrides"] == ["output_step=12h", "insults.0.fraction=0.8"]
    prov = json.loads((second / "provenance.json").read_text())
    assert prov["output"]["overrides"] == ["output_step=12h", "insults.0.fraction=0.8"]


def test_same_run_again_replaces_its_own_folder(tmp_path):
    out = tmp_path / "a"
    assert invoke("run", "rat-phx-70", *FAST, "-o", out, "--format", "png,svg").exit_code == 0
    assert (out / "timecourse.svg").exists()
    r = invoke("run", "rat-phx-70", *FAST, "-o", out, "--format", "png")
    assert r.exit_code == 0, r.output
    # replaced: the svg of the first run is gone, nothing stale is left
    assert not (out / "timecourse.svg").exists()
    assert invoke("plot", out, "-q").exit_code == 0


def test_other_overrides_into_the_same_folder_are_refused(tmp_path):
    out = tmp_path / "a"
    assert invoke("run", "rat-phx-70", *FAST, "-o", out).exit_code == 0
    before = (out / "metrics.json").read_text()
    r = invoke("run", "rat-phx-70", *FAST, "--set", "insults.0.fraction=0.8", "-o", out)
    refused(r, "already holds a run output of rat-phx-70")
    assert (out / "metrics.json").read_text() == before
    r = invoke("run", "rat-phx-90", *FAST, "-o", out)
    refused(r, "rat-phx-70")
    # --force replaces on purpose
    r = invoke("run", "rat-phx-90", *FAST, "-o", out, "--force")
    assert r.exit_code == 0, r.output
    assert json.loads((out / "metrics.json").read_text())["scenario"] == "rat-phx-90"
    assert invoke("plot", out, "-q").exit_code == 0


def test_a_run_never_mixes_into_a_sweep_folder(tmp_path):
    out = tmp_path / "sw"
    r = invoke("sweep", "rat-phx-70", "--vary", "insults.0.fraction=0.6,0.7", *FAST, "-o", out)
    assert r.exit_code == 0, r.output
    files = sorted(os.listdir(out))
    r = invoke("run", "rat-phx-70", *FAST, "-o", out)
    refused(r, "sweep")
    assert sorted(os.listdir(out)) == files
    # and a sweep never mixes into a run folder
    run_dir = tmp_path / "run"
    assert invoke("run", "rat-phx-70", *FAST, "-o", run_dir).exit_code == 0
    r = invoke("sweep", "rat-phx-70", "--vary", "insults.0.fraction=0.6,0.7", *FAST, "-o", run_dir)
    refused(r, "run output")


def test_sweep_force_replaces_a_finished_sweep(tmp_path):
    out = tmp_path / "sw"
    args = ["sweep", "rat-phx-70", "--vary", "insults.0.fraction=0.6,0.7", *FAST, "-o", out]
    assert invoke(*args).exit_code == 0
    r = invoke(*args)
    assert r.exit_code == 2 and "--force" in r.output
    r = invoke("sweep", "rat-phx-70", "--vary", "insults.0.fraction=0.6,0.7,0.8", *FAST, "-o", out, "--force")
    assert r.exit_code == 0, r.output
    assert len((out / "metrics.csv").read_text().splitlines()) == 1 + 3


def test_study_refuses_a_run_folder(tmp_path):
    out = tmp_path / "x"
    assert invoke("run", "rat-phx-70", *FAST, "-o", out).exit_code == 0
    r = invoke("threshold", "rat-phx-70", "--vary", "insults.0.fraction=0.6:0.95", *FAST, "-o", out)
    refused(r, "run output")


def test_foreign_files_are_refused_and_kept(tmp_path):
    out = tmp_path / "notes"
    out.mkdir()
    (out / "thesis.docx").write_text("mine")
    r = invoke("run", "rat-phx-70", *FAST, "-o", out)
    refused(r, "thesis.docx")
    r = invoke("run", "rat-phx-70", *FAST, "-o", out, "--force")
    assert r.exit_code == 0, r.output
    assert (out / "thesis.docx").read_text() == "mine"


def test_compare_default_folder_and_title_name_the_overrides(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = invoke("compare", "rat-phx-70", "rat-phx-90", *FAST)
    assert r.exit_code == 0, r.output
    assert (
        tmp_path
        / "results"
        / f"compare-rat-phx-70-vs-rat-phx-90-{tag('output_step=12h')}"
        / "provenance.json"
    ).exists()


def test_run_figure_title_names_the_overrides(tmp_path):
    from livermodel.output.runs import write_run
    from livermodel.scenario.scenario import load_scenario

    over = ["output_step=12h", "insults.0.fraction=0.8"]
    sc = load_scenario("rat-phx-70", over)
    written = write_run(tmp_path / "t", sc.run(), sc, formats=("svg",), overrides=over)
    svg = (written.folder / "timecourse.svg").read_text()
    assert "insults.0.fraction=0.8" in svg
