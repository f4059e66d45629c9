"""The classes of cnninspect's own layer types (``Mean``, ``Chunk``, ``StochasticDepth``, …)
as the text an exported PyTorch file carries: copied from ``construct/operations.py``, so the
exported model runs the very code cnninspect builds — read as text, never imported (the
renderers stay torch-free)."""

from __future__ import annotations

import ast
import functools
from collections.abc import Iterable
from pathlib import Path

_SOURCE = Path(__file__).resolve().parent.parent / "construct" / "operations.py"


@functools.cache
def _classes() -> dict[str, str]:
    text = _SOURCE.read_text(encoding="utf-8")
    return {
        node.name: ast.get_source_segment(text, node) or ""
        for node in ast.parse(text).body
        if isinstance(node, ast.ClassDef)
    }


def operation_classes(names: Iterable[str]) -> list[str]:
    """The source of each named class, in the order given (each once)."""
    classes = _classes()
    return [classes[name] for name in dict.fromkeys(names)]


def needs_literal(sources: Iterable[str]) -> bool:
    """Does the copied code annotate with ``Literal`` (the file then imports it)?"""
    return any("Literal[" in source for source in sources)
