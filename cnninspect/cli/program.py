"""The program: the Typer app, the two consoles (data to stdout, talk to stderr) and the one
contract every command keeps — a user error is one located message and its exit code, a bug in
cnninspect one line and exit 4 (the traceback behind --debug)."""

from __future__ import annotations

import errno
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from cnninspect._version import __version__
from cnninspect.errors import CnninspectError, ExitCode

EXIT_CODES_HELP = (
    "Exit codes: 0 success; 1 findings (validate) or differences (diff --exit-code); "
    "2 usage error, unreadable or inconsistent input, or a failed forward pass; "
    "3 the requested device is not available; 4 an internal error (a bug in cnninspect)."
)

app = typer.Typer(
    name="cnninspect",
    help="Inspect convolutional neural networks: shapes, parameters, MACs and memory from one "
    "real forward pass.",
    epilog=EXIT_CODES_HELP,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

stdout = Console()
stderr = Console(stderr=True)


def _version(value: bool) -> None:
    if value:
        stdout.print(f"cnninspect {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """Inspect convolutional neural networks."""


@contextmanager
def errors(debug: bool = False) -> Iterator[None]:
    """Every user error becomes one located message on stderr and its exit code; a bug in
    cnninspect itself becomes one line too (exit 4), with the traceback behind --debug."""
    try:
        yield
    except CnninspectError as exc:
        if debug:
            raise
        error(str(exc))
        raise typer.Exit(int(exc.exit_code)) from None
    except (typer.Exit, KeyboardInterrupt):
        raise
    except Exception as exc:
        if debug:
            raise
        error(
            f"internal error: {type(exc).__name__}: {exc}\n  this is a bug in cnninspect; "
            "rerun with --debug for the traceback and report it"
        )
        raise typer.Exit(int(ExitCode.INTERNAL)) from None


def error(message: str) -> None:
    stderr.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)


def write(text: str, output_file: str | None) -> None:
    text = text if not text or text.endswith("\n") else text + "\n"
    if output_file is None:
        sys.stdout.write(text)
        return
    try:
        Path(output_file).write_text(text, encoding="utf-8")
    except OSError as exc:
        error(f"cannot write {output_file}: {exc}")
        raise typer.Exit(int(ExitCode.USAGE)) from None


def main() -> NoReturn:
    """Console-script entry point. Output that cannot be written (a full disk, a closed pipe)
    ends the run with exit 2, never with a traceback."""
    code: int | str | None
    try:
        app()
        code = int(ExitCode.OK)
    except SystemExit as exc:
        code = exc.code
    except OSError as exc:  # raised by a write to stdout
        code = _output_failed(exc)
    try:
        sys.stdout.flush()
    except OSError as exc:
        code = _output_failed(exc)
    raise SystemExit(code)


def _output_failed(exc: OSError) -> int:
    # stdout is broken: point it at /dev/null so that the interpreter's own flush at exit
    # does not fail again
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    if exc.errno != errno.EPIPE:  # a reader that closed the pipe (`| head`) needs no message
        error(f"cannot write the output: {exc.strerror or exc}")
    return int(ExitCode.USAGE)
