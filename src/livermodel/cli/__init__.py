"""The command line: the Typer app (:mod:`.app`: run, compare, validate, params, scenarios, init,
plot), one module per command group (:mod:`.sweep`, :mod:`.studies`, :mod:`.teach`,
:mod:`.export`), shared options and the error handler (:mod:`.common`), and what the basic
commands do as plain Python calls (:mod:`.actions`).  Library imports happen inside commands, so
``livermodel --help`` stays fast."""

from livermodel.cli.app import app, main

__all__ = ["app", "main"]
