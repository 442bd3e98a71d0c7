"""Solver speed: one run at a time versus one batched call.

Run:  python benchmarks/bench_solver.py            (prints a Markdown table; medians of 5)
      python benchmarks/bench_solver.py --quick    (smaller sizes, for a smoke check)

Workload: the rat 70 % hepatectomy, 30 days, 301 output points, rtol 1e-6, each run with its own
death_sensitivity (so no two runs are identical).  A second workload sweeps the MSC dose time in
a lethal toxin scenario, so every run has a different schedule (the union of breakpoints).
Timings go to docs/performance.md by hand, never into tests.

Batches of 64 runs or more use the compiled right-hand side when numba is installed (loaded
before timing); ``LIVERMODEL_COMPILED=0 python benchmarks/bench_solver.py`` measures numpy only.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

import numpy as np

from livermodel import MSC, Hepatectomy, Schedule, Toxin, resolve_parameters, simulate_batch
from livermodel.solve import simulate


def _phx_sets(n):
    return [resolve_parameters("rat", {"death_sensitivity": 0.5 + 1.5 * i / max(n - 1, 1)}) for i in range(n)]


def bench_single(n):
    sets = _phx_sets(n)
    sched = [Hepatectomy(0, 0.7)]
    t0 = time.perf_counter()
    for p in sets:
        simulate(p, sched, duration=720, output_step=2.4)
    return n / (time.perf_counter() - t0)


def bench_batch(n, differing_schedules=False):
    if differing_schedules:
        sets = [resolve_parameters("rat")] * n
        scheds = [Schedule([Toxin(0, 1300), MSC(float(t), 10)]) for t in np.linspace(0.5, 48, n)]
    else:
        sets = _phx_sets(n)
        scheds = Schedule([Hepatectomy(0, 0.7)])
    t0 = time.perf_counter()
    out = simulate_batch(sets, scheds, duration=720, output_step=2.4)
    dt = time.perf_counter() - t0
    assert out.success.all()
    return n / dt


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    sizes = [10, 100] if args.quick else [10, 100, 1000, 5000]
    from livermodel.solve.compiled import description
    from livermodel.solve.simulate import compiled_rhs

    compiled_rhs(10_000)  # load it now, not inside the first timed batch
    for _ in range(3):  # and take the first calls' one-time costs out of the timings
        bench_batch(1000)
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, numpy {np.__version__}"
    )
    print(f"batched right-hand side: {description()}")
    print(f"median of {args.repeat} repetitions")
    print("| workload | runs | runs per second |")
    print("|---|---|---|")

    def median(fn, *a):
        return statistics.median(fn(*a) for _ in range(args.repeat))

    print(f"| one run at a time (`simulate` in a loop) | 50 | {median(bench_single, 50):,.0f} |")
    for n in sizes:
        print(f"| one batched call (`simulate_batch`) | {n} | {median(bench_batch, n):,.0f} |")
    for n in sizes[:3]:
        print(f"| batched, every run a different MSC time | {n} | {median(bench_batch, n, True):,.0f} |")


if __name__ == "__main__":
    main()
