"""The one forward pass: module hooks record shapes, a dispatch mode counts MACs.

``trace`` does not care where a module came from (YAML or Python). It runs the model once
without autograd — in eval mode, or in training mode on request, its running statistics kept —
records every module call in call order (containers included, with their depth), removes its
hooks and restores every module's mode and buffers whatever happens, and returns an immutable
``Trace``.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Sequence
from contextlib import redirect_stdout
from typing import Any

import torch
from torch import nn

from cnninspect.choices import DEVICES, DTYPES, MODES
from cnninspect.errors import CnninspectError, DeviceError, TargetError, first_line
from cnninspect.inputs import Example, Inputs
from cnninspect.shapes import MAX_ELEMENTS, Shape
from cnninspect.trace import arguments, growth, memory_guard
from cnninspect.trace.dispatch import PassDispatch
from cnninspect.trace.flow import tensors
from cnninspect.trace.placement import to_empty
from cnninspect.trace.recorder import Recorder, module_type, tensor_shapes
from cnninspect.trace.records import LayerRecord, Trace


def check_device(device: str) -> torch.device:
    """The torch device, or a DeviceError that says why it is not usable here."""
    if device not in DEVICES:
        raise DeviceError(f"unknown device '{device}': use one of {', '.join(DEVICES)}")
    if device == "cuda" and not torch.cuda.is_available():
        reason = (
            "this torch build has no CUDA support"
            if torch.version.cuda is None
            else "no CUDA GPU is visible"
        )
        raise DeviceError(
            f"--device cuda: CUDA is not available on this machine ({reason})",
            hint="run on the CPU (the default) or inspect shapes only with --device meta",
        )
    if device == "mps" and not torch.backends.mps.is_available():
        raise DeviceError(
            "--device mps: Apple's Metal backend is not available on this machine",
            hint="run on the CPU (the default) or inspect shapes only with --device meta",
        )
    return torch.device(device)


def check_dtype(dtype: str) -> torch.dtype:
    """The torch dtype of a name in DTYPES; any other name is a usage error."""
    if dtype not in DTYPES:
        raise TargetError(f"unknown dtype '{dtype}': use one of {', '.join(DTYPES)}")
    torch_dtype: torch.dtype = getattr(torch, dtype)
    return torch_dtype


def trace(
    model: nn.Module,
    input_shapes: Sequence[Shape],
    *,
    batch: int = 1,
    device: str = "cpu",
    dtype: str | None = None,
    largest_activation: int = 0,
    mode: str = "eval",
    feed: Inputs | Example | None = None,
    data_flow: bool = True,
) -> Trace:
    """Run ``model`` once on seeded inputs of ``input_shapes`` (per sample) and record it.

    ``feed``: what ``forward`` takes when it is more than float tensors with a batch —
    dtypes and value ranges, keywords, lists, dicts, 0-d tensors, literals (``inputs.py``);
    ``input_shapes`` are then the per-sample shapes of its tensors. An ``Example`` holds real
    values (the API's ``input_data``): copies of them are moved to ``device`` and used as they
    are, dtypes and batch included.

    ``mode="train"`` runs the pass in training mode (auxiliary heads that only run in training,
    batch statistics); the model's buffers — batch norm's running statistics — are restored
    afterwards, so inspecting a model never updates it.

    On a real device the memory the pass needs is checked first (``largest_activation``, in
    elements per sample, when the caller knows it from the shapes); an allocation that fails
    all the same is the same refusal, never a traceback.
    """
    target = check_device(device)
    # None: the model's own (a half model is measured in half, its inputs made in half)
    convert = check_dtype(dtype) if dtype is not None else None
    torch_dtype = convert or floating_dtype(model) or torch.float32
    if not isinstance(feed, Example):
        check_batch_axis(model)
    known: arguments.ValueRanges = {}  # what integer inputs hold, checked where meta cannot
    inputs, keywords = _prepare(
        model,
        input_shapes,
        batch=batch,
        target=target,
        dtype=torch_dtype,
        convert=convert,
        largest_activation=largest_activation,
        feed=feed,
        ranges=known,
    )
    recorder = Recorder(model, value_ranges=known)
    recorder.start(list(tensors([inputs, keywords])))  # data flow and fields start here
    output, counter = _run(
        model,
        recorder,
        inputs,
        keywords,
        mode=mode,
        device=device,
        dtype=torch_dtype,
        data_flow=data_flow,
    )
    return _recorded(
        model,
        recorder.records(counter.counts, counter.ops),
        [inputs, keywords],
        output,
        macs=sum(counter.counts.values()),
        uncalled=recorder.uncalled(),
        inline_ops=recorder.inline_ops(counter.ops),
        uncounted=recorder.uncounted(counter.uncounted),
        own_made=recorder.own_made(),
        batch=batch,
        dtype=dtype_name(torch_dtype),
        device=device,
    )


def floating_dtype(model: nn.Module) -> torch.dtype | None:
    """The dtype of a model's first floating parameter (or buffer); None: it has none."""
    found = (t for t in (*model.parameters(), *model.buffers()) if t.is_floating_point())
    first = next(found, None)
    return first.dtype if first is not None else None


def dtype_name(dtype: torch.dtype) -> str:
    return str(dtype).removeprefix("torch.")


def check_batch_axis(model: nn.Module) -> None:
    """cnninspect puts the batch first; a recurrent layer given as the model itself, without
    ``batch_first=True``, reads the first axis as time: its batch would become the sequence
    and every per-sample figure would be wrong. Refused, saying how (inside a model, the
    model's own code lays its tensors out)."""
    if isinstance(model, nn.RNNBase) and not model.batch_first:
        kind = type(model).__name__
        raise TargetError(
            f"{kind} without batch_first=True takes (sequence, batch, features), and "
            "cnninspect puts the batch first: the batch would be read as the sequence",
            hint=f"construct it with batch_first=True (--arg batch_first=True); the input "
            f"is then (sequence, features) per sample, as in -i 20x{model.input_size}",
        )


def _run(
    model: nn.Module,
    recorder: Recorder,
    inputs: list[Any],
    keywords: dict[str, Any],
    *,
    mode: str,
    device: str,
    dtype: torch.dtype,
    data_flow: bool,
) -> tuple[Any, PassDispatch]:
    """The call itself, under the recorder's hooks and the pass's dispatch mode; the model's
    modes and (in training mode) buffers restored, the hooks removed, whatever happens."""
    if mode not in MODES:
        raise TargetError(f"unknown mode '{mode}': use {' or '.join(MODES)}")
    modes = {m: m.training for m in model.modules()}
    kept = _buffers_kept(model) if mode == "train" else []

    def grown(parent: nn.Module, name: str, module: nn.Module) -> None:
        """A description's layer made by this pass (construct/modules.py): at the pass's
        dtype, and watched like the others before it first runs."""
        if dtype != torch.float32:  # the builder makes float32 layers
            module.to(dtype=dtype)  # floating tensors only
        recorder.adopt(parent, name, module)

    try:
        model.train(mode == "train")
        recorder.attach()
        # what the model prints goes to stderr: stdout holds cnninspect's data (JSON included)
        # data_flow: receptive fields and which call feeds which (summary's columns, draw);
        # list and validate need neither and skip the per-op bookkeeping
        counter = PassDispatch(recorder.owner, [recorder.observe] if data_flow else [])
        with torch.no_grad(), counter, redirect_stdout(sys.stderr), growth.watching(grown):
            output = model(*inputs, **keywords)
    except CnninspectError:  # a TraceError, or a layer made by the pass that torch refuses
        raise
    except (SystemExit, KeyboardInterrupt) as exc:  # raised by the model's own code
        raise recorder.failure(RuntimeError(f"raised {type(exc).__name__}"), exc) from None
    except Exception as exc:
        if memory_guard.is_allocation_failure(exc):
            raise memory_guard.refusal(
                f"ran out of memory on {device}: {first_line(exc)}"
            ) from None
        raise recorder.failure(exc) from None
    finally:
        recorder.detach()
        for module in model.modules():  # those the pass made as the builder makes them: eval
            module.training = modes.get(module, False)
        with torch.no_grad():
            for buffer, saved in kept:
                buffer.copy_(saved)
    return output, counter


def _recorded(
    model: nn.Module,
    records: tuple[LayerRecord, ...],
    given: list[Any],
    output: Any,
    *,
    macs: int,
    uncalled: tuple[tuple[str, int], ...],
    batch: int,
    dtype: str,
    device: str,
    inline_ops: frozenset[str] = frozenset(),
    uncounted: tuple[tuple[str, str, int], ...] = (),
    own_made: int = 0,
) -> Trace:
    """The Trace of a finished pass: its records, and the model's counts and bytes."""
    params = list(model.parameters())
    buffers = list(model.buffers())
    return Trace(
        records=records,
        input_shapes=tuple(tensor_shapes(given)),
        output_shapes=tuple(tensor_shapes(output)),
        total_params=sum(p.numel() for p in params),
        trainable_params=sum(p.numel() for p in params if p.requires_grad),
        param_bytes=_nbytes(params),
        trainable_param_bytes=_nbytes([p for p in params if p.requires_grad]),
        buffer_count=sum(b.numel() for b in buffers),
        buffer_bytes=_nbytes(buffers),
        bytes_by_dtype=_bytes_by_dtype(params, buffers),
        macs=macs,
        batch=batch,
        dtype=dtype,
        device=device,
        element_size=torch.empty((), dtype=getattr(torch, dtype), device="meta").element_size(),
        input_bytes=_nbytes(list(tensors(given))),
        input_bytes_by_dtype=_by_dtype(list(tensors(given))),
        uncalled=uncalled,
        model_type=module_type(model),
        inline_ops=inline_ops,
        uncounted=uncounted,
        own_made=own_made,
    )


def _nbytes(tensors: Sequence[torch.Tensor]) -> int:
    return sum(t.numel() * t.element_size() for t in tensors)


def _by_dtype(given: Sequence[torch.Tensor]) -> tuple[tuple[str, int], ...]:
    names = sorted({str(t.dtype).removeprefix("torch.") for t in given})
    return tuple(
        (name, _nbytes([t for t in given if str(t.dtype) == f"torch.{name}"])) for name in names
    )


def _bytes_by_dtype(
    params: Sequence[torch.Tensor], buffers: Sequence[torch.Tensor]
) -> tuple[tuple[str, int, int], ...]:
    names = sorted({str(t.dtype).removeprefix("torch.") for t in (*params, *buffers)})
    return tuple(
        (
            name,
            _nbytes([p for p in params if str(p.dtype) == f"torch.{name}"]),
            _nbytes([b for b in buffers if str(b.dtype) == f"torch.{name}"]),
        )
        for name in names
    )


def _prepare(
    model: nn.Module,
    input_shapes: Sequence[Shape],
    *,
    batch: int,
    target: torch.device,
    dtype: torch.dtype,
    largest_activation: int,
    feed: Inputs | Example | None,
    ranges: arguments.ValueRanges,
    convert: torch.dtype | None,
) -> tuple[list[Any], dict[str, Any]]:
    """Refuse what cannot fit or be addressed, then place the model and make the arguments of
    ``forward``: float inputs of ``input_shapes``, or what ``feed`` describes (``ranges``
    receives the values its integer tensors hold)."""
    for shape in input_shapes:
        if batch * math.prod(shape) >= MAX_ELEMENTS:
            raise TargetError(
                f"an input of {batch}×{'×'.join(map(str, shape))} has more elements than torch "
                "can address",
                hint="give a smaller --batch or input",
            )
    if target.type != "meta":
        need = memory_guard.needed_bytes(
            model, input_shapes, batch=batch, dtype=dtype, largest_activation=largest_activation
        )
        memory_guard.check(need, target)
    try:
        _place(model, target, convert)
        if isinstance(feed, Example):
            return arguments.example_arguments(feed, device=target, ranges=ranges)
        if feed is not None:
            return arguments.arguments(feed, batch=batch, device=target, dtype=dtype, ranges=ranges)
        return arguments.inputs(input_shapes, batch=batch, device=target, dtype=dtype), {}
    except Exception as exc:
        if memory_guard.is_allocation_failure(exc):
            why = f"cannot allocate its weights and inputs on {target.type}"
            raise memory_guard.refusal(why) from None
        raise


def _buffers_kept(model: nn.Module) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """A copy of every buffer a training pass may update (running statistics, counters)."""
    return [(b, b.detach().clone()) for b in model.buffers() if not b.is_meta]


def _place(model: nn.Module, device: torch.device, dtype: torch.dtype | None) -> None:
    """Move the model (and convert it to ``dtype``; None: it keeps its own); a model built on
    meta gets real storage with seeded values, as does one constructed with its
    initialisation suppressed (never uninitialised memory)."""
    on_meta = any(t.is_meta for t in (*model.parameters(), *model.buffers()))
    if on_meta and device.type != "meta":
        to_empty(model, device)  # shared weights stay shared
        arguments.mark_uninitialised(model)
    if arguments.needs_values(model) and device.type != "meta":
        arguments.initialise(model)
    model.to(device=device, dtype=dtype)  # one pass; only floating tensors change dtype


def device_of(module: nn.Module) -> str:
    """Where a module's weights are: validate runs it there and moves nothing."""
    tensor = next(iter([*module.parameters(), *module.buffers()]), None)
    kind = tensor.device.type if tensor is not None else "cpu"
    return kind if kind in DEVICES else "cpu"
