"""The values the forward pass runs on: seeded, cheap, never uninitialised memory.

Shapes and counts do not depend on values, but data-dependent models do: a detector whose
weights are whatever memory held proposes nothing (its heads then report no work), and a
model that samples can fail on one run and pass on the next. So a module target constructed
for a real device runs its own initialisation under a fixed seed (build/construction.py: the
numbers of a normally initialised instance); a model built on the meta device (every YAML
description) and moved to a real one gets a seeded uniform value scaled by each weight's
fan-in, identity normalisation statistics; and inputs are seeded standard-normal samples. The
same command therefore prints the same output every time.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import torch
from torch import nn

from cnninspect.errors import TargetError
from cnninspect.inputs import Example, Inputs, TensorInput, check_float
from cnninspect.shapes import Shape, per_sample

SEED = 0
UNINITIALISED = "_cnninspect_uninitialised"  # set on a model whose weights hold no values


def mark_uninitialised(model: nn.Module) -> nn.Module:
    setattr(model, UNINITIALISED, True)
    return model


def needs_values(model: nn.Module) -> bool:
    return bool(getattr(model, UNINITIALISED, False))


@torch.no_grad()
def initialise(model: nn.Module) -> None:
    """Seeded values for every parameter and buffer of ``model`` (real storage, any device)."""
    generator = torch.Generator(device="cpu").manual_seed(SEED)
    for module in model.modules():
        reset = getattr(module, "reset_running_stats", None)
        if callable(reset):  # batch norm: mean 0, variance 1, no batches seen
            reset()
    running = {id(b) for m in model.modules() if hasattr(m, "reset_running_stats")
               for b in m.buffers(recurse=False)}  # fmt: skip
    for name, tensor in [*model.named_parameters(), *model.named_buffers()]:
        if id(tensor) in running or not tensor.is_floating_point() or tensor.is_meta:
            continue
        if name.endswith(("weight", "bias")) or isinstance(tensor, nn.Parameter):
            bound = 1 / math.sqrt(_fan_in(tensor)) if tensor.dim() > 1 else 0.1
            values = torch.empty(tensor.shape, dtype=torch.float32).uniform_(
                -bound, bound, generator=generator
            )
            if name.endswith("weight") and tensor.dim() == 1:  # a norm's scale: around 1
                values += 1
            tensor.copy_(values)
        else:
            tensor.zero_()
    setattr(model, UNINITIALISED, False)


def _fan_in(tensor: torch.Tensor) -> int:
    return max(1, math.prod(tensor.shape[1:]))


def inputs(
    shapes: Sequence[Shape], *, batch: int, device: torch.device, dtype: torch.dtype
) -> list[torch.Tensor]:
    """Seeded standard-normal inputs (on meta: shapes only)."""
    if device.type == "meta":
        return [torch.empty((batch, *s), device=device, dtype=dtype) for s in shapes]
    generator = torch.Generator(device="cpu").manual_seed(SEED)
    return [
        torch.randn((batch, *s), generator=generator, dtype=torch.float32).to(device, dtype)
        for s in shapes
    ]


# (low, high, version) by tensor id: the values an integer input holds, [low, high), while its
# version is unchanged (an in-place write since makes them the model's own). Meta tensors have
# no values: the trace checks these where a real device checks values (trace/contracts.py).
ValueRanges = dict[int, tuple[int, int, int]]


def arguments(
    described: Inputs,
    *,
    batch: int,
    device: torch.device,
    dtype: torch.dtype,
    ranges: ValueRanges | None = None,
) -> tuple[list[Any], dict[str, Any]]:
    """The positional and keyword arguments of ``forward`` that ``described`` describes: seeded
    tensors (integers uniform in their range, booleans fair coins, floats standard normal or
    uniform in their range; one value everywhere where one is given), literals as they are.
    ``ranges`` receives the values each integer tensor holds."""
    generator = torch.Generator(device="cpu").manual_seed(SEED)

    def make(value: Any) -> Any:
        if isinstance(value, TensorInput):
            made = _tensor(value, batch=batch, device=device, dtype=dtype, generator=generator)
            if ranges is not None and not made.is_floating_point() and made.dtype != torch.bool:
                low = int(value.low) if value.low is not None else 0
                high = int(value.high) if value.high is not None else low + (
                    1 if value.low is not None else 2
                )  # fmt: skip
                ranges[id(made)] = (low, high, made._version)
            return made
        if isinstance(value, torch.Tensor):  # a real value (@file): a copy, where the pass runs
            return value.detach().clone().to(device)
        if isinstance(value, list):
            return [make(v) for v in value]
        if isinstance(value, dict):
            return {k: make(v) for k, v in value.items()}
        return value

    return [make(a) for a in described.args], {k: make(v) for k, v in described.kwargs}


def holds_a_tensor(described: Inputs) -> bool:
    """Does the call hold a tensor (seeded or real) anywhere?"""
    values = [*described.args, *(v for _, v in described.kwargs)]
    return bool(described.tensor_shapes()) or any(
        True for _ in _example_tensors(values, batched=True)
    )


def _tensor(
    tensor_input: TensorInput,
    *,
    batch: int,
    device: torch.device,
    dtype: torch.dtype,
    generator: torch.Generator,
) -> torch.Tensor:
    shape = (batch, *tensor_input.shape) if tensor_input.batched else tensor_input.shape
    kind = (
        getattr(torch, tensor_input.dtype) if tensor_input.dtype else dtype
    )  # a name the input language checked
    if tensor_input.low is not None and kind.is_floating_point:  # --dtype float16 and @1e6: refused
        text = f"value @{tensor_input.low}" + (
            f"..{tensor_input.high}" if tensor_input.high is not None else ""
        )
        check_float(text, tensor_input.low, tensor_input.high, str(kind).removeprefix("torch."))
    if device.type == "meta":
        return torch.empty(shape, dtype=kind, device=device)
    if tensor_input.low is not None and tensor_input.high is None:  # @value: every value the same
        return torch.full(shape, tensor_input.low, dtype=kind, device=device)
    if kind == torch.bool:
        return (torch.rand(shape, generator=generator) < 0.5).to(device)
    if not kind.is_floating_point:
        low = int(tensor_input.low) if tensor_input.low is not None else 0
        high = int(tensor_input.high) if tensor_input.high is not None else 2
        return torch.randint(low, high, shape, generator=generator, dtype=kind).to(device)
    if tensor_input.low is not None and tensor_input.high is not None:  # @low..high: uniform
        values = torch.rand(shape, generator=generator, dtype=torch.float64)
        made = (tensor_input.low + values * (tensor_input.high - tensor_input.low)).to(kind)
        # rounding to a half type can reach high itself: the range is [low, high)
        made = torch.where(
            made >= tensor_input.high, torch.tensor(tensor_input.low, dtype=kind), made
        )
        return made.to(device)
    return torch.randn(shape, generator=generator, dtype=torch.float32).to(device, kind)


# -- real values given through the API ------------------------------------------------------


def example(input_data: Any, forward_kwargs: Mapping[str, Any] | None = None) -> Example:
    """``input_data`` as torchinfo takes it: a tensor (the one positional argument), a list or
    tuple (the positional arguments), or a dict (the keyword arguments); ``forward_kwargs``
    more keyword arguments. A usage error for anything else, or a keyword given twice."""
    if forward_kwargs is not None and not isinstance(forward_kwargs, Mapping):
        raise TargetError(
            f"forward_kwargs is a {type(forward_kwargs).__name__}: give a dict of forward's "
            "keyword arguments"
        )
    extra = dict(forward_kwargs or {})
    if isinstance(input_data, torch.Tensor):
        args: tuple[Any, ...] = (input_data,)
        keywords: dict[str, Any] = {}
    elif isinstance(input_data, list | tuple):
        args, keywords = tuple(input_data), {}
    elif isinstance(input_data, Mapping):
        args, keywords = (), dict(input_data)
    else:
        raise TargetError(
            f"input_data is a {type(input_data).__name__}: give a tensor, a list or tuple of "
            "forward's positional arguments, or a dict of its keyword arguments",
            hint="a dict that is forward's one positional argument goes in a list: [{...}]",
        )
    for name in [*keywords, *extra]:
        if not isinstance(name, str) or not name.isidentifier():
            raise TargetError(f"input_data: keyword {name!r} is not a parameter name")
    twice = sorted(set(keywords) & set(extra))
    if twice:
        raise TargetError(f"input_data and forward_kwargs both give {', '.join(twice)}")
    found = list(_example_tensors([*args, *keywords.values(), *extra.values()], batched=True))
    if not found:
        raise TargetError("input_data holds no tensor: forward needs at least one")
    return Example(args, tuple({**keywords, **extra}.items()))


def example_layout(given: Example) -> tuple[tuple[Shape, ...], int]:
    """The per-sample shapes of an example's tensors and its batch: the first size of its first
    batched tensor (an argument, or a dict's value; a list's items are whole samples, as a
    detector's images are), 1 when it has none."""
    values = [*given.args, *(v for _, v in given.kwargs)]
    found = list(_example_tensors(values, batched=True))
    batch = next((t.shape[0] for t, batched in found if batched and t.dim() >= 1), 1)
    shapes = tuple(
        per_sample(tuple(t.shape), batch) if batched else tuple(t.shape) for t, batched in found
    )
    return shapes, batch


def _example_tensors(
    values: Sequence[Any], *, batched: bool
) -> Iterator[tuple[torch.Tensor, bool]]:
    """(tensor, batched) for every tensor in ``values``, depth first."""
    for value in values:
        if isinstance(value, torch.Tensor):
            yield value, batched
        elif isinstance(value, list | tuple):
            yield from _example_tensors(value, batched=False)
        elif isinstance(value, Mapping):
            yield from _example_tensors(list(value.values()), batched=batched)


def is_one_tensor(given: Example) -> bool:
    """Is the example a single tensor (what a YAML description's forward takes)?"""
    return len(given.args) == 1 and not given.kwargs and isinstance(given.args[0], torch.Tensor)


def example_on_meta(given: Example) -> bool:
    """Does the example hold meta tensors (shapes without values)?"""
    values = [*given.args, *(v for _, v in given.kwargs)]
    return any(t.is_meta for t, _ in _example_tensors(values, batched=True))


def _holds_ids(tensor: torch.Tensor) -> bool:
    """An integer tensor with values (not bool, not meta, not empty)."""
    integer = not tensor.is_floating_point() and not tensor.is_complex()
    return integer and tensor.dtype != torch.bool and not tensor.is_meta and tensor.numel() > 0


def example_arguments(
    given: Example, *, device: torch.device, ranges: ValueRanges | None = None
) -> tuple[list[Any], dict[str, Any]]:
    """The example's arguments on ``device``: copies of its tensors (their dtypes and values;
    a model that works in place never changes the caller's data), other values as they are.
    ``ranges`` receives the least and greatest value of each integer tensor, read before its
    copy goes to meta (where it has none)."""

    def copy(value: Any) -> Any:
        if isinstance(value, torch.Tensor):
            if value.is_meta and device.type != "meta":
                raise TargetError(
                    f"input_data holds a meta tensor, which has no values to run on {device.type}",
                    hint="give tensors with values, or device='meta' for shapes and counts",
                )
            made = value.detach().to(device, copy=True)
            if ranges is not None and _holds_ids(value):
                ranges[id(made)] = (int(value.min()), int(value.max()) + 1, made._version)
            return made
        if isinstance(value, tuple) and hasattr(value, "_fields"):  # a named tuple
            return type(value)(*(copy(v) for v in value))
        if isinstance(value, list | tuple):
            return type(value)(copy(v) for v in value)
        if isinstance(value, Mapping):
            return {k: copy(v) for k, v in value.items()}
        return value

    return [copy(a) for a in given.args], {k: copy(v) for k, v in given.kwargs}
