"""The one forward pass: module hooks record shapes, a dispatch mode counts MACs.

``trace`` does not care where a module came from (YAML or Python). It runs the model once in
eval mode without autograd, records every module call in call order (containers included,
with their depth), removes its hooks and restores every module's mode whatever happens, and
returns an immutable ``Trace``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from cnninspect.errors import DeviceError, TargetError, TraceError, first_line
from cnninspect.shapes import BatchedShape, Shape, flattened_from, without_batch
from cnninspect.trace.macs import MacCounter

DEVICES = ("cpu", "cuda", "mps", "meta")
DTYPES = ("float32", "float16", "bfloat16", "float64")

# Hyper-parameters shown in the table, in this order, when a module has them.
_HPARAMS = (
    "kernel_size",
    "stride",
    "padding",
    "dilation",
    "groups",
    "output_size",
    "p",
    "scale_factor",
    "mode",
    "dim",
)
_HPARAM_DEFAULTS: dict[str, object] = {"padding": 0, "dilation": 1, "groups": 1}


@dataclass(frozen=True, slots=True)
class LayerRecord:
    """One module call."""

    index: int  # call order; a container comes before what it contains
    name: str  # qualified module name ("layer1.0.conv1")
    type: str  # class name
    depth: int  # 1 for the root's children
    is_leaf: bool  # the module has no submodules
    hparams: tuple[tuple[str, Any], ...]
    input_shapes: tuple[BatchedShape, ...]
    output_shapes: tuple[BatchedShape, ...]  # every tensor in the output, in order
    params: int  # own parameters counted here (first call, not seen in an earlier module)
    trainable_params: int
    shared_params: int  # own parameters already counted elsewhere (tied or re-used)
    call: int  # 0 for a module's first call, 1 for its second, …
    macs: int  # multiply-accumulates done by this module itself, not its children

    @property
    def output_shape(self) -> BatchedShape | None:
        return self.output_shapes[0] if self.output_shapes else None


@dataclass(frozen=True, slots=True)
class Trace:
    records: tuple[LayerRecord, ...]
    input_shapes: tuple[BatchedShape, ...]
    output_shapes: tuple[BatchedShape, ...]
    total_params: int  # every parameter of the model once, called or not
    trainable_params: int
    param_bytes: int
    trainable_param_bytes: int  # what the gradients of a backward pass take
    buffer_count: int
    buffer_bytes: int
    bytes_by_dtype: tuple[tuple[str, int, int], ...]  # (dtype, parameter bytes, buffer bytes)
    macs: int
    batch: int
    dtype: str
    device: str
    element_size: int  # bytes per activation element at ``dtype``
    # parameters of modules the forward pass never called (e.g. auxiliary heads in eval), by
    # the outermost such module: in the totals, in no row
    uncalled: tuple[tuple[str, int], ...] = ()


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
    dtype: str = "float32",
) -> Trace:
    """Run ``model`` once on zero inputs of ``input_shapes`` (per sample) and record it."""
    target = check_device(device)
    torch_dtype = check_dtype(dtype)
    _place(model, target, torch_dtype)
    inputs = [
        torch.zeros((batch, *shape), device=target, dtype=torch_dtype) for shape in input_shapes
    ]
    recorder = _Recorder(model)
    modes = {m: m.training for m in model.modules()}
    try:
        model.eval()
        recorder.attach()
        with torch.no_grad(), MacCounter(recorder.owner) as counter:
            output = model(*inputs)
    except TraceError:
        raise
    except Exception as exc:
        raise recorder.failure(exc) from None
    finally:
        recorder.detach()
        for module, training in modes.items():
            module.training = training
    params = list(model.parameters())
    buffers = list(model.buffers())
    return Trace(
        records=recorder.records(counter.counts),
        input_shapes=tuple((batch, *s) for s in input_shapes),
        output_shapes=tuple(tensor_shapes(output)),
        total_params=sum(p.numel() for p in params),
        trainable_params=sum(p.numel() for p in params if p.requires_grad),
        param_bytes=_nbytes(params),
        trainable_param_bytes=_nbytes([p for p in params if p.requires_grad]),
        buffer_count=sum(b.numel() for b in buffers),
        buffer_bytes=_nbytes(buffers),
        bytes_by_dtype=_bytes_by_dtype(params, buffers),
        macs=sum(counter.counts.values()),
        batch=batch,
        dtype=dtype,
        device=device,
        element_size=torch.empty((), dtype=torch_dtype, device="meta").element_size(),
        uncalled=recorder.uncalled(),
    )


def _nbytes(tensors: Sequence[torch.Tensor]) -> int:
    return sum(t.numel() * t.element_size() for t in tensors)


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


def tensor_shapes(value: Any) -> Iterator[BatchedShape]:
    """Shapes of every tensor in an output: tensors, tuples, lists, dicts, dataclasses."""
    if isinstance(value, torch.Tensor):
        yield tuple(value.shape)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from tensor_shapes(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from tensor_shapes(item)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            yield from tensor_shapes(getattr(value, f.name))


def _place(model: nn.Module, device: torch.device, dtype: torch.dtype) -> None:
    """Move the model; a model built on meta gets uninitialised memory (no init cost)."""
    on_meta = any(t.is_meta for t in (*model.parameters(), *model.buffers()))
    if on_meta and device.type != "meta":
        model.to_empty(device=device)
    model.to(device=device, dtype=dtype)  # one pass; only floating tensors change dtype


@dataclass
class _Call:
    index: int
    name: str
    module: nn.Module
    depth: int
    call: int
    input_shapes: tuple[BatchedShape, ...]
    output_shapes: tuple[BatchedShape, ...] = ()


class _Recorder:
    """Hooks that record calls; a stack of running modules attributes MACs and failures."""

    def __init__(self, model: nn.Module) -> None:
        self.model = model
        self.names = {m: name for name, m in model.named_modules()}
        self.calls: list[_Call] = []
        self.stack: list[_Call] = []
        self.handles: list[torch.utils.hooks.RemovableHandle] = []
        self.call_counts: dict[nn.Module, int] = {}

    def attach(self) -> None:
        for module in self.names:
            self.handles.append(module.register_forward_pre_hook(self.pre, with_kwargs=True))
            self.handles.append(module.register_forward_hook(self.post, with_kwargs=True))

    def detach(self) -> None:
        for handle in self.handles:
            handle.remove()
        self.handles.clear()

    def owner(self) -> int:
        return self.stack[-1].index if self.stack else -1

    def pre(self, module: nn.Module, args: Any, kwargs: Any) -> None:
        count = self.call_counts.get(module, 0)
        self.call_counts[module] = count + 1
        call = _Call(
            index=len(self.calls),
            name=self.names[module],
            module=module,
            depth=len(self.stack),
            call=count,
            input_shapes=tuple(tensor_shapes((args, kwargs))),
        )
        self.calls.append(call)
        self.stack.append(call)

    def post(self, module: nn.Module, args: Any, kwargs: Any, output: Any) -> None:
        call = self.stack.pop()
        call.output_shapes = tuple(tensor_shapes(output))

    def uncalled(self) -> tuple[tuple[str, int], ...]:
        """Outermost modules never called, with the parameters only they hold."""
        called = {id(p) for m in self.call_counts for p in m.parameters(recurse=False)}
        found: list[tuple[str, int]] = []
        for module, name in self.names.items():
            if module in self.call_counts or any(name.startswith(f"{n}.") for n, _ in found):
                continue
            count = sum(p.numel() for p in module.parameters() if id(p) not in called)
            if count:
                found.append((name, count))
        return tuple(found)

    def records(self, macs: dict[int, int]) -> tuple[LayerRecord, ...]:
        seen: set[int] = set()  # parameters by identity: shared and tied weights count once
        records = []
        for call in self.calls:
            if call.module is self.model:
                continue  # the root is the model itself; its totals are the Trace's
            own = list(call.module.parameters(recurse=False))
            new = [p for p in own if id(p) not in seen]
            new_ids = {id(p) for p in new}
            seen.update(new_ids)
            records.append(
                LayerRecord(
                    index=call.index,
                    name=call.name,
                    type=getattr(call.module, "block_type", None) or type(call.module).__name__,
                    depth=call.depth,
                    is_leaf=next(call.module.children(), None) is None,
                    hparams=hyper_parameters(call.module),
                    input_shapes=call.input_shapes,
                    output_shapes=call.output_shapes,
                    params=sum(p.numel() for p in new),
                    trainable_params=sum(p.numel() for p in new if p.requires_grad),
                    shared_params=sum(p.numel() for p in own if id(p) not in new_ids),
                    call=call.call,
                    macs=macs.get(call.index, 0),
                )
            )
        return tuple(records)

    def failure(self, exc: Exception) -> TraceError:
        """A TraceError naming the innermost module that was running when ``exc`` was raised."""
        inner = [c for c in self.stack if c.module is not self.model]
        if not inner:
            return TraceError(f"the forward pass failed: {first_line(exc)}", layer="")
        call = inner[-1]
        kind = type(call.module).__name__
        shapes = " and ".join(str(without_batch(s)) for s in call.input_shapes)
        reason = _linear_mismatch(call.module, call.input_shapes, self.calls) or first_line(exc)
        return TraceError(
            f"{call.name} ({kind}) fails on input {shapes}: {reason}",
            layer=call.name,
            input_shapes=call.input_shapes,
        )


def _linear_mismatch(
    module: nn.Module, input_shapes: tuple[BatchedShape, ...], calls: Sequence[_Call]
) -> str | None:
    """Why a Linear rejects its input, in the lecture's terms: 9216 expected, 6400 = 256×5×5."""
    if not isinstance(module, nn.Linear) or not input_shapes:
        return None
    got = input_shapes[0][-1]
    if got == module.in_features:
        return None
    earlier = (c.output_shapes[0] for c in reversed(calls) if c.output_shapes)
    source = flattened_from(got, earlier)
    origin = " = " + "×".join(str(d) for d in source) if source else ""
    return f"Linear expects {module.in_features} features, gets {got}{origin}"


def hyper_parameters(module: nn.Module) -> tuple[tuple[str, Any], ...]:
    found = []
    for key in _HPARAMS:
        value = getattr(module, key, None)
        if value is None or callable(value) or isinstance(value, torch.Tensor):
            continue
        if isinstance(value, list):
            value = tuple(value)
        default = _HPARAM_DEFAULTS.get(key)
        if default is not None and (value == default or value == (default,) * _len(value)):
            continue
        found.append((key, value))
    return tuple(found)


def _len(value: object) -> int:
    return len(value) if isinstance(value, tuple) else 1


def device_of(module: nn.Module) -> str:
    """Where a module's weights are: validate runs it there and moves nothing."""
    tensor = next(iter([*module.parameters(), *module.buffers()]), None)
    kind = tensor.device.type if tensor is not None else "cpu"
    return kind if kind in DEVICES else "cpu"
