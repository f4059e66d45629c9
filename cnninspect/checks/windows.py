"""The geometry of sliding windows (convolution, pooling): it explains and checks the sizes
torch computed, and never computes a shape itself.

A window reads the hyper-parameters of the built module (``kernel_size``, ``stride``,
``padding``, ``dilation``, ``ceil_mode``) and the sizes the forward pass recorded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cnninspect.description.layer_types import WindowKind, classify

if TYPE_CHECKING:
    from torch import nn

    from cnninspect.trace.records import LayerRecord


@dataclass(frozen=True, slots=True)
class Window:
    """One spatial axis of a sliding-window layer, and the sizes torch computed for it."""

    size: int  # input length n
    out: int  # output length, as torch computed it
    kernel: int
    stride: int
    padding: int
    dilation: int
    ceil_mode: bool

    @property
    def span(self) -> int:
        return self.dilation * (self.kernel - 1) + 1

    @property
    def covered(self) -> int:
        """How far the windows reach into the padded length n + 2p."""
        return (self.out - 1) * self.stride + self.span

    @property
    def dropped(self) -> int:
        """Real pixels no window reads. A window narrower than its stride skips by design."""
        if self.span < self.stride:
            return 0
        remainder = self.size + 2 * self.padding - self.covered
        return max(0, remainder - self.padding)

    def formula(self) -> str | None:
        """The lecture's formula with this layer's numbers, when it gives torch's answer."""
        top = self.size + 2 * self.padding - self.span
        value = -(-top // self.stride) if self.ceil_mode else top // self.stride
        if top < 0 or value + 1 != self.out:
            return None
        k = str(self.kernel) if self.dilation == 1 else f"{self.dilation}·({self.kernel}−1)−1"
        left, right = ("⌈", "⌉") if self.ceil_mode else ("⌊", "⌋")
        return f"{left}({self.size} + 2·{self.padding} − {k})/{self.stride}{right} + 1 = {self.out}"

    def exact_sizes(self) -> tuple[int, int]:
        """The nearest input lengths below and above ``size`` that the windows cover exactly."""
        rest = (self.size + 2 * self.padding - self.span) % self.stride
        return self.size - rest, self.size - rest + self.stride


def windows(module: nn.Module, record: LayerRecord) -> tuple[Window, ...]:
    """The spatial axes of a convolution or pooling call; () for any other layer."""
    kind = classify(type(module).__name__)
    # a transposed convolution's windows run the other way: nothing is dropped
    sliding = kind is not None and kind.window in (WindowKind.CONV, WindowKind.POOL)
    if kind is None or not sliding or kind.spatial is None:
        return ()
    padding = getattr(module, "padding", 0)
    if isinstance(padding, str):  # 'same' keeps the size at stride 1; 'valid' is 0
        if padding == "same":
            return ()
        padding = 0
    ndim = kind.spatial
    if not record.input_shapes or not record.output_shapes:
        return ()
    sizes, outs = record.input_shapes[0][-ndim:], record.output_shapes[0][-ndim:]
    kernel = _per_axis(module.kernel_size, ndim)
    stride = _per_axis(getattr(module, "stride", None) or module.kernel_size, ndim)
    pads, dilation = _per_axis(padding, ndim), _per_axis(getattr(module, "dilation", 1), ndim)
    ceil_mode = bool(getattr(module, "ceil_mode", False))
    return tuple(
        Window(sizes[i], outs[i], kernel[i], stride[i], pads[i], dilation[i], ceil_mode)
        for i in range(ndim)
    )


def _per_axis(value: object, ndim: int) -> tuple[int, ...]:
    if isinstance(value, tuple | list):
        return tuple(int(v) for v in value)
    assert isinstance(value, int)
    return (value,) * ndim


def formula_text(axes: Sequence[Window], lead: str = "torch computes ") -> str | None:
    """The floor formula of every spatial axis ("… = 54 per side" when they agree)."""
    formulas = [w.formula() for w in axes]
    if not formulas or None in formulas:
        return None
    if len(set(formulas)) == 1:
        per = " per side" if len(formulas) > 1 else ""
        return f"{lead}{formulas[0]}{per}"
    return lead + ", ".join(str(f) for f in formulas)
