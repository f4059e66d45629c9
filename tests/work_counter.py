"""Counts the work one request does: parses of a description, builds, imports of a module
target, forward passes (traces), and Conv2d constructions and forward calls — by wrapping the
functions where that work happens and a global forward hook, whatever calls them."""

from __future__ import annotations

import contextlib
import functools
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import torch
from torch import nn

import cnninspect.construct.builder
import cnninspect.construct.construction
import cnninspect.description.parser
import cnninspect.trace.forward

# (module, function, what it counts): each imported where it is used, at call time
COUNTED = (
    (cnninspect.description.parser, "load_partly", "parses"),
    (cnninspect.construct.builder, "build", "builds"),
    (cnninspect.construct.construction, "import_module_target", "imports"),
    (cnninspect.trace.forward, "trace", "traces"),
)


@contextlib.contextmanager
def counting() -> Iterator[Counter[str]]:
    """Within the block: ``counts["parses"]``, ``["builds"]``, ``["imports"]``,
    ``["traces"]``, ``["conv_constructions"]``, ``["conv_forwards"]``."""
    counts: Counter[str] = Counter()
    with contextlib.ExitStack() as stack:
        for owner, name, label in COUNTED:
            stack.enter_context(_wrapped(owner, name, label, counts))
        real_init = nn.Conv2d.__init__

        @functools.wraps(real_init)  # the builder reads the constructor's signature
        def init(self: nn.Conv2d, *args: Any, **kwargs: Any) -> None:
            counts["conv_constructions"] += 1
            real_init(self, *args, **kwargs)

        nn.Conv2d.__init__ = init  # type: ignore[method-assign]
        stack.callback(setattr, nn.Conv2d, "__init__", real_init)

        def seen(module: nn.Module, args: Any, output: Any) -> None:
            if isinstance(module, nn.Conv2d):
                counts["conv_forwards"] += 1

        handle = torch.nn.modules.module.register_module_forward_hook(seen)
        stack.callback(handle.remove)
        yield counts


@contextlib.contextmanager
def _wrapped(owner: Any, name: str, label: str, counts: Counter[str]) -> Iterator[None]:
    real: Callable[..., Any] = getattr(owner, name)

    @functools.wraps(real)
    def counted(*args: Any, **kwargs: Any) -> Any:
        counts[label] += 1
        return real(*args, **kwargs)

    setattr(owner, name, counted)
    try:
        yield
    finally:
        setattr(owner, name, real)
