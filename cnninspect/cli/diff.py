"""``diff``: two architectures side by side, layer by layer."""

from __future__ import annotations

import enum
import sys
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from cnninspect.cli.options import (
    BatchOption,
    DebugOption,
    Device,
    DeviceOption,
    Dtype,
    DtypeOption,
    parse_arg,
    parse_input_option,
)
from cnninspect.cli.program import app, errors, examples, stderr, stdout
from cnninspect.cli.progress import progress
from cnninspect.errors import ExitCode
from cnninspect.shapes import Shape

if TYPE_CHECKING:
    from cnninspect.inputs import Inputs


class DiffFormat(str, enum.Enum):
    table = "table"
    json = "json"
    markdown = "markdown"


def _side_inputs(
    own: list[str] | None, both: list[str] | None
) -> tuple[list[Shape] | None, Inputs | None]:
    return parse_input_option(own or both)


def _side_args(own: list[str] | None, both: list[str] | None) -> dict[str, object]:
    return dict(parse_arg(a) for a in [*(both or []), *(own or [])])


@app.command(
    epilog=examples(
        "cnninspect diff alexnet-paper alexnet",
        "cnninspect diff architectures/resnet18.yaml torchvision.models:resnet18 --exit-code",
        "cnninspect diff torchvision.models:vgg11 torchvision.models:vgg16 --input 3x224x224",
    )
)
def diff(
    a: Annotated[
        str, typer.Argument(help="The old architecture (A): any summary TARGET.", metavar="A")
    ],
    b: Annotated[
        str, typer.Argument(help="The new architecture (B): any summary TARGET.", metavar="B")
    ],
    input_shape: Annotated[
        list[str] | None,
        typer.Option(
            "--input",
            "-i",
            metavar="INPUT",
            help="Input for both sides, e.g. 3x224x224 (repeatable; summary's input language).",
        ),
    ] = None,
    input_a: Annotated[
        list[str] | None,
        typer.Option("--input-a", metavar="INPUT", help="Input for A (overrides --input)."),
    ] = None,
    input_b: Annotated[
        list[str] | None,
        typer.Option("--input-b", metavar="INPUT", help="Input for B (overrides --input)."),
    ] = None,
    arg: Annotated[
        list[str] | None,
        typer.Option("--arg", metavar="KEY=VALUE", help="key=value for both constructors."),
    ] = None,
    arg_a: Annotated[
        list[str] | None,
        typer.Option("--arg-a", metavar="KEY=VALUE", help="key=value for A's constructor."),
    ] = None,
    arg_b: Annotated[
        list[str] | None,
        typer.Option("--arg-b", metavar="KEY=VALUE", help="key=value for B's constructor."),
    ] = None,
    batch: BatchOption = 1,
    device: DeviceOption = Device.auto,
    dtype: DtypeOption = Dtype.float32,
    output_format: Annotated[
        DiffFormat, typer.Option("--format", "-f", help="Output format.")
    ] = DiffFormat.table,
    show_all: Annotated[
        bool, typer.Option("--all", help="Show unchanged layers instead of collapsing them.")
    ] = False,
    exit_code: Annotated[
        bool,
        typer.Option("--exit-code", help="Exit 1 when the architectures differ, like git diff."),
    ] = False,
    debug: DebugOption = False,
) -> None:
    """Two architectures layer by layer: added, removed and changed layers, totals and deltas."""
    from cnninspect.api.diff import compare
    from cnninspect.report.diff import render_diff

    with errors(debug):
        shapes_a, inputs_a = _side_inputs(input_a, input_shape)
        shapes_b, inputs_b = _side_inputs(input_b, input_shape)
    with errors(debug), progress(f"comparing {a} and {b}"):
        result = compare(
            a,
            b,
            input_shapes_a=shapes_a,
            input_shapes_b=shapes_b,
            inputs_a=inputs_a,
            inputs_b=inputs_b,
            args_a=_side_args(arg_a, arg),
            args_b=_side_args(arg_b, arg),
            batch=batch,
            device=device.value,
            dtype=dtype.value,
        )
    for label, report in (("A", result.a), ("B", result.b)):
        if report.findings:
            stderr.print(
                f"[yellow]warning:[/] {label} ({escape(report.target)}): {len(report.findings)} "
                f"declaration(s) disagree with the forward pass; "
                f"`cnninspect validate {escape(report.target)}` explains them",
                highlight=False,
                soft_wrap=True,
            )
    output = render_diff(result, output_format.value, show_all=show_all)
    if isinstance(output, str):
        sys.stdout.write(output)
    else:
        stdout.print(output)
    if exit_code and result.differs:
        raise typer.Exit(int(ExitCode.FINDINGS))
