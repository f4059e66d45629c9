"""Rich renderables for a summary Report: the lecture's table, plus type and hyper-parameters."""

from __future__ import annotations

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from cnninspect.report.text import binary, count, hparams_text, shape_text, si
from cnninspect.spec import Notation
from cnninspect.summary import Report, Row


def summary_table(
    report: Report, *, notation: Notation = "chw", depth: int | None = None, macs: bool = False
) -> RenderableType:
    rows = report.folded(depth)
    table = Table(
        title=_title(report),
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        show_edge=False,
        title_justify="left",
    )
    table.add_column("Layer", no_wrap=True)
    table.add_column("Type", no_wrap=True)
    table.add_column("Hyper-params")
    table.add_column("Activation shape", no_wrap=True)
    table.add_column("Activation size", justify="right")
    table.add_column("# parameters", justify="right")
    if macs:
        table.add_column("MACs", justify="right")
    for row in rows:
        folded = depth is not None and row.depth == depth and not row.is_leaf
        table.add_row(*_cells(row, notation, folded=folded, macs=macs))
    return Group(table, Text(""), totals_text(report))


def _title(report: Report) -> str:
    source = f" — {report.source}" if report.source else ""
    return f"{report.name}{source}"


def _cells(row: Row, notation: Notation, *, folded: bool, macs: bool) -> list[RenderableType]:
    indent = "  " * max(row.depth - 1, 0)
    label = row.name if row.depth == 0 else row.label
    name = Text(indent + label + (f" (call {row.call + 1})" if row.call else ""))
    container = not row.is_leaf
    if container:
        name.stylize("bold")
    shape = shape_text(row.shape, notation)
    if row.extra_shapes:
        shape += f" +{len(row.extra_shapes)}"
    params: RenderableType
    if container and not folded:
        params = Text(f"({count(row.subtree_params)})", style="dim")
    elif container:
        params = count(row.subtree_params)
    elif row.shared_params and not row.params:
        params = Text(f"shared {count(row.shared_params)}", style="dim")
    else:
        params = count(row.params)
    cells: list[RenderableType] = [
        name,
        row.type,
        hparams_text(row.hparams),
        shape,
        count(row.size),
        params,
    ]
    if macs:
        cells.append(si(row.macs) if row.macs else "")
    return cells


def totals_text(report: Report) -> Text:
    t = report.totals
    batch = f"batch {report.batch}, {report.dtype}"
    lines = [
        f"Total params:       {count(t.params)} ({binary(t.param_bytes)})",
        f"Trainable params:   {count(t.trainable_params)}",
        f"Frozen params:      {count(t.frozen_params)}",
    ]
    if t.buffers:
        lines.append(f"Buffers:            {count(t.buffers)} ({binary(t.buffer_bytes)})")
    lines += [
        f"MACs:               {si(t.macs)} ({count(t.macs)}; 1 MAC = one multiply-add)",
        f"Input:              {count(t.input_elements)} elements "
        f"({binary(t.input_elements * report.element_size)}, {batch})",
        f"Activations:        {count(t.activation_elements)} elements "
        f"({binary(t.activation_bytes)}, {batch}, every layer's output)",
        f"Device:             {report.device}",
    ]
    return Text("\n".join(lines))
