"""``diff``: two architectures side by side, layer by layer."""

from __future__ import annotations

import enum
import sys
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from cnninspect.choices import ExitCode
from cnninspect.cli.options import (
    ArgOption,
    BatchOption,
    DebugOption,
    DeviceOption,
    DtypeOption,
    InputOption,
    complete_target,
    resolve_request,
)
from cnninspect.cli.program import app, errors, examples, stderr, stdout
from cnninspect.cli.progress import progress

if TYPE_CHECKING:
    from cnninspect.api.request import Feed, Target


class DiffFormat(str, enum.Enum):
    table = "table"
    json = "json"
    markdown = "markdown"


def _side(
    target: str,
    own: list[str] | None,
    both: list[str] | None,
    own_args: list[str] | None,
    both_args: list[str] | None,
) -> tuple[Target, Feed]:
    """One side's target and input, resolved once: its own --input-X/--arg-X over the
    shared --input/--arg."""
    return resolve_request(target, own or both, [*(both_args or []), *(own_args or [])] or None)


@app.command(
    epilog=examples(
        "cnninspect diff alexnet-paper alexnet",
        "cnninspect diff architectures/resnet18.yaml torchvision.models:resnet18 --exit-code",
        "cnninspect diff torchvision.models:vgg11 torchvision.models:vgg16 --input 3x224x224",
    )
)
def diff(
    a: Annotated[
        str,
        typer.Argument(
            help="The old architecture (A): any summary TARGET.",
            metavar="A",
            autocompletion=complete_target,
        ),
    ],
    b: Annotated[
        str,
        typer.Argument(
            help="The new architecture (B): any summary TARGET.",
            metavar="B",
            autocompletion=complete_target,
        ),
    ],
    input_shape: InputOption = None,  # both sides
    input_a: Annotated[
        list[str] | None,
        typer.Option("--input-a", metavar="INPUT", help="Input for A (overrides --input)."),
    ] = None,
    input_b: Annotated[
        list[str] | None,
        typer.Option("--input-b", metavar="INPUT", help="Input for B (overrides --input)."),
    ] = None,
    arg: ArgOption = None,  # both constructors
    arg_a: Annotated[
        list[str] | None,
        typer.Option("--arg-a", metavar="KEY=VALUE", help="key=value for A's constructor."),
    ] = None,
    arg_b: Annotated[
        list[str] | None,
        typer.Option("--arg-b", metavar="KEY=VALUE", help="key=value for B's constructor."),
    ] = None,
    batch: BatchOption = 1,
    device: DeviceOption = "auto",
    dtype: DtypeOption = "float32",
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

    with errors(debug):
        target_a, feed_a = _side(a, input_a, input_shape, arg_a, arg)
        target_b, feed_b = _side(b, input_b, input_shape, arg_b, arg)
    with errors(debug), progress(f"comparing {a} and {b}"):
        result = compare(
            target_a, target_b, feed_a, feed_b, batch=batch, device=device, dtype=dtype
        )
    for label, report in (("A", result.a), ("B", result.b)):
        if report.findings:
            stderr.print(
                f"[yellow]warning:[/] {label} ({escape(report.target)}): {len(report.findings)} "
                f"finding(s) in its pass; "
                f"`cnninspect validate {escape(report.target)}` explains them",
                highlight=False,
                soft_wrap=True,
            )
    if output_format is DiffFormat.json:
        from cnninspect.render.diff.json_output import diff_json

        sys.stdout.write(diff_json(result) + "\n")
    elif output_format is DiffFormat.markdown:
        from cnninspect.render.diff.markdown import diff_markdown

        sys.stdout.write(diff_markdown(result, show_all=show_all))
    else:
        from cnninspect.render.diff.table import diff_table

        stdout.print(diff_table(result, show_all=show_all))
    if exit_code and result.differs:
        raise typer.Exit(int(ExitCode.FINDINGS))
