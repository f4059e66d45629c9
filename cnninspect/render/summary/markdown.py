"""A summary as Markdown (READMEs, course notes), with every display option of its view."""

from __future__ import annotations

from cnninspect.render.summary.table import explanations_text, memory_lines
from cnninspect.render.text import (
    binary,
    call_text,
    count,
    field_cells,
    hparams_text,
    leaf_params_text,
    shape_text,
    si,
    uncounted_text,
    work_cell,
    work_name,
)
from cnninspect.results.report import Report, SummaryView

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
        *([f"- Not counted: {text}"] if (text := uncounted_text(t)) is not None else []),
        f"- Activations: {count(t.activation_elements)} elements ({binary(t.activation_bytes)}, "
        f"batch {report.batch}, {report.dtype})",
        *("- " + " ".join(line.split()) for line in memory_lines(report)),
    ]
    if view.explain:
        lines += ["", "```text", explanations_text(report).plain, "```"]
    return "\n".join(lines) + "\n"
