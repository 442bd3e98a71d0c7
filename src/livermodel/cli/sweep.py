"""The ``livermodel sweep`` command: run a parameter sweep of a scenario.

``register(app)`` adds the command to a Typer app; ``livermodel.cli`` calls it.  The command
only parses options and calls :mod:`livermodel.sweep` (imported inside the command, so that
``livermodel --help`` stays fast).  A :class:`livermodel.errors.LivermodelError` (bad SPEC,
unknown key, unreachable scheduler, ...) prints one message and exits with status 2; Ctrl-C exits
with 130 and leaves every finished chunk on disk for ``--resume``.
"""

from __future__ import annotations

from typing import Annotated

import typer

from livermodel.cli.common import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    ForceOption,
    ProgressBar,
    WindowOption,
    command_line,
    out_param,
    user_errors,
)


def sweep(
    ctx: typer.Context,
    scenario: Annotated[
        str | None,
        typer.Argument(
            metavar="SCENARIO",
            help="Scenario file, or a library name (not needed with --resume).",
            show_default=False,
        ),
    ] = None,
    vary: Annotated[
        list[str] | None,
        typer.Option(
            "--vary",
            "-v",
            metavar="KEY=SPEC",
            help="A key to vary and its values (repeatable). KEY is a dotted path as in --set. SPEC: "
            "a:b:n (n values, linear), a:b:n:log, v1,v2,v3 (a list); with --design random/lhs/sobol "
            "a range a:b or a:b:log. Units on the numbers: 0:48h:9, 1e5:1e7cells/kg:5:log. Default: "
            "the scenario's sweep: block.",
        ),
    ] = None,
    zip_: Annotated[
        bool, typer.Option("--zip", help="Pair the i-th values of every --vary instead of a full grid.")
    ] = False,
    design: Annotated[
        str | None,
        typer.Option(
            "--design",
            metavar="grid|random|lhs|sobol",
            help="grid (default), or sample --samples points: uniform random, Latin hypercube, "
            "scrambled Sobol.",
        ),
    ] = None,
    samples: Annotated[
        int | None,
        typer.Option("--samples", "-n", metavar="N", help="Number of runs of a random, lhs or sobol design."),
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option("--seed", metavar="S", help="Seed of the design (recorded; default: a fresh one)."),
    ] = None,
    set_: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            metavar="KEY=VALUE",
            help="Change the scenario before sweeping (repeatable), as in 'livermodel run'.",
        ),
    ] = None,
    jobs: Annotated[
        int, typer.Option("--jobs", "-j", metavar="N", help="Worker processes of the local executor.")
    ] = 1,
    out: Annotated[
        str | None, out_param("results/<scenario>-sweep/ (<scenario>-set-<hash>-sweep/ with --set)")
    ] = None,
    executor: Annotated[
        str,
        typer.Option(
            "--executor",
            metavar="local|dask",
            help="Where chunks run: local processes, or a Dask cluster (--scheduler).",
        ),
    ] = "local",
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler",
            metavar="ADDRESS",
            help="Address of a running Dask scheduler, e.g. tcp://10.0.0.5:8786.",
        ),
    ] = None,
    save_trajectories: Annotated[
        str | None,
        typer.Option(
            "--save-trajectories",
            metavar="VARS",
            help="Comma-separated variables to keep for every run (trajectories/part-*.npz; read "
            "them with livermodel.sweep.load_trajectories).",
        ),
    ] = None,
    resume: Annotated[
        str | None,
        typer.Option(
            "--resume",
            metavar="DIR",
            help="Finish the interrupted sweep in DIR without redoing finished runs.",
        ),
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run",
            help="Print the plan (runs, estimated time from a short probe, output size) and stop.",
        ),
    ] = False,
    metric: Annotated[
        str | None,
        typer.Option(
            "--metric",
            "-m",
            metavar="NAME",
            help="Metric of the figures (default survival_probability; see docs/sweeps.md).",
        ),
    ] = None,
    chunk_size: Annotated[
        int | None,
        typer.Option(
            "--chunk-size", metavar="N", help="Runs per solver call (default: runs/8, 256 to 1000)."
        ),
    ] = None,
    format_: Annotated[
        str,
        typer.Option(
            "--format",
            "-f",
            metavar="FORMATS",
            help="Figure formats, comma-separated: png, svg, pdf; 'none' for no figures.",
        ),
    ] = "png",
    style: Annotated[str, typer.Option("--style", metavar="paper|slides", help="Figure style.")] = "paper",
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Print nothing but errors (no progress, no summary).")
    ] = False,
    force: ForceOption = False,
    window: WindowOption = None,
) -> None:
    """Run a parameter sweep of a scenario: one row per run in metrics.csv, plus figures.

    Every run goes through the batched solver in chunks; finished chunks are written at once, so
    an interrupted sweep (Ctrl-C, a kill) keeps them and --resume DIR completes it. Runs that fail
    numerically are rows with status 'failed' and a message. Writes metrics.csv, plan.json,
    scenario.resolved.yaml, figures (response, map, timing-map, trajectories) and provenance.json.
    Chunks of 64 runs or more use a compiled integrator (numba) that hands stiff runs to LSODA
    and says so in their message (LIVERMODEL_COMPILED=rhs keeps LSODA, =0 numpy only).

    \b
    Examples:
      livermodel sweep rat-phx-70 --vary insults.0.fraction=0.5:0.95:46
      livermodel sweep fulminant-msc-early --vary interventions.0.at=0:24h:25 \\
          --vary interventions.0.dose=1e5:1e8cells/kg:31:log --jobs 2
      livermodel sweep rat-phx-90 --vary parameters.death_sensitivity=0.5:2 \\
          --vary parameters.critical_mass=0.1:0.3 --design lhs --samples 500 --seed 1
      livermodel sweep my.yaml --vary insults.0.fraction=0.6,0.7,0.8 --dry-run
      livermodel sweep --resume results/fulminant-msc-early-sweep
      livermodel sweep fulminant --vary parameters.death_sensitivity=0.5:2:16 --window 48h
      livermodel sweep rat-phx-70 --vary insults.0.fraction=0.5:0.9:9 \\
          --executor dask --scheduler tcp://10.0.0.5:8786
    """
    try:
        with user_errors():
            _sweep(
                ctx,
                scenario,
                vary,
                zip_,
                design,
                samples,
                seed,
                set_,
                jobs,
                out,
                executor,
                scheduler,
                save_trajectories,
                resume,
                dry_run,
                metric,
                chunk_size,
                format_,
                style,
                quiet,
                force,
                window,
            )
    except KeyboardInterrupt:
        typer.echo(
            "interrupted: finished chunks are kept; complete the sweep with --resume "
            f"{out or resume or 'DIR'}",
            err=True,
        )
        raise typer.Exit(EXIT_INTERRUPTED) from None


