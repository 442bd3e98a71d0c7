"""The command line, in process (Typer's CliRunner) and as the installed executable."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from livermodel import __version__
from livermodel.cli.app import app

runner = CliRunner()
FAST = ["--set", "output_step=12h"]
COMMANDS = [
    "run",
    "compare",
    "validate",
    "params",
    "scenarios",
    "init",
    "plot",
    "export",
    "sweep",
    "threshold",
    "sensitivity",
    "cohort",
    "fit",
    "explain",
    "explore",
    "phase",
    "report",
]


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def assert_user_error(result, *fragments):
    """Exit 2, a message starting with 'error:', what to do, and no traceback."""
    assert result.exit_code == 2, result.output
    assert "error:" in result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    for fragment in fragments:
        assert fragment in result.output, result.output


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("cli") / "phx"
    result = invoke("run", "rat-phx-70", *FAST, "--out", out, "--format", "png")
    assert result.exit_code == 0, result.output
    return out


# --- help and version -----------------------------------------------------------------------


def test_version():
    result = invoke("--version")
    assert result.exit_code == 0
    assert result.output.strip() == f"livermodel {__version__}"


def test_root_help_lists_every_command():
    result = invoke("--help")
    assert result.exit_code == 0
    for command in COMMANDS:
        assert command in result.output


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example(command):
    result = invoke(command, "--help")
    assert result.exit_code == 0
    assert "Example" in result.output
    assert f"livermodel {command}" in result.output


# --- run ------------------------------------------------------------------------------------


def test_run_writes_the_folder_and_prints_a_summary(run_dir):
    names = set(os.listdir(run_dir))
    assert {
        "timeseries.csv",
        "metrics.json",
        "scenario.resolved.yaml",
        "provenance.json",
        "timecourse.png",
    } <= names
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["mode"] == "normal"
    prov = json.loads((run_dir / "provenance.json").read_text())
    assert "output_step=12h" in prov["command"]


def test_run_summary_text(tmp_path):
    result = invoke("run", "rat-phx-70", *FAST, "--out", tmp_path, "--format", "none")
    assert result.exit_code == 0, result.output
    for words in (
        "outcome mode",
        "normal",
        "nadir liver function",
        "recovery",
        "ALT peak",
        "survival probability",
        f"wrote {tmp_path}",
    ):
        assert words in result.output
    assert "simulating" not in result.output  # no progress display when not on a terminal


def test_run_default_folder_is_results_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke("run", "rat-phx-70", "--format", "none", "--quiet")
    assert result.exit_code == 0, result.output
    assert result.output == ""
    assert (tmp_path / "results" / "rat-phx-70" / "provenance.json").exists()


def test_run_with_several_sets_and_formats(tmp_path):
    result = invoke(
        "run",
        "rat-phx-70",
        *FAST,
        "--set",
        "insults.0.fraction=0.5",
        "--set",
        "duration=4d",
        "--out",
        tmp_path,
        "--format",
        "svg,pdf",
        "--style",
        "slides",
        "-q",
    )
    assert result.exit_code == 0, result.output
    assert {"timecourse.svg", "timecourse.pdf"} <= set(os.listdir(tmp_path))
    resolved = (tmp_path / "scenario.resolved.yaml").read_text()
    assert "fraction: 0.5" in resolved and "duration: 96 h" in resolved


def test_run_missing_file():
    assert_user_error(
        invoke("run", "no-such-file.yaml"), "no-such-file.yaml", "not found", "livermodel scenarios"
    )


def test_run_directory_instead_of_file(tmp_path):
    assert_user_error(invoke("run", tmp_path), "directory")


def test_run_unknown_library_name_suggests_one():
    assert_user_error(invoke("run", "rat-phx-7"), "Did you mean 'rat-phx-70'")


def test_run_unknown_set_key():
    assert_user_error(
        invoke("run", "rat-phx-70", "--set", "parameters.set_pont=1"),
        "unknown parameter 'set_pont'",
        "Did you mean 'set_point'",
    )


def test_run_malformed_set_value():
    assert_user_error(invoke("run", "rat-phx-70", "--set", "duration=soon"), "duration", "--set")


def test_run_set_without_equals():
    assert_user_error(invoke("run", "rat-phx-70", "--set", "duration"), "key.path=value")


def test_run_out_is_a_file(tmp_path):
    f = tmp_path / "file.txt"
    f.write_text("x")
    assert_user_error(invoke("run", "rat-phx-70", "--out", f), "--out", "is a file")


def test_run_out_cannot_be_created(tmp_path):
    f = tmp_path / "file.txt"
    f.write_text("x")
    result = invoke("run", "rat-phx-70", "--out", f / "sub")
    assert_user_error(result, "cannot write to the output folder", "--out")


@pytest.mark.skipif(
    hasattr(os, "geteuid") and os.geteuid() == 0, reason="root can write into read-only folders"
)
def test_run_out_read_only(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        assert_user_error(invoke("run", "rat-phx-70", "--out", ro), "cannot write")
    finally:
        ro.chmod(0o700)


def test_run_bad_format_and_style():
    assert_user_error(invoke("run", "rat-phx-70", "--format", "gif"), "unknown figure format", "--help")
    assert_user_error(invoke("run", "rat-phx-70", "--style", "poster"), "unknown figure style")


def test_run_bad_scenario_points_at_the_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\nspecies: rat\ninsults:\n  - type: hepatectomy\n    fractoin: 0.7\n")
    result = invoke("run", bad)
    assert_user_error(result, "bad.yaml:5", "fractoin")


def test_failed_simulation_exits_1_and_writes_nothing(tmp_path):
    out = tmp_path / "out"
    result = invoke("run", "rat-phx-70", *FAST, "--set", "solver.max_steps=1", "--out", out)
    assert result.exit_code == 1, result.output
    assert "could not be completed" in result.output and "Nothing was written" in result.output
    assert "Traceback" not in result.output
    assert not out.exists() or os.listdir(out) == []


def test_missing_argument_is_exit_2():
    result = invoke("run")
    assert result.exit_code == 2
    assert "Missing argument" in result.output


# --- compare --------------------------------------------------------------------------------


def test_compare_with_labels_and_control(tmp_path):
    result = invoke(
        "compare",
        "rat-phx-70",
        "rat-phx-90",
        "--labels",
        "70 %,90 %",
        "--control",
        "healthy",
        *FAST,
        "--out",
        tmp_path,
        "--format",
        "png",
    )
    assert result.exit_code == 0, result.output
    assert "difference against the control (healthy)" in result.output
    assert "70 %" in result.output and "90 %" in result.output
    table = json.loads((tmp_path / "metrics.json").read_text())
    assert list(table["arms"]) == ["healthy", "70 %", "90 %"]
    assert table["differences"]["90 %"]["mode"] == "normal -> failure"
    assert (tmp_path / "comparison.png").exists()
    assert (tmp_path / "arms" / "90" / "timeseries.csv").exists()


def test_compare_control_among_the_arms_is_run_once(tmp_path):
    result = invoke(
        "compare",
        "healthy",
        "rat-phx-70",
        "--control",
        "healthy",
        *FAST,
        "--out",
        tmp_path,
        "--format",
        "none",
    )
    assert result.exit_code == 0, result.output
    table = json.loads((tmp_path / "metrics.json").read_text())
    assert list(table["arms"]) == ["healthy", "rat-phx-70"]


def test_compare_repeated_labels_option(tmp_path):
    result = invoke(
        "compare",
        "rat-phx-70",
        "rat-phx-90",
        "-l",
        "a",
        "-l",
        "b",
        *FAST,
        "--out",
        tmp_path,
        "--format",
        "none",
        "-q",
    )
    assert result.exit_code == 0, result.output
    assert list(json.loads((tmp_path / "metrics.json").read_text())["arms"]) == ["a", "b"]


def test_compare_errors(tmp_path):
    assert_user_error(invoke("compare", "rat-phx-70"), "at least two scenarios")
    assert_user_error(
        invoke("compare", "rat-phx-70", "rat-phx-90", "--labels", "only-one"),
        "--labels",
        "one label per scenario",
    )
    assert_user_error(invoke("compare", "rat-phx-70", "missing.yaml"), "missing.yaml")


def test_compare_failed_arm_exits_1(tmp_path):
    result = invoke(
        "compare", "rat-phx-70", "rat-phx-90", "--set", "solver.max_steps=1", *FAST, "--out", tmp_path / "c"
    )
    assert result.exit_code == 1
    assert "could not be completed" in result.output


# --- validate -------------------------------------------------------------------------------


def test_validate_ok():
    result = invoke("validate", "rat-phx-70", "fulminant-msc-early")
    assert result.exit_code == 0, result.output
    assert "ok: rat-phx-70" in result.output


def test_validate_reports_every_bad_file(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\nduration: 3 parsecs\n")
    result = invoke("validate", "rat-phx-70", bad, tmp_path / "missing.yaml")
    assert_user_error(
        result, "bad.yaml:2", "parsecs", "missing.yaml", "2 of 3 scenario file(s) have problems"
    )


def test_validate_with_set():
    assert_user_error(invoke("validate", "rat-phx-70", "--set", "insults.0.fraction=2"), "fraction")


# --- params ---------------------------------------------------------------------------------


def test_params_table():
    result = invoke("params")
    assert result.exit_code == 0
    for words in ("critical_mass", "1/h", "alt_half_life", "[regeneration]"):
        assert words in result.output


def test_params_species_marks_changed_values():
    result = invoke("params", "--species", "human")
    assert result.exit_code == 0
    line = next(line for line in result.output.splitlines() if line.startswith("time_scale"))
    assert "10*" in line


def test_params_one_parameter_in_full():
    result = invoke("params", "alt_half_life", "--species", "mouse")
    assert result.exit_code == 0
    for words in ("unit", "h", "34.6", "source", "Sherman", "--set parameters.alt_half_life"):
        assert words in result.output


def test_params_errors():
    assert_user_error(invoke("params", "alt_halflife"), "Did you mean 'alt_half_life'")
    assert_user_error(invoke("params", "--species", "dog"), "unknown species")


# --- scenarios and init ---------------------------------------------------------------------


def test_scenarios_lists_the_library():
    result = invoke("scenarios")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert any(line.startswith("rat-phx-70 ") for line in lines)
    assert "livermodel run NAME" in result.output
    # a summary does not stop at "et al."
    trial = next(line for line in lines if line.startswith("human-aclf-trial "))
    assert "Lin et al. 2017" in trial


def test_init_template_validates_and_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke("init", "my-study")
    assert result.exit_code == 0, result.output
    text = (tmp_path / "my-study.yaml").read_text()
    assert text.splitlines()[1].startswith("# my-study") and "name: my-study" in text
    assert invoke("validate", "my-study.yaml").exit_code == 0
    assert invoke("run", "my-study.yaml", *FAST, "--format", "none", "-q").exit_code == 0


def test_init_from_a_library_scenario(tmp_path):
    target = tmp_path / "msc-early.yaml"
    result = invoke("init", target, "--from", "fulminant-msc-early")
    assert result.exit_code == 0, result.output
    text = target.read_text()
    assert (
        "name: msc-early" in text
        and "type: msc" in text
        and "extends" not in text.split("\n\n", 1)[1].split("# Optional")[0]
    )
    assert "expect:" not in text.replace("# expect:", "")
    assert invoke("validate", target).exit_code == 0


def test_init_errors(tmp_path):
    target = tmp_path / "x.yaml"
    assert invoke("init", target).exit_code == 0
    assert_user_error(invoke("init", target), "already exists", "--force")
    assert invoke("init", target, "--force").exit_code == 0
    assert_user_error(invoke("init", tmp_path / "no-dir" / "y.yaml"), "does not exist")
    assert_user_error(invoke("init", tmp_path / "bad name!.yaml"), "cannot be a scenario name")
    assert_user_error(invoke("init", tmp_path / "z.yaml", "--from", "nope.yaml"), "nope.yaml")


# --- plot -----------------------------------------------------------------------------------


def test_plot_redraws(run_dir):
    result = invoke("plot", run_dir, "--format", "svg", "--style", "slides")
    assert result.exit_code == 0, result.output
    assert (run_dir / "timecourse.svg").exists()


def test_plot_errors(tmp_path, run_dir):
    assert_user_error(invoke("plot", tmp_path / "nope"), "does not exist")
    assert_user_error(invoke("plot", tmp_path), "no provenance.json", "Run that command again")
    f = tmp_path / "f.txt"
    f.write_text("x")
    assert_user_error(invoke("plot", f), "is a file")
    assert_user_error(invoke("plot", run_dir, "--format", "bmp"), "unknown figure format")


# --- the installed executable ---------------------------------------------------------------


def _executable() -> Path:
    exe = Path(sys.executable).parent / ("livermodel.exe" if os.name == "nt" else "livermodel")
    if not exe.exists():
        pytest.skip(f"the livermodel console script is not installed next to {sys.executable}")
    return exe


def test_installed_executable(tmp_path):
    exe = _executable()
    out = subprocess.run(
        [exe, "run", "rat-phx-70", *FAST, "--out", tmp_path / "r", "--format", "none"],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    assert "outcome mode" in out.stdout and "\x1b" not in out.stdout + out.stderr  # no progress
    prov = json.loads((tmp_path / "r" / "provenance.json").read_text())
    assert prov["command"].startswith("livermodel run rat-phx-70 --set output_step=12h")
    out = subprocess.run([exe, "run", tmp_path / "missing.yaml"], capture_output=True, text=True)
    assert out.returncode == 2
    assert out.stderr.startswith("error:") and "Traceback" not in out.stderr


def test_python_dash_m():
    out = subprocess.run(
        [sys.executable, "-m", "livermodel", "params", "nope"], capture_output=True, text=True
    )
    assert out.returncode == 2, out.stderr
    assert out.stderr.startswith("error:") and "Traceback" not in out.stderr


def test_newcomer_messages(tmp_path):
    # an SBML file given to run is named as SBML, not as malformed YAML
    xml = tmp_path / "m.xml"
    assert invoke("export", "rat-phx-70", "-o", xml).exit_code == 0
    assert_user_error(invoke("run", xml), "SBML model, not a livermodel scenario")
    # a transposed library name offers the name it transposes
    res = invoke("run", "rat-phx-07")
    assert_user_error(res, "rat-phx-70")
    # a --vary mistake is not called a --set value
    res = invoke("sweep", "rat-phx-70", "--vary", "parameters.foo=1:2:3")
    assert_user_error(res, "--vary 'parameters.foo'")
    assert "--set value" not in res.output
    # a bad data table is not sent to 'livermodel validate'
    data = tmp_path / "d.csv"
    data.write_text("time_h,variable,value,sd\n1,functional_mass,abc,0.1\n")
    res = invoke("fit", "rat-phx-70", "--data", data, "--params", "division_rate")
    assert_user_error(res, "data table")
    assert "livermodel validate" not in res.output
    # 'intravenous' is 'iv'
    sc = tmp_path / "msc.yaml"
    sc.write_text(
        "name: msc\nspecies: rat\nduration: 2 d\ninsults:\n  - type: hepatectomy\n"
        "    at: 0 h\n    fraction: 0.7\ninterventions:\n  - type: msc\n    at: 6 h\n"
        "    dose: 1e6 cells/kg\n    route: intravenous\n"
    )
    res = invoke("validate", sc)
    assert res.exit_code == 2 and "Did you mean 'iv'" in res.output, res.output


def test_study_progress_bar_only_on_a_terminal():
    from livermodel.cli.common import ProgressBar

    with ProgressBar(True, "x") as update:  # --quiet
        assert update is None
    with ProgressBar(False, "x") as update:  # stderr is not a terminal under pytest
        assert update is None


def test_help_offers_shell_completion():
    from typer.testing import CliRunner

    from livermodel.cli.app import app

    out = CliRunner().invoke(app, ["--help"]).output
    assert "--install-completion" in out and "--show-completion" in out


def test_schema_command_prints_and_writes_the_schema(tmp_path):
    import json

    from typer.testing import CliRunner

    from livermodel.cli.app import app
    from livermodel.scenario.schema import json_schema_text

    printed = CliRunner().invoke(app, ["schema"])
    assert printed.exit_code == 0 and printed.output == json_schema_text()
    target = tmp_path / "s.json"
    written = CliRunner().invoke(app, ["schema", "-o", str(target)])
    assert written.exit_code == 0
    assert json.loads(target.read_text(encoding="utf-8"))["title"] == "livermodel scenario"
    refused = CliRunner().invoke(app, ["schema", "-o", str(tmp_path)])
    assert refused.exit_code == 2 and "is a folder" in refused.output


def test_init_writes_a_schema_modeline_naming_the_shipped_schema(tmp_path, monkeypatch):
    from urllib.parse import unquote, urlparse

    from typer.testing import CliRunner

    from livermodel.cli.app import app
    from livermodel.scenario.schema import json_schema_text

    monkeypatch.chdir(tmp_path)
    res = CliRunner().invoke(app, ["init", "edited"])
    assert res.exit_code == 0, res.output
    first = (tmp_path / "edited.yaml").read_text(encoding="utf-8").splitlines()[0]
    prefix = "# yaml-language-server: $schema="
    assert first.startswith(prefix)
    url = urlparse(first[len(prefix) :])
    assert url.scheme == "file"
    assert open(unquote(url.path), encoding="utf-8").read() == json_schema_text()
    assert CliRunner().invoke(app, ["validate", "edited.yaml"]).exit_code == 0


def test_a_dash_reads_the_scenario_from_stdin_and_writes_sbml_to_stdout(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from livermodel.cli.app import app
    from livermodel.scenario import find_scenario

    monkeypatch.chdir(tmp_path)
    text = find_scenario("rat-phx-70").read_text(encoding="utf-8")
    ok = CliRunner().invoke(app, ["validate", "-"], input=text)
    assert ok.exit_code == 0 and "(rat-phx-70)" in ok.output
    bad = CliRunner().invoke(app, ["validate", "-"], input="name: x\nspecies: [\n")
    assert bad.exit_code == 2 and "<stdin>:" in bad.output and "Traceback" not in bad.output
    outside = CliRunner().invoke(app, ["validate", "-"], input="name: x\nextends: /etc/passwd\n")
    assert outside.exit_code == 2 and "outside" in outside.output
    big = CliRunner().invoke(app, ["validate", "-"], input="#" * 1_000_001)
    assert big.exit_code == 2 and "more than" in big.output
    run = CliRunner().invoke(app, ["run", "-", "--format", "none", "--set", "duration=2d"], input=text)
    assert run.exit_code == 0, run.output
    assert (tmp_path / "results").is_dir() and any((tmp_path / "results").rglob("metrics.json"))
    pytest.importorskip("libsbml")
    piped = CliRunner().invoke(app, ["export", "rat-phx-70", "-o", "-"])
    assert piped.exit_code == 0
    assert CliRunner().invoke(app, ["export", "rat-phx-70", "-o", "m.xml"]).exit_code == 0
    assert piped.output == (tmp_path / "m.xml").read_text(encoding="utf-8")


def test_the_installed_version_is_the_one_in_the_package():
    # pyproject.toml reads the version from livermodel.version (one place, no metadata look-up)
    from importlib.metadata import version

    assert version("livermodel") == __version__
