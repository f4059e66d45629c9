"""Refuse, before anything is allocated, a forward pass that cannot fit on its device.

The need is computed from shapes alone — the weights and buffers at the dtype asked for, the
inputs, and twice the largest activation (a layer's input and output are alive together) —
and compared with what the device has free: ``MemAvailable`` of ``/proc/meminfo`` for cpu,
``torch.cuda.mem_get_info`` for cuda. Where neither is known, the pass runs and an allocator
failure is turned into the same message.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import torch
from torch import nn

from cnninspect.errors import CnninspectError
from cnninspect.shapes import Shape

_MEMINFO = Path("/proc/meminfo")


class MemoryGuardError(CnninspectError):
    """The forward pass would need more memory than the device has free."""


def needed_bytes(
    model: nn.Module,
    input_shapes: Sequence[Shape],
    *,
    batch: int,
    dtype: torch.dtype,
    largest_activation: int = 0,
) -> int:
    """Bytes the pass needs at least; ``largest_activation``: elements per sample, if known."""
    size = torch.empty((), dtype=dtype, device="meta").element_size()
    weights = sum(
        t.numel() * (size if t.is_floating_point() else t.element_size())
        for t in (*model.parameters(), *model.buffers())
    )
    inputs = sum(batch * math.prod(s) for s in input_shapes) * size
    return weights + inputs + 2 * batch * largest_activation * size


def free_bytes(device: torch.device) -> int | None:
    """Memory free on ``device`` now, or None where it cannot be known."""
    if device.type == "cuda":
        free, _ = torch.cuda.mem_get_info(device)
        return int(free)
    if device.type == "cpu" and _MEMINFO.is_file():
        for line in _MEMINFO.read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    return None


def check(need: int, device: torch.device) -> None:
    free = free_bytes(device)
    if free is not None and need > free:
        raise refusal(f"needs at least {_gib(need)}, and {device.type} has {_gib(free)} free")


def refusal(why: str) -> MemoryGuardError:
    return MemoryGuardError(
        f"the forward pass {why}",
        hint="--device meta computes every shape and count without allocating; "
        "or use a smaller --batch or input",
    )


def is_allocation_failure(exc: BaseException) -> bool:
    """torch's allocators' words (cpu: DefaultCPUAllocator, cuda: OutOfMemoryError)."""
    text = str(exc)
    return isinstance(exc, torch.OutOfMemoryError | MemoryError) or (
        "can't allocate memory" in text or "not enough memory" in text
    )


def _gib(n: int) -> str:
    return f"{n / 2**30:,.2f} GiB"
