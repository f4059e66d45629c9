"""A module's draft folded into what a person writes: modules of one structure become one block
whose differing values are its arguments, consecutive equal calls one layer with ``repeat``,
and a ``Sequential`` used once its layers in place (torch-free).

Structure is everything but the values: the layer types, names and wiring, the keywords given,
each child's own structure. Modules of one structure are uses of one block; a value that
differs between them (a width, a stride, a number of copies) is an argument, values that move
together one argument.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from typing import Any

from cnninspect.description.draft import DraftBlock, DraftLayer, DraftModule

Key = tuple[Any, ...]


def fold(model: DraftModule) -> tuple[tuple[DraftLayer, ...], tuple[DraftBlock, ...]]:
    """The model's layers and the blocks they use, in the order first used."""
    folded = _fold_runs(model)
    groups: dict[Key, list[DraftModule]] = {}
    for module in _modules(folded):
        groups.setdefault(_structure(module), []).append(module)
    names = _block_names(groups)
    made = _Blocks(groups, names)
    layers = made.layers_of(folded, folded)
    return layers, _used(layers, [made.blocks[k] for k in made.order])


def _used(layers: tuple[DraftLayer, ...], blocks: list[DraftBlock]) -> tuple[DraftBlock, ...]:
    """The blocks something uses (a Sequential written in place is no block of the file)."""
    by_name = {b.name: b for b in blocks}
    wanted: set[str] = set()
    pending = [layer.type for layer in layers if layer.type in by_name]
    while pending:
        name = pending.pop()
        if name not in wanted:
            wanted.add(name)
            pending += [layer.type for layer in by_name[name].layers if layer.type in by_name]
    return tuple(b for b in blocks if b.name in wanted)


def _modules(module: DraftModule) -> Iterator[DraftModule]:
    """Every nested module, children before their parent."""
    for layer in module.layers:
        if layer.module is not None:
            yield from _modules(layer.module)
            yield layer.module


def _content(module: DraftModule) -> Key:
    return (module.class_name, tuple(_layer_content(layer) for layer in module.layers))


def _layer_content(layer: DraftLayer) -> Key:
    inner = _content(layer.module) if layer.module is not None else None
    return (layer.type, layer.name, layer.kwargs, layer.sources, layer.repeat, inner)


def _fold_runs(module: DraftModule) -> DraftModule:
    """Consecutive unnamed calls of equal content, each reading the one before: one layer with
    ``repeat``."""
    layers: list[DraftLayer] = []
    inner = [
        dataclasses.replace(given, module=_fold_runs(given.module)) if given.module else given
        for given in module.layers
    ]
    for layer in _unnumbered(inner):
        last = layers[-1] if layers else None
        if (
            last is not None
            and last.name is None
            and layer.name is None
            and not layer.sources
            and _layer_content(dataclasses.replace(last, repeat=1)) == _layer_content(layer)
            and isinstance(last.repeat, int)
        ):
            layers[-1] = dataclasses.replace(last, repeat=last.repeat + 1)
            continue
        layers.append(layer)
    return dataclasses.replace(module, layers=tuple(layers))


_NUMBERED = re.compile(r"^(.*?)(\d+)$")


def _unnumbered(layers: list[DraftLayer]) -> list[DraftLayer]:
    """Calls named in a numbered series (denselayer1, denselayer2, …) of equal content, each
    reading the one before and none read by its name, lose their names: they fold into one
    layer with ``repeat`` as unnamed calls do (a copy's number is its place in the repeat)."""
    read = {source for layer in layers for source in layer.sources}
    out = list(layers)
    start = 0
    while start < len(out):
        end = start + 1
        while end < len(out) and _next_in_series(out[end - 1], out[end], read):
            end += 1
        if end - start > 1:
            out[start:end] = [dataclasses.replace(x, name=None) for x in out[start:end]]
        start = end
    return out


def _next_in_series(a: DraftLayer, b: DraftLayer, read: set[str]) -> bool:
    first, second = _NUMBERED.match(a.name or ""), _NUMBERED.match(b.name or "")
    if first is None or second is None or b.sources or {a.name, b.name} & read:
        return False
    if first[1] != second[1] or int(second[2]) != int(first[2]) + 1:
        return False
    unnamed = dataclasses.replace(a, name=None, sources=())
    return _layer_content(unnamed) == _layer_content(dataclasses.replace(b, name=None))


def _structure(module: DraftModule) -> Key:
    return (module.class_name, tuple(_layer_structure(layer) for layer in module.layers))


def _layer_structure(layer: DraftLayer) -> Key:
    inner = _structure(layer.module) if layer.module is not None else None
    keys = tuple(k for k, _ in layer.kwargs)
    return (layer.type, layer.name, keys, layer.sources, isinstance(layer.repeat, int), inner)


