"""PyYAML composition with positions, YAML 1.2 scalars and no way to run code.

``yaml.compose`` with a SafeLoader gives a node tree that remembers where every node starts.
We turn scalars into values ourselves, with YAML 1.2 core rules instead of PyYAML's YAML 1.1:

- ``1e-4`` is a float (YAML 1.1 wants a dot, so PyYAML returns the string ``"1e-4"``);
- only ``true``/``false`` are booleans (``yes``, ``no``, ``on``, ``off`` stay strings, and the
  schema check then says what was meant instead of silently turning ``off`` into ``False``);
- ``010`` is ten, and ``1:20`` is a string, not the sexagesimal 80.

Tags other than the core ones (``!!python/object`` and friends) are refused.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import yaml

from cnninspect.errors import Position, SpecError

_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_INT = re.compile(r"^(?:[-+]?[0-9][0-9_]*|0x[0-9a-fA-F_]+|0o[0-7_]+)$")
_FLOAT = re.compile(
    r"^(?:[-+]?(?:\.[0-9]+|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)
_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")

_STR_TAG = "tag:yaml.org,2002:str"
_CORE_TAGS = {
    _STR_TAG,
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq",
}


class _Loader(yaml.SafeLoader):
    """SafeLoader whose implicit resolvers follow YAML 1.2's core schema."""


_Loader.yaml_implicit_resolvers = {}
for _tag, _regexp, _first in (
    ("tag:yaml.org,2002:bool", _BOOL, "tTfF"),
    ("tag:yaml.org,2002:int", _INT, "-+0123456789"),
    ("tag:yaml.org,2002:float", _FLOAT, "-+0123456789."),
    ("tag:yaml.org,2002:null", _NULL, ["~", "n", "N", ""]),
):
    _Loader.add_implicit_resolver(_tag, _regexp, list(_first))


def position(path: str, node: yaml.Node) -> Position:
    mark = node.start_mark
    return Position(path, mark.line + 1, mark.column + 1)


def compose(text: str, path: str) -> yaml.Node | None:
    """Parse ``text`` into a node tree; syntax errors become located SpecErrors."""
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = Position(path, mark.line + 1, mark.column + 1) if mark else None
        problem = exc.problem or exc.context or "invalid YAML"
        hint = _syntax_hint(problem, text, mark.line if mark else None)
        raise SpecError(
            f"YAML syntax error: {problem}", position=where, hint=hint, code="CNN001"
        ) from None
    except yaml.YAMLError as exc:
        raise SpecError(f"YAML syntax error: {exc}", code="CNN001") from None
    if root is not None:
        _refuse_foreign_tags(root, path)
    return root


_BARE_ITEM = re.compile(r"^\s*-\s+[A-Za-z_][A-Za-z0-9_]*\s*$")


def _syntax_hint(problem: str, text: str, line: int | None) -> str | None:
    """The usual causes of PyYAML's "mapping values are not allowed here"."""
    if "mapping values are not allowed" not in problem or line is None:
        return None
    lines = text.splitlines()
    if 0 < line <= len(lines) and _BARE_ITEM.match(lines[line - 1]):
        return (
            "a layer with keys beside its type needs a colon after the type: "
            "`- Add:` then `from: [a, b]` on the next line"
        )
    return 'a text value that contains ": " must be quoted: source: "Author: Title"'


def _refuse_foreign_tags(node: yaml.Node, path: str, seen: set[int] | None = None) -> None:
    """``!!python/object`` and friends name code; a description holds plain values only."""
    seen = set() if seen is None else seen
    if id(node) in seen:  # an alias to a node already checked (or a recursive anchor)
        return
    seen.add(id(node))
    if node.tag not in _CORE_TAGS:
        raise SpecError(
            f"YAML tag {node.tag!r} is not allowed: a description holds plain values only",
            position=position(path, node),
            code="CNN002",
        )
    if isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _refuse_foreign_tags(item, path, seen)
    elif isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            _refuse_foreign_tags(key, path, seen)
            _refuse_foreign_tags(value, path, seen)


def read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(f"cannot read {path}: {exc}", code="CNN001") from None


def scalar(node: yaml.ScalarNode, path: str) -> Any:
    """The Python value of a scalar node under YAML 1.2 core rules."""
    value: str = node.value
    tag = node.tag
    if tag == _STR_TAG:  # quoted scalars resolve to str too
        return value
    if tag.endswith(":null"):
        return None
    if tag.endswith(":bool"):
        return value.lower() == "true"
    if tag.endswith(":int"):
        digits = value.replace("_", "")
        return int(digits, 0) if digits[:2].lower() in ("0x", "0o") else int(digits, 10)
    if tag.endswith(":float"):
        lowered = value.lower()
        if lowered.endswith(".inf"):
            return -math.inf if lowered.startswith("-") else math.inf
        if lowered == ".nan":
            return math.nan
        return float(value.replace("_", ""))
    return value


def yaml11_boolean_text(value: object) -> str | None:
    """How a message names `yes`, `off`, …: booleans in YAML 1.1, text here (see the module
    docstring); None for any other value."""
    if isinstance(value, str) and value.lower() in ("yes", "no", "on", "off", "y", "n"):
        return f"the text '{value}' (write true or false)"
    return None
