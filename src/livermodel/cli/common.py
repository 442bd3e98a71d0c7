"""What every command of the command line shares: option types, error handling, messages.

Imported at start-up by :mod:`livermodel.cli` and the ``cli_*`` modules, so it imports nothing
but Typer and the standard library.
"""

from __future__ import annotations

import shlex
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from rich.progress import Progress

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130

SET_HELP = (
    "Change one scenario key, KEY=VALUE with a dotted key path (repeatable): "
    "--set insults.0.fraction=0.8 --set parameters.death_sensitivity=2 "
    "--set duration=21d."
)
FORMAT_HELP = "Figure formats, comma-separated: png (300 dpi), svg, pdf; 'none' for no figures."
STYLE_HELP = "Figure style: 'paper' (180 mm wide, 8 pt) or 'slides' (16:9, large text)."
QUIET_HELP = "Print nothing but errors (no progress, no summary)."

ScenarioArg = Annotated[
    str,
    typer.Argument(metavar="SCENARIO", help="Scenario file, or a library name (see 'livermodel scenarios')."),
]
FormatOption = Annotated[str, typer.Option("--format", "-f", metavar="FORMATS", help=FORMAT_HELP)]
StyleOption = Annotated[str, typer.Option("--style", metavar="paper|slides", help=STYLE_HELP)]
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help=QUIET_HELP)]
SetOption = Annotated[list[str] | None, typer.Option("--set", metavar="KEY=VALUE", help=SET_HELP)]
FORCE_HELP = (
    "Replace the output folder even if it holds another kind of output, another "
    "scenario or other --set values (files livermodel did not write are kept)."
)
ForceOption = Annotated[bool, typer.Option("--force", help=FORCE_HELP)]
WINDOW_HELP = (
    "Draw only the first TIME of the run on the figures' time axes, e.g. 24h, 48h, "
    "2d (a bare number is in hours); the simulation and the saved tables still cover "
    "the whole duration."
)
WindowOption = Annotated[str | None, typer.Option("--window", "-w", metavar="TIME", help=WINDOW_HELP)]


# The two options whose help differs from command to command are made by a function returning the
# ``typer.Option`` that goes inside ``Annotated``: ``out: Annotated[str | None, out_param("...")]``.
# A call returning a whole ``Annotated[...]`` type works at run time but is not a type to a type
# checker (an annotation must be a type expression, and a function's result is not one).


def out_param(default: str) -> Any:
    """The ``--out DIR`` option, for ``Annotated[str | None, out_param(default)]``; ``default``
    names the folder used without it."""
    return typer.Option(
        "--out", "-o", metavar="DIR", help=f"Output folder (created if needed). Default: {default}."
    )


def set_param(extra: str = "") -> Any:
    """The ``--set`` option, for ``Annotated[list[str] | None, set_param(extra)]``, with ``extra``
    added to its help (the same option as :data:`SetOption`)."""
    return typer.Option("--set", metavar="KEY=VALUE", help=SET_HELP + extra)


@contextmanager
def user_errors():
    """Turn a user's mistake into a one-paragraph message and exit code 2 (no traceback)."""
    from livermodel.errors import LivermodelError
    from livermodel.output.lock import command_scope

    try:
        with command_scope():  # output folders stay locked until the command ends
            yield
    except LivermodelError as err:
        from livermodel.errors import ExecutionError

        text = f"error: {err}"
        hint = None if err.suggestion else _hint(err)
        if hint:
            text += f". {hint}"
        typer.echo(text, err=True)
        raise typer.Exit(EXIT_FAILED if isinstance(err, ExecutionError) else EXIT_BAD_INPUT) from None
    except OSError as err:  # the disk or the file system, not the input: one line, no traceback
        code, text = _os_error(err)
        typer.echo(text, err=True)
        raise typer.Exit(code) from None


def _os_error(err: OSError) -> tuple[int, str]:
    """Exit code and message for a failed read or write: 1 for a full or failing disk, 2 for a
    path that cannot be written (read-only, permissions)."""
    import errno

    where = f" '{err.filename}'" if getattr(err, "filename", None) else ""
    what = err.strerror or str(err)
    if err.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return EXIT_BAD_INPUT, (
            f"error: cannot write{where}: {what}. Choose a folder you can "
            "write to (--out / -o), or fix its permissions; nothing was "
            "left under a final name half-written"
        )
    return EXIT_FAILED, (
        f"error: could not write{where}: {what}. Free some disk space and run "
        "the command again (a sweep: --resume DIR); no file under its final "
        "name is half-written, and a folder without provenance.json is "
        "incomplete"
    )


def _hint(err) -> str | None:
    """What to do about an error that carries no suggestion of its own."""
    source = str(err.source or "")
    if (err.key or "").startswith("-"):
        return "See --help for the accepted values"
    if "not found" in err.message or "directory" in err.message:
        return "Check the path, or give a library scenario by name ('livermodel scenarios' lists them)"
    if source.startswith("override"):
        return "Fix the --set value ('livermodel params' lists parameter names and units)"
    if source.startswith("--vary"):
        return "Fix the --vary key or SPEC ('livermodel params' lists parameter names and units)"
    if source.lower().split(":")[0].endswith((".csv", ".tsv")):
        return "Fix that line of the data table (columns time_h, variable, value, sd; see docs/analyses.md)"
    if source:
        return "Fix that line, then check the file with 'livermodel validate FILE'"
    return None


class ProgressBar:
    """A progress bar with counts on a terminal (stderr); nothing in a pipe, a log or with --quiet.

    ``with ProgressBar(quiet, "cohort", "runs") as update:`` gives ``update(done, total)`` (or
    ``None`` when nothing is shown), the callback the studies and sweeps take.  ``total`` may be
    ``None`` while it is not known (a fit: the count of model runs so far).  ``stream`` is for
    tests: any object with ``isatty()`` and ``write()``.
    """

    def __init__(self, quiet: bool, label: str, unit: str = "runs", *, stream=None):
        import sys

        self.stream = stream if stream is not None else sys.stderr
        self.active = not quiet and bool(getattr(self.stream, "isatty", lambda: False)())
        self.label, self.unit = label, unit
        self.bar: Progress | None = None

    def __enter__(self):
        if not self.active:
            return None
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        bar = self.bar = Progress(
            TextColumn(self.label),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn(self.unit),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=Console(file=self.stream, force_terminal=True),
            transient=True,
        )
        bar.start()
        task = bar.add_task(self.unit, total=None)

        def update(done: int, total: int | None = None) -> None:
            bar.update(task, completed=done, total=total)

        return update

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.stop()
        return False


def say(quiet: bool, text: str = "") -> None:
    """Print ``text`` unless ``--quiet``."""
    if not quiet:
        typer.echo(text)


def command_line(ctx: typer.Context) -> str:
    """The command as a shell line rebuilt from the parsed options (recorded in provenance).

    Rebuilt rather than read from ``sys.argv`` so that it is right when a command runs
    in-process too; flags that are at their default are left out.
    """
    parts = ["livermodel", ctx.info_name or ""]
    for param in ctx.command.params:
        value = ctx.params.get(param.name)
        if param.name == "help" or value is None:
            continue
        values = list(value) if isinstance(value, (list, tuple)) else [value]
        if param.param_type_name == "argument":
            parts += [str(v) for v in values]
        elif getattr(param, "is_flag", False) or isinstance(value, bool):
            opts = param.opts if value else (param.secondary_opts or [])
            if opts and value != param.default:
                parts.append(max(opts, key=len))
        else:
            for v in values:
                parts += [max(param.opts, key=len), str(v)]
    return shlex.join(parts)
