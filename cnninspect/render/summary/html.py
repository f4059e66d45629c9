"""A summary Report (or a view of it) as HTML: the table the terminal shows, for notebooks and the
HTML page."""

from __future__ import annotations

from html import escape

from cnninspect.render.html_cells import BLOCK, NUMBER, TEXT, TREE, bold, table, table_row
from cnninspect.render.summary.table import totals_text, tree_prefixes
from cnninspect.render.text import (
    FIELD_LEGEND,
    call_text,
    count,
    field_cells,
    hparams_text,
    is_folded,
    leaf_params_text,
    shape_text,
    work_cell,
    work_name,
)
from cnninspect.results.report import Report, SummaryView


def summary_html(report: Report) -> str:
    """A Report as ``cnninspect summary`` shows it by default."""
    return summary_view_html(report.view())


def summary_view_html(view: SummaryView) -> str:
    """The summary table: the module tree (bold containers, "(call 2)"), the shapes in the
    view's notation, shared weights, folded to its depth, and the totals below."""
    report = view.report
    rows = report.folded(view.depth)
    headers = ["Layer", "Type", "Hyper-params", "Activation shape", "Activation size"]
    headers += ["# parameters"] + ["Receptive field", "Jump", "Start"] * view.rf
    headers += [work_name(flops=view.flops)] * view.macs
    body = []
    for row, prefix in zip(rows, tree_prefixes(rows), strict=True):
        container = not row.is_leaf
        name = bold(escape(prefix + call_text(row)), container)
        if container:
            folded = is_folded(row, view.depth)
            params = count(row.subtree_params) if folded else f"({count(row.subtree_params)})"
        else:
            params = leaf_params_text(row)
        cells = [
            (name, TREE),
            (escape(row.type), TEXT),
            (escape(hparams_text(row.hparams)), TEXT),
            (escape(shape_text(row.shape, view.notation)), TEXT),
            (count(row.size), NUMBER),
            (escape(params), NUMBER),
        ]
        if view.rf:
            cells += [(escape(cell), NUMBER) for cell in field_cells(row.field)]
        if view.macs:
            cells.append((work_cell(row, flops=view.flops), NUMBER))
        body.append(table_row(cells))
    source = f" — {report.source}" if report.source else ""
    legend = f'<p style="margin: 0.5em 0">{escape(FIELD_LEGEND)}</p>' if view.rf else ""
    return (
        table(f"{report.name}{source}", headers, body, numbers_from=4)
        + legend
        + f'<pre style="{BLOCK}">{escape(totals_text(report, flops=view.flops).plain)}</pre>'
    )
