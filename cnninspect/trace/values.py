"""The values the forward pass runs on: seeded, cheap, never uninitialised memory.

Shapes and counts do not depend on values, but data-dependent models do: a detector whose
weights are whatever memory held proposes nothing (its heads then report no work), and a
model that samples can fail on one run and pass on the next. So a module target constructed
for a real device runs its own initialisation under a fixed seed (build/construction.py: the
numbers of a normally initialised instance); a model built on the meta device (every YAML
description) and moved to a real one gets a seeded uniform value scaled by each weight's
fan-in, identity normalisation statistics; and inputs are seeded standard-normal samples. The
same command therefore prints the same output every time.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import nn

from cnninspect.shapes import Shape

SEED = 0
UNINITIALISED = "_cnninspect_uninitialised"  # set on a model whose weights hold no values


def mark_uninitialised(model: nn.Module) -> nn.Module:
    setattr(model, UNINITIALISED, True)
    return model


def needs_values(model: nn.Module) -> bool:
    return bool(getattr(model, UNINITIALISED, False))


@torch.no_grad()
def initialise(model: nn.Module) -> None:
    """Seeded values for every parameter and buffer of ``model`` (real storage, any device)."""
    generator = torch.Generator(device="cpu").manual_seed(SEED)
    for module in model.modules():
        reset = getattr(module, "reset_running_stats", None)
        if callable(reset):  # batch norm: mean 0, variance 1, no batches seen
            reset()
    running = {id(b) for m in model.modules() if hasattr(m, "reset_running_stats")
               for b in m.buffers(recurse=False)}  # fmt: skip
    for name, tensor in [*model.named_parameters(), *model.named_buffers()]:
        if id(tensor) in running or not tensor.is_floating_point() or tensor.is_meta:
            continue
        if name.endswith(("weight", "bias")) or isinstance(tensor, nn.Parameter):
            bound = 1 / math.sqrt(_fan_in(tensor)) if tensor.dim() > 1 else 0.1
            values = torch.empty(tensor.shape, dtype=torch.float32).uniform_(
                -bound, bound, generator=generator
            )
            if name.endswith("weight") and tensor.dim() == 1:  # a norm's scale: around 1
                values += 1
            tensor.copy_(values)
        else:
            tensor.zero_()
    setattr(model, UNINITIALISED, False)


def _fan_in(tensor: torch.Tensor) -> int:
    return max(1, math.prod(tensor.shape[1:]))


def inputs(
    shapes: Sequence[Shape], *, batch: int, device: torch.device, dtype: torch.dtype
) -> list[torch.Tensor]:
    """Seeded standard-normal inputs (on meta: shapes only)."""
    if device.type == "meta":
        return [torch.empty((batch, *s), device=device, dtype=dtype) for s in shapes]
    generator = torch.Generator(device="cpu").manual_seed(SEED)
    return [
        torch.randn((batch, *s), generator=generator, dtype=torch.float32).to(device, dtype)
        for s in shapes
    ]
