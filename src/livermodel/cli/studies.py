"""The analysis commands: ``threshold``, ``sensitivity``, ``cohort`` and ``fit``.

``register(app)`` adds them to a Typer app; ``livermodel.cli`` calls it.  Each command parses
its options, calls one function of :mod:`livermodel.analysis` and one ``write_*`` function of
:mod:`livermodel.output.studies`, and prints a short summary.  Library modules are imported
inside the commands so that ``livermodel --help`` stays fast.  A user's mistake
(:class:`livermodel.errors.LivermodelError`) prints one message and exits with status 2.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from livermodel.cli.common import ForceOption as FORCE
from livermodel.cli.common import FormatOption as FORMAT
from livermodel.cli.common import ProgressBar, out_param
from livermodel.cli.common import QuietOption as QUIET
from livermodel.cli.common import ScenarioArg as SCENARIO_ARG
from livermodel.cli.common import SetOption as SET
from livermodel.cli.common import StyleOption as STYLE
from livermodel.cli.common import WindowOption as WINDOW
from livermodel.cli.common import say as _say
from livermodel.cli.common import user_errors as _user_errors

SEED = Annotated[
    int | None,
    typer.Option("--seed", metavar="S", help="Seed of the random draw (default: a fresh one, recorded)."),
]


def _out(kind: str) -> Any:
    return out_param(f"results/<scenario>-{kind}/ (<scenario>-set-<hash>-{kind}/ with --set)")


def _folder(out, sc, overrides, kind: str, force: bool, suffix: str | None = None):
    """The output folder of a study, checked before computing (see output/folders.py)."""
    from livermodel.output.folders import default_folder, identity
    from livermodel.output.provenance import prepare_output_dir

    folder = out or default_folder(sc.name, overrides or (), f"-{suffix or kind}")
    prepare_output_dir(folder, identity(kind, [sc.name], list(overrides or ())), force=force, replace=False)
    return folder


def _load(scenario: str, overrides):
    import warnings

    from livermodel.scenario.fields import ScenarioWarning
    from livermodel.scenario.scenario import load_scenario

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ScenarioWarning)
        return load_scenario(scenario, overrides or ())


def _load_control(control: str, overrides):
    """The --control arm with the same --set changes as the scenario (as in compare); a change
    it cannot take is reported as the control's."""
    from livermodel.errors import LivermodelError

    try:
        return _load(control, overrides)
    except LivermodelError as err:
        if not overrides:
            raise
        arm = f"--control {control}"
        raise type(err)(
            err.message,
            source=f"{arm}, {err.source}" if err.source else arm,
            line=err.line,
            column=err.column,
            key=err.key,
            expected=err.expected,
            found=err.found,
            suggestion="--set changes both arms; give a key that both scenarios have",
        ) from None


def _pair(text: str, option: str) -> tuple[str, str]:
    from livermodel.errors import LivermodelError

    if "=" not in text:
        raise LivermodelError(
            f"{option} takes KEY=VALUES",
            key=option,
            found=repr(text),
            expected="e.g. insults.0.fraction=0.6:0.95",
        )
    key, _, value = text.partition("=")
    return key.strip(), value.strip()


def _names(text: str | None) -> list[str] | None:
    if text is None:
        return None
    return [n.strip() for n in text.split(",") if n.strip()]


def _command() -> str:
    from livermodel.output.provenance import command_line

    return command_line()


