"""JSON for a summary Report: exact integers and a schema version, nothing else on stdout."""

from __future__ import annotations

import json
from typing import Any, Literal, TypedDict, cast

from cnninspect.render.envelope import Envelope, envelope
from cnninspect.render.memory.json_output import MemoryStepDict, memory_dict
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


class ReceptiveFieldDict(TypedDict):
    """The receptive field of a call's first output, one value per spatial axis (H, W; T;
    D, H, W), in input pixels: ``size`` r_out = r_in + (k − 1)·j_in (a dilation d widens k − 1
    to (k − 1)·d; the largest over the paths into a merge), ``jump`` the distance between
    neighbouring outputs j_out = j_in·s (the effective stride), ``start`` the centre of the
    first output's field (the first pixel's is 0.5). ``exceeds_input``: larger than the input
    on an axis — every output also sees padding."""

    size: list[float]
    jump: list[float]
    start: list[float]
    exceeds_input: bool


class LayerDict(TypedDict):
    """One module call. ``params``: its own, first call only (tied or re-used weights counted
    earlier are ``shared_params``); ``own_macs``: the work it does itself; ``subtree_params``
    and ``subtree_macs``: it and all it contains."""

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
    own_macs: int
    subtree_macs: int
    receptive_field: ReceptiveFieldDict | None  # None: no spatial axes (after a flatten)


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
    input_bytes_by_dtype: dict[str, int]  # the input tensors' bytes at each one's own dtype
    uncalled_params: int
    uncalled: dict[str, int]
    uncounted: list[UncountedDict]
    bytes_by_dtype: dict[str, DtypeBytesDict]


class UncountedDict(TypedDict):
    """An op that did arithmetic with no formula: not in the MACs, named here."""

    op: str
    calls: int
    modules: list[str]


class ExplanationDict(TypedDict):
    """The lecture's arithmetic for one layer."""

    layer: str
    params: str | None
    size: str | None
    receptive_field: str | None  # "6 + (5 − 1)·2 = 14, jump 2·1 = 2 per side"


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
    device_note: str | None  # device auto: why the pass ran on cpu rather than meta


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
        "layers": [_row(r, notation, report) for r in report.folded(depth)],
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
            "input_bytes_by_dtype": dict(t.input_bytes_by_dtype),
            "uncalled_params": t.uncalled_params,
            "uncalled": dict(t.uncalled),
            "uncounted": [
                {"op": u.op, "calls": u.calls, "modules": list(u.modules)} for u in t.uncounted
            ],
            "bytes_by_dtype": {
                dtype: {"params": p, "buffers": b} for dtype, p, b in t.bytes_by_dtype
            },
        },
        "findings": [finding_dict(f) for f in report.findings],
        "explanations": [
            {"layer": e.layer, "params": e.params, "size": e.size, "receptive_field": e.receptive}
            for e in report.explanations
        ],
        "memory": memory_dict(report.memory) if report.memory else None,
        "device_note": report.device_note,
    }


def _row(row: Row, notation: Notation, report: Report) -> LayerDict:
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
        "own_macs": row.own_macs,
        "subtree_macs": row.subtree_macs,
        "receptive_field": _field(row, report),
    }


def _field(row: Row, report: Report) -> ReceptiveFieldDict | None:
    field = row.field
    if field is None:
        return None
    return {
        "size": [_number(v) for v in field.size],
        "jump": [_number(v) for v in field.jump],
        "start": [_number(v) for v in field.start],
        "exceeds_input": report.field_exceeds_input(row),
    }


def _number(value: float) -> float:
    """Whole numbers as JSON integers (195, not 195.0)."""
    return int(value) if value == int(value) else value


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
