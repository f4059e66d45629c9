"""JSON Schemas of the JSON that cnninspect prints, generated from the renderers' own types.

Each JSON renderer builds its document as a ``TypedDict`` (``SummaryDocument``,
``ValidateDocument``, …) that mypy holds the builder to; this module turns those types into
JSON Schema (draft 2020-12): every key required, no other key allowed, ``X | None`` nullable,
``Literal`` an enum, the schema name and version constant. ``cnninspect schema --output KIND``
prints one; the committed copies live in ``schema/KIND.schema.json``.
"""

from __future__ import annotations

import types
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints, is_typeddict

from cnninspect.choices import SCHEMA_VERSIONS, OutputKind
from cnninspect.render.diff.json_output import DiffDocument
from cnninspect.render.listing import ListDocument
from cnninspect.render.memory.json_output import MemoryDocument
from cnninspect.render.min_input import MinInputDocument
from cnninspect.render.summary.json_output import SummaryDocument
from cnninspect.render.validation.json_output import ValidateDocument

DOCUMENTS: dict[OutputKind, type] = {
    "summary": SummaryDocument,
    "validate": ValidateDocument,
    "diff": DiffDocument,
    "list": ListDocument,
    "min-input": MinInputDocument,
    "memory": MemoryDocument,
}
DIALECT = "https://json-schema.org/draft/2020-12/schema"


def output_schema(kind: OutputKind) -> dict[str, Any]:
    """The JSON Schema of ``cnninspect KIND --format json`` (a key of DOCUMENTS)."""
    document = DOCUMENTS[kind]
    definitions: dict[str, Any] = {}
    root = _object(document, definitions)
    root["properties"]["schema"] = {"const": f"cnninspect.{kind}"}
    root["properties"]["schema_version"] = {"const": SCHEMA_VERSIONS[kind]}
    return {
        "$schema": DIALECT,
        "$id": f"https://cnninspect.dev/schema/{kind}-v{SCHEMA_VERSIONS[kind]}.json",
        "title": f"cnninspect {kind} output, schema version {SCHEMA_VERSIONS[kind]}",
        **root,
        "$defs": dict(sorted(definitions.items())),
    }


def _object(kind: type, definitions: dict[str, Any]) -> dict[str, Any]:
    hints = get_type_hints(kind)
    schema: dict[str, Any] = {"type": "object"}
    if kind.__doc__:
        schema["description"] = " ".join(kind.__doc__.split())
    schema["required"] = list(hints)
    schema["additionalProperties"] = False
    schema["properties"] = {name: _type(hint, definitions) for name, hint in hints.items()}
    return schema


def _type(hint: Any, definitions: dict[str, Any]) -> dict[str, Any]:
    """The schema of one annotation."""
    origin = get_origin(hint)
    if hint is Any:
        return {}
    if is_typeddict(hint):
        if hint.__name__ not in definitions:
            definitions[hint.__name__] = {}  # a placeholder first: recursion stops here
            definitions[hint.__name__] = _object(hint, definitions)
        return {"$ref": f"#/$defs/{hint.__name__}"}
    if origin is Literal:
        return {"enum": list(get_args(hint))}
    if origin in (Union, types.UnionType):
        options = [_type(arg, definitions) for arg in get_args(hint)]
        return options[0] if len(options) == 1 else {"anyOf": options}
    if origin is list:
        (item,) = get_args(hint)
        return {"type": "array", "items": _type(item, definitions)}
    if origin is dict:
        key, value = get_args(hint)
        assert key is str, f"JSON object keys are strings, not {key}"
        return {"type": "object", "additionalProperties": _type(value, definitions)}
    scalars: dict[Any, str] = {bool: "boolean", int: "integer", float: "number", str: "string"}
    if hint is type(None):
        return {"type": "null"}
    if hint in scalars:
        return {"type": scalars[hint]}
    raise TypeError(f"no JSON Schema for {hint!r}")  # a new kind of field: teach it here
