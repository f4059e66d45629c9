"""A drafted description as YAML text, written as the files in ``architectures/`` are: flow
mappings for keywords, a bare type where a layer has nothing else, ``name``/``from``/``repeat``
beside it, the declared input and ``expect`` that ``validate`` checks (torch-free; the same
draft gives the same bytes)."""

from __future__ import annotations

import json
import re
from typing import Any

from cnninspect.description.draft import Draft, DraftLayer

_PLAIN = re.compile(r"^\$?[A-Za-z_][A-Za-z0-9_.-]*$")  # text YAML reads back as this text
_WORDS = frozenset({"true", "false", "null", "yes", "no", "on", "off", "y", "n", "~"})


def yaml_description(draft: Draft) -> str:
    shape = "x".join(str(d) for d in draft.input_shape)
    lines = [
        f"# Exported by cnninspect from {draft.target} (input {shape}): one pass's calls, modules",
        "# of one structure as one block whose differing values are its arguments.",
        "cnninspect: 1",
        f"name: {_value(draft.name)}",
        f"source: {_value(draft.target)}",
        f"input: {_value(draft.input_shape)}",
    ]
    if draft.blocks:
        lines.append("blocks:")
    for block in draft.blocks:
        lines.append(f"  {block.name}:")
        if block.args:
            lines.append(f"    args: {_value(block.args)}")
        lines.append("    layers:")
        lines += [f"    {line}" for layer in block.layers for line in _layer(layer)]
    lines.append("layers:")
    lines += [line for layer in draft.layers for line in _layer(layer)]
    output = _value(draft.output_shape)
    lines.append(f"expect: {{output: {output}, params: {draft.params}}}")
    return "\n".join(lines) + "\n"


def _layer(layer: DraftLayer) -> list[str]:
    beside = []
    if layer.name is not None:
        beside.append(f"name: {_value(layer.name)}")
    if layer.sources:
        sources = layer.sources[0] if len(layer.sources) == 1 else layer.sources
        beside.append(f"from: {_value(sources)}")
    if layer.repeat != 1:
        beside.append(f"repeat: {_value(layer.repeat)}")
    if layer.kwargs:
        kwargs = ", ".join(f"{k}: {_value(v)}" for k, v in layer.kwargs)
        head = f"  - {layer.type}: {{{kwargs}}}"
    else:
        head = f"  - {layer.type}:" if beside else f"  - {layer.type}"
    return [head, *(f"    {b}" for b in beside)]


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, tuple | list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    text = str(value)
    if _PLAIN.match(text) and text.lower() not in _WORDS:
        return text
    return json.dumps(text)
