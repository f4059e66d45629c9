"""Renderers of a MemoryReport and a BatchFit: a Rich table, JSON (exact bytes) and Markdown."""

from __future__ import annotations

import json
from typing import Literal, TypedDict

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from cnninspect.render.envelope import Envelope, envelope
from cnninspect.render.text import binary, count, shape_text
from cnninspect.results.memory import MAX_RANKS, BatchFit, MemoryReport

LABELS = {
    "parameters": "Parameters",
    "buffers": "Buffers",
    "gradients": "Gradients",
    "optimizer_state": "Optimizer state",
    "activations": "Activations",
    "temporaries": "Temporaries",
    "inputs": "Input batch",
    "parameter_shard": "Parameter shard",
    "unsharded_parameters": "Gathered parameters",
    "gradient_shard": "Gradient shard",
    "unsharded_gradients": "Gathered gradients",
    "all_gather_buffers": "All-gather buffers",
    "reduce_scatter_buffers": "Reduce-scatter buffers",
}
# replicated (--ddp), FSDP's machinery keeps a second copy of each unit's parameters to compute
# with, and its reduce buffers are all-reduce buffers
DDP_LABELS = LABELS | {
    "unsharded_parameters": "Compute copies",
    "unsharded_gradients": "Unreduced gradients",
    "reduce_scatter_buffers": "All-reduce buffers",
}
TOP_MODULES = 8


def setup_text(report: MemoryReport) -> str:
    """'training step, adam, batch 32, float32' (+ autocast, checkpointed, frozen)."""
    s = report.setup
    parts = ["inference (no_grad)" if s.mode == "inference" else f"training step, {s.optimizer}"]
    parts += [f"batch {report.batch}" + (" a rank" if s.distribution else ""), report.dtype]
    if s.amp:
        parts.append(f"autocast {s.amp}")
    if s.checkpointed:
        parts.append("checkpointed: " + ", ".join(s.checkpointed))
    if s.frozen:
        parts.append("frozen: " + ", ".join(s.frozen))
    if s.distribution is not None:
        parts.append(distribution_text(report))
    return ", ".join(parts)


def distribution_text(report: MemoryReport) -> str:
    """'FSDP over 8 ranks (rank 0), resharded after forward, computing in bfloat16'."""
    d = report.setup.distribution
    if d is None:
        return "one device"
    ranks = f"{count(d.ranks)} rank{'s' if d.ranks > 1 else ''} (rank 0)"
    if d.strategy == "ddp":
        text = f"DDP over {ranks}"
    else:
        text = f"FSDP over {ranks}"
        text += ", resharded after forward" if d.reshard_after_forward else ", kept gathered"
    if d.param_dtype:
        text += f", computing in {d.param_dtype}, reducing in {d.reduce_dtype}"
    return text


def units_text(report: MemoryReport) -> str:
    """The sharded units in a line: how many of each kind, the largest, then the root."""
    units = [u for u in report.units if u.name]
    root = sum(u.params for u in report.units if not u.name)
    d = report.setup.distribution
    what = "Sharded"
    if d is not None and d.strategy == "ddp":
        what = "Replicated (one gradient bucket each)"
    if not units:
        return f"{what} as one unit: the whole model ({count(root)} parameters)."
    largest = max(units, key=lambda unit: unit.params)
    return (
        f"{what} units: {len(units)} (largest {largest.name}, {count(largest.params)} "
        f"parameters), then the root ({count(root)} parameters of its own)."
    )


def labels(report: MemoryReport) -> dict[str, str]:
    """The categories' names in a table: replicated, some mean something else."""
    d = report.setup.distribution
    return DDP_LABELS if d is not None and d.strategy == "ddp" else LABELS


def memory_table(report: MemoryReport) -> RenderableType:
    inputs = " and ".join(shape_text(s) for s in report.input_shapes)
    head = Text(f"{report.name} — {setup_text(report)}; input {inputs}")
    categories = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    categories.add_column("At the peak")
    categories.add_column("Bytes", justify="right")
    categories.add_column("Share", justify="right")
    for name, nbytes in report.categories:
        share = f"{100 * nbytes / report.peak_bytes:.1f}%" if report.peak_bytes else ""
        categories.add_row(Text(labels(report).get(name, name)), binary(nbytes), share)
    categories.add_row(Text("Peak", style="bold"), Text(binary(report.peak_bytes), "bold"), "")
    parts: list[RenderableType] = [head, Text(""), categories, Text("")]
    parts.append(Text(f"The peak happens in the {report.peak_phase}."))
    if report.setup.distribution is not None:
        parts.append(Text(units_text(report)))
    if report.modules:
        modules = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
        modules.add_column("Kept for backward, by module")
        modules.add_column("Bytes", justify="right")
        for name, nbytes in report.modules[:TOP_MODULES]:
            modules.add_row(Text(name), binary(nbytes))
        parts += [Text(""), modules]
    parts.append(Text(_footer(report)))
    return Group(*parts)


