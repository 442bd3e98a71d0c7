"""A fair sweep benchmark: livermodel against libRoadRunner per core, on the machine with equal
process counts, and at matched accuracy.  One command reproduces every figure of
docs/performance.md ("Sweeps"):

    python benchmarks/bench_fair.py                  # 10,000-run sweeps, 5 interleaved repetitions
    python benchmarks/bench_fair.py --quick          # 1,000 runs, 3 repetitions (a smoke check)
    python benchmarks/bench_fair.py --memory 1000000 --workloads none
                                                     # peak RSS of a metrics-only sweep alone

Workloads (issue 6): a two-key grid, death sensitivity (0.5 to 2) x therapy dose (log-spaced),
over ``fulminant-msc-early`` (MSCs IV at 2 h, 1e5 to 1e8 cells/kg) and ``fulminant-ev-single``
(EVs IV, plasma half-life 3 min: the stiff compartment), 30 days, hourly output (721 points),
rtol 1e-6, atol 1e-9.  A livermodel measurement is ``run_sweep`` into a folder (plan checked,
chunks integrated, chunk files and ``metrics.csv`` written; no figures).  libRoadRunner
simulates the exported SBML of the same scenario (one model loaded per process, ``reset()``
between runs, ``simulate(times=...)`` on the same 721 output times with only the selections it
returns, CVODE at the same tolerances with its default BDF method: the usage its documentation
recommends for parameter scans; its Adams method and ``simulate(0, 720, 721)`` were measured
slower on this workload), varying the death sensitivity.

Contenders run one at a time, each in a fresh child process, interleaved repetition by
repetition (livermodel default, livermodel's LSODA reference path, libRoadRunner); the figure is
the median.  **Per core** = runs per CPU-second of the contender's process tree (user + system
time of the child and of its workers), given two ways, each the same for every contender:
*the runs* (CPU time around the runs only: each side's one-off costs, livermodel's numba import
and kernel load, libRoadRunner's SBML load and LLVM compile, are timed apart and left out) and
*the whole sweep* (everything the process tree spent from its start: interpreter, imports,
one-off load and the runs, with the runs' CPU scaled to the same number of runs for every
contender, since the slower contenders time fewer runs and their rate per run does not depend
on how many they run).  **On the machine** = runs per wall-second of the runs with both sides
given the same number of processes (``--jobs 2`` against two libRoadRunner processes splitting
the runs; the one-off load is done before the workers fork on both sides).  On a shared machine
wall times are noisy; CPU times much less so.

Accuracy: the largest difference over every state and output point of a sample of runs,
relative to max(1, |state|), against livermodel's LSODA at rtol 1e-11; for every contender at
rtol 1e-6 and 1e-8, so throughput can be compared at matched accuracy.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

WORKLOADS = {
    "msc": ("fulminant-msc-early", "1e5:1e8cells/kg"),
    "ev": ("fulminant-ev-single", "10:1000ug/kg"),
}
BASE = ["duration=30d", "output_step=1h"]


def overrides(rtol: float) -> list[str]:
    return [*BASE, f"solver.rtol={rtol:g}", f"solver.atol={rtol * 1e-3:g}"]


def grid(n: int, dose_range: str) -> list[str]:
    a = int(round(np.sqrt(n)))
    return [f"parameters.death_sensitivity=0.5:2:{a}", f"interventions.0.dose={dose_range}:{n // a}:log"]


def cpu() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


# --------------------------------------------------------------------------------------------
# one measurement (run in a child process)
# --------------------------------------------------------------------------------------------


def one_livermodel(workload: str, n: int, jobs: int, rtol: float) -> dict:
    from livermodel.output.sweep import run_sweep
    from livermodel.solve import compiled
    from livermodel.studies.sweep.plan import plan_sweep

    name, doses = WORKLOADS[workload]
    plan = plan_sweep(name, grid(n, doses), overrides=overrides(rtol))
    c_load = cpu()
    if compiled.mode() == "integrator":
        compiled.integrator()  # numba's import and the kernel's load: a one-off cost, timed apart
    with tempfile.TemporaryDirectory() as tmp:
        c0, w0 = cpu(), time.perf_counter()
        result = run_sweep(plan, Path(tmp) / "s", jobs=jobs, formats=())
        c1, w1 = cpu(), time.perf_counter()
        failed = result.n_failed
        handed_back = sum(bool(r["message"]) for r in result.rows)
    return {"runs": plan.n_runs, "cpu": c1 - c0, "wall": w1 - w0, "load": c0 - c_load, "total": c1,
            "failed": failed, "lsoda": handed_back}  # fmt: skip


def _rr_model(workload: str, rtol: float):
    import roadrunner

    from livermodel.interop.sbml import to_sbml
    from livermodel.scenario.scenario import load_scenario

    sc = load_scenario(WORKLOADS[workload][0], overrides(rtol))
    rr = roadrunner.RoadRunner(to_sbml(sc.parameters, sc.schedule, duration_h=sc.duration_h, name=sc.name))
    rr.setIntegrator("cvode")
    rr.integrator.relative_tolerance = rtol
    rr.integrator.absolute_tolerance = rtol * 1e-3
    times = [float(t) for t in np.arange(0, sc.duration_h + 0.5, 1.0)]
    return rr, times


_RR = {}


def _rr_levels(workload: str, values) -> np.ndarray:
    """The exported model's ``failure_level`` at each death sensitivity: a constant computed at
    export from the parameters (it depends on the death sensitivity), so a run that changes the
    death sensitivity in libRoadRunner must set it too, or it simulates another model."""
    from livermodel.metrics import failure_level
    from livermodel.scenario.scenario import load_scenario

    p = load_scenario(WORKLOADS[workload][0]).parameters
    return np.array([failure_level(dict(p, death_sensitivity=float(v))) for v in values])


def _rr_set(rr, value: float, level: float) -> None:
    rr.reset()
    rr["death_sensitivity"] = value
    rr["failure_level"] = level


def _rr_runs(pairs) -> None:
    rr, times = _RR["model"]
    for v, level in pairs:
        _rr_set(rr, float(v), float(level))
        rr.simulate(times=times, selections=["time", "functional_mass"])


def one_roadrunner(workload: str, n: int, jobs: int, rtol: float) -> dict:
    """libRoadRunner's runs; its model is loaded (SBML parsed, LLVM-compiled) before the clock
    starts, once, and inherited by the forked processes (its one-off cost, timed apart)."""
    values = np.linspace(0.5, 2, n)
    pairs = np.column_stack([values, _rr_levels(workload, values)])  # model set-up: not timed
    c_load = cpu()
    _RR["model"] = _rr_model(workload, rtol)
    c0, w0 = cpu(), time.perf_counter()
    if jobs == 1:
        _rr_runs(pairs)
    else:
        import multiprocessing as mp

        ctx = mp.get_context("fork")
        procs = [ctx.Process(target=_rr_runs, args=(part,)) for part in np.array_split(pairs, jobs)]
        for p in procs:
            p.start()
        for p in procs:
            p.join()
    c1 = cpu()
    return {"runs": n, "cpu": c1 - c0, "wall": time.perf_counter() - w0, "load": c0 - c_load, "total": c1,
            "failed": 0, "lsoda": 0}  # fmt: skip


def child(args) -> None:
    if args.contender == "lsoda":
        os.environ["LIVERMODEL_COMPILED"] = "rhs"
    fn = one_roadrunner if args.contender == "roadrunner" else one_livermodel
    out = fn(args.workload, args.n, args.jobs, args.rtol)
    print(json.dumps(out))


def measure(contender: str, workload: str, n: int, jobs: int, rtol: float) -> dict:
    cmd = [sys.executable, __file__, "--child", contender, workload, str(n), str(jobs), str(rtol)]
    t0 = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, check=True)
    out = json.loads(done.stdout.strip().splitlines()[-1])
    out["process_wall"] = time.perf_counter() - t0
    return out


# --------------------------------------------------------------------------------------------
# accuracy
# --------------------------------------------------------------------------------------------


@functools.cache
def _reference(workload: str):
    """64 runs spread over the 1,024-run grid, and LSODA's answer at rtol 1e-11."""
    from livermodel.model.layout import STATES
    from livermodel.solve.simulate import SolverSettings, simulate_batch
    from livermodel.studies.sweep.plan import plan_sweep

    name, doses = WORKLOADS[workload]
    plan = plan_sweep(name, grid(1024, doses), overrides=overrides(1e-6))
    idx = np.linspace(0, plan.n_runs - 1, 64).astype(int)
    scs = [plan.scenario_at(int(i)) for i in idx]
    args = ([s.parameters for s in scs], [s.schedule for s in scs])
    kw = {"duration": scs[0].duration_h, "output_step": 1.0, "variables": STATES}
    os.environ["LIVERMODEL_COMPILED"] = "rhs"
    ref = simulate_batch(*args, settings=SolverSettings(rtol=1e-11, atol=1e-14), **kw)
    os.environ.pop("LIVERMODEL_COMPILED")
    return args, kw, ref


