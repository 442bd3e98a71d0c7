"""The ``livermodel export`` command: write a scenario as a model file for other tools.

``register(app)`` adds the command to a Typer app; ``livermodel.cli`` calls it.  Library
modules (libSBML above all) are imported inside the command so that ``livermodel --help`` stays
fast and works without the optional ``sbml`` extra.  A :class:`livermodel.errors.LivermodelError`
(a bad scenario, an unsupported format, libSBML missing) propagates to the app's ``main``, which
prints it and exits with status 2; the command itself does the same, so that it behaves alike
when an app is invoked without ``main`` (as in tests).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from livermodel.cli.common import command_line, user_errors

#: Export formats: name -> description.
FORMATS = {"sbml": "SBML Level 3 Version 2 (COPASI, Tellurium, libRoadRunner, ...)"}


def export(
    ctx: typer.Context,
    scenario: Annotated[str, typer.Argument(
        metavar="SCENARIO", help="Scenario file, or the name of a library scenario.")],
    output: Annotated[Path, typer.Option(
        "--output", "-o", metavar="FILE", dir_okay=False,
        help="File to write (its folder is created if needed; FILE.provenance.json goes next to "
        "it).")],
    format: Annotated[str, typer.Option(
        "--format", "-f", metavar="sbml", help="Output format: " + ", ".join(FORMATS) + ".")] = "sbml",
    overrides: Annotated[list[str] | None, typer.Option(
        "--set", metavar="KEY=VALUE",
        help="Change the scenario before exporting, e.g. --set parameters.toxin_ec50=200 "
        "(repeatable; dotted key paths as in the scenario file).")] = None,
) -> None:
    """Export a scenario (model, resolved parameters, initial state and schedule) as SBML.

    Writes one SBML Level 3 Version 2 file that COPASI, Tellurium or libRoadRunner can open; ids
    are livermodel's names (functional_mass, alt_u_per_l, toxin_ec50, ...).  See docs/interop.md.
    Needs the optional extra: pip install "livermodel[sbml]".

    \b
    Examples:
      livermodel export rat-phx-70 --format sbml -o rat-phx-70.xml
      livermodel export my-scenario.yaml -o mine.xml --set parameters.toxin_ec50=200
    """
    from livermodel.errors import LivermodelError
    from livermodel.output.provenance import now_iso, output_file, write_sidecar

    started = now_iso()
    with user_errors():  # a user's mistake: one message, exit status 2, no traceback
        if format not in FORMATS:
            raise LivermodelError(f"unknown export format '{format}'", key="--format",
                                  expected=f"one of {', '.join(FORMATS)}", found=repr(format))
        from livermodel.interop.sbml import export_sbml
        from livermodel.scenario.scenario import load_scenario

        sc = load_scenario(scenario, overrides or ())
        output_file(output)
        path = export_sbml(sc, output)
        side = write_sidecar(path, kind="export", scenario=sc, overrides=overrides or (),
                             command=command_line(ctx), started=started, extra={"format": format})
    typer.echo(f"wrote {path} ({FORMATS[format].split(' (')[0]}) for scenario '{sc.name}': "
               f"{sc.duration_h:g} h, species {sc.species}; provenance in {side.name}")


def register(app: typer.Typer) -> None:
    """Add the ``export`` command to ``app``."""
    app.command("export")(export)
