"""Block arguments substituted, and the size of the model that ``repeat`` and blocks expand to —
known before anything is built, so that a file asking for 10⁹ layers is refused at once."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any

from cnninspect.description.architecture import ArchSpec, LayerSpec, Value
from cnninspect.description.expressions import ExpressionError
from cnninspect.description.expressions import parse as parse_reference
from cnninspect.description.limits import Limits
from cnninspect.errors import SpecError


def substitute(value: Any, args: Mapping[str, Value]) -> Any:
    """Values with every `$name` / `${expression}` replaced (the loader checked the names)."""
    if isinstance(value, tuple):
        return tuple(substitute(v, args) for v in value)
    reference = parse_reference(value)
    return reference.evaluate(args) if reference is not None else value


def count_layers(spec: ArchSpec, limits: Limits) -> int:
    """The number of layers the model will have once ``repeat`` and blocks are expanded; a
    SpecError at the layer whose expansion goes past the limit. A count that depends on the
    tensor (``in_channels``) is taken as 1 here; the builder evaluates it."""

    def scope(layers: tuple[LayerSpec, ...], args: Mapping[str, Value]) -> int:
        total = 0
        for layer in layers:
            repeat = _known_count(layer.repeat, args)
            block = spec.blocks.get(layer.type)
            inner = 1
            if block is not None:
                given = {}
                for kwarg in layer.kwargs:
                    with contextlib.suppress(ExpressionError, KeyError):
                        given[kwarg.key] = substitute(kwarg.value, args)
                inner = scope(block.layers, {a.name: a.default for a in block.args} | given)
            total += repeat * inner
            if total > limits.layers:
                raise SpecError(
                    f"this expands the model to more than {limits.layers:,} layers; "
                    + limits.advice("layers"),
                    position=layer.position,
                    code="CNN002",
                )
        return total

    return scope(spec.layers, {})


def _known_count(repeat: int | str, args: Mapping[str, Value]) -> int:
    try:
        value = substitute(repeat, args)
    except (ExpressionError, KeyError):  # refers to in_channels, or broken: the build decides
        return 1
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 1
