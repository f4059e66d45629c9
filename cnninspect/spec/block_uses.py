"""Whole-file checks of how blocks are used, once every block is parsed: no block uses itself,
and every use passes the block's arguments and inputs."""

from __future__ import annotations

from collections.abc import Iterator

from cnninspect.errors import SpecError
from cnninspect.spec.layer_types import did_you_mean
from cnninspect.spec.values import ArchSpec, BlockSpec, LayerSpec


def check_block_uses(spec: ArchSpec) -> None:
    """Raise a located SpecError for the first block that uses itself or is used wrongly."""
    _check_block_cycles(spec)
    _check_block_uses(spec)


def _check_block_cycles(spec: ArchSpec) -> None:
    """A block may use other blocks, but never itself, directly or not."""

    def walk(
        block: BlockSpec, stack: tuple[str, ...]
    ) -> Iterator[tuple[LayerSpec, tuple[str, ...]]]:
        for layer in block.layers:
            if layer.type in spec.blocks:
                yield layer, stack
                if layer.type not in stack:
                    yield from walk(spec.blocks[layer.type], (*stack, layer.type))

    for block in spec.blocks.values():
        for layer, stack in walk(block, (block.name,)):
            if layer.type in stack:
                raise SpecError(
                    f"block '{layer.type}' uses itself (through {' → '.join(stack)})",
                    position=layer.position,
                    code="CNN006",
                )


def _check_block_uses(spec: ArchSpec) -> None:
    """A block use passes exactly the block's arguments: none unknown, none missing."""
    scopes = [spec.layers, *(b.layers for b in spec.blocks.values())]
    for layers in scopes:
        for layer in layers:
            block = spec.blocks.get(layer.type)
            if block is None:
                continue
            names = [a.name for a in block.args]
            for kwarg in layer.kwargs:
                if kwarg.key not in names:
                    raise SpecError(
                        f"block '{block.name}' has no argument '{kwarg.key}'"
                        f"{did_you_mean(kwarg.key, names)}",
                        position=kwarg.key_position,
                        hint=f"its arguments: {', '.join(names) or 'none'}",
                        code="CNN004",
                    )
            wired = len(layer.sources) or 1
            if wired != len(block.inputs):
                raise SpecError(
                    f"block '{block.name}' takes {len(block.inputs)} input(s) "
                    f"({', '.join(block.inputs)}), but 'from' gives {wired}",
                    position=layer.position,
                    code="CNN006",
                )
            if len(block.inputs) > 1 and layer.repeat != 1:
                raise SpecError(
                    f"block '{block.name}' has several inputs: it cannot be repeated",
                    position=layer.position,
                    code="CNN002",
                )
            given = {k.key for k in layer.kwargs}
            missing = [a.name for a in block.args if a.required and a.name not in given]
            if missing:
                raise SpecError(
                    f"block '{block.name}' needs {', '.join(missing)}",
                    position=layer.position,
                    code="CNN002",
                )
