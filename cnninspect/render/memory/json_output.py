"""A MemoryReport, a BatchFit and a CheckpointPlan as JSON: exact bytes, typed (the schema is
generated from these types: ``schema/memory.schema.json``)."""

from __future__ import annotations

import json
from typing import Literal, TypedDict

from cnninspect.render.envelope import Envelope, envelope
from cnninspect.results.memory import BatchFit, CheckpointPlan, MemoryReport


class CategoriesDict(TypedDict):
    """Bytes at the peak, by what holds them. On one device the parameters and gradients are
    whole; sharded (--fsdp), each rank holds a shard of them and, for a while, a unit's
    gathered copy, and the sharded categories hold the bytes (0 where a step has none)."""

    parameters: int
    buffers: int
    gradients: int
    optimizer_state: int
    activations: int
    temporaries: int
    inputs: int
    parameter_shard: int
    unsharded_parameters: int
    gradient_shard: int
    unsharded_gradients: int
    all_gather_buffers: int
    reduce_scatter_buffers: int


class UnitDict(TypedDict):
    """A module sharded as one unit ("" is the root) and the parameters it gathers itself."""

    name: str
    params: int
    gathered_elements: int  # what its all-gather gives: each first dimension padded to ranks


class DistributionDict(TypedDict):
    """Data-parallel training seen from rank 0, the rank with the largest shards."""

    strategy: Literal["fsdp", "ddp"]
    ranks: int
    units: list[UnitDict]
    reshard_after_forward: bool
    param_dtype: str | None
    reduce_dtype: str | None


class ModuleBytesDict(TypedDict):
    """A top-level module and the bytes it keeps for backward."""

    name: str
    activation_bytes: int


class MemoryStepDict(TypedDict):
    """One step tracked on fake tensors: its peak, by category and by module."""

    name: str
    target: str
    input: list[list[int]]
    batch: int
    dtype: str
    mode: Literal["train", "inference"]
    optimizer: str | None
    autocast: str | None
    checkpointed: list[str]
    frozen: list[str]
    distribution: DistributionDict | None
    peak_bytes: int
    categories: CategoriesDict
    peak_phase: str
    modules: list[ModuleBytesDict]
    params: int
    trainable_params: int


class FitDict(TypedDict):
    """The largest batch whose peak stays within the budget less the headroom (0: not even
    one sample)."""

    budget_bytes: int
    budget: str
    headroom_bytes: int  # kept free for the CUDA context and the allocator (--headroom)
    usable_bytes: int  # budget_bytes - headroom_bytes: what the peak must stay within
    searched: Literal["batch", "ranks"]  # the largest batch, or the fewest ranks (--fsdp auto)
    batch: int  # searched: the answer (0: not even 1 fits); else the batch a rank was given
    ranks: int  # searched: the answer (0: not even the most ranks fit); else as given (1)
    next_peak_bytes: int | None  # the peak one past the answer: batch + 1, or ranks − 1
    nearest: int | None  # ranks searched and none fit: the ranks of the lowest peak found
    tries: int


class CheckpointedDict(TypedDict):
    """A module of the plan: recomputed in backward, at the cost of its forward MACs."""

    name: str
    macs: int


class PlanDict(TypedDict):
    """``--plan``: the modules to checkpoint so that the batch fits (``step`` is the step
    tracked again with them checkpointed); ``checkpointed`` is null when even every candidate
    checkpointed does not fit, empty when the step fits as it is."""

    budget_bytes: int
    budget: str
    headroom_bytes: int
    usable_bytes: int
    batch: int
    peak_bytes_before: int
    peak_bytes_after: int | None
    checkpointed: list[CheckpointedDict] | None
    candidates: int
    recomputed_macs: int
    step_macs: int  # the forward pass and a backward counted as twice it
    tries: int


class MemoryDocument(Envelope):
    """``cnninspect memory --format json``: the step (at ``--batch``, at the batch that fits
    with ``--fit``, or with the plan applied with ``--plan``) and the search that led there."""

    step: MemoryStepDict | None
    fit: FitDict | None
    plan: PlanDict | None


