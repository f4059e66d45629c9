"""HTML tables for notebooks, the cells every result's HTML shares.

Notebook stylesheets restyle bare tables — JupyterLab's ``.jp-RenderedHTMLCommon td`` aligns
every cell right and lets whitespace collapse, which would flatten the module tree — so every
cell carries inline styles (which outrank any stylesheet rule without ``!important``): text
left and whitespace kept, numbers right, the tree in a monospace font.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape

_TABLE = "border-collapse: collapse; margin: 0; font-variant-numeric: tabular-nums"


_CELL = "padding: 0.15em 0.75em; vertical-align: top; white-space: pre"


TEXT = f"{_CELL}; text-align: left"


NUMBER = f"{_CELL}; text-align: right"


TREE = f"{TEXT}; font-family: monospace"


BLOCK = "text-align: left; white-space: pre; font-family: monospace; margin: 0.5em 0"


def table(
    title: str,
    headers: Sequence[str],
    body: Iterable[str],
    *,
    numbers_from: int,
    escaped_title: bool = False,
) -> str:
    caption = title if escaped_title else escape(title)
    head = "".join(
        f'<th style="{NUMBER if i >= numbers_from else TEXT}">{escape(h)}</th>'
        for i, h in enumerate(headers)
    )
    return (
        f'<table style="{_TABLE}">'
        f'<caption style="text-align: left; white-space: normal">{caption}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )


def table_row(cells: Iterable[tuple[str, str]]) -> str:
    return "<tr>" + "".join(f'<td style="{style}">{html}</td>' for html, style in cells) + "</tr>"


def bold(html: str, strong: bool) -> str:
    return f"<b>{html}</b>" if strong else html
