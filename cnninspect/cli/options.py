"""Choices, parsers and options shared by the commands."""

from __future__ import annotations

import ast
import enum
from typing import TYPE_CHECKING, Annotated

import typer

from cnninspect.choices import DeviceChoice, DtypeName
from cnninspect.shapes import Shape

if TYPE_CHECKING:
    from cnninspect.api.request import Feed, Target


class Format(str, enum.Enum):
    table = "table"
    json = "json"
    markdown = "markdown"
    csv = "csv"
    html = "html"  # one self-contained page: the table, findings and drawings


class NotationChoice(str, enum.Enum):
    chw = "chw"
    hwc = "hwc"


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


def feed_option(texts: list[str] | None) -> Feed:
    """``--input`` in the input language (``cnninspect.inputs``): what ``forward`` receives,
    its ``@`` references read. A spec that cannot be read is a TargetError (exit 2); call it
    inside ``errors()``."""
    from cnninspect.api.request import resolve_feed

    return resolve_feed(inputs=texts) if texts else None


def resolve_request(
    target: str, inputs: list[str] | None, args: list[str] | None
) -> tuple[Target, Feed]:
    """The command line's target and ``--input``/``--arg``, resolved once (inside
    ``errors()``): what is inspected and what ``forward`` receives."""
    from cnninspect.api.request import resolve_target

    return resolve_target(target, parse_args(args)), feed_option(inputs)


def parse_args(texts: list[str] | None) -> dict[str, object]:
    return dict(parse_arg(a) for a in texts or [])


def parse_arg(text: str) -> tuple[str, object]:
    """'num_classes=10' → ('num_classes', 10); values are Python literals, else strings;
    '@pkg.mod:attr' names an object to import ('norm_layer=@torchvision.ops:FrozenBatchNorm2d')
    — '@@' keeps a literal '@' at the start of a string."""
    from cnninspect.construct.construction import ImportRef

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


def complete_target(incomplete: str) -> list[str]:
    """Shell completion of a TARGET: the bundled architectures' names, then the folders, YAML
    files and Python files the typed prefix names (a module's ``:attr`` is the user's to type)."""
    from pathlib import Path

    from cnninspect.construct.targets import bundled_names

    found = [name for name in bundled_names() if name.startswith(incomplete)]
    folder, slash, stem = incomplete.rpartition("/")
    base = Path(folder + slash or ".")
    try:
        entries = sorted(base.iterdir())
    except OSError:
        return found
    for entry in entries:
        if not entry.name.startswith(stem) or entry.name.startswith("."):
            continue
        if entry.is_dir():
            found.append(f"{folder}{slash}{entry.name}/")
        elif entry.suffix in (".yaml", ".yml", ".py"):
            found.append(f"{folder}{slash}{entry.name}")
    return found


TargetArgument = Annotated[
    str,
    typer.Argument(
        help="A YAML file, a bundled architecture name (see `cnninspect list`), "
        "pkg.module:attr or path/to/file.py:attr.",
        metavar="TARGET",
        autocompletion=complete_target,
    ),
]
InputOption = Annotated[
    list[str] | None,
    typer.Option(
        "--input",
        "-i",
        metavar="INPUT",
        help="What forward receives, without batch, e.g. 3x224x224; repeat for several. A "
        "description's own input is replaced (its declarations checked at this one). Also "
        "dtypes and ranges (long:16x128@0..30522), values (3x224x224@0: zeros; @0..255: "
        "uniform), keywords (mask=bool:16x128, steps=12), 0-d tensors (float:()), lists "
        "([3x800x600,3x600x800]) and dicts ({a:3x8x8}).",
    ),
]
NotationOption = Annotated[
    NotationChoice,
    typer.Option(
        "--notation",
        help="Shapes as (C, H, W) or, like the lecture, (H, W, C): 3x28x28 or 28x28x3.",
    ),
]
OutputFileOption = Annotated[
    str | None,
    typer.Option(
        "--output-file",
        "-o",
        metavar="PATH",
        help="Write there instead of stdout (summary --format html: one self-contained page).",
    ),
]
BatchOption = Annotated[int, typer.Option("--batch", "-b", min=1, help="Batch size.")]
# The choices are the Literal types of cnninspect.choices: Typer offers, checks and completes them
DeviceOption = Annotated[
    DeviceChoice,
    typer.Option(
        "--device",
        help="Where the forward pass runs. auto: meta (shapes and counts, no memory for "
        "weights), or cpu when meta cannot run the model (data-dependent ops).",
    ),
]
DtypeOption = Annotated[DtypeName, typer.Option("--dtype", help="Parameter and activation dtype.")]
ArgOption = Annotated[
    list[str] | None,
    typer.Option(
        "--arg",
        metavar="KEY=VALUE",
        help="key=value passed to a module's constructor (repeatable).",
    ),
]
DebugOption = Annotated[bool, typer.Option("--debug", help="Show tracebacks of errors.")]
