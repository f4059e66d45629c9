"""Registers how result values display themselves: in a Rich console the CLI's tables, in a
notebook the same tables as HTML, and as plain text (``print``, ``repr``) the table without
colour. Imported by the public API (``cnninspect.summary`` …)."""

from __future__ import annotations

import html
import io
from collections.abc import Callable
from typing import Any

from rich.console import Console, Group, RenderableType
from rich.text import Text

from cnninspect.render.diff.html import diff_html
from cnninspect.render.diff.table import diff_table
from cnninspect.render.memory.table import memory_table
from cnninspect.render.summary.html import summary_html, summary_view_html
from cnninspect.render.summary.table import summary_table, view_table
from cnninspect.render.validation.html import validation_html
from cnninspect.render.validation.text import summary_line, validation_rich
from cnninspect.results.diff import ArchDiff
from cnninspect.results.displayable import register
from cnninspect.results.memory import MemoryReport
from cnninspect.results.report import Report, SummaryView
from cnninspect.results.validation import Validation

TEXT_WIDTH = 10_000  # plain text takes the width its table needs: nothing wraps or is cut


def plain_text(renderable: RenderableType) -> str:
    """A renderable as plain text, without colour or trailing spaces."""
    out = io.StringIO()
    console = Console(
        file=out, width=TEXT_WIDTH, color_system=None, force_terminal=False, force_jupyter=False
    )
    console.print(renderable)
    return "\n".join(line.rstrip() for line in out.getvalue().splitlines())


def _validation_rich(validation: Validation) -> RenderableType:
    return Group(validation_rich(validation), Text(""), Text(summary_line(validation)))


def _memory_html(report: MemoryReport) -> str:
    """The memory table as preformatted text: what the terminal shows, escaped."""
    return f"<pre>{html.escape(plain_text(memory_table(report)))}</pre>"


def _register(
    kind: type, rich: Callable[[Any], RenderableType], html: Callable[[Any], str]
) -> None:
    register(kind, rich=rich, html=html, text=lambda value: plain_text(rich(value)))


_register(Report, summary_table, summary_html)
_register(SummaryView, view_table, summary_view_html)
_register(Validation, _validation_rich, validation_html)
_register(ArchDiff, diff_table, diff_html)
_register(MemoryReport, memory_table, _memory_html)
