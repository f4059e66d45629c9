"""The command line: parse options, call the API, render, exit. Nothing else lives here.

``program`` holds the Typer app and the error contract; one module per group of commands
registers its commands on it. Heavy imports (torch, the builders) happen inside the commands,
so ``cnninspect --help`` is instant.
"""

from cnninspect.cli import diff, draw, export, memory, summary, validate  # noqa: F401  (each registers its commands)
from cnninspect.cli.program import app, main

__all__ = ["app", "main"]
