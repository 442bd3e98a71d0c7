"""extends: reads only scenario files inside the scenario's folder tree or the library (or a
folder allowed with LIVERMODEL_EXTENDS_PATH), and never quotes a file that is not a scenario."""

import pytest
from typer.testing import CliRunner

from livermodel.cli.app import app
from livermodel.errors import ScenarioError
from livermodel.scenario import load_scenario, parse_scenario
from livermodel.scenario.reader import library_path

runner = CliRunner()
SECRET = "AKIA-VERY-SECRET-42"


@pytest.fixture
def tree(tmp_path, monkeypatch):
    monkeypatch.delenv("LIVERMODEL_EXTENDS_PATH", raising=False)
    (tmp_path / "proj" / "sub").mkdir(parents=True)
    (tmp_path / "proj" / "base.yaml").write_text("species: rat\nduration: 2d\n")
    (tmp_path / "outside.yaml").write_text("species: mouse\nduration: 3d\n")
    (tmp_path / "creds").write_text(f"[default]\naws_secret_access_key = {SECRET}\n")
    (tmp_path / "proj" / "creds.yaml").write_text(f"aws_secret_access_key: {SECRET}\n")
    (tmp_path / "proj" / "bad.yaml").write_text(f"key: [unclosed {SECRET}\n")
    return tmp_path


def child(tree, text, where="proj"):
    path = tree / where / "child.yaml"
    path.write_text(text)
    return path


def refused(path, *fragments):
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 2 and "Traceback" not in result.output, result.output
    assert SECRET not in result.output
    for f in fragments:
        assert f in result.output, result.output
    return result.output


def test_a_file_in_the_same_folder_or_below_is_read(tree):
    (tree / "proj" / "sub" / "deeper.yaml").write_text("species: human\nduration: 1d\n")
    assert load_scenario(child(tree, "extends: base.yaml\n")).duration_h == 48
    assert load_scenario(child(tree, "extends: sub/deeper.yaml\n")).species == "human"


def test_a_library_scenario_is_read_by_its_path(tree):
    sc = load_scenario(child(tree, f"extends: {library_path() / 'rat-phx-70.yaml'}\n"))
    assert sc.schedule.events[0].fraction == pytest.approx(0.7)


@pytest.mark.parametrize("ext", ["../outside.yaml", "../creds", "/etc/passwd", "sub/../../outside.yaml"])
def test_paths_leaving_the_tree_are_refused_before_reading(tree, ext):
    out = refused(
        child(tree, f"extends: {ext}\n"),
        "child.yaml:1:10",
        "outside the scenario's folder",
        "LIVERMODEL_EXTENDS_PATH",
    )
    assert "mouse" not in out


def test_a_symlink_out_of_the_tree_is_refused(tree):
    (tree / "proj" / "link.yaml").symlink_to(tree / "outside.yaml")
    refused(child(tree, "extends: link.yaml\n"), "outside the scenario's folder")


def test_the_environment_variable_widens_the_tree(tree, monkeypatch):
    path = child(tree, "extends: ../../outside.yaml\n", where="proj/sub")
    with pytest.raises(ScenarioError, match="outside"):
        load_scenario(path)
    monkeypatch.setenv("LIVERMODEL_EXTENDS_PATH", str(tree))
    assert load_scenario(path).species == "mouse"


@pytest.mark.parametrize("name", ["creds.yaml", "bad.yaml"])
def test_a_file_that_is_not_a_scenario_is_never_quoted(tree, name):
    refused(child(tree, f"extends: {name}\n"), "not a", "scenario file")


def test_parse_scenario_is_confined_to_base_dir(tree):
    with pytest.raises(ScenarioError, match="outside base_dir"):
        parse_scenario("extends: ../outside.yaml\n", base_dir=tree / "proj")
    assert parse_scenario("extends: base.yaml\n", base_dir=tree / "proj").duration_h == 48
