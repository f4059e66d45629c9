"""The layers of a description: each layer's type, name, keyword arguments, wiring
(``from``), ``repeat``, ``expect`` and ``note``, located at file:line:col. Torch-free."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import yaml

from cnninspect.description import yamlnodes
from cnninspect.description.architecture import SCOPE_INPUT_NAMES, BlockArg, Kwarg, LayerSpec
from cnninspect.description.expectations import DeclarationReader
from cnninspect.description.layer_types import LAYER_TYPES, Role, did_you_mean
from cnninspect.errors import SpecError, printable

NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")  # a layer, block or input name
_LAYER_KEYS = ("name", "from", "repeat", "expect", "note")
_MERGES = frozenset(n for n, t in LAYER_TYPES.items() if t.role is Role.MERGE)


@dataclass
class LayerReader(DeclarationReader):
    """Reads ``layers:`` lists, of the model or of a block. A layer it cannot read is a
    mistake kept in ``mistakes``, and the next layers are read all the same; a later mention
    of its name (``from``, a block's type) is not one more mistake."""

    mistakes: list[SpecError] = field(default_factory=list)
    unreadable: set[str] = field(default_factory=set)

    def layers(
        self,
        node: yaml.Node,
        scope: str,
        blocks: Mapping[str, object] | set[str],
        *,
        args: Mapping[str, BlockArg],
        inputs: tuple[str, ...] = (),
    ) -> tuple[LayerSpec, ...]:
        items = self.sequence(node, "'layers'" if scope == "layers" else f"'layers' of {scope}")
        if not items:
            raise self.fail(f"{scope} has no layers", node)
        explicit = self.explicit_names(items)
        layers: list[LayerSpec] = []
        seen: dict[str, LayerSpec] = {}
        counters: dict[str, int] = {}
        explicit |= set(inputs)  # default names never take an input's name
        for item in items:
            try:
                layer = self.layer(
                    item,
                    blocks,
                    args,
                    earlier=seen,
                    counters=counters,
                    explicit=explicit,
                    inputs=inputs,
                )
            except SpecError as mistake:  # the next layers are read all the same
                self.mistakes.append(mistake)
                self.unreadable |= _explicit_name(item)
                continue
            if layer.name in seen:
                self.mistakes.append(
                    self.fail(
                        f"duplicate layer name '{layer.name}' in {scope} "
                        f"(first at line {seen[layer.name].position.line})",
                        item,
                        code="CNN005",
                    )
                )
            seen[layer.name] = layer
            layers.append(layer)
        return tuple(layers)

    def explicit_names(self, items: list[yaml.Node]) -> set[str]:
        return set().union(*(_explicit_name(item) for item in items))

    def layer(
        self,
        node: yaml.Node,
        blocks: Mapping[str, object] | set[str],
        args: Mapping[str, BlockArg],
        *,
        earlier: Mapping[str, LayerSpec],
        counters: dict[str, int],
        explicit: set[str],
        inputs: tuple[str, ...] = (),
    ) -> LayerSpec:
        if isinstance(node, yaml.ScalarNode):  # `- ReLU`
            type_name = self.string(node, "a layer")
            self.check_type(type_name, node, blocks)
            name = _default_name(type_name, counters, explicit)
            return LayerSpec(type_name, name, (), (), 1, None, None, self.pos(node))
        items = self.mapping(node, "a layer")
        type_keys = [k for k in items if k not in _LAYER_KEYS]
        if len(type_keys) != 1:
            found = ", ".join(type_keys) if type_keys else "none"
            raise self.fail(
                f"a layer names exactly one type, found {found}",
                node,
                hint="write `- Conv2d: {out_channels: 8, kernel_size: 5}` and put `name`, "
                "`from`, `repeat`, `expect`, `note` beside it",
            )
        type_name = type_keys[0]
        type_node, kwargs_node = items[type_name]
        self.check_type(type_name, type_node, blocks)
        kwargs = self.kwargs(kwargs_node, type_name, args)
        if "name" in items:
            name = self.layer_name(items["name"][1])
        else:
            name = _default_name(type_name, counters, explicit)
        sources = self.wiring(items, type_name, type_node, earlier, inputs)
        repeat = self.repeat_of(items, type_name, args)
        expect = self.expect(items["expect"][1], args) if "expect" in items else None
        note = printable(self.string(items["note"][1], "note")) if "note" in items else None
        return LayerSpec(
            type_name,
            name,
            kwargs,
            sources,
            repeat,
            expect,
            note,
            self.pos(type_node),
        )

    def wiring(
        self,
        items: Mapping[str, tuple[yaml.Node, yaml.Node]],
        type_name: str,
        type_node: yaml.Node,
        earlier: Mapping[str, LayerSpec],
        inputs: tuple[str, ...],
    ) -> tuple[str, ...]:
        """The layers a layer reads (``from``), checked against what its type merges."""
        sources: tuple[str, ...] = ()
        if "from" in items:
            sources = self.sources(items["from"][1], earlier, inputs)
            self.check_fan_in(type_name, sources, items["from"][1], type_node)
        elif type_name in _MERGES:
            self.check_fan_in(type_name, sources, type_node, type_node)
        return sources

    def repeat_of(
        self,
        items: Mapping[str, tuple[yaml.Node, yaml.Node]],
        type_name: str,
        args: Mapping[str, BlockArg],
    ) -> int | str:
        if "repeat" not in items:
            return 1
        repeat = self.repeat(items["repeat"][1], args)
        if type_name in _MERGES and repeat != 1:
            raise self.fail(
                f"{type_name} merges several inputs: it cannot be repeated", items["repeat"][1]
            )
        return repeat

    def layer_name(self, node: yaml.Node) -> str:
        name = self.string(node, "name")
        if not NAME.match(name) or name in SCOPE_INPUT_NAMES:
            raise self.fail(
                f"'{name}' is not a usable layer name",
                node,
                hint="letters, digits, '_' and '-', starting with a letter; "
                "'in' and 'input' are reserved",
            )
        return name

    def check_fan_in(
        self, type_name: str, sources: tuple[str, ...], from_node: yaml.Node, type_node: yaml.Node
    ) -> None:
        """A merge reads two or more layers; any other registered layer reads one."""
        is_merge = type_name in _MERGES
        if len(sources) > 1 and not is_merge and type_name in LAYER_TYPES:
            raise self.fail(
                f"{type_name} takes one input, but 'from' names {len(sources)}",
                from_node,
                hint="merge several inputs with Add, Concat or Mul",
            )
        if is_merge and len(sources) < 2:
            raise self.fail(
                f"{type_name} merges several inputs: name them with `from: [a, b]`",
                type_node,
            )

    def check_type(
        self, type_name: str, node: yaml.Node, blocks: Mapping[str, object] | set[str]
    ) -> None:
        if type_name in LAYER_TYPES or type_name in blocks or type_name in self.unreadable:
            return  # (a block whose definition is unreadable has its own mistake)
        known = [*LAYER_TYPES, *blocks]
        hint = (
            "a description can only name registered layer types and its own blocks, "
            "never an import path"
            if "." in type_name
            else "`cnninspect schema` lists the layer types"
        )
        raise self.fail(
            f"unknown layer type '{type_name}'{did_you_mean(type_name, known)}",
            node,
            code="CNN003",
            hint=hint,
        )

    def kwargs(
        self, node: yaml.Node, type_name: str, args: Mapping[str, BlockArg]
    ) -> tuple[Kwarg, ...]:
        if (
            isinstance(node, yaml.ScalarNode)
            and yamlnodes.scalar(node, self.path, self.limits) is None
        ):
            return ()  # `- ReLU:` with nothing after the colon
        kwargs = []
        for key, (key_node, value_node) in self.mapping(
            node, f"the arguments of {type_name}"
        ).items():
            value = self.value(value_node, f"'{key}'")
            self.check_refs(value, value_node, args)
            kwargs.append(Kwarg(key, value, self.pos(key_node), self.pos(value_node)))
        return tuple(kwargs)

    def sources(
        self, node: yaml.Node, earlier: Mapping[str, LayerSpec], inputs: tuple[str, ...] = ()
    ) -> tuple[str, ...]:
        nodes = node.value if isinstance(node, yaml.SequenceNode) else [node]
        names = []
        for item in nodes:
            name = self.string(item, "'from'")
            known = name in earlier or name in self.unreadable  # (unreadable: its own mistake)
            if not known and name not in (*SCOPE_INPUT_NAMES, *inputs):
                candidates = [*earlier, *SCOPE_INPUT_NAMES, *inputs]
                raise self.fail(
                    f"'from' names '{name}', which is not an earlier layer in this scope"
                    f"{did_you_mean(name, candidates)}",
                    item,
                    code="CNN006",
                    hint="`from` can name layers above it, or `in` for the input",
                )
            names.append(name)
        return tuple(names)


def _explicit_name(item: yaml.Node) -> set[str]:
    """The `name:` a layer's node gives, read from the raw node (the layer may be unreadable)."""
    if isinstance(item, yaml.MappingNode):
        for key_node, value_node in item.value:
            if (
                isinstance(key_node, yaml.ScalarNode)
                and key_node.value == "name"
                and isinstance(value_node, yaml.ScalarNode)
            ):
                return {str(value_node.value)}
    return set()


def _default_name(type_name: str, counters: dict[str, int], explicit: set[str]) -> str:
    """`relu1`, `relu2`, …: per type within a scope, skipping names the file uses."""
    stem = type_name.lower()
    while True:
        counters[stem] = counters.get(stem, 0) + 1
        candidate = f"{stem}{counters[stem]}"
        if candidate not in explicit:
            return candidate
