"""A drawing in the format its file asks for: SVG (the drawing itself), PNG (the SVG rasterised
by resvg, which ships in the ``resvg-py`` wheel: no system binary) or HTML (one
self-contained page, the SVG inline)."""

from __future__ import annotations

import enum
from html import escape

from cnninspect.render.picture.blocks import graph_svg
from cnninspect.render.picture.volumes import volumes_svg
from cnninspect.results.report import Report
from cnninspect.shapes import Notation

PNG_SCALE = 2.0  # pixels per SVG pixel: sharp on a high-density screen


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
    """The SVG as PNG, rendered by resvg with the system's fonts, on white."""
    import resvg_py

    return bytes(resvg_py.svg_to_bytes(svg_string=svg, zoom=scale, background="white"))


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
