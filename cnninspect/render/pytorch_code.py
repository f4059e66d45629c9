"""A description as PyTorch code (``cnninspect export DESCRIPTION --to pytorch``): one readable
file that imports only torch — a class per block, the model's class last — whose modules are
named as the description names its layers, so that its state-dict keys are those of the module
cnninspect builds.

What the description infers (``in_channels``, ``in_features``, ``num_features``) torch infers
too: the layer becomes torch's lazy twin (``nn.LazyConv2d(64, kernel_size=3)``), whose sizes
are set by the first call. ``repeat`` becomes an ``nn.Sequential`` of copies; a merge (``Add``,
``Concat``, ``Mul``) is plain code in ``forward``. Torch-free: the text is written from the
description's values.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cnninspect.description.architecture import SCOPE_INPUT_NAMES, ArchSpec, LayerSpec
from cnninspect.description.expressions import IN_CHANNELS
from cnninspect.description.layer_types import LAYER_TYPES
from cnninspect.errors import TargetError
from cnninspect.render.pytorch_channels import (
    Channels,
    block_output,
    layer_channels,
    needing_in_channels,
    passed,
)
from cnninspect.render.pytorch_operations import needs_literal, operation_classes

_MERGE_CODE = {"Add": " + ", "Mul": " * "}
_WIDTH = 88  # ruff format's default line length: the file passes `ruff format --check`
_LAZY_INFERRED = ("in_channels", "in_features", "num_features")  # torch's Lazy* modules infer
_REFERENCE = re.compile(r"^\$([A-Za-z_][A-Za-z0-9_]*)$")
_ARITHMETIC = re.compile(r"^\$\{(.*)\}$", re.DOTALL)


def pytorch_code(description: ArchSpec) -> str:
    """The description as one Python file (ruff-formatted by the caller's tools or not: it is
    written in that style already)."""
    name, path = _docstring(description.name), _docstring(_shown(description.path))
    header = [f'"""{name}: exported by cnninspect from {path}.']
    if description.source:
        header.append(f"\nSource: {_docstring(description.source)}.")
    if description.description:
        header.append(f"\n{_docstring(description.description)}")
    shape = ", ".join(str(d) for d in description.input_shape)
    header.append(
        f"\nInput: one tensor of ({shape}) per sample. Layers that infer their input size are "
        "torch's\nlazy modules: call the model once (or load a state dict) before counting "
        'its parameters.\n"""'
    )
    own = operation_classes(_own_types(description))
    imports = ("\n\nfrom typing import Literal\n\n" if needs_literal(own) else "\n\n") + (
        "import torch\nfrom torch import nn"
    )
    parts = ["\n".join(header) + imports, *own]
    counted = [layer for b in description.blocks.values() for layer in b.layers]
    if any(not isinstance(layer.repeat, int) for layer in [*counted, *description.layers]):
        parts.append(_REPEATED)
    for block in description.blocks.values():
        if not block.name.isidentifier() or keyword.iskeyword(block.name):
            raise TargetError(
                f"block '{block.name}' is not a Python name: it would be the exported class's",
                hint="rename it with letters, digits and '_'",
            )
        args = [(a.name, a.default, a.required) for a in block.args]
        if block.name in needing_in_channels(description):
            args.insert(0, (IN_CHANNELS, None, True))
        parts.append(_class(block.name, args, block.layers, block.inputs, description))
    model = class_name(description.name)
    parts.append(_class(model, [], description.layers, ("in",), description, model=True))
    return "\n\n\n".join(parts) + "\n"


def _own_types(description: ArchSpec) -> list[str]:
    """cnninspect's own layer types the description uses, by name."""
    layers = [*(layer for b in description.blocks.values() for layer in b.layers)]
    layers += description.layers
    kinds = [LAYER_TYPES.get(layer.type) for layer in layers]
    return sorted({kind.name for kind in kinds if kind is not None and kind.own})


