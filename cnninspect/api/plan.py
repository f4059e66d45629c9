"""The checkpointing plan use case (``memory --fit BUDGET --batch B --plan``): which modules to
recompute in backward so that batch B fits, with the fewest MACs recomputed — found by tracked
steps, and proved by the last of them."""

from __future__ import annotations

import dataclasses

from cnninspect.api.memory import budget_and_headroom, refuse_values, step_setup, tracked
from cnninspect.api.request import Feed, Target
from cnninspect.results.memory import CheckpointPlan, MemoryReport, StepSetup


def checkpoint_plan(
    target: Target,
    budget: str,
    feed: Feed = None,
    *,
    batch: int,
    dtype: str = "float32",
    setup: StepSetup | None = None,
    headroom: str | None = None,
) -> CheckpointPlan:
    """The modules (each repeated block is a candidate) whose activations are recomputed in
    backward so that the step at ``batch`` peaks within ``budget`` less ``headroom``; modules
    the setup checkpoints already stay checkpointed."""
    from cnninspect.api.inspection import inspect
    from cnninspect.footprint.plan import Candidate, fewest_recomputed
    from cnninspect.footprint.sharding import units

    total, budget_name, kept = budget_and_headroom(budget, headroom)
    setup = setup or step_setup()
    refuse_values(feed)
    inspection = inspect(target, feed, device="meta", dtype=dtype)  # one pass: each one's MACs
    loaded = inspection.loaded
    per_sample = inspection.report.batch
    macs: dict[str, int] = {}
    for row in inspection.report.rows:
        macs[row.name] = macs.get(row.name, 0) + row.subtree_macs * batch // per_sample
    reports: dict[frozenset[str], MemoryReport] = {}
    names = [n for n in units(loaded.module, ()) if n not in setup.checkpointed]

    def peak(chosen: tuple[str, ...]) -> int:
        if frozenset(chosen) not in reports:
            in_order = tuple(n for n in names if n in chosen)  # the model's order
            at = dataclasses.replace(setup, checkpointed=(*setup.checkpointed, *in_order))
            reports[frozenset(chosen)] = tracked(loaded, feed, batch=batch, dtype=dtype, setup=at)
        return reports[frozenset(chosen)].peak_bytes

    peak(())
    before = reports[frozenset()]
    candidates = [Candidate(n, before.saved_within(n), macs.get(n, 0)) for n in names]
    chosen, tries = fewest_recomputed(peak, candidates, total - kept)
    return CheckpointPlan(
        budget_bytes=total,
        budget_name=budget_name,
        headroom_bytes=kept,
        batch=batch,
        before=before,
        after=reports[frozenset(chosen)] if chosen is not None else None,
        checkpointed=tuple((n, macs.get(n, 0)) for n in chosen or ()),
        candidates=len(candidates),
        forward_macs=inspection.report.totals.macs * batch // per_sample,
        tries=tries,
    )
