"""One training (or inference) step, tracked by torch's own memory tracker on fake tensors.

``torch.distributed._tools.mem_tracker.MemTracker`` is a dispatch mode that sees every tensor
storage made or freed, sorts it into parameters, buffers, gradients, optimizer state,
activations (made in the forward pass) and temporaries (made in the backward pass), and keeps
the snapshot of the peak. Under ``FakeTensorMode`` no storage holds data: a 70 B-parameter
model costs the tracker bookkeeping only. What cnninspect adds:

- the steady state: the optimizer's state (momentum, Adam's two moments and step) is made by
  one step on zero gradients before the tracked step, as it is from the second step on;
- mixed precision (``torch.autocast`` over the forward pass, fp32 master weights), activation
  checkpointing of named modules (``torch.utils.checkpoint``, non-reentrant), frozen modules
  (no gradient, no optimizer state), and inference (``no_grad``, eval mode);
- which top-level module keeps the most activations (saved-tensor hooks record who saved each
  storage), and when the peak happens (the modules active at the peak snapshot).

The same function runs on real cpu tensors (``fake=False``): the test suite holds the fake
figures against it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import warnings
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import torch
from torch import nn
from torch.distributed._tools.mem_tracker import MemTracker, _MemRefType
from torch.utils.checkpoint import checkpoint
from torch.utils.weak import WeakIdKeyDictionary

from cnninspect.choices import OptimizerName
from cnninspect.description.layer_types import did_you_mean
from cnninspect.errors import TargetError
from cnninspect.footprint.sharding import DDP_CATEGORIES, FSDP_CATEGORIES, fake_world, shard
from cnninspect.footprint.trackers import StackFSDPMemTracker, StackMemTracker
from cnninspect.inputs import Inputs
from cnninspect.results.memory import ShardUnit, StepSetup
from cnninspect.shapes import Shape
from cnninspect.trace.arguments import arguments
from cnninspect.trace.flow import tensors
from cnninspect.trace.forward import check_batch_axis
from cnninspect.trace.placement import to_empty

# One per name of cnninspect.choices.OPTIMIZERS (tests/test_memory.py holds them equal), each
# with the multi-tensor ("foreach") kernels torch chooses by default on a GPU: they make
# temporaries for every parameter at once (Adam: one more copy of the parameters while it
# steps), which the one-tensor-at-a-time kernels torch picks on a cpu do not — tracked as the
# cpu runs, resnet50's step at batch 1 peaked at 473 MB instead of 512 MB.
OPTIMIZERS: dict[OptimizerName, Callable[[list[nn.Parameter]], torch.optim.Optimizer]] = {
    "sgd": lambda params: torch.optim.SGD(params, lr=0.01, foreach=True),  # keeps no state
    "momentum": lambda params: torch.optim.SGD(params, lr=0.01, momentum=0.9, foreach=True),
    # exp_avg, exp_avg_sq and a step count per parameter
    "adam": lambda params: torch.optim.Adam(params, foreach=True),
    "adamw": lambda params: torch.optim.AdamW(params, foreach=True),
}
_CATEGORY_OF = {  # MemTracker's categories (its _MemRefType values) → the report's
    _MemRefType.PARAM.value: "parameters",
    _MemRefType.BUFFER.value: "buffers",
    _MemRefType.GRAD.value: "gradients",
    _MemRefType.OPT.value: "optimizer_state",
    _MemRefType.ACT.value: "activations",
    _MemRefType.TEMP.value: "temporaries",
    _MemRefType.OTH.value: "inputs",
}


@dataclasses.dataclass(frozen=True, slots=True)
class StepMemory:
    peak_bytes: int
    categories: tuple[tuple[str, int], ...]
    peak_phase: str
    modules: tuple[tuple[str, int], ...]
    units: tuple[ShardUnit, ...] = ()  # sharded: each unit and its own parameters
    saved_by: tuple[tuple[str, int], ...] = ()  # bytes saved for backward by each module


def track_step(
    model: nn.Module,
    input_shapes: Sequence[Shape],
    *,
    batch: int,
    dtype: torch.dtype,
    setup: StepSetup,
    fake: bool = True,
    described: Inputs | None = None,
) -> StepMemory:
    """Track one step of ``model`` (built on the meta device, or a real module when ``fake`` is
    False) at ``batch``; the module is moved onto fake (or real, uninitialised) cpu storage."""
    check_batch_axis(model)
    if setup.amp is None:  # under autocast the weights stay the fp32 master copy
        model.to(dtype)  # (before the fake storage: fake parameters cannot be swapped)
    distribution = setup.distribution
    with fake_world(distribution) if distribution else contextlib.nullcontext() as mesh:
        mode = torch._subclasses.fake_tensor.FakeTensorMode(allow_non_fake_inputs=True)
        with mode if fake else contextlib.nullcontext():
            units: tuple[ShardUnit, ...] = ()
            frozen = _frozen_parameters(model, setup.frozen)
            if distribution is not None and mesh is not None:
                for p in frozen:  # frozen before sharding: FSDP gives them no gradient shard
                    p.requires_grad_(False)
                frozen = []  # (the shards are new parameters, frozen as these were)
                units = shard(model, distribution, mesh)  # on meta
                model.to_empty(device="cpu")  # FSDP's own: the shards onto (fake) storage
            elif any(t.is_meta for t in (*model.parameters(), *model.buffers())):
                to_empty(model, "cpu")  # shared weights stay shared
                frozen = _frozen_parameters(model, setup.frozen)  # the new ones
            args, kwargs = _inputs(input_shapes, batch, dtype, setup, described)
            restore = _checkpoint(model, setup.checkpointed)
            try:
                with _generic_recurrent_kernels(model), warnings.catch_warnings():
                    # FSDP warns of a unit that returns a view (an LSTM's output) in case the
                    # caller changes it in place: the step does not
                    warnings.filterwarnings("ignore", "FSDP2-wrapped module", UserWarning)
                    step = _tracked(model, args, kwargs, setup, frozen)
            finally:
                restore()
    return dataclasses.replace(step, units=units)


def _inputs(
    input_shapes: Sequence[Shape],
    batch: int,
    dtype: torch.dtype,
    setup: StepSetup,
    described: Inputs | None,
) -> tuple[list[Any], dict[str, Any]]:
    """One batch (of one rank): the input language's, or float tensors of the given shapes."""
    input_dtype = dtype if setup.amp is None else torch.float32
    if described is not None:  # the input language: token ids, keywords, dicts, lists
        return arguments(described, batch=batch, device=torch.device("cpu"), dtype=input_dtype)
    return [torch.randn((batch, *s), dtype=input_dtype) for s in input_shapes], {}


