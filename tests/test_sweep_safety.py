"""Sweeps under kills, tampering, another solver and a failed executor: no orphaned workers,
no trusted chunk that was changed, no mixed solvers, nothing that blocks a rerun."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from livermodel.errors import LivermodelError
from livermodel.output.sweep import read_sweep, resume_sweep, run_sweep
from livermodel.studies.sweep.plan import plan_sweep

SHORT = ["duration=2d", "output_step=6h"]


def _plan(chunk_size=3):
    return plan_sweep("rat-phx-70", ["insults.0.fraction=0.5:0.9:9"], overrides=SHORT, chunk_size=chunk_size)


def _cut(tmp_path, chunks=2):
    plan = _plan()
    run_sweep(plan, tmp_path / "cut", formats=(), max_chunks=chunks)
    return plan, tmp_path / "cut"


def test_a_tampered_chunk_is_recomputed_and_reported(tmp_path):
    plan = _plan()
    whole = run_sweep(plan, tmp_path / "whole", formats=())
    _, cut = _cut(tmp_path)
    chunk = cut / "chunks" / "metrics-000000.csv"
    lines = chunk.read_text().splitlines()
    lines[1] = lines[1].replace(",ok,", ",failed,")  # an edited status
    chunk.write_text("\n".join(lines) + "\n")
    (cut / "chunks" / "metrics-000001.csv").write_bytes(b"\xff\xfe garbage \x00\x81")
    result = resume_sweep(cut, formats=())
    assert any("chunk 0" in n for n in result.notes) and any("chunk 1" in n for n in result.notes)
    assert (cut / "metrics.csv").read_bytes() == (tmp_path / "whole" / "metrics.csv").read_bytes()
    assert result.rows == whole.rows


def test_garbage_in_a_chunk_gives_a_warning_not_a_traceback(tmp_path):
    _, cut = _cut(tmp_path)
    (cut / "chunks" / "metrics-000000.csv").write_bytes(os.urandom(300))
    proc = subprocess.run(
        [sys.executable, "-m", "livermodel", "sweep", "--resume", str(cut), "--format", "none", "-q"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "warning: chunk 0" in proc.stderr and "Traceback" not in proc.stderr


def test_resuming_with_another_right_hand_side_is_refused(tmp_path, monkeypatch):
    _, cut = _cut(tmp_path)
    check = cut / "chunks" / "check-000000.json"
    rec = json.loads(check.read_text())
    rec["right_hand_side"] = "some other solver"
    check.write_text(json.dumps(rec))
    with pytest.raises(LivermodelError, match="another right-hand side"):
        resume_sweep(cut, formats=())
    assert not (cut / "metrics.csv").exists()


def test_resume_with_compiled_switched_off_is_refused_if_it_differs(tmp_path, monkeypatch):
    from livermodel.solve.compiled import description

    _, cut = _cut(tmp_path)
    monkeypatch.setenv("LIVERMODEL_COMPILED", "0")
    if description() == json.loads((cut / "chunks" / "check-000000.json").read_text())["right_hand_side"]:
        pytest.skip("numba is not installed: both runs use numpy")
    with pytest.raises(LivermodelError, match="LIVERMODEL_COMPILED"):
        resume_sweep(cut, formats=())


def test_stale_temporary_files_are_removed(tmp_path):
    _, cut = _cut(tmp_path)
    stale = [cut / ".metrics.csv.abc123.tmp", cut / "chunks" / ".metrics-000002.csv.x.tmp"]
    for p in stale:
        p.write_text("half")
    resume_sweep(cut, formats=())
    assert not any(p.exists() for p in stale)
    assert (cut / "provenance.json").is_file()


def test_a_sweep_that_ran_nothing_leaves_no_plan_behind(tmp_path):
    plan = _plan()
    with pytest.raises(LivermodelError, match="scheduler"):
        run_sweep(plan, tmp_path / "d", formats=(), executor="dask", scheduler=None)
    assert not (tmp_path / "d" / "plan.json").exists()
    result = run_sweep(plan, tmp_path / "d", formats=())  # the same folder, at once
    assert result.runs_done == 9


def test_a_full_disk_while_writing_chunks_is_one_message(tmp_path, monkeypatch):
    import errno

    from livermodel.output import sweep as sweep_mod

    def full(*a, **k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(sweep_mod, "_write_check", full)
    with pytest.raises(LivermodelError, match="No space left on device.*|--resume"):
        run_sweep(_plan(), tmp_path / "full", formats=())
    assert not (tmp_path / "full" / "metrics.csv").exists()
    assert not (tmp_path / "full" / "provenance.json").exists()


def _children(pid):
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True)
    return [int(x) for x in out.stdout.split()]


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split()[2] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses /proc and ps")
def test_workers_die_with_a_killed_sweep(tmp_path):
    cmd = [
        sys.executable,
        "-m",
        "livermodel",
        "sweep",
        "rat-phx-70",
        "--vary",
        "insults.0.fraction=0.5:0.9:4000",
        "--jobs",
        "2",
        "--chunk-size",
        "300",
        "--format",
        "none",
        "-q",
        "--out",
        str(tmp_path / "k"),
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers = []
    for _ in range(200):
        workers = [c for c in _children(proc.pid)]
        if len(workers) >= 2:
            break
        time.sleep(0.1)
    assert workers, "the sweep started no workers"
    grand = [g for w in workers for g in _children(w)]
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    deadline = time.time() + 10
    while time.time() < deadline and any(_alive(p) for p in workers + grand):
        time.sleep(0.2)
    left = [p for p in workers + grand if _alive(p)]
    for p in left:  # clean up what this test started before failing
        os.kill(p, signal.SIGKILL)
    assert not left, f"orphaned workers: {left}"


def test_a_lost_dask_scheduler_is_one_line_exit_1_and_resume_finishes(tmp_path):
    distributed = pytest.importorskip("distributed")
    import warnings

    out = tmp_path / "dask"
    args = [
        "sweep",
        "rat-phx-70",
        "--vary",
        "insults.0.fraction=0.5:0.9:40",
        "--chunk-size",
        "1",
        *[a for s in SHORT for a in ("--set", s)],
        "--format",
        "none",
        "-q",
        "--out",
        str(out),
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cluster = distributed.LocalCluster(
            n_workers=1,
            threads_per_worker=1,
            processes=False,
            protocol="tcp://",
            host="127.0.0.1",
            dashboard_address=None,
        )
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "livermodel",
            *args,
            "--executor",
            "dask",
            "--scheduler",
            cluster.scheduler_address,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:  # lose the cluster once the first chunk is on disk (40 chunks: far from the end)
        while proc.poll() is None and not list((out / "chunks").glob("check-*.json")):
            time.sleep(0.02)
    finally:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cluster.close()
    _, err = proc.communicate(timeout=120)
    lines = [line for line in err.splitlines() if line.strip()]
    assert proc.returncode == 1, err
    assert len(lines) == 1 and "Dask cluster" in lines[0], err
    assert f"livermodel sweep --resume {out}" in lines[0]
    assert not (out / "metrics.csv").exists() and not (out / "provenance.json").exists()

    from typer.testing import CliRunner

    from livermodel.cli.app import app

    runner = CliRunner()
    again = runner.invoke(app, args)  # the same command: told to resume, not a bare refusal
    assert again.exit_code == 2 and "--resume" in again.output
    done = runner.invoke(app, ["sweep", "--resume", str(out), "--format", "none", "-q"])
    assert done.exit_code == 0, done.output
    assert len(read_sweep(out).rows) == 40
