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
    "sedml": "SED-ML Level 1 Version 4 simulation (FILE.sedml, with the SBML next to it as FILE.xml; "
    "tellurium, BioSimulators, ...)",
    "omex": "COMBINE archive (one zip: the SBML, the SED-ML and a manifest; tellurium, BioSimulators, ...)",
}
#: Formats that are more than one stream of text, so never written to standard output.
NOT_STREAMS = {
    "petab": ("a PEtab problem is a folder of files, not one stream", "Give a folder, e.g. -o petab/"),
    "sedml": (
        "a SED-ML export is two files (the SED-ML and the SBML it runs), not one stream",
        "Give a file name, e.g. -o sim.sedml, or use --format omex for one file",
    ),
    "omex": (
        "a COMBINE archive is a binary zip file, not a text stream",
        "Give a file name, e.g. -o sim.omex",
    ),
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
            help="File to write (sbml, sedml, omex; its folder is created if "
            "needed and FILE.provenance.json goes next to it; '-' writes the SBML to standard "
            "output), or folder (petab).",
        ),
    ] = None,
    format: Annotated[
        str,
        typer.Option(
            "--format",
            "-f",
            metavar="sbml|sedml|omex|petab",
            help="sbml: the model (one .xml); sedml: the model and a SED-ML simulation of the "
            "scenario (NAME.sedml + NAME.xml); omex: both in one COMBINE archive (.omex) that "
            "tellurium runs; petab: a fit problem (a folder).",
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
    steady_state: Annotated[
        bool,
        typer.Option(
            "--steady-state",
            help="sbml: leave out the two cumulative hazards and survival (path integrals, whose "
            "zero Jacobian columns stop a steady-state solver) and write the hazard rates instead; "
            "for steady-state analysis in COPASI or libRoadRunner (docs/interop.md).",
        ),
    ] = False,
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
    """Export a scenario as SBML, SED-ML or a COMBINE archive, or a fit problem as PEtab.

    Writes one SBML Level 3 Version 2 file that COPASI, Tellurium or libRoadRunner can open; ids
    are livermodel's names (functional_mass, alt_u_per_l, toxin_ec50, ...).  See docs/interop.md.
    With --format sedml or omex, also the simulation: the scenario's time course (and its sweep:
    block as a repeated task) as SED-ML, next to the SBML or with it in one .omex archive that
    tellurium runs.  With --format petab, writes a folder: the SBML model, measurement,
    observable, condition and parameter tables and problem.yaml, for the fit SCENARIO --data
    --params (or --problem).  Needs the optional extra: pip install "livermodel[sbml]" (and
    "livermodel[sedml]" for sedml and omex).

    \b
    Examples:
      livermodel export rat-phx-70 --format sbml -o rat-phx-70.xml
      livermodel export my-scenario.yaml -o mine.xml --set parameters.toxin_ec50=200
      livermodel export healthy --steady-state -o healthy-steady.xml
      livermodel export rat-phx-70 --format omex -o rat-phx-70.omex
      livermodel export rat-phx-70 --format sedml -o rat-phx-70.sedml
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
                suggestion="e.g. -o model.xml (sbml), -o sim.omex (omex) or -o folder/ (petab)",
            )
        if str(output) == "-" and format in NOT_STREAMS:
            message, suggestion = NOT_STREAMS[format]
            raise LivermodelError(message, key="--output", found="'-'", suggestion=suggestion)
        if steady_state and format != "sbml":
            raise LivermodelError(
                "only an SBML export has a steady-state variant",
                key="--steady-state",
                found=f"--format {format}",
                suggestion="Time courses, sweeps and fits need the hazards; leave --steady-state out",
            )
        if format == "petab":
            from livermodel.interop.petab import export_petab
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

            sys.stdout.write(sbml_text(sc, steady_state=steady_state))
            sys.stdout.flush()
            return
        output_file(output)
        others: list[Path] = []
        what = ""
        if format == "sbml":
            path = export_sbml(sc, output, steady_state=steady_state)
        else:
            path, what, others = _simulation(format, sc, output)
        side = write_sidecar(
            path,
            kind="export",
            scenario=sc,
            overrides=overrides or (),
            command=command_line(ctx),
            started=started,
            extra={"format": format, "steady_state": steady_state},
            others=others,
        )
    typer.echo(
        f"wrote {path} ({FORMATS[format].split(' (')[0]}) for scenario '{sc.name}': "
        f"{sc.duration_h:g} h, species {sc.species}{what}; provenance in {side.name}"
    )


def _simulation(format: str, sc, output: Path) -> tuple[Path, str, list[Path]]:
    """Write the SED-ML (and SBML) or the COMBINE archive; returns the main file, a description
    for the message and the other files written."""
    from livermodel.interop.sedml import MODEL_FILE, SEDML_FILE, export_omex, export_sedml, model_path

    existed = [
        p.name for p in (output, model_path(output) if format == "sedml" else None) if p and p.exists()
    ]
    if format == "sedml":
        path, model, export = export_sedml(sc, output)
        others, what = [model], f", the SBML it runs in {model.name}"
    else:
        path, export = export_omex(sc, output)
        others, what = [], f", archive holding {MODEL_FILE}, {SEDML_FILE} and manifest.xml"
    what += f"; time course of {export.n_points} points"
    if export.sweep_runs:
        what += (
            f" and the sweep as a repeated task of {export.sweep_runs} runs changing "
            f"{', '.join(export.sweep_changes[:6]) or 'nothing'}"
            + (f" and {len(export.sweep_changes) - 6} more" if len(export.sweep_changes) > 6 else "")
        )
    if existed:
        what += f" (replaced the existing {' and '.join(existed)})"
    return path, what, others


def register(app: typer.Typer) -> None:
    """Add the ``export`` command to ``app``."""
    app.command("export")(export)
