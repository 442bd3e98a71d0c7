"""Dry runs: an estimate of a sweep's time and disk use from a short probe of its plan."""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np

from livermodel.studies.sweep.execute import run_chunk
from livermodel.studies.sweep.plan import STATUS_OK, Plan, _check_trajectories
from livermodel.studies.sweep.table import _chunk_csv

# --------------------------------------------------------------------------------------------
# dry run
# --------------------------------------------------------------------------------------------


def estimate_sweep(
    plan: Plan, *, jobs: int = 1, save_trajectories: Sequence[str] = (), probe_runs: int = 64
) -> dict:
    """The size and an estimated duration of ``plan``, from a short probe (nothing written).

    A warm-up of two runs (imports, the scenario's caches) and, with numba, the loading of the
    compiled right-hand side are timed as ``startup_s`` and counted once, for the sweep's fixed
    costs.  Then up to ``probe_runs`` runs spread over the design, and no more than a chunk, are
    simulated in one batch on this process, so that the probe takes the path the chunks take
    (the compiled right-hand side from 64 runs on).  The time per run measured there (a batch
    smaller than a chunk, so a cautious one) is shared among ``jobs``.
    Returns ``runs``, ``chunks``, ``probe_runs``, ``probe_s``, ``startup_s``, ``runs_per_s``,
    ``estimated_s``, ``table_bytes``, ``trajectory_bytes`` and ``probe_failed``.
    """
    from livermodel.solve.simulate import compiled_rhs, output_grid

    traj = _check_trajectories(plan, save_trajectories)
    n = plan.n_runs
    k = max(1, min(n, probe_runs, plan.chunk_size))
    picks = sorted({int(round(x)) for x in np.linspace(0, n - 1, k)})

    def task(runs):
        return {
            "index": 0,
            "runs": runs,
            "scenario": plan.scenario.to_dict(),
            "source": str(plan.scenario.source or "<scenario>"),
            "name": plan.scenario.name,
            "overrides": [plan.overrides(i) for i in runs],
            "trajectories": traj,
        }

    t0 = time.perf_counter()
    run_chunk(task(picks[:2]))  # warm-up: stands for the sweep's fixed costs too
    compiled_rhs(len(picks))
    startup = time.perf_counter() - t0
    probe = task(picks)
    t0 = time.perf_counter()
    out = run_chunk(probe)
    dt = max(time.perf_counter() - t0, 1e-9)
    rate = len(picks) / dt
    row_bytes = len(_chunk_csv(plan, out).encode()) / max(len(picks), 1)
    points = output_grid(plan.scenario.duration_h, plan.scenario.output_step_h).size
    return {
        "runs": n,
        "chunks": plan.n_chunks,
        "chunk_size": plan.chunk_size,
        "probe_runs": len(picks),
        "probe_s": dt,
        "startup_s": startup,
        "runs_per_s": rate * max(1, jobs),
        "estimated_s": startup + n / (rate * max(1, jobs)),
        "table_bytes": int(row_bytes * n),
        "trajectory_bytes": int(n * len(traj) * points * 4),
        "probe_failed": sum(r[0] != STATUS_OK for r in out["rows"]),
    }


def format_bytes(n: float) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} GB"  # pragma: no cover


def format_seconds(s: float) -> str:
    if s < 90:
        return f"{s:.1f} s"
    if s < 5400:
        return f"{s / 60:.1f} min"
    return f"{s / 3600:.1f} h"