def threshold(
    scenario: SCENARIO_ARG,
    vary: Annotated[
        str,
        typer.Option(
            "--vary",
            metavar="KEY=LOW:HIGH",
            help="The key to search and its range; LOW:HIGH:log for a log scale; units on the "
            "numbers (0:48h). A bare parameter name means parameters.NAME.",
        ),
    ],
    metric: Annotated[
        str,
        typer.Option(
            "--metric", metavar="NAME", help="Outcome: 'failed' (default) or a numeric metric with --level."
        ),
    ] = "failed",
    level: Annotated[
        float | None,
        typer.Option(
            "--level", metavar="X", help="Level that a numeric metric crosses (e.g. final_mass 0.9)."
        ),
    ] = None,
    tol: Annotated[
        float | None,
        typer.Option(
            "--tol",
            metavar="T",
            help="Width of the final bracket in the key's unit (default: 1/1000 of the range).",
        ),
    ] = None,
    along: Annotated[
        str | None,
        typer.Option(
            "--along",
            metavar="KEY2=SPEC",
            help="Draw the boundary as a curve over a second key: a:b:n, a:b:n:log or v1,v2,v3.",
        ),
    ] = None,
    points: Annotated[
        int, typer.Option("--points", metavar="K", help="Points evaluated per bracket and round (one batch).")
    ] = 7,
    set_: SET = None,
    out: Annotated[str | None, _out("threshold")] = None,
    format_: FORMAT = "png",
    style: STYLE = "paper",
    quiet: QUIET = False,
    force: FORCE = False,
) -> None:
    """Find the tipping point: the value of one key at which the outcome flips.

    Searches KEY between LOW and HIGH by k-section (several points per round, in one batched
    solve) until the bracket is narrower than --tol. Writes threshold.json (key, critical_value,
    bracket, metric, and the curve with --along), threshold_points.csv (every evaluated run) and
    threshold.<format> (both basins shaded), with provenance.json last. See docs/analyses.md.

    \b
    Examples:
      livermodel threshold rat-phx-70 --vary insults.0.fraction=0.6:0.95
      livermodel threshold rat-phx-70 --vary insults.0.fraction=0.6:0.95 \\
          --along parameters.death_sensitivity=0.5:3:11
      livermodel threshold fulminant-msc-early --vary interventions.0.at=0:48h
      livermodel threshold rat-phx-70 --vary insults.0.fraction=0.6:0.95 \\
          --metric final_mass --level 0.9
    """
    from livermodel.output.provenance import now_iso

    started = now_iso()
    with _user_errors():
        from livermodel.output.studies import write_threshold
        from livermodel.studies.threshold import find_threshold

        sc = _load(scenario, set_)
        key, spec = _pair(vary, "--vary")
        along_pair = _pair(along, "--along") if along else None
        folder = _folder(out, sc, set_, "threshold", force, None)
        with ProgressBar(quiet, f"threshold of {key}") as update:
            res = find_threshold(
                sc,
                key,
                spec=spec,
                metric=metric,
                level=level,
                tol=tol,
                along=along_pair,
                points=points,
                progress=update,
            )
        write_threshold(
            folder,
            res,
            formats=format_,
            style=style,
            command=_command(),
            started=started,
            overrides=set_ or (),
            force=force,
        )
    from livermodel.units import unit_after_number

    unit = f" {unit_after_number(res.unit)}" if unit_after_number(res.unit) else ""
    if res.critical_value is not None:
        assert res.bracket is not None  # a critical value is bracketed
        lo_w, hi_w = res.outcome_words
        _say(
            quiet,
            f"{res.key}: critical value {res.critical_value:.6g}{unit} (bracket "
            f"{res.bracket[0]:.6g} to {res.bracket[1]:.6g}); {lo_w if not res.outcome_low else hi_w}"
            f" at {res.low:g}, {hi_w if res.outcome_high else lo_w} at {res.high:g}",
        )
    else:
        _say(quiet, f"{res.key}: {res.status}")
    if res.curve:
        found = sum(p.critical_value is not None for p in res.curve)
        _say(quiet, f"boundary over {res.along_key}: {found} of {len(res.curve)} points found")
    _say(quiet, f"{res.runs} runs in {res.rounds} rounds; wrote {folder}/")


