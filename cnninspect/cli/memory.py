"""``memory``: the peak of one training (or inference) step, and the largest batch that fits."""

from __future__ import annotations

import enum
import sys
from dataclasses import dataclass, fields
from typing import Annotated, Any

import typer

from cnninspect.cli.options import (
    ArgOption,
    BatchOption,
    DebugOption,
    Dtype,
    DtypeOption,
    InputOption,
    parse_arg,
    parse_input_option,
)
from cnninspect.cli.program import app, errors, stdout


@dataclass(frozen=True)
class StepChoice:
    """The options that say which step is tracked, as the API's keywords."""

    dtype: str
    optimizer: str
    amp: str | None
    checkpoint: tuple[str, ...]
    freeze: tuple[str, ...]
    inference: bool

    def keywords(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


class Optimizer(str, enum.Enum):
    sgd = "sgd"
    momentum = "momentum"
    adam = "adam"
    adamw = "adamw"


class Autocast(str, enum.Enum):
    bfloat16 = "bfloat16"
    float16 = "float16"


class MemoryFormat(str, enum.Enum):
    table = "table"
    json = "json"
    markdown = "markdown"


@app.command(
    epilog="Examples: cnninspect memory resnet50 --batch 32 --optimizer adam · "
    "cnninspect memory torchvision.models:vit_b_16 --input 3x224x224 --amp bfloat16 --fit 80GiB"
)
def memory(
    target: Annotated[str, typer.Argument(help="Any summary TARGET.")],
    input_shape: InputOption = None,
    batch: BatchOption = 1,
    dtype: DtypeOption = Dtype.float32,
    optimizer: Annotated[
        Optimizer, typer.Option("--optimizer", help="The optimizer whose state is kept.")
    ] = Optimizer.adam,
    amp: Annotated[
        Autocast | None,
        typer.Option("--amp", help="Autocast the forward pass (fp32 master weights)."),
    ] = None,
    checkpoint: Annotated[
        list[str] | None,
        typer.Option("--checkpoint", help="Recompute this module's activations (repeatable)."),
    ] = None,
    freeze: Annotated[
        list[str] | None,
        typer.Option("--freeze", help="No gradient, no optimizer state here (repeatable)."),
    ] = None,
    inference: Annotated[
        bool, typer.Option("--inference", help="A forward pass under no_grad instead.")
    ] = False,
    fit: Annotated[
        str | None,
        typer.Option("--fit", help="The largest batch within this budget: 24GiB, 80GB, A100-80GB."),
    ] = None,
    explain: Annotated[
        bool, typer.Option("--explain", help="Show the arithmetic behind the model states.")
    ] = False,
    arg: ArgOption = None,
    output_format: Annotated[
        MemoryFormat, typer.Option("--format", "-f", help="Output format.")
    ] = MemoryFormat.table,
    debug: DebugOption = False,
) -> None:
    """Peak memory of one training step (forward, backward, optimizer step), tracked on fake
    tensors: by category, by module, and when it happens; or the batch that fits a budget."""
    from cnninspect.api import memory as use_case
    from cnninspect.report import memory as render

    args = dict(parse_arg(a) for a in arg or [])
    with errors(debug):
        shapes, _ = parse_input_option(input_shape, command="memory")
    step = StepChoice(
        dtype.value,
        optimizer.value,
        amp.value if amp else None,
        tuple(checkpoint or ()),
        tuple(freeze or ()),
        inference,
    )
    with errors(debug):
        if fit is not None:
            result = use_case.fit(target, fit, input_shapes=shapes, args=args, **step.keywords())
        else:
            keywords = step.keywords()
            report = use_case.memory(
                target, input_shapes=shapes, batch=batch, args=args, **keywords
            )
    if fit is not None:
        if output_format is MemoryFormat.json:
            sys.stdout.write(render.fit_json(result) + "\n")
        else:
            stdout.print(render.fit_table(result))
        return
    if output_format is MemoryFormat.json:
        sys.stdout.write(render.memory_json(report) + "\n")
    elif output_format is MemoryFormat.markdown:
        sys.stdout.write(render.memory_markdown(report))
    else:
        stdout.print(render.memory_table(report))
        if explain:
            stdout.print(render.explanation(report))
