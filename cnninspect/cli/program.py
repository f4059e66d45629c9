"""The program: the Typer app, the two consoles (data to stdout, talk to stderr) and the one
contract every command keeps — a user error is one located message and its exit code, a bug in
cnninspect one line and exit 4 (the traceback behind --debug)."""

from __future__ import annotations

import errno
import inspect
import os
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console, ConsoleDimensions
from rich.markup import escape
from typer.core import TyperGroup

from cnninspect._version import __version__
from cnninspect.choices import ExitCode, exit_codes_text
from cnninspect.errors import MISTAKES_SHOWN, CnninspectError, SpecMistakesError

EXIT_CODES_HELP = exit_codes_text()


def examples(*commands: str) -> str:
    """A command's help epilog: "Examples:" and one command a line."""
    return "Examples:\n" + "\n".join(f"$ {command}" for command in commands)


class _Group(TyperGroup):
    """Help that reads like the README, for every command: texts printed as written (a
    bracket in a help text is text, not Rich markup), flags without a ``<bool>``, repeatable
    options and arguments named by a word (``TARGETS``) rather than by a Python type. (Typer's
    click objects differ between versions: attributes are read, not types checked.)"""

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            _tidy_help(command, ctx)
        return command

    def get_params(self, ctx: Any) -> Any:
        _tidy_help(self, ctx)
        return super().get_params(ctx)


def _tidy_help(command: Any, ctx: Any) -> None:
    if getattr(command, "_help_tidied", False):
        return
    command._help_tidied = True  # once: escaping twice would show the backslashes
    command.help = escape(command.help) if command.help else command.help
    if command.help and not getattr(command, "short_help", None):
        # the commands list shows the first paragraph: one line of text, wrapped to the
        # terminal by Rich, not broken where the docstring's lines end ("marked in / red")
        command.short_help = " ".join(inspect.cleandoc(command.help).split("\n\n")[0].split())
    command.epilog = escape(command.epilog) if command.epilog else command.epilog
    for param in [*command.params, command.get_help_option(ctx)]:
        if param is None:
            continue
        if getattr(param, "is_flag", False):
            param.metavar = ""
        elif param.metavar is None and (
            getattr(param, "multiple", False) or param.param_type_name == "argument"
        ):
            param.metavar = (param.name or "").upper()
        if getattr(param, "help", None):
            param.help = escape(param.help)


app = typer.Typer(
    name="cnninspect",
    help="Inspect convolutional neural networks: shapes, parameters, MACs and memory from one "
    "real forward pass.",
    epilog=examples("cnninspect summary lecture-example", "cnninspect validate architectures/")
    + "\n\n"
    + EXIT_CODES_HELP,
    no_args_is_help=True,
    cls=_Group,
    pretty_exceptions_enable=False,
)

# Without a terminal (a pipe, a file, a CI log) and without COLUMNS, stdout is this wide: a
# table takes the width it needs, since wrapping helps no reader there and a cut number misleads.
UNBOUNDED_WIDTH = 10_000


class _Console(Console):
    """A console whose width follows COLUMNS as it is when it prints (Rich reads it once, when
    the console is made: a second command in one process — a test, a notebook — would keep
    the first one's width). ``data`` (stdout): without a terminal and without COLUMNS, as wide
    as the output needs (tables render at their natural width, nothing wraps or is cut)."""

    def __init__(self, *, data: bool = False, stderr: bool = False) -> None:
        super().__init__(stderr=stderr)
        self._width = None  # not COLUMNS as it was at import: read when printing
        self.data = data

    @property
    def size(self) -> ConsoleDimensions:
        dimensions = super().size
        columns = os.environ.get("COLUMNS", "")
        if columns.isdigit() and int(columns) > 0:
            return ConsoleDimensions(int(columns), dimensions.height)
        if self.is_terminal or not self.data:
            return dimensions
        return ConsoleDimensions(UNBOUNDED_WIDTH, dimensions.height)

    @size.setter
    def size(self, new_size: tuple[int, int]) -> None:
        self._width, self._height = new_size


stdout = _Console(data=True)
stderr = _Console(stderr=True)


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


TORCH_MISSING = (
    "PyTorch is not installed here: cnninspect runs one forward pass with it\n"
    "  hint: pip install torch  (CPU only, a smaller download: "
    "pip install torch --index-url https://download.pytorch.org/whl/cpu)"
)


@contextmanager
def errors(debug: bool = False) -> Iterator[None]:
    """Every user error becomes one located message on stderr and its exit code; a bug in
    cnninspect itself becomes one line too (exit 4), with the traceback behind --debug."""
    try:
        yield
    except CnninspectError as exc:
        if debug:
            raise
        if isinstance(exc, SpecMistakesError):  # every mistake of a file, each on its own
            for mistake in exc.mistakes:
                error(str(mistake))
            if exc.more:
                error(f"… and {exc.more} more mistakes (the first {MISTAKES_SHOWN} are shown)")
        else:
            error(str(exc))
        raise typer.Exit(int(exc.exit_code)) from None
    except (typer.Exit, KeyboardInterrupt):
        raise
    except typer.BadParameter as exc:  # an option's value, found while the command runs
        if debug:
            raise
        error(exc.format_message())
        raise typer.Exit(int(ExitCode.USAGE)) from None
    except Exception as exc:
        if debug:
            raise
        if isinstance(exc, ModuleNotFoundError) and exc.name == "torch":  # not installed at all
            error(TORCH_MISSING)
            raise typer.Exit(int(ExitCode.USAGE)) from None
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
    # torch warns on import, at every command, when numpy is absent; cnninspect needs no numpy
    warnings.filterwarnings("ignore", message="Failed to initialize NumPy")
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