def _values(module: DraftModule) -> list[tuple[str, Any]]:
    """(what the value is, the value) of every keyword and repeat of the module's own layers."""
    found: list[tuple[str, Any]] = []
    for layer in module.layers:
        if layer.module is None:
            found += [(key, value) for key, value in layer.kwargs]
        found.append(("repeat", layer.repeat))
    return found


def _block_names(groups: dict[Key, list[DraftModule]]) -> dict[Key, str]:
    names: dict[Key, str] = {}
    taken: dict[str, int] = {}
    for key, modules in groups.items():
        base = modules[0].class_name
        if base == "Sequential":
            last = modules[0].path.rsplit(".", 1)[-1]
            words = [w for w in re.split(r"[^A-Za-z]+", last) if w]
            base = "".join(w[:1].upper() + w[1:] for w in words) or "Stage"
        taken[base] = taken.get(base, 0) + 1
        names[key] = base if taken[base] == 1 else f"{base}{taken[base]}"
    return names


class _Blocks:
    """The blocks made from the groups, and each module's arguments as its use passes them."""

    def __init__(self, groups: dict[Key, list[DraftModule]], names: dict[Key, str]) -> None:
        self.groups, self.names = groups, names
        self.blocks: dict[Key, DraftBlock] = {}
        self.order: list[Key] = []
        self.passed: dict[int, tuple[tuple[str, Any], ...]] = {}  # id(module) → its arguments

    def layers_of(self, module: DraftModule, root: DraftModule) -> tuple[DraftLayer, ...]:
        out: list[DraftLayer] = []
        for layer in module.layers:
            if layer.module is None:
                out.append(layer)
                continue
            key = _structure(layer.module)
            if key not in self.blocks:
                self._make(key)
            inline = len(self.groups[key]) == 1 and layer.module.class_name == "Sequential"
            if inline and layer.repeat == 1 and not self.blocks[key].args:
                out += _inlined(layer, self.blocks[key])
                continue
            args = self.passed[id(layer.module)]
            out.append(dataclasses.replace(layer, type=self.names[key], kwargs=args, module=None))
        return tuple(out)

    def _make(self, key: Key) -> None:
        modules = self.groups[key]
        shapes = [self.layers_of(m, m) for m in modules]  # children's blocks made first
        columns = list(zip(*(_columns(layers) for layers in shapes), strict=True))
        varying = [i for i, column in enumerate(columns) if len(set(map(repr, column))) > 1]
        arg_of: dict[int, str] = {}
        seen: dict[str, str] = {}
        labels = _columns_labels(shapes[0])
        for i in varying:
            signature = repr(columns[i])
            if signature not in seen:
                seen[signature] = _arg_name(labels[i], set(seen.values()))
            arg_of[i] = seen[signature]
        args = tuple(dict.fromkeys(arg_of.values()))
        for module, column in zip(modules, zip(*columns, strict=True), strict=True):
            given = {arg_of[i]: column[i] for i in varying}
            self.passed[id(module)] = tuple((a, given[a]) for a in args)
        layers = _with_arguments(shapes[0], arg_of)
        self.blocks[key] = DraftBlock(self.names[key], args, layers)
        self.order.append(key)


def _columns(layers: tuple[DraftLayer, ...]) -> list[Any]:
    return [v for layer in layers for v in [*(value for _, value in layer.kwargs), layer.repeat]]


def _columns_labels(layers: tuple[DraftLayer, ...]) -> list[tuple[str, str]]:
    return [
        (layer.name or layer.type.lower(), key)
        for layer in layers
        for key in [*(k for k, _ in layer.kwargs), "repeat"]
    ]


def _arg_name(label: tuple[str, str], taken: set[str]) -> str:
    layer, key = label
    short = {"out_channels": "out", "out_features": "out", "repeat": "copies"}.get(key, key)
    name = short if short not in taken else f"{layer}_{short}".replace("-", "_")
    while name in taken:
        name += "_"
    return name


def _with_arguments(layers: tuple[DraftLayer, ...], arg_of: dict[int, str]) -> tuple[Any, ...]:
    out, index = [], 0
    for layer in layers:
        kwargs = []
        for key, value in layer.kwargs:
            kwargs.append((key, f"${arg_of[index]}" if index in arg_of else value))
            index += 1
        repeat = f"${arg_of[index]}" if index in arg_of else layer.repeat
        index += 1
        out.append(dataclasses.replace(layer, kwargs=tuple(kwargs), repeat=repeat))
    return tuple(out)


def _inlined(use: DraftLayer, block: DraftBlock) -> list[DraftLayer]:
    """A Sequential used once, its layers in place: the first reads what the use read, the
    last goes by the use's name where it had one (a later layer may read it by it)."""
    layers = list(block.layers)
    if use.sources:
        layers[0] = dataclasses.replace(layers[0], sources=use.sources)
    if use.name is not None:
        layers[-1] = dataclasses.replace(layers[-1], name=use.name)
    return layers
