"""YAML architecture description → ``ArchSpec`` (``architecture.py``), located at file:line:col.

No torch here: this module checks everything that can be checked from the file alone (keys,
types, names, wiring, block arguments). Keyword arguments are checked against torch's
constructor signatures by the builder, which reports them at the positions kept here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from cnninspect.description import text_file, yamlnodes
from cnninspect.description.architecture import (
    FORMAT_VERSION,
    SCOPE_INPUT_NAMES,
    ArchSpec,
    BlockArg,
    BlockSpec,
)
from cnninspect.description.block_uses import check_block_uses
from cnninspect.description.expansion import count_layers
from cnninspect.description.layer_reader import NAME, LayerReader
from cnninspect.description.layer_types import LAYER_TYPES
from cnninspect.description.limits import Limits
from cnninspect.description.limits import current as current_limits
from cnninspect.description.reader import is_count
from cnninspect.errors import Position, SpecError, printable
from cnninspect.shapes import Notation, Shape, to_channels_first

_ARG_REF = re.compile(r"^\$([A-Za-z_][A-Za-z0-9_]*)$")
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
    return loads(text_file.read(path, limits), str(path), limits)


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
class _Parser(LayerReader):
    """The grammar of a description: the model and its blocks (the layers: ``LayerReader``)."""

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
        self.written_in = notation  # declared shapes are read channels-first from here on
        input_node = top["input"][1]
        input_shape = self.input_shape(input_node, notation)
        blocks = self.blocks(top["blocks"][1]) if "blocks" in top else {}
        layers = self.layers(top["layers"][1], "layers", blocks, args={})
        expect = None
        if "expect" in top:
            expect = self.expect(top["expect"][1], {}, model=True)
        # free text, shown in every view: printable (an escape sequence never reaches a terminal)
        name = printable(
            self.string(top["name"][1], "name") if "name" in top else Path(self.path).stem
        )
        source = printable(self.string(top["source"][1], "source")) if "source" in top else None
        description = (
            printable(self.string(top["description"][1], "description"))
            if "description" in top
            else None
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
            if not NAME.match(name):
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
            if not NAME.match(name) or name in SCOPE_INPUT_NAMES:
                raise self.fail(f"'{name}' is not a usable input name", item)
        if not names or len(set(names)) != len(names):
            raise self.fail(f"the inputs of block '{block}' must be distinct names", node)
        return names

    def arg_name(self, node: yaml.Node, block: str) -> str:
        name = self.string(node, f"an argument of block '{block}'")
        if not _ARG_REF.match("$" + name):
            raise self.fail(f"'{name}' is not a valid argument name", node)
        return name
