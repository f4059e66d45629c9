"""Results on meta for the few ops whose meta kernel is a slow Python decomposition.

On the meta device torch computes ``native_batch_norm``, ``relu`` and ``hardtanh`` through
Python decompositions (``torch._decomp``, ``torch._refs``) that run a dozen sub-ops for a
result that only has its input's shape: about 0.6 ms a batch norm and 0.3 ms a ReLU, more than
half of what ``cnninspect list`` spends in its passes. Their outputs are the input's shape,
dtype and strides (``empty_like``), with batch norm's saved statistics one value per channel.

A batch norm is shortcut only where torch's kernel would succeed on a real device as well —
floating inputs, statistics and affine parameters of one value per channel in the input's
dtype, running statistics present in eval; anything else goes to torch, so its error is
torch's own. relu and hardtanh refuse what cpu refuses (bool and complex inputs), which
torch's meta kernels let through: meta is no more lenient than a real device.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

aten = torch.ops.aten

# float16 and bfloat16 inputs keep their statistics in float32, as torch does
_FLOATING = (torch.float16, torch.bfloat16, torch.float32, torch.float64)
_RELU_BOOL = "Boolean inputs not supported for relu"  # cpu's words
_HARDTANH_BOOL = "Bool inputs not supported for hardtanh"


def _on_meta(value: Any) -> bool:
    return isinstance(value, torch.Tensor) and value.device.type == "meta"


def _clamping(bool_refusal: str, *, in_place: bool) -> Callable[..., Any]:
    """relu and hardtanh: the input's shape and strides. Bool and complex inputs, which torch's
    meta kernels accept and cpu and cuda refuse, are refused here in cpu's words."""

    def result(x: Any, *args: Any, **kwargs: Any) -> Any:
        if not _on_meta(x):
            return None
        if x.dtype == torch.bool:
            raise RuntimeError(bool_refusal)
        if x.is_complex():
            raise RuntimeError("clamp is not supported for complex types")
        return x if in_place else torch.empty_like(x)

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
    if not _on_meta(x) or x.dtype not in _FLOATING or x.dim() < 2:
        return None
    channels = x.shape[1]
    for value in per_channel:
        if value is None:
            continue
        if not _on_meta(value) or value.dim() != 1 or value.shape[0] != channels:
            return None
        if value.dtype != x.dtype:
            return None
    running_mean, running_var = per_channel[2:]
    if not training and (running_mean is None or running_var is None):
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
    aten.relu.default: _clamping(_RELU_BOOL, in_place=False),
    aten.relu_.default: _clamping(_RELU_BOOL, in_place=True),
    aten.hardtanh.default: _clamping(_HARDTANH_BOOL, in_place=False),
    aten.hardtanh_.default: _clamping(_HARDTANH_BOOL, in_place=True),
}


def shortcut(func: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """The result of ``func`` on meta without its decomposition, or None: run torch's."""
    make = SHORTCUTS.get(func)
    if make is None:
        return None
    return make(*args, **kwargs)
