"""cnninspect: inspect convolutional neural networks from one real forward pass.

The public API returns values and prints nothing::

    import cnninspect
    report = cnninspect.summary("lecture-example")
    report.totals.params            # 62958

Importing this package does not import torch; the functions below do, when called.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from collections.abc import Sequence

    from torch import nn

    from cnninspect.spec import ArchSpec
    from cnninspect.summarize import Report

__all__ = ["__version__", "load_spec", "summary"]


def summary(
    target: str | nn.Module,
    *,
    input_shape: Sequence[int] | Sequence[Sequence[int]] | None = None,
    batch: int = 1,
    device: str = "cpu",
    dtype: str = "float32",
    args: dict[str, Any] | None = None,
) -> Report:
    """Summarise a YAML file, a bundled architecture, ``pkg.mod:attr`` or an ``nn.Module``.

    ``input_shape`` is without batch: ``(3, 224, 224)``, or a list of shapes for several inputs.
    """
    from cnninspect.summarize import summarize

    shapes: list[tuple[int, ...]] | None = None
    if input_shape is not None:
        items: list[Any] = list(input_shape)
        nested = bool(items) and not isinstance(items[0], int)
        shapes = [tuple(s) for s in items] if nested else [tuple(items)]
    return summarize(
        target, input_shapes=shapes, batch=batch, device=device, dtype=dtype, args=args
    )


def load_spec(path: str) -> ArchSpec:
    """Read and check a YAML architecture description (no torch needed)."""
    from cnninspect.spec import load

    return load(path)
