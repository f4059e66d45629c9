"""Markdown and CSV for a summary Report (for READMEs, course notes and spreadsheets)."""

from __future__ import annotations

import csv
import io

from cnninspect.report.text import binary, count, hparams_text, shape_text, si
from cnninspect.results.report import Report
from cnninspect.shapes import Notation, dims_text, from_channels_first

_HEADER = ("Layer", "Type", "Hyper-params", "Activation shape", "Activation size", "# parameters")


def summary_markdown(
    report: Report, *, notation: Notation = "chw", depth: int | None = None
) -> str:
    lines = [
        f"### {report.name}",
        "",
        "| " + " | ".join(_HEADER) + " |",
        "|" + "|".join(["---", "---", "---", "---", "---:", "---:"]) + "|",
    ]
    for row in report.folded(depth):
        indent = "&nbsp;&nbsp;" * max(row.depth - 1, 0)
        params = row.params if row.is_leaf else row.subtree_params
        cells = [
            indent + (row.label if row.depth else row.name),
            row.type,
            hparams_text(row.hparams),
            shape_text(row.shape, notation),
            count(row.size),
            count(params),
        ]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    t = report.totals
    lines += [
        "",
        f"- Total params: {count(t.params)} ({binary(t.param_bytes)}); "
        f"trainable {count(t.trainable_params)}",
        f"- MACs: {si(t.macs)} ({count(t.macs)})",
        f"- Activations: {count(t.activation_elements)} elements ({binary(t.activation_bytes)}, "
        f"batch {report.batch}, {report.dtype})",
    ]
    return "\n".join(lines) + "\n"


def summary_csv(report: Report, *, notation: Notation = "chw", depth: int | None = None) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        ["name", "type", "depth", "hparams", "shape", "size", "params", "subtree_params", "macs"]
    )
    for row in report.folded(depth):
        shape = dims_text(from_channels_first(row.shape, notation), "x") if row.shape else ""
        writer.writerow(
            [
                row.name,
                row.type,
                row.depth,
                hparams_text(row.hparams),
                shape,
                row.size,
                row.params,
                row.subtree_params,
                row.macs,
            ]
        )
    return out.getvalue()
