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
from cnninspect.results.memory import BatchFit, MemoryReport

LABELS = {
    "parameters": "Parameters",
    "buffers": "Buffers",
    "gradients": "Gradients",
    "optimizer_state": "Optimizer state",
    "activations": "Activations",
    "temporaries": "Temporaries",
    "inputs": "Input batch",
}
TOP_MODULES = 8


def setup_text(report: MemoryReport) -> str:
    """'training step, adam, batch 32, float32' (+ autocast, checkpointed, frozen)."""
    s = report.setup
    parts = ["inference (no_grad)" if s.mode == "inference" else f"training step, {s.optimizer}"]
    parts += [f"batch {report.batch}", report.dtype]
    if s.amp:
        parts.append(f"autocast {s.amp}")
    if s.checkpointed:
        parts.append("checkpointed: " + ", ".join(s.checkpointed))
    if s.frozen:
        parts.append("frozen: " + ", ".join(s.frozen))
    return ", ".join(parts)


def memory_table(report: MemoryReport) -> RenderableType:
    inputs = " and ".join(shape_text(s) for s in report.input_shapes)
    head = Text(f"{report.name} — {setup_text(report)}; input {inputs}")
    categories = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    categories.add_column("At the peak")
    categories.add_column("Bytes", justify="right")
    categories.add_column("Share", justify="right")
    for name, nbytes in report.categories:
        share = f"{100 * nbytes / report.peak_bytes:.1f}%" if report.peak_bytes else ""
        categories.add_row(Text(LABELS.get(name, name)), binary(nbytes), share)
    categories.add_row(Text("Peak", style="bold"), Text(binary(report.peak_bytes), "bold"), "")
    parts: list[RenderableType] = [head, Text(""), categories, Text("")]
    parts.append(Text(f"The peak happens in the {report.peak_phase}."))
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
    return (
        f"\nParameters: {count(report.params)} ({count(report.trainable_params)} trainable"
        + (f", {count(frozen)} frozen" if frozen else "")
        + "). Tracked on fake tensors by torch's MemTracker: no memory was allocated."
    )


def fit_table(fit: BatchFit) -> RenderableType:
    within = f"{fit.budget_name}{_headroom_text(fit)}"
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


class CategoriesDict(TypedDict):
    """Bytes at the peak, by what holds them."""

    parameters: int
    buffers: int
    gradients: int
    optimizer_state: int
    activations: int
    temporaries: int
    inputs: int


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
    batch: int
    next_peak_bytes: int | None
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
        "peak_bytes": report.peak_bytes,
        "categories": {
            "parameters": c.get("parameters", 0),
            "buffers": c.get("buffers", 0),
            "gradients": c.get("gradients", 0),
            "optimizer_state": c.get("optimizer_state", 0),
            "activations": c.get("activations", 0),
            "temporaries": c.get("temporaries", 0),
            "inputs": c.get("inputs", 0),
        },
        "peak_phase": report.peak_phase,
        "modules": [{"name": n, "activation_bytes": b} for n, b in report.modules],
        "params": report.params,
        "trainable_params": report.trainable_params,
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
            "batch": fit.batch,
            "next_peak_bytes": fit.next_peak_bytes,
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
        lines.append(f"| {LABELS.get(name, name)} | {binary(nbytes)} | {share} |")
    lines += [f"| **Peak** | **{binary(report.peak_bytes)}** | |", ""]
    lines.append(f"The peak happens in the {report.peak_phase}.")
    return "\n".join(lines) + "\n"


def explanation(report: MemoryReport) -> Text:
    """The model states in the lecture's arithmetic, each shown only where it equals what the
    tracker measured (activations have no such formula: they are what the pass keeps)."""
    size, trainable = report.weight_bytes, report.trainable_params
    lines = ["Why these numbers:"]
    checks = [
        ("parameters", report.params * size, f"{count(report.params)} × {size} bytes"),
        ("gradients", trainable * size, f"{count(trainable)} trainable × {size} bytes"),
    ]
    optimizer = report.setup.optimizer
    if report.setup.mode == "inference":
        checks = checks[:1]
    elif optimizer in ("adam", "adamw"):
        moments = 2 * trainable * size
        steps = 4 * report.trainable_tensors  # one float32 step count per parameter tensor
        text = (
            f"2 moments × {count(trainable)} × {size} bytes + "
            f"{report.trainable_tensors} step counts × 4 bytes"
        )
        checks.append(("optimizer_state", moments + steps, text))
    elif optimizer == "momentum":
        checks.append(("optimizer_state", trainable * size, f"{count(trainable)} × {size} bytes"))
    for name, value, text in checks:
        if report.category(name) == value:
            lines.append(f"  {LABELS[name]:<16} {text} = {count(value)} bytes ({binary(value)})")
    if optimizer == "sgd" and report.setup.mode == "train":
        lines.append(f"  {LABELS['optimizer_state']:<16} plain SGD keeps none")
    return Text("\n".join(lines))
