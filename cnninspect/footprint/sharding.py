"""Data-parallel training seen from one rank: FSDP2 (``fully_shard``) or DDP over a fake process
group of N ranks, in this one process, on fake tensors.

torch's fake process group answers every collective without sending anything, so one process
plays rank 0 of N: ``fully_shard`` shards each parameter's first dimension N ways, the forward
pass all-gathers each unit before it runs and frees it after (``reshard_after_forward``), the
backward pass reduce-scatters the gradients into shards, and the optimizer steps on the shard.
``FSDPMemTracker`` sees all of it — the parameter shard, the all-gathered (unsharded)
parameters, the all-gather and reduce-scatter buffers, the gradient shard, the optimizer-state
shard. Rank 0 holds the largest shards (torch gives a dimension that does not divide evenly
its remainder to the last ranks), so its tracked peak is the largest of the ranks'. DDP is
played the same way through torch's FSDP2-based ``replicate``: every rank holds everything.

The device mesh is made before ``FakeTensorMode`` is entered (making it reads the ranks back
as a tensor, which a fake tensor cannot give), and the process group is destroyed on the way
out, so that a search over N makes a fresh one each time.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import torch
import torch.distributed as dist
from torch import nn
from torch.distributed.device_mesh import DeviceMesh, init_device_mesh

from cnninspect.description.layer_types import did_you_mean
from cnninspect.errors import TargetError
from cnninspect.results.memory import Distribution, ShardUnit

# Containers only hold other modules: sharding one is sharding its children together.
_CONTAINERS = (nn.Sequential, nn.ModuleList, nn.ModuleDict)

# FSDPMemTracker's categories (its _FSDPRefType values) → the report's
FSDP_CATEGORIES = {
    "Sharded Param": "parameter_shard",
    "Unsharded Param": "unsharded_parameters",
    "Buffer": "buffers",
    "Sharded Grad": "gradient_shard",
    "Unsharded Grad": "unsharded_gradients",
    "OptState": "optimizer_state",
    "Activation": "activations",
    "Temp": "temporaries",
    "All Gather": "all_gather_buffers",
    "Reduce Scatter": "reduce_scatter_buffers",
    "Inputs": "inputs",
}
# replicated, a rank's "shard" is the whole model: its parameters and gradients as such
DDP_CATEGORIES = FSDP_CATEGORIES | {"Sharded Param": "parameters", "Sharded Grad": "gradients"}


@contextlib.contextmanager
def fake_world(distribution: Distribution) -> Iterator[DeviceMesh]:
    """A fake process group of the distribution's ranks with this process as rank 0, and its
    mesh (one dimension, which torch's replicate wants named "replicate")."""
    # importing it registers the "fake" backend with torch.distributed
    from torch.testing._internal.distributed.fake_pg import FakeStore

    if dist.is_initialized():
        raise TargetError(
            "a torch.distributed process group is already initialised in this process",
            hint="run cnninspect memory --fsdp/--ddp from a process of its own",
        )
    ranks = distribution.ranks
    dist.init_process_group("fake", rank=0, world_size=ranks, store=FakeStore())
    names = ("replicate",) if distribution.strategy == "ddp" else None
    try:
        yield init_device_mesh("cpu", (ranks,), mesh_dim_names=names)
    finally:
        dist.destroy_process_group()


def shard(model: nn.Module, distribution: Distribution, mesh: DeviceMesh) -> tuple[ShardUnit, ...]:
    """``fully_shard`` (or, for DDP, torch's FSDP2-based ``replicate``) each unit, innermost
    first, then the root (on meta: nothing is made); the units, each with the parameter
    elements it gathers (a nested unit's aside): every parameter is in one of them."""
    from torch.distributed.fsdp import MixedPrecisionPolicy

    chosen = _untied(model, units(model, distribution.unit_choice), distribution.unit_choice)
    owned = _own_parameters(model, chosen)
    ranks = distribution.ranks if distribution.strategy == "fsdp" else 1  # shards of one
    policy = MixedPrecisionPolicy(
        param_dtype=_dtype(distribution.param_dtype),
        reduce_dtype=_dtype(distribution.reduce_dtype),
    )
    wrap = _wrapper(distribution, mesh, policy)
    modules = dict(model.named_modules())
    for name in sorted(chosen, key=lambda n: -n.count(".")):
        wrap(modules[name], distribution.reshard_after_forward)
    # the root's own parameters stay gathered after the forward pass (torch's default for a
    # root: the backward pass needs them first)
    wrap(model, None)
    found = tuple(
        ShardUnit(
            name,
            sum(p.numel() for p in owned[name]),
            sum(rank_zero_shard(p.shape, ranks) * ranks for p in owned[name]),
        )
        for name in (*chosen, "")
    )
    return found


def _wrapper(
    distribution: Distribution, mesh: DeviceMesh, policy: Any
) -> Callable[[nn.Module, bool | None], None]:
    """How a unit is wrapped: sharded by ``fully_shard``, or replicated by torch's
    ``replicate`` (FSDP2's machinery over a mesh of replicas: each unit's gradients
    all-reduced as one bucket). torch's DistributedDataParallel cannot run on fake tensors
    (its C++ reducer reads the gradients' data), so DDP is tracked as ``replicate`` runs it."""
    if distribution.strategy == "ddp":
        from torch.distributed._composable.replicate_with_fsdp import replicate

        def replicated(module: nn.Module, reshard: bool | None) -> None:
            replicate(module, mesh=mesh, mp_policy=policy)  # nothing to reshard: all is held

        return replicated
    from torch.distributed.fsdp import fully_shard

    def sharded(module: nn.Module, reshard: bool | None) -> None:
        fully_shard(module, mesh=mesh, reshard_after_forward=reshard, mp_policy=policy)

    return sharded


def rank_zero_shard(shape: Sequence[int], ranks: int) -> int:
    """Elements of rank 0's shard of a parameter: FSDP2 splits the first dimension in ``ranks``
    chunks as ``torch.chunk`` does — ⌈size / ranks⌉ rows to rank 0 — and pads every rank's
    shard to that size."""
    if not shape:
        return 1  # a scalar is not split
    rows = -(-shape[0] // ranks)
    return rows * math.prod(shape[1:])


def _untied(model: nn.Module, chosen: tuple[str, ...], asked: Sequence[str]) -> tuple[str, ...]:
    """The units, none holding a parameter that another unit (or the root) also uses: FSDP
    manages each parameter in one unit. A default unit that shares one (tied weights) is
    left to the root; units the user named are refused, saying which share what."""
    while True:
        holders: dict[int, set[str]] = {}
        first_name: dict[int, str] = {}
        for name, p in model.named_parameters(remove_duplicate=False):
            unit = max((u for u in chosen if name.startswith(u + ".")), key=len, default="")
            holders.setdefault(id(p), set()).add(unit)
            first_name.setdefault(id(p), name)
        shared = {key: found for key, found in holders.items() if len(found) > 1}
        if not shared:
            return chosen
        if asked:
            key, found = next(iter(shared.items()))
            where = " and ".join(sorted(u or "the root" for u in found))
            raise TargetError(
                f"--shard-unit: {first_name[key]} is one parameter used by {where}: FSDP "
                "manages a parameter in one unit",
                hint="choose units that hold their parameters whole (a module around both)",
            )
        tied = set().union(*shared.values())
        chosen = tuple(u for u in chosen if u not in tied)


def _own_parameters(model: nn.Module, chosen: Sequence[str]) -> dict[str, list[nn.Parameter]]:
    """Each unit's parameters (the root is ""), each in its innermost unit."""
    owner_of: dict[int, str] = {}
    for name in ("", *sorted(chosen, key=lambda n: n.count("."))):  # outermost first: the
        unit = model.get_submodule(name)  # innermost unit is written last and wins
        for p in unit.parameters():
            owner_of[id(p)] = name
    owned: dict[str, list[nn.Parameter]] = {name: [] for name in ("", *chosen)}
    for p in model.parameters():
        owned[owner_of[id(p)]].append(p)
    return owned


def _dtype(name: str | None) -> torch.dtype | None:
    return None if name is None else getattr(torch, name)


def units(model: nn.Module, chosen: Sequence[str]) -> tuple[str, ...]:
    """The modules sharded as one unit each, besides the root: every module named or of a class
    (or description block) named in ``chosen``; without a choice, the outermost modules of each
    class that repeats and holds parameters — blocks (a transformer's layers, a ResNet's
    blocks) where some repeat, else layers (a VGG's convolutions). What no unit holds (a stem,
    a head) is the root's."""
    named = [(n, m) for n, m in model.named_modules() if n]
    if chosen:
        return _chosen(named, chosen)
    counts: dict[str, int] = {}
    for _, module in named:
        if _holds_parameters(module) and not isinstance(module, _CONTAINERS):
            counts[kind(module)] = counts.get(kind(module), 0) + 1
    repeated = [(n, m) for n, m in named if counts.get(kind(m), 0) > 1]
    blocks = [n for n, m in repeated if any(True for _ in m.children())]
    return _outermost(blocks or [n for n, _ in repeated])


def _chosen(named: list[tuple[str, nn.Module]], chosen: Sequence[str]) -> tuple[str, ...]:
    picked: list[str] = []
    for choice in chosen:
        found = [n for n, m in named if choice in (n, kind(m))]
        if not found:
            known = sorted({n for n, _ in named} | {kind(m) for _, m in named})
            raise TargetError(
                f"--shard-unit {choice}: no module of that name or class"
                f"{did_you_mean(choice, known)}"
            )
        picked += [n for n in found if n not in picked]
    return tuple(picked)


def _outermost(names: list[str]) -> tuple[str, ...]:
    kept: list[str] = []
    for name in names:  # named_modules() lists a parent before its children
        if not any(name.startswith(parent + ".") for parent in kept):
            kept.append(name)
    return tuple(kept)


def kind(module: nn.Module) -> str:
    """The module's class name; a description's block, the block's name."""
    block_type: Any = getattr(module, "block_type", None)
    return block_type if isinstance(block_type, str) else type(module).__name__


def _holds_parameters(module: nn.Module) -> bool:
    return any(True for _ in module.parameters())
