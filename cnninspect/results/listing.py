"""``ZooEntry``: one bundled architecture as ``cnninspect list`` shows it (torch-free value)."""

from __future__ import annotations

from dataclasses import dataclass

from cnninspect.shapes import Shape


@dataclass(frozen=True, slots=True)
class ZooEntry:
    name: str
    path: str
    source: str | None
    input_shape: Shape
    output_shape: Shape | None
    params: int
    macs: int
    findings: int  # declarations the forward pass contradicts (the deliberate transcriptions)
