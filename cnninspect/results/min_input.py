"""``MinInput``: the smallest square input a target accepts (torch-free value)."""

from __future__ import annotations

from dataclasses import dataclass

from cnninspect.shapes import Shape


@dataclass(frozen=True, slots=True)
class MinInput:
    target: str
    name: str
    shape: Shape | None  # channels-first; None: nothing up to the search limit works
