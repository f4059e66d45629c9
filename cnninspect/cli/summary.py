"""``summary``, ``schema`` and ``list``: one architecture's table, the YAML format's JSON
Schema, the bundled architectures."""

from __future__ import annotations

import enum
import shlex
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from cnninspect.choices import OutputKind
from cnninspect.cli.options import (
    ArgOption,
    BatchOption,
    DebugOption,
    DeviceOption,
    DtypeOption,
    Format,
    InputOption,
    NotationChoice,
    NotationOption,
    OutputFileOption,
    TargetArgument,
    resolve_request,
)
from cnninspect.cli.program import app, errors, examples, stderr, stdout, write
from cnninspect.cli.progress import progress
from cnninspect.errors import TargetError

if TYPE_CHECKING:
    from cnninspect.results.report import Report, SummaryView


@app.command(
    epilog=examples(
        "cnninspect summary lecture-example --notation hwc",
        "cnninspect summary architectures/resnet18.yaml --depth 1 --macs",
        "cnninspect summary torchvision.models:resnet50 --input 3x224x224 --format json",
        "cnninspect summary src/model.py:Net --input 3x32x32 --arg num_classes=10",
        "cnninspect summary vgg16 --rf --explain",
        "cnninspect summary resnet18 --format html -o resnet18.html",
    )
)
def summary(
    target: TargetArgument,
    input_shape: InputOption = None,
    batch: BatchOption = 1,
    device: DeviceOption = "auto",
    dtype: DtypeOption = "float32",
    arg: ArgOption = None,
    notation: NotationOption = NotationChoice.chw,
    output_format: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = (
        Format.table
    ),
    depth: Annotated[
        int | None,
        typer.Option("--depth", "-d", min=0, help="Fold module calls deeper than this."),
    ] = None,
    macs: Annotated[bool, typer.Option("--macs", help="Add a MACs column to the table.")] = False,
    rf: Annotated[
        bool,
        typer.Option(
            "--rf", help="Add the receptive field, jump (effective stride) and start columns."
        ),
    ] = False,
    flops: Annotated[
        bool, typer.Option("--flops", help="Total FLOPs (2 per multiply-add) instead of MACs.")
    ] = False,
    explain: Annotated[
        bool,
        typer.Option(
            "--explain", help="Show the arithmetic behind each layer's parameters and size."
        ),
    ] = False,
    train: Annotated[
        bool,
        typer.Option(
            "--train",
            help="Run the pass in training mode (auxiliary heads); running statistics kept.",
        ),
    ] = False,
    memory: Annotated[
        bool,
        typer.Option(
            "--memory",
            help="Also track one training step (Adam) on fake tensors: its peak memory.",
        ),
    ] = False,
    output_file: OutputFileOption = None,
    debug: DebugOption = False,
) -> None:
    """Per layer: activation shape, activation size and parameters; totals, MACs and memory."""
    from cnninspect.api.summary import summarize

    with errors(debug):
        resolved, feed = resolve_request(target, input_shape, arg)
        refuse_unshown(output_format, explain=explain, flops=flops, memory=memory)
    with errors(debug), progress(f"summarising {target}"):
        report = summarize(
            resolved,
            feed,
            batch=batch,
            device=device,
            dtype=dtype,
            memory=memory,
            mode="train" if train else "eval",
        )
    _warn_findings(report, target, input_shape)
    view = report.view(
        notation=notation.value, depth=depth, macs=macs, rf=rf, flops=flops, explain=explain
    )
    _render_summary(view, output_format, output_file)


# What a format cannot show, refused by name rather than dropped: CSV is one row per call.
_UNSHOWN = {
    Format.csv: (
        ("--explain", "the arithmetic is text; use table, markdown, json or html"),
        ("--flops", "its columns count MACs (FLOPs are 2 per MAC)"),
        ("--memory", "the tracked step is not a row; use table, markdown, json or html"),
    ),
}


