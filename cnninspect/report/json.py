"""JSON for a summary Report: exact integers and a schema version, nothing else on stdout."""

from __future__ import annotations

import json
from typing import Any, Literal, TypedDict, cast

from cnninspect.report.envelope import Envelope, envelope
from cnninspect.report.memory import MemoryStepDict, memory_dict
from cnninspect.results.findings import Finding, Severity
from cnninspect.results.report import Report, Row
from cnninspect.shapes import Notation, from_channels_first

SeverityName = Literal["info", "warning", "error"]  # str() of results.findings.Severity


class FindingDict(TypedDict):
    """A declaration the forward pass contradicts, or a problem of the file, with its place."""

    code: str
    severity: SeverityName
    message: str
    layer: str | None
    file: str | None
    line: int | None
    col: int | None
    hint: str | None


class LayerDict(TypedDict):
    """One module call. ``params``: its own, first call only (tied or re-used weights counted
    earlier are ``shared_params``); ``macs`` and ``subtree_params``: it and all it contains."""

    name: str
    type: str
    depth: int
    leaf: bool
    call: int
    hparams: dict[str, Any]
    shape: list[int] | None
    extra_shapes: list[list[int]]
    size: int
    params: int
    subtree_params: int
    trainable_params: int
    shared_params: int
    macs: int


class DtypeBytesDict(TypedDict):
    """Bytes of the parameters and buffers of one dtype."""

    params: int
    buffers: int


class TotalsDict(TypedDict):
    """The whole model at the batch and dtype used."""

    params: int
    trainable_params: int
    frozen_params: int
    param_bytes: int
    trainable_param_bytes: int
    buffers: int
    buffer_bytes: int
    macs: int
    flops: int
    input_elements: int
    activation_elements: int
    activation_bytes: int
    input_bytes: int
    uncalled_params: int
    uncalled: dict[str, int]
    bytes_by_dtype: dict[str, DtypeBytesDict]


class ExplanationDict(TypedDict):
    """The lecture's arithmetic for one layer."""

    layer: str
    params: str | None
    size: str | None


class SummaryDocument(Envelope):
    """``cnninspect summary --format json``: one architecture, layer by layer, with totals."""

    name: str
    target: str
    source: str | None
    notation: Literal["chw", "hwc"]
    batch: int
    dtype: str
    device: str
    input: list[list[int]]
    output: list[list[int]]
    layers: list[LayerDict]
    totals: TotalsDict
    findings: list[FindingDict]
    explanations: list[ExplanationDict]
    memory: MemoryStepDict | None  # summary --memory: one training step, tracked


def summary_json(report: Report, *, notation: Notation = "chw", depth: int | None = None) -> str:
    return json.dumps(summary_dict(report, notation=notation, depth=depth), indent=2)


def summary_dict(
    report: Report, *, notation: Notation = "chw", depth: int | None = None
) -> SummaryDocument:
    t = report.totals
    return {
        **envelope("summary"),
        "name": report.name,
        "target": report.target,
        "source": report.source,
        "notation": notation,
        "batch": report.batch,
        "dtype": report.dtype,
        "device": report.device,
        "input": [list(from_channels_first(s, notation)) for s in report.input_shapes],
        "output": [list(from_channels_first(s, notation)) for s in report.output_shapes],
        "layers": [_row(r, notation) for r in report.folded(depth)],
        "totals": {
            "params": t.params,
            "trainable_params": t.trainable_params,
            "frozen_params": t.frozen_params,
            "param_bytes": t.param_bytes,
            "trainable_param_bytes": t.trainable_param_bytes,
            "buffers": t.buffers,
            "buffer_bytes": t.buffer_bytes,
            "macs": t.macs,
            "flops": t.flops,
            "input_elements": t.input_elements,
            "activation_elements": t.activation_elements,
            "activation_bytes": t.activation_bytes,
            "input_bytes": t.input_bytes,
            "uncalled_params": t.uncalled_params,
            "uncalled": dict(t.uncalled),
            "bytes_by_dtype": {
                dtype: {"params": p, "buffers": b} for dtype, p, b in t.bytes_by_dtype
            },
        },
        "findings": [finding_dict(f) for f in report.findings],
        "explanations": [
            {"layer": e.layer, "params": e.params, "size": e.size} for e in report.explanations
        ],
        "memory": memory_dict(report.memory) if report.memory else None,
    }


def _row(row: Row, notation: Notation) -> LayerDict:
    return {
        "name": row.name,
        "type": row.type,
        "depth": row.depth,
        "leaf": row.is_leaf,
        "call": row.call,
        "hparams": {k: list(v) if isinstance(v, tuple) else v for k, v in row.hparams},
        "shape": list(from_channels_first(row.shape, notation)) if row.shape is not None else None,
        "extra_shapes": [list(from_channels_first(s, notation)) for s in row.extra_shapes],
        "size": row.size,
        "params": row.params,
        "subtree_params": row.subtree_params,
        "trainable_params": row.trainable_params,
        "shared_params": row.shared_params,
        "macs": row.macs,
    }


def finding_dict(finding: Finding) -> FindingDict:
    position = finding.position
    return {
        "code": finding.code,
        "severity": severity_name(finding.severity),
        "message": finding.message,
        "layer": finding.layer,
        "file": position.path if position else None,
        "line": position.line if position else None,
        "col": position.col if position else None,
        "hint": finding.hint,
    }


def severity_name(severity: Severity) -> SeverityName:
    return cast("SeverityName", str(severity))  # tests/test_schemas.py: the same names
