"""The ``livermodel export`` command: write a scenario as a model file for other tools.

``register(app)`` adds the command to a Typer app; ``livermodel.cli`` calls it.  Library
modules (libSBML above all) are imported inside the command so that ``livermodel --help`` stays
fast and works without the optional ``sbml`` extra.  A :class:`livermodel.errors.LivermodelError`
(a bad scenario, an unsupported format, libSBML missing) propagates to the app's ``main``, which
prints it and exits with status 2; the command itself does the same, so that it behaves alike
when an app is invoked without ``main`` (as in tests).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from livermodel.cli.common import command_line, user_errors

#: Export formats: name -> description.
FORMATS = {
    "sbml": "SBML Level 3 Version 2 (COPASI, Tellurium, libRoadRunner, ...)",
    "petab": "PEtab 1 fit problem (SBML + measurement, observable, condition and parameter "
    "tables + YAML; pyPESTO, AMICI, COPASI, ...)",
}


def export(
    ctx: typer.Context,
    scenario: Annotated[
        str | None,
        typer.Argument(
            metavar="[SCENARIO]",
            help="Scenario file, or the name of a library scenario (not with --problem).",
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            metavar="FILE",
            help="File to write (sbml; its folder is created if "
            "needed and FILE.provenance.json goes next to it; '-' writes the SBML to standard "
            "output), or folder (petab).",
        ),
    ] = None,
    format: Annotated[
        str,
        typer.Option(
            "--format", "-f", metavar="sbml|petab", help="Output format: " + ", ".join(FORMATS) + "."
        ),
    ] = "sbml",
    data: Annotated[
        str | None,
        typer.Option("--data", metavar="FILE.csv", help="petab: the data table, as for 'livermodel fit'."),
    ] = None,
    params: Annotated[
        str | None, typer.Option("--params", metavar="A,B,...", help="petab: the parameters to estimate.")
    ] = None,
    problem: Annotated[
        str | None,
        typer.Option(
            "--problem",
            metavar="FILE.yaml",
            help="petab: a fit problem file (instead of SCENARIO, --data and --params).",
        ),
    ] = None,
    overrides: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            metavar="KEY=VALUE",
            help="Change the scenario before exporting, e.g. --set parameters.toxin_ec50=200 "
            "(repeatable; dotted key paths as in the scenario file).",
        ),
    ] = None,
) -> None:
    """Export a scenario as SBML, or a fit problem as PEtab.

    Writes one SBML Level 3 Version 2 file that COPASI, Tellurium or libRoadRunner can open; ids
    are livermodel's names (functional_mass, alt_u_per_l, toxin_ec50, ...).  See docs/interop.md.
    With --format petab, writes a folder: the SBML model, measurement, observable, condition and
    parameter tables and problem.yaml, for the fit SCENARIO --data --params (or --problem).
    Needs the optional extra: pip install "livermodel[sbml]".

    \b
    Examples:
      livermodel export rat-phx-70 --format sbml -o rat-phx-70.xml
      livermodel export my-scenario.yaml -o mine.xml --set parameters.toxin_ec50=200
      livermodel export rat-phx-70 --format petab --data rat_phx70_volume --params division_rate -o petab/
      livermodel export --format petab --problem data/rat_phx70_two_experiments.yaml -o petab2/
    """
    from livermodel.errors import LivermodelError
    from livermodel.output.provenance import now_iso, output_file, write_sidecar
    from livermodel.scenario.scenario import load_scenario

    started = now_iso()
    with user_errors():  # a user's mistake: one message, exit status 2, no traceback
        if format not in FORMATS:
            raise LivermodelError(
                f"unknown export format '{format}'",
                key="--format",
                expected=f"one of {', '.join(FORMATS)}",
                found=repr(format),
            )
        if output is None:
            raise LivermodelError(
                "export needs --output",
                key="--output",
                suggestion="e.g. -o model.xml (sbml) or -o folder/ (petab)",
            )
        if format == "petab":
            from livermodel.interop.petab import export_petab

            if str(output) == "-":
                raise LivermodelError(
                    "a PEtab problem is a folder of files, not one stream",
                    key="--output",
                    found="'-'",
                    suggestion="Give a folder, e.g. -o petab/",
                )
            from livermodel.studies.problem import read_problem, single_problem

            if problem is not None:
                if scenario is not None or data is not None or params is not None:
                    raise LivermodelError("--problem replaces SCENARIO, --data and --params", key="--problem")
                pb = read_problem(problem)
            else:
                for value, what in ((scenario, "SCENARIO"), (data, "--data"), (params, "--params")):
                    if value is None:
                        raise LivermodelError(f"a PEtab export needs {what} (or --problem)", key=what)
                assert scenario is not None and params is not None  # checked just above
                sc = load_scenario(scenario, overrides or ())
                pb = single_problem(sc, data, [n.strip() for n in params.split(",") if n.strip()])
            paths = export_petab(pb, output, name=pb.experiments[0].scenario.name)
            typer.echo(
                f"wrote {output}/ (PEtab: {', '.join(p.name for p in paths)}) with "
                f"{len(pb.experiments)} condition(s), {pb.n_points} measurements and "
                f"{len(pb.parameters)} estimated parameter(s)"
            )
            return
        from livermodel.interop.sbml import export_sbml

        if scenario is None:
            raise LivermodelError("export needs SCENARIO", key="SCENARIO")
        sc = load_scenario(scenario, overrides or ())
        if str(output) == "-":  # the SBML on standard output, for a pipe; no provenance file
            from livermodel.interop.sbml import sbml_text

            sys.stdout.write(sbml_text(sc))
            sys.stdout.flush()
            return
        output_file(output)
        path = export_sbml(sc, output)
        side = write_sidecar(
            path,
            kind="export",
            scenario=sc,
            overrides=overrides or (),
            command=command_line(ctx),
            started=started,
            extra={"format": format},
        )
    typer.echo(
        f"wrote {path} ({FORMATS[format].split(' (')[0]}) for scenario '{sc.name}': "
        f"{sc.duration_h:g} h, species {sc.species}; provenance in {side.name}"
    )


def register(app: typer.Typer) -> None:
    """Add the ``export`` command to ``app``."""
    app.command("export")(export)
