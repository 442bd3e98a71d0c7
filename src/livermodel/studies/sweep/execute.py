"""Running sweep chunks: one chunk of a plan through the batched solver (a top-level, picklable
function for worker processes and Dask workers), and the local and Dask executors.
"""

from __future__ import annotations

import contextlib
import itertools
import sys
import warnings
from collections.abc import Callable, Iterable, Sequence

import numpy as np

from livermodel.errors import ExecutionError, LivermodelError
from livermodel.studies.sweep.plan import STATUS_FAILED, STATUS_OK, Plan

# --------------------------------------------------------------------------------------------
# running one chunk (top-level, picklable: runs in worker processes and on Dask workers)
# --------------------------------------------------------------------------------------------


def run_chunk(task: dict) -> dict:
    """Simulate one chunk; the unit of work sent to a worker.

    ``task``: ``index``, ``runs`` (run numbers), ``scenario`` (resolved dict), ``source``,
    ``name``, ``overrides`` (one mapping per run), ``trajectories`` (variable names).  Returns
    ``index``, ``runs``, ``rows`` (``[status, message, *metrics]`` per run), ``time_h`` and
    ``trajectories`` (``{variable: float32 array (runs, times)}``, when asked for).
    """
    from livermodel.metrics import METRICS
    from livermodel.metrics import NEEDS as METRIC_NEEDS
    from livermodel.scenario.fields import ScenarioWarning
    from livermodel.scenario.scenario import build_scenario

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ScenarioWarning)
        base = build_scenario(task["scenario"], source=task["source"], name=task["name"])
        scenarios: list = base.runs_inputs(task["overrides"])
    n = len(scenarios)
    none_metrics = [None] * len(METRICS)
    rows: list[list] = [[STATUS_FAILED, "", *none_metrics] for _ in range(n)]
    traj_vars = list(task.get("trajectories") or ())
    grid = None
    traj = {}
    groups: dict[tuple, list[int]] = {}
    for i, sc in enumerate(scenarios):
        if isinstance(sc, LivermodelError):
            rows[i][1] = f"invalid scenario: {sc}"
            continue
        key = (sc.duration_h, sc.output_step_h, sc.settings, tuple(sorted(sc.initial.items())))
        groups.setdefault(key, []).append(i)
    from livermodel.solve.simulate import output_grid, simulate_batch

    if traj_vars:
        grid = output_grid(base.duration_h, base.output_step_h)
        traj = {v: np.full((n, grid.size), np.nan, dtype=np.float32) for v in traj_vars}
    for (duration, step, settings, initial), members in groups.items():
        batch = simulate_batch(
            [scenarios[i].parameters for i in members],
            [scenarios[i].schedule for i in members],
            duration=duration,
            output_step=step,
            settings=settings,
            initial=dict(initial) or None,
            variables=(*METRIC_NEEDS, *traj_vars) if traj_vars else (),
            metrics_only=not traj_vars,  # no trajectory kept: metrics accumulated while integrating
        )
        for j, (i, m) in enumerate(zip(members, batch.metrics(), strict=True)):
            ok = bool(batch.success[j])
            msg = batch.messages[j]
            rows[i] = [
                STATUS_OK if ok else STATUS_FAILED,
                "" if msg == "ok" else msg,
                *[m[k] for k in METRICS],
            ]
        for v in traj_vars:
            if grid is not None and batch.time_h.size == grid.size:
                traj[v][members] = batch.variable(v).astype(np.float32)
    return {
        "index": task["index"],
        "runs": list(task["runs"]),
        "rows": rows,
        "time_h": grid,
        "trajectories": traj,
    }


def _tasks(plan: Plan, indices: Iterable[int], trajectories: Sequence[str]):
    doc = plan.scenario.to_dict()
    source = str(plan.scenario.source or "<scenario>")
    chunks = plan.chunks()
    for k in indices:
        runs = chunks[k]
        yield {
            "index": k,
            "runs": list(runs),
            "scenario": doc,
            "source": source,
            "name": plan.scenario.name,
            "overrides": [plan.overrides(i) for i in runs],
            "trajectories": list(trajectories),
        }


