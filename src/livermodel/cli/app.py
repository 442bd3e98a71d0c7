"""The ``livermodel`` command line: a thin Typer layer over the library.

Each command parses its arguments, calls one function of :mod:`livermodel.cli.actions` (or
:mod:`livermodel.output`) and prints what it returns.  Library modules, numpy and matplotlib are
imported inside the commands, so ``livermodel --help`` starts fast.

Exit codes: 0 success; 2 bad input (a scenario, an option or a path), with a one-paragraph message
and no traceback; 1 a simulation that could not be completed, with the reason; 130 interrupted.
"""

from __future__ import annotations

import shutil
import sys
import textwrap
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from livermodel.cli.common import (
    EXIT_BAD_INPUT,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    ForceOption,
    FormatOption,
    QuietOption,
    ScenarioArg,
    StyleOption,
    WindowOption,
    out_param,
)
from livermodel.cli.common import command_line as _command_line
from livermodel.cli.common import say as _say
from livermodel.cli.common import set_param as _set_param
from livermodel.cli.common import user_errors as _user_errors

app = typer.Typer(
    name="livermodel",
    help="Simulate liver damage and regeneration, with and without MSC or EV therapy "
    "(a conceptual model; see docs/model.md).\n\n"
    "\b\nStart here:\n"
    "  livermodel scenarios                      list the shipped scenarios\n"
    "  livermodel run rat-phx-70                 simulate one; files go to results/rat-phx-70/\n"
    "  livermodel COMMAND --help                 options and an example for each command",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)

# ----------------------------------------------------------------------------------------------
# shared options
# ----------------------------------------------------------------------------------------------


