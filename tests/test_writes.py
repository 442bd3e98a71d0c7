"""Writes go only where they should: regular files or new names, folders locked for a whole
command, names without control characters."""

import os
import signal
import subprocess
import sys
import time

import pytest
from typer.testing import CliRunner

from livermodel.cli.app import app
from livermodel.errors import LivermodelError
from livermodel.files import check_target_file
from livermodel.output.lock import command_scope, lock_folder, lock_path

runner = CliRunner()
FAST = ["--set", "output_step=12h", "--set", "duration=2d", "--format", "none"]


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def refused(result, *fragments):
    assert result.exit_code == 2, result.output
    assert "error:" in result.output and "Traceback" not in result.output
    for f in fragments:
        assert f in result.output, result.output


@pytest.mark.skipif(not os.path.exists("/dev/null"), reason="needs /dev/null")
@pytest.mark.parametrize("command", [["report", "rat-phx-70"], ["export", "rat-phx-70"]])
def test_a_device_node_is_never_replaced(command):
    before = os.stat("/dev/null")
    refused(invoke(*command, "-o", "/dev/null"), "--output", "not a regular file")
    after = os.stat("/dev/null")
    assert (after.st_ino, after.st_mode) == (before.st_ino, before.st_mode)


def test_a_fifo_or_a_folder_is_refused_as_a_target(tmp_path):
    fifo = tmp_path / "pipe.html"
    os.mkfifo(fifo)
    refused(invoke("report", "rat-phx-70", "-o", fifo), "not a regular file")
    assert not fifo.is_file()
    folder = invoke("report", "rat-phx-70", "-o", tmp_path)  # the option parser says it first
    assert folder.exit_code == 2 and "directory" in folder.output
    with pytest.raises(LivermodelError, match="is a folder"):
        check_target_file(tmp_path)
    # a missing folder is created for the report (docs/cli.md, folder rules)
    made = invoke("report", "rat-phx-70", "--no-phase", "-o", tmp_path / "no" / "r.html")
    assert made.exit_code == 0 and (tmp_path / "no" / "r.html").is_file()


def test_a_regular_file_or_a_new_name_is_accepted(tmp_path):
    (tmp_path / "old.html").write_text("old")
    assert check_target_file(tmp_path / "old.html") == tmp_path / "old.html"
    assert check_target_file(tmp_path / "new.html") == tmp_path / "new.html"


@pytest.mark.parametrize("name", ["", "  ", "results/x\n", "a\tb", "x\r"])
def test_names_with_control_characters_or_empty_are_refused(tmp_path, monkeypatch, name):
    monkeypatch.chdir(tmp_path)
    refused(invoke("run", "rat-phx-70", *FAST, "--out", name), "--out")
    refused(invoke("report", "rat-phx-70", "-o", name or " "), "--output")
    assert list(tmp_path.iterdir()) == []


def _holder(folder, tmp_path):
    """A separate process that locks ``folder`` and waits; returns it once the lock is taken."""
    ready = tmp_path / "ready"
    code = (
        "import time, pathlib\nfrom livermodel.output.lock import command_scope, lock_folder\n"
        "with command_scope():\n"
        f"    lock_folder({str(folder)!r}, 'the holder'); pathlib.Path({str(ready)!r}).touch()\n"
        "    time.sleep(60)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code])
    for _ in range(300):
        if ready.exists():
            return proc
        time.sleep(0.05)
    proc.kill()
    raise AssertionError("the holder did not start")


def test_a_locked_folder_is_refused_naming_the_holder(tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    proc = _holder(folder, tmp_path)
    try:
        refused(
            invoke("run", "rat-phx-70", *FAST, "--out", folder),
            "in use by another",
            f"pid {proc.pid}",
            "the holder",
        )
        assert sorted(p.name for p in folder.iterdir()) == []
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    # a killed holder leaves no lock behind
    result = invoke("run", "rat-phx-70", *FAST, "--out", folder)
    assert result.exit_code == 0, result.output
    assert (folder / "provenance.json").is_file()
    assert not lock_path(folder.resolve()).exists()


def test_two_concurrent_runs_never_mix_one_folder(tmp_path):
    folder = tmp_path / "shared"
    cmd = [
        sys.executable,
        "-m",
        "livermodel",
        "sweep",
        "rat-phx-70",
        "--vary",
        "insults.0.fraction=0.5:0.9:40",
        "--format",
        "none",
        "-q",
        "--out",
        str(folder),
        "--set",
        "duration=2d",
    ]
    procs = [subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [(p.wait(timeout=120), p.stderr.read()) for p in procs]
    codes = sorted(rc for rc, _ in outs)
    # one finishes; the other is refused (the folder is locked, or then holds a sweep)
    assert codes == [0, 2], outs
    assert all("Traceback" not in err for _, err in outs)
    assert (folder / "provenance.json").is_file()


def test_the_lock_is_reentrant_and_released_at_the_end_of_a_scope(tmp_path):
    lock_folder(tmp_path)  # outside a scope: a check only
    assert not lock_path(tmp_path.resolve()).exists()
    with command_scope():
        lock_folder(tmp_path)
        lock_folder(tmp_path)
        assert lock_path(tmp_path.resolve()).exists()
    assert not lock_path(tmp_path.resolve()).exists()
    with pytest.raises(LivermodelError, match="empty"):
        check_target_file("")
