"""Renderers for ``cnninspect list``: a Rich table or JSON."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from rich import box
from rich.console import Console, ConsoleOptions, RenderResult
from rich.table import Table
from rich.text import Text

from cnninspect.report.envelope import envelope
from cnninspect.report.text import count, shape_text, si
from cnninspect.results.zoo import ZooEntry
from cnninspect.shapes import Shape


@dataclass(frozen=True)
class ZooTable:
    """Name, input, params and MACs keep their width; the source gives way, with an ellipsis."""

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
        fixed = sum(widths[:4]) + 3 * 4  # pad, rule, pad between columns
        widths[4] = max(10, min(widths[4], options.max_width - fixed))
        table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
        for i, header in enumerate(headers):
            table.add_column(
                header,
                width=widths[i],
                no_wrap=True,
                overflow="ellipsis",
                justify="right" if i in (2, 3) else "left",
            )
        for row in rows:
            table.add_row(*(Text(cell) for cell in row))  # text from files, never markup
        yield table


def zoo_json(entries: list[ZooEntry]) -> str:
    rows = [
        {**asdict(e), "input_shape": list(e.input_shape), "output_shape": _list(e.output_shape)}
        for e in entries
    ]
    return json.dumps({**envelope("list"), "architectures": rows}, indent=2)


def _list(shape: Shape | None) -> list[int] | None:
    return list(shape) if shape is not None else None
