"""``memory``: the peak of one training (or inference) step, and the largest batch that fits."""

from __future__ import annotations

import enum
import sys
from typing import Annotated

import typer

from cnninspect.api.request import Feed, Target
from cnninspect.choices import AutocastName, ExitCode, OptimizerName
from cnninspect.cli.options import (
    ArgOption,
    BatchOption,
    DebugOption,
    DtypeOption,
    InputOption,
    TargetArgument,
    resolve_request,
)
from cnninspect.cli.program import app, errors, stdout
from cnninspect.results.memory import BatchFit, CheckpointPlan, Distribution, StepSetup


class MemoryFormat(str, enum.Enum):
    table = "table"
    json = "json"
    markdown = "markdown"


@app.command(
    epilog="Examples: cnninspect memory resnet50 --batch 32 --optimizer adam · "
    "cnninspect memory torchvision.models:vit_b_16 --input 3x224x224 --amp bfloat16 --fit 80GiB"
)
def memory(
    target: TargetArgument,
    input_shape: InputOption = None,
    batch: BatchOption = 1,
    dtype: DtypeOption = "float32",
    optimizer: Annotated[
        OptimizerName, typer.Option("--optimizer", help="The optimizer whose state is kept.")
    ] = "adam",
    amp: Annotated[
        AutocastName | None,
        typer.Option("--amp", help="Autocast the forward pass (fp32 master weights)."),
    ] = None,
    checkpoint: Annotated[
        list[str] | None,
        typer.Option("--checkpoint", help="Recompute this module's activations (repeatable)."),
    ] = None,
    freeze: Annotated[
        list[str] | None,
        typer.Option("--freeze", help="No gradient, no optimizer state here (repeatable)."),
    ] = None,
    inference: Annotated[
        bool, typer.Option("--inference", help="A forward pass under no_grad instead.")
    ] = False,
    fit: Annotated[
        str | None,
        typer.Option("--fit", help="The largest batch within this budget: 24GiB, 80GB, A100-80GB."),
    ] = None,
    headroom: Annotated[
        str | None,
        typer.Option(
            "--headroom",
            help="--fit: kept free of the budget for the CUDA context and the allocator, a share "
            "or a size (default 20%, EleutherAI's figure that Accelerate quotes; 0% for none).",
        ),
    ] = None,
    fsdp: Annotated[
        str | None,
        typer.Option(
            "--fsdp",
            help="Per rank of FSDP2 over N ranks (1 to 4096; --batch is each rank's); 'auto' "
            "with --fit and --batch: the fewest ranks that fit.",
        ),
    ] = None,
    ddp: Annotated[
        int | None,
        typer.Option(
            "--ddp",
            help="Per rank of DDP over N ranks: the whole model on each, every unit's "
            "gradients all-reduced as one bucket (torch's FSDP2-based replicate).",
        ),
    ] = None,
    shard_unit: Annotated[
        list[str] | None,
        typer.Option(
            "--shard-unit",
            help="--fsdp: shard every module of this name or class as one unit (repeatable; "
            "default: each repeated block), then the root.",
        ),
    ] = None,
    reshard_after_forward: Annotated[
        bool,
        typer.Option(
            help="--fsdp: free each unit's gathered parameters after its forward (ZeRO-3) or "
            "keep them until its backward (ZeRO-2-like)."
        ),
    ] = True,
    mp: Annotated[
        AutocastName | None,
        typer.Option("--mp", help="--fsdp: FSDP's mixed precision: units compute in this dtype."),
    ] = None,
    plan: Annotated[
        bool,
        typer.Option(
            "--plan",
            help="With --fit and --batch: the modules to checkpoint so that the batch fits, "
            "with the fewest MACs recomputed, proved by tracking the step again.",
        ),
    ] = False,
    explain: Annotated[
        bool, typer.Option("--explain", help="Show the arithmetic behind the model states.")
    ] = False,
    arg: ArgOption = None,
    output_format: Annotated[
        MemoryFormat, typer.Option("--format", "-f", help="Output format.")
    ] = MemoryFormat.table,
    debug: DebugOption = False,
) -> None:
    """Peak memory of one training step (forward, backward, optimizer step) on one device or a
    rank of FSDP/DDP, tracked on fake tensors: by category, by module, and when it happens; or
    the batch, the ranks or the checkpointing plan that fits a budget."""
    from cnninspect.api import memory as use_case
    from cnninspect.render.memory import arithmetic, json_output, markdown, table

    with errors(debug):
        resolved, feed = resolve_request(target, input_shape, arg)
        ranks = _ranks(fsdp, fit is not None)
        if headroom is not None and fit is None and not plan:
            raise typer.BadParameter("--headroom is kept free of a --fit budget: give --fit")
        setup = use_case.step_setup(
            optimizer,
            amp,
            tuple(checkpoint or ()),
            tuple(freeze or ()),
            inference,
            distribution=_distribution(ranks, ddp, shard_unit, reshard_after_forward, mp),
        )
        if plan or fit is not None:
            searched = _search(resolved, feed, fit, plan, ranks, batch, dtype, setup, headroom)
        else:
            report = use_case.memory(resolved, feed, batch=batch, dtype=dtype, setup=setup)
    if plan or fit is not None:
        _show_search(searched, output_format is MemoryFormat.json, explain=explain)
        return
    if output_format is MemoryFormat.json:
        sys.stdout.write(json_output.memory_json(report) + "\n")
    elif output_format is MemoryFormat.markdown:
        sys.stdout.write(markdown.memory_markdown(report))
    else:
        stdout.print(table.memory_table(report))
        if explain:
            stdout.print(arithmetic.explanation(report))


