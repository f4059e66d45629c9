"""A diff as Markdown (a pull-request comment)."""

from __future__ import annotations

from cnninspect.render.diff.cells import (
    _HEADER,
    MARKS,
    QUANTITY_LABELS,
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
from cnninspect.results.diff import ArchDiff


def diff_markdown(diff: ArchDiff, *, show_all: bool = False) -> str:
    lines = [
        f"### {diff.a.name} → {diff.b.name}",
        "",
        f"- {side_text('A', diff.a)}",
        f"- {side_text('B', diff.b)}",
        "",
        "| " + " | ".join(_HEADER) + " |",
        "|---|---|---|---|---:|---:|",
    ]
    items = collapsed(diff.entries, show_all=show_all)
    for item in items:
        if isinstance(item, int):
            cells = ["", f"*{unchanged_text(item)}*", "", "", "", ""]
        else:
            cells = [
                MARKS[item.status].strip(),
                layer_cell(item),
                type_cell(item),
                shape_cell(item),
                params_cell(item),
                delta_cell(item),
            ]
        lines.append("| " + " | ".join(_md(c) for c in cells) + " |")
    lines += ["", "| Total | A | B | Δ | % |", "|---|---:|---:|---:|---:|"]
    for q in diff.totals:
        cells = [
            QUANTITY_LABELS[q.name],
            quantity_text(q.name, q.a),
            quantity_text(q.name, q.b),
            quantity_delta(q),
            percent_text(q),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", counts_text(diff)]
    if legend_text(items):
        lines += ["", f"*{legend_text(items)}*"]
    return "\n".join(lines) + "\n"


def _md(cell: str) -> str:
    return cell.replace("|", "\\|")
