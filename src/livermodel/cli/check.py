"""The ``livermodel check`` command: the scenarios' ``expect:`` blocks and, with ``--data``, the
model against every shipped data set, as a scorecard.

``register(app)`` adds the command to a Typer app (see :mod:`livermodel.cli.app`).  Library
modules are imported inside the command so that ``livermodel --help`` stays fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from livermodel.cli.common import FormatOption, QuietOption, StyleOption, say, user_errors


def check(
    scenarios: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="[SCENARIO ...]",
            help="Scenario files or library names (default: the whole library).",
            show_default=False,
        ),
    ] = None,
    data: Annotated[
        bool,
        typer.Option(
            "--data",
            help="Also compare the model with every shipped data set and literature "
            "target (data/*.csv), and draw model against data.",
        ),
    ] = False,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            metavar="FOLDER",
            file_okay=False,
            help="Folder for scorecard.csv, scorecard.json and figures [default: results/check].",
        ),
    ] = None,
    format_: FormatOption = "png",
    style: StyleOption = "paper",
    quiet: QuietOption = False,
) -> None:
    """Check the model: run the expect: blocks of the scenarios, and with --data compare the
    model with the published data it ships.

    Prints a scorecard (target, source, data, model, verdict), one row per expect item, data
    point or literature target; each data row says whether the model was calibrated to it or
    only checked against it (held out). Writes scorecard.csv, scorecard.json and, with --data,
    check-data.<format> (model against data), with provenance.json last. Exits 1 if anything
    falls short, 0 if everything passes.

    \b
    Examples:
      livermodel check                          # every library scenario's expect: block
      livermodel check rat-phx-70 my-study.yaml
      livermodel check --data                   # and every shipped data set
    """
    from livermodel.output.provenance import now_iso

    started = now_iso()
    with user_errors():
        from livermodel.output.provenance import command_line
        from livermodel.output.studies import write_check
        from livermodel.output.text import table
        from livermodel.studies.check import run_check

        progress = None if quiet else (lambda msg: typer.echo(f"  checking {msg}", err=True))
        res = run_check(scenarios or None, data=data, progress=progress)
        folder = out or Path("results") / "check"
        written = write_check(
            folder, res, formats=format_, style=style, command=command_line(), started=started
        )
    rows = [[r.target, r.role, r.data, r.model, "pass" if r.passed else "FAIL"] for r in res.rows]
    if not quiet or res.failures:
        shown = rows if not quiet else [r for r in rows if r[-1] == "FAIL"]
        typer.echo(table(shown, ["target", "role", "data", "model", "verdict"]))
    n_fail = len(res.failures)
    say(
        quiet,
        f"\n{len(res.rows) - n_fail} of {len(res.rows)} checks pass"
        + (f"; {n_fail} FAIL" if n_fail else "")
        + f". Sources and details: "
        f"{Path(written[0]).parent / 'scorecard.csv'}",
    )
    if n_fail:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command()(check)
