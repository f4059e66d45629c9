"""The values a YAML description becomes: frozen, torch-free, every node with its file:line:col.

``parser.py`` makes them; the builder, the checks and the solver read them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cnninspect.errors import Position
from cnninspect.shapes import Notation, Shape

FORMAT_VERSION = 1
SCOPE_INPUT_NAMES = ("in", "input")  # how `from` names the input of a model or block

Scalar = int | float | bool | str | None
Value = Scalar | tuple[Any, ...]  # tuples hold Values
Dim = int | str | None  # an int, a `$arg` inside a block, or null (any size)


@dataclass(frozen=True, slots=True)
class Kwarg:
    key: str
    value: Value
    key_position: Position
    value_position: Position


@dataclass(frozen=True, slots=True)
class ParamsExpect:
    """A declared parameter count: exact (``61706``) or approximate (``60M ±5%``)."""

    value: int | str  # a `$arg` inside a block
    slack: float  # how far a count may lie from value; 0.0 means exact
    text: str

    def accepts(self, count: int) -> bool:
        assert isinstance(self.value, int), "block arguments are substituted before checking"
        return abs(count - self.value) <= self.slack


@dataclass(frozen=True, slots=True)
class Expect:
    """What a layer, block use or model declares about itself; checked, never trusted."""

    shape: tuple[Dim, ...] | None  # channels-first, like every shape after the parser
    params: ParamsExpect | None
    position: Position
    shape_position: Position | None = None
    params_position: Position | None = None


@dataclass(frozen=True, slots=True)
class LayerSpec:
    type: str  # a registered layer type or a block name
    name: str
    kwargs: tuple[Kwarg, ...]
    sources: tuple[str, ...]  # empty: the previous layer's output
    repeat: int | str
    expect: Expect | None
    note: str | None
    position: Position  # where the type is written

    def kwarg(self, key: str) -> Kwarg | None:
        return next((k for k in self.kwargs if k.key == key), None)


@dataclass(frozen=True, slots=True)
class BlockArg:
    name: str
    default: Value
    required: bool
    position: Position


@dataclass(frozen=True, slots=True)
class BlockSpec:
    name: str
    args: tuple[BlockArg, ...]
    layers: tuple[LayerSpec, ...]
    position: Position
    inputs: tuple[str, ...] = ("in",)  # what `from` calls the block's inputs, in order


@dataclass(frozen=True, slots=True)
class ArchSpec:
    path: str
    name: str
    source: str | None
    description: str | None
    input_shape: Shape  # channels-first, no batch
    notation: Notation
    blocks: Mapping[str, BlockSpec]
    layers: tuple[LayerSpec, ...]
    expect: Expect | None  # shape = the model's output
    position: Position