def _docstring(text: str) -> str:
    """Text from the description inside the file's docstring, as text: a backslash or a quote
    in it can neither end the docstring nor become code (a description never runs code, not
    even in the file it is exported to)."""
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _class(
    name: str,
    args: Sequence[tuple[str, Any, bool]],
    layers: Sequence[LayerSpec],
    inputs: Sequence[str],
    description: ArchSpec,
    *,
    model: bool = False,
) -> str:
    required = [a for a in args if a[2]]
    optional = [a for a in args if not a[2]]
    params = "".join(f", {a}" for a, _, _ in required)
    params += "".join(f", {a}={_code(d)}" for a, d, _ in optional)
    init = [*_signature(f"self{params}"), "        super().__init__()"]
    received = _received(layers, inputs, description, model=model)
    for layer in layers:
        if layer.type not in _MERGE_CODE and layer.type != "Concat":
            made = _module(layer, description, received)
            init += _lines(made, 8, head=f"self.{_name(layer)} = ")
    variables = {name: _variable(name, i) for i, name in enumerate(inputs)}
    signature = ", ".join(f"{v}: torch.Tensor" for v in variables.values())
    forward = [f"    def forward(self, {signature}) -> torch.Tensor:"]
    last = variables[inputs[0]]
    for layer in layers:
        sources = [_source(s, variables, inputs) for s in layer.sources] or [last]
        forward.append(f"        {_name(layer)} = {_call(layer, sources)}")
        last = _name(layer)
        variables[layer.name] = last
    forward.append(f"        return {last}")
    return "\n".join([f"class {name}(nn.Module):", *init, "", *forward])


_REPEATED = '''def repeated(make, count: int) -> nn.Module:
    """A layer repeated `count` times, as the description builds it: several copies in an
    nn.Sequential, one copy as itself, none as an empty nn.Sequential (the input passes)."""
    if count == 1:
        return make()
    return nn.Sequential(*(make() for _ in range(count)))'''


def _call(layer: LayerSpec, sources: Sequence[str]) -> str:
    if layer.type in _MERGE_CODE:
        return _MERGE_CODE[layer.type].join(sources)
    if layer.type == "Concat":
        dim = layer.kwarg("dim")
        if dim is not None and (isinstance(dim.value, bool) or not isinstance(dim.value, int)):
            # (the reader refuses other values; a file's text never becomes code unchecked)
            raise TargetError(
                f"{layer.name}: Concat's dim is exported as a number, not {dim.value!r}",
                hint="write the dimension as a number in the description",
            )
        return f"torch.cat([{', '.join(sources)}], dim={dim.value if dim else 1})"
    return f"self.{_name(layer)}({', '.join(sources)})"


def _received(
    layers: Sequence[LayerSpec], inputs: Sequence[str], description: ArchSpec, *, model: bool
) -> dict[str, Channels]:
    """The channel count each layer receives: the model's input is a number, a block's first
    input its ``in_channels`` argument."""
    first: Channels = description.input_shape[0] if model else IN_CHANNELS
    given: dict[str, Channels] = dict.fromkeys(inputs) | {inputs[0]: first}
    return layer_channels(layers, given, description, lambda u: _block_args(u, description))


def _block_args(layer: LayerSpec, description: ArchSpec) -> dict[str, str]:
    """A block use's arguments as Python text, its defaults included."""
    block = description.blocks.get(layer.type)
    if block is None:
        return {}
    defaults = {a.name: _code(a.default) for a in block.args if not a.required}
    return defaults | {k: _code(v) for k, v in _kwargs(layer).items()}


def _in_channels(layer: LayerSpec, description: ArchSpec, received: Channels) -> str:
    """``in_channels`` for a use of a block computing with it; each copy of a repeat must
    receive the same count (its output's), or the copies could not be made alike."""
    text = passed(received, layer)
    if layer.repeat != 1:
        args_of = lambda u: _block_args(u, description)  # noqa: E731 (one line, used once)
        if str(block_output(layer, received, description, args_of, once=True)) != text:
            passed(None, layer)  # copies that grow the count each need their own: refused
    return text


def _module(layer: LayerSpec, description: ArchSpec, received: Mapping[str, Channels]) -> _Call:
    """The call that makes a layer's module (its copies, where it repeats)."""
    if layer.type in description.blocks:
        callee, kwargs = layer.type, _kwargs(layer)
        if layer.type in needing_in_channels(description):
            count = _in_channels(layer, description, received[layer.name])
            kwargs = {IN_CHANNELS: _Raw(count), **kwargs}
    else:
        layer_type = LAYER_TYPES[layer.type]
        kwargs = _kwargs(layer)
        # what the description infers, torch infers: a declared size (checked by validate,
        # never used by the build) is dropped for the lazy twin, as the builder uses the actual
        lazy = layer_type.inferred in _LAZY_INFERRED
        if lazy:
            kwargs.pop(layer_type.inferred or "", None)
        elif layer_type.inferred is not None and layer_type.inferred not in kwargs:
            raise TargetError(
                f"{layer.name} ({layer.type}, line {layer.position.line}): torch has no lazy "
                f"{layer.type} to infer its {layer_type.inferred}",
                hint=f"declare it in the description ({layer_type.inferred}: …) to export it",
            )
        callee = f"nn.Lazy{layer.type}" if lazy else f"nn.{layer.type}"
        callee = layer.type if layer_type.own else callee
    call = _Call(callee, tuple(f"{key}={_code(value)}" for key, value in kwargs.items()))
    if layer.repeat == 1:
        return call
    if isinstance(layer.repeat, int):
        return _Call(
            "nn.Sequential", (_Call("", (call,), f" for _ in range({layer.repeat})", "*"),)
        )
    # a computed count: 1 copy is the module itself, as the description builds it
    return _Call(
        "repeated", (_Call(call.callee, call.args, prefix="lambda: "), _code(layer.repeat))
    )


