"""A MemoryReport as Markdown: the categories at the peak and when it happens."""

from __future__ import annotations

from cnninspect.render.memory.table import labels, setup_text
from cnninspect.render.text import binary
from cnninspect.results.memory import MemoryReport


def memory_markdown(report: MemoryReport) -> str:
    lines = [
        f"### {report.name}: {setup_text(report)}",
        "",
        "| at the peak | bytes | share |",
        "|---|---:|---:|",
    ]
    for name, nbytes in report.categories:
        share = f"{100 * nbytes / report.peak_bytes:.1f}%" if report.peak_bytes else ""
        lines.append(f"| {labels(report).get(name, name)} | {binary(nbytes)} | {share} |")
    lines += [f"| **Peak** | **{binary(report.peak_bytes)}** | |", ""]
    lines.append(f"The peak happens in the {report.peak_phase}.")
    return "\n".join(lines) + "\n"
