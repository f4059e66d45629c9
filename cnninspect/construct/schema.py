"""The JSON Schema of the YAML format, generated from the layer registry and torch's signatures.

Editors use it for completion (``# yaml-language-server: $schema=...``); ``cnninspect schema``
prints it and ``schema/cnninspect.schema.json`` is a committed copy that a test keeps current.
"""

from __future__ import annotations

import types
import typing
from typing import Any

from cnninspect.description.architecture import FORMAT_VERSION
from cnninspect.description.layer_types import LAYER_TYPES

_ARG_REF = {"type": "string", "pattern": r"^\$([A-Za-z_][A-Za-z0-9_]*|\{.*\})$"}
_SHAPE = {"type": "array", "items": {"type": ["integer", "null"], "minimum": 1}}
_SHAPE_OR_REF = {"type": "array", "items": {"anyOf": [{"type": ["integer", "null"]}, _ARG_REF]}}
_PARAMS = {"anyOf": [{"type": "integer", "minimum": 0}, {"type": "string"}]}
_EXPECT_LAYER = {
    "anyOf": [
        _SHAPE_OR_REF,
        {
            "type": "object",
            "properties": {"shape": _SHAPE_OR_REF, "params": _PARAMS},
            "additionalProperties": False,
        },
    ]
}


def _json_type(annotation: Any) -> dict[str, Any]:
    """A JSON Schema for a constructor annotation; unknown annotations accept anything."""
    simple = {bool: "boolean", int: "integer", float: "number", str: "string", type(None): "null"}
    if annotation in simple:
        return {"type": simple[annotation]}
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        return {"anyOf": [_json_type(a) for a in args]}
    if origin is typing.Literal:
        return {"enum": list(args)}
    if origin in (tuple, list):
        item = args[0] if args else Any
        return {"type": "array", "items": _json_type(item)}
    return {}


def _layer_schema(type_name: str) -> dict[str, Any]:
    from cnninspect.construct.keywords import constructor_parameters

    properties = {
        p.name: {"anyOf": [_json_type(p.annotation), _ARG_REF]} if _json_type(p.annotation) else {}
        for p in constructor_parameters(type_name)
    }
    # YAML's merge key (`<<: *anchor`): merged by the reader, so an editor's check allows it
    merged = {"description": "merge the keys of anchored mappings (<<: *name, <<: [*a, *b])"}
    kwargs = {
        "type": ["object", "null"],
        "properties": {**properties, "<<": merged},
        "additionalProperties": False,
    }
    reserved = {
        "name": {"type": "string"},
        "from": {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
        "repeat": {"anyOf": [{"type": "integer", "minimum": 1}, _ARG_REF]},
        "expect": _EXPECT_LAYER,
        "note": {"type": "string"},
    }
    return {
        "type": "object",
        "properties": {type_name: kwargs, **reserved},
        "required": [type_name],
        "additionalProperties": False,
    }


def _blocks_schema(layers: dict[str, Any]) -> dict[str, Any]:
    """``blocks:``: each a name with its arguments, inputs and layers."""
    return {
        "type": "object",
        "additionalProperties": {
            "type": "object",
            "required": ["layers"],
            "additionalProperties": False,
            "properties": {
                "args": {
                    "anyOf": [
                        {"type": "object"},
                        {"type": "array", "items": {"type": "string"}},
                    ]
                },
                "inputs": {"type": "array", "items": {"type": "string"}},
                "layers": layers,
                "note": {"type": "string"},
            },
        },
    }


def json_schema() -> dict[str, Any]:
    names = sorted(LAYER_TYPES)
    block_use = {
        "type": "object",
        "description": "a block defined under `blocks:`, used like a layer type",
        "minProperties": 1,
    }
    layer = {
        "anyOf": [
            {"type": "string", "description": "a bare layer type or block name"},
            *(_layer_schema(n) for n in names),
            block_use,
        ]
    }
    layers = {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/layer"}}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://cnninspect.dev/schema/v1.json",
        "title": "cnninspect architecture description, format version 1",
        "type": "object",
        "required": ["cnninspect", "input", "layers"],
        "additionalProperties": False,
        "properties": {
            "cnninspect": {"const": FORMAT_VERSION},
            "name": {"type": "string"},
            "source": {"type": "string"},
            "description": {"type": "string"},
            "input": {
                "type": "array",
                "items": {"type": "integer", "minimum": 1},
                "minItems": 1,
                "maxItems": 4,
            },
            "notation": {"enum": ["chw", "hwc"]},
            "blocks": _blocks_schema(layers),
            "layers": layers,
            "expect": {
                "type": "object",
                "properties": {"output": _SHAPE, "params": _PARAMS},
                "additionalProperties": False,
            },
        },
        "$defs": {"layer": layer, "layer_types": {"enum": names}},
    }
