"""``export``: a description as PyTorch code."""

from __future__ import annotations

import enum
from typing import Annotated

import typer

from cnninspect.cli.options import (
    ArgOption,
    DebugOption,
    InputOption,
    OutputFileOption,
    TargetArgument,
    resolve_request,
)
from cnninspect.cli.program import app, errors, examples, write


class ExportFormat(str, enum.Enum):
    pytorch = "pytorch"
    yaml = "yaml"


@app.command(
    epilog=examples(
        "cnninspect export lecture-example --to pytorch -o lecture.py",
        "cnninspect export my_net.yaml --to pytorch -o my_net.py && "
        "cnninspect diff my_net.yaml my_net.py:MyNet --exit-code",
        "cnninspect export torchvision.models:resnet50 --to yaml --input 3x224x224 "
        "-o resnet50.yaml",
    )
)
def export(
    target: TargetArgument,
    to: Annotated[
        ExportFormat,
        typer.Option(
            "--to",
            help="pytorch: a description as one Python file that imports only torch. yaml: a "
            "module as a description.",
        ),
    ],
    input_shape: InputOption = None,
    arg: ArgOption = None,
    output_file: OutputFileOption = None,
    debug: DebugOption = False,
) -> None:
    """Between the two languages. --to pytorch: a description as PyTorch code, a class per
    block and one for the model, its modules named as the description names its layers (the
    state-dict keys of the module cnninspect builds). --to yaml: a module (with --input) as a
    description whose build has the module's shapes, parameters and MACs: modules of one
    structure one block, repeats folded; an operation the format cannot express stops it
    (exit 2), naming the operation and the line that calls it."""
    from cnninspect.api.export import export_pytorch, export_yaml

    with errors(debug):
        if to is ExportFormat.pytorch:
            text = export_pytorch(target)
        else:
            resolved, feed = resolve_request(target, input_shape, arg)
            text = export_yaml(resolved, feed)
    write(text, output_file)
