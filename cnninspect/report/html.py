"""HTML for notebooks: a summary Report (or a view of it), a Validation and an ArchDiff, each
the same table the terminal shows.

Notebook stylesheets restyle bare tables — JupyterLab's ``.jp-RenderedHTMLCommon td`` aligns
every cell right and lets whitespace collapse, which would flatten the module tree — so every
cell carries inline styles (which outrank any stylesheet rule without ``!important``): text
left and whitespace kept, numbers right, the tree in a monospace font.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape

from cnninspect.report.ci import summary_line, where
from cnninspect.report.diff import (
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
from cnninspect.report.table import totals_text, tree_prefixes
from cnninspect.report.text import (
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
from cnninspect.results.diff import ArchDiff, Entry
from cnninspect.results.report import Report, SummaryView
from cnninspect.results.validation import Validation

_TABLE = "border-collapse: collapse; margin: 0; font-variant-numeric: tabular-nums"
_CELL = "padding: 0.15em 0.75em; vertical-align: top; white-space: pre"
TEXT = f"{_CELL}; text-align: left"
NUMBER = f"{_CELL}; text-align: right"
TREE = f"{TEXT}; font-family: monospace"
_BLOCK = "text-align: left; white-space: pre; font-family: monospace; margin: 0.5em 0"


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
        name = _bold(escape(prefix + call_text(row)), container)
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
        body.append(_tr(cells))
    source = f" — {report.source}" if report.source else ""
    legend = f'<p style="margin: 0.5em 0">{escape(FIELD_LEGEND)}</p>' if view.rf else ""
    return (
        _table(f"{report.name}{source}", headers, body, numbers_from=4)
        + legend
        + f'<pre style="{_BLOCK}">{escape(totals_text(report, flops=view.flops).plain)}</pre>'
    )


def validation_html(validation: Validation) -> str:
    """One row per finding, under its target; a target without findings says ok."""
    body = []
    for result in validation.results:
        worst = result.worst()
        status = "ok" if worst is None else str(worst)
        head = [(_bold(escape(result.target), True), TEXT), (status, TEXT)]
        body.append(_tr(head + [("", TEXT)] * 3))
        for f in result.findings:
            message = escape(f.message) + (f"<br>hint: {escape(f.hint)}" if f.hint else "")
            body.append(
                _tr(
                    [
                        ("", TEXT),
                        (str(f.severity), TEXT),
                        (escape(f.code), TEXT),
                        (escape(where(f, result)), TEXT),
                        (message, f"{TEXT}; white-space: pre-wrap"),
                    ]
                )
            )
    headers = ["Target", "Severity", "Code", "Where", "Message"]
    return _table(summary_line(validation), headers, body, numbers_from=len(headers))


def diff_html(diff: ArchDiff, *, show_all: bool = False) -> str:
    """The layers side by side (runs of unchanged ones collapsed), then the totals."""
    body = []
    for item in collapsed(diff.entries, show_all=show_all):
        if isinstance(item, int):
            unchanged = f"… {item} unchanged layer{'s' if item != 1 else ''}"
            body.append(_tr([("", TEXT), (escape(unchanged), TEXT)] + [("", TEXT)] * 4))
            continue
        body.append(_tr(_entry_cells(item)))
    headers = ["", "Layer (A / B)", "Type", "Shape A → B", "Params A → B", "Δ params"]
    title = f"{side_text('A', diff.a)}<br>{side_text('B', diff.b)}"
    totals = [
        _tr(
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
    return _table(title, headers, body, numbers_from=4, escaped_title=True) + _table(
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


def _table(
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


def _tr(cells: Iterable[tuple[str, str]]) -> str:
    return "<tr>" + "".join(f'<td style="{style}">{html}</td>' for html, style in cells) + "</tr>"


def _bold(html: str, bold: bool) -> str:
    return f"<b>{html}</b>" if bold else html