def sensitivity(
    scenario: SCENARIO_ARG,
    metric: Annotated[
        str,
        typer.Option(
            "--metric",
            metavar="NAME",
            help="Numeric metric, e.g. recovery_time_h, final_mass, "
            "alt_peak_u_per_l, survival_probability or failed (0/1).",
        ),
    ],
    method: Annotated[
        str,
        typer.Option(
            "--method",
            metavar="local|morris|sobol",
            help="local elasticities, Morris screening or Sobol indices.",
        ),
    ] = "local",
    params: Annotated[
        str | None,
        typer.Option(
            "--params",
            metavar="A,B,...",
            help="Parameters to analyse (default: all that can matter, without switches).",
        ),
    ] = None,
    samples: Annotated[
        int | None,
        typer.Option(
            "--samples",
            metavar="N",
            help="Morris trajectories (default 20) or Sobol base samples, a power of 2 (default 256).",
        ),
    ] = None,
    seed: SEED = None,
    step: Annotated[
        float, typer.Option("--step", metavar="H", help="Relative step of the local method.")
    ] = 0.01,
    second_order: Annotated[
        bool,
        typer.Option(
            "--second-order/--no-second-order",
            help="Sobol: also second-order indices (N(2D+2) runs instead of N(D+2)).",
        ),
    ] = True,
    set_: SET = None,
    out: Annotated[str | None, _out("sensitivity-<method>")] = None,
    format_: FORMAT = "png",
    style: STYLE = "paper",
    quiet: QUIET = False,
    force: FORCE = False,
) -> None:
    """Which parameters matter for a metric: elasticities, Morris or Sobol indices.

    Ranges of the global methods are the plausible ranges of the parameter table (log scale
    when they span a factor of 10). Morris and Sobol need SALib: pip install
    "livermodel[analysis]". Writes sensitivity.json, sensitivity.csv and
    sensitivity-<method>.<format> (tornado chart, mu*-sigma plot or S1/ST bars).

    \b
    Examples:
      livermodel sensitivity rat-phx-70 --metric recovery_time_h
      livermodel sensitivity rat-phx-70 --metric recovery_time_h --method morris --seed 1
      livermodel sensitivity rat-phx-70 --metric recovery_time_h --method sobol \\
          --params division_rate,priming_rate,death_sensitivity --samples 512 --seed 1
    """
    from livermodel.output.provenance import now_iso

    started = now_iso()
    with _user_errors():
        from livermodel.output.studies import write_sensitivity
        from livermodel.studies.sensitivity import sensitivity as run

        sc = _load(scenario, set_)
        folder = _folder(out, sc, set_, "sensitivity", force, f"sensitivity-{method}")
        with ProgressBar(quiet, f"{method} sensitivity") as update:
            res = run(
                sc,
                metric,
                method=method,
                params=_names(params),
                samples=samples,
                seed=seed,
                step=step,
                second_order=second_order,
                progress=update,
            )
        write_sensitivity(
            folder,
            res,
            formats=format_,
            style=style,
            command=_command(),
            started=started,
            overrides=set_ or (),
            force=force,
        )
    key = {"local": "elasticity", "morris": "mu_star", "sobol": "ST"}[res.method]
    top = ", ".join(f"{r['name']} {r[key]:.3g}" for r in res.rows[:5])
    _say(quiet, f"{res.method} sensitivity of {metric} ({res.runs} runs): top {key}: {top}")
    _say(quiet, f"wrote {folder}/")


def cohort(
    scenario: SCENARIO_ARG,
    size: Annotated[
        int | None,
        typer.Option(
            "--size", "-n", metavar="N", help="Number of individuals (default: the cohort: block, else 20)."
        ),
    ] = None,
    variability: Annotated[
        float | None,
        typer.Option(
            "--variability",
            metavar="SD",
            help="Log-SD of the log-normal variation around the preset "
            "(default 0.3, about 31 % CV; 0 = every individual is the preset).",
        ),
    ] = None,
    control: Annotated[
        str | None,
        typer.Option("--control", metavar="SCENARIO", help="Control arm, run on the same individuals."),
    ] = None,
    seed: SEED = None,
    params: Annotated[
        str | None,
        typer.Option(
            "--params",
            metavar="A,B,...",
            help="Parameters to vary (default: the individual biology; see docs/analyses.md).",
        ),
    ] = None,
    metrics: Annotated[
        str,
        typer.Option(
            "--metrics", metavar="A,B", help="Metrics whose distributions and paired differences are shown."
        ),
    ] = "final_mass,alt_peak_u_per_l",
    set_: SET = None,
    out: Annotated[str | None, _out("cohort")] = None,
    format_: FORMAT = "png",
    style: STYLE = "paper",
    quiet: QUIET = False,
    force: FORCE = False,
    window: WINDOW = None,
) -> None:
    """Simulate a virtual cohort: N animals or patients with parameters varied around the preset.

    Each arm (the scenario, and --control) runs on the same individuals (paired design), and --set
    changes both arms. Writes
    cohort.json (per arm survival_fraction, ci_low, ci_high as a 95 % Wilson interval, n,
    deaths_by_cause; the Kaplan-Meier curves; the paired comparison), individuals.csv (every
    individual's parameters and metrics) and cohort.<format>. Per-parameter distributions may be
    given in the scenario file under cohort: (see docs/analyses.md).

    \b
    Examples:
      livermodel cohort fulminant-msc-early --size 100 --control fulminant --seed 1
      livermodel cohort rat-phx-70 --size 50 --variability 0.2 --set insults.0.fraction=0.75
      livermodel cohort fulminant --size 200 --window 3d
    """
    from livermodel.output.provenance import now_iso

    started = now_iso()
    with _user_errors():
        from livermodel.figures.window import check_window
        from livermodel.output.studies import write_cohort
        from livermodel.studies.cohort import run_cohort

        window_h = check_window(window)
        sc = _load(scenario, set_)
        folder = _folder(out, sc, set_, "cohort", force, None)
        ctrl = _load_control(control, set_) if control else None
        with ProgressBar(quiet, "cohort", "runs") as update:
            res = run_cohort(
                sc,
                size=size,
                variability=variability,
                control=ctrl,
                seed=seed,
                params=_names(params),
                metrics=_names(metrics) or (),
                progress=update,
            )
        write_cohort(
            folder,
            res,
            formats=format_,
            style=style,
            command=_command(),
            started=started,
            overrides=set_ or (),
            force=force,
            window_h=window_h,
        )
    data = res.to_dict()
    for label, a in data["arms"].items():
        causes = a["deaths_by_cause"]
        why = (
            f"; deaths: {causes['liver']} liver, {causes['systemic']} systemic" if causes["systemic"] else ""
        )
        _say(
            quiet,
            f"{label}: {a['survivors']}/{a['n']} survive ({100 * a['survival_fraction']:.0f} %, "
            f"95 % CI {100 * a['ci_low']:.0f} to {100 * a['ci_high']:.0f} %{why})",
        )
    for p in data.get("paired", []):
        _say(
            quiet,
            f"paired: {p['saved']} saved and {p['lost']} lost by {p['arm']} against "
            f"{p['control']} (exact McNemar p = {p['mcnemar_p']:.3g})",
        )
    _say(quiet, f"seed {res.seed}; wrote {folder}/")


