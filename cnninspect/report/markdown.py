"""Markdown and CSV for a summary Report (for READMEs, course notes and spreadsheets)."""

from __future__ import annotations

import csv
import io

from cnninspect.report.table import explanations_text, memory_lines
from cnninspect.report.text import (
    binary,
    call_text,
    count,
    field_cells,
    hparams_text,
    is_folded,
    leaf_params_text,
    shape_text,
    si,
    work_cell,
    work_name,
)
from cnninspect.results.report import Report, SummaryView
from cnninspect.shapes import Notation, dims_text, from_channels_first

_HEADER = ("Layer", "Type", "Hyper-params", "Activation shape", "Activation size", "# parameters")


def summary_markdown(view: Report | SummaryView) -> str:
    """The table as Markdown, with every display option of the view: ``rf`` adds the
    receptive field, jump and start, ``macs`` a MACs column (FLOPs with ``flops``), ``explain``
    the lecture's arithmetic, and a tracked step its peak."""
    view = view if isinstance(view, SummaryView) else view.view()
    report, notation, depth, rf = view.report, view.notation, view.depth, view.rf
    work = (work_name(flops=view.flops),) * view.macs
    header = [*_HEADER, *("Receptive field", "Jump", "Start") * rf, *work]
    lines = [
        f"### {report.name}",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "|".join(["---"] * 4 + ["---:"] * (len(header) - 4)) + "|",
    ]
    for row in report.folded(depth):
        indent = "&nbsp;&nbsp;" * max(row.depth - 1, 0)
        cells = [
            indent + call_text(row),
            row.type,
            hparams_text(row.hparams),
            shape_text(row.shape, notation),
            count(row.size),
            leaf_params_text(row) if row.is_leaf else count(row.subtree_params),
            *(field_cells(row.field) if rf else []),
            *([work_cell(row, flops=view.flops)] if view.macs else []),
        ]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    t = report.totals
    lines += [
        "",
        f"- Total params: {count(t.params)} ({binary(t.param_bytes)}); "
        f"trainable {count(t.trainable_params)}",
        f"- FLOPs: {si(t.flops)} ({count(t.flops)}; 2 per multiply-add)"
        if view.flops
        else f"- MACs: {si(t.macs)} ({count(t.macs)})",
        f"- Activations: {count(t.activation_elements)} elements ({binary(t.activation_bytes)}, "
        f"batch {report.batch}, {report.dtype})",
        *(f"- {line.strip()}" for line in memory_lines(report)),
    ]
    if view.explain:
        lines += ["", "```text", explanations_text(report).plain, "```"]
    return "\n".join(lines) + "\n"


CSV_COLUMNS = (
    "name",
    "call",
    "type",
    "depth",
    "leaf",
    "hparams",
    "shape",
    "size",
    "params",
    "shared_params",
    "subtree_params",
    "macs",
    "subtree_macs",
    "receptive_field",
    "jump",
    "start",
)


def summary_csv(report: Report, *, notation: Notation = "chw", depth: int | None = None) -> str:
    """One row per module call, for a spreadsheet: ``params`` and ``macs`` are what the row
    itself holds and does, so each column sums to the model's total (called parameters, MACs);
    a container folded by ``depth`` stands for everything inside it. ``subtree_*``: the row
    and everything inside; ``leaf``: a module with no submodules; ``call``: 0 for a module's
    first call, 1 for its second, …; ``receptive_field``, ``jump``, ``start``: per spatial axis
    in input pixels ("195", or "195x131" where the axes differ; empty without spatial axes)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in report.folded(depth):
        folded = is_folded(row, depth)
        shape = dims_text(from_channels_first(row.shape, notation), "x") if row.shape else ""
        writer.writerow(
            [
                row.name,
                row.call,
                row.type,
                row.depth,
                str(row.is_leaf).lower(),
                hparams_text(row.hparams),
                shape,
                row.size,
                row.subtree_params if folded else row.params,
                row.shared_params,
                row.subtree_params,
                row.subtree_macs if folded else row.own_macs,
                row.subtree_macs,
                *(cell.replace("×", "x") for cell in field_cells(row.field)),
            ]
        )
    return out.getvalue()
