"""The memory use case: a target in, a ``MemoryReport`` out — one training (or inference) step
tracked on fake tensors; and ``fit``: the largest batch whose peak stays within a budget."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from cnninspect.api.inspection import Loaded, load
from cnninspect.api.request import Feed, Target
from cnninspect.choices import AUTOCAST_DTYPES, OPTIMIZERS
from cnninspect.errors import TargetError
from cnninspect.inputs import Example, Inputs
from cnninspect.results.memory import MAX_RANKS, BatchFit, Distribution, MemoryReport, StepSetup


def memory(
    target: Target,
    feed: Feed = None,
    *,
    batch: int = 1,
    dtype: str = "float32",
    setup: StepSetup | None = None,
) -> MemoryReport:
    """The peak of one step of ``target`` at ``batch``, by category and by module."""
    return tracked(
        loaded_for_memory(target, feed, dtype=dtype),
        feed,
        batch=batch,
        dtype=dtype,
        setup=setup or step_setup(),
    )


def fit(
    target: Target,
    budget: str,
    feed: Feed = None,
    *,
    dtype: str = "float32",
    setup: StepSetup | None = None,
    headroom: str | None = None,
) -> BatchFit:
    """The largest batch whose peak stays within ``budget`` ('24GiB', '80GB', 'A100-80GB')
    less ``headroom`` ('20%' of it by default, ``footprint.fit.DEFAULT_HEADROOM``; '2GiB'):
    the target is loaded once, each batch tried tracks a step of a fresh copy of it."""
    from cnninspect.footprint.fit import largest_batch

    total, budget_name, kept = budget_and_headroom(budget, headroom)
    loaded = loaded_for_memory(target, feed, dtype=dtype)
    reports: dict[int, MemoryReport] = {}

    def peak(batch: int) -> int:
        reports[batch] = tracked(
            loaded, feed, batch=batch, dtype=dtype, setup=setup or step_setup()
        )
        return reports[batch].peak_bytes

    batch, _ = largest_batch(peak, total - kept)
    next_peak = reports[batch + 1].peak_bytes if batch + 1 in reports else peak(batch + 1)
    ranks = setup.distribution.ranks if setup and setup.distribution else 1
    return BatchFit(
        total, budget_name, batch, reports.get(batch), next_peak, len(reports), kept, ranks=ranks
    )


def fit_ranks(
    target: Target,
    budget: str,
    feed: Feed = None,
    *,
    batch: int,
    setup: StepSetup,
    dtype: str = "float32",
    headroom: str | None = None,
) -> BatchFit:
    """The fewest ranks (up to MAX_RANKS) over which the step at ``batch`` a rank, sharded as
    ``setup.distribution`` says, peaks within ``budget`` less ``headroom`` on each."""
    from cnninspect.footprint.fit import fewest_ranks

    distribution = setup.distribution
    if distribution is None:
        raise TargetError("the fewest ranks are searched for a sharded step: give --fsdp auto")
    total, budget_name, kept = budget_and_headroom(budget, headroom)
    loaded = loaded_for_memory(target, feed, dtype=dtype)
    reports: dict[int, MemoryReport] = {}

    def peak(ranks: int) -> int:
        at = dataclasses.replace(setup, distribution=dataclasses.replace(distribution, ranks=ranks))
        reports[ranks] = tracked(loaded, feed, batch=batch, dtype=dtype, setup=at)
        return reports[ranks].peak_bytes

    ranks, tries, nearest = fewest_ranks(peak, total - kept, MAX_RANKS)
    # beside the answer: one rank fewer, too much; with none enough, the lowest peak found
    beside = ranks - 1 if ranks else nearest
    return BatchFit(
        total,
        budget_name,
        batch,
        reports.get(ranks),
        reports[beside].peak_bytes if beside in reports else None,
        tries,
        kept,
        searched="ranks",
        ranks=ranks,
        nearest=nearest,
    )


def budget_and_headroom(budget: str, headroom: str | None) -> tuple[int, str, int]:
    """The budget's bytes, how to call it, and the bytes of it kept free."""
    from cnninspect.footprint.fit import DEFAULT_HEADROOM
    from cnninspect.footprint.fit import budget as parse_budget
    from cnninspect.footprint.fit import headroom as parse_headroom

    total, name = parse_budget(budget)
    return total, name, parse_headroom(headroom or DEFAULT_HEADROOM, total)