def livermodel_error(workload: str, rtol: float) -> float:
    """The compiled integrator's largest error at ``rtol`` (as :func:`accuracy`)."""
    from livermodel.solve.simulate import SolverSettings, simulate_batch

    args, kw, ref = _reference(workload)
    fast = simulate_batch(*args, settings=SolverSettings(rtol=rtol, atol=rtol * 1e-3), **kw)
    size = np.maximum(1.0, np.abs(ref.values).max(axis=2, keepdims=True))
    return float(np.max(np.abs(fast.values - ref.values) / size))


#: Tolerances tried for livermodel at matched accuracy, loosest first.
LADDER = (1e-5, 3e-6, 1e-6, 3e-7, 1e-7, 3e-8, 1e-8)


def accuracy(workload: str, rtol: float, sample: int = 8) -> dict:
    """Largest error (relative to max(1, |state|)) of each contender against the reference."""
    from livermodel.model.layout import STATES
    from livermodel.scenario.scenario import load_scenario
    from livermodel.solve.simulate import SolverSettings, simulate_batch

    name = WORKLOADS[workload][0]
    args, kw, ref = _reference(workload)
    size = np.maximum(1.0, np.abs(ref.values).max(axis=2, keepdims=True))
    os.environ["LIVERMODEL_COMPILED"] = "rhs"
    lsoda = simulate_batch(*args, settings=SolverSettings(rtol=rtol, atol=rtol * 1e-3), **kw)
    os.environ.pop("LIVERMODEL_COMPILED")
    out = {
        "livermodel": livermodel_error(workload, rtol),
        "lsoda": float(np.max(np.abs(lsoda.values - ref.values) / size)),
    }
    try:
        rr, times = _rr_model(workload, rtol)
    except ImportError:
        return out
    # libRoadRunner's model carries the scenario's own dose: compare it at that dose
    sc0 = load_scenario(name, overrides(rtol))
    ds = np.linspace(0.5, 2, sample)
    os.environ["LIVERMODEL_COMPILED"] = "rhs"
    base = simulate_batch(
        [dict(sc0.parameters, death_sensitivity=float(d)) for d in ds],
        [sc0.schedule] * sample,
        settings=SolverSettings(rtol=1e-11, atol=1e-14),
        **kw,
    )
    os.environ.pop("LIVERMODEL_COMPILED")
    bsize = np.maximum(1.0, np.abs(base.values).max(axis=2, keepdims=True))
    worst = 0.0
    for j, (d, level) in enumerate(zip(ds, _rr_levels(workload, ds), strict=True)):
        _rr_set(rr, float(d), float(level))
        res = rr.simulate(times=times, selections=["time", *STATES])
        for k in range(len(STATES)):
            worst = max(worst, float(np.max(np.abs(res[:, k + 1] - base.values[j, k]) / bsize[j, k, 0])))
    out["roadrunner"] = worst
    return out


