"""A full disk or a read-only folder is one line and an exit code, never a traceback, and never
leaves anything that looks complete."""

import errno
import os
import shutil
import subprocess
import sys
import tempfile

import pytest
from typer.testing import CliRunner

from livermodel.cli.app import app

runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def one_line_error(result, code):
    assert result.exit_code in (code if isinstance(code, tuple) else (code,)), result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.output
    return errors[0]


def _raise(code):
    def fail(*a, **k):
        raise OSError(code, os.strerror(code))

    return fail


def test_a_full_disk_while_writing_tables_is_one_message(tmp_path, monkeypatch):
    monkeypatch.setattr("livermodel.files.os.fsync", _raise(errno.ENOSPC))
    line = one_line_error(invoke("run", "rat-phx-70", "--out", tmp_path / "r", "--format", "none"), 2)
    assert "No space left on device" in line
    assert not (tmp_path / "r").exists()  # the folder the failed command created is removed


def test_a_full_disk_while_drawing_figures_is_one_message(tmp_path, monkeypatch):
    monkeypatch.setattr("matplotlib.figure.Figure.savefig", _raise(errno.ENOSPC))
    line = one_line_error(invoke("run", "rat-phx-70", "--out", tmp_path / "r"), (1, 2))
    assert "No space left on device" in line and "disk space" in line
    assert not (tmp_path / "r" / "provenance.json").exists()
    assert not (tmp_path / "r" / "timecourse.png").exists()


def test_a_full_disk_while_writing_a_report(tmp_path, monkeypatch):
    monkeypatch.setattr("livermodel.files.os.fsync", _raise(errno.ENOSPC))
    line = one_line_error(invoke("report", "rat-phx-70", "-o", tmp_path / "r.html"), 2)
    assert "No space left on device" in line
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", [["report", "rat-phx-70"], ["export", "rat-phx-70"]])
def test_a_read_only_folder_for_report_and_export(tmp_path, monkeypatch, command):
    if command[0] == "export":
        pytest.importorskip("libsbml")
    monkeypatch.setattr(tempfile, "mkstemp", _raise(errno.EROFS))
    line = one_line_error(invoke(*command, "-o", tmp_path / "out.file"), 2)
    assert "Read-only file system" in line
    assert list(tmp_path.iterdir()) == []


def test_an_unexpected_os_error_in_a_command_is_one_line(tmp_path, monkeypatch):
    monkeypatch.setattr("livermodel.output.runs.sha256_file", _raise(errno.EIO))
    line = one_line_error(invoke("run", "rat-phx-70", "--out", tmp_path / "r", "--format", "none"), 1)
    assert "Input/output error" in line
    assert not (tmp_path / "r" / "provenance.json").exists()


@pytest.fixture
def tiny_disk(tmp_path):
    mnt = tmp_path / "tiny"
    mnt.mkdir()
    if (
        not shutil.which("mount")
        or subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=48k", "tmpfs", str(mnt)], capture_output=True
        ).returncode
        != 0
    ):
        pytest.skip("cannot mount a small tmpfs here (the monkeypatched tests above cover it)")
    yield mnt
    subprocess.run(["umount", str(mnt)], capture_output=True)


def test_a_really_full_disk(tiny_disk):
    for args in (
        ["run", "rat-phx-70", "--out", tiny_disk / "run"],
        [
            "sweep",
            "rat-phx-70",
            "--vary",
            "insults.0.fraction=0.5:0.9:600",
            "--out",
            tiny_disk / "sweep",
            "--chunk-size",
            "100",
        ],
        ["report", "rat-phx-70", "-o", tiny_disk / "r.html"],
    ):
        proc = subprocess.run(
            [sys.executable, "-m", "livermodel", *map(str, args)], capture_output=True, text=True, timeout=300
        )
        assert proc.returncode in (1, 2), (args, proc.stderr)
        assert "Traceback" not in proc.stderr and "No space left" in proc.stderr, proc.stderr
        assert not (tiny_disk / "run" / "provenance.json").exists()
        assert not (tiny_disk / "sweep" / "provenance.json").exists()
        assert not (tiny_disk / "r.html").exists()
        for p in tiny_disk.rglob("*"):
            if p.is_file() and p.name.endswith(".tmp"):
                raise AssertionError(f"left {p}")
        for p in list(tiny_disk.iterdir()):
            shutil.rmtree(p) if p.is_dir() else p.unlink()
