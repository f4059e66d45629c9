"""The receptive field measured, not computed: the support of the gradient of one output
element with respect to the input — the pixels that can change it — independent of
cnninspect's arithmetic.

So that every pixel of every window reaches the gradient: weights and biases are made
positive (every ReLU passes, nothing cancels) and max pooling becomes average pooling of the
same geometry (a max pool's gradient goes to one element of its window). The element measured
is the one at the centre of the layer's output, in an input large enough that its field is not
cut by the border.
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Iterator
from typing import Any

import torch
import torch.nn.functional as F  # noqa: N812 (torch's own spelling)
from torch import nn


def gradient_field(model: nn.Module, shape: tuple[int, ...], layer: str) -> tuple[int, ...]:
    """The extent, per spatial axis, of the input pixels that the centre position of
    ``layer``'s output depends on, over all its channels (the channels of a concatenation
    come from different branches) — ``shape``: the input without the batch."""
    measured = _positive(model)
    inputs = torch.ones((1, *shape), dtype=torch.float64, requires_grad=True)
    found: list[torch.Tensor] = []
    module = dict(measured.named_modules())[layer]
    handle = module.register_forward_hook(lambda _m, _a, out: found.append(out))
    try:
        with _average_pooling():
            measured(inputs)
    finally:
        handle.remove()
    output = found[0]
    centre = tuple(n // 2 for n in output.shape[2:])
    output[(0, slice(None), *centre)].sum().backward()  # every channel: a concat's differ
    assert inputs.grad is not None
    support = inputs.grad[0].abs().sum(0) != 0  # over channels: (spatial axes)
    extents = []
    for axis in range(support.dim()):
        others = tuple(a for a in range(support.dim()) if a != axis)
        line = support.any(dim=others) if others else support
        hit = line.nonzero().flatten()
        extents.append(int(hit.max() - hit.min() + 1))
    return tuple(extents)


def _positive(model: nn.Module) -> nn.Module:
    measured = copy.deepcopy(model).double().eval()
    with torch.no_grad():
        for parameter in measured.parameters():
            parameter.abs_().add_(1e-3)
    for child in list(measured.modules()):
        for attr, sub in list(child.named_children()):
            if isinstance(sub, nn.MaxPool2d):
                setattr(child, attr, _as_average(sub))
    return measured


def _as_average(pool: nn.MaxPool2d) -> nn.Module:
    assert pool.dilation in (1, (1, 1)), "a dilated max pool has no average twin"
    return nn.AvgPool2d(pool.kernel_size, pool.stride, pool.padding, ceil_mode=pool.ceil_mode)


@contextlib.contextmanager
def _average_pooling() -> Iterator[None]:
    """F.max_pool2d called in a forward (Inception's reductions) as an average pool."""
    original = F.max_pool2d

    def average(input: torch.Tensor, kernel_size: Any, *args: Any, **kwargs: Any) -> Any:
        """max_pool2d's signature: stride, padding, dilation, ceil_mode, return_indices."""
        named = dict(zip(("stride", "padding", "dilation", "ceil_mode"), args, strict=False))
        named |= kwargs
        assert not named.get("return_indices") and named.get("dilation", 1) in (1, (1, 1))
        return F.avg_pool2d(
            input,
            kernel_size,
            named.get("stride"),
            named.get("padding", 0),
            named.get("ceil_mode", False),
        )

    F.max_pool2d = average  # type: ignore[assignment]
    try:
        yield
    finally:
        F.max_pool2d = original
