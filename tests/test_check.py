"""``livermodel check``: expect: blocks and shipped data as a scorecard, with exit codes; and
``run`` warning about (and recording) a scenario's own broken expectation."""

import json

from typer.testing import CliRunner

from livermodel.cli.app import app
from livermodel.studies.check import DATASETS, data_dir, read_table

runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def _broken(tmp_path):
    """A file that promises recovery from a 90 % resection (rats fail: Tuczek & Rabes)."""
    path = tmp_path / "promise.yaml"
    path.write_text(
        "name: promise\nspecies: rat\nduration: 3 d\ninsults:\n  - type: hepatectomy\n"
        "    at: 0 h\n    fraction: 0.9\nexpect:\n  mode: normal\n"
    )
    return path


def test_check_passes_on_a_scenario_that_keeps_its_promise(tmp_path):
    res = invoke("check", "rat-phx-70", "-o", tmp_path / "c")
    assert res.exit_code == 0, res.output
    rows = json.loads((tmp_path / "c" / "scorecard.json").read_text())["rows"]
    assert rows and all(r["verdict"] == "pass" and r["role"] == "expect" for r in rows)
    prov = json.loads((tmp_path / "c" / "provenance.json").read_text())
    assert set(prov["files"]) == {"scorecard.csv", "scorecard.json"}


def test_check_exits_1_and_names_the_broken_expectation(tmp_path):
    res = invoke("check", _broken(tmp_path), "-o", tmp_path / "c", "-q")
    assert res.exit_code == 1
    assert "promise: expect.mode" in res.output and "FAIL" in res.output
    card = (tmp_path / "c" / "scorecard.csv").read_text()
    assert "wanted mode == 'normal', got 'failure'" in card


def test_run_warns_and_records_a_broken_expectation(tmp_path):
    res = invoke("run", _broken(tmp_path), "-o", tmp_path / "r", "--format", "")
    assert res.exit_code == 0  # the files are a correct simulation of the file as written
    assert "expectation fails: expect.mode" in res.output
    prov = json.loads((tmp_path / "r" / "provenance.json").read_text())
    assert prov["expectations"]["checked"] == ["mode"]
    assert prov["expectations"]["failed"][0].startswith("expect.mode")


def test_check_data_compares_every_shipped_data_set_and_draws_them(tmp_path):
    res = invoke("check", "healthy", "--data", "-o", tmp_path / "c", "-q")
    assert res.exit_code == 0, res.output
    rows = json.loads((tmp_path / "c" / "scorecard.json").read_text())["rows"]
    roles = {r["role"] for r in rows}
    assert roles == {"expect", "calibrated", "checked"}
    for ds in DATASETS:
        assert any(r["target"].startswith(ds.name) for r in rows), ds.name
    assert (tmp_path / "c" / "check-data.png").stat().st_size > 10_000


def test_every_shipped_data_file_names_its_source():
    for path in sorted(data_dir().glob("*.csv")):
        _rows, header = read_table(path.name)
        text = " ".join(header)
        assert "doi:" in text or "et al." in text or text.startswith("SYNTHETIC"), path.name
