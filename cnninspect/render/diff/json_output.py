"""A diff as JSON (``cnninspect diff --format json``): both sides' totals, every entry with its
rows, counts per status, the quantities with their deltas."""

from __future__ import annotations

import json
from typing import Any, Literal, TypedDict, cast

from cnninspect.render.envelope import Envelope, envelope
from cnninspect.results.diff import ArchDiff, Entry, Quantity, Status
from cnninspect.results.report import Report, Row

StatusName = Literal["same", "moved", "changed", "added", "removed", "functional"]


ChangeName = Literal["hparams", "shape", "params"]  # what a changed pair differs in


class SideTotalsDict(TypedDict):
    """One side's totals."""

    params: int
    trainable_params: int
    param_bytes: int
    macs: int
    activation_elements: int
    activation_bytes: int


class SideDict(TypedDict):
    """One side of the diff: which architecture, how it was run, its totals."""

    name: str
    target: str
    source: str | None
    batch: int
    dtype: str
    device: str
    input: list[list[int]]
    output: list[list[int]]
    totals: SideTotalsDict
    findings: int


class DiffRowDict(TypedDict):
    """A layer of one side (channels-first shapes)."""

    name: str
    call: int
    type: str
    hparams: dict[str, Any]
    shape: list[int] | None
    extra_shapes: list[list[int]]
    params: int
    shared_params: int
    own_macs: int
    subtree_macs: int


class EntryDict(TypedDict):
    """One line of the diff: a pair of layers, or a layer only one side has (the other null)."""

    status: StatusName
    changes: list[ChangeName]
    a: DiffRowDict | None
    b: DiffRowDict | None
    params_delta: int


class StatusCounts(TypedDict):
    """Entries of each status."""

    same: int
    moved: int
    changed: int
    added: int
    removed: int
    functional: int


class QuantityDict(TypedDict):
    """A total on both sides; ``percent`` is null when A's is zero."""

    a: int
    b: int
    delta: int
    percent: float | None


class DiffTotalsDict(TypedDict):
    """Both sides' totals and their changes."""

    params: QuantityDict
    macs: QuantityDict
    activation_bytes: QuantityDict


class DiffDocument(Envelope):
    """``cnninspect diff --format json``: every entry, never collapsed."""

    differs: bool
    a: SideDict
    b: SideDict
    counts: StatusCounts
    layers: list[EntryDict]
    totals: DiffTotalsDict


def diff_json(diff: ArchDiff) -> str:
    return json.dumps(diff_dict(diff), indent=2)


def diff_dict(diff: ArchDiff) -> DiffDocument:
    totals = {q.name: _quantity(q) for q in diff.totals}
    return {
        **envelope("diff"),
        "differs": diff.differs,
        "a": _side(diff.a),
        "b": _side(diff.b),
        "counts": {
            "same": diff.count(Status.SAME),
            "moved": diff.count(Status.MOVED),
            "changed": diff.count(Status.CHANGED),
            "added": diff.count(Status.ADDED),
            "removed": diff.count(Status.REMOVED),
            "functional": diff.count(Status.FUNCTIONAL),
        },
        "layers": [_entry(e) for e in diff.entries],
        "totals": {
            "params": totals["params"],
            "macs": totals["macs"],
            "activation_bytes": totals["activation_bytes"],
        },
    }


def _quantity(quantity: Quantity) -> QuantityDict:
    return {
        "a": quantity.a,
        "b": quantity.b,
        "delta": quantity.delta,
        "percent": quantity.percent,
    }


def _side(report: Report) -> SideDict:
    t = report.totals
    return {
        "name": report.name,
        "target": report.target,
        "source": report.source,
        "batch": report.batch,
        "dtype": report.dtype,
        "device": report.device,
        "input": [list(s) for s in report.input_shapes],
        "output": [list(s) for s in report.output_shapes],
        "totals": {
            "params": t.params,
            "trainable_params": t.trainable_params,
            "param_bytes": t.param_bytes,
            "macs": t.macs,
            "activation_elements": t.activation_elements,
            "activation_bytes": t.activation_bytes,
        },
        "findings": len(report.findings),
    }


def _entry(entry: Entry) -> EntryDict:
    return {
        "status": entry.status.value,
        "changes": [cast("ChangeName", c) for c in entry.changes],
        "a": _row(entry.a),
        "b": _row(entry.b),
        "params_delta": entry.params_delta,
    }


def _row(row: Row | None) -> DiffRowDict | None:
    if row is None:
        return None
    return {
        "name": row.name,
        "call": row.call,
        "type": row.type,
        "hparams": {k: list(v) if isinstance(v, tuple) else v for k, v in row.hparams},
        "shape": list(row.shape) if row.shape is not None else None,
        "extra_shapes": [list(s) for s in row.extra_shapes],
        "params": row.params,
        "shared_params": row.shared_params,
        "own_macs": row.own_macs,
        "subtree_macs": row.subtree_macs,
    }