# --------------------------------------------------------------------------------------------
# memory
# --------------------------------------------------------------------------------------------


def memory(n: int, jobs: int) -> tuple[float, float]:
    import resource

    from livermodel.output.sweep import run_sweep
    from livermodel.studies.sweep.plan import plan_sweep

    plan = plan_sweep(
        "fulminant-msc-early",
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
    ap.add_argument("--repeat", type=int, default=0)
    ap.add_argument("--runs", type=int, default=0)
    ap.add_argument("--memory", type=int, default=0, metavar="N")
    ap.add_argument("--workloads", default="msc,ev")
    ap.add_argument("--rtols", default="1e-6,1e-8")
    ap.add_argument("--child", nargs=5, metavar=("CONTENDER", "WORKLOAD", "N", "JOBS", "RTOL"))
    args = ap.parse_args()
    if args.child:
        c, w, n, j, r = args.child
        child(argparse.Namespace(contender=c, workload=w, n=int(n), jobs=int(j), rtol=float(r)))
        return
    if args.memory:  # first, so that the peak resident size is the sweep's alone
        rss, rate = memory(args.memory, 2)
        print(
            f"memory: {args.memory:,}-run metrics-only sweep (3-day runs) on 2 jobs: peak RSS "
            f"{rss:,.0f} MiB (largest single process), {rate:,.0f} runs/s"
        )
        print()
    if args.workloads == "none":
        return
    n = args.runs or (1000 if args.quick else 10_000)
    repeat = args.repeat or (3 if args.quick else 5)
    from importlib.metadata import version

    def v(pkg):
        try:
            return version(pkg)
        except Exception:  # noqa: BLE001 - optional
            return "not installed"

    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, load average "
        f"{os.getloadavg()[0]:.1f} at the start; Python {platform.python_version()}, numpy {np.__version__}, "
        f"numba {v('numba')}, scipy {v('scipy')}, libroadrunner {v('libroadrunner')}; "
        f"{n:,} runs per sweep, median of {repeat} interleaved repetitions"
    )
    have_rr = v("libroadrunner") != "not installed"
    contenders = ["livermodel", "lsoda"] + (["roadrunner"] if have_rr else [])
    rr_runs = max(200, n // 10)  # libRoadRunner is slower; its rate does not depend on the count
    lsoda_runs = max(200, n // 20)
    matched: list = []
    for workload in args.workloads.split(","):
        for rtol in (float(r) for r in args.rtols.split(",")):
            rows = {}
            for _ in range(repeat):
                for c in contenders:
                    for jobs in (1, 2):
                        size = {"roadrunner": rr_runs, "lsoda": lsoda_runs}.get(c, n)
                        rows.setdefault((c, jobs), []).append(measure(c, workload, size, jobs, rtol))
            print()
            print(f"### {WORKLOADS[workload][0]}, rtol {rtol:g}")
            print()
            print("| contender | processes | runs timed | per core: runs per CPU-second of the runs | "
                  f"per core: whole {n:,}-run sweep, runs per CPU-second | runs per wall-second | "
                  "one-off CPU (s): start-up, imports, model or kernel load | failed | "
                  "runs handed to LSODA |")  # fmt: skip
            print("|---|---|---|---|---|---|---|---|---|")
            med = {}
            for (c, jobs), ms in rows.items():
                per_core = statistics.median(m["runs"] / m["cpu"] for m in ms)
                # the whole process tree for n runs: its one-off CPU plus the runs' CPU scaled to n
                # (a contender's rate per run does not depend on how many it runs)
                whole = statistics.median(n / (m["total"] - m["cpu"] + m["cpu"] * n / m["runs"]) for m in ms)
                wall = statistics.median(m["runs"] / m["wall"] for m in ms)
                once = statistics.median(m["total"] - m["cpu"] for m in ms)
                med[c, jobs] = (per_core, wall, whole)
                label = {
                    "livermodel": "`livermodel sweep` (compiled integrator)",
                    "lsoda": "`livermodel sweep`, LSODA reference path (`LIVERMODEL_COMPILED=rhs`)",
                    "roadrunner": "libRoadRunner, exported SBML, CVODE",
                }[c]
                print(f"| {label} | {jobs} | {ms[0]['runs']:,} | {per_core:,.0f} | {whole:,.0f} | "
                      f"{wall:,.0f} | {once:.2f} | {ms[0]['failed']} | {ms[0]['lsoda']} |")  # fmt: skip
            if have_rr:
                lm, rr = med["livermodel", 1], med["roadrunner", 1]
                print()
                print(
                    f"livermodel / libRoadRunner: {lm[0] / rr[0]:.1f}x per core (the runs), "
                    f"{lm[2] / rr[2]:.1f}x per core (the whole {n:,}-run sweep), "
                    f"{med['livermodel', 2][1] / med['roadrunner', 2][1]:.1f}x on the machine "
                    "(2 processes each); "
                    f"livermodel / LSODA path: {lm[0] / med['lsoda', 1][0]:.1f}x per core"
                )
            acc = accuracy(workload, rtol)
            print()
            print("accuracy (largest error, every state and output point, relative to max(1, |state|), "
                  "against LSODA at rtol 1e-11): "
                  + ", ".join(f"{k} {e:.1e}" for k, e in acc.items()))  # fmt: skip
            if have_rr:
                matched.append(
                    (workload, rtol, acc["roadrunner"], med["roadrunner", 1], med["roadrunner", 2])
                )
    if matched:
        matched_accuracy(matched, n, repeat)


def matched_accuracy(matched, n: int, repeat: int) -> None:
    """livermodel at the loosest tolerance of :data:`LADDER` whose error is no larger than
    libRoadRunner's at its tolerance, timed as above, against libRoadRunner's figures."""
    print()
    print("### At matched accuracy")
    print()
    print("| workload | libRoadRunner rtol | its error | livermodel rtol | its error | per core (the runs) | "
          "per core (whole sweep) | on the machine (2 processes each) |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|")
    for workload, rr_rtol, rr_err, rr1, rr2 in matched:
        errors = {r: livermodel_error(workload, r) for r in LADDER}
        rtol = next((r for r in LADDER if errors[r] <= rr_err), LADDER[-1])
        one = [measure("livermodel", workload, n, 1, rtol) for _ in range(repeat)]
        two = [measure("livermodel", workload, n, 2, rtol) for _ in range(repeat)]
        per_core = statistics.median(m["runs"] / m["cpu"] for m in one)
        whole = statistics.median(n / m["total"] for m in one)
        wall = statistics.median(m["runs"] / m["wall"] for m in two)
        print(f"| {WORKLOADS[workload][0]} | {rr_rtol:g} | {rr_err:.1e} | {rtol:g} | {errors[rtol]:.1e} | "
              f"{per_core / rr1[0]:.1f}x | {whole / rr1[2]:.1f}x | {wall / rr2[1]:.1f}x |")  # fmt: skip
    print()
    print("livermodel's error at each tolerance tried: " + "; ".join(
        f"{WORKLOADS[w][0]} " + ", ".join(f"{r:g}: {livermodel_error(w, r):.1e}" for r in LADDER)
        for w in dict.fromkeys(m[0] for m in matched)))  # fmt: skip


if __name__ == "__main__":
    main()
