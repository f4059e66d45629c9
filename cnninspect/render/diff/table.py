"""A diff as the terminal shows it: the layers side by side (marks, unchanged runs folded), then
the totals with their deltas."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich import box
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.table import Table
from rich.text import Text

from cnninspect.render.diff.cells import (
    _HEADER,
    _STYLES,
    MARKS,
    QUANTITY_LABELS,
    Item,
    collapsed,
    counts_text,
    delta_cell,
    layer_cell,
    legend_text,
    params_cell,
    percent_text,
    quantity_delta,
    quantity_text,
    shape_cell,
    side_text,
    type_cell,
    unchanged_text,
)
from cnninspect.render.layout import longest_word, shrink, span
from cnninspect.results.diff import ArchDiff


def diff_table(diff: ArchDiff, *, show_all: bool = False) -> RenderableType:
    items = collapsed(diff.entries, show_all=show_all)
    header = Text(f"{side_text('A', diff.a)}\n{side_text('B', diff.b)}")
    parts: list[RenderableType] = [header, Text(""), _DiffTable(items)]
    if legend_text(items):
        parts.append(Text(legend_text(items), style="dim"))
    parts += [Text(""), totals_table(diff), Text(""), Text(counts_text(diff))]
    return Group(*parts)


LAYER, TYPE, SHAPE = 1, 2, 3  # the columns of the diff table; shapes and counts from SHAPE on
MIN_TEXT = 10


def _share(widths: list[int], available: int) -> None:
    """Give the layer and type columns (those shown) what the numbers leave, in proportion to
    what they need, at least MIN_TEXT each, never more than they need."""
    text = [i for i in (LAYER, TYPE) if widths[i] > 0]
    room = available - span(widths) + sum(widths[i] for i in text)
    need = sum(widths[i] for i in text)
    if need <= room:
        return
    for i in text:
        widths[i] = min(widths[i], max(MIN_TEXT, room * widths[i] // need))


@dataclass(frozen=True)
class _DiffTable:
    """The layers of both sides. Shapes and counts are never cut: when the table is too wide
    the layer and type columns wrap, then the type goes; on a very narrow terminal shapes wrap
    at a space. Rendered wider than it needs (a pipe), nothing wraps."""

    items: Sequence[Item]

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        rows = [self._cells(item) for item in self.items]
        lines = [[line for row in rows for line in row[i].plain.split("\n")] for i in range(6)]
        widths = [
            max(len(h), *(len(line) for line in col)) for h, col in zip(_HEADER, lines, strict=True)
        ]
        available = options.max_width
        _share(widths, available)
        if span(widths) > available:
            widths[TYPE] = 0
            _share(widths, available)
        floors = [0, 4, 0, *(longest_word([*lines[i], _HEADER[i]]) for i in range(SHAPE, 6))]
        shrink(widths, floors, [SHAPE, 4, 5, LAYER], available)
        table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
        shown = [i for i, w in enumerate(widths) if w > 0]
        for i in shown:
            table.add_column(_HEADER[i], width=widths[i], justify="right" if i > SHAPE else "left")
        for row in rows:
            table.add_row(*(row[i] for i in shown))
        yield table

    @staticmethod
    def _cells(item: Item) -> list[Text]:
        """Text from files and modules, never markup; a word too long folds, never vanishes."""
        if isinstance(item, int):
            cells = ["", unchanged_text(item), "", "", "", ""]
            styles = ["", "dim", "", "", "", ""]
        else:
            cells = [
                MARKS[item.status],
                layer_cell(item, "\n/ "),
                type_cell(item, "\n→ "),
                shape_cell(item, "\n→ "),
                params_cell(item, "\n→ "),
                delta_cell(item),
            ]
            styles = [_STYLES.get(item.status, "")] * 5 + [""]
        return [
            Text(c, style=style, overflow="fold") for c, style in zip(cells, styles, strict=True)
        ]


def totals_table(diff: ArchDiff) -> Table:
    table = Table(box=None, show_header=True, pad_edge=False)
    for header in ("Total", "A", "B", "Δ", "%"):
        # narrower than its numbers, a column wraps them at the unit ("14.88" "KiB"), never cuts
        table.add_column(header, justify="left" if header == "Total" else "right", overflow="fold")
    for q in diff.totals:
        cells = (
            QUANTITY_LABELS[q.name],
            quantity_text(q.name, q.a),
            quantity_text(q.name, q.b),
            quantity_delta(q),
            percent_text(q),
        )
        table.add_row(*(Text(c) for c in cells))
    return table
