"""The largest batch whose tracked peak stays within a budget, and the budgets of named GPUs."""

from __future__ import annotations

import math
import re
from collections.abc import Callable

from cnninspect.errors import TargetError

# Memory as the vendors state it: (bytes, their words). Data-centre cards are sold in
# decimal GB; GeForce cards' "GB" are binary (an RTX 4090's 24 GB is 24 GiB).
GPUS: dict[str, tuple[int, str]] = {
    "T4": (16 * 10**9, "16 GB"),
    "V100-16GB": (16 * 10**9, "16 GB"),
    "V100-32GB": (32 * 10**9, "32 GB"),
    "A10": (24 * 10**9, "24 GB"),
    "A100-40GB": (40 * 10**9, "40 GB"),
    "A100-80GB": (80 * 10**9, "80 GB"),
    "L4": (24 * 10**9, "24 GB"),
    "L40S": (48 * 10**9, "48 GB"),
    "H100-80GB": (80 * 10**9, "80 GB"),
    "H200": (141 * 10**9, "141 GB"),
    "RTX3090": (24 * 2**30, "24 GB"),
    "RTX4090": (24 * 2**30, "24 GB"),
    "RTX5090": (32 * 2**30, "32 GB"),
}
_UNITS = {"b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12}
_UNITS |= {"kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}
_SIZE = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*([kmgt]i?b|b)?\s*$", re.IGNORECASE)
_SHARE = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*%\s*$")
MAX_BATCH = 2**24
# Kept free of the budget by default, for the CUDA context, the caching allocator's blocks
# and what the tracked step does not see: "expect to add up to an additional 20%", as
# EleutherAI's "Transformer Math 101" found (quoted by Hugging Face Accelerate's memory
# estimator). --headroom 0% turns it off.
DEFAULT_HEADROOM = "20%"


def budget(text: str) -> tuple[int, str]:
    """'24GiB', '80GB', '1.5 TiB' or a GPU's name ('A100-80GB') → (bytes, how to call it:
    a size as written, a GPU with its memory as its vendor states it)."""
    names = {name.casefold(): name for name in GPUS}
    if text.casefold() in names:
        name = names[text.casefold()]
        return GPUS[name][0], f"{name} ({GPUS[name][1]})"
    return size(text, what="a budget"), text.strip()


def size(text: str, *, what: str) -> int:
    """Bytes of a size with its unit; a bare number is refused (bytes? gigabytes?)."""
    match = _SIZE.match(text)
    if not match:
        raise TargetError(
            f"'{text}' is neither a size like 24GiB or 80GB nor a known GPU",
            hint="GPUs: " + ", ".join(GPUS),
        )
    if match[2] is None:
        raise TargetError(
            f"'{text}' has no unit: is it bytes, or gigabytes?",
            hint=f"write {match[1]}GiB (2^30 bytes each) or {match[1]}GB (10^9), or a GPU's "
            "name: " + ", ".join(GPUS),
        )
    found = int(float(match[1]) * _UNITS[match[2].casefold()])
    if found <= 0:
        raise TargetError(f"'{text}': {what} must be more than 0 bytes")
    return found


def headroom(text: str, budget_bytes: int) -> int:
    """Bytes kept free of the budget: a share ('20%') or a size ('2GiB')."""
    share = _SHARE.match(text)
    if share:
        percent = float(share[1])
        if percent >= 100:
            raise TargetError(f"--headroom {text}: it would leave nothing of the budget")
        return int(budget_bytes * percent / 100)
    kept = size(text, what="a headroom")
    if kept >= budget_bytes:
        raise TargetError(f"--headroom {text}: it is all of the budget, or more")
    return kept


def largest_batch(peak: Callable[[int], int], limit: int) -> tuple[int, int]:
    """The largest batch b with peak(b) ≤ limit (0 if none), and how many peaks it took —
    peak(b + 1) included, which the answer needs.

    A step's peak is the model states plus activations that grow with the batch: nearly a
    line, though its slope grows a little (resnet50: 70 MB a sample from batch 1 to 2, 86
    from 1 to 290). Batches 1 and 2 give a first slope; the batch where the line meets the
    limit is tried with the one after it; each later estimate draws the line through the
    largest batch that fits and the smallest that does not (regula falsi); bisection over what
    is known is the last resort. resnet50 at 24 GiB: 5 tracked steps (13 by doubling and
    bisecting)."""
    known: dict[int, int] = {}

    def fits(batch: int) -> bool:
        if batch not in known:
            known[batch] = peak(batch)
        return known[batch] <= limit

    if not fits(1):
        return 0, len(known)
    fits(2)
    for _ in range(4):  # where the line through the tried batches nearest the limit meets it
        below = max(b for b, p in known.items() if p <= limit)
        above = [b for b, p in known.items() if p > limit]
        other = min(above) if above else max(b for b in known if b != below)
        slope = (known[other] - known[below]) / (other - below)
        if slope <= 0:
            break
        guess = max(1, min(MAX_BATCH, below + int((limit - known[below]) // slope)))
        if fits(guess) and (guess >= MAX_BATCH or not fits(guess + 1)):
            return guess, len(known)
    return _bisected(fits, known, limit), len(known)


def _bisected(fits: Callable[[int], bool], known: dict[int, int], limit: int) -> int:
    low = max(b for b, p in known.items() if p <= limit)
    above = [b for b, p in known.items() if p > limit]
    high = min(above) if above else min(MAX_BATCH, low * 2)
    while high not in known or known[high] <= limit:  # no batch known to be too large yet
        if high >= MAX_BATCH and fits(high):
            return high
        if fits(high):
            low, high = high, min(MAX_BATCH, high * 2)
    while high - low > 1:
        middle = (low + high) // 2
        if fits(middle):
            low = middle
        else:
            high = middle
    fits(low + 1)  # the answer shows the peak one past it
    return low


def fewest_ranks(peak: Callable[[int], int], limit: int, most: int) -> tuple[int, int, int]:
    """The fewest ranks n ≤ ``most`` with peak(n) ≤ limit (0 if none); how many peaks it took,
    peak(n − 1) included, which the answer needs; and, when none fits, the ranks whose peak
    came nearest.

    Sharding divides the model states by n and leaves the rest (activations, the gathered
    units, the buffers): the peak is nearly a + b/n, a line in 1/n. The first guess is where
    the line through 1 and 2 ranks meets the limit; then each guess is where the line through
    the nearest ranks known to fit and known not to meets it (regula falsi in 1/n), halfway
    between them when that guess is no closer. Until some n fits, n doubles — and stops when
    the peak grows instead: FSDP pads each parameter's first dimension to a multiple of n, so
    past the size of that dimension more ranks gather more padding, not less memory."""
    known: dict[int, int] = {}

    def fits(ranks: int) -> bool:
        if ranks not in known:
            known[ranks] = peak(ranks)
        return known[ranks] <= limit

    if fits(1):
        return 1, len(known), 1
    if most == 1 or not _first_fit(fits, known, limit, most):
        return 0, len(known), min(known, key=lambda n: (known[n], n))
    high = min(n for n, p in known.items() if p <= limit)
    low = max(n for n in known if n < high)  # known not to fit
    while high - low > 1:
        guess = _where_line_meets(low, known[low], high, known[high], limit)
        if not low < guess < high:
            guess = (low + high) // 2
        if fits(guess):
            high = guess
            if fits(guess - 1):
                high = guess - 1
            else:
                low = guess - 1
        else:
            low = guess
    return high, len(known), high


def _first_fit(fits: Callable[[int], bool], known: dict[int, int], limit: int, most: int) -> bool:
    """Ranks that fit, found by the line through 1 and 2 ranks and then by doubling; False
    when the most ranks do not fit, or the peak stops falling first. A peak well above the
    line (padding) sends the search back, halfway on a log scale to the ranks below it."""
    if fits(2):
        return True
    b = 2 * (known[1] - known[2])  # the line a + b/n through 1 and 2 ranks
    a = known[1] - b
    guess = min(most, max(3, _where_line_meets(1, known[1], 2, known[2], limit)))
    while not fits(guess):
        below = max(n for n in known if n < guess)
        if known[guess] >= known[below] or known[guess] > 1.05 * (a + b / guess):
            if guess <= 2 * below:
                return False
            guess = math.isqrt(below * guess)
        elif guess >= most:
            return False
        else:
            guess = min(most, guess * 2)
    return True


def _where_line_meets(low: int, low_peak: int, high: int, high_peak: int, limit: int) -> int:
    """The ranks at which the line through (1/low, low_peak) and (1/high, high_peak) reaches
    the limit, rounded up (more ranks, less memory)."""
    slope = (low_peak - high_peak) / (1 / low - 1 / high)
    if slope <= 0:
        return (low + high) // 2
    reciprocal = (limit - high_peak) / slope + 1 / high
    return min(2**62, math.ceil(1 / reciprocal)) if reciprocal > 0 else 2**62
