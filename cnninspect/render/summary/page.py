"""The HTML report (``cnninspect summary TARGET --format html``): one self-contained file — the
table and its totals, the findings, the lecture's arithmetic when asked for, and the drawings
(the feature-map volumes and the block diagram), all inline: no script, no stylesheet or font
fetched, nothing that needs a network."""

from __future__ import annotations

from html import escape

from cnninspect.render.picture.blocks import graph_svg
from cnninspect.render.picture.picture import page
from cnninspect.render.picture.volumes import volumes_svg
from cnninspect.render.summary.html import summary_view_html
from cnninspect.render.summary.table import explanations_text
from cnninspect.results.findings import Finding
from cnninspect.results.report import Report, SummaryView

_CELL = "padding: 0.2em 0.75em; vertical-align: top; text-align: left"
_WARN = "color: #9b1c1c; font-weight: bold"


def summary_page(view: Report | SummaryView) -> str:
    """The report as one page, with every display option of the view; the block diagram is
    folded to its depth like the table."""
    view = view if isinstance(view, SummaryView) else view.view()
    report, notation, depth = view.report, view.notation, view.depth
    sections = [("Layers", summary_view_html(view))]
    sections.append(("Findings", findings_html(report.findings)))
    if view.explain:
        text = explanations_text(report).plain
        sections.append(("Why these numbers", f"<pre>{escape(text)}</pre>"))
    sections.append(("Feature-map volumes", _picture(volumes_svg(report, notation=notation))))
    diagram = graph_svg(report, depth=depth, notation=notation)
    sections.append(("Block diagram", _picture(diagram)))
    source = f" — {report.source}" if report.source else ""
    return page(f"{report.name}{source}", sections)


def findings_html(findings: tuple[Finding, ...]) -> str:
    """One row per finding, with where it is and its hint; a sentence when there is none."""
    if not findings:
        return "<p>None: every declaration holds and no layer drops pixels.</p>"
    head = "".join(
        f'<th style="{_CELL}">{h}</th>' for h in ("Code", "Severity", "Layer", "Where", "Message")
    )
    rows = []
    for f in findings:
        message = escape(f.message) + (f"<br>hint: {escape(f.hint)}" if f.hint else "")
        cells = [
            (escape(f.code), _WARN),
            (escape(str(f.severity)), ""),
            (escape(f.layer or ""), "font-family: monospace"),
            (escape(str(f.position) if f.position else ""), "font-family: monospace"),
            (message, ""),
        ]
        rows.append(
            "<tr>" + "".join(f'<td style="{_CELL}; {s}">{c}</td>' for c, s in cells) + "</tr>"
        )
    return (
        '<table style="border-collapse: collapse">'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _picture(svg: str) -> str:
    return f'<div class="picture">{svg.strip()}</div>'
