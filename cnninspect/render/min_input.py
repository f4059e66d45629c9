"""The smallest inputs ``cnninspect min-input`` found, as text and as JSON."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TypedDict

from cnninspect.render.envelope import Envelope, envelope
from cnninspect.results.min_input import MinInput


def min_input_text(results: Sequence[MinInput]) -> str:
    lines = []
    for r in results:
        size = "×".join(str(d) for d in r.shape[1:]) if r.shape else "none found"
        shape = f" (input {'×'.join(str(d) for d in r.shape)})" if r.shape else ""
        lines.append(f"{r.target}: {size}{shape}")
    return "".join(line + "\n" for line in lines)


class MinInputDict(TypedDict):
    """The smallest square input of one target; null when none up to the limit works."""

    target: str
    name: str
    min_input: list[int] | None
    min_size: int | None


class MinInputDocument(Envelope):
    """``cnninspect min-input --format json``."""

    targets: list[MinInputDict]


def min_input_json(results: Sequence[MinInput]) -> str:
    return json.dumps(min_input_dict(results), indent=2)


def min_input_dict(results: Sequence[MinInput]) -> MinInputDocument:
    return {
        **envelope("min-input"),
        "targets": [
            {
                "target": r.target,
                "name": r.name,
                "min_input": list(r.shape) if r.shape else None,
                "min_size": r.shape[1] if r.shape else None,
            }
            for r in results
        ],
    }
