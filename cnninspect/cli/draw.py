"""``draw``: a picture of an architecture — the lecture's feature-map volumes or a block
diagram of its data flow — as SVG, PNG or a self-contained HTML page."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Annotated

import typer

from cnninspect.choices import ExitCode
from cnninspect.cli.options import (
    ArgOption,
    DebugOption,
    DeviceOption,
    InputOption,
    NotationChoice,
    NotationOption,
    TargetArgument,
    resolve_request,
)
from cnninspect.cli.program import app, error, errors, examples, stderr
from cnninspect.cli.progress import progress

SUFFIXES = (".svg", ".png", ".html", ".htm")


class StyleChoice(str, enum.Enum):
    volumes = "volumes"
    graph = "graph"


@app.command(
    epilog=examples(
        "cnninspect draw lenet5 -o lenet5.svg",
        "cnninspect draw resnet18 --style graph --depth 1 -o resnet18.png",
        "cnninspect draw alexnet-paper -o alexnet-paper.html",
        "cnninspect draw torchvision.models:googlenet --input 3x224x224 --style graph -o g.svg",
    )
)
def draw(
    target: TargetArgument,
    output: Annotated[
        Path,
        typer.Option(
            "--output",
            "-o",
            metavar="FILE",
            help="Where to write the drawing; its suffix picks the format: .svg, .png, .html.",
        ),
    ],
    style: Annotated[
        StyleChoice,
        typer.Option(
            "--style",
            help="volumes: the lecture's feature-map boxes along the main path; graph: a "
            "block diagram with every branch and merge.",
        ),
    ] = StyleChoice.volumes,
    depth: Annotated[
        int | None,
        typer.Option(
            "--depth", "-d", min=1, help="--style graph: one node per block at this depth."
        ),
    ] = None,
    notation: NotationOption = NotationChoice.chw,
    input_shape: InputOption = None,
    device: DeviceOption = "auto",
    arg: ArgOption = None,
    debug: DebugOption = False,
) -> None:
    """Draw an architecture from one forward pass, with the findings of validate marked in
    red (their messages on hover)."""
    suffix = output.suffix.lower()
    if suffix not in SUFFIXES:
        raise typer.BadParameter(
            f"'{output}': the file's suffix picks the format: .svg, .png or .html",
            param_hint="'--output'",
        )
    if depth is not None and style is not StyleChoice.graph:
        raise typer.BadParameter("--depth folds blocks of --style graph", param_hint="'--depth'")
    from cnninspect.api.draw import drawing
    from cnninspect.render.picture.picture import Style, drawing_html, drawing_svg, svg_png

    with errors(debug):
        resolved, feed = resolve_request(target, input_shape, arg)
    with errors(debug), progress(f"drawing {target}"):
        report = drawing(resolved, feed, device=device)
        svg = drawing_svg(report, style=Style(style.value), depth=depth, notation=notation.value)
        data: bytes = (
            svg_png(svg)
            if suffix == ".png"
            else (drawing_html(report, svg) if suffix in (".html", ".htm") else svg).encode()
        )
    try:
        output.write_bytes(data)
    except OSError as exc:
        error(f"cannot write {output}: {exc}")
        raise typer.Exit(int(ExitCode.USAGE)) from None
    marked = f"; {len(report.findings)} finding(s) marked" if report.findings else ""
    stderr.print(f"wrote {output}{marked}", highlight=False, markup=False, soft_wrap=True)