def _version_callback(value: bool) -> None:
    if value:
        from livermodel.version import __version__

        typer.echo(f"livermodel {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version_callback, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Simulate liver damage and regeneration, with and without MSC or EV therapy."""


def _progress(quiet: bool):
    """A progress printer: a status line on a terminal, nothing otherwise (or with --quiet)."""
    if quiet or not sys.stderr.isatty():
        return None
    from rich.console import Console

    return Console(stderr=True).status("starting")


@contextmanager
def _status(quiet: bool):
    status = _progress(quiet)
    if status is None:
        yield lambda message: None
        return
    with status:
        yield lambda message: status.update(f"{message} ...")


# ----------------------------------------------------------------------------------------------
# commands
# ----------------------------------------------------------------------------------------------


@app.command()
def run(
    ctx: typer.Context,
    scenario: ScenarioArg,
    set_: Annotated[list[str] | None, _set_param()] = None,
    out: Annotated[
        str | None, out_param("results/<scenario name>/, or results/<scenario name>-set-<hash>/ with --set")
    ] = None,
    format_: FormatOption = "png",
    style: StyleOption = "paper",
    quiet: QuietOption = False,
    force: ForceOption = False,
    window: WindowOption = None,
) -> None:
    """Simulate one scenario and write its output folder.

    Writes timeseries.csv (time_h and every trajectory variable), metrics.json,
    scenario.resolved.yaml, timecourse.<format> figures and provenance.json (written last), then
    prints a summary. Nothing is written if the simulation fails (exit code 1).

    \b
    Examples:
      livermodel run scenarios/rat-phx-70.yaml
      livermodel run rat-phx-70 --set insults.0.fraction=0.8 --out results/phx80 --format png,pdf
      livermodel run fulminant --window 48h
    """
    from livermodel.cli import actions as runner
    from livermodel.output import text

    with _user_errors(), _status(quiet) as progress:
        report = runner.run_scenario(
            scenario,
            set_ or [],
            out=out,
            formats=format_,
            style=style,
            command=_command_line(ctx),
            progress=progress,
            force=force,
            window=window,
        )
    for w in report.warnings:
        typer.echo(f"warning: {w}", err=True)
    if not report.success:
        typer.echo(
            f"error: the simulation of '{report.scenario.name}' could not be completed: "
            f"{report.message}. Nothing was written. Try a tighter or different solver, e.g. "
            "--set solver.method=Radau or --set solver.max_step=0.5h, or check the "
            "parameters for extreme values.",
            err=True,
        )
        raise typer.Exit(EXIT_FAILED)
    if not quiet:
        sc, written = report.scenario, report.written
        assert written is not None  # a successful run is written
        typer.echo(f"{sc.name} ({sc.species}, {text.format_time(sc.duration_h)})")
        typer.echo(text.summary_table(report.metrics))
        typer.echo(f"\nwrote {written.folder}/: {', '.join(written.files)}")


@app.command()
def compare(
    ctx: typer.Context,
    scenarios: Annotated[
        list[str],
        typer.Argument(
            metavar="SCENARIO",
            help="Two or more scenario files or library names (one is enough with --control).",
        ),
    ],
    labels: Annotated[
        list[str] | None,
        typer.Option(
            "--labels",
            "-l",
            metavar="LABELS",
            help="Names of the arms in the legend and tables, comma-separated, one per SCENARIO in "
            "order (default: scenario names).",
        ),
    ] = None,
    control: Annotated[
        str | None,
        typer.Option(
            "--control",
            "-c",
            metavar="SCENARIO",
            help="Control arm: drawn first, and every other arm is also shown as its difference against it.",
        ),
    ] = None,
    set_: Annotated[list[str] | None, _set_param(" Applies to every arm.")] = None,
    out: Annotated[str | None, out_param("results/compare-<names>/ (-set-<hash> added with --set)")] = None,
    format_: FormatOption = "png",
    style: StyleOption = "paper",
    quiet: QuietOption = False,
    force: ForceOption = False,
    window: WindowOption = None,
) -> None:
    """Overlay several scenarios; metrics side by side.

    Runs every SCENARIO, draws them on shared axes with one colour per arm (more than four arms:
    one panel pair per arm, the control faint behind each), and tabulates their outcome metrics
    side by side.

    Writes comparison.<format> figures, metrics.csv and metrics.json (every arm, and differences
    against the control), one run folder per arm under arms/<label>/, and provenance.json.

    \b
    Examples:
      livermodel compare fulminant-msc-early fulminant-msc-late --control fulminant
      livermodel compare rat-phx-70 rat-phx-90 --labels "70 % PHx,90 % PHx" --style slides
      livermodel compare fulminant-msc-early fulminant-msc-late --control fulminant --window 2d
    """
    from livermodel.cli import actions as runner

    arm_labels = [part.strip() for item in labels for part in item.split(",")] if labels else None
    with _user_errors(), _status(quiet) as progress:
        report = runner.compare_scenarios(
            scenarios,
            set_ or [],
            labels=arm_labels,
            control=control,
            out=out,
            formats=format_,
            style=style,
            command=_command_line(ctx),
            progress=progress,
            force=force,
            window=window,
        )
    for w in report.warnings:
        typer.echo(f"warning: {w}", err=True)
    if not report.success:
        reasons = "; ".join(f"{label}: {message}" for label, message in report.failures)
        typer.echo(
            f"error: the comparison could not be completed because a simulation failed "
            f"({reasons}). Nothing was written. Try --set solver.method=Radau, or check that "
            "arm on its own with 'livermodel run'.",
            err=True,
        )
        raise typer.Exit(EXIT_FAILED)
    if not quiet:
        written = report.written
        assert written is not None  # a successful comparison is written
        typer.echo(runner.comparison_text(report))
        typer.echo(
            f"\nwrote {written.folder}/: {', '.join(f for f in written.files if '/' not in f)} and arms/"
        )


@app.command()
def validate(
    scenarios: Annotated[
        list[str], typer.Argument(metavar="SCENARIO", help="Scenario files or library names to check.")
    ],
    set_: Annotated[list[str] | None, _set_param(" Checked together with each file.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only the problems.")] = False,
) -> None:
    """Check scenario files without simulating them.

    Exits 0 if every file is valid, 2 otherwise. Each problem is printed with file, line,
    key, what was expected and what was found.

    \b
    Examples:
      livermodel validate my-study.yaml
      livermodel validate scenarios/*.yaml
    """
    from livermodel.cli import actions as runner

    with _user_errors():
        results = runner.validate_scenarios(scenarios, set_ or [])
    for v in results:
        for w in v.warnings:
            located = Path(w.split(":", 1)[0]).name == Path(v.path).name
            typer.echo(f"warning: {w}" if located else f"warning: {v.path}: {w}", err=True)
        if v.ok:
            _say(quiet, f"ok: {v.path} ({v.name})")
        else:
            assert v.error is not None  # not ok: the first error is set
            for err in v.errors or [v.error]:
                typer.echo(f"error: {err}", err=True)
    bad = sum(not v.ok for v in results)
    if bad:
        n_errors = sum(len(v.errors or [v.error]) for v in results if not v.ok)
        typer.echo(
            f"{bad} of {len(results)} scenario file(s) have problems ({n_errors} in all); "
            "fix the lines named above and run 'livermodel validate' again.",
            err=True,
        )
        raise typer.Exit(EXIT_BAD_INPUT)


@app.command()
def params(
    name: Annotated[
        str | None,
        typer.Argument(metavar="NAME", help="Show this parameter in full (default: the whole table)."),
    ] = None,
    species: Annotated[
        str,
        typer.Option(
            "--species", "-s", metavar="rat|mouse|human", help="Species preset whose values are shown."
        ),
    ] = "rat",
) -> None:
    """Print the parameter table, or one parameter in full.

    The table gives value, unit, plausible range and description of every parameter.
    Use the names with --set parameters.NAME=VALUE or under 'parameters:' in a scenario file.

    \b
    Examples:
      livermodel params
      livermodel params --species human
      livermodel params critical_mass
    """
    from livermodel.cli import actions as runner

    with _user_errors():
        if name is None:
            rows = runner.parameter_rows(species)
            _print_parameter_table(rows, species)
        else:
            _print_parameter(runner.parameter_detail(name, species))


def _num(v: float) -> str:
    return f"{v:g}"


def _print_parameter_table(rows, species: str) -> None:
    from livermodel.model.parameters import SPECIES_NOTES
    from livermodel.output.text import table

    width = shutil.get_terminal_size((100, 24)).columns - 1
    typer.echo(
        textwrap.fill(
            f"livermodel parameters, {species} preset: {SPECIES_NOTES.get(species, '')}.", width=width
        )
    )
    typer.echo("'*' = differs from the rat default; 'livermodel params NAME' shows the source.\n")
    group = None
    out_rows: list[list[str]] = []
    for r in rows:
        if r["group"] != group:
            group = r["group"]
            if out_rows:
                out_rows.append(["", "", "", "", ""])
            out_rows.append([f"[{group}]", "", "", "", ""])
        mark = "*" if r["value"] != r["default"] else ""
        out_rows.append(
            [
                r["name"],
                _num(r["value"]) + mark,
                r["unit"],
                f"{_num(r['low'])}-{_num(r['high'])}",
                r["description"],
            ]
        )
    # the description is wrapped into what is left of the terminal width (at least 30 characters)
    used = sum(max(len(row[k]) for row in out_rows) + 2 for k in range(4))
    room = max(30, shutil.get_terminal_size((100, 24)).columns - used - 1)
    wrapped: list[list[str]] = []
    for row in out_rows:
        lines = textwrap.wrap(row[4], width=room) or [""]
        wrapped.append([*row[:4], lines[0]])
        wrapped += [["", "", "", "", more] for more in lines[1:]]
    out_rows = wrapped
    typer.echo(table(out_rows, ["name", "value", "unit", "range", "description"]))


def _print_parameter(p: dict) -> None:
    def wrap(label: str, text: str) -> str:
        return textwrap.fill(text, width=96, initial_indent=f"{label:<13}", subsequent_indent=" " * 13)

    lo, hi = p["limits"]
    by_species = ", ".join(f"{s} {_num(v)}" for s, v in p["by_species"].items())
    lines = [
        p["name"],
        wrap("unit", p["unit"]),
        wrap("value", f"{_num(p['value'])} ({p['species']}); {by_species}"),
        wrap(
            "range",
            f"{_num(p['low'])} to {_num(p['high'])} (plausible); hard limits {_num(lo)} to {_num(hi)}",
        ),
        wrap("group", p["group"]),
        wrap("meaning", p["description"]),
        wrap("source", p["source"]),
        wrap(
            "time scale",
            "divided by the species time_scale" if p["scales_with_time"] else "not scaled by species",
        ),
        wrap("set with", f"--set parameters.{p['name']}=VALUE"),
    ]
    typer.echo("\n".join(lines))


@app.command()
def scenarios() -> None:
    """List the shipped scenarios, one line each.

    Run any of them by name, or copy one to start your own with 'livermodel init NAME --from
    SCENARIO'.

    \b
    Example:
      livermodel scenarios
    """
    from livermodel.scenario.library import list_library
    from livermodel.scenario.reader import library_path

    with _user_errors():
        entries = list_library()
    if not entries:
        typer.echo(f"no scenarios found in {library_path()}", err=True)
        return
    width = max(len(e.name) for e in entries)
    for e in entries:
        first = _first_sentence(e.description)
        if len(first) > 90:
            first = first[:87].rstrip() + "..."
        typer.echo(f"{e.name:<{width}}  {e.species:<5}  {first}")
    typer.echo(f"\n{len(entries)} scenarios in {library_path()}; run one with 'livermodel run NAME'.")


@app.command()
def init(
    name: Annotated[
        str,
        typer.Argument(
            metavar="NAME", help="Scenario name; writes NAME.yaml here (or give a path ending in .yaml)."
        ),
    ],
    from_: Annotated[
        str | None,
        typer.Option(
            "--from",
            metavar="SCENARIO",
            help="Start from this scenario (file or library name) instead of the hepatectomy template.",
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite NAME.yaml if it exists.")] = False,
) -> None:
    """Write a commented starting scenario file.

    The file is checked before it is written, so it runs as it is; edit it, then 'livermodel
    validate' and 'livermodel run' it.

    \b
    Examples:
      livermodel init my-study
      livermodel init phx-msc --from rat-phx-70
    """
    from livermodel.cli import actions as runner

    with _user_errors():
        path = runner.init_scenario(name, from_, force=force)
    typer.echo(f"wrote {path}; edit it, then run 'livermodel run {path}'")


@app.command()
def schema(
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", metavar="FILE", help="Write the schema to FILE instead of printing it."),
    ] = None,
) -> None:
    """Print the JSON Schema of scenario files (for editors that check YAML against a schema).

    \b
    Examples:
      livermodel schema
      livermodel schema -o scenario.schema.json
    """
    from livermodel.scenario.schema import json_schema_text

    text = json_schema_text()
    if out is None:
        typer.echo(text, nl=False)
        return
    with _user_errors():
        from livermodel.files import atomic_write
        from livermodel.output.provenance import output_file

        atomic_write(output_file(out, "--out"), text)
    typer.echo(f"wrote {out}")


@app.command()
def plot(
    result_dir: Annotated[
        str,
        typer.Argument(
            metavar="RESULT_DIR", help="A folder written by 'livermodel run', 'compare' or 'sweep'."
        ),
    ],
    format_: FormatOption = "png",
    style: StyleOption = "paper",
    metric: Annotated[
        str | None,
        typer.Option(
            "--metric",
            "-m",
            metavar="NAME",
            help="Metric of a sweep's figures (default: the one the sweep drew).",
        ),
    ] = None,
    quiet: QuietOption = False,
    window: Annotated[
        str | None,
        typer.Option(
            "--window",
            "-w",
            metavar="TIME",
            help="Draw only the first TIME (24h, 48h, 2d; a bare number is in hours), or 'full' for "
            "the whole run. Default: the window the folder was drawn with.",
        ),
    ] = None,
) -> None:
    """Redraw the figures of a result folder (no simulation).

    Reads the saved tables and provenance of the folder, which must be complete (provenance.json
    present, every file matching its hash). Replaces timecourse.<format> (run folders),
    comparison.<format> (comparison folders) or the sweep figures (sweep folders); a listed
    figure that is missing or was changed is redrawn too. provenance.json is rewritten last,
    listing and hashing every file.

    \b
    Examples:
      livermodel plot results/rat-phx-70 --format svg,pdf
      livermodel plot results/rat-phx-70 --style slides
      livermodel plot results/fulminant --window 24h
      livermodel plot results/rat-phx-70-sweep --format svg --metric final_mass
    """
    from livermodel.output.saved import redraw

    with _user_errors():
        paths = redraw(result_dir, formats=format_, style=style, window_h=window, metric=metric)
    _say(quiet, "wrote " + ", ".join(str(p) for p in paths) if paths else "no figure formats given")


# Commands that live in their own modules (export, sweep, analyses, teaching); none imports
# anything heavy here.
from livermodel.cli.check import register as _register_check  # noqa: E402
from livermodel.cli.export import register as _register_export  # noqa: E402
from livermodel.cli.studies import register as _register_analysis  # noqa: E402
from livermodel.cli.sweep import register as _register_sweep  # noqa: E402
from livermodel.cli.teach import register as _register_teach  # noqa: E402

_register_export(app)
_register_sweep(app)
_register_analysis(app)
_register_teach(app)
_register_check(app)


def main() -> None:
    """Entry point of the console script and of ``python -m livermodel``."""
    from livermodel.errors import LivermodelError

    try:
        app()
    except LivermodelError as err:  # a user's mistake outside a command body: message, no traceback
        typer.echo(f"error: {err}", err=True)
        sys.exit(EXIT_BAD_INPUT)
    except KeyboardInterrupt:
        typer.echo("interrupted; files already complete were kept, none is half-written", err=True)
        sys.exit(EXIT_INTERRUPTED)


def _first_sentence(text: str) -> str:
    """The first sentence of ``text``: up to the first '. ' that does not end 'et al.' or 'e.g.'."""
    import re

    for m in re.finditer(r"\.\s", text + " "):
        before = text[: m.start()]
        if not re.search(r"(\bal|\be\.g|\bi\.e|\bvs|\bcf)$", before):
            return before.strip()
    return text.strip().rstrip(".")
