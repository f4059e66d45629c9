"""Input sizes: the one that makes a file's declarations hold, and the smallest a model takes.

Both searches ask torch, never a formula: each candidate size is built and traced on the meta
device (shapes only, no memory, milliseconds per try) and judged by the same rules validate
applies.

- ``solve_input``: candidates around the declared input, every spatial size shifted by the
  same offset (−32…+32, nearest first); the first one with no CNN101/CNN102/CNN103 and no
  failure wins. AlexNet as printed: 224 → 227.
- ``min_input_spec`` / ``min_input_module``: the smallest square (cubic, …) input a model
  accepts, by doubling then bisection — assuming, as for every CNN we know, that a model
  that accepts n accepts n + 1.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cnninspect.description.architecture import ArchSpec
from cnninspect.errors import BuildError, TargetError, TraceError, is_spatial_collapse
from cnninspect.results.findings import Finding, Severity
from cnninspect.shapes import Notation, Shape, from_channels_first

if TYPE_CHECKING:
    from torch import nn

SEARCH_RADIUS = 32
MAX_INPUT = 16384

# Every finding of one description: build, trace on meta, apply every rule (the validate use
# case passes its own, so that the solver judges a candidate exactly as validate would).
Check = Callable[[ArchSpec], Sequence[Finding]]


@dataclass(frozen=True, slots=True)
class InputSolution:
    shape: Shape  # channels-first
    declared: Shape
    remaining: frozenset[tuple[str, str | None]] = frozenset()  # (code, layer) still found

    def fixes(self, finding: Finding) -> bool:
        """Does this input make ``finding`` (found at the declared input) go away?"""
        return (finding.code, finding.layer) not in self.remaining

    def hint(self, notation: Notation) -> str:
        written = ", ".join(str(d) for d in from_channels_first(self.shape, notation))
        return (
            f"an input of {_spatial(self.shape)} (instead of {_spatial(self.declared)}) "
            f"satisfies every declared shape and makes every division exact: "
            f"input: [{written}]"
        )


def _spatial(shape: Shape) -> str:
    return "×".join(str(d) for d in shape[1:])


def solve_input(
    spec: ArchSpec,
    check: Check,
    *,
    radius: int = SEARCH_RADIUS,
    baseline: Sequence[Finding] | None = None,
) -> InputSolution | None:
    """The input nearest the declared one that satisfies every declaration, or None.

    ``check`` finds what is wrong with a candidate. ``baseline``: the findings at the declared
    input, if already known. A declared parameter count that is wrong at the declared input
    too (it does not depend on the input) does not rule a candidate out.
    """
    if len(spec.input_shape) < 2:
        return None
    found = check(spec) if baseline is None else baseline
    tolerated = {(f.code, f.layer) for f in found if f.code == "CNN104"}
    for offset in _offsets(radius):
        shape = (spec.input_shape[0], *(d + offset for d in spec.input_shape[1:]))
        if min(shape) < 1:
            continue
        candidate = dataclasses.replace(spec, input_shape=shape)
        candidate_findings = check(candidate)
        if _satisfied(candidate_findings, tolerated):
            remaining = frozenset((f.code, f.layer) for f in candidate_findings)
            return InputSolution(shape, spec.input_shape, remaining)
    return None


def _offsets(radius: int) -> Iterator[int]:
    """0, +1, −1, +2, −2, …: nearest first; on a tie the larger input (it drops nothing)."""
    yield 0
    for distance in range(1, radius + 1):
        yield distance
        yield -distance


def _satisfied(findings: Sequence[Finding], tolerated: set[tuple[str, str | None]]) -> bool:
    """No error (a declaration, a failure) and no inexact division (CNN103, a warning)."""
    return not any(
        (f.severity is Severity.ERROR or f.code == "CNN103") and (f.code, f.layer) not in tolerated
        for f in findings
    )


# -- the smallest input ------------------------------------------------------------------


def smallest(accepts: Callable[[int], bool], *, limit: int = MAX_INPUT) -> int | None:
    """The smallest n ≥ 1 with ``accepts(n)``, for a monotone ``accepts``: doubling, then
    bisection (a few dozen tries at most)."""
    high = 1
    while not accepts(high):
        if high >= limit:
            return None
        high *= 2
    low = high // 2  # rejected, or 0 when high is 1
    while high - low > 1:
        middle = (low + high) // 2
        if accepts(middle):
            high = middle
        else:
            low = middle
    return high


def square(template: Shape, n: int) -> Shape:
    """The template's channels with every spatial size n."""
    return (template[0], *(n for _ in template[1:]))


def min_input_spec(spec: ArchSpec) -> Shape | None:
    """The smallest square input a YAML description builds and runs with."""
    from cnninspect.construct.builder import build
    from cnninspect.trace.forward import trace

    def accepts(n: int) -> bool:
        shape = square(spec.input_shape, n)
        try:
            built = build(dataclasses.replace(spec, input_shape=shape))
            trace(built.module, [shape], device="meta")
        except (BuildError, TraceError):
            return False
        return True

    _needs_space(spec.input_shape, spec.name)
    n = smallest(accepts)
    return None if n is None else square(spec.input_shape, n)


def min_input_module(module: nn.Module, template: Shape, *, device: str = "meta") -> Shape | None:
    """The smallest square input a module's forward pass accepts (channels from template)."""
    from cnninspect.trace.forward import trace

    refused: list[TraceError] = []

    def accepts(n: int) -> bool:
        try:
            trace(module, [square(template, n)], device=device)
        except TraceError as error:
            refused.append(error)
            return False
        return True

    name = type(module).__name__
    _needs_space(template, name)
    n = smallest(accepts)
    if n is None and refused and not is_spatial_collapse(refused[-1].message):
        # not a size it is too small for: the model does not take one such input at all
        size = "×".join(str(d) for d in square(template, MAX_INPUT))
        raise TargetError(
            f"{name} cannot be searched: even at {size} its forward pass fails "
            f"({refused[-1].message})",
            hint="min-input searches the size of one image-like input (C×H×W, C×L, C×D×H×W); "
            "a model that takes several inputs, token ids or vectors has no such size — "
            "`cnninspect summary` with --input runs it",
        )
    return None if n is None else square(template, n)


def _needs_space(template: Shape, name: str) -> None:
    if len(template) < 2:
        raise TargetError(
            f"{name}: an input of {template} has no spatial size to search",
            hint="give the input as C×H×W (or C×L, C×D×H×W), e.g. --input 3x224x224",
        )
