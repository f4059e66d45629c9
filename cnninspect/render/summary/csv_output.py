"""A summary as CSV (spreadsheets): one row per module call, columns that sum to the totals."""

from __future__ import annotations

import csv
import io

from cnninspect.render.text import (
    field_cells,
    hparams_text,
    is_folded,
)
from cnninspect.results.report import Report
from cnninspect.shapes import Notation, dims_text, from_channels_first

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
