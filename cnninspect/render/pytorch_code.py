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
from pathlib import Path
from typing import Any

from cnninspect.description.architecture import SCOPE_INPUT_NAMES, ArchSpec, LayerSpec
from cnninspect.description.expressions import IN_CHANNELS
from cnninspect.description.layer_types import LAYER_TYPES
from cnninspect.errors import TargetError

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
    parts = ["\n".join(header) + "\n\nimport torch\nfrom torch import nn"]
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
        parts.append(_class(block.name, args, block.layers, block.inputs, description))
    model = class_name(description.name)
    parts.append(_class(model, [], description.layers, ("in",), description))
    return "\n\n\n".join(parts) + "\n"


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
) -> str:
    required = [a for a in args if a[2]]
    optional = [a for a in args if not a[2]]
    params = "".join(f", {a}" for a, _, _ in required)
    params += "".join(f", {a}={_code(d)}" for a, d, _ in optional)
    init = [f"    def __init__(self{params}) -> None:", "        super().__init__()"]
    for layer in layers:
        if layer.type not in _MERGE_CODE and layer.type != "Concat":
            init += _assignment(_name(layer), _module(layer, description))
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
        return f"torch.cat([{', '.join(sources)}], dim={dim.value if dim else 1})"
    return f"self.{_name(layer)}({', '.join(sources)})"


def _module(layer: LayerSpec, description: ArchSpec) -> tuple[str, list[str], str]:
    """The module a layer is made of: (what is called, its arguments, how copies wrap it —
    "{}" for a single one)."""
    if layer.type in description.blocks:
        callee, kwargs = layer.type, _kwargs(layer)
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
    args = [f"{key}={_code(value)}" for key, value in kwargs.items()]
    if layer.repeat == 1:
        return callee, args, "{}"
    if isinstance(layer.repeat, int):
        return callee, args, "nn.Sequential(*({} for _ in range(" + str(layer.repeat) + ")))"
    return callee, args, "repeated(lambda: {}, " + _code(layer.repeat) + ")"  # 1 copy: itself


def _assignment(name: str, made: tuple[str, list[str], str]) -> list[str]:
    """``self.name = …`` as ruff formats it: on one line where it fits in 88 columns, else
    the arguments on a line of their own, else one per line (a magic trailing comma)."""
    callee, args, wrapper = made
    call = f"{callee}({', '.join(args)})"
    line = f"        self.{name} = {wrapper.format(call)}"
    if len(line) <= _WIDTH:
        return [line]
    return _exploded(f"        self.{name} = ", wrapper, callee, args)


def _exploded(head: str, wrapper: str, callee: str, args: list[str]) -> list[str]:
    before, _, after = wrapper.partition("{}")
    inside = "            " + ", ".join(args)
    if before == "" and len(inside) <= _WIDTH and args:
        return [f"{head}{callee}(", inside, f"        ){after}"]
    if before == "":
        return [f"{head}{callee}(", *(f"            {a}," for a in args), f"        ){after}"]
    # a wrapped copy: the wrapper's head, the call exploded one level deeper, its tail
    lines = [f"{head}{before}{callee}("]
    lines += [f"            {a}," for a in args]
    lines.append(f"        ){after}")
    return lines


def _kwargs(layer: LayerSpec) -> dict[str, Any]:
    return {k.key: k.value for k in layer.kwargs}


def _code(value: Any) -> str:
    """A description's value as Python: ``$planes`` → ``planes``, ``${planes * 4}`` →
    ``(planes * 4)``, a list → a tuple, text and numbers as themselves."""
    if isinstance(value, tuple):
        items = ", ".join(_code(v) for v in value)
        return f"({items},)" if len(value) == 1 else f"({items})"
    if isinstance(value, str):
        if (ref := _REFERENCE.match(value)) is not None:
            _refuse_in_channels(ref[1])
            return ref[1]
        if (arithmetic := _ARITHMETIC.match(value)) is not None:
            text = " ".join(arithmetic[1].split())
            if re.search(rf"\b{IN_CHANNELS}\b", text):
                _refuse_in_channels(IN_CHANNELS)
            return f"({text})"
    return repr(value)


def _refuse_in_channels(name: str) -> None:
    if name == IN_CHANNELS:
        raise TargetError(
            "export cannot yet write a block that computes with its input's channel count "
            f"(${{... {IN_CHANNELS} ...}}): torch's lazy modules know it only when called",
            hint="give the block the count as an argument of its own",
        )


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
