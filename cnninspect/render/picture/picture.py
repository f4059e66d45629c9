"""A drawing in the format its file asks for: SVG (the drawing itself), PNG (the SVG rasterised
by resvg, which ships in the ``resvg-py`` wheel: no system binary) or HTML (one
self-contained page, the SVG inline)."""

from __future__ import annotations

import enum
import math
import re
from html import escape

from cnninspect.errors import DrawingError
from cnninspect.render.picture.blocks import graph_svg
from cnninspect.render.picture.volumes import volumes_svg
from cnninspect.results.report import Report
from cnninspect.shapes import Notation

PNG_SCALE = 2.0  # pixels per SVG pixel: sharp on a high-density screen
# A PNG is rasterised in memory, 4 bytes a pixel: past this the rasteriser would abort (a
# 99,813 × 34,573 px drawing asked it for 55 GB). Large drawings get fewer pixels per SVG
# pixel, down to MIN_PNG_SCALE, below which their text could not be read.
MAX_PNG_PIXELS = 64_000_000
MIN_PNG_SCALE = 0.5


class Style(str, enum.Enum):
    volumes = "volumes"  # the lecture's feature-map volumes, along the main path
    graph = "graph"  # the block diagram of the data flow


def drawing_svg(
    report: Report, *, style: Style, depth: int | None = None, notation: Notation = "chw"
) -> str:
    if style is Style.volumes:
        return volumes_svg(report, notation=notation)
    return graph_svg(report, depth=depth, notation=notation)


def svg_png(svg: str, *, scale: float = PNG_SCALE) -> bytes:
    """The SVG as PNG, rendered by resvg with the system's fonts, on white — at ``scale``, or
    less where that would exceed ``MAX_PNG_PIXELS``; a drawing too large even at
    ``MIN_PNG_SCALE`` is refused before anything is rasterised."""
    import resvg_py

    width, height = svg_size(svg)
    fitting = math.sqrt(MAX_PNG_PIXELS / ((width + 1) * (height + 1)))  # (rounded up)
    if fitting < MIN_PNG_SCALE:
        raise DrawingError(
            f"the drawing is {width:,.0f} × {height:,.0f} px: a PNG of it would need "
            f"{width * height * MIN_PNG_SCALE**2 / 1e6:,.0f} M pixels at the least legible "
            f"scale, over the {MAX_PNG_PIXELS / 1e6:,.0f} M a PNG is given",
            hint="fold it to fewer nodes with a smaller --depth (1 is one node per top-level "
            "block), or write .svg or .html, which a browser scrolls",
        )
    zoom = min(scale, fitting)
    return bytes(resvg_py.svg_to_bytes(svg_string=svg, zoom=zoom, background="white"))


def svg_size(svg: str) -> tuple[float, float]:
    """The width and height an SVG document of ours declares."""
    found = re.search(r'<svg[^>]* width="([\d.]+)" height="([\d.]+)"', svg)
    if found is None:
        raise ValueError("not an SVG document of cnninspect's")
    return float(found[1]), float(found[2])


PAGE_STYLE = (
    "body{margin:1.5em;font-family:system-ui,-apple-system,'Segoe UI',sans-serif;color:#1f2933}"
    "h1{font-size:1.3em;margin:0 0 .6em}h2{font-size:1.1em;margin:1.4em 0 .5em}"
    ".picture{overflow:auto;max-width:100%}.picture svg{display:block}"
)


def page(title: str, sections: list[tuple[str, str]]) -> str:
    """One self-contained HTML page: inline style, no script, nothing fetched. ``sections``:
    (heading, HTML) pairs; an empty heading adds the HTML as it is."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title><style>{PAGE_STYLE}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
    ]
    for heading, html in sections:
        if heading:
            parts.append(f"<h2>{escape(heading)}</h2>")
        parts.append(html)
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def drawing_html(report: Report, svg: str) -> str:
    """The drawing on a page of its own."""
    return page(report.name, [("", f'<div class="picture">{_inline(svg)}</div>')])


def _inline(svg: str) -> str:
    """An SVG document as an element of an HTML page (no XML declaration to drop: ours has
    none)."""
    return svg.strip()
