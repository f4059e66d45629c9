"""The memory use case: a target in, a ``MemoryReport`` out — one training (or inference) step
tracked on fake tensors; and ``fit``: the largest batch whose peak stays within a budget."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from cnninspect.build.targets import is_module_target, read_description
from cnninspect.errors import TargetError
from cnninspect.results.memory import BatchFit, MemoryReport, StepSetup
from cnninspect.shapes import Shape

if TYPE_CHECKING:
    from torch import nn

OPTIMIZER_NAMES = ("sgd", "momentum", "adam", "adamw")
AMP_NAMES = ("bfloat16", "float16")


def memory(
    target: str | nn.Module,
    *,
    input_shapes: Sequence[Shape] | None = None,
    batch: int = 1,
    dtype: str = "float32",
    optimizer: str = "adam",
    amp: str | None = None,
    checkpoint: Sequence[str] = (),
    freeze: Sequence[str] = (),
    inference: bool = False,
    args: Mapping[str, Any] | None = None,
) -> MemoryReport:
    """The peak of one step of ``target`` at ``batch``, by category and by module."""
    setup = _setup(optimizer, amp, checkpoint, freeze, inference)
    make, label, shapes = _factory(target, input_shapes, args)
    return _report(make, label, shapes, batch=batch, dtype=dtype, setup=setup)


def fit(
    target: str | nn.Module,
    budget: str,
    *,
    input_shapes: Sequence[Shape] | None = None,
    dtype: str = "float32",
    optimizer: str = "adam",
    amp: str | None = None,
    checkpoint: Sequence[str] = (),
    freeze: Sequence[str] = (),
    inference: bool = False,
    args: Mapping[str, Any] | None = None,
) -> BatchFit:
    """The largest batch whose peak stays within ``budget`` ('24GiB', '80GB', 'A100-80GB')."""
    from cnninspect.footprint.fit import budget as parse_budget
    from cnninspect.footprint.fit import largest_batch

    limit, budget_name = parse_budget(budget)
    setup = _setup(optimizer, amp, checkpoint, freeze, inference)
    make, label, shapes = _factory(target, input_shapes, args)
    reports: dict[int, MemoryReport] = {}

    def peak(batch: int) -> int:
        reports[batch] = _report(make, label, shapes, batch=batch, dtype=dtype, setup=setup)
        return reports[batch].peak_bytes

    batch, tries = largest_batch(peak, limit)
    next_peak = reports[batch + 1].peak_bytes if batch + 1 in reports else peak(batch + 1)
    return BatchFit(limit, budget_name, batch, reports.get(batch), next_peak, tries + 1)


def _setup(
    optimizer: str,
    amp: str | None,
    checkpoint: Sequence[str],
    freeze: Sequence[str],
    inference: bool,
) -> StepSetup:
    if optimizer not in OPTIMIZER_NAMES:
        raise TargetError(f"unknown optimizer '{optimizer}': use {', '.join(OPTIMIZER_NAMES)}")
    if amp is not None and amp not in AMP_NAMES:
        raise TargetError(f"unknown autocast dtype '{amp}': use {', '.join(AMP_NAMES)}")
    return StepSetup(
        mode="inference" if inference else "train",
        optimizer=None if inference else optimizer,
        amp=amp,
        checkpointed=tuple(checkpoint),
        frozen=tuple(freeze),
    )


Factory = Callable[[Sequence[Shape]], "nn.Module"]


def _factory(
    target: str | nn.Module, input_shapes: Sequence[Shape] | None, args: Mapping[str, Any] | None
) -> tuple[Factory, str, tuple[Shape, ...]]:
    """A function that makes a fresh copy of the model on the meta device (each tracked step
    moves one onto fake storage), the target's label and its input shapes."""
    if isinstance(target, str) and not is_module_target(target):
        import dataclasses

        spec = read_description(target, args)  # a file that does not read costs no torch import
        from cnninspect.build.builder import build

        shapes = tuple(input_shapes or (spec.input_shape,))
        if len(shapes) != 1:
            raise TargetError("a YAML architecture takes exactly one input")

        def from_spec(shapes: Sequence[Shape]) -> nn.Module:
            return build(dataclasses.replace(spec, input_shape=tuple(shapes[0]))).module

        return from_spec, target, shapes
    if not input_shapes:
        raise TargetError(
            f"{target if isinstance(target, str) else type(target).__name__} is a PyTorch "
            "module: give its input shape without the batch",
            hint="for example --input 3x224x224",
        )
    if isinstance(target, str):
        from cnninspect.build.construction import import_module_target

        def from_module_target(shapes: Sequence[Shape]) -> nn.Module:
            return import_module_target(target, args or {}, device="meta")

        return from_module_target, target, tuple(input_shapes)
    module = target
    return (lambda shapes: _meta_copy(module)), type(module).__name__, tuple(input_shapes)


def _meta_copy(module: nn.Module) -> nn.Module:
    """A copy of ``module`` on meta, the weights' data never copied."""
    import torch

    from cnninspect.trace.placement import copy_onto

    return copy_onto(module, torch.device("meta"))


def _report(
    make: Factory,
    label: str,
    shapes: tuple[Shape, ...],
    *,
    batch: int,
    dtype: str,
    setup: StepSetup,
) -> MemoryReport:
    from cnninspect.footprint.step import track_step
    from cnninspect.trace.forward import check_dtype

    model = make(shapes)
    torch_dtype = check_dtype(dtype)
    step = track_step(model, shapes, batch=batch, dtype=torch_dtype, setup=setup)
    params = list(model.parameters())  # after freezing
    trainable = [p for p in params if p.requires_grad]
    return MemoryReport(
        name=label.rpartition(":")[2] or label,
        target=label,
        input_shapes=shapes,
        batch=batch,
        dtype=dtype,
        setup=setup,
        peak_bytes=step.peak_bytes,
        categories=step.categories,
        peak_phase=step.peak_phase,
        modules=step.modules,
        params=sum(p.numel() for p in params),
        trainable_params=sum(p.numel() for p in trainable),
        trainable_tensors=len(trainable),
        weight_bytes=params[0].element_size() if params else 4,
    )
