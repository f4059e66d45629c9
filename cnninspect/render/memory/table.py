"""A MemoryReport, a BatchFit and a CheckpointPlan as Rich tables and text."""

from __future__ import annotations

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from cnninspect.render.text import binary, count, shape_text
from cnninspect.results.memory import MAX_RANKS, BatchFit, CheckpointPlan, MemoryReport

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
        text = f"DDP over {ranks}, as torch's FSDP2-based replicate runs it"
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
        text = f"Batch {fit.batch} a rank does not fit in {within} over any number of FSDP ranks"
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


def _headroom_text(fit: BatchFit) -> str:
    return _kept_text(fit.headroom_bytes, fit.budget_bytes)


def _kept_text(headroom_bytes: int, budget_bytes: int) -> str:
    if not headroom_bytes:
        return ""
    return (
        f", less {binary(headroom_bytes)} kept for the CUDA context and the allocator "
        f"(--headroom): {binary(budget_bytes - headroom_bytes)}"
    )


def plan_table(plan: CheckpointPlan) -> RenderableType:
    within = f"{plan.budget_name}{_kept_text(plan.headroom_bytes, plan.budget_bytes)}"
    before = f"batch {plan.batch} peaks at {binary(plan.before.peak_bytes)}"
    if plan.after is None:
        return Text(
            f"No checkpointing plan fits batch {plan.batch} in {within}: {before}, and more "
            f"than the budget with all {plan.candidates} candidate modules checkpointed."
        )
    if not plan.checkpointed:
        return Group(
            Text(f"Batch {plan.batch} fits in {within} without checkpointing: {before}."),
            Text(""),
            memory_table(plan.before),
        )
    share = plan.recomputed_macs / plan.step_macs if plan.step_macs else 0.0
    lines = [
        f"Checkpointing plan for batch {plan.batch} within {within}:",
        f"  recompute {len(plan.checkpointed)} of {plan.candidates} candidate modules in "
        "backward: " + ", ".join(name for name, _ in plan.checkpointed),
        f"  peak {binary(plan.before.peak_bytes)} → {binary(plan.after.peak_bytes)} "
        f"(saves {binary(plan.before.peak_bytes - plan.after.peak_bytes)})",
        f"  recomputed: {count(plan.recomputed_macs)} MACs, {100 * share:.1f}% of the step's "
        f"{count(plan.step_macs)} (a backward pass counted as twice the forward)",
        f"  ({plan.tries} tracked steps on fake tensors; the step below is the plan, tracked)",
    ]
    return Group(Text("\n".join(lines)), Text(""), memory_table(plan.after))
