"""Whole-file checks of how blocks are used, once every block is parsed: no block uses itself,
and every use passes the block's arguments and inputs."""

from __future__ import annotations

from collections.abc import Iterator

from cnninspect.description.architecture import ArchSpec, LayerSpec
from cnninspect.description.layer_types import did_you_mean
from cnninspect.errors import SpecError


def check_block_uses(spec: ArchSpec, depth_limit: int) -> None:
    """Raise a located SpecError for the first block that uses itself, nests too deeply or is
    used wrongly."""
    _check_block_cycles(spec, depth_limit)
    _check_block_uses(spec)


def _check_block_cycles(spec: ArchSpec, depth_limit: int) -> None:
    """A block may use other blocks, but never itself, directly or not, and blocks may nest
    only ``depth_limit`` deep. Each block is visited once (an explicit stack, no recursion),
    so a file whose blocks each use the next twice costs no more than one that uses it once."""
    uses = {
        name: [layer for layer in block.layers if layer.type in spec.blocks]
        for name, block in spec.blocks.items()
    }
    done: set[str] = set()
    for root in spec.blocks:
        if root in done:
            continue
        path = [root]
        stack: list[tuple[str, Iterator[LayerSpec]]] = [(root, iter(uses[root]))]
        while stack:
            name, pending = stack[-1]
            layer = next(pending, None)
            if layer is None:
                stack.pop()
                path.pop()
                done.add(name)
                continue
            child = layer.type
            if child in path:
                chain = " → ".join([*path[path.index(child) :], child])
                raise SpecError(
                    f"block '{child}' uses itself (through {chain})",
                    position=layer.position,
                    code="CNN006",
                )
            if child in done:
                continue
            if len(path) >= depth_limit:
                raise SpecError(
                    f"blocks nest more than {depth_limit} deep here ("
                    + " → ".join([*path[:2], "…", child])
                    + ")",
                    position=layer.position,
                    code="CNN002",
                )
            path.append(child)
            stack.append((child, iter(uses[child])))


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