def _sweep(
    ctx,
    scenario,
    vary,
    zip_,
    design,
    samples,
    seed,
    set_,
    jobs,
    out,
    executor,
    scheduler,
    save_trajectories,
    resume,
    dry_run,
    metric,
    chunk_size,
    format_,
    style,
    quiet,
    force,
    window=None,
):
    from livermodel.errors import LivermodelError
    from livermodel.figures.window import check_window
    from livermodel.output import sweep as sweep_folder
    from livermodel.studies.sweep import estimate, execute
    from livermodel.studies.sweep.plan import plan_sweep

    traj = [v for v in (save_trajectories or "").split(",") if v.strip()]
    window_h = check_window(window)
    if jobs < 1:
        raise LivermodelError("--jobs must be at least 1", key="--jobs", found=str(jobs))
    jobs, capped = execute.cap_jobs(jobs)
    if capped:
        typer.echo(f"warning: {capped}", err=True)
    if resume is not None:
        plan, rec = sweep_folder.load_plan(resume)
        if scenario is not None or vary:
            given = plan_sweep(
                scenario or plan.scenario,
                vary or None,
                zip=zip_ or None,
                design=design,
                samples=samples,
                seed=seed,
                chunk_size=chunk_size or rec["chunk_size"],
                metric=metric,
                overrides=set_ or (),
            )
            if not sweep_folder._same_plan(rec, given.to_dict()):
                raise LivermodelError(
                    f"the sweep in '{resume}' has another plan than this command",
                    key="--resume",
                    suggestion="Give only --resume DIR (the plan is read from DIR/plan.json)",
                )
        if out is not None and str(out) != str(resume):
            raise LivermodelError(
                "--out and --resume name different folders",
                key="--out",
                suggestion="A resumed sweep is finished in its own folder",
            )
        folder = resume
        traj = traj or rec.get("save_trajectories", [])
    else:
        if scenario is None:
            raise LivermodelError(
                "missing SCENARIO",
                key="SCENARIO",
                expected="a scenario file or library name (or --resume DIR)",
            )
        try:
            plan = plan_sweep(
                scenario,
                vary or None,
                zip=zip_ or None,
                design=design,
                samples=samples,
                seed=seed,
                chunk_size=chunk_size,
                metric=metric,
                overrides=set_ or (),
            )
        except LivermodelError as err:
            raise _as_vary_error(err, vary or [], set_ or []) from None
        from livermodel.output.folders import default_folder

        folder = out or default_folder(plan.scenario.name, set_ or (), "-sweep")
    for w in plan.warnings:
        typer.echo(f"warning: {w}", err=True)
    if dry_run:
        est = estimate.estimate_sweep(plan, jobs=jobs, save_trajectories=traj)
        typer.echo(plan.describe())
        typer.echo(
            f"estimated time: {estimate.format_seconds(est['estimated_s'])} on {jobs} job(s) "
            f"(probe: {est['probe_runs']} runs in {est['probe_s']:.2f} s after a warm-up, "
            f"{est['probe_failed']} failed)"
        )
        size = est["table_bytes"] + est["trajectory_bytes"]
        typer.echo(
            f"output: metrics.csv about {estimate.format_bytes(est['table_bytes'])}"
            + (
                f", trajectories at most {estimate.format_bytes(est['trajectory_bytes'])} "
                "(before compression)"
                if traj
                else ""
            )
            + f"; about {estimate.format_bytes(size)} in {folder}/"
        )
        typer.echo("dry run: nothing was simulated beyond the probe, nothing written")
        return
    progress = ProgressBar(quiet, "sweep")
    with progress as update:
        result = sweep_folder.run_sweep(
            plan,
            folder,
            jobs=jobs,
            executor=executor,
            scheduler=scheduler,
            save_trajectories=traj,
            resume=resume is not None,
            progress=update,
            formats=format_,
            style=style,
            metric=metric,
            command=command_line(ctx),
            overrides=set_ or (),
            force=force,
            window_h=window_h,
        )
    n, failed = plan.n_runs, result.n_failed
    if n and failed == n:
        first = next((r["message"] for r in result.rows if r["message"]), "")
        typer.echo(
            f"error: every one of the {n:,} runs failed to solve, so nothing could be "
            f"computed (first reason: {first or 'not given'}); their rows are in "
            f"{result.folder}/metrics.csv. Try --set solver.method=Radau or a smaller "
            "--set solver.max_step, or check the ranges of --vary.",
            err=True,
        )
        raise typer.Exit(EXIT_FAILED)
    if failed:  # a liver that fails is a result; a run the solver could not finish is not
        typer.echo(
            f"warning: {failed:,} of {n:,} runs failed to solve (status 'failed' and a "
            "message in metrics.csv; the figures leave them out)",
            err=True,
        )
    for note in result.notes:
        typer.echo(f"warning: {note}", err=True)
    if result.already_complete:
        if not quiet:
            typer.echo(
                f"the sweep in {result.folder} was already complete: nothing was run "
                f"(redraw its figures with: livermodel plot {result.folder})"
            )
        return
    if not quiet:
        typer.echo(plan.describe())
        rate = n / result.elapsed_s if result.elapsed_s > 0 else float("nan")
        typer.echo(
            f"{n - failed:,} ok, {failed:,} failed to solve; {result.elapsed_s:.1f} s ({rate:,.0f} runs/s)"
        )
        typer.echo(
            f"wrote {result.folder}/: {', '.join(f for f in result.files if '/' not in f)}"
            + (f" and {sum('/' in f for f in result.files)} trajectory files" if traj else "")
        )


def _as_vary_error(err, vary, set_):
    """An error about a --vary key, said to be one (not a --set value)."""
    source = str(err.source or "")
    vary_keys = {v.partition("=")[0].strip() for v in vary}
    set_keys = {v.partition("=")[0].strip() for v in set_}
    key = source.removeprefix("override '").split("'")[0].split("=")[0]
    if source.startswith("override '") and key in vary_keys and key not in set_keys:
        return type(err)(
            err.message,
            source=f"--vary '{key}'",
            key=err.key,
            expected=err.expected,
            found=err.found,
            suggestion=err.suggestion,
        )
    return err


def register(app: typer.Typer) -> None:
    """Add the ``sweep`` command to ``app``."""
    app.command("sweep")(sweep)