def _generic_recurrent_kernels(model: nn.Module) -> contextlib.AbstractContextManager[Any]:
    """Recurrent layers run torch's generic kernels: the fused oneDNN kernel keeps a workspace
    that its fake (meta) counterpart does not model (an LSTM of 2×64 at batch 8: 2.36 MB
    tracked on real cpu tensors with oneDNN, 1.16 MB on fake ones; 1.59 MB on both without)."""
    if any(isinstance(m, nn.RNNBase) for m in model.modules()):
        return _onednn_disabled()
    return contextlib.nullcontext()


@contextlib.contextmanager
def _onednn_disabled() -> Iterator[None]:
    # not torch.backends.mkldnn.flags(): it also sets the TF32 flag, which warns on every
    # build without Intel GPU support
    enabled = torch._C._get_mkldnn_enabled()  # what flags() itself calls
    torch._C._set_mkldnn_enabled(False)
    try:
        yield
    finally:
        torch._C._set_mkldnn_enabled(enabled)


def _tracked(
    model: nn.Module,
    args: list[Any],
    kwargs: dict[str, Any],
    setup: StepSetup,
    frozen: list[nn.Parameter],
) -> StepMemory:
    training = setup.mode == "train"
    model.train(training)
    frozen_ids = {id(p) for p in frozen}
    trainable = [p for p in model.parameters() if p.requires_grad and id(p) not in frozen_ids]
    optimizer = OPTIMIZERS[setup.optimizer](trainable) if training and setup.optimizer else None
    if optimizer is not None and trainable:
        _warm_up(optimizer, trainable)
    inputs = list(tensors((args, kwargs)))
    tracker = _tracker(model, optimizer, inputs)
    if frozen:
        # The tracker puts a gradient hook on every parameter when a module first runs, and
        # torch refuses a hook on one that needs no gradient: install them now, then freeze.
        # (A private method of MemTracker, present since it appeared in torch 2.4.)
        tracker._track_module_params_and_buffers(model, install_grad_hooks=True)
        for p in frozen:
            p.requires_grad_(False)
    saved = _SavedBy(model, inputs)
    with tracker, saved:
        if training:
            with _autocast(setup.amp):
                output = model(*args, **kwargs)
            loss = _loss(output)
            if loss is not None and loss.requires_grad:
                loss.backward()  # type: ignore[no-untyped-call]
            if optimizer is not None:
                optimizer.step()
                optimizer.zero_grad(set_to_none=True)
        else:
            with torch.no_grad(), _autocast(setup.amp):
                model(*args, **kwargs)
    device = next(iter(tracker.get_tracker_snapshot("peak")), None)
    peak: dict[Any, int] = tracker.get_tracker_snapshot("peak").get(device, {}) if device else {}
    # the snapshot's keys are the tracker's reference types (str enums) and "Total"
    names = _CATEGORY_OF
    if setup.distribution is not None:
        names = DDP_CATEGORIES if setup.distribution.strategy == "ddp" else FSDP_CATEGORIES
    held = {getattr(key, "value", key): int(nbytes) for key, nbytes in peak.items()}
    categories = {name: held.get(reftype, 0) for reftype, name in names.items()}
    if optimizer is not None:  # what the tracker files under Optstate at a peak inside the
        kept = min(_state_bytes(optimizer), categories["optimizer_state"])  # step includes
        categories["temporaries"] += categories["optimizer_state"] - kept  # its temporaries
        categories["optimizer_state"] = kept
    total = int(peak.get("Total", 0))
    return StepMemory(
        peak_bytes=total,
        categories=tuple(categories.items()),
        peak_phase=_phase(tracker, device, total, training),
        modules=saved.by_top_module(),
        saved_by=saved.by_module(),
    )


