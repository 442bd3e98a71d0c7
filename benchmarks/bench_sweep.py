"""Sweep throughput: livermodel sweeps on 1 and 2 worker processes, against libRoadRunner and
livermodel's own one-run-at-a-time path, in the same process on the same machine.

The figures of docs/performance.md come from benchmarks/bench_fair.py (per core by CPU time of
each process tree, equal process counts, matched accuracy); this older script times wall
seconds in one process and sets two livermodel jobs against one libRoadRunner process, so its
"on the machine" ratio is not a fair comparison.

Run:  python benchmarks/bench_sweep.py              (1,000 and 10,000 runs; prints Markdown)
      python benchmarks/bench_sweep.py --quick      (smaller, a smoke check)
      python benchmarks/bench_sweep.py --memory 200000   (also: peak RSS of a metrics-only sweep)

Workload (issue 6): a two-key grid over the rat fulminant-failure scenario with IV MSCs at 2 h
(``fulminant-msc-early``), 30 days, hourly output (721 points), LSODA rtol 1e-6: the death
sensitivity (0.5 to 2) times the MSC dose (1e5 to 1e8 cells/kg, log-spaced).  A sweep's time is
everything ``run_sweep`` does with ``out_dir`` (plan checked, chunks integrated, chunk files and
``metrics.csv`` written), without figures.  libRoadRunner simulates the exported SBML of the same
scenario (one loaded model, reset between runs, CVODE at the same tolerances), varying the death
sensitivity.  Each figure is the median of ``--repeat`` repetitions.

The sweep rows use the compiled right-hand side when numba (the ``fast`` extra) is installed;
the rows marked "numpy right-hand side" repeat the 10,000-run sweep with it switched off
(``LIVERMODEL_COMPILED=0``).  One more row per right-hand side times a 10,000-run
Latin-hypercube sweep over the MSC time (0-24 h) and dose, where every run has its own schedule
(batched over the union of restart times, in chunks of at most 32 restarts).  The accuracy
table compares the sweep path and the one-run path with each other and with a reference
integration at rtol 1e-11.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import scipy

from livermodel.output.sweep import run_sweep
from livermodel.scenario.scenario import load_scenario
from livermodel.studies.sweep.plan import plan_sweep

SCENARIO = "fulminant-msc-early"
OVERRIDES = ["duration=30d", "output_step=1h", "solver.rtol=1e-6", "solver.atol=1e-9"]


def grid(n: int) -> list[str]:
    a = int(round(np.sqrt(n)))
    b = n // a
    return [f"parameters.death_sensitivity=0.5:2:{a}", f"interventions.0.dose=1e5:1e8cells/kg:{b}:log"]


def time_sweep(n: int, jobs: int) -> tuple[float, int, int]:
    plan = plan_sweep(SCENARIO, grid(n), overrides=OVERRIDES)
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        result = run_sweep(plan, Path(tmp) / "s", jobs=jobs, formats=())
        dt = time.perf_counter() - t0
        return plan.n_runs / dt, plan.n_runs, result.n_failed


def time_timing_sweep(n: int, jobs: int) -> tuple[float, int, int]:
    """A Latin-hypercube sweep over MSC time (0-24 h) and dose: every run has its own schedule."""
    plan = plan_sweep(
        SCENARIO,
        ["interventions.0.at=0:24h", "interventions.0.dose=1e5:1e8cells/kg:log"],
        overrides=OVERRIDES,
        design="lhs",
        samples=n,
        seed=1,
    )
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        result = run_sweep(plan, Path(tmp) / "s", jobs=jobs, formats=())
        dt = time.perf_counter() - t0
        return plan.n_runs / dt, plan.n_runs, result.n_failed


def time_one_at_a_time(n: int) -> float:
    sc = load_scenario(SCENARIO, OVERRIDES)
    values = np.linspace(0.5, 2, n)
    t0 = time.perf_counter()
    for v in values:
        sc.with_overrides({"parameters.death_sensitivity": float(v)}).run()
    return n / (time.perf_counter() - t0)


def time_roadrunner(n: int) -> float | None:
    try:
        import roadrunner

        from livermodel.interop.sbml import to_sbml
    except ImportError:
        return None
    sc = load_scenario(SCENARIO, OVERRIDES)
    xml = to_sbml(sc.parameters, sc.schedule, duration_h=sc.duration_h, name=sc.name)
    rr = roadrunner.RoadRunner(xml)
    rr.integrator.relative_tolerance = 1e-6
    rr.integrator.absolute_tolerance = 1e-9
    from livermodel.model.layout import STATES

    for state in STATES:
        rr.integrator.setIndividualTolerance(state, 1e-9)
    times = [float(t) for t in np.arange(0, sc.duration_h + 0.5, 1.0)]
    values = np.linspace(0.5, 2, n)
    t0 = time.perf_counter()
    for v in values:
        rr.resetAll()
        rr["death_sensitivity"] = float(v)
        rr.simulate(times=times, selections=["time", "functional_mass"])
    return n / (time.perf_counter() - t0)


def accuracy(n_sample: int = 20, rtol: float = 1e-6) -> tuple[float, float, float]:
    """Largest differences over every variable and output point of a sample of runs.

    Returns (sweep path vs one-run path, sweep path vs reference, one-run path vs reference),
    each relative to max(1, |variable|).  Both paths use the solver settings of the workload,
    except ``rtol`` (and atol = rtol/1000); the reference is the batch at rtol 1e-11.
    """
    from livermodel.solve.simulate import SolverSettings, simulate_batch

    overrides = [o for o in OVERRIDES if not o.startswith("solver.")]
    overrides += [f"solver.rtol={rtol:g}", f"solver.atol={rtol * 1e-3:g}"]
    plan = plan_sweep(SCENARIO, grid(1000), overrides=overrides)
    chunk = plan.chunks()[0]
    scs = [plan.scenario_at(i) for i in chunk]
    args = ([s.parameters for s in scs], [s.schedule for s in scs])
    batch = simulate_batch(*args, duration=scs[0].duration_h, output_step=1.0, settings=scs[0].settings)
    ref = simulate_batch(
        *args, duration=scs[0].duration_h, output_step=1.0, settings=SolverSettings(rtol=1e-11, atol=1e-14)
    )
    worst = [0.0, 0.0, 0.0]
    for j in np.linspace(0, len(chunk) - 1, n_sample).astype(int):
        one = scs[j].run()
        for k, name in enumerate(batch.variables):
            r = ref.values[j, k]
            scale = max(1.0, float(np.nanmax(np.abs(r))))
            for m, (a, b) in enumerate(
                ((batch.values[j, k], one[name]), (batch.values[j, k], r), (one[name], r))
            ):
                worst[m] = max(worst[m], float(np.nanmax(np.abs(a - b))) / scale)
    return tuple(worst)


def memory(n: int, jobs: int) -> tuple[float, float]:
    plan = plan_sweep(
        SCENARIO,
        ["parameters.death_sensitivity=0.5:2", "interventions.0.dose=1e5:1e8cells/kg:log"],
        overrides=["duration=3d"],
        design="random",
        samples=n,
        seed=1,
    )
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        run_sweep(plan, Path(tmp) / "m", jobs=jobs, formats=())
        dt = time.perf_counter() - t0
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return max(own, kids), n / dt


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--memory", type=int, default=0, metavar="N")
    args = ap.parse_args()
    sizes = [200, 1000] if args.quick else [1000, 10_000]
    # first, so that the peak resident size is the sweep's, not that of the parts below
    mem = memory(args.memory, 2) if args.memory else None
    from importlib.metadata import version

    try:
        rr_version = version("libroadrunner")
    except Exception:  # noqa: BLE001 - optional
        rr_version = "not installed"
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"{platform.system()}; Python {platform.python_version()}, numpy {np.__version__}, "
        f"scipy {scipy.__version__}, libroadrunner {rr_version}; median of {args.repeat}"
    )
    print()
    print("| path | runs | jobs | runs per second | failed runs |")
    print("|---|---|---|---|---|")
    rr = [time_roadrunner(300 if not args.quick else 50) for _ in range(args.repeat)]
    if rr[0] is not None:
        print(
            f"| libRoadRunner, exported SBML, one model reset per run | 300 | 1 | "
            f"{statistics.median(rr):,.0f} | |"
        )
    one = statistics.median(time_one_at_a_time(30 if args.quick else 100) for _ in range(args.repeat))
    print(f"| livermodel one run at a time (`Scenario.run`) | 100 | 1 | {one:,.0f} | |")
    from livermodel.solve.compiled import description

    best = {1: 0.0, 2: 0.0}
    for rhs in ("compiled", "numpy"):
        if rhs == "numpy":
            os.environ["LIVERMODEL_COMPILED"] = "0"  # read at every batch, inherited by workers
        label = (
            "`livermodel sweep`"
            if rhs == "compiled"
            else "`livermodel sweep`, numpy right-hand side (`LIVERMODEL_COMPILED=0`)"
        )
        for n in sizes if rhs == "compiled" else sizes[-1:]:
            for jobs in (1, 2):
                reps = [time_sweep(n, jobs) for _ in range(args.repeat)]
                rate = statistics.median(r[0] for r in reps)
                if rhs == "compiled":
                    best[jobs] = max(best[jobs], rate)
                print(f"| {label} | {reps[0][1]:,} | {jobs} | {rate:,.0f} | {reps[0][2]} |")
        reps = [time_timing_sweep(sizes[-1], 2) for _ in range(args.repeat)]
        print(
            f"| {label}, every run at its own MSC time (LHS over time x dose) | "
            f"{reps[0][1]:,} | 2 | {statistics.median(r[0] for r in reps):,.0f} | {reps[0][2]} |"
        )
        os.environ.pop("LIVERMODEL_COMPILED", None)
    print()
    print(f"batched right-hand side: {description()}")
    if rr[0] is not None:
        r = statistics.median(rr)
        print(
            f"sweep / libRoadRunner: {best[2] / r:.1f}x on the machine (2 jobs), "
            f"{best[1] / r:.1f}x per core (1 job); "
            f"sweep / one run at a time: {best[2] / one:.0f}x (2 jobs), {best[1] / one:.0f}x (1 job)"
        )
    print()
    print(
        "accuracy: largest difference over 20 runs, every variable and output point, relative "
        "to max(1, |variable|); reference = rtol 1e-11"
    )
    print()
    print("| rtol | sweep path vs one-run path | sweep path vs reference | one-run path vs reference |")
    print("|---|---|---|---|")
    for rtol in (1e-6, 1e-8):
        a, b, c = accuracy(rtol=rtol)
        print(f"| {rtol:g} | {a:.1e} | {b:.1e} | {c:.1e} |")
    if mem:
        rss, rate = mem
        print(
            f"memory: {args.memory:,}-run metrics-only sweep (3-day runs) on 2 jobs: peak RSS "
            f"{rss:,.0f} MiB (largest single process), {rate:,.0f} runs/s"
        )


if __name__ == "__main__":
    main()
