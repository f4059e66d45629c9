"""The data flow between module calls: which earlier calls' outputs feed each call.

Every tensor the pass makes is tagged with the module calls that produced it. A module's
output is tagged with that call; any other op — ``out + identity`` in a ResNet block,
``torch.cat`` in an Inception module, ``torch.flatten``, an in-place ``+=`` — passes on the
tags of all its inputs, at torch's dispatch level. A call then reads off its inputs the calls
that feed it, so shortcuts, concatenations and U-Net skips become edges without knowing the
model's wiring. The model's inputs are tagged ``INPUT``, ``INPUT - 1``, … (one per tensor).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from typing import Any

import torch
from torch.utils.weak import WeakTensorKeyDictionary

INPUT = -1  # the producer of the model's first input; the k-th (from 0) is INPUT - k


def input_producer(k: int) -> int:
    return INPUT - k


def tensors(value: Any) -> Iterator[torch.Tensor]:
    """Every tensor in an op's or a module's arguments or output (nested lists, tuples, dicts
    and dataclasses), in order — the one walk that reads the tensors out of nested values
    (``trace/arguments.py`` walks nested values to build them: inputs, copies of examples)."""
    if isinstance(value, torch.Tensor):
        yield value
    elif isinstance(value, list | tuple):
        for item in value:
            yield from tensors(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from tensors(item)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            yield from tensors(getattr(value, f.name))


class DataFlow:
    """The producers of every tensor; ``observe`` is called for every aten op."""

    def __init__(self) -> None:
        self.producers: WeakTensorKeyDictionary = WeakTensorKeyDictionary()

    def start(self, inputs: Sequence[torch.Tensor]) -> None:
        for k, tensor in enumerate(inputs):  # each input its own producer: one node each
            self.producers[tensor] = frozenset({input_producer(k)})

    def of(self, value: Any) -> frozenset[int]:
        """The calls that produced the tensors in ``value``."""
        found: set[int] = set()
        for tensor in tensors(value):
            found.update(self.producers.get(tensor, ()))  # type: ignore[no-untyped-call]
        return frozenset(found)

    def observe(self, func: Any, args: Sequence[Any], kwargs: dict[str, Any], out: Any) -> None:
        outputs = list(tensors(out))
        if not outputs:
            return
        sources = self.of((args, kwargs))
        if sources:
            for tensor in outputs:
                self.producers[tensor] = sources

    def produced(self, output: Any, call: int) -> None:
        """``call`` returned ``output``. A container's output made inside it keeps the tags of
        the calls inside (the innermost producers: ``relu2``, not the block); one it passes
        through or makes itself (nothing inside tagged it: calls after ``call`` are inside it)
        is tagged with the call."""
        for tensor in tensors(output):
            inside = [p for p in self.producers.get(tensor, ()) if p > call]  # type: ignore[no-untyped-call]
            if not inside:
                self.producers[tensor] = frozenset({call})
