"""The summary use case: a target in, a ``Report`` out — load, build, trace once, check the
declarations, explain the arithmetic. Nothing is printed."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from cnninspect.build.targets import is_module_target
from cnninspect.errors import TargetError
from cnninspect.inputs import Example, Inputs
from cnninspect.results.findings import Finding
from cnninspect.results.report import Report, Row, Totals
from cnninspect.shapes import ReceptiveField, Shape, without_batch

INPUT_CALL = -1  # the producer of the model's inputs in a trace (cnninspect.trace.flow.INPUT)

if TYPE_CHECKING:
    from torch import nn

    from cnninspect.trace.records import LayerRecord, Trace


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
        input_shapes=tuple(without_batch(s, trace.batch) for s in trace.input_shapes),
        output_shapes=tuple(without_batch(s, trace.batch) for s in trace.output_shapes),
        rows=tuple(rows),
        totals=_totals(trace),
        batch=trace.batch,
        dtype=trace.dtype,
        device=trace.device,
        element_size=trace.element_size,
        findings=tuple(findings),
        source=source,
        root=_root_row(trace, name),
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
    shape = without_batch(output, batch) if output else None
    return Row(
        name=record.name,
        type=record.type,
        depth=record.depth,
        is_leaf=record.is_leaf,
        hparams=record.hparams,
        shape=shape,
        extra_shapes=tuple(without_batch(s, batch) for s in record.output_shapes[1:]),
        size=math.prod(shape) if shape is not None else 0,
        params=record.params,
        subtree_params=sum(r.params for r in inside),
        shared_params=record.shared_params,
        trainable_params=record.trainable_params,
        macs=sum(r.macs for r in inside),
        call=record.call,
        own_macs=record.macs,
        field=record.field,
        input_field=record.input_field,
        sources=tuple(sorted({positions[s] for s in record.sources if s in positions})),
    )


def _root_row(trace: Trace, name: str) -> Row:
    """The model itself as one row (what ``--depth 0`` shows): everything it holds and does.
    Its own parameters and MACs are those no module call below it has (functional code in
    its ``forward``, a parameter registered on the model)."""
    shape = without_batch(trace.output_shapes[0]) if trace.output_shapes else None
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
        extra_shapes=tuple(without_batch(s) for s in trace.output_shapes[1:]),
        size=math.prod(shape) if shape is not None else 0,
        params=own,
        subtree_params=trace.total_params,
        shared_params=0,
        trainable_params=min(own, max(0, trace.trainable_params - trainable_below)),
        macs=trace.macs,
        call=0,
        own_macs=trace.macs - sum(r.macs for r in trace.records),
    )


def _totals(trace: Trace) -> Totals:
    leaves = [r for r in trace.records if r.is_leaf]
    activations = sum(math.prod(s) for r in leaves for s in r.output_shapes)
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
        uncalled=trace.uncalled,
    )


def _input_row(trace: Trace) -> Row:
    shape = without_batch(trace.input_shapes[0], trace.batch)
    return Row(
        name="Input",
        type="Input",
        depth=0,
        is_leaf=True,
        hparams=(),
        shape=shape,
        extra_shapes=tuple(without_batch(s, trace.batch) for s in trace.input_shapes[1:]),
        size=math.prod(shape),
        params=0,
        subtree_params=0,
        shared_params=0,
        trainable_params=0,
        macs=0,
        call=0,
        own_macs=0,
        field=_pixel(len(shape) - 1),
    )


def _pixel(axes: int) -> ReceptiveField | None:
    """The input's own field: one pixel on every spatial axis."""
    if axes < 1:
        return None
    return ReceptiveField((1.0,) * axes, (1.0,) * axes, (0.5,) * axes)


def summarize(
    target: str | nn.Module,
    *,
    input_shapes: Sequence[Shape] | None = None,
    batch: int = 1,
    device: str = "auto",
    dtype: str = "float32",
    args: dict[str, Any] | None = None,
    memory: bool = False,
    mode: str = "eval",
    inputs: Inputs | None = None,
    example: Example | None = None,
    data_flow: bool = True,
) -> Report:
    """Load, build and trace ``target`` once; return its Report (nothing is printed).

    ``device="auto"``: the meta device (no memory for weights, any size), and cpu when meta
    cannot run the model (data-dependent ops: a detector's ``nonzero``), said in
    ``report.device_note``; an ``nn.Module`` runs where its weights are.

    ``inputs``: what ``forward`` takes when it is more than float tensors — dtypes, ranges,
    keywords, lists, dicts, literals (``cnninspect.inputs.parse_inputs``); module targets only.

    ``example``: real arguments of ``forward`` (``trace.values.example``: tensors, lists,
    dicts, literals), used as they are; their tensors give the input shapes and the batch.

    ``mode="train"``: the pass in training mode (auxiliary heads, batch statistics), without
    updating the model's running statistics.

    ``memory``: also track one training step (Adam) at ``batch`` and ``dtype`` on fake
    tensors — ``report.memory`` — as ``cnninspect memory`` does.

    ``target`` is a YAML path, the name of a bundled architecture, ``pkg.module:attr``,
    ``path/to/file.py:attr`` or an ``nn.Module``. ``input_shapes`` (per sample) is required
    for modules and overrides a YAML file's ``input``.
    """
    if device == "auto":
        return _summarize_anywhere(
            target,
            input_shapes=input_shapes,
            batch=batch,
            dtype=dtype,
            args=args,
            memory=memory,
            mode=mode,
            inputs=inputs,
            example=example,
            data_flow=data_flow,
        )
    arguments: Inputs | Example | None
    if example is not None:
        input_shapes, batch = _example_inputs(target, example, input_shapes, inputs, batch)
        arguments = example
    else:
        input_shapes, arguments = _normalised_inputs(target, input_shapes, inputs)
    from cnninspect.build.targets import check_module_file, load_target, read_description

    description = None  # a missing or broken file costs no torch import
    if isinstance(target, str) and not is_module_target(target):
        description = read_description(target, args)
    elif isinstance(target, str):
        check_module_file(target)

    from torch import nn

    from cnninspect.checks.declarations import declarations
    from cnninspect.checks.explain import explain
    from cnninspect.trace.forward import check_device, check_dtype
    from cnninspect.trace.forward import trace as run_trace
    from cnninspect.trace.placement import placed_copy

    where = check_device(device)  # before constructing anything: a missing GPU is one line
    if isinstance(target, nn.Module):  # the caller's model is never moved or converted
        target = placed_copy(target, where, check_dtype(dtype))
    loaded = load_target(
        target, input_shapes=input_shapes, args=args, device=device, description=description
    )
    traced = run_trace(
        loaded.module,
        loaded.input_shapes,
        batch=batch,
        device=device,
        dtype=dtype,
        largest_activation=loaded.largest_activation,
        mode=mode,
        arguments=arguments,
        data_flow=data_flow,
    )
    report = report_from_trace(traced, name=loaded.name, target=loaded.target, source=loaded.source)
    findings: list[Finding] = []
    if loaded.spec is not None:
        findings = declarations(loaded.spec, loaded.origins, loaded.declared_inputs, report)
    tracked = None
    if memory:
        from cnninspect.api.memory import memory as track

        tracked = track(
            target, input_shapes=loaded.input_shapes, batch=batch, dtype=dtype, args=args
        )
    return dataclasses.replace(
        report,
        findings=tuple(findings),
        explanations=explain(traced.records, dict(loaded.module.named_modules())),
        described=loaded.spec is not None,
        memory=tracked,
    )


