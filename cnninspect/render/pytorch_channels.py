"""The channel count each layer of an exported class receives, as Python text over the class's
constructor arguments — for the blocks that compute with ``${in_channels …}``.

Torch's lazy modules learn their input's size only when called, but a block that computes an
out_channels from ``in_channels`` needs it when it is made. So the exported class of such a
block takes ``in_channels`` as its first argument, and each use passes what its input carries:
a number at the model's level (``Transition(in_channels=256)``), an expression of the
enclosing block's arguments inside a block (``ResidualBlock(in_channels=out, …)``). The count
is followed through the layers without torch: a convolution sets it, a concatenation adds,
what keeps the shape keeps it, a block use gives its own last layer's count with the use's
arguments put in. Where it cannot be followed (after a Flatten, a repeated block whose output
grows with its input inside a block) and a block needs it, the export is refused.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping, Sequence

from cnninspect.description.architecture import SCOPE_INPUT_NAMES, ArchSpec, LayerSpec
from cnninspect.description.expressions import IN_CHANNELS
from cnninspect.description.expressions import parse as parse_reference
from cnninspect.description.layer_types import LAYER_TYPES, Role
from cnninspect.errors import TargetError

Channels = int | str | None  # a number, Python text over the class's arguments, or unknown
_KEEPS = frozenset({Role.NORMALIZATION, Role.POOLING, Role.DROPOUT, Role.PADDING})
_KEEPS |= {Role.ACTIVATION, Role.RESAMPLING}
_SETS = {"Linear": "out_features"}  # the others that set it: out_channels
ArgsOf = Callable[[LayerSpec], Mapping[str, str]]  # a block use's arguments as Python text


def needing_in_channels(description: ArchSpec) -> frozenset[str]:
    """The blocks whose exported class takes ``in_channels``: those that compute with it, and
    those that use one of them (they pass it on)."""
    needing = {
        name
        for name, block in description.blocks.items()
        if any(_mentions(layer) for layer in block.layers)
    }
    grew = True
    while grew:
        more = {
            name
            for name, block in description.blocks.items()
            if any(layer.type in needing for layer in block.layers)
        }
        grew = not more <= needing
        needing |= more
    return frozenset(needing)


def _mentions(layer: LayerSpec) -> bool:
    texts = [str(k.value) for k in layer.kwargs] + [str(layer.repeat)]
    return any(IN_CHANNELS in text and "$" in text for text in texts)


def layer_channels(
    layers: Sequence[LayerSpec],
    inputs: Mapping[str, Channels],
    description: ArchSpec,
    args_of: ArgsOf,
) -> dict[str, Channels]:
    """Each layer's input channels (by layer name), and under "" the output's, given what the
    class's inputs carry."""
    seen: dict[str, Channels] = dict(inputs)
    for name in SCOPE_INPUT_NAMES:
        seen[name] = next(iter(inputs.values()))
    received: dict[str, Channels] = {}
    last = next(iter(inputs.values()))
    for layer in layers:
        sources = [seen[s] for s in layer.sources] or [last]
        received[layer.name] = sources[0]
        last = _output(layer, sources, description, args_of)
        seen[layer.name] = last
    received[""] = last
    return received


def _output(
    layer: LayerSpec, sources: list[Channels], description: ArchSpec, args_of: ArgsOf
) -> Channels:
    block = description.blocks.get(layer.type)
    if block is not None:
        return block_output(layer, sources[0], description, args_of)
    if layer.type == "Concat":
        dim = layer.kwarg("dim")
        return _sum(sources) if dim is None or dim.value in (1, -3) else None
    layer_type = LAYER_TYPES[layer.type]
    if layer_type.role is Role.LINEAR_MAP:
        keyword = layer.kwarg(_SETS.get(layer.type, "out_channels"))
        return _text(keyword.value) if keyword is not None else None
    if layer.type == "Mean":  # the channels stay where no axis averaged is theirs
        dim = layer.kwarg("dim")
        value = dim.value if dim is not None else None
        dims = value if isinstance(value, tuple) else (value,)
        kept = all(isinstance(d, int) and d >= 2 for d in dims)
        return sources[0] if kept else None
    if layer_type.role in _KEEPS or layer_type.role is Role.MERGE or layer.type == "Identity":
        return sources[0]
    return None


def block_output(
    layer: LayerSpec, given: Channels, description: ArchSpec, args_of: ArgsOf, *, once: bool = False
) -> Channels:
    """What a use of a block puts out: the block's last count with the use's arguments (and,
    copy after copy of a repeat, its input) put in; ``once``: one copy's."""
    block = description.blocks[layer.type]
    inputs: dict[str, Channels] = dict.fromkeys(block.inputs)
    own = layer_channels(
        block.layers, inputs | {block.inputs[0]: IN_CHANNELS}, description, args_of
    )[""]
    if not isinstance(own, str):
        return own
    count = 1 if once else layer.repeat if isinstance(layer.repeat, int) else None
    current = given
    for _ in range(count if count is not None else 1):
        current = put_in(own, {**args_of(layer), IN_CHANNELS: _text_of(current)})
    if count is None and isinstance(own, str) and _names(own) & {IN_CHANNELS}:
        return None  # a computed number of copies, each growing the count: not followed
    return current


def put_in(text: str, values: Mapping[str, str | None]) -> Channels:
    """``text`` with each argument replaced by its Python text; a number where none is left,
    None where a needed one is unknown."""
    tree = ast.parse(text, mode="eval").body
    missing = [n for n in _names(text) if values.get(n, n) is None]
    if missing:
        return None
    replaced = _Replace({k: v for k, v in values.items() if v is not None}).visit(tree)
    result = ast.unparse(replaced)
    if not _names(result):  # a number: computed as the description computes its expressions
        value = parse_reference(f"${{{result}}}")
        return value.evaluate({}) if value is not None else None
    return result


class _Replace(ast.NodeTransformer):
    def __init__(self, values: Mapping[str, str]) -> None:
        self.values = values

    def visit_Name(self, node: ast.Name) -> ast.expr:
        if node.id in self.values:
            return ast.parse(self.values[node.id], mode="eval").body
        return node


def _names(text: str) -> set[str]:
    return {n.id for n in ast.walk(ast.parse(text, mode="eval")) if isinstance(n, ast.Name)}


def _sum(counts: list[Channels]) -> Channels:
    if any(c is None for c in counts):
        return None
    if all(isinstance(c, int) for c in counts):
        return sum(c for c in counts if isinstance(c, int))
    return " + ".join(str(c) for c in counts)


def _text(value: object) -> Channels:
    """A keyword's value as a count: a number, ``$name`` → ``name``, ``${a * b}`` → ``a * b``."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.startswith("${") and value.endswith("}"):
        return ast.unparse(ast.parse(value[2:-1].strip(), mode="eval"))
    if isinstance(value, str) and value.startswith("$"):
        return value[1:]
    return None


def _text_of(count: Channels) -> str | None:
    return None if count is None else str(count)


def passed(count: Channels, layer: LayerSpec) -> str:
    """The ``in_channels=…`` a use of a block that needs it passes; refused where unknown."""
    if count is None:
        raise TargetError(
            f"{layer.name} ({layer.type}, line {layer.position.line}): the block computes with "
            "its input's channel count, which export cannot follow to this use",
            hint="give the block the count as an argument of its own",
        )
    return str(count)
