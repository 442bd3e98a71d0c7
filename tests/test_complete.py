"""The completeness marker: a command killed during its figures leaves a folder that every reader
calls incomplete and that resume (or the same command) finishes; ``plot`` keeps provenance.json
listing and hashing every file; a changed or missing figure is caught and redrawn."""

import hashlib
import json
import os
import signal
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from livermodel.cli.app import app
from livermodel.errors import LivermodelError
from livermodel.output.complete import IncompleteFolder, check_complete
from livermodel.output.saved import read_results
from livermodel.output.sweep import load_trajectories, read_sweep

SHORT = ["--set", "duration=2d", "--set", "output_step=6h"]
SWEEP = ["sweep", "rat-phx-70", "--vary", "insults.0.fraction=0.5:0.9:4", *SHORT, "-q"]

#: Runs the command line with a figure step that writes its first figure and is then killed
#: (SIGKILL: no handler, no atexit), as a kill arriving during the figure phase would.
KILLED_IN_FIGURES = """
import os, signal, sys
import livermodel.figures.timecourse as tc
real = tc.save_figure
def save_then_die(fig, stem, formats=("png",), **kw):
    real(fig, stem, list(formats)[:1], **kw)
    os.kill(os.getpid(), signal.SIGKILL)
tc.save_figure = save_then_die
from livermodel.cli.app import main
sys.argv = ["livermodel", *sys.argv[1:]]
main()
"""

runner = CliRunner()


def _killed_in_figures(*args):
    proc = subprocess.run(
        [sys.executable, "-c", KILLED_IN_FIGURES, *args], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr


def _sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _every_file_listed_and_hashed(folder):
    """provenance.json lists exactly the files in the folder, each with its SHA-256."""
    files = json.loads((folder / "provenance.json").read_text())["files"]
    on_disk = {
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and p.name != "provenance.json" and not p.name.startswith(".")
    }
    assert set(files) == on_disk
    assert all(files[name] == _sha(folder / name) for name in on_disk)


def test_a_sweep_killed_during_its_figures_is_incomplete_until_resumed(tmp_path):
    out = tmp_path / "sweep"
    _killed_in_figures(*SWEEP, "--out", str(out), "--format", "pdf")
    assert (out / "metrics.csv").is_file() and (out / "response.pdf").is_file()
    assert not (out / "provenance.json").exists()
    table = (out / "metrics.csv").read_bytes()

    with pytest.raises(IncompleteFolder, match="unfinished sweep.*during the figures"):
        read_sweep(out)
    with pytest.raises(IncompleteFolder, match="--resume"):
        load_trajectories(out)
    r = runner.invoke(app, ["plot", str(out)])
    assert r.exit_code == 2 and "unfinished sweep" in r.output
    assert f"livermodel sweep --resume {out}" in r.output and "Traceback" not in r.output
    r = runner.invoke(app, [*SWEEP, "--out", str(out)])  # the same command: told to resume
    assert r.exit_code == 2 and "already holds a sweep" in r.output and "--resume" in r.output

    r = runner.invoke(app, ["sweep", "--resume", str(out), "--format", "pdf", "-q"])
    assert r.exit_code == 0, r.output
    assert (out / "metrics.csv").read_bytes() == table  # its chunks were kept, not recomputed
    assert not (out / "chunks").exists()
    _every_file_listed_and_hashed(out)
    assert len(read_sweep(out).rows) == 4


def test_a_run_killed_during_its_figures_is_incomplete_until_run_again(tmp_path):
    out = tmp_path / "run"
    args = ["run", "rat-phx-70", *SHORT, "--out", str(out), "--format", "pdf,svg", "-q"]
    _killed_in_figures(*args)
    assert (out / "timeseries.csv").is_file() and (out / "timecourse.pdf").is_file()
    assert not (out / "timecourse.svg").exists()
    assert not (out / "provenance.json").exists()
    with pytest.raises(IncompleteFolder, match="no provenance.json"):
        read_results(out)
    r = runner.invoke(app, ["plot", str(out)])
    assert r.exit_code == 2 and "not a complete livermodel output folder" in r.output
    assert "same --out" in r.output
    r = runner.invoke(app, [*args[:-3], "-f", "pdf"])  # run again: replaces the incomplete output
    assert r.exit_code == 0, r.output
    _every_file_listed_and_hashed(out)


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory):
    out = tmp_path_factory.mktemp("plot") / "run"
    r = runner.invoke(app, ["run", "rat-phx-70", *SHORT, "--out", str(out), "-q", "-f", "pdf"])
    assert r.exit_code == 0, r.output
    return out


def test_plot_rewrites_provenance_listing_every_file(run_folder):
    before = json.loads((run_folder / "provenance.json").read_text())
    r = runner.invoke(app, ["plot", str(run_folder), "--format", "svg"])
    assert r.exit_code == 0, r.output
    _every_file_listed_and_hashed(run_folder)
    after = json.loads((run_folder / "provenance.json").read_text())
    assert {"timecourse.svg", "timecourse.pdf"} <= set(after["files"])
    assert after["files"]["timeseries.csv"] == before["files"]["timeseries.csv"]
    assert after["redrawn"][-1]["formats"] == ["svg"]
    check_complete(run_folder)


@pytest.mark.parametrize("damage", ["edit", "delete"])
def test_a_changed_or_missing_figure_is_reported_and_plot_redraws_it(run_folder, damage):
    figure = run_folder / "timecourse.pdf"
    if damage == "edit":
        with open(figure, "ab") as fh:
            fh.write(b"tampered")
    else:
        figure.unlink()
    with pytest.raises(LivermodelError, match="timecourse.pdf") as err:
        read_results(run_folder)
    assert "livermodel plot" in err.value.suggestion
    r = runner.invoke(app, ["plot", str(run_folder), "--format", "none"])  # no format asked
    assert r.exit_code == 0, r.output
    assert "timecourse.pdf" in r.output  # redrawn all the same, being listed and stale
    assert json.loads((run_folder / "provenance.json").read_text())["redrawn"][-1]["replaced_stale"] == [
        "timecourse.pdf"
    ]
    _every_file_listed_and_hashed(run_folder)
    read_results(run_folder)


def test_a_changed_table_is_not_redrawn_over(run_folder, tmp_path):
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(run_folder, copy)
    with open(copy / "metrics.json", "a") as fh:
        fh.write(" ")
    r = runner.invoke(app, ["plot", str(copy)])
    assert r.exit_code == 2 and "metrics.json' has changed" in r.output
    assert "Run the command that wrote it again" in r.output


def test_resuming_a_finished_sweep_runs_nothing(tmp_path):
    out = tmp_path / "done"
    r = runner.invoke(app, [*SWEEP, "--out", str(out), "--format", "none"])
    assert r.exit_code == 0, r.output
    stamp = os.stat(out / "metrics.csv").st_mtime_ns
    r = runner.invoke(app, ["sweep", "--resume", str(out)])
    assert r.exit_code == 0 and "already complete: nothing was run" in r.output
    assert os.stat(out / "metrics.csv").st_mtime_ns == stamp