def _search(
    target: Target,
    feed: Feed,
    fit: str | None,
    plan: bool,
    ranks: int | None,
    batch: int,
    dtype: str,
    setup: StepSetup,
    headroom: str | None,
) -> BatchFit | CheckpointPlan:
    """What --fit (and --plan, --fsdp auto) search for: the largest batch, the fewest ranks,
    or the modules to checkpoint."""
    from cnninspect.api import memory as use_case
    from cnninspect.api.plan import checkpoint_plan

    if fit is None:
        raise typer.BadParameter(
            "--plan finds what to checkpoint so that --batch fits a budget: give --fit BUDGET"
        )
    if plan and ranks == 0:
        raise typer.BadParameter("--plan is made for a number of ranks: give --fsdp N, not auto")
    if plan and setup.mode == "inference":
        raise typer.BadParameter(
            "--plan checkpoints what a training step keeps for backward: an --inference pass "
            "keeps nothing"
        )
    if plan:
        return checkpoint_plan(
            target, fit, feed, batch=batch, dtype=dtype, setup=setup, headroom=headroom
        )
    if ranks == 0:
        return use_case.fit_ranks(
            target, fit, feed, batch=batch, dtype=dtype, setup=setup, headroom=headroom
        )
    return use_case.fit(target, fit, feed, dtype=dtype, setup=setup, headroom=headroom)


def _show_search(found: BatchFit | CheckpointPlan, as_json: bool, *, explain: bool) -> None:
    """The search's answer (``explain``: with the arithmetic of the step it found); nothing
    fitting exits 1, so that a script cannot read it as success."""
    from cnninspect.render.memory import arithmetic, json_output, table

    if isinstance(found, CheckpointPlan):
        text, shown, fits = json_output.plan_json(found), table.plan_table(found), bool(found.after)
        step = found.after
    else:
        text, shown, fits = json_output.fit_json(found), table.fit_table(found), found.found
        step = found.report
    if as_json:
        sys.stdout.write(text + "\n")
    else:
        stdout.print(shown)
        if explain and step is not None:
            stdout.print(arithmetic.explanation(step))
    if not fits:
        raise typer.Exit(int(ExitCode.FINDINGS))


def _ranks(fsdp: str | None, fitting: bool) -> int | None:
    """--fsdp N → N; 'auto' → 0 (searched, with --fit); absent → None (one device)."""
    if fsdp is None:
        return None
    if fsdp.strip().casefold() == "auto":
        if not fitting:
            raise typer.BadParameter(
                "--fsdp auto searches the fewest ranks that fit: give --fit BUDGET and --batch"
            )
        return 0
    if not (fsdp.strip().isascii() and fsdp.strip().isdigit()):
        raise typer.BadParameter(f"--fsdp {fsdp}: give a number of ranks, or auto")
    if int(fsdp) == 0:  # (0 is what auto becomes here)
        raise typer.BadParameter("--fsdp 0: give a number of ranks from 1 to 4096, or auto")
    return int(fsdp)


def _distribution(
    ranks: int | None,
    ddp: int | None,
    units: list[str] | None,
    reshard_after_forward: bool,
    mp: str | None,
) -> Distribution | None:
    """The sharding the options ask for (ranks 0: searched, 1 until the search sets them)."""
    from cnninspect.api import memory as use_case

    if ranks is not None and ddp is not None:
        raise typer.BadParameter("--fsdp shards, --ddp replicates: give one of them")
    if ddp is not None:
        if not reshard_after_forward:
            raise typer.BadParameter("--no-reshard-after-forward is FSDP's: --ddp keeps all")
        return use_case.fsdp(ddp, units or (), mp=mp, replicated=True)
    if ranks is None:
        if units or mp:
            raise typer.BadParameter(
                "--shard-unit and --mp shape a data-parallel step: add --fsdp N or --ddp N"
            )
        return None
    return use_case.fsdp(
        ranks or 1, units or (), reshard_after_forward=reshard_after_forward, mp=mp
    )
