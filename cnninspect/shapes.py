"""Shapes and the two ways of writing them — the one place both facts live (torch-free).

- ``Shape``: one sample's shape, without the batch, channels first: ``(3, 224, 224)``. This
  is what descriptions declare, what tables show and what reports hold.
- ``BatchedShape``: a tensor's shape as torch sees it, batch first: ``(1, 3, 224, 224)``.
  Only the trace holds these; ``drop_batch`` is the one way from one to the other.

``Notation`` is how a shape is *written*: ``chw`` (torch's order, the default) or ``hwc`` (the
lecture's height, width, channels). Values are always channels-first; only files and
renderers convert.

``ReceptiveField`` is a tensor's receptive field per spatial axis, in input pixels: what the
trace propagates op by op and what reports carry.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

Shape = tuple[int, ...]
BatchedShape = tuple[int, ...]
Notation = Literal["chw", "hwc"]
MAX_ELEMENTS = 2**62  # torch computes storage sizes in 64-bit integers: a tensor stays below

_Dim = TypeVar("_Dim")


@dataclass(frozen=True, slots=True)
class ReceptiveField:
    """One tensor's receptive field on each spatial axis (in the order of the tensor's axes:
    (H, W) for an image, (T,) for a signal, (D, H, W) for a volume), in input pixels."""

    size: tuple[float, ...]  # r: input pixels one output element sees
    jump: tuple[float, ...]  # j: input pixels between neighbouring outputs (effective stride)
    start: tuple[float, ...]  # centre of the first output's field (the first pixel's is 0.5)

    @property
    def axes(self) -> int:
        return len(self.size)


def drop_batch(shape: BatchedShape) -> Shape:
    """(N, C, H, W) → (C, H, W): the first size is the batch, always (a tensor the pass made
    from an input with a batch: what the builder propagates, what a layer receives)."""
    return shape[1:]


def per_sample(shape: BatchedShape, batch: int) -> Shape:
    """(N, C, H, W) → (C, H, W) where the first size is the ``batch``; a shape whose first
    size is not (a detector's (0, 4) boxes when nothing is found, a 0-d tensor) is a
    per-sample shape already and stays whole. What a report shows of a pass's outputs."""
    if not shape or shape[0] != batch:
        return shape
    return shape[1:]


def to_channels_first(shape: Sequence[_Dim], notation: Notation) -> tuple[_Dim, ...]:
    """As written in ``notation`` → channels-first: (H, W, C) → (C, H, W) for hwc.

    A 1-element shape (a feature vector) is the same in both notations.
    """
    if notation == "hwc" and len(shape) > 1:
        return (shape[-1], *shape[:-1])
    return tuple(shape)


def from_channels_first(shape: Sequence[_Dim], notation: Notation) -> tuple[_Dim, ...]:
    """Channels-first → as written in ``notation``: (C, H, W) → (H, W, C) for hwc."""
    if notation == "hwc" and len(shape) > 1:
        return (*shape[1:], shape[0])
    return tuple(shape)


def dims_text(shape: Sequence[Any] | None, sep: str = "×") -> str:
    """(96, 55, 55) → '96×55×55'; a null dimension (any size) prints as '*'."""
    if shape is None:
        return "?"
    return sep.join("*" if d is None else str(d) for d in shape)


def flattened_from(features: int, earlier: Iterable[BatchedShape]) -> Shape | None:
    """The last multi-dimensional shape (latest first in ``earlier``) with ``features``
    elements per sample: where a feature vector was flattened from (6400 = 256×5×5)."""
    for shape in earlier:
        if len(shape) > 2 and math.prod(shape[1:]) == features:
            return drop_batch(shape)
    return None