# --------------------------------------------------------------------------------------------
# executors
# --------------------------------------------------------------------------------------------


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity where known)."""
    import os

    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def cap_jobs(jobs: int) -> tuple[int, str | None]:
    """``jobs`` capped at :func:`usable_cores`, and a warning when it was capped."""
    cores = usable_cores()
    if jobs > cores:
        shown = f"{jobs:,}" if len(str(jobs)) <= 20 else f"a {len(str(jobs))}-digit number"
        return cores, (
            f"--jobs {shown} is more than the {cores} core(s) this process may use; running {cores} worker(s)"
        )
    return jobs, None


def _mp_context():
    """How worker processes start.

    On Linux, a process with a single thread forks its workers: they start at once with
    everything already imported (``fork`` is unsafe only when other threads hold locks).  With
    other threads running (a progress bar, a notebook), workers fork from a ``forkserver`` that
    has the model and the solver preloaded; elsewhere they are spawned.
    """
    import multiprocessing as mp
    import threading

    methods = mp.get_all_start_methods()
    if sys.platform.startswith("linux") and threading.active_count() == 1 and "fork" in methods:
        return mp.get_context("fork")
    if sys.platform.startswith("linux") and "forkserver" in methods:
        ctx = mp.get_context("forkserver")
        # workers start with the model and the solver (scipy is imported lazily) already loaded
        ctx.set_forkserver_preload(
            ["livermodel.studies.sweep.execute", "livermodel.scenario", "scipy.integrate"]
        )
        return ctx
    return mp.get_context("spawn")


def _die_with_parent(parent: int) -> None:
    """Worker initializer: end this worker when the process that started the sweep ends.

    On Linux the kernel sends SIGKILL when the parent dies (``prctl(PR_SET_PDEATHSIG)``); on
    every platform a watchdog thread checks once a second that the sweep's process still exists
    (the parent of a forkserver worker is the server, not the sweep).  A killed sweep (SIGKILL,
    which no handler sees) thus leaves no worker running.
    """
    import os
    import threading
    import time

    if sys.platform.startswith("linux"):
        try:
            import ctypes
            import signal

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, int(signal.SIGKILL), 0, 0, 0)  # PR_SET_PDEATHSIG = 1
        except (OSError, AttributeError):  # pragma: no cover - no libc prctl
            pass

    def alive() -> bool:
        if os.getppid() == 1:
            return False
        try:
            os.kill(parent, 0)
        except ProcessLookupError:
            return False
        except PermissionError:  # pragma: no cover - exists, another user's
            return True
        return True

    if not alive():
        os._exit(1)

    def watch():
        while alive():
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, name="livermodel-parent-watch", daemon=True).start()


def _execute(
    tasks, on_done: Callable[[dict], None], *, jobs: int, executor: str, scheduler=None, chunk_runs: int = 0
):
    """Run ``tasks`` and hand each result to ``on_done`` as soon as it is finished."""
    if executor == "dask":
        _execute_dask(tasks, on_done, scheduler)
        return
    if jobs <= 1:
        for t in tasks:
            on_done(run_chunk(t))
        return
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    if chunk_runs:
        from livermodel.solve.compiled_integrator import compiled_integrator
        from livermodel.solve.simulate import compiled_rhs

        # loaded once here, so that forked workers start with it
        if compiled_integrator(chunk_runs) is None:
            compiled_rhs(chunk_runs)

    import os

    pool = ProcessPoolExecutor(
        max_workers=jobs, mp_context=_mp_context(), initializer=_die_with_parent, initargs=(os.getpid(),)
    )
    pending: set = set()
    tasks = iter(tasks)
    try:
        while True:
            while len(pending) < 2 * jobs:
                t = next(tasks, None)
                if t is None:
                    break
                pending.add(pool.submit(run_chunk, t))
            if not pending:
                break
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                on_done(fut.result())
    except BaseException:
        for fut in pending:
            fut.cancel()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


def _execute_dask(tasks, on_done, scheduler):
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise LivermodelError(
            "the dask executor needs the optional extra 'dask'",
            key="--executor",
            suggestion='pip install "livermodel[dask]"',
        ) from None
    own = not isinstance(scheduler, Client)
    if own and not scheduler:
        raise LivermodelError(
            "the dask executor needs the address of a scheduler",
            key="--scheduler",
            expected="e.g. tcp://10.0.0.5:8786",
        )
    quiet = _quiet_dask_log()
    try:
        client = Client(scheduler, timeout="20s") if own else scheduler
    except (OSError, TimeoutError, ValueError) as err:
        quiet()
        raise LivermodelError(
            f"cannot reach the Dask scheduler at {scheduler!r}: {err}",
            key="--scheduler",
            suggestion="Start one with 'dask scheduler' or check the address",
        ) from None

    def lost(err: BaseException) -> ExecutionError:
        for fut in futures:
            with contextlib.suppress(Exception):
                fut.cancel()
        why = (str(err).splitlines() or [""])[0][:200].rstrip(". ")
        return ExecutionError(
            f"the Dask cluster at {address!r} failed during the sweep: {type(err).__name__}: {why}",
            key="--scheduler",
            suggestion="Finished chunks are kept; restart the cluster and finish with --resume DIR",
        )

    address = scheduler if own else getattr(getattr(client, "scheduler", None), "address", None)
    futures: list = []
    try:
        try:
            workers = max(1, len(client.scheduler_info().get("workers", {})))
            tasks = iter(tasks)
            for t in itertools.islice(tasks, 2 * workers):
                futures.append(client.submit(run_chunk, t, pure=False))
            queue = as_completed(futures)
        except Exception as err:  # noqa: BLE001 - the cluster went away before any chunk ran
            raise lost(err) from None
        while True:
            try:
                fut = next(queue, None)
                if fut is None:
                    break
                out = fut.result()
                fut.release()
            except (LivermodelError, KeyboardInterrupt):
                for f in futures:
                    f.cancel()
                raise
            except Exception as err:  # noqa: BLE001 - the scheduler or a worker lost
                raise lost(err) from None
            on_done(out)  # a full disk here is the disk's failure, not the cluster's
            t = next(tasks, None)
            if t is not None:
                try:
                    queue.add(client.submit(run_chunk, t, pure=False))
                except Exception as err:  # noqa: BLE001
                    raise lost(err) from None
    finally:
        if own:
            with contextlib.suppress(Exception):
                client.close()
        quiet()


def _quiet_dask_log():
    """Keep the ``distributed`` client's own log (a lost scheduler logs several tracebacks) off
    the terminal while a sweep runs on it: the sweep reports the failure in one line.  Returns a
    function that restores the previous levels."""
    import logging

    loggers = [
        logging.getLogger(n)
        for n in ("distributed", "distributed.client", "distributed.comm", "tornado", "asyncio")
    ]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.CRITICAL + 1)

    def restore():
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)

    return restore
