"""The translation from a trace to a report: one row per module call, containers with the
totals of what they contain, the model itself as the root row. Torch-free."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from cnninspect.results.findings import Finding
from cnninspect.results.report import Report, Row, Totals, UncountedOp
from cnninspect.shapes import ReceptiveField, Shape, per_sample
from cnninspect.trace.records import LayerRecord, Trace

# the producer of the model's first input in a trace (cnninspect.trace.flow.INPUT); the k-th
# input's is INPUT_CALL - k
INPUT_CALL = -1


def report_from_trace(
    trace: Trace,
    *,
    name: str,
    target: str,
    findings: Sequence[Finding] = (),
    source: str | None = None,
) -> Report:
    """The torch-free Report of a trace: one row per module call, containers with the totals
    of what they contain."""
    records = trace.records
    rows = [_input_row(trace)]
    positions = {INPUT_CALL: 0} | {r.index: i + 1 for i, r in enumerate(records)}
    for i, record in enumerate(records):
        inside = [record]
        for later in records[i + 1 :]:
            if later.depth <= record.depth:
                break
            inside.append(later)
        rows.append(_row(record, inside, positions, batch=trace.batch))
    return Report(
        name=name,
        target=target,
        input_shapes=tuple(per_sample(s, trace.batch) for s in trace.input_shapes),
        output_shapes=tuple(per_sample(s, trace.batch) for s in trace.output_shapes),
        rows=tuple(rows),
        totals=_totals(trace),
        batch=trace.batch,
        dtype=trace.dtype,
        device=trace.device,
        element_size=trace.element_size,
        findings=tuple(findings),
        source=source,
        root=_root_row(trace, name),
        inline_ops=trace.inline_ops,
    )


def _row(
    record: LayerRecord,
    inside: Sequence[LayerRecord],
    positions: Mapping[int, int],
    *,
    batch: int,
) -> Row:
    """A module call's row; ``inside``: the call and every call nested in it; ``positions``:
    the row of each call index (the sources become rows)."""
    output = record.output_shape
    shape = per_sample(output, batch) if output else None
    return Row(
        name=record.name,
        type=record.type,
        depth=record.depth,
        is_leaf=record.is_leaf,
        hparams=record.hparams,
        shape=shape,
        extra_shapes=tuple(per_sample(s, batch) for s in record.output_shapes[1:]),
        size=_size(record, shape, batch),
        params=record.params,
        subtree_params=sum(r.params for r in inside),
        shared_params=record.shared_params,
        trainable_params=record.trainable_params,
        subtree_macs=sum(r.own_macs for r in inside),
        call=record.call,
        own_macs=record.own_macs,
        field=record.field,
        input_field=record.input_field,
        sources=_source_rows(record.sources, positions),
        inputs=tuple(sorted(INPUT_CALL - s for s in record.sources if s <= INPUT_CALL)),
        ops=record.ops,
    )


def _size(record: LayerRecord, shape: Shape | None, batch: int) -> int:
    """Elements per sample of a row's activation: its output; the model's "(own)" row, what
    the model's own code made and let out (its output may be a child's, counted there)."""
    if record.is_leaf and record.own_made is not None:
        return record.own_made // max(1, batch)
    return math.prod(shape) if shape is not None else 0


def _source_rows(sources: Sequence[int], positions: Mapping[int, int]) -> tuple[int, ...]:
    """The rows whose outputs feed a call: every input is the input row (0)."""
    rows = {0 if s <= INPUT_CALL else positions.get(s) for s in sources}
    return tuple(sorted(r for r in rows if r is not None))


def _root_row(trace: Trace, name: str) -> Row:
    """The model itself as one row (what ``--depth 0`` shows): everything it holds and does.
    Its own parameters and MACs are those no module call below it has (functional code in
    its ``forward``, a parameter registered on the model)."""
    shape = per_sample(trace.output_shapes[0], trace.batch) if trace.output_shapes else None
    below = sum(r.params for r in trace.records)
    own = trace.total_params - below - sum(count for _, count in trace.uncalled)
    trainable_below = sum(r.trainable_params for r in trace.records)
    return Row(
        name=name,
        type=trace.model_type,
        depth=0,
        is_leaf=False,
        hparams=(),
        shape=shape,
        extra_shapes=tuple(per_sample(s, trace.batch) for s in trace.output_shapes[1:]),
        size=math.prod(shape) if shape is not None else 0,
        params=own,
        subtree_params=trace.total_params,
        shared_params=0,
        trainable_params=min(own, max(0, trace.trainable_params - trainable_below)),
        subtree_macs=trace.macs,
        call=0,
        own_macs=trace.macs - sum(r.own_macs for r in trace.records),
    )


def _totals(trace: Trace) -> Totals:
    """Activations: every leaf's outputs, and what the own code of the modules holding others
    made and let out — once each (the model's "(own)" row holds no child's output)."""
    leaves = [r for r in trace.records if r.is_leaf and r.own_made is None]
    activations = sum(math.prod(s) for r in leaves for s in r.output_shapes) + trace.own_made
    input_elements = sum(math.prod(s) for s in trace.input_shapes)
    return Totals(
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
        input_bytes=trace.input_bytes,
        input_bytes_by_dtype=trace.input_bytes_by_dtype,
        uncalled=trace.uncalled,
        uncounted=_uncounted(trace.uncounted),
    )


def _uncounted(found: Sequence[tuple[str, str, int]]) -> tuple[UncountedOp, ...]:
    """Per op: every call, and the modules that ran it, in the order they first did."""
    calls: dict[str, int] = {}
    modules: dict[str, dict[str, None]] = {}
    for op, module, count in found:
        calls[op] = calls.get(op, 0) + count
        modules.setdefault(op, {})[module] = None
    return tuple(UncountedOp(op, calls[op], tuple(modules[op])) for op in calls)


def _input_row(trace: Trace) -> Row:
    """The first input tensor; a call that holds none (literals alone) has an empty input."""
    if not trace.input_shapes:
        return Row("Input", "Input", 0, True, (), None, (), 0, 0, 0, 0, 0, 0, 0, 0)
    shape = per_sample(trace.input_shapes[0], trace.batch)
    return Row(
        name="Input",
        type="Input",
        depth=0,
        is_leaf=True,
        hparams=(),
        shape=shape,
        extra_shapes=tuple(per_sample(s, trace.batch) for s in trace.input_shapes[1:]),
        size=math.prod(shape),
        params=0,
        subtree_params=0,
        shared_params=0,
        trainable_params=0,
        subtree_macs=0,
        call=0,
        own_macs=0,
        field=_pixel(len(shape) - 1),
    )


def _pixel(axes: int) -> ReceptiveField | None:
    """The input's own field: one pixel on every spatial axis."""
    if axes < 1:
        return None
    return ReceptiveField((1.0,) * axes, (1.0,) * axes, (0.5,) * axes)
