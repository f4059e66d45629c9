"""``summarize``: a target in, a ``Report`` out — the value every summary renderer formats.

The Report is torch-free and immutable. Rows are in call order; containers carry the totals of
what they contain, so folding with ``depth`` never changes the model's totals.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cnninspect.findings import Finding

if TYPE_CHECKING:
    from torch import nn

    from cnninspect.explain import Explanation
    from cnninspect.trace import Trace

Shape = tuple[int, ...]
SCHEMA_VERSION = 1


@dataclass(frozen=True, slots=True)
class Row:
    name: str  # qualified module name; "Input" for the input row
    type: str
    depth: int  # 0 for the input row, 1 for the model's children
    is_leaf: bool
    hparams: tuple[tuple[str, Any], ...]
    shape: Shape | None  # the first output, without batch, channels-first
    extra_shapes: tuple[Shape, ...]  # further outputs (tuples, dicts, …)
    size: int  # elements of the first output, per sample
    params: int  # own parameters (first call; shared ones are counted where first seen)
    subtree_params: int  # own plus everything inside (what a folded row shows)
    shared_params: int
    trainable_params: int
    macs: int  # own plus everything inside
    call: int  # 0 for the first call of a module

    @property
    def label(self) -> str:
        return self.name.rsplit(".", 1)[-1]


@dataclass(frozen=True, slots=True)
class Totals:
    params: int
    trainable_params: int
    param_bytes: int
    trainable_param_bytes: int
    buffers: int
    buffer_bytes: int
    bytes_by_dtype: tuple[tuple[str, int, int], ...]  # (dtype, parameter bytes, buffer bytes)
    macs: int
    input_elements: int  # at the batch size used
    activation_elements: int  # every leaf layer's output, at the batch size used
    activation_bytes: int
    input_bytes: int
    uncalled: tuple[tuple[str, int], ...] = ()  # (module, params) never called by the pass

    @property
    def uncalled_params(self) -> int:
        return sum(count for _, count in self.uncalled)

    @property
    def frozen_params(self) -> int:
        return self.params - self.trainable_params

    @property
    def flops(self) -> int:
        return 2 * self.macs

    @property
    def training_bytes(self) -> int:
        """A forward+backward estimate: weights and buffers, one gradient per trainable
        parameter, the input, and every layer output kept for the backward pass. Optimizer
        state (e.g. Adam's two moments) and framework overhead are not included."""
        return (
            self.param_bytes
            + self.buffer_bytes
            + self.trainable_param_bytes
            + self.input_bytes
            + self.activation_bytes
        )


@dataclass(frozen=True, slots=True)
class Report:
    name: str
    target: str
    input_shapes: tuple[Shape, ...]  # without batch
    output_shapes: tuple[Shape, ...]  # without batch
    rows: tuple[Row, ...]  # the input row first
    totals: Totals
    batch: int
    dtype: str
    device: str
    element_size: int
    findings: tuple[Finding, ...] = field(default=())
    source: str | None = None  # paper or reference implementation, from the YAML
    explanations: tuple[Explanation, ...] = field(default=())  # the lecture's arithmetic

    def layer(self, name: str) -> Row:
        return next(r for r in self.rows if r.name == name)

    def __rich__(self) -> Any:
        """A Report prints itself as the summary table in a Rich console."""
        from cnninspect.report.table import summary_table

        return summary_table(self)

    def _repr_html_(self) -> str:
        """…and as an HTML table in a Jupyter notebook."""
        from cnninspect.report.html import summary_html

        return summary_html(self)

    def folded(self, depth: int | None) -> tuple[Row, ...]:
        """Rows down to ``depth`` (None: all); a folded container shows its subtree's numbers."""
        if depth is None:
            return self.rows
        return tuple(r for r in self.rows if r.depth <= depth)


def report_from_trace(
    trace: Trace,
    *,
    name: str,
    target: str,
    findings: Sequence[Finding] = (),
    source: str | None = None,
) -> Report:
    records = trace.records
    rows = [_input_row(trace)]
    for i, record in enumerate(records):
        inside = [record]
        for later in records[i + 1 :]:
            if later.depth <= record.depth:
                break
            inside.append(later)
        shape = record.output_shape
        rows.append(
            Row(
                name=record.name,
                type=record.type,
                depth=record.depth,
                is_leaf=record.is_leaf,
                hparams=record.hparams,
                shape=shape[1:] if shape else None,
                extra_shapes=tuple(s[1:] for s in record.output_shapes[1:]),
                size=math.prod(shape[1:]) if shape else 0,
                params=record.params,
                subtree_params=sum(r.params for r in inside),
                shared_params=record.shared_params,
                trainable_params=record.trainable_params,
                macs=sum(r.macs for r in inside),
                call=record.call,
            )
        )
    activations = sum(math.prod(s) for r in records if r.is_leaf for s in r.output_shapes)
    input_elements = sum(math.prod(s) for s in trace.input_shapes)
    totals = Totals(
        params=trace.total_params,
        trainable_params=trace.trainable_params,
        param_bytes=trace.param_bytes,
        trainable_param_bytes=trace.trainable_param_bytes,
        bytes_by_dtype=trace.bytes_by_dtype,
        buffers=trace.buffer_count,
        buffer_bytes=trace.buffer_bytes,
        macs=trace.macs,
        input_elements=input_elements,
        activation_elements=activations,
        activation_bytes=activations * trace.element_size,
        input_bytes=input_elements * trace.element_size,
        uncalled=trace.uncalled,
    )
    return Report(
        name=name,
        target=target,
        input_shapes=tuple(s[1:] for s in trace.input_shapes),
        output_shapes=tuple(s[1:] for s in trace.output_shapes),
        rows=tuple(rows),
        totals=totals,
        batch=trace.batch,
        dtype=trace.dtype,
        device=trace.device,
        element_size=trace.element_size,
        findings=tuple(findings),
        source=source,
    )


def _input_row(trace: Trace) -> Row:
    shape = trace.input_shapes[0][1:]
    return Row(
        name="Input",
        type="Input",
        depth=0,
        is_leaf=True,
        hparams=(),
        shape=shape,
        extra_shapes=tuple(s[1:] for s in trace.input_shapes[1:]),
        size=math.prod(shape),
        params=0,
        subtree_params=0,
        shared_params=0,
        trainable_params=0,
        macs=0,
        call=0,
    )


def summarize(
    target: str | nn.Module,
    *,
    input_shapes: Sequence[Shape] | None = None,
    batch: int = 1,
    device: str = "cpu",
    dtype: str = "float32",
    args: dict[str, Any] | None = None,
) -> Report:
    """Load, build and trace ``target`` once; return its Report (nothing is printed).

    ``target`` is a YAML path, the name of a bundled architecture, ``pkg.module:attr``,
    ``path/to/file.py:attr`` or an ``nn.Module``. ``input_shapes`` (without batch) is
    required for modules and overrides a YAML file's ``input``.
    """
    from cnninspect import checks
    from cnninspect.explain import explain
    from cnninspect.targets import load_target
    from cnninspect.trace import check_device
    from cnninspect.trace import trace as run_trace

    check_device(device)  # before constructing anything: a missing GPU is a one-line answer
    loaded = load_target(target, input_shapes=input_shapes, args=args, device=device)
    traced = run_trace(loaded.module, loaded.input_shapes, batch=batch, device=device, dtype=dtype)
    report = report_from_trace(traced, name=loaded.name, target=loaded.target, source=loaded.source)
    explanations = explain(traced.records, dict(loaded.module.named_modules()))
    findings: list[Finding] = []
    if loaded.spec is not None:
        findings = checks.declarations(loaded.spec, loaded.origins, loaded.declared_inputs, report)
    return dataclasses.replace(report, findings=tuple(findings), explanations=explanations)
