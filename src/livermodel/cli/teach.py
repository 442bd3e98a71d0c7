"""Teaching and sharing commands: ``explain``, ``explore``, ``phase`` and ``report``.

``register(app)`` adds them to a Typer app; ``livermodel.cli`` calls it.  Library modules,
numpy and matplotlib are imported inside the commands so that ``livermodel --help`` stays fast.
A :class:`livermodel.errors.LivermodelError` (a bad scenario, an unknown parameter, no display)
is printed as one message with exit status 2, also when the app is invoked without ``main`` (as
in the tests).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from livermodel.cli.common import (
    ScenarioArg,
    SetOption,
    StyleOption,
    WindowOption,
    command_line,
    user_errors,
)


def explain(
    param: Annotated[
        str | None, typer.Argument(metavar="[PARAM]", help="A parameter name (see 'livermodel params').")
    ] = None,
    equations: Annotated[
        bool, typer.Option("--equations", help="Every equation of the model, term by term, with sources.")
    ] = False,
    mechanism: Annotated[
        str | None,
        typer.Option(
            "--mechanism",
            "-m",
            metavar="NAME",
            help="One mechanism: hepatostat, priming, overload, inflammation, toxin, acetaminophen, nac, "
            "galactosamine, enzymes, msc, ev, "
            "survival.",
        ),
    ] = None,
    demo: Annotated[
        bool,
        typer.Option(
            "--demo/--no-demo",
            help="With PARAM: simulate a reference scenario at the low end, the default and the high "
            "end of the parameter's range.",
        ),
    ] = True,
) -> None:
    """Explain the model in words: equations, a parameter's full story, or a mechanism.

    Without arguments, lists what can be explained. Writes nothing.

    \b
    Examples:
      livermodel explain --equations
      livermodel explain critical_mass
      livermodel explain --mechanism hepatostat
    """
    from livermodel.errors import LivermodelError
    from livermodel.teach import explain as ex

    with user_errors():
        given = sum(x is not None for x in (param, equations or None, mechanism))
        if given > 1:
            raise LivermodelError(
                "give one of PARAM, --equations or --mechanism", key="--equations", found="more than one"
            )
        if equations:
            text = ex.equations_text()
        elif mechanism is not None:
            text = ex.mechanism_text(mechanism)
        elif param is not None:
            text = ex.parameter_text(param, demo=ex.parameter_demo(param) if demo else None)
        else:
            text = ex.overview_text()
    typer.echo(text.rstrip("\n"))


def explore(
    ctx: typer.Context,
    scenario: ScenarioArg,
    snapshot: Annotated[
        Path | None,
        typer.Option(
            "--snapshot",
            metavar="FILE.png",
            dir_okay=False,
            help="Draw the initial window without a display and save it as an image.",
        ),
    ] = None,
    slider: Annotated[
        list[str] | None,
        typer.Option(
            "--slider",
            metavar="KEY=VALUE",
            help="Start a slider at VALUE, e.g. --slider parameters.critical_mass=0.25 or "
            "--slider interventions.0.at=6 (repeatable).",
        ),
    ] = None,
    set_: SetOption = None,
) -> None:
    """Open an interactive window: time-course panels, sliders and therapy switches.

    Sliders move the most instructive parameters and the size and time of the scenario's insults
    and doses; check boxes switch each therapy effect channel on or off. Every change re-runs the
    model and redraws in a fraction of a second.

    \b
    Examples:
      livermodel explore rat-phx-70
      livermodel explore fulminant-msc-early --snapshot explorer.png
    """
    from livermodel.errors import LivermodelError
    from livermodel.teach.explore import show
    from livermodel.teach.explore import snapshot as take

    with user_errors():
        values = {}
        for item in slider or []:
            key, sep, val = item.partition("=")
            try:
                values[key.strip()] = float(val)
            except ValueError:
                sep = ""
            if not sep:
                raise LivermodelError(
                    "--slider needs KEY=NUMBER",
                    key="--slider",
                    found=repr(item),
                    expected="e.g. parameters.critical_mass=0.25",
                )
        if snapshot is not None:
            _check_image_name(snapshot, "--snapshot")
            from livermodel.output.provenance import now_iso, output_file, write_sidecar

            started = now_iso()
            output_file(snapshot, "--snapshot")
            ex = take(scenario, snapshot, overrides=set_ or (), settings=values)
            side = write_sidecar(
                snapshot,
                kind="explore-snapshot",
                scenario=ex.scenario,
                overrides=set_ or (),
                command=command_line(ctx),
                started=started,
                extra={"sliders": values},
            )
            typer.echo(
                f"wrote {snapshot} (explorer for '{ex.scenario.name}', "
                f"{len(ex.controls)} sliders, redraw {ex.last_draw_s * 1000:.0f} ms) "
                f"and {side.name}"
            )
            return
        if values:
            raise LivermodelError(
                "--slider only works with --snapshot; in the window, move the slider", key="--slider"
            )
        show(scenario, overrides=set_ or ())


def _check_image_name(path: Path, key: str = "--output") -> str:
    """The image format of ``path`` (png, svg or pdf), or a user error naming ``key``."""
    from livermodel.errors import LivermodelError

    fmt = path.suffix.lower().lstrip(".")
    if fmt not in ("png", "svg", "pdf"):
        raise LivermodelError(
            "the image needs a .png, .svg or .pdf file name", key=key, found=repr(str(path))
        )
    return fmt


def phase(
    ctx: typer.Context,
    scenario: ScenarioArg,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            metavar="FILE",
            dir_okay=False,
            help="Image to write (.png, .svg or .pdf); its folder is created if needed. Default: "
            "results/<scenario name>-phase.png (-set-<hash> added with --set).",
        ),
    ] = None,
    y: Annotated[
        str,
        typer.Option(
            "--y",
            metavar="inflammation|toxin",
            help="Second variable of the plane (the first is functional mass); toxin only for a "
            "scenario whose main insult is the lumped toxin.",
        ),
    ] = "inflammation",
    values: Annotated[
        str | None,
        typer.Option(
            "--values",
            metavar="V1,V2,...",
            help="Sizes of the main insult to draw (resected fractions, toxin, acetaminophen or "
            "D-galactosamine doses in mg/kg or "
            "inflammatory hits). Default: a range around the scenario's own.",
        ),
    ] = None,
    set_: SetOption = None,
    style: StyleOption = "paper",
) -> None:
    """Draw a phase portrait of the tipping point between recovery and failure.

    Trajectories of the scenario with its main insult (hepatectomy, toxin dose or inflammatory
    hit) scaled from mild to severe, in the plane of functional mass and inflammation; the
    recovery and failure basins shaded from a grid of runs; the steady states marked.

    \b
    Examples:
      livermodel phase rat-phx-70
      livermodel phase mouse-apap-300 --values 200,300,400,500,600 -o apap-phase.png
    """
    from livermodel.errors import LivermodelError
    from livermodel.figures.phase import phase_figure
    from livermodel.figures.timecourse import save_figure
    from livermodel.output.folders import default_folder
    from livermodel.output.provenance import now_iso, output_file, write_sidecar
    from livermodel.studies.phase import phase_portrait

    started = now_iso()
    with user_errors():
        vals = None
        if values:
            try:
                vals = [float(v) for v in values.split(",") if v.strip()]
            except ValueError:
                raise LivermodelError(
                    "--values needs numbers separated by commas", key="--values", found=repr(values)
                ) from None
        if output is not None:  # a wrong name or an unwritable folder is refused before the work
            _check_image_name(output)
            output_file(output)
        p = phase_portrait(scenario, y=y, values=vals, overrides=set_ or ())
        out = output or default_folder(p.scenario, set_ or (), "-phase.png")
        fmt = _check_image_name(out)
        if output is None:
            output_file(out)
        fig = phase_figure(p, style=style, overrides=set_ or ())
        (path,) = save_figure(fig, out.with_suffix(""), [fmt])
        side = write_sidecar(
            path,
            kind="phase",
            scenario=p.scenario,
            overrides=set_ or (),
            command=command_line(ctx),
            started=started,
            extra={"y": y, "values": vals},
        )
    from livermodel.figures.phase import NEUTRAL_TOL

    for s in p.steady_states:
        kind = "neutral" if abs(s.eigenvalue) < NEUTRAL_TOL else "stable" if s.stable else "unstable"
        typer.echo(
            f"steady state: {s.label:<14} F = {s.functional_mass:.3f}, {y} = {s.y:.3g} "
            f"({kind}, leading eigenvalue {s.eigenvalue:+.3g} 1/h)"
        )
    fails = [t.label for t in p.trajectories if t.failed]
    typer.echo(f"{len(p.trajectories)} trajectories ({p.varied}); fail: {', '.join(fails) or 'none'}")
    typer.echo(f"wrote {path} and {side.name}")


def report(
    ctx: typer.Context,
    scenario: ScenarioArg,
    output: Annotated[
        Path,
        typer.Option(
            "--output",
            "-o",
            metavar="FILE.html",
            dir_okay=False,
            help="HTML file to write (its folder is created if needed).",
        ),
    ],
    compare: Annotated[
        list[str] | None,
        typer.Option(
            "--compare", "-c", metavar="SCENARIO", help="Another scenario to compare with (repeatable)."
        ),
    ] = None,
    labels: Annotated[
        str | None,
        typer.Option("--labels", metavar="A,B,...", help="Labels of SCENARIO and each --compare, in order."),
    ] = None,
    threshold: Annotated[
        str | None,
        typer.Option(
            "--threshold",
            metavar="KEY=LOW:HIGH",
            help="Add a tipping-point section, e.g. --threshold insults.0.fraction=0.5:0.95.",
        ),
    ] = None,
    cohort: Annotated[
        str | None, typer.Option("--cohort", metavar="SPEC", help="Add a virtual-cohort section.")
    ] = None,
    phase: Annotated[bool, typer.Option("--phase/--no-phase", help="Include the phase portrait.")] = True,
    set_: SetOption = None,
    style: StyleOption = "paper",
    window: WindowOption = None,
) -> None:
    """Write one self-contained HTML report to e-mail or show: outcomes, figures, tables.

    The file holds the scenario, key outcomes, time course, phase portrait, comparison table,
    parameter table with sources, equations and provenance, with every figure embedded as SVG.
    It loads nothing from the network.

    \b
    Examples:
      livermodel report rat-phx-70 -o rat-phx-70.html
      livermodel report fulminant --compare fulminant-msc-early --compare fulminant-msc-late -o msc.html
      livermodel report fulminant --window 48h -o fulminant.html
    """
    from livermodel.output.provenance import now_iso, output_file, write_sidecar
    from livermodel.teach.report import write_report

    started = now_iso()
    with user_errors():
        output_file(output)
        rep = write_report(
            output,
            scenario,
            compare=compare or (),
            labels=[s.strip() for s in labels.split(",")] if labels else None,
            overrides=set_ or (),
            phase=phase,
            threshold=threshold,
            cohort=cohort,
            style=style,
            command=command_line(ctx),
            window=window,
        )
        side = write_sidecar(
            output,
            kind="report",
            scenario=rep.scenario,
            overrides=set_ or (),
            command=command_line(ctx),
            started=started,
            extra={"compare": list(compare or ()), "sections": rep.sections},
        )
    kb = len(rep.html.encode()) / 1024
    typer.echo(f"wrote {output} ({kb:,.0f} kB; sections: {', '.join(rep.sections)}) and {side.name}")


def register(app: typer.Typer) -> None:
    """Add ``explain``, ``explore``, ``phase`` and ``report`` to ``app``."""
    app.command("explain")(explain)
    app.command("explore")(explore)
    app.command("phase")(phase)
    app.command("report")(report)
