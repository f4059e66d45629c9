"""Block-argument references: ``$planes`` and small integer arithmetic ``${planes * 4}``.

A description must never run code, so expressions are parsed with ``ast`` and only integer
literals, argument names, ``+ - * //`` and parentheses are accepted; anything else is a located
error. Inside a block, ``in_channels`` names the channel count of the block's (first) input,
so an inverted residual can write its expansion as ``${in_channels * 6}``. The text's length
and every integer it computes are bounded (``spec.limits``).
"""

from __future__ import annotations

import ast
import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from cnninspect.description.limits import current as current_limits

IN_CHANNELS = "in_channels"  # provided by the builder inside every block

_NAME = re.compile(r"^\$([A-Za-z_][A-Za-z0-9_]*)$")
_ARITHMETIC = re.compile(r"^\$\{(.*)\}$", re.DOTALL)
_OPERATORS: dict[type[ast.operator], Callable[[int, int], int]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.FloorDiv: operator.floordiv,
}


class ExpressionError(ValueError):
    """The text is not a reference or an arithmetic expression cnninspect accepts."""


@dataclass(frozen=True, slots=True)
class Reference:
    """``$name`` (any value) or ``${arithmetic}`` (an integer)."""

    text: str
    tree: ast.expr
    names: frozenset[str]

    def evaluate(self, env: Mapping[str, Any]) -> Any:
        return _evaluate(self.tree, env, self.text)


def parse(value: object) -> Reference | None:
    """A Reference if ``value`` is ``$name`` or ``${...}``, else None (a plain value)."""
    if not isinstance(value, str):
        return None
    if match := _NAME.match(value):
        node = ast.Name(id=match.group(1), ctx=ast.Load())
        return Reference(value, node, frozenset({match.group(1)}))
    if match := _ARITHMETIC.match(value):
        limits = current_limits()
        if len(value) > limits.expression_chars:
            raise ExpressionError(
                f"'{value[:30]}…' is {len(value):,} characters long; "
                + limits.advice("expression_chars")
            )
        try:
            tree = ast.parse(match.group(1).strip(), mode="eval").body
        except (SyntaxError, RecursionError, MemoryError):  # also: nesting too deep
            raise ExpressionError(f"'{value}' is not an arithmetic expression") from None
        return Reference(value, tree, frozenset(_names(tree, value)))
    if value.startswith("$"):
        raise ExpressionError(f"'{value}': write $name or ${{name * 2}}")
    return None


def _names(node: ast.expr, text: str) -> set[str]:
    if isinstance(node, ast.Name):
        return {node.id}
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return set()
    if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
        return _names(node.left, text) | _names(node.right, text)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return _names(node.operand, text)
    raise ExpressionError(
        f"'{text}': only integers, argument names, + - * // and parentheses are allowed"
    )


def _evaluate(node: ast.expr, env: Mapping[str, Any], text: str) -> Any:
    if isinstance(node, ast.Name):
        return env[node.id]
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.UnaryOp):
        return -_integer(_evaluate(node.operand, env, text), text)
    assert isinstance(node, ast.BinOp)
    left = _integer(_evaluate(node.left, env, text), text)
    right = _integer(_evaluate(node.right, env, text), text)
    if isinstance(node.op, ast.FloorDiv) and right == 0:
        raise ExpressionError(f"'{text}' divides by zero")
    return _integer(_OPERATORS[type(node.op)](left, right), text)


def _integer(value: Any, text: str) -> int:
    if type(value) is not int:
        raise ExpressionError(f"'{text}' computes with {value!r}, which is not an integer")
    limits = current_limits()
    if abs(value) >= 10**limits.integer_digits:
        raise ExpressionError(
            f"'{text}' computes an integer of more than {limits.integer_digits} digits; "
            + limits.advice("integer_digits")
        )
    return value
