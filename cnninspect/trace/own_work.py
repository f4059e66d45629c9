"""What a module's own code makes — outside its children — counted once, the same way for the
model itself and for every module inside it.

A tensor made by an op while a module that holds others is the innermost one running (the
``torch.cat`` in a DenseNet layer's forward, a transformer block's residual ``x + y``, the
model's ``torch.mm(x, self.a) + self.b``) is that module's own work. It is kept — an
activation of that module — when it leaves the module's own code: given to a child, or
returned. Intermediate results of the module's own code are not (as a leaf's insides are
not); a tensor an op only aliases (a view, an in-place update such as ``out += identity``)
is not new memory; a tensor a child made is its child's, never counted again.
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch.utils.weak import WeakTensorKeyDictionary

from cnninspect.trace.flow import tensors


class OwnWork:
    def __init__(self) -> None:
        self.made_by: WeakTensorKeyDictionary = WeakTensorKeyDictionary()
        self.kept: dict[int, dict[int, tuple[int, ...]]] = {}  # call → id(tensor) → shape

    def observe(self, func: Any, out: Any, owner: int | None) -> None:
        """An op ran while ``owner`` (a module that holds others; None: a leaf) was innermost."""
        if owner is None or _aliases(func):
            return
        for tensor in tensors(out):
            self.made_by[tensor] = owner

    def leaving(self, value: Any, call: int) -> None:
        """``value`` leaves ``call``'s own code (given to a child, or returned): what that code
        made in it is kept."""
        for tensor in tensors(value):
            if self.made_by.get(tensor) == call:  # type: ignore[no-untyped-call]
                self.kept.setdefault(call, {})[id(tensor)] = tuple(tensor.shape)

    def elements(self, call: int) -> int:
        """Every element ``call``'s own code made and let out, at the batch of the pass."""
        return sum(math.prod(shape) for shape in self.kept.get(call, {}).values())

    def shapes(self, call: int) -> tuple[tuple[int, ...], ...]:
        """The shapes of what ``call``'s own code made and let out, in the order they left."""
        return tuple(self.kept.get(call, {}).values())


def _aliases(func: Any) -> bool:
    """Does the op return (a view of) one of its inputs rather than new memory?"""
    schema = getattr(func, "_schema", None)
    return schema is not None and any(r.alias_info is not None for r in schema.returns)


def is_holder(module: torch.nn.Module) -> bool:
    """A module that holds others; an empty ``nn.Sequential`` too — it returns its input and
    does no work of its own, as a repeat of zero copies (what a description builds as no
    module at all, and an exported description as an empty Sequential)."""
    if type(module) is torch.nn.Sequential:
        return True
    return next(module.children(), None) is not None