def step_setup(
    optimizer: str = "adam",
    amp: str | None = None,
    checkpoint: Sequence[str] = (),
    freeze: Sequence[str] = (),
    inference: bool = False,
    *,
    distribution: Distribution | None = None,
) -> StepSetup:
    """Which step is tracked; an unknown optimizer or autocast dtype is a usage error."""
    if optimizer not in OPTIMIZERS:
        raise TargetError(f"unknown optimizer '{optimizer}': use {', '.join(OPTIMIZERS)}")
    if amp is not None and amp not in AUTOCAST_DTYPES:
        raise TargetError(f"unknown autocast dtype '{amp}': use {', '.join(AUTOCAST_DTYPES)}")
    return StepSetup(
        mode="inference" if inference else "train",
        optimizer=None if inference else optimizer,
        amp=amp,
        checkpointed=tuple(checkpoint),
        frozen=tuple(freeze),
        distribution=distribution,
    )


def fsdp(
    ranks: int,
    shard_units: Sequence[str] = (),
    *,
    reshard_after_forward: bool = True,
    mp: str | None = None,
    reduce_dtype: str | None = None,
    replicated: bool = False,
) -> Distribution:
    """FSDP2 over ``ranks`` ranks (1 to MAX_RANKS): ``shard_units`` names the modules (or
    classes) sharded as one unit each, the default being each repeated block; ``mp`` the
    dtype the units compute in (FSDP's mixed precision, gradients reduced in ``reduce_dtype``,
    float32 by default as torchtitan does). ``replicated``: DDP instead, every rank holding
    the whole model, each unit's gradients all-reduced as one bucket."""
    option = "--ddp" if replicated else "--fsdp"
    if not 1 <= ranks <= MAX_RANKS:
        raise TargetError(f"{option} {ranks}: give a number of ranks from 1 to {MAX_RANKS}")
    for name, value in (("--mp", mp), ("--reduce-dtype", reduce_dtype)):
        if value is not None and value not in (*AUTOCAST_DTYPES, "float32"):
            raise TargetError(f"{name} {value}: use {', '.join((*AUTOCAST_DTYPES, 'float32'))}")
    return Distribution(
        strategy="ddp" if replicated else "fsdp",
        ranks=ranks,
        unit_choice=tuple(shard_units),
        reshard_after_forward=reshard_after_forward,
        param_dtype=mp,
        reduce_dtype=reduce_dtype or ("float32" if mp else None),
    )


def loaded_for_memory(target: Target, feed: Feed, *, dtype: str) -> Loaded:
    """The target loaded once on meta (no weights). Its feed is the input language (real
    values are refused: a step is tracked at any batch, theirs is fixed)."""
    refuse_values(feed)
    return load(target, feed, device="meta", dtype=dtype)


def refuse_values(feed: Feed) -> None:
    """A step is tracked at any batch; real values fix theirs."""
    if isinstance(feed, Example):
        raise TargetError(
            "cnninspect memory makes its inputs at each batch it tracks: give them in the input "
            "language (shapes, dtypes, value ranges, keywords), not as real values"
        )


def tracked(
    loaded: Loaded, feed: Feed = None, *, batch: int, dtype: str, setup: StepSetup
) -> MemoryReport:
    """One step of a fresh meta copy of the loaded module (a step moves its model onto fake
    storage: the loaded one is never touched), fed as ``feed`` says: float tensors of the
    loaded shapes, or the input language (token ids, keywords, dicts). The loss is the sum
    of every floating output."""
    import torch

    from cnninspect.footprint.step import track_step
    from cnninspect.trace.forward import check_dtype
    from cnninspect.trace.placement import copy_onto

    torch_dtype = check_dtype(dtype)
    model = copy_onto(loaded.module, torch.device("meta"))
    shapes = loaded.input_shapes
    described = feed if isinstance(feed, Inputs) and not feed.plain else None
    step = track_step(
        model, shapes, batch=batch, dtype=torch_dtype, setup=setup, described=described
    )
    params = list(model.parameters())  # after freezing
    trainable = [p for p in params if p.requires_grad]
    return MemoryReport(
        name=loaded.name,
        target=loaded.label,
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
        units=step.units,
        saved_by=step.saved_by,
    )
