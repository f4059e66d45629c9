"""The largest batch whose tracked peak stays within a budget, and the budgets of named GPUs."""

from __future__ import annotations

import re
from collections.abc import Callable

from cnninspect.errors import TargetError

# Usable memory as the vendors state it (decimal GB for the data-centre cards, as sold).
GPUS: dict[str, int] = {
    "T4": 16 * 10**9,
    "V100-16GB": 16 * 10**9,
    "V100-32GB": 32 * 10**9,
    "A10": 24 * 10**9,
    "A100-40GB": 40 * 10**9,
    "A100-80GB": 80 * 10**9,
    "L4": 24 * 10**9,
    "L40S": 48 * 10**9,
    "H100-80GB": 80 * 10**9,
    "H200": 141 * 10**9,
    "RTX3090": 24 * 2**30,
    "RTX4090": 24 * 2**30,
    "RTX5090": 32 * 2**30,
}
_UNITS = {"": 1, "b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12}
_UNITS |= {"kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}
_SIZE = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*([kmgt]i?b|b)?\s*$", re.IGNORECASE)
MAX_BATCH = 2**24


def budget(text: str) -> tuple[int, str]:
    """'24GiB', '80GB', '1.5 TiB' or a GPU's name ('A100-80GB') → (bytes, how to call it)."""
    names = {name.casefold(): name for name in GPUS}
    if text.casefold() in names:
        name = names[text.casefold()]
        return GPUS[name], f"{name} ({GPUS[name] / 10**9:g} GB)"
    match = _SIZE.match(text)
    if not match:
        raise TargetError(
            f"'{text}' is neither a size like 24GiB or 80GB nor a known GPU",
            hint="GPUs: " + ", ".join(GPUS),
        )
    size = int(float(match[1]) * _UNITS[(match[2] or "").casefold()])
    if size <= 0:
        raise TargetError(f"'{text}': a budget must be more than 0 bytes")
    return size, text.strip()


def largest_batch(peak: Callable[[int], int], limit: int) -> tuple[int, int]:
    """The largest batch b with peak(b) ≤ limit (0 if none), and how many peaks it took.

    Peaks grow with the batch, almost linearly: the first guess extrapolates from batches 1 and
    2, then the bracket around it is doubled and bisected, each try a step on fake tensors.
    """
    known: dict[int, int] = {}

    def fits(batch: int) -> bool:
        if batch not in known:
            known[batch] = peak(batch)
        return known[batch] <= limit

    if not fits(1):
        return 0, len(known)
    fits(2)
    per_sample = max(known[2] - known[1], 1)
    guess = max(1, min(MAX_BATCH, (limit - known[1]) // per_sample + 1))
    low, high = 1, guess  # fits(low); high is yet to be tried
    while fits(high):
        low = high
        if high >= MAX_BATCH:
            return high, len(known)
        high = min(MAX_BATCH, high * 2)
    while high - low > 1:
        middle = (low + high) // 2
        if fits(middle):
            low = middle
        else:
            high = middle
    return low, len(known)