def _tracker(
    model: nn.Module, optimizer: torch.optim.Optimizer | None, inputs: list[torch.Tensor]
) -> MemTracker:
    """torch's tracker; for a sharded model its FSDP twin, which also tells the shards, the
    gathered parameters and the communication buffers apart."""
    from torch.distributed.fsdp import FSDPModule

    if isinstance(model, FSDPModule):
        sharded = StackFSDPMemTracker(model, optimizer)
        sharded.track_inputs(tuple(inputs))
        return sharded
    tracker = StackMemTracker()
    tracker.track_external(model, *([optimizer] if optimizer else []), *inputs)
    return tracker


def _warm_up(optimizer: torch.optim.Optimizer, trainable: list[nn.Parameter]) -> None:
    """One step on zero gradients: the state each optimizer keeps from the second step on."""
    for p in trainable:
        p.grad = torch.zeros_like(p)
    optimizer.step()
    optimizer.zero_grad(set_to_none=True)


def _state_bytes(optimizer: torch.optim.Optimizer) -> int:
    """Bytes of the state the optimizer keeps between steps (each storage once)."""
    storages = {
        id(s): s.nbytes()
        for state in optimizer.state.values()
        for value in state.values()
        if isinstance(value, torch.Tensor)
        for s in (_local(value).untyped_storage(),)
    }
    return sum(storages.values())


def _local(tensor: torch.Tensor) -> torch.Tensor:
    """A sharded (DTensor) value's own storage is its local shard's."""
    from torch.distributed.tensor import DTensor

    return tensor.to_local() if isinstance(tensor, DTensor) else tensor


def _loss(output: Any) -> torch.Tensor | None:
    """The sum of every floating-point tensor in the output: a scalar to call backward on."""
    floats = [t for t in tensors(output) if t.is_floating_point()]
    if not floats:
        return None
    return torch.stack([t.float().sum() for t in floats]).sum()


def _autocast(amp: str | None) -> contextlib.AbstractContextManager[Any]:
    if amp is None:
        return contextlib.nullcontext()
    return torch.autocast(device_type="cpu", dtype=getattr(torch, amp))


def _named(model: nn.Module, names: Sequence[str], what: str) -> list[nn.Module]:
    modules = dict(model.named_modules())
    found = []
    for name in names:
        if name not in modules or not name:
            children = [n for n in modules if n]
            raise TargetError(f"--{what} {name}: no such module{did_you_mean(name, children)}")
        found.append(modules[name])
    return found


