"""Reading a composed YAML node tree: mappings without duplicate or unknown keys, lists,
scalars under YAML 1.2 core rules — each mistake a SpecError at the node's file:line:col."""

from __future__ import annotations

from dataclasses import dataclass, field

import yaml

from cnninspect.description import yamlnodes
from cnninspect.description.architecture import Scalar, Value
from cnninspect.description.layer_types import did_you_mean
from cnninspect.description.limits import Limits
from cnninspect.description.limits import current as current_limits
from cnninspect.errors import Position, SpecError


@dataclass
class NodeReader:
    path: str
    limits: Limits = field(default_factory=current_limits)

    def pos(self, node: yaml.Node) -> Position:
        return yamlnodes.position(self.path, node)

    def fail(
        self, message: str, node: yaml.Node, *, code: str = "CNN002", hint: str = ""
    ) -> SpecError:
        return SpecError(message, position=self.pos(node), hint=hint or None, code=code)

    def mapping(
        self, node: yaml.Node, what: str, allowed: tuple[str, ...] | None = None
    ) -> dict[str, tuple[yaml.Node, yaml.Node]]:
        """Keys → (key node, value node); duplicate and unknown keys are errors. A merge key
        (``<<: *anchor``, or a list of anchors) brings in the anchored mappings' keys where
        the mapping does not give them, the first anchor first, as YAML 1.1 and PyYAML do."""
        if not isinstance(node, yaml.MappingNode):
            raise self.fail(f"{what} must be a mapping (key: value), got {_kind(node)}", node)
        items: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        merged: list[tuple[str, tuple[yaml.Node, yaml.Node]]] = []
        for key_node, value_node in node.value:
            if _is_merge_key(key_node):
                merged += self.merged(key_node, value_node, what, allowed)
                continue
            key = self.scalar(key_node, f"a key in {what}")
            if not isinstance(key, str):
                raise self.fail(f"keys in {what} must be names, got {key!r}", key_node)
            if key in items:
                first = self.pos(items[key][0])
                raise self.fail(
                    f"duplicate key '{key}' in {what} (first at line {first.line})",
                    key_node,
                    code="CNN005",
                    hint="YAML would silently keep only the last one",
                )
            if allowed is not None and key not in allowed:
                raise self.fail(
                    f"unknown key '{key}' in {what}{did_you_mean(key, allowed)}",
                    key_node,
                    hint=f"allowed keys: {', '.join(allowed)}",
                )
            items[key] = (key_node, value_node)
        for key, pair in merged:
            items.setdefault(key, pair)  # the mapping's own keys win, then the first anchor
        return items

    def merged(
        self, key_node: yaml.Node, value_node: yaml.Node, what: str, allowed: tuple[str, ...] | None
    ) -> list[tuple[str, tuple[yaml.Node, yaml.Node]]]:
        """The keys a merge key brings in, located where the anchored mapping writes them."""
        sources = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
        if not all(isinstance(source, yaml.MappingNode) for source in sources):
            written = self.pos(value_node)
            raise self.fail(
                f"'<<' merges mappings into {what}, got {_kind(value_node)} "
                f"(written at line {written.line}, column {written.col})",
                key_node,
                hint="anchor a mapping (`- Conv2d: &base {kernel_size: 3}`) and merge it with "
                "`<<: *base`, or several with `<<: [*a, *b]`",
            )
        return [pair for source in sources for pair in self.mapping(source, what, allowed).items()]

    def sequence(self, node: yaml.Node, what: str) -> list[yaml.Node]:
        if not isinstance(node, yaml.SequenceNode):
            raise self.fail(f"{what} must be a list, got {_kind(node)}", node)
        return list(node.value)

    def scalar(self, node: yaml.Node, what: str) -> Scalar:
        if not isinstance(node, yaml.ScalarNode):
            raise self.fail(f"{what} must be a single value, got {_kind(node)}", node)
        value: Scalar = yamlnodes.scalar(node, self.path, self.limits)
        return value

    def string(self, node: yaml.Node, what: str) -> str:
        value = self.scalar(node, what)
        if not isinstance(value, str):
            raise self.fail(f"{what} must be text, got {described(value)}", node)
        return value

    def value(self, node: yaml.Node, what: str) -> Value:
        """A keyword value: a scalar or a (nested) list of scalars."""
        if isinstance(node, yaml.SequenceNode):
            return tuple(self.value(item, what) for item in node.value)
        return self.scalar(node, what)


def is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _is_merge_key(node: yaml.Node) -> bool:
    """``<<`` written plain: a quoted '<<' is an ordinary key."""
    return isinstance(node, yaml.ScalarNode) and node.value == "<<" and node.style is None


def _kind(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    return f"'{node.value}'"


def described(value: object) -> str:
    return yamlnodes.yaml11_boolean_text(value) or repr(value)
