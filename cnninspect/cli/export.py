"""``export``: a description as PyTorch code."""

from __future__ import annotations

import enum
from typing import Annotated

import typer

from cnninspect.cli.options import DebugOption, OutputFileOption, TargetArgument
from cnninspect.cli.program import app, errors, examples, write


class ExportFormat(str, enum.Enum):
    pytorch = "pytorch"


@app.command(
    epilog=examples(
        "cnninspect export lecture-example --to pytorch -o lecture.py",
        "cnninspect export my_net.yaml --to pytorch -o my_net.py && "
        "cnninspect diff my_net.yaml my_net.py:MyNet --exit-code",
    )
)
def export(
    target: TargetArgument,
    to: Annotated[
        ExportFormat,
        typer.Option("--to", help="pytorch: one Python file that imports only torch."),
    ],
    output_file: OutputFileOption = None,
    debug: DebugOption = False,
) -> None:
    """A description as PyTorch code: a class per block and one for the model, its modules
    named as the description names its layers (the state-dict keys of the module cnninspect
    builds); what the description infers, torch's lazy modules infer."""
    from cnninspect.api.export import export_pytorch

    with errors(debug):
        code = export_pytorch(target)
    write(code, output_file)