def _footer(report: MemoryReport) -> str:
    frozen = report.params - report.trainable_params
    sharded = report.setup.distribution is not None
    tracker = "FSDPMemTracker over a fake process group" if sharded else "MemTracker"
    return (
        f"\nParameters: {count(report.params)} ({count(report.trainable_params)} trainable"
        + (f", {count(frozen)} frozen" if frozen else "")
        + f"). Tracked on fake tensors by torch's {tracker}: no memory was allocated."
    )


def fit_table(fit: BatchFit) -> RenderableType:
    within = f"{fit.budget_name}{_headroom_text(fit)}"
    if fit.searched == "ranks":
        return _ranks_table(fit, within)
    if fit.report is None:
        text = f"Not even batch 1 fits in {within}."
        if fit.next_peak_bytes is not None:
            text += f" Batch 1 peaks at {binary(fit.next_peak_bytes)}."
        return Text(text)
    lines = [
        f"Largest batch within {within}: {fit.batch}",
        f"  peak at batch {fit.batch}: {binary(fit.report.peak_bytes)}",
    ]
    if fit.next_peak_bytes is not None:
        lines.append(f"  peak at batch {fit.batch + 1}: {binary(fit.next_peak_bytes)} (too much)")
    lines.append(f"  ({fit.tries} tracked steps on fake tensors)")
    return Group(Text("\n".join(lines)), Text(""), memory_table(fit.report))


def _ranks_table(fit: BatchFit, within: str) -> RenderableType:
    if fit.report is None:
        text = f"Batch {fit.batch} a rank fits in {within} over no number of FSDP ranks"
        if fit.next_peak_bytes is not None:
            text += (
                f": its lowest peak, {binary(fit.next_peak_bytes)} a rank, is over "
                f"{count(fit.nearest)} ranks"
            )
            if fit.nearest < MAX_RANKS:
                text += " (more ranks pad each parameter's shard to a multiple of them)"
        return Text(text + ".")
    lines = [
        f"Fewest FSDP ranks for batch {fit.batch} a rank within {within}: {count(fit.ranks)}",
        f"  peak a rank over {count(fit.ranks)}: {binary(fit.report.peak_bytes)}",
    ]
    if fit.next_peak_bytes is not None:
        lines.append(
            f"  peak a rank over {count(fit.ranks - 1)}: {binary(fit.next_peak_bytes)} (too much)"
        )
    lines.append(f"  ({fit.tries} tracked steps on fake tensors)")
    return Group(Text("\n".join(lines)), Text(""), memory_table(fit.report))


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


class MemoryDocument(Envelope):
    """``cnninspect memory --format json``: the step (at ``--batch``, or at the batch that
    fits with ``--fit``) and, with ``--fit``, the search."""

    step: MemoryStepDict | None
    fit: FitDict | None


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
    document: MemoryDocument = {**envelope("memory"), "step": memory_dict(report), "fit": None}
    return json.dumps(document, indent=2)


def _headroom_text(fit: BatchFit) -> str:
    if not fit.headroom_bytes:
        return ""
    return (
        f", less {binary(fit.headroom_bytes)} kept for the CUDA context and the allocator "
        f"(--headroom): {binary(fit.usable_bytes)}"
    )


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
    }
    return json.dumps(document, indent=2)


def memory_markdown(report: MemoryReport) -> str:
    lines = [
        f"### {report.name}: {setup_text(report)}",
        "",
        "| at the peak | bytes | share |",
        "|---|---:|---:|",
    ]
    for name, nbytes in report.categories:
        share = f"{100 * nbytes / report.peak_bytes:.1f}%" if report.peak_bytes else ""
        lines.append(f"| {labels(report).get(name, name)} | {binary(nbytes)} | {share} |")
    lines += [f"| **Peak** | **{binary(report.peak_bytes)}** | |", ""]
    lines.append(f"The peak happens in the {report.peak_phase}.")
    return "\n".join(lines) + "\n"
