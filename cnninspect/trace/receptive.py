"""Receptive field, effective stride (jump) and offset of every tensor in the forward pass,
propagated op by op at torch's dispatch level — so that a DAG (a ResNet shortcut, an Inception
branch, a U-Net skip, functional code) gets the right value without knowing its wiring.

Per spatial axis, in input pixels (the lecture's arithmetic, with dilation widening k):

- convolution and pooling: r_out = r_in + (k − 1)·d·j_in, j_out = j_in·s,
  start_out = start_in + ((k − 1)·d/2 − p)·j_in;
- transposed convolution: j_out = j_in/s, and each output reads ⌈((k − 1)·d + 1)/s⌉ inputs;
- adaptive pooling: the largest window, ⌈n/m⌉, and stride ⌊n/m⌋; a global mean or max over
  the spatial axes (keeping them) is one window as large as the axis;
- padding shifts the start; nearest upsampling divides the jump;
- any op whose output keeps the spatial size of its inputs (activations, norms, Add, Concat)
  takes the union of its inputs' fields on each axis — over the paths into a merge;
- an op that loses the spatial axes (flatten, a linear layer) ends the field.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import torch
from torch.utils.weak import WeakTensorKeyDictionary

from cnninspect.shapes import ReceptiveField

aten = torch.ops.aten


Field = ReceptiveField  # one tensor's field on each spatial axis (a torch-free value)


def _window(field: Field, kernel: Sequence[int], stride: Sequence[int], padding: Sequence[int],
            dilation: Sequence[int]) -> Field:  # fmt: skip
    size, jump, start = [], [], []
    for i in range(field.axes):
        k, s, p, d = kernel[i], stride[i], padding[i], dilation[i]
        size.append(field.size[i] + (k - 1) * d * field.jump[i])
        jump.append(field.jump[i] * s)
        start.append(field.start[i] + ((k - 1) * d / 2 - p) * field.jump[i])
    return Field(tuple(size), tuple(jump), tuple(start))


def _transposed(field: Field, kernel: Sequence[int], stride: Sequence[int],
                padding: Sequence[int], dilation: Sequence[int]) -> Field:  # fmt: skip
    size, jump, start = [], [], []
    for i in range(field.axes):
        k, s, p, d = kernel[i], stride[i], padding[i], dilation[i]
        reads = math.ceil(((k - 1) * d + 1) / s)
        size.append(field.size[i] + (reads - 1) * field.jump[i])
        jump.append(field.jump[i] / s)
        start.append(field.start[i] + (p - (k - 1) * d / 2) * field.jump[i] / s)
    return Field(tuple(size), tuple(jump), tuple(start))


def _per_axis(value: Any, axes: int, default: int) -> tuple[int, ...]:
    if value is None or (isinstance(value, list | tuple) and len(value) == 0):
        return (default,) * axes
    if isinstance(value, int):
        return (value,) * axes
    values = tuple(int(v) for v in value)
    return values * axes if len(values) == 1 else values


class ReceptiveFields:
    """The field of every tensor the pass makes; ``observe`` is called for every aten op."""

    def __init__(self) -> None:
        self.fields: WeakTensorKeyDictionary = WeakTensorKeyDictionary()

    def start(self, inputs: Sequence[torch.Tensor]) -> None:
        """The model's inputs: one pixel each, on every axis past (batch, channels)."""
        for tensor in inputs:
            axes = tensor.dim() - 2
            if axes >= 1:
                self.fields[tensor] = Field((1.0,) * axes, (1.0,) * axes, (0.5,) * axes)

    def of(self, tensor: Any) -> Field | None:
        if not isinstance(tensor, torch.Tensor):
            return None
        found: Field | None = self.fields.get(tensor)  # type: ignore[no-untyped-call]
        return found

    def observe(self, func: Any, args: Sequence[Any], kwargs: dict[str, Any], out: Any) -> None:
        outputs = [t for t in _flat(out) if isinstance(t, torch.Tensor)]
        if not outputs:
            return
        try:
            field = self._rule(func._overloadpacket, args, kwargs, outputs[0])
        except (ValueError, TypeError, IndexError, ZeroDivisionError):
            # an op whose layout the rules do not know (LocalResponseNorm pools a 5-D view of
            # a 4-D tensor): the field ends here rather than the pass
            field = None
        for tensor in outputs:
            if field is not None:
                self.fields[tensor] = field

    def _rule(self, packet: Any, args: Sequence[Any], kwargs: dict[str, Any],
              out: torch.Tensor) -> Field | None:  # fmt: skip
        first = self.of(args[0]) if args else None
        if first is not None and args[0].dim() != first.axes + 2:
            first = None  # the op sees another layout than the one the field describes
        if packet in _AXIS_CHANGES and first is not None:
            reshaped = _new_axes(first, packet, args, out)
            if reshaped is not None:
                return reshaped
        if packet is aten.convolution and first is not None:
            weight = args[1]
            stride, padding, dilation, transposed = args[3], args[4], args[5], args[6]
            axes = first.axes
            kernel = tuple(weight.shape[2:])
            window = _transposed if transposed else _window
            return window(first, kernel, _per_axis(stride, axes, 1),
                          _per_axis(padding, axes, 0), _per_axis(dilation, axes, 1))  # fmt: skip
        if packet in _POOLS and first is not None:
            axes = first.axes
            kernel = _per_axis(args[1], axes, 1)
            stride = _per_axis(args[2] if len(args) > 2 else None, axes, 0)
            stride = tuple(s or k for s, k in zip(stride, kernel, strict=True))
            padding = _per_axis(args[3] if len(args) > 3 else 0, axes, 0)
            dilation = (1,) * axes
            if packet in _DILATED_POOLS and len(args) > 4:
                dilation = _per_axis(args[4], axes, 1)
            return _window(first, kernel, stride, padding, dilation)
        if packet in _ADAPTIVE_POOLS and first is not None:
            sizes_in = args[0].shape[-first.axes :]
            sizes_out = out.shape[-first.axes :]
            kernel = tuple(math.ceil(n / m) for n, m in zip(sizes_in, sizes_out, strict=True))
            stride = tuple(max(1, n // m) for n, m in zip(sizes_in, sizes_out, strict=True))
            return _window(first, kernel, stride, (0,) * first.axes, (1,) * first.axes)
        if packet in _REDUCTIONS and first is not None:
            reduced = _spatial_reduction(args, kwargs, first.axes)
            if reduced is not None:
                return _window(first, reduced, reduced, (0,) * first.axes, (1,) * first.axes)
        if packet in _PADS and first is not None:
            pads = list(args[1])  # last axis first: (left, right, top, bottom, …)
            lefts = [pads[2 * i] for i in range(len(pads) // 2)][::-1]
            lefts = [0] * (first.axes - len(lefts)) + lefts
            start = tuple(s - p * j for s, p, j in zip(first.start, lefts, first.jump, strict=True))
            return Field(first.size, first.jump, start)
        return self._same_size(args, kwargs, out)

    def _same_size(self, args: Sequence[Any], kwargs: dict[str, Any],
                   out: torch.Tensor) -> Field | None:  # fmt: skip
        """Any other op: the largest field among the inputs whose spatial size the output
        keeps (an activation, a norm, a merge); none when the spatial axes are gone."""
        candidates = []
        for value in [*_flat(args), *_flat(list(kwargs.values()))]:
            field = self.of(value)
            if field is None or out.dim() < field.axes + 2:
                continue
            if tuple(value.shape[-field.axes :]) == tuple(out.shape[-field.axes :]):
                candidates.append(field)
            elif out.dim() == value.dim() and _upsampled(value, out, field):
                candidates.append(_upsample(field, value, out))
        if not candidates:
            return None
        return _union(candidates)


def _union(fields: Sequence[Field]) -> Field:
    """What an output of a merge sees: on each axis, the union of its inputs' fields — an
    Inception module's 1×7 and 7×1 branches give 7×7, not one branch's 1×7 or 7×1. (Fields
    on fewer axes, a broadcast, do not widen the others.)"""
    axes = max(f.axes for f in fields)
    same = [f for f in fields if f.axes == axes]
    size, jump, start = [], [], []
    for i in range(axes):
        left = min(f.start[i] - f.size[i] / 2 for f in same)
        right = max(f.start[i] + f.size[i] / 2 for f in same)
        size.append(right - left)
        jump.append(max(f.jump[i] for f in same))
        start.append((left + right) / 2)
    return Field(tuple(size), tuple(jump), tuple(start))


def _new_axes(field: Field, packet: Any, args: Sequence[Any], out: torch.Tensor) -> Field | None:
    """A spatial axis of size 1 added (``unsqueeze``) or removed (``squeeze``): a 1-D pool
    runs as a 2-D one on an unsqueezed view. None when the batch or channel axes change."""
    rank = args[0].dim()
    if packet is aten.unsqueeze and out.dim() == rank + 1:
        axis = args[1] % out.dim() - 2
        if axis < 0:
            return None
        return Field(
            (*field.size[:axis], 1.0, *field.size[axis:]),
            (*field.jump[:axis], 1.0, *field.jump[axis:]),
            (*field.start[:axis], 0.5, *field.start[axis:]),
        )
    given = args[1] if len(args) > 1 else range(rank)
    dims = {d % rank for d in ((given,) if isinstance(given, int) else given)}
    removed = sorted(d for d in dims if args[0].shape[d] == 1)
    if len(removed) != rank - out.dim() or any(d < 2 for d in removed):
        return None
    kept = [i for i in range(field.axes) if i + 2 not in removed]
    return Field(
        tuple(field.size[i] for i in kept),
        tuple(field.jump[i] for i in kept),
        tuple(field.start[i] for i in kept),
    )


def _spatial_reduction(
    args: Sequence[Any], kwargs: dict[str, Any], axes: int
) -> tuple[int, ...] | None:
    """A mean, sum or max over spatial axes that keeps them (``AdaptiveAvgPool2d(1)`` is a
    ``mean(dim=(-2, -1), keepdim=True)``): per spatial axis, the window it reduces (the whole
    axis, or 1 for an axis it keeps); None when it reduces other axes or drops them."""
    tensor = args[0]
    dims = args[1] if len(args) > 1 else kwargs.get("dim")
    keepdim = args[2] if len(args) > 2 else kwargs.get("keepdim", False)
    if not keepdim or dims is None or not isinstance(tensor, torch.Tensor):
        return None
    rank = tensor.dim()
    wanted = {d % rank for d in ((dims,) if isinstance(dims, int) else dims)}
    spatial = range(rank - axes, rank)
    if not wanted or not wanted <= set(spatial):
        return None
    return tuple(int(tensor.shape[d]) if d in wanted else 1 for d in spatial)


def _upsampled(value: torch.Tensor, out: torch.Tensor, field: Field) -> bool:
    before, after = value.shape[-field.axes :], out.shape[-field.axes :]
    return all(a >= b and a % b == 0 for a, b in zip(after, before, strict=True))


def _upsample(field: Field, value: torch.Tensor, out: torch.Tensor) -> Field:
    scale = [a / b for a, b in zip(out.shape[-field.axes :], value.shape[-field.axes :],
                                   strict=True)]  # fmt: skip
    jump = tuple(j / s for j, s in zip(field.jump, scale, strict=True))
    return Field(field.size, jump, field.start)


def _flat(value: Any) -> list[Any]:
    if isinstance(value, list | tuple):
        return [item for v in value for item in _flat(v)]
    return [value]


def _packets(*names: str) -> frozenset[Any]:
    return frozenset(getattr(aten, n) for n in names if hasattr(aten, n))


_DILATED_POOLS = _packets(
    "max_pool1d", "max_pool2d", "max_pool3d", "max_pool2d_with_indices",
    "max_pool3d_with_indices",
)  # fmt: skip
_POOLS = _DILATED_POOLS | _packets("avg_pool1d", "avg_pool2d", "avg_pool3d")
_ADAPTIVE_POOLS = _packets(
    "_adaptive_avg_pool2d", "_adaptive_avg_pool3d", "adaptive_max_pool2d",
    "adaptive_max_pool3d", "adaptive_avg_pool1d", "adaptive_max_pool1d",
)  # fmt: skip
_REDUCTIONS = _packets("mean", "sum", "amax", "amin")
_AXIS_CHANGES = _packets("unsqueeze", "squeeze")
_PADS = _packets(
    "constant_pad_nd", "reflection_pad1d", "reflection_pad2d", "reflection_pad3d",
    "replication_pad1d", "replication_pad2d", "replication_pad3d",
)  # fmt: skip
