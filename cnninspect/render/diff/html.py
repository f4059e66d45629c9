"""A diff as HTML (notebooks): the table the terminal shows."""

from __future__ import annotations

from html import escape

from cnninspect.render.diff.cells import (
    MARKS,
    QUANTITY_LABELS,
    collapsed,
    counts_text,
    delta_cell,
    layer_cell,
    params_cell,
    percent_text,
    quantity_delta,
    quantity_text,
    shape_cell,
    side_text,
    type_cell,
)
from cnninspect.render.html_cells import NUMBER, TEXT, TREE, table, table_row
from cnninspect.results.diff import ArchDiff, Entry


def diff_html(diff: ArchDiff, *, show_all: bool = False) -> str:
    """The layers side by side (runs of unchanged ones collapsed), then the totals."""
    body = []
    for item in collapsed(diff.entries, show_all=show_all):
        if isinstance(item, int):
            unchanged = f"… {item} unchanged layer{'s' if item != 1 else ''}"
            body.append(table_row([("", TEXT), (escape(unchanged), TEXT)] + [("", TEXT)] * 4))
            continue
        body.append(table_row(_entry_cells(item)))
    headers = ["", "Layer (A / B)", "Type", "Shape A → B", "Params A → B", "Δ params"]
    title = f"{side_text('A', diff.a)}<br>{side_text('B', diff.b)}"
    totals = [
        table_row(
            [
                (QUANTITY_LABELS[q.name], TEXT),
                (escape(quantity_text(q.name, q.a)), NUMBER),
                (escape(quantity_text(q.name, q.b)), NUMBER),
                (escape(quantity_delta(q)), NUMBER),
                (escape(percent_text(q)), NUMBER),
            ]
        )
        for q in diff.totals
    ]
    return table(title, headers, body, numbers_from=4, escaped_title=True) + table(
        counts_text(diff), ["Total", "A", "B", "Δ", "%"], totals, numbers_from=1
    )


def _entry_cells(entry: Entry) -> list[tuple[str, str]]:
    return [
        (escape(MARKS[entry.status]), TREE),
        (escape(layer_cell(entry, "\n/ ")), TREE),
        (escape(type_cell(entry, "\n→ ")), TEXT),
        (escape(shape_cell(entry, "\n→ ")), TEXT),
        (escape(params_cell(entry, "\n→ ")), NUMBER),
        (escape(delta_cell(entry)), NUMBER),
    ]