def memory_dict(report: MemoryReport) -> MemoryStepDict:
    s = report.setup
    c = dict(report.categories)
    return {
        "name": report.name,
        "target": report.target,
        "input": [list(shape) for shape in report.input_shapes],
        "batch": report.batch,
        "dtype": report.dtype,
        "mode": "inference" if s.mode == "inference" else "train",
        "optimizer": s.optimizer,
        "autocast": s.amp,
        "checkpointed": list(s.checkpointed),
        "frozen": list(s.frozen),
        "distribution": _distribution_dict(report),
        "peak_bytes": report.peak_bytes,
        "categories": {
            "parameters": c.get("parameters", 0),
            "buffers": c.get("buffers", 0),
            "gradients": c.get("gradients", 0),
            "optimizer_state": c.get("optimizer_state", 0),
            "activations": c.get("activations", 0),
            "temporaries": c.get("temporaries", 0),
            "inputs": c.get("inputs", 0),
            "parameter_shard": c.get("parameter_shard", 0),
            "unsharded_parameters": c.get("unsharded_parameters", 0),
            "gradient_shard": c.get("gradient_shard", 0),
            "unsharded_gradients": c.get("unsharded_gradients", 0),
            "all_gather_buffers": c.get("all_gather_buffers", 0),
            "reduce_scatter_buffers": c.get("reduce_scatter_buffers", 0),
        },
        "peak_phase": report.peak_phase,
        "modules": [{"name": n, "activation_bytes": b} for n, b in report.modules],
        "params": report.params,
        "trainable_params": report.trainable_params,
    }


def _distribution_dict(report: MemoryReport) -> DistributionDict | None:
    d = report.setup.distribution
    if d is None:
        return None
    return {
        "strategy": "ddp" if d.strategy == "ddp" else "fsdp",
        "ranks": d.ranks,
        "units": [
            {"name": u.name, "params": u.params, "gathered_elements": u.gathered}
            for u in report.units
        ],
        "reshard_after_forward": d.reshard_after_forward,
        "param_dtype": d.param_dtype,
        "reduce_dtype": d.reduce_dtype,
    }


def memory_json(report: MemoryReport) -> str:
    document: MemoryDocument = {
        **envelope("memory"),
        "step": memory_dict(report),
        "fit": None,
        "plan": None,
    }
    return json.dumps(document, indent=2)


def fit_json(fit: BatchFit) -> str:
    document: MemoryDocument = {
        **envelope("memory"),
        "step": memory_dict(fit.report) if fit.report else None,
        "fit": {
            "budget_bytes": fit.budget_bytes,
            "budget": fit.budget_name,
            "headroom_bytes": fit.headroom_bytes,
            "usable_bytes": fit.usable_bytes,
            "searched": "ranks" if fit.searched == "ranks" else "batch",
            "batch": fit.batch,
            "ranks": fit.ranks,
            "next_peak_bytes": fit.next_peak_bytes,
            "nearest": fit.nearest or None,
            "tries": fit.tries,
        },
        "plan": None,
    }
    return json.dumps(document, indent=2)


def plan_json(plan: CheckpointPlan) -> str:
    chosen = None if plan.after is None else plan.checkpointed
    document: MemoryDocument = {
        **envelope("memory"),
        "step": memory_dict(plan.after or plan.before),
        "fit": None,
        "plan": {
            "budget_bytes": plan.budget_bytes,
            "budget": plan.budget_name,
            "headroom_bytes": plan.headroom_bytes,
            "usable_bytes": plan.budget_bytes - plan.headroom_bytes,
            "batch": plan.batch,
            "peak_bytes_before": plan.before.peak_bytes,
            "peak_bytes_after": plan.after.peak_bytes if plan.after else None,
            "checkpointed": None
            if chosen is None
            else [{"name": name, "macs": macs} for name, macs in chosen],
            "candidates": plan.candidates,
            "recomputed_macs": plan.recomputed_macs,
            "step_macs": plan.step_macs,
            "tries": plan.tries,
        },
    }
    return json.dumps(document, indent=2)
