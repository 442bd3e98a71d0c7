"""The ``livermodel`` command line: a thin Typer layer over the library.

Each command parses its arguments, calls one library function and prints.  Library modules
(and matplotlib) are imported inside the commands so that ``livermodel --help`` starts fast.
A :class:`livermodel.errors.LivermodelError` becomes a one-paragraph message and exit code 2.
"""

from __future__ import annotations

import sys

import typer

app = typer.Typer(
    name="livermodel",
    help="Simulate liver damage and regeneration, with and without MSC or EV therapy "
    "(a conceptual model; see docs/model.md).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version_callback(value: bool) -> None:
    if value:
        from . import __version__

        typer.echo(f"livermodel {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version_callback, is_eager=True,
                                 help="Print the version and exit."),
) -> None:
    """Simulate liver damage and regeneration, with and without MSC or EV therapy."""


def main() -> None:
    """Entry point of the console script."""
    from .errors import LivermodelError

    try:
        app()
    except LivermodelError as err:  # a user's mistake: message, no traceback
        typer.echo(f"error: {err}", err=True)
        sys.exit(2)
