"""Which modules to checkpoint so that a step fits, recomputing as few MACs as it can.

Torch-free: a tracked peak is a function of the modules checkpointed. Each candidate (a
repeated block: what torch users wrap in ``checkpoint``) frees about what it saves for its
backward, estimated from one tracked step, and costs its forward MACs once more. The search
takes candidates by memory freed per MAC until their estimate covers what is over the limit,
tracks the step with them checkpointed, adds more while it does not fit, then drops the
costliest chosen ones while it still fits. Every answer is a tracked step, never the estimate.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

PRUNES = 3  # tracked steps spent dropping chosen modules, at most


@dataclass(frozen=True, slots=True)
class Candidate:
    name: str
    saved_bytes: int  # what it saves for its backward in the step as it is
    macs: int  # its forward MACs: what recomputing it costs


def fewest_recomputed(
    peak: Callable[[tuple[str, ...]], int], candidates: Sequence[Candidate], limit: int
) -> tuple[tuple[str, ...] | None, int]:
    """The candidates to checkpoint (``()``: none needed; None: even all of them do not fit),
    and how many peaks it took."""
    known: dict[frozenset[str], int] = {}

    def fits(chosen: Sequence[Candidate]) -> bool:
        key = frozenset(c.name for c in chosen)
        if key not in known:
            known[key] = peak(tuple(c.name for c in chosen))
        return known[key] <= limit

    if fits(()):
        return (), len(known)
    ranked = sorted(candidates, key=lambda c: (-c.saved_bytes / max(c.macs, 1), c.name))
    count = _covering(ranked, 0, known[frozenset()] - limit)
    while not fits(ranked[:count]):
        if count >= len(ranked):
            return None, len(known)
        over = known[frozenset(c.name for c in ranked[:count])] - limit
        count = _covering(ranked, count, over)
    chosen = list(ranked[:count])
    for costly in sorted(chosen, key=lambda c: -c.macs)[:PRUNES]:
        fewer = [c for c in chosen if c is not costly]
        if fits(fewer):
            chosen = fewer
    order = {c.name: i for i, c in enumerate(candidates)}
    return tuple(sorted((c.name for c in chosen), key=order.__getitem__)), len(known)


def _covering(ranked: Sequence[Candidate], start: int, over: int) -> int:
    """How many of ``ranked`` to take (at least one more than ``start``) for their estimated
    savings past ``start`` to cover ``over`` bytes."""
    covered, count = 0, start
    while count < len(ranked) and (count == start or covered < over):
        covered += ranked[count].saved_bytes
        count += 1
    return count