def _frozen_parameters(model: nn.Module, names: Sequence[str]) -> list[nn.Parameter]:
    return [p for module in _named(model, names, "freeze") for p in module.parameters()]


def _checkpoint(model: nn.Module, names: Sequence[str]) -> Callable[[], None]:
    """Recompute the activations of the named modules in backward instead of keeping them."""
    wrapped = _named(model, names, "checkpoint")
    originals = [m.forward for m in wrapped]
    for module, forward in zip(wrapped, originals, strict=True):

        def recomputed(*args: Any, __forward: Any = forward, **kwargs: Any) -> Any:
            return checkpoint(__forward, *args, use_reentrant=False, **kwargs)

        module.forward = recomputed

    def restore() -> None:
        for module, forward in zip(wrapped, originals, strict=True):
            module.forward = forward

    return restore


def _phase(tracker: MemTracker, device: Any, total: int, training: bool) -> str:
    """When the peak happened: the deepest module active at the peak snapshot, and whether in
    its forward or its backward pass; outside every module, the optimizer step."""
    best: tuple[int, str] | None = None
    words = {"PEAK_BW": "backward", "PEAK_FW": "forward"}  # the name in both trackers' enums
    for stats in tracker.memory_tracking.values():  # type: ignore[no-untyped-call]
        for state, snaps in stats.snapshots.items():
            word = words.get(state.name)
            if word and any(s.get(device, {}).get("Total") == total for s in snaps):
                depth = stats.mod_fqn.count(".")
                if best is None or depth > best[0]:
                    best = (depth, f"{word} of {stats.mod_fqn.split('.', 1)[-1]}")
    if best is not None:
        return best[1]
    return "optimizer step" if training else "forward"


class _SavedBy:
    """Saved-tensor hooks: which module saved each storage for backward (parameters and the
    input batch excluded: they are counted as such), summed by top-level module."""

    def __init__(self, model: nn.Module, inputs: Sequence[torch.Tensor]) -> None:
        self.names = {m: n for n, m in model.named_modules()}
        self.stack: list[str] = []
        # each storage once, by identity while it lives (an id alone is reused once it dies)
        self.seen: WeakIdKeyDictionary = WeakIdKeyDictionary()
        self.owner: list[tuple[str, int]] = []
        held = (*model.parameters(), *model.buffers(), *inputs)
        self.excluded = {id(_local(t).untyped_storage()) for t in held}
        self.handles: list[Any] = []
        self.hooks = torch.autograd.graph.saved_tensors_hooks(self.pack, lambda t: t)

    def __enter__(self) -> _SavedBy:
        hooks = torch.nn.modules.module
        self.handles = [
            hooks.register_module_forward_pre_hook(self.enter),
            hooks.register_module_forward_hook(self.leave),
        ]
        self.hooks.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.hooks.__exit__(*exc)
        for handle in self.handles:
            handle.remove()

    def enter(self, module: nn.Module, args: Any) -> None:
        self.stack.append(self.names.get(module, ""))

    def leave(self, module: nn.Module, args: Any, output: Any) -> None:
        if self.stack:
            self.stack.pop()

    def pack(self, tensor: torch.Tensor) -> torch.Tensor:
        # (a Parameter: FSDP's gathered weights, made after the excluded ones were noted)
        if self.stack and isinstance(tensor, torch.Tensor) and not isinstance(tensor, nn.Parameter):
            storage = tensor.untyped_storage()
            if id(storage) not in self.excluded and storage not in self.seen:
                self.seen[storage] = True
                owner = next((n for n in reversed(self.stack) if n), "")
                self.owner.append((owner, storage.nbytes()))
        return tensor

    def by_module(self) -> tuple[tuple[str, int], ...]:
        """Bytes saved for backward by each module that saved some (the deepest running)."""
        totals: dict[str, int] = {}
        for name, nbytes in self.owner:
            totals[name] = totals.get(name, 0) + nbytes
        return tuple(sorted(totals.items()))

    def by_top_module(self) -> tuple[tuple[str, int], ...]:
        totals: dict[str, int] = {}
        for name, nbytes in self.owner:
            top = name.split(".", 1)[0] or "(the model itself)"
            totals[top] = totals.get(top, 0) + nbytes
        return tuple(sorted(totals.items(), key=lambda item: -item[1]))
