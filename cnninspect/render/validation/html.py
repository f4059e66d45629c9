"""A validation as HTML (notebooks): one row per finding under its target."""

from __future__ import annotations

from html import escape

from cnninspect.render.html_cells import TEXT, bold, table, table_row
from cnninspect.render.validation.text import summary_line, where
from cnninspect.results.validation import Validation


def validation_html(validation: Validation) -> str:
    """One row per finding, under its target; a target without findings says ok."""
    body = []
    for result in validation.results:
        worst = result.worst()
        status = "ok" if worst is None else str(worst)
        head = [(bold(escape(result.target), True), TEXT), (status, TEXT)]
        body.append(table_row(head + [("", TEXT)] * 3))
        for f in result.findings:
            message = escape(f.message) + (f"<br>hint: {escape(f.hint)}" if f.hint else "")
            body.append(
                table_row(
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
    return table(summary_line(validation), headers, body, numbers_from=len(headers))