def _normalised_inputs(
    target: str | nn.Module, input_shapes: Sequence[Shape] | None, inputs: Inputs | None
) -> tuple[Sequence[Shape] | None, Inputs | None]:
    """Plain float inputs become shapes; anything richer stays ``inputs`` (module targets only),
    its tensors' shapes the input shapes."""
    if inputs is None:
        return input_shapes, None
    if inputs.plain:
        return list(inputs.tensor_shapes()), None
    if isinstance(target, str) and not is_module_target(target):
        raise TargetError(
            "a YAML description takes one float input: typed inputs, values, keywords, lists "
            "and dicts are for module targets"
        )
    return list(inputs.tensor_shapes()), inputs


def _example_inputs(
    target: str | nn.Module,
    example: Example,
    input_shapes: Sequence[Shape] | None,
    inputs: Inputs | None,
    batch: int,
) -> tuple[list[Shape], int]:
    """The input shapes and the batch of real example values; a usage error where they
    conflict with the other ways of saying what ``forward`` takes."""
    from cnninspect.trace.values import example_layout, is_one_tensor

    if input_shapes is not None or inputs is not None:
        raise TargetError(
            "give the inputs once: input_data (real values), or input shapes and inputs "
            "(described), not both"
        )
    shapes, example_batch = example_layout(example)
    if batch not in (1, example_batch):
        raise TargetError(
            f"batch={batch}, but input_data's batch is {example_batch}: real values carry "
            "their own batch"
        )
    described = isinstance(target, str) and not is_module_target(target)
    if described and not is_one_tensor(example):
        raise TargetError("a YAML description takes one float input: give input_data one tensor")
    return list(shapes), example_batch


def _summarize_anywhere(target: str | nn.Module, **options: Any) -> Report:
    """Meta first (shapes and counts without memory); cpu when meta cannot run the model.

    What cannot differ on cpu is not retried: a file that does not read or build fails the same
    way everywhere (and is refused without importing torch), so does a refusal cnninspect makes
    on every device (an id beyond an embedding's table), and so do meta tensors given as
    input_data (cpu has no values to run them on)."""
    from cnninspect.errors import CnninspectError, DeviceError, SpecError, TraceError

    if not isinstance(target, str):  # (a string is refused, if it must be, before torch)
        from torch import nn

        from cnninspect.trace.forward import device_of

        if isinstance(target, nn.Module):  # a module with weights: it runs where they are
            return summarize(target, device=device_of(target), **options)
    try:
        return summarize(target, device="meta", **options)
    except (DeviceError, SpecError):
        raise
    except CnninspectError as on_meta:
        # a module target's constructor runs differently on meta: it may fail there only
        retried = (isinstance(on_meta, TraceError) and not on_meta.everywhere) or (
            isinstance(target, str)
            and is_module_target(target)
            and not isinstance(on_meta, TraceError)
        )
        if not retried or _has_meta_tensors(options.get("example")):
            raise
        report = summarize(target, device="cpu", **options)  # its error, if it fails too
        return dataclasses.replace(report, device_note=_why_not_meta(on_meta.message))


def _has_meta_tensors(example: Example | None) -> bool:
    if example is None:
        return False
    from cnninspect.trace.values import example_on_meta

    return example_on_meta(example)


def _why_not_meta(message: str) -> str:
    """A short reason for the device line: meta's own words are a paragraph."""
    for op in ("nonzero", "item", "unique", "masked_select", "repeat_interleave"):
        if f"{op}(" in message or f".{op}" in message:
            return f"meta cannot run it: its work depends on values (torch.{op})"
    if "data-dependent" in message or "data dependent" in message:
        return "meta cannot run it: its work depends on values"
    first = message.split(": ", 1)[-1].split(". ", maxsplit=1)[0]
    return "meta cannot run it: " + (first if len(first) <= 80 else first[:79] + "…")