def fit(
    scenario: Annotated[
        str | None,
        typer.Argument(metavar="[SCENARIO]", help="Scenario file, or a library name (not with --problem)."),
    ] = None,
    data: Annotated[
        str | None,
        typer.Option(
            "--data",
            metavar="FILE.csv",
            help="Table time_h,variable,value,sd (or a shipped table such as rat_phx70_volume).",
        ),
    ] = None,
    params: Annotated[
        str | None, typer.Option("--params", metavar="A,B,...", help="Parameters to fit, comma-separated.")
    ] = None,
    problem: Annotated[
        str | None,
        typer.Option(
            "--problem",
            metavar="FILE.yaml",
            help="A fit problem: several experiments (scenario + "
            "data), shared and per-experiment parameters, noise model. Replaces SCENARIO, --data "
            "and --params.",
        ),
    ] = None,
    profile: Annotated[
        bool,
        typer.Option(
            "--profile",
            help="Profile likelihood of every parameter: 95 % intervals from the "
            "likelihood ratio, and which limits the data do not set.",
        ),
    ] = False,
    starts: Annotated[
        int,
        typer.Option(
            "--starts",
            metavar="N",
            help="Optimise from N starts (the scenario's values and N-1 "
            "random ones, --seed) and report the spread of the optima.",
        ),
    ] = 1,
    seed: SEED = None,
    max_evaluations: Annotated[
        int, typer.Option("--max-evaluations", metavar="N", help="Most optimiser iterations.")
    ] = 200,
    set_: SET = None,
    out: Annotated[str | None, _out("fit")] = None,
    format_: FORMAT = "png",
    style: STYLE = "paper",
    quiet: QUIET = False,
    force: FORCE = False,
) -> None:
    """Fit parameters to measured time courses by weighted least squares.

    Respects the plausible ranges of the parameter table (log space for positive ones) and says
    so when an estimate ends on one. Writes fit.json (estimates, approximate and, with
    --profile, profile-likelihood 95 % intervals, correlations, chi2), fit_points.csv, one
    calibrated scenario <name>-calibrated.yaml per experiment (full precision; checked to
    reproduce the chi2) that 'livermodel run' accepts, and fit.<format>.

    \b
    Examples:
      livermodel fit rat-phx-70 --data data/rat_phx70_volume.csv --params division_rate,priming_rate --profile
      livermodel fit --problem data/rat_phx70_two_experiments.yaml --profile --starts 4 --seed 1
      livermodel run results/rat-phx-70-fit/rat-phx-70-calibrated.yaml
    """
    import secrets
    from pathlib import Path

    from livermodel.output.provenance import now_iso

    started = now_iso()
    with _user_errors():
        from livermodel.errors import LivermodelError
        from livermodel.output.studies import write_fit
        from livermodel.studies.fit import fit as run
        from livermodel.studies.problem import read_problem

        if starts > 1 and seed is None:
            seed = secrets.randbelow(2**31)
        if problem is not None:
            if scenario is not None or data is not None or params is not None or set_:
                raise LivermodelError(
                    "--problem replaces SCENARIO, --data, --params and --set",
                    key="--problem",
                    suggestion="Put them in the problem file",
                )
            pb = read_problem(problem)
            with ProgressBar(quiet, "fit", "model runs") as update:
                res = run(
                    pb,
                    starts=starts,
                    seed=seed,
                    profile=profile,
                    max_evaluations=max_evaluations,
                    progress=update,
                )
            name = pb.experiments[0].scenario.name if len(pb.experiments) == 1 else Path(problem).stem
        else:
            for value, what in ((scenario, "SCENARIO"), (data, "--data"), (params, "--params")):
                if value is None:
                    raise LivermodelError(
                        f"fit needs {what} (or --problem FILE.yaml)",
                        key=what,
                        suggestion="e.g. livermodel fit rat-phx-70 --data "
                        "rat_phx70_volume --params division_rate",
                    )
            assert scenario is not None and data is not None  # checked just above
            sc = _load(scenario, set_)
            folder = _folder(out, sc, set_, "fit", force, None)  # checked before fitting
            names = _names(params) or []
            with ProgressBar(quiet, f"fit of {', '.join(names)}", "model runs") as update:
                res = run(
                    sc,
                    data,
                    names,
                    starts=starts,
                    seed=seed,
                    profile=profile,
                    max_evaluations=max_evaluations,
                    progress=update,
                )
            name = sc.name
        if problem is not None:
            folder = out or f"results/{name}-fit"
        paths = write_fit(
            folder,
            res,
            formats=format_,
            style=style,
            command=_command(),
            started=started,
            overrides=set_ or (),
            force=force,
        )
    for n in res.names:
        lo, hi = res.ci[n]
        _say(
            quiet,
            f"{n} = {res.estimates[n]:.6g} (linearised 95 % CI {lo:.3g} to {hi:.3g}; start "
            f"{res.start[n]:.4g})",
        )
        if n in res.profiles:
            _say(quiet, f"  profile: {res.profiles[n].verdict}")
        side = res.at_bound(n)
        if side:
            _say(
                quiet,
                f"  WARNING: on the {side} bound of its plausible range "
                f"({res.bounds[n][0 if side == 'lower' else 1]:.4g}); see the advice below",
            )
    fitted = res.problem
    assert fitted is not None  # fit() sets it
    for e, exp in enumerate(fitted.experiments):
        if exp.noise == "estimated":
            _say(quiet, f"{exp.name}: estimated SD = {res.noise_sd[e]:.4g}")
    what = "chi2" if not fitted.n_noise else "-2 ln L (+ const)"
    _say(
        quiet,
        f"{what} = {res.chi2:.6g} on {res.dof} degrees of freedom; "
        f"{int(res.within_sd.sum())}/{len(res.data)} points within 1 SD; {res.message}",
    )
    if len(res.starts) > 1:
        good = sum(s["chi2"] - res.chi2 <= 0.1 for s in res.starts)
        objs = sorted(s["chi2"] for s in res.starts)
        _say(
            quiet,
            f"{len(res.starts)} starts (seed {res.seed}): {good} reach the best optimum "
            f"(within 0.1); optima from {objs[0]:.6g} to {objs[-1]:.6g}",
        )
        for n in res.names:
            vals = [s["estimates"][n] for s in res.starts if s["chi2"] - res.chi2 <= 0.1]
            _say(quiet, f"  {n}: {min(vals):.4g} to {max(vals):.4g} across those starts")
    for w in res.warnings():
        if w.split(":")[0] not in res.profiles:
            _say(quiet, f"WARNING: {w}")
    yamls = [str(p) for p in paths if str(p).endswith(".yaml")]
    _say(quiet, f"wrote {folder}/ (calibrated scenario: {', '.join(yamls)})")


def register(app: typer.Typer) -> None:
    """Add the ``threshold``, ``sensitivity``, ``cohort`` and ``fit`` commands to ``app``."""
    app.command("threshold")(threshold)
    app.command("sensitivity")(sensitivity)
    app.command("cohort")(cohort)
    app.command("fit")(fit)
