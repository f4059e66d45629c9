"""Renderers for ``cnninspect list``: a Rich table or JSON."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TypedDict

from rich import box
from rich.console import Console, ConsoleOptions, RenderResult
from rich.table import Table
from rich.text import Text

from cnninspect.render.envelope import Envelope, envelope
from cnninspect.render.layout import longest_word, shrink, span
from cnninspect.render.text import count, shape_text, si
from cnninspect.results.listing import ZooEntry


@dataclass(frozen=True)
class ZooTable:
    """Input, params and MACs are never cut. When the table is too wide, the source gives way
    (shortened with an ellipsis, then left out), then the names shorten; rendered wider than
    it needs (a pipe), every source is whole."""

    entries: list[ZooEntry]

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        rows = [
            (
                e.name + (" (!)" if e.findings else ""),
                shape_text(e.input_shape),
                count(e.params),
                si(e.macs),
                e.source or "",
            )
            for e in self.entries
        ]
        headers = ("Name", "Input", "Params", "MACs", "Source")
        widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
        available = options.max_width
        shrink(widths, [0, 0, 0, 0, MIN_SOURCE], [SOURCE], available)
        if span(widths) > available:
            widths[SOURCE] = 0  # a source of a few letters tells nothing: leave it out
        floors = [MIN_NAME, *(longest_word(r[i] for r in rows) for i in range(1, 4)), 0]
        shrink(widths, floors, [0, 1, 3, 2], available)
        shrink(widths, [2] * len(widths), [0], available)
        table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
        shown = [i for i, w in enumerate(widths) if w > 0]
        for i in shown:
            table.add_column(
                headers[i],
                width=widths[i],
                no_wrap=i in (0, SOURCE),
                overflow="ellipsis" if i in (0, SOURCE) else "fold",  # text shortens, numbers never
                justify="right" if i in (2, 3) else "left",
            )
        for row in rows:
            table.add_row(*(Text(row[i]) for i in shown))  # text from files, never markup
        yield table


SOURCE = 4
MIN_SOURCE = 12
MIN_NAME = 10


class ArchitectureDict(TypedDict):
    """A bundled architecture, summarised on the meta device. ``findings``: declarations the
    forward pass contradicts (the deliberate transcriptions)."""

    name: str
    path: str
    source: str | None
    input_shape: list[int]
    output_shape: list[int] | None
    params: int
    macs: int
    findings: int


class ListDocument(Envelope):
    """``cnninspect list --format json``: every bundled architecture, in name order."""

    architectures: list[ArchitectureDict]


def zoo_json(entries: list[ZooEntry]) -> str:
    return json.dumps(zoo_dict(entries), indent=2)


def zoo_dict(entries: list[ZooEntry]) -> ListDocument:
    return {**envelope("list"), "architectures": [_architecture(e) for e in entries]}


def _architecture(entry: ZooEntry) -> ArchitectureDict:
    return {
        "name": entry.name,
        "path": entry.path,
        "source": entry.source,
        "input_shape": list(entry.input_shape),
        "output_shape": list(entry.output_shape) if entry.output_shape is not None else None,
        "params": entry.params,
        "macs": entry.macs,
        "findings": entry.findings,
    }
