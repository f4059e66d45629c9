"""YAML architecture description → ``ArchSpec`` (see ``values.py``), located at file:line:col.

No torch here: this module checks everything that can be checked from the file alone (keys,
types, names, wiring, block arguments). Keyword arguments are checked against torch's
constructor signatures by the builder, which reports them at the positions kept here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

from cnninspect.description import yamlnodes
from cnninspect.description.architecture import (
    FORMAT_VERSION,
    SCOPE_INPUT_NAMES,
    ArchSpec,
    BlockArg,
    BlockSpec,
    Kwarg,
    LayerSpec,
)
from cnninspect.description.block_uses import check_block_uses
from cnninspect.description.expansion import count_layers
from cnninspect.description.expectations import DeclarationReader
from cnninspect.description.layer_types import LAYER_TYPES, Role, did_you_mean
from cnninspect.description.limits import Limits
from cnninspect.description.limits import current as current_limits
from cnninspect.description.reader import is_count
from cnninspect.errors import Position, SpecError
from cnninspect.shapes import Notation, Shape, to_channels_first

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_ARG_REF = re.compile(r"^\$([A-Za-z_][A-Za-z0-9_]*)$")
_LAYER_KEYS = ("name", "from", "repeat", "expect", "note")
_MERGES = frozenset(n for n, t in LAYER_TYPES.items() if t.role is Role.MERGE)
_TOP_KEYS = (
    "cnninspect",
    "name",
    "source",
    "description",
    "input",
    "notation",
    "blocks",
    "layers",
    "expect",
)


def load(path: str | Path) -> ArchSpec:
    """Read and check a YAML architecture description (within ``spec.limits``)."""
    path = Path(path)
    limits = current_limits()
    return loads(yamlnodes.read(path, limits), str(path), limits)


def loads(text: str, path: str = "<string>", limits: Limits | None = None) -> ArchSpec:
    """Parse a YAML architecture description given as text; ``path`` is used in messages."""
    limits = limits or current_limits()
    root = yamlnodes.compose(text, path, limits)
    if root is None:
        raise SpecError("the file is empty", position=Position(path, 1, 1), code="CNN002")
    spec = _Parser(path, limits).model(root)
    count_layers(spec, limits)
    return spec


@dataclass
class _Parser(DeclarationReader):
    """The grammar of a description: the model, its blocks, its layers."""

    # -- the model -------------------------------------------------------------------------

    def model(self, root: yaml.Node) -> ArchSpec:
        top = self.mapping(root, "the description", _TOP_KEYS)
        for required in ("cnninspect", "input", "layers"):
            if required not in top:
                raise self.fail(
                    f"missing required key '{required}'",
                    root,
                    hint="a description starts with `cnninspect: 1`, then `input:` and `layers:`",
                )
        version_node = top["cnninspect"][1]
        version = self.scalar(version_node, "cnninspect")
        if isinstance(version, str) and version.strip() == str(FORMAT_VERSION):
            raise self.fail(
                f"the format version is the number {FORMAT_VERSION}, not the text '{version}'",
                version_node,
                hint=f"write cnninspect: {FORMAT_VERSION} (without quotes)",
            )
        if version != FORMAT_VERSION or isinstance(version, bool):
            raise self.fail(
                f"unsupported format version {version!r}: this cnninspect reads version "
                f"{FORMAT_VERSION}",
                version_node,
            )
        notation = self.notation(top)
        input_node = top["input"][1]
        input_shape = self.input_shape(input_node, notation)
        blocks = self.blocks(top["blocks"][1]) if "blocks" in top else {}
        layers = self.layers(top["layers"][1], "layers", blocks, args={})
        expect = None
        if "expect" in top:
            expect = self.expect(top["expect"][1], {}, model=True)
        name = self.string(top["name"][1], "name") if "name" in top else Path(self.path).stem
        source = self.string(top["source"][1], "source") if "source" in top else None
        description = (
            self.string(top["description"][1], "description") if "description" in top else None
        )
        spec = ArchSpec(
            path=self.path,
            name=name,
            source=source,
            description=description,
            input_shape=input_shape,
            notation=notation,
            blocks=blocks,
            layers=layers,
            expect=expect,
            position=self.pos(root),
        )
        check_block_uses(spec, self.limits.depth)
        return spec

    def notation(self, top: dict[str, tuple[yaml.Node, yaml.Node]]) -> Notation:
        if "notation" not in top:
            return "chw"
        node = top["notation"][1]
        value = self.scalar(node, "notation")
        if value == "chw":
            return "chw"
        if value == "hwc":
            return "hwc"
        raise self.fail(f"notation must be 'chw' or 'hwc', got {value!r}", node)

    def input_shape(self, node: yaml.Node, notation: Notation) -> Shape:
        dims = self.sequence(node, "input")
        values = [self.scalar(d, "an input dimension") for d in dims]
        if not 1 <= len(values) <= 4 or not all(is_count(v) for v in values):
            raise self.fail(
                f"input must list 1 to 4 positive integers without the batch, got {values}",
                node,
                hint="[C, L] for 1-D, [C, H, W] for 2-D, [C, D, H, W] for 3-D networks"
                + (" (written H, W, C with notation: hwc)" if notation == "hwc" else ""),
            )
        return to_channels_first(tuple(int(v) for v in values if isinstance(v, int)), notation)

    # -- blocks ----------------------------------------------------------------------------

    def blocks(self, node: yaml.Node) -> dict[str, BlockSpec]:
        blocks: dict[str, BlockSpec] = {}
        definitions = self.mapping(node, "blocks")
        for name, (key_node, _) in definitions.items():
            if name in LAYER_TYPES:
                raise self.fail(
                    f"block name '{name}' hides the layer type of the same name", key_node
                )
            if not _NAME.match(name):
                raise self.fail(f"block name '{name}' is not a valid name", key_node)
        names = set(definitions)
        for name, (key_node, body_node) in definitions.items():
            body = self.mapping(body_node, f"block '{name}'", ("args", "inputs", "layers", "note"))
            if "layers" not in body:
                raise self.fail(f"block '{name}' has no 'layers'", key_node)
            args = self.block_args(body["args"][1], name) if "args" in body else ()
            arg_defaults: dict[str, BlockArg] = {a.name: a for a in args}
            inputs = self.block_inputs(body["inputs"][1], name) if "inputs" in body else ("in",)
            self.in_block = True
            layers = self.layers(
                body["layers"][1], f"block '{name}'", names, args=arg_defaults, inputs=inputs
            )
            self.in_block = False
            blocks[name] = BlockSpec(name, args, layers, self.pos(key_node), inputs)
        return blocks

    def block_args(self, node: yaml.Node, block: str) -> tuple[BlockArg, ...]:
        if isinstance(node, yaml.SequenceNode):  # [planes, stride]: all required
            return tuple(
                BlockArg(self.arg_name(item, block), None, True, self.pos(item))
                for item in node.value
            )
        args = []
        for arg, (key_node, value_node) in self.mapping(node, f"args of block '{block}'").items():
            self.arg_name(key_node, block)
            default = self.value(value_node, f"default of '{arg}'")
            args.append(BlockArg(arg, default, default is None, self.pos(key_node)))
        return tuple(args)

    def block_inputs(self, node: yaml.Node, block: str) -> tuple[str, ...]:
        """`inputs: [x, skip]`: a block with several inputs (a U-Net decoder step)."""
        names = tuple(
            self.string(n, f"an input of block '{block}'") for n in self.sequence(node, "inputs")
        )
        for name, item in zip(names, node.value, strict=True):
            if not _NAME.match(name) or name in SCOPE_INPUT_NAMES:
                raise self.fail(f"'{name}' is not a usable input name", item)
        if not names or len(set(names)) != len(names):
            raise self.fail(f"the inputs of block '{block}' must be distinct names", node)
        return names

    def arg_name(self, node: yaml.Node, block: str) -> str:
        name = self.string(node, f"an argument of block '{block}'")
        if not _ARG_REF.match("$" + name):
            raise self.fail(f"'{name}' is not a valid argument name", node)
        return name

    # -- layers ----------------------------------------------------------------------------

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
            layer = self.layer(
                item,
                blocks,
                args,
                earlier=seen,
                counters=counters,
                explicit=explicit,
                inputs=inputs,
            )
            if layer.name in seen:
                raise self.fail(
                    f"duplicate layer name '{layer.name}' in {scope} "
                    f"(first at line {seen[layer.name].position.line})",
                    item,
                    code="CNN005",
                )
            seen[layer.name] = layer
            layers.append(layer)
        return tuple(layers)

    def explicit_names(self, items: list[yaml.Node]) -> set[str]:
        names = set()
        for item in items:
            if isinstance(item, yaml.MappingNode):
                for key_node, value_node in item.value:
                    if (
                        isinstance(key_node, yaml.ScalarNode)
                        and key_node.value == "name"
                        and isinstance(value_node, yaml.ScalarNode)
                    ):
                        names.add(str(value_node.value))
        return names

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
        sources: tuple[str, ...] = ()
        if "from" in items:
            sources = self.sources(items["from"][1], earlier, inputs)
            self.check_fan_in(type_name, sources, items["from"][1], type_node)
        elif type_name in _MERGES:
            self.check_fan_in(type_name, sources, type_node, type_node)
        repeat: int | str = 1
        if "repeat" in items:
            repeat = self.repeat(items["repeat"][1], args)
            if type_name in _MERGES and repeat != 1:
                raise self.fail(
                    f"{type_name} merges several inputs: it cannot be repeated",
                    items["repeat"][1],
                )
        expect = None
        if "expect" in items:
            expect = self.expect(items["expect"][1], args)
        note = self.string(items["note"][1], "note") if "note" in items else None
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

    def layer_name(self, node: yaml.Node) -> str:
        name = self.string(node, "name")
        if not _NAME.match(name) or name in SCOPE_INPUT_NAMES:
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
        if type_name in LAYER_TYPES or type_name in blocks:
            return
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
            if name not in earlier and name not in (*SCOPE_INPUT_NAMES, *inputs):
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


def _default_name(type_name: str, counters: dict[str, int], explicit: set[str]) -> str:
    """`relu1`, `relu2`, …: per type within a scope, skipping names the file uses."""
    stem = type_name.lower()
    while True:
        counters[stem] = counters.get(stem, 0) + 1
        candidate = f"{stem}{counters[stem]}"
        if candidate not in explicit:
            return candidate
