"""PyYAML composition with positions, YAML 1.2 scalars and no way to run code.

``yaml.compose`` with a SafeLoader gives a node tree that remembers where every node starts.
We turn scalars into values ourselves, with YAML 1.2 core rules instead of PyYAML's YAML 1.1:

- ``1e-4`` is a float (YAML 1.1 wants a dot, so PyYAML returns the string ``"1e-4"``);
- only ``true``/``false`` are booleans (``yes``, ``no``, ``on``, ``off`` stay strings, and the
  schema check then says what was meant instead of silently turning ``off`` into ``False``);
- ``010`` is ten, and ``1:20`` is a string, not the sexagesimal 80;
- ``1_000`` and ``0x_1F`` are strings (YAML 1.1 read them as 1000 and 31), so where a number
  is expected the schema check points at them.

Tags other than the core ones (``!!python/object`` and friends) are refused.
"""

from __future__ import annotations

import math
import re
from typing import Any

import yaml

from cnninspect.description.limits import Limits
from cnninspect.description.limits import current as current_limits
from cnninspect.errors import Position, SpecError

_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
# YAML 1.2 core schema (10.3.2): no underscores, no sign on 0x / 0o
_INT = re.compile(r"^(?:[-+]?[0-9]+|0x[0-9a-fA-F]+|0o[0-7]+)$")
_FLOAT = re.compile(
    r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
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


class _TooDeepError(Exception):
    def __init__(self, mark: Any) -> None:
        super().__init__()
        self.mark = mark


class _Loader(yaml.SafeLoader):
    """SafeLoader whose implicit resolvers follow YAML 1.2's core schema, and whose composer
    refuses nesting past ``depth_limit`` before it recurses into it (PyYAML's composer is
    recursive: 1,000 levels would exhaust Python's stack)."""

    depth_limit = 64
    nesting = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        opens = self.check_event(yaml.MappingStartEvent, yaml.SequenceStartEvent)
        if opens:
            self.nesting += 1
            if self.nesting > self.depth_limit:
                raise _TooDeepError(self.peek_event().start_mark)  # type: ignore[no-untyped-call]
        try:
            return super().compose_node(parent, index)
        finally:
            if opens:
                self.nesting -= 1


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


def compose(text: str, path: str, limits: Limits | None = None) -> yaml.Node | None:
    """Parse ``text`` into a node tree; syntax errors become located SpecErrors, and so does a
    tree that nests too deeply or that its aliases expand beyond ``limits``."""
    limits = limits or current_limits()
    if len(text) > limits.file_bytes:
        raise SpecError(
            f"the description is {len(text):,} characters long; {limits.advice('file_bytes')}",
            position=Position(path, 1, 1),
            code="CNN001",
        )
    loader = None
    try:
        loader = _Loader(text)  # its reader checks every character here
        loader.depth_limit = limits.depth
        root = loader.get_single_node()
    except _TooDeepError as exc:
        mark = exc.mark
        raise SpecError(
            f"the description nests more than {limits.depth} levels deep; "
            + limits.advice("depth"),
            position=Position(path, mark.line + 1, mark.column + 1) if mark else None,
            code="CNN001",
        ) from None
    except yaml.MarkedYAMLError as exc:
        raise _syntax_error(exc, text, path) from None
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow (NUL, controls)
        line, col = line_col(text, exc.position)
        raise SpecError(
            f"character {exc.character!r} is not allowed in a YAML file",
            position=Position(path, line, col),
            hint="a description is plain UTF-8 text: is this the right file?",
            code="CNN001",
        ) from None
    except yaml.YAMLError as exc:
        raise SpecError(f"YAML syntax error: {exc}", code="CNN001") from None
    finally:
        if loader is not None:
            loader.dispose()
    if root is not None:
        _check_expansion(root, path, limits)
        _refuse_foreign_tags(root, path)
    return root


def _syntax_error(exc: yaml.MarkedYAMLError, text: str, path: str) -> SpecError:
    mark: Any = exc.problem_mark or exc.context_mark  # PyYAML's Mark, or our own _Mark
    problem = exc.problem or exc.context or "invalid YAML"
    opener = exc.context_mark
    unclosed = exc.context is not None and "flow" in exc.context and opener is not None
    at_end = mark is not None and mark.index >= len(text.rstrip())
    hint = None
    if unclosed and (at_end or (exc.problem or "").startswith("expected ','")):
        bracket = "{" if "mapping" in (exc.context or "") else "["
        problem = f"the `{bracket}` here is never closed ({problem})"
        mark = opener  # where the reader can fix it, not where the parser gave up
    elif at_end and opener is not None and exc.context:  # an unclosed quote, …
        what = "quote" if "quoted" in exc.context else exc.context.removeprefix("while ")
        problem = f"the {what} here is never closed ({problem})"
        mark = opener
    elif exc.context and problem.startswith("but "):  # PyYAML splits one sentence in two
        problem = f"{exc.context}, {problem}"
        if "another document" in problem:
            hint = "a description is one YAML document: remove the `---` line and what follows"
    if "<document start>" in problem:
        hint = "a line `...` ends the YAML document: remove it"
        mark = _document_end(text) or mark
    where = Position(path, mark.line + 1, mark.column + 1) if mark else None
    hint = hint or _syntax_hint(problem, text, mark.line if mark else None)
    return SpecError(f"YAML syntax error: {problem}", position=where, hint=hint, code="CNN001")


class _Mark:
    """A line and column (0-based) found by scanning the text ourselves."""

    def __init__(self, line: int, column: int) -> None:
        self.line, self.column = line, column


def _document_end(text: str) -> _Mark | None:
    """The line of a stray `...` document end marker."""
    for number, line in enumerate(text.splitlines()):
        if line.rstrip() == "...":
            return _Mark(number, 0)
    return None


def line_col(text: str, index: int) -> tuple[int, int]:
    """1-based line and column of the character at ``index``."""
    before = text[:index]
    return before.count("\n") + 1, index - (before.rfind("\n") + 1) + 1


def _check_expansion(root: yaml.Node, path: str, limits: Limits) -> None:
    """Count the nodes the tree holds once every alias is expanded (a "billion laughs" file is
    small but expands to 10⁹ nodes), and refuse an alias that contains itself."""
    sizes: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        if done:
            on_path.discard(id(node))
            sizes[id(node)] = 1 + sum(sizes[id(c)] for c in _children(node))
            if sizes[id(node)] > limits.nodes:
                raise SpecError(
                    f"its aliases expand the description to more than {limits.nodes:,} values; "
                    + limits.advice("nodes"),
                    position=position(path, node),
                    code="CNN001",
                )
            continue
        if id(node) in sizes:
            continue
        if id(node) in on_path:
            raise SpecError(
                "this anchor contains an alias to itself: the value would be infinite",
                position=position(path, node),
                code="CNN001",
            )
        on_path.add(id(node))
        stack.append((node, True))
        stack.extend((child, False) for child in _children(node) if id(child) not in sizes)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [item for pair in node.value for item in pair]
    return []


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


_SURROGATE = re.compile("[\ud800-\udfff]")


def scalar(node: yaml.ScalarNode, path: str, limits: Limits | None = None) -> Any:
    """The Python value of a scalar node under YAML 1.2 core rules. An explicit tag whose text
    is not of its type (``!!int abc``, ``!!bool yes``) and an integer longer than the limit are
    located errors."""
    value: str = node.value
    tag = node.tag
    if _SURROGATE.search(value):  # a "\ud800" escape: half of a UTF-16 pair, no character
        raise SpecError(
            f"{ascii(value)[:40]} holds a lone surrogate escape: it is not a Unicode character",
            position=position(path, node),
            hint="write the character itself, or a \\U escape of its code point",
            code="CNN002",
        )
    if tag == _STR_TAG:  # quoted scalars resolve to str too
        return value
    kind = tag.rsplit(":", 1)[-1]
    pattern = {"null": _NULL, "bool": _BOOL, "int": _INT, "float": _FLOAT}.get(kind)
    if pattern is not None and not (
        pattern.match(value) or (kind == "float" and _INT.match(value))
    ):
        raise SpecError(
            f"'{value}' is not a YAML {kind}",
            position=position(path, node),
            hint="write true or false" if kind == "bool" else None,
            code="CNN002",
        )
    if kind == "null":
        return None
    if kind == "bool":
        return value.lower() == "true"
    if kind == "int":
        _check_digits(value, path, node, limits or current_limits())
        return _integer(value)
    if kind == "float":
        lowered = value.lower()
        if lowered.endswith(".inf"):
            return -math.inf if lowered.startswith("-") else math.inf
        if lowered == ".nan":
            return math.nan
        try:
            return float(value)
        except ValueError:  # `!!float 0x10`
            raise SpecError(
                f"'{value}' is not a YAML float", position=position(path, node), code="CNN002"
            ) from None
    return value


def _check_digits(value: str, path: str, node: yaml.Node, limits: Limits) -> None:
    """Python refuses to read integers of over 4,300 digits; cnninspect stops far earlier."""
    digits = value.lstrip("+-")
    if digits[:2].lower() in ("0x", "0o"):
        digits = digits[2:]
    if len(digits) > limits.integer_digits:
        raise SpecError(
            f"the integer {value[:12]}… has {len(digits):,} digits; "
            + limits.advice("integer_digits"),
            position=position(path, node),
            code="CNN002",
        )


def _integer(text: str) -> int:
    """A YAML 1.2 core int (the pattern matched): decimal, ``0x`` hexadecimal or ``0o`` octal."""
    return int(text, 0) if text[:2] in ("0x", "0o") else int(text, 10)


def yaml11_boolean_text(value: object) -> str | None:
    """How a message names `yes`, `off`, …: booleans in YAML 1.1, text here (see the module
    docstring); None for any other value."""
    if isinstance(value, str) and value.lower() in ("yes", "no", "on", "off", "y", "n"):
        return f"the text '{value}' (write true or false)"
    return None
