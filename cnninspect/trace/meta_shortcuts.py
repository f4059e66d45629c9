"""Results on meta for the few ops whose meta kernel is a slow Python decomposition.

On the meta device torch computes ``native_batch_norm``, ``relu`` and ``hardtanh`` through
Python decompositions (``torch._decomp``, ``torch._refs``) that run a dozen sub-ops for a
result that only has its input's shape: about 0.6 ms a batch norm and 0.3 ms a ReLU, more than
half of what ``cnninspect list`` spends in its passes. Their outputs are the input's shape,
dtype and strides (``empty_like``), with batch norm's saved statistics one value per channel.

Meta must never be more lenient than a real device, so each shortcut first refuses what cpu
refuses — in cpu's words where torch's meta kernels let it through (a bool or complex relu, a
limit a half-precision hardtanh cannot hold, an in-place write to an expanded tensor, a running
mean without a running variance) — and hands anything it is not sure of to torch (integer
hardtanh, inputs that are not dense, statistics of another size or dtype), so that the error,
if any, is torch's own.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch

aten = torch.ops.aten

# float16 and bfloat16 inputs keep their statistics in float32, as torch does
_FLOATING = (torch.float16, torch.bfloat16, torch.float32, torch.float64)
_INTEGER = (torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64)
_OVERLAP = (
    "unsupported operation: more than one element of the written-to tensor refers to a single "
    "memory location. Please clone() the tensor before performing the operation."
)  # cpu's words


def _on_meta(value: Any) -> bool:
    return isinstance(value, torch.Tensor) and value.device.type == "meta"


def _dense(x: torch.Tensor) -> bool:
    formats = [torch.contiguous_format]
    formats += [torch.channels_last] if x.dim() == 4 else []
    formats += [torch.channels_last_3d] if x.dim() == 5 else []
    return any(x.is_contiguous(memory_format=f) for f in formats)


def _refused_dtype(op: str, x: torch.Tensor) -> str | None:
    """What cpu says of ``op`` on ``x``'s dtype, when it refuses it."""
    if x.dtype == torch.bool:
        return "Boolean inputs not supported for relu" if op == "relu" else (
            "Bool inputs not supported for hardtanh"
        )  # fmt: skip
    if x.is_complex():
        return "clamp is not supported for complex types"
    if x.dtype not in _FLOATING + _INTEGER:  # uint16/32/64, float8: no clamp kernel on cpu
        return f"{op} is not implemented for {x.dtype} on cpu"
    return None


def _same_shape(op: str, x: Any, *, in_place: bool) -> Any:
    refusal = _refused_dtype(op, x)
    if refusal is not None:
        raise RuntimeError(refusal)
    if in_place and any(st == 0 and n > 1 for st, n in zip(x.stride(), x.shape, strict=True)):
        raise RuntimeError(_OVERLAP)  # an expanded tensor written in place
    if not _dense(x):
        return None  # torch's kernel decides its strides
    return x if in_place else torch.empty_like(x)


def _relu(*, in_place: bool) -> Callable[..., Any]:
    def result(x: Any, *args: Any, **kwargs: Any) -> Any:
        if not _on_meta(x) or args or kwargs:
            return None
        return _same_shape("relu", x, in_place=in_place)

    return result


def _hardtanh(*, in_place: bool) -> Callable[..., Any]:
    def result(x: Any, min_val: Any = -1.0, max_val: Any = 1.0, **kwargs: Any) -> Any:
        if not _on_meta(x) or kwargs:
            return None
        if x.dtype in _INTEGER:
            return None  # torch's kernel refuses negative limits on unsigned types itself
        if x.dtype in _FLOATING:
            largest = torch.finfo(x.dtype).max
            for limit in (min_val, max_val):
                value = float(limit)
                if not math.isinf(value) and not math.isnan(value) and abs(value) > largest:
                    name = {torch.float16: "c10::Half", torch.float32: "float"}.get(x.dtype)
                    raise RuntimeError(
                        f"value cannot be converted to type {name or x.dtype} without overflow"
                    )
        return _same_shape("hardtanh", x, in_place=in_place)

    return result


def _batch_norm(x: Any, *args: Any, **kwargs: Any) -> Any:
    """native_batch_norm(input, weight, bias, running_mean, running_var, training, …)."""
    if kwargs or len(args) < 5:
        return None
    return _normalised(x, args[:4], training=bool(args[4]))


def _no_training_batch_norm(x: Any, *args: Any, **kwargs: Any) -> Any:
    """_native_batch_norm_legit_no_training(input, weight, bias, running_mean, running_var, …)."""
    if kwargs or len(args) < 4:
        return None
    return _normalised(x, args[:4], training=False)


def _normalised(x: Any, per_channel: tuple[Any, ...], *, training: bool) -> Any:
    """Batch norm's output and saved statistics; ``per_channel``: weight, bias, running mean
    and variance (each may be None)."""
    if not _on_meta(x) or x.dtype not in _FLOATING or x.dim() < 2 or not _dense(x):
        return None
    running_mean, running_var = per_channel[2:]
    if (running_mean is None) != (running_var is None):
        raise ValueError("running_mean and running_var must either both be None or neither be None")
    if not training and running_mean is None:
        return None  # torch's words for it
    channels = x.shape[1]
    for value in per_channel:
        if value is None:
            continue
        if not _on_meta(value) or value.dim() != 1 or value.shape[0] != channels:
            return None
        if value.dtype != x.dtype:
            return None
    statistics = torch.promote_types(x.dtype, torch.float32)
    return (
        torch.empty_like(x),
        torch.empty((channels,), dtype=statistics, device="meta"),
        torch.empty((channels,), dtype=statistics, device="meta"),
    )


SHORTCUTS: dict[Any, Callable[..., Any]] = {
    aten.native_batch_norm.default: _batch_norm,
    aten._native_batch_norm_legit_no_training.default: _no_training_batch_norm,
    aten.relu.default: _relu(in_place=False),
    aten.relu_.default: _relu(in_place=True),
    aten.hardtanh.default: _hardtanh(in_place=False),
    aten.hardtanh_.default: _hardtanh(in_place=True),
}


def shortcut(func: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """The result of ``func`` on meta without its decomposition, or None: run torch's."""
    make = SHORTCUTS.get(func)
    if make is None:
        return None
    return make(*args, **kwargs)
