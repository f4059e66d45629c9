"""Choices, parsers and options shared by the commands."""

from __future__ import annotations

import ast
import enum
from typing import TYPE_CHECKING, Annotated

import typer

from cnninspect.shapes import Shape

if TYPE_CHECKING:
    from cnninspect.inputs import Inputs


class Format(str, enum.Enum):
    table = "table"
    json = "json"
    markdown = "markdown"
    csv = "csv"
    html = "html"  # one self-contained page: the table, findings and drawings


class NotationChoice(str, enum.Enum):
    chw = "chw"
    hwc = "hwc"


class Device(str, enum.Enum):
    auto = "auto"  # meta when it can run the model, else cpu
    cpu = "cpu"
    cuda = "cuda"
    mps = "mps"
    meta = "meta"


class Dtype(str, enum.Enum):
    float32 = "float32"
    float16 = "float16"
    bfloat16 = "bfloat16"
    float64 = "float64"


def parse_shape(text: str) -> Shape:
    """'3x224x224' (or '3,224,224') → (3, 224, 224)."""
    parts = text.lower().replace(",", "x").replace("×", "x").split("x")
    try:
        dims = tuple(int(p) for p in parts)
    except ValueError:
        raise typer.BadParameter(f"'{text}' is not a shape like 3x224x224") from None
    if not dims or any(d <= 0 for d in dims):
        raise typer.BadParameter(f"'{text}': every dimension must be a positive integer")
    return dims


def parse_input_option(
    texts: list[str] | None, *, command: str = "summary"
) -> tuple[list[Shape] | None, Inputs | None]:
    """``--input`` in the input language (``cnninspect.inputs``): the per-sample shapes of its
    tensors, and the specs themselves when they are more than float tensors (dtypes, values,
    keywords, lists, dicts). A spec that cannot be read is a TargetError (exit 2); call it
    inside ``errors()``. ``command="memory"``: float shapes only."""
    from cnninspect.errors import TargetError
    from cnninspect.inputs import parse_inputs

    if not texts:
        return None, None
    inputs = parse_inputs(texts)
    shapes = list(inputs.tensor_shapes())
    if inputs.plain:
        return shapes, None
    if command == "memory":
        raise TargetError(
            "cnninspect memory tracks float inputs given as shapes (3x224x224): dtypes, values, "
            "keywords, lists and dicts are for summary, diff, validate and draw"
        )
    return shapes, inputs


def parse_arg(text: str) -> tuple[str, object]:
    """'num_classes=10' → ('num_classes', 10); values are Python literals, else strings;
    '@pkg.mod:attr' names an object to import ('norm_layer=@torchvision.ops:FrozenBatchNorm2d')
    — '@@' keeps a literal '@' at the start of a string."""
    from cnninspect.build.construction import ImportRef

    key, sep, raw = text.partition("=")
    if not sep or not key.isidentifier():
        raise typer.BadParameter(f"'{text}' is not key=value")
    if raw.startswith("@@"):
        return key, raw[1:]
    if raw.startswith("@"):
        return key, ImportRef(raw[1:])
    try:
        value: object = ast.literal_eval(raw)
    except (ValueError, SyntaxError):
        value = raw
    return key, value


InputOption = Annotated[
    list[str] | None,
    typer.Option(
        "--input",
        "-i",
        metavar="INPUT",
        help="Input without batch, e.g. 3x224x224; repeat for several. summary also takes "
        "dtypes and ranges (long:16x128@0..30522), values (3x224x224@0: zeros; @0..255: "
        "uniform), keywords (mask=bool:16x128, steps=12), 0-d tensors (float:()), lists "
        "([3x800x600,3x600x800]) and dicts ({a:3x8x8}).",
    ),
]
BatchOption = Annotated[int, typer.Option("--batch", "-b", min=1, help="Batch size.")]
DeviceOption = Annotated[
    Device,
    typer.Option(
        "--device",
        help="Where the forward pass runs. auto: meta (shapes and counts, no memory for "
        "weights), or cpu when meta cannot run the model (data-dependent ops).",
    ),
]
DtypeOption = Annotated[Dtype, typer.Option("--dtype", help="Parameter and activation dtype.")]
ArgOption = Annotated[
    list[str] | None,
    typer.Option(
        "--arg",
        metavar="KEY=VALUE",
        help="key=value passed to a module's constructor (repeatable).",
    ),
]
DebugOption = Annotated[bool, typer.Option("--debug", help="Show tracebacks of errors.")]