def refuse_unshown(output_format: Format, *, explain: bool, flops: bool, memory: bool) -> None:
    given = {"--explain": explain, "--flops": flops, "--memory": memory}
    for option, why in _UNSHOWN.get(output_format, ()):
        if given[option]:
            raise TargetError(f"{option} is not shown by --format {output_format.value}: {why}")


def _warn_findings(report: Report, target: str, inputs: list[str] | None) -> None:
    """Each finding of the pass on stderr (stdout stays the data), and where they are
    explained."""
    for finding in report.findings:
        where = f"{finding.position}: " if finding.position else ""
        stderr.print(
            f"[yellow]{finding.severity}:[/] {escape(f'{where}{finding.code}: {finding.message}')}",
            highlight=False,
            soft_wrap=True,
        )
    if report.findings:
        given = "".join(f" -i {shlex.quote(i)}" for i in inputs or [])
        stderr.print(
            f"[yellow]{len(report.findings)} finding(s) in this pass; "
            f"`cnninspect validate {escape(shlex.quote(target) + given)}` explains them[/]",
            highlight=False,
            soft_wrap=True,  # a command is never cut in two: the terminal wraps it if it must
        )


def _render_summary(view: SummaryView, output_format: Format, output_file: str | None) -> None:
    """The view in ``output_format``: every display option honoured (or refused above)."""
    if output_format is Format.table:
        from cnninspect.render.summary.table import view_table

        if output_file is None:
            stdout.print(view_table(view))
        else:
            from cnninspect.render.registry import plain_text

            write(plain_text(view_table(view)), output_file)
        return
    if output_format is Format.html:
        from cnninspect.render.summary.page import summary_page

        write(summary_page(view), output_file)
        return
    renderers: dict[Format, Callable[[SummaryView], str]] = {}
    if output_format is Format.json:
        from cnninspect.render.summary.json_output import summary_json

        renderers[Format.json] = lambda v: summary_json(
            v.report, notation=v.notation, depth=v.depth
        )
    else:
        from cnninspect.render.summary.csv_output import summary_csv
        from cnninspect.render.summary.markdown import summary_markdown

        renderers[Format.markdown] = summary_markdown
        renderers[Format.csv] = lambda v: summary_csv(v.report, notation=v.notation, depth=v.depth)
    text = renderers[output_format](view)
    if output_file is not None:
        write(text, output_file)
        return
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


@app.command(
    epilog=examples(
        "cnninspect schema > schema/cnninspect.schema.json", "cnninspect schema --output summary"
    )
)
def schema(
    output: Annotated[
        OutputKind | None,
        typer.Option(
            "--output",
            help="Instead: the JSON Schema of this command's --format json output.",
            show_default=False,
        ),
    ] = None,
    debug: DebugOption = False,
) -> None:
    """Print the JSON Schema of the YAML format, generated from the layer registry (or, with
    --output, of a command's JSON output, generated from the renderers' types)."""
    import json

    with errors(debug):
        if output is not None:
            from cnninspect.render.schemas import output_schema

            document = output_schema(output)
        else:
            from cnninspect.construct.schema import json_schema

            document = json_schema()
    sys.stdout.write(json.dumps(document, indent=2) + "\n")


class ListFormat(str, enum.Enum):
    table = "table"
    json = "json"


@app.command("list", epilog=examples("cnninspect list", "cnninspect list --format json"))
def list_architectures(
    output_format: Annotated[ListFormat, typer.Option("--format", "-f", help="Output format.")] = (
        ListFormat.table
    ),
    debug: DebugOption = False,
) -> None:
    """The bundled architectures with their input, parameters and MACs (computed, not stored)."""
    from cnninspect.api.listing import zoo
    from cnninspect.render.listing import ZooTable, zoo_json

    with errors(debug), progress("summarising") as advance:
        entries = zoo(on_architecture=advance)
    if output_format is ListFormat.json:
        sys.stdout.write(zoo_json(entries) + "\n")
        return
    stdout.print(ZooTable(entries))
    if any(e.findings for e in entries):
        stdout.print(
            "(!) a deliberate transcription whose declarations the forward pass contradicts"
        )
