"""Modules that appear while a model runs: a description's layers are made when the tensor
they take first reaches them (``construct/modules.py``), inside the one forward pass, so that
the pass is also the build and every layer runs once. Whoever watches the pass (the recorder's
hooks, the pass's dtype) is told of each new module before it is called.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

from torch import nn

# (parent, name under the parent, the new module): called before the new module first runs
Listener = Callable[[nn.Module, str, nn.Module], None]
_LISTENERS: list[Listener] = []


@contextlib.contextmanager
def watching(listener: Listener) -> Iterator[None]:
    """``listener`` hears of every module made while the block runs."""
    _LISTENERS.append(listener)
    try:
        yield
    finally:
        _LISTENERS.remove(listener)


def grown(parent: nn.Module, name: str, module: nn.Module) -> None:
    """``module`` was just made as ``parent``'s child ``name``."""
    for listener in list(_LISTENERS):
        listener(parent, name, module)
