"""YAML architecture description → ``ArchSpec`` (``architecture.py``), located at file:line:col.

No torch here: this module checks everything that can be checked from the file alone (keys,
types, names, wiring, block arguments). Keyword arguments are checked against torch's
constructor signatures by the builder, which reports them at the positions kept here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TypeVar

import yaml

from cnninspect.description import text_file, yamlnodes
from cnninspect.description.architecture import (
    FORMAT_VERSION,
    SCOPE_INPUT_NAMES,
    ArchSpec,
    BlockArg,
    BlockSpec,
    LayerSpec,
)
from cnninspect.description.block_uses import check_block_uses
from cnninspect.description.expansion import count_layers
from cnninspect.description.layer_reader import NAME, LayerReader
from cnninspect.description.layer_types import LAYER_TYPES
from cnninspect.description.limits import Limits
from cnninspect.description.limits import current as current_limits
from cnninspect.description.reader import is_count
from cnninspect.errors import Position, SpecError, SpecMistakesError, printable
from cnninspect.shapes import Notation, Shape, to_channels_first

_T = TypeVar("_T")
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
    """Read and check a YAML architecture description (within ``spec.limits``); every
    independent mistake is reported at once (``SpecMistakesError``)."""
    description, mistakes = load_partly(path)
    if mistakes or description is None:
        raise SpecMistakesError(mistakes)
    return description


def load_partly(path: str | Path) -> tuple[ArchSpec | None, list[SpecError]]:
    """The description without the layers and blocks that could not be read, and the
    mistakes (none: the description is whole). None: nothing could be read past the first
    mistake (the YAML syntax, the top level)."""
    path = Path(path)
    limits = current_limits()
    try:
        return _read(text_file.read(path, limits), str(path), limits)
    except SpecError as mistake:
        return None, [mistake]


def loads(text: str, path: str = "<string>", limits: Limits | None = None) -> ArchSpec:
    """Parse a YAML architecture description given as text; ``path`` is used in messages."""
    description, mistakes = _read(text, path, limits or current_limits())
    if mistakes:
        raise SpecMistakesError(mistakes)
    return description


def _read(text: str, path: str, limits: Limits) -> tuple[ArchSpec, list[SpecError]]:
    root = yamlnodes.compose(text, path, limits)
    if root is None:
        raise SpecError("the file is empty", position=Position(path, 1, 1), code="CNN002")
    parser = _Parser(path, limits)
    description = parser.model(root)
    if not parser.mistakes:  # the whole model's counts (a partial one would mislead)
        check_block_uses(description, limits.depth)
        count_layers(description, limits)
    return description, parser.mistakes


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
        chw: Notation = "chw"
        nothing: tuple[LayerSpec, ...] = ()
        notation = self.attempt(lambda: self.notation(top), chw)
        self.written_in = notation  # declared shapes are read channels-first from here on
        unknown: Shape = (1,)  # stands in for an unreadable input
        input_shape = self.attempt(lambda: self.input_shape(top["input"][1], notation), unknown)
        blocks = self.blocks(top["blocks"][1]) if "blocks" in top else {}
        layers = self.attempt(
            lambda: self.layers(top["layers"][1], "layers", blocks, args={}), nothing
        )
        expect = None
        if "expect" in top:
            expect = self.attempt(lambda: self.expect(top["expect"][1], {}, model=True), None)
        # free text, shown in every view: printable (an escape sequence never reaches a terminal)
        name = printable(self.attempt(lambda: self.text(top, "name"), None) or Path(self.path).stem)
        source = self.attempt(lambda: self.text(top, "source"), None)
        description = self.attempt(lambda: self.text(top, "description"), None)
        return ArchSpec(
            path=self.path,
            name=name,
            source=source and printable(source),
            description=description and printable(description),
            input_shape=input_shape,
            notation=notation,
            blocks=blocks,
            layers=layers,
            expect=expect,
            position=self.pos(root),
        )

    def attempt(self, read: Callable[[], _T], otherwise: _T) -> _T:
        """What ``read`` returns; a mistake is kept and ``otherwise`` stands in, so that the
        rest of the file is still read (every mistake reported at once)."""
        try:
            return read()
        except SpecError as mistake:
            self.mistakes.append(mistake)
            return otherwise

    def text(self, top: dict[str, tuple[yaml.Node, yaml.Node]], key: str) -> str | None:
        return self.string(top[key][1], key) if key in top else None

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
            block = self.attempt(partial(self.block, name, key_node, body_node, names), None)
            if block is None:
                self.unreadable.add(name)  # its uses are not mistakes of their own
            else:
                blocks[name] = block
        return blocks

    def block(
        self, name: str, key_node: yaml.Node, body_node: yaml.Node, names: set[str]
    ) -> BlockSpec:
        body = self.mapping(body_node, f"block '{name}'", ("args", "inputs", "layers", "note"))
        if "layers" not in body:
            raise self.fail(f"block '{name}' has no 'layers'", key_node)
        args = self.block_args(body["args"][1], name) if "args" in body else ()
        arg_defaults: dict[str, BlockArg] = {a.name: a for a in args}
        inputs = self.block_inputs(body["inputs"][1], name) if "inputs" in body else ("in",)
        self.in_block = True
        try:
            layers = self.layers(
                body["layers"][1], f"block '{name}'", names, args=arg_defaults, inputs=inputs
            )
        finally:
            self.in_block = False
        return BlockSpec(name, args, layers, self.pos(key_node), inputs)

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
