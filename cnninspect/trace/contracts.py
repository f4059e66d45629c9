"""What a real device refuses and the meta device lets pass — checked on every device, so that
a verdict never depends on where the pass ran.

torch's meta kernels compute shapes without the argument checks of the cpu and cuda kernels:
a convolution with ``kernel_size=0``, ``out_channels=0``, ``padding=-1`` or ``dilation=0``, a
transposed convolution whose ``output_padding`` is not smaller than its stride or dilation, a
softmax over a dimension the input does not have — all run on meta and fail on cpu (measured
with torch 2.14). Each check names the keyword at fault so that a YAML description's error can
point at the value.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from torch import nn

from cnninspect.shapes import BatchedShape

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
