"""HTML for a summary Report, so that it renders itself as a table in a Jupyter notebook."""

from __future__ import annotations

from html import escape

from cnninspect.report.text import binary, count, hparams_text, shape_text, si
from cnninspect.results.report import Report

_HEADER = ("Layer", "Type", "Hyper-params", "Activation shape", "Activation size", "# parameters")


def summary_html(report: Report) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in _HEADER)
    body = []
    for row in report.rows:
        indent = "&nbsp;" * 2 * max(row.depth - 1, 0)
        params = count(row.params) if row.is_leaf else f"({count(row.subtree_params)})"
        cells = [
            hparams_text(row.hparams),
            shape_text(row.shape),
            count(row.size),
            params,
        ]
        tds = "".join(f"<td>{escape(c)}</td>" for c in cells)
        name = escape(row.label if row.depth else row.name)
        body.append(f"<tr><td>{indent}{name}</td><td>{escape(row.type)}</td>{tds}</tr>")
    t = report.totals
    caption = (
        f"{escape(report.name)}: {count(t.params)} parameters ({binary(t.param_bytes)}), "
        f"{si(t.macs)} MACs, activations {binary(t.activation_bytes)} at batch {report.batch}"
    )
    return (
        f"<table><caption>{caption}</caption><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table>"
    )
