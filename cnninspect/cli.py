"""The command line: parse options, call the API, render, exit. Nothing else lives here.

Heavy imports (torch, the builders) happen inside the commands, so ``cnninspect --help`` is
instant.
"""

from __future__ import annotations

import enum
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, NoReturn

import typer
from rich.console import Console

from cnninspect import __version__
from cnninspect.errors import CnninspectError, ExitCode

EXIT_CODES_HELP = (
    "Exit codes: 0 success; 1 findings (validate) or differences (diff --exit-code); "
    "2 usage error, unreadable or inconsistent input, or a failed forward pass; "
    "3 the requested device is not available."
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


class Format(str, enum.Enum):
    table = "table"
    json = "json"
    markdown = "markdown"
    csv = "csv"


class NotationChoice(str, enum.Enum):
    chw = "chw"
    hwc = "hwc"


class Device(str, enum.Enum):
    cpu = "cpu"
    cuda = "cuda"
    mps = "mps"
    meta = "meta"


class Dtype(str, enum.Enum):
    float32 = "float32"
    float16 = "float16"
    bfloat16 = "bfloat16"
    float64 = "float64"


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


def parse_shape(text: str) -> tuple[int, ...]:
    """'3x224x224' (or '3,224,224') → (3, 224, 224)."""
    parts = text.lower().replace(",", "x").replace("×", "x").split("x")
    try:
        dims = tuple(int(p) for p in parts)
    except ValueError:
        raise typer.BadParameter(f"'{text}' is not a shape like 3x224x224") from None
    if not dims or any(d <= 0 for d in dims):
        raise typer.BadParameter(f"'{text}': every dimension must be a positive integer")
    return dims


def parse_arg(text: str) -> tuple[str, object]:
    """'num_classes=10' → ('num_classes', 10); values are Python literals, else strings."""
    import ast

    key, sep, raw = text.partition("=")
    if not sep or not key.isidentifier():
        raise typer.BadParameter(f"'{text}' is not key=value")
    try:
        value: object = ast.literal_eval(raw)
    except (ValueError, SyntaxError):
        value = raw
    return key, value


@contextmanager
def _errors(debug: bool = False) -> Iterator[None]:
    """Every user error becomes one located message on stderr and its exit code."""
    try:
        yield
    except CnninspectError as exc:
        if debug:
            raise
        stderr.print(f"[bold red]error:[/] {exc}", highlight=False, markup=True, soft_wrap=True)
        raise typer.Exit(int(exc.exit_code)) from None


InputOption = Annotated[
    list[str] | None,
    typer.Option("--input", "-i", help="Input shape without batch, e.g. 3x224x224 (repeatable)."),
]
BatchOption = Annotated[int, typer.Option("--batch", "-b", min=1, help="Batch size.")]
DeviceOption = Annotated[
    Device, typer.Option("--device", help="Where the forward pass runs; meta: shapes only.")
]
DtypeOption = Annotated[Dtype, typer.Option("--dtype", help="Parameter and activation dtype.")]
ArgOption = Annotated[
    list[str] | None,
    typer.Option("--arg", help="key=value passed to a module's constructor (repeatable)."),
]
DebugOption = Annotated[bool, typer.Option("--debug", help="Show tracebacks of errors.")]


@app.command()
def summary(
    target: Annotated[
        str,
        typer.Argument(
            help="A YAML file, a bundled architecture name (see `cnninspect list`), "
            "pkg.module:attr or path/to/file.py:attr."
        ),
    ],
    input_shape: InputOption = None,
    batch: BatchOption = 1,
    device: DeviceOption = Device.cpu,
    dtype: DtypeOption = Dtype.float32,
    arg: ArgOption = None,
    notation: Annotated[
        NotationChoice,
        typer.Option("--notation", help="Shapes as (C, H, W) or, like the lecture, (H, W, C)."),
    ] = NotationChoice.chw,
    output_format: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = (
        Format.table
    ),
    depth: Annotated[
        int | None,
        typer.Option("--depth", "-d", min=0, help="Fold module calls deeper than this."),
    ] = None,
    macs: Annotated[bool, typer.Option("--macs", help="Add a MACs column to the table.")] = False,
    debug: DebugOption = False,
) -> None:
    """Per layer: activation shape, activation size and parameters; totals, MACs and memory."""
    from cnninspect.summarize import summarize

    shapes = [parse_shape(s) for s in input_shape or []]
    args = dict(parse_arg(a) for a in arg or [])
    with _errors(debug):
        report = summarize(
            target,
            input_shapes=shapes or None,
            batch=batch,
            device=device.value,
            dtype=dtype.value,
            args=args,
        )
    for finding in report.findings:
        where = f"{finding.position}: " if finding.position else ""
        stderr.print(
            f"[yellow]warning:[/] {where}{finding.code}: {finding.message}",
            highlight=False,
            soft_wrap=True,
        )
    if report.findings:
        stderr.print(
            f"[yellow]{len(report.findings)} declaration(s) disagree with the forward pass; "
            f"`cnninspect validate {target}` explains them[/]",
            highlight=False,
        )
    _render_summary(report, output_format, notation.value, depth, macs)


def _render_summary(report, output_format: Format, notation, depth, macs) -> None:  # type: ignore[no-untyped-def]
    if output_format is Format.table:
        from cnninspect.report.table import summary_table

        stdout.print(summary_table(report, notation=notation, depth=depth, macs=macs))
        return
    renderers: dict[Format, Callable[..., str]] = {}
    if output_format is Format.json:
        from cnninspect.report.json import summary_json

        renderers[Format.json] = summary_json
    else:
        from cnninspect.report.markdown import summary_csv, summary_markdown

        renderers[Format.markdown] = summary_markdown
        renderers[Format.csv] = summary_csv
    text = renderers[output_format](report, notation=notation, depth=depth)
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


@app.command()
def schema() -> None:
    """Print the JSON Schema of the YAML format, generated from the layer registry."""
    import json

    from cnninspect.schema import json_schema

    sys.stdout.write(json.dumps(json_schema(), indent=2) + "\n")


def main() -> NoReturn:
    """Console-script entry point."""
    try:
        app()
    except SystemExit as exc:
        raise SystemExit(exc.code) from None
    sys.exit(int(ExitCode.OK))
