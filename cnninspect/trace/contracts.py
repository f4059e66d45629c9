"""What a real device refuses and the meta device lets pass — checked on every device, so that
a verdict never depends on where the pass ran.

torch's meta kernels compute shapes without the argument checks of the cpu and cuda kernels:
a convolution with ``kernel_size=0``, ``out_channels=0``, ``padding=-1`` or ``dilation=0``, a
transposed convolution whose ``output_padding`` is not smaller than its stride or dilation, a
softmax over a dimension the input does not have — all run on meta and fail on cpu (measured
with torch 2.14). Each check names the keyword at fault so that a YAML description's error can
point at the value.

``argument_violation`` checks what a real device refuses on the arguments themselves: their
dtypes, and the values of integer inputs, which meta tensors do not have but the pass knows
(``trace.values.ValueRanges``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from cnninspect.shapes import BatchedShape
from cnninspect.trace.arguments import ValueRanges

_CONVOLUTIONS = (nn.Conv1d, nn.Conv2d, nn.Conv3d)
_TRANSPOSED = (nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d)
_DIM_LAYERS = (nn.Softmax, nn.LogSoftmax, nn.Softmin, nn.GLU)


@dataclass(frozen=True, slots=True)
class Violation:
    keyword: str  # the constructor keyword at fault
    message: str


def violation(module: nn.Module, input_shapes: Sequence[BatchedShape]) -> Violation | None:
    """The first thing a cpu forward pass of ``module`` on ``input_shapes`` would refuse that
    the meta device accepts, or None."""
    if isinstance(module, _CONVOLUTIONS + _TRANSPOSED):
        return _convolution(module)
    if isinstance(module, _DIM_LAYERS) and input_shapes:
        dim = getattr(module, "dim", None)
        rank = len(input_shapes[0])
        if isinstance(dim, int) and not -rank <= dim < rank:
            return Violation(
                "dim", f"dim={dim} is out of range for a {rank}-D input (use -{rank} … {rank - 1})"
            )
    return None


def _convolution(module: Any) -> Violation | None:
    checks = (
        ("out_channels", (module.out_channels,), 1),
        ("kernel_size", module.kernel_size, 1),
        ("stride", module.stride, 1),
        ("dilation", module.dilation, 1),
    )
    for keyword, values, least in checks:
        if any(v < least for v in values):
            return Violation(keyword, f"{keyword} must be at least {least}, got {_text(values)}")
    padding = module.padding
    if not isinstance(padding, str) and any(p < 0 for p in padding):
        return Violation("padding", f"padding must not be negative, got {_text(padding)}")
    output_padding = getattr(module, "output_padding", None)
    if output_padding is not None:
        for out, stride, dilation in zip(
            output_padding, module.stride, module.dilation, strict=True
        ):
            if out >= max(stride, dilation) or out < 0:
                return Violation(
                    "output_padding",
                    f"output_padding must be smaller than the stride or the dilation, got "
                    f"{_text(output_padding)}",
                )
    return None


def _text(values: Sequence[int]) -> str:
    return str(values[0]) if len(set(values)) == 1 else "×".join(str(v) for v in values)


def argument_violation(
    module: nn.Module, args: Sequence[Any], kwargs: dict[str, Any], ranges: ValueRanges
) -> str | None:
    """What a cpu call of ``module`` refuses on its first argument and meta does not, in cpu's
    words, or None:

    - a linear layer given another dtype than its weight (token ids, booleans): cpu's matrix
      product refuses it, meta's does not (autocast casts both itself);
    - token ids fed straight from an input into an embedding whose ``forward`` is torch's own:
      every id a real device could meet must be a row of the table. Ids the model rewrote in
      place first (unknown ids to 0) are its own, and a subclass with its own ``forward`` may
      look up other rows (positions from a shape)."""
    first = args[0] if args else kwargs.get("input")
    if not isinstance(first, torch.Tensor):
        return None
    weight = getattr(module, "weight", None)
    if (
        _runs_torch_forward(module, nn.Linear)
        and isinstance(weight, torch.Tensor)
        and first.dtype != weight.dtype
        and not _autocasting()
    ):
        return (
            f"mat1 and mat2 must have the same dtype, but got {cpu_dtype_name(first.dtype)} "
            f"and {cpu_dtype_name(weight.dtype)}"
        )
    embedding = _runs_torch_forward(module, nn.Embedding) or _runs_torch_forward(
        module, nn.EmbeddingBag
    )
    known = ranges.get(id(first)) if embedding else None
    if known is None or known[2] != first._version:
        return None
    low, high, _ = known
    rows = int(getattr(module, "num_embeddings", 0))
    if low < 0 or high > rows:
        return (
            f"index out of range in self: ids in [{low}, {high}) for an embedding of {rows} rows "
            f"(ids 0 to {rows - 1}; --input long:…@0..{rows})"
        )
    return None


def _runs_torch_forward(module: nn.Module, kind: type[nn.Module]) -> bool:
    return isinstance(module, kind) and type(module).forward is kind.forward


def _autocasting() -> bool:
    return any(torch.is_autocast_enabled(kind) for kind in ("cpu", "cuda"))


_CPU_DTYPE_NAMES = {
    torch.int64: "Long", torch.int32: "Int", torch.int16: "Short", torch.int8: "Char",
    torch.uint8: "Byte", torch.bool: "Bool", torch.float32: "Float", torch.float64: "Double",
    torch.float16: "Half", torch.bfloat16: "BFloat16",
}  # fmt: skip


def cpu_dtype_name(dtype: torch.dtype) -> str:
    """The name cpu's messages give a dtype: Long, Float, Bool, …"""
    return _CPU_DTYPE_NAMES.get(dtype, str(dtype).removeprefix("torch."))
