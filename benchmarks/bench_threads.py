"""Threads against processes for the compiled integrator: does ``prange`` beat processes?

    python benchmarks/bench_threads.py            # 4,000 runs, 3 repetitions

The same batch (``fulminant-msc-early``, the sweep benchmark's two-key grid, 30 days, hourly
output, rtol 1e-6, the 8 states the metrics need) integrated by the compiled integrator
(:func:`livermodel.solve.kernels.integrate_runs`) three ways: one thread; the same loop over
runs as a numba ``prange`` on two threads (compiled here, its compile time not counted); and two
forked processes, each integrating half the runs with the serial kernel (how ``livermodel sweep
--jobs 2`` splits work, without its chunk files).  Reported: runs per wall-second and per
CPU-second of the process tree, medians.  Only the kernel is timed: in a sweep the Python work
around it (inputs, metrics, files) stays serial under threads and runs in parallel under
processes.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))


def cpu() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=4000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    import multiprocessing as mp

    import bench_fair as bf
    from numba import njit, prange, set_num_threads

    from livermodel import model
    from livermodel.model.layout import ORDER, POS
    from livermodel.solve import compiled, kernel_galn, kernels
    from livermodel.solve import compiled_integrator as ci
    from livermodel.solve.compiled import pack
    from livermodel.solve.segments import _stack
    from livermodel.solve.simulate import output_grid
    from livermodel.studies.sweep.plan import plan_sweep

    @njit(parallel=True, error_model="numpy")
    def integrate_threads(Y0, D, seg_ptr, seg_t, seg_u, jump_a, jump_b, grid, keep, rtol, atol, hmax,
                          max_steps, out, status, reached, steps, acc, mpos):  # fmt: skip
        for r in prange(Y0.shape[0]):
            y = Y0[r].copy()
            galn = kernel_galn.new_records()  # a run's own: threads share nothing
            st, tr, ns = kernels._run(y, D[r], seg_t, seg_u, jump_a, jump_b, seg_ptr[r], seg_ptr[r + 1],
                                      grid, keep, rtol, atol, hmax, max_steps, out[r], acc[r], mpos,
                                      galn)  # fmt: skip
            status[r] = st
            reached[r] = tr
            steps[r] = ns

    plan = plan_sweep(
        "fulminant-msc-early", bf.grid(args.runs, bf.WORKLOADS["msc"][1]), overrides=bf.overrides(1e-6)
    )
    base = plan.scenario
    inputs = base.runs_inputs([plan.overrides(i) for i in range(plan.n_runs)])
    P, S = [x.parameters for x in inputs], [x.schedule for x in inputs]
    d = model.derived(_stack(P))
    n = len(P)
    Y0 = np.ascontiguousarray(model.initial_state(d, n)[np.asarray(ORDER)].T)
    D = pack(d, n)
    seg = ci.segments(P, S, base.duration_h)
    grid = output_grid(base.duration_h, 1.0)
    names = ["alt_u_per_l", "compensation", "cumulative_hazard", "functional_mass", "hypertrophy",
             "injured_mass", "primed_fraction", "systemic_hazard"]  # fmt: skip
    keep = np.ascontiguousarray(POS[[model.STATES.index(v) for v in names]], dtype=np.int64)
    serial = compiled.integrator()

    def run(fn, rows):
        m = len(rows)
        out = np.empty((m, keep.size, grid.size))
        st, re, stp = np.zeros(m, np.int64), np.zeros(m), np.zeros(m, np.int64)
        seg_ptr = seg[0]
        # the rows' own segments, renumbered
        parts = [np.arange(seg_ptr[r], seg_ptr[r + 1]) for r in rows]
        idx = np.concatenate(parts)
        ptr = np.concatenate([[0], np.cumsum([len(p) for p in parts])])
        fn(Y0[rows].copy(), D[rows], ptr, seg[1][idx], seg[2][idx], seg[3][idx], seg[4][idx], grid, keep,
           1e-6, 1e-9, 0.0, 100000, out, st, re, stp, np.empty((m, 0)), np.empty(0, np.int64))  # fmt: skip
        return st

    everything = np.arange(n)
    set_num_threads(2)
    run(integrate_threads, everything[:8])  # compile (not timed)

    def timed(how):
        c0, w0 = cpu(), time.perf_counter()
        if how == "serial":
            run(serial, everything)
        elif how == "threads":
            run(integrate_threads, everything)
        else:
            ctx = mp.get_context("fork")
            procs = [ctx.Process(target=run, args=(serial, part)) for part in np.array_split(everything, 2)]
            for p in procs:
                p.start()
            for p in procs:
                p.join()
        return n / (time.perf_counter() - w0), n / (cpu() - c0)

    rows: dict[str, list] = {"serial": [], "threads": [], "processes": []}
    for _ in range(args.repeat):
        for how in rows:
            rows[how].append(timed(how))
    print(f"{n:,} runs, load average {os.getloadavg()[0]:.1f}, medians of {args.repeat}")
    print()
    print("| how | runs per wall-second | runs per CPU-second |")
    print("|---|---|---|")
    label = {"serial": "one thread", "threads": "`prange`, 2 threads", "processes": "2 processes (fork)"}
    for how, ms in rows.items():
        wall = statistics.median(m[0] for m in ms)
        per_cpu = statistics.median(m[1] for m in ms)
        print(f"| {label[how]} | {wall:,.0f} | {per_cpu:,.0f} |")


if __name__ == "__main__":
    main()