@dataclass(frozen=True, slots=True)
class _Call:
    """A call in the exported code, laid out as ruff formats it (``_lines``). With an empty
    callee and a ``tail``, a generator: ``*(copy for _ in range(3))``."""

    callee: str
    args: tuple[str | _Call, ...]
    tail: str = ""
    prefix: str = ""


def _flat(node: str | _Call) -> str:
    if isinstance(node, str):
        return node
    return f"{node.prefix}{node.callee}({', '.join(_flat(a) for a in node.args)}{node.tail})"


def _lines(node: str | _Call, indent: int, head: str = "", end: str = "") -> list[str]:
    """``node`` on one line where it fits in 88 columns, else its arguments on a line of their
    own, else one per line (a magic trailing comma), each laid out the same way."""
    pad = " " * indent
    one = f"{pad}{head}{_flat(node)}{end}"
    if isinstance(node, str) or len(one) <= _WIDTH:
        return [one]
    opened, closed = f"{pad}{head}{node.prefix}{node.callee}(", f"{pad}){end}"
    if node.tail:  # a generator: its element, then its loop, each on a line
        element = _lines(node.args[0], indent + 4)
        return [opened, *element, f"{pad}    {node.tail.strip()}", closed]
    hugged = f"{pad}    {', '.join(_flat(a) for a in node.args)}"
    if node.args and len(hugged) <= _WIDTH:
        return [opened, hugged, closed]
    inner = [line for a in node.args for line in _lines(a, indent + 4, end=",")]
    return [opened, *inner, closed]


def _kwargs(layer: LayerSpec) -> dict[str, Any]:
    return {k.key: k.value for k in layer.kwargs}


class _Raw(str):
    """Python text already, written as it is."""


def _code(value: Any) -> str:
    """A description's value as Python: ``$planes`` → ``planes``, ``${planes * 4}`` →
    ``(planes * 4)``, a list → a tuple, text and numbers as themselves."""
    if isinstance(value, _Raw):
        return str(value)
    if isinstance(value, tuple):
        items = ", ".join(_code(v) for v in value)
        return f"({items},)" if len(value) == 1 else f"({items})"
    if isinstance(value, str):
        if (ref := _REFERENCE.match(value)) is not None:
            return ref[1]
        if (arithmetic := _ARITHMETIC.match(value)) is not None:
            return f"({' '.join(arithmetic[1].split())})"
    if isinstance(value, str):  # ruff's quotes: double, unless the text holds one
        plain = value.isprintable() and not {"\\", '"'} & set(value)
        return f'"{value}"' if plain else repr(value)
    return repr(value)


def _signature(params: str) -> list[str]:
    """``def __init__(…) -> None:`` as ruff lays it out where it is longer than a line."""
    line = f"    def __init__({params}) -> None:"
    if len(line) <= _WIDTH:
        return [line]
    if len(f"        {params}") <= _WIDTH:
        return ["    def __init__(", f"        {params}", "    ) -> None:"]
    return ["    def __init__(", *(f"        {p}," for p in params.split(", ")), "    ) -> None:"]


def _name(layer: LayerSpec) -> str:
    if not layer.name.isidentifier() or keyword.iskeyword(layer.name):
        raise TargetError(
            f"layer '{layer.name}' (line {layer.position.line}) is not a Python name: the "
            "exported module's attribute must carry it for the state-dict keys to match",
            hint="rename it with letters, digits and '_'",
        )
    return layer.name


def _variable(input_name: str, index: int) -> str:
    return "x" if index == 0 else input_name


def _source(name: str, variables: Mapping[str, str], inputs: Sequence[str]) -> str:
    if name in SCOPE_INPUT_NAMES:
        return variables[inputs[0]]
    return variables[name]


def _shown(path: str) -> str:
    """The description's file as the header names it: relative to the working directory where
    it lies inside it, else its name (the same text on every machine)."""
    whole = Path(path).resolve()
    try:
        return whole.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return whole.name


def class_name(name: str) -> str:
    words = re.split(r"[^A-Za-z0-9]+", name)
    text = "".join(w[:1].upper() + w[1:] for w in words if w)
    return text if text and text[0].isalpha() else f"Model{text}"
