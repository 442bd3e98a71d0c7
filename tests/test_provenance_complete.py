"""Every file every command writes is listed, with its SHA-256, in a provenance record: the
folder's provenance.json, or <file>.provenance.json next to a single-file output."""

import hashlib
import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from livermodel.cli.app import app

runner = CliRunner()
FAST = ["--set", "output_step=12h", "--set", "duration=4d"]

#: Every command that writes, and a quick invocation of it (run in an empty folder).
WRITERS = {
    "run": ["run", "rat-phx-70", *FAST, "-f", "png,svg"],
    "compare": ["compare", "rat-phx-70", "rat-phx-90", *FAST],
    "plot": None,  # redraws the run folder: checked in its own test below
    "sweep": [
        "sweep",
        "rat-phx-70",
        "--vary",
        "insults.0.fraction=0.6,0.8",
        *FAST,
        "--save-trajectories",
        "functional_mass",
    ],
    "threshold": ["threshold", "rat-phx-70", "--vary", "insults.0.fraction=0.6:0.95", "--tol", "0.05", *FAST],
    "sensitivity": [
        "sensitivity",
        "rat-phx-70",
        "--metric",
        "final_mass",
        "--params",
        "division_rate,priming_rate",
        *FAST,
    ],
    "cohort": ["cohort", "rat-phx-70", "--size", "4", "--seed", "1", *FAST],
    "fit": [
        "fit",
        "rat-phx-70",
        "--data",
        "rat_phx70_volume",
        "--params",
        "division_rate",
        "--max-evaluations",
        "3",
        "--set",
        "output_step=12h",
    ],
    "export": ["export", "rat-phx-70", "-o", "out/model.xml"],
    "phase": ["phase", "rat-phx-70", "--values", "0.5,0.9", *FAST],
    "explore": ["explore", "rat-phx-70", "--snapshot", "snap/explorer.png", *FAST],
    "report": ["report", "rat-phx-70", "--no-phase", "-o", "reports/r.html", *FAST],
    "check": ["check", "healthy", "--data"],
}
#: Commands that write nothing, or (init) a scenario for the user to edit rather than an output.
NOT_OUTPUTS = {"validate", "params", "scenarios", "explain", "init", "schema"}


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def unrecorded(root: Path) -> list[str]:
    """Files under ``root`` that no provenance record lists with their current hash."""
    listed: dict[Path, str] = {}
    records = []
    for p in root.rglob("*"):
        if p.name == "provenance.json":
            records.append((p.parent, p))
        elif p.name.endswith(".provenance.json"):
            records.append((p.parent, p))
    for base, rec in records:
        data = json.loads(rec.read_text())
        assert data.get("files"), f"{rec} lists no files"
        for name, digest in data["files"].items():
            listed[(base / name).resolve()] = digest
    missing = []
    for p in root.rglob("*"):
        if p.is_dir() or p.name == "provenance.json" or p.name.endswith(".provenance.json"):
            continue
        rp = p.resolve()
        # files of a nested folder (comparison arms) are listed by the outer record too
        if listed.get(rp) != sha(p):
            missing.append(str(p.relative_to(root)))
    return missing


def test_every_command_is_covered():
    names = {c.name or c.callback.__name__ for c in app.registered_commands}
    assert names == set(WRITERS) | NOT_OUTPUTS


@pytest.mark.parametrize("command", [c for c, a in WRITERS.items() if a is not None])
def test_every_written_file_is_listed_and_hashed(command, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, WRITERS[command])
    assert result.exit_code == 0, result.output
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert written, "the command wrote nothing"
    assert unrecorded(tmp_path) == []


def test_plot_records_the_figures_it_adds(tmp_path):
    out = tmp_path / "run"
    assert runner.invoke(app, ["run", "rat-phx-70", *FAST, "-o", str(out), "-q"]).exit_code == 0
    result = runner.invoke(app, ["plot", str(out), "--format", "svg,pdf", "-q"])
    assert result.exit_code == 0, result.output
    assert {"timecourse.svg", "timecourse.pdf"} <= set(os.listdir(out))
    assert unrecorded(tmp_path) == []
    prov = json.loads((out / "provenance.json").read_text())
    assert prov["redrawn"][-1]["formats"] == ["svg", "pdf"]
    # and the folder still reads back
    assert runner.invoke(app, ["plot", str(out), "-q"]).exit_code == 0
