"""The values a description declares about itself — ``expect`` (shape, params), ``repeat``,
and ``$arg`` / ``${expression}`` references inside blocks — read from their nodes."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import yaml

from cnninspect.description import expressions as expr
from cnninspect.description.architecture import BlockArg, Dim, Expect, ParamsExpect, Value
from cnninspect.description.layer_types import did_you_mean
from cnninspect.description.reader import NodeReader, described, is_count
from cnninspect.shapes import Notation, to_channels_first

_PARAMS = re.compile(
    r"^\s*(?P<num>[0-9]+(?:\.[0-9]+)?)\s*(?P<unit>[kKMG]?)\s*"
    r"(?:(?:±|\+-|\+/-)\s*(?P<tol>[0-9]+(?:\.[0-9]+)?)\s*%)?\s*$"
)
_UNITS = {"": 1, "k": 10**3, "K": 10**3, "M": 10**6, "G": 10**9}


def is_reference(value: object) -> bool:
    """``$name`` or ``${expression}``: substituted when a block is built."""
    try:
        return expr.parse(value) is not None
    except expr.ExpressionError:
        return False


@dataclass
class DeclarationReader(NodeReader):
    in_block: bool = False  # `$` references are allowed inside blocks only
    # the file's notation: declared shapes are channels-first from here on, like the input
    written_in: Notation = "chw"

    def check_refs(self, value: Value, node: yaml.Node, args: Mapping[str, BlockArg]) -> None:
        """Every name in `$name` / `${expression}` must be an argument of the enclosing block
        (or `in_channels`, which the builder provides inside blocks)."""
        if isinstance(value, tuple):
            for item, item_node in zip(value, node.value, strict=True):
                self.check_refs(item, item_node, args)
            return
        try:
            reference = expr.parse(value)
        except expr.ExpressionError as error:
            raise self.fail(str(error), node, code="CNN002") from None
        if reference is None:
            return
        known = [*args, expr.IN_CHANNELS] if self.in_block else []
        for ref in sorted(reference.names - set(known)):
            where = (
                f"; this block's arguments are {', '.join(args)}"
                if self.in_block
                else "; `$` substitution works inside blocks only"
            )
            raise self.fail(
                f"'${ref}' is not an argument{did_you_mean(ref, known)}{where}",
                node,
                code="CNN006",
            )

    def repeat(self, node: yaml.Node, args: Mapping[str, BlockArg]) -> int | str:
        value = self.scalar(node, "repeat")
        self.check_refs(value, node, args)
        if is_reference(value):
            return str(value)
        if not is_count(value):
            raise self.fail(f"repeat must be a positive integer, got {described(value)}", node)
        assert isinstance(value, int)
        return value

    def expect(
        self,
        node: yaml.Node,
        args: Mapping[str, BlockArg],
        *,
        model: bool = False,
    ) -> Expect:
        shape_key = "output" if model else "shape"
        if isinstance(node, yaml.SequenceNode):
            shape_node: yaml.Node | None = node
            params_node = None
        else:
            items = self.mapping(node, "expect", (shape_key, "params"))
            shape_node = items[shape_key][1] if shape_key in items else None
            params_node = items["params"][1] if "params" in items else None
        shape = None
        if shape_node is not None:
            written = tuple(self.dim(d, args) for d in self.sequence(shape_node, "a shape"))
            if not written:
                raise self.fail("a declared shape lists at least one dimension", shape_node)
            shape = to_channels_first(written, self.written_in)
        params = self.params(params_node, args) if params_node is not None else None
        return Expect(
            shape=shape,
            params=params,
            position=self.pos(node),
            shape_position=self.pos(shape_node) if shape_node is not None else None,
            params_position=self.pos(params_node) if params_node is not None else None,
        )

    def dim(self, node: yaml.Node, args: Mapping[str, BlockArg]) -> Dim:
        value = self.scalar(node, "a shape dimension")
        self.check_refs(value, node, args)
        if value is None or is_reference(value):
            return value  # type: ignore[return-value]
        if not is_count(value):
            raise self.fail(
                f"a shape dimension must be a positive integer or null, got {described(value)}",
                node,
            )
        assert isinstance(value, int)
        return value

    def params(self, node: yaml.Node, args: Mapping[str, BlockArg]) -> ParamsExpect:
        value = self.scalar(node, "params")
        self.check_refs(value, node, args)
        if is_reference(value):
            return ParamsExpect(str(value), 0.0, str(value))
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return ParamsExpect(value, 0.0, f"{value:,}")
        match = _PARAMS.match(value) if isinstance(value, str) else None
        if not match:
            raise self.fail(
                f"params must be a count like 61706, '61.1M' or '60M ±5%', got {described(value)}",
                node,
            )
        if len(match["num"]) > self.limits.integer_digits:
            raise self.fail(
                f"params {match['num'][:12]}… has {len(match['num']):,} digits; "
                + self.limits.advice("integer_digits"),
                node,
            )
        count = round(float(match["num"]) * _UNITS[match["unit"]])
        slack = float(match["tol"]) / 100 * count if match["tol"] else 0.0
        if not match["tol"] and match["unit"]:  # '61.1M' means: as rounded
            slack = 0.5 * _UNITS[match["unit"]] * 10 ** -_decimals(match["num"])
        return ParamsExpect(count, slack, str(value).strip())


def _decimals(number: str) -> int:
    return len(number.split(".")[1]) if "." in number else 0
