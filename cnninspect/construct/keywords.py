"""torch's constructor signatures as the contract of a YAML layer: which keywords a layer type
takes, and whether a value from the file fits the annotation torch gives it."""

from __future__ import annotations

import functools
import inspect
import math
import types
import typing
from collections.abc import Mapping
from typing import Any

from torch import nn

from cnninspect.construct.modules import MERGES
from cnninspect.construct.operations import OPERATIONS
from cnninspect.description.architecture import ArchSpec, LayerSpec
from cnninspect.description.layer_types import LAYER_TYPES, did_you_mean
from cnninspect.description.yamlnodes import yaml11_boolean_text
from cnninspect.errors import BuildError

# Keywords a description may not set: cnninspect decides where and in which dtype to run.
_RESERVED_KWARGS = ("device", "dtype")
# Sizes and counts: 0 makes an empty tensor (or a division by zero) and torch accepts some of
# them on the meta device, or even on cpu (Linear(…, 0)); a description never means that.
_AT_LEAST_ONE = (
    "out_channels",
    "out_features",
    "kernel_size",
    "stride",
    "dilation",
    "groups",
    "output_size",
    "size",
    "num_groups",
    "upscale_factor",
    "downscale_factor",
)
_NOT_NEGATIVE = ("padding", "output_padding")  # of convolutions and pools: pad layers crop
_WINDOWED_PREFIXES = ("Conv", "MaxPool", "AvgPool", "LPPool")
_UPSAMPLE_MODES = ("nearest", "linear", "bilinear", "bicubic", "trilinear", "area", "nearest-exact")


def layer_class(type_name: str) -> type[nn.Module]:
    """The torch class behind a registered layer type."""
    if type_name in MERGES:
        return MERGES[type_name]
    if type_name in OPERATIONS:
        return OPERATIONS[type_name]
    cls: type[nn.Module] = getattr(nn, type_name)
    return cls


@functools.cache  # a signature is read once per type, not once per layer
def constructor_parameters(type_name: str) -> tuple[inspect.Parameter, ...]:
    """The keywords a description may give a layer type (torch's constructor signature)."""
    cls = layer_class(type_name)
    # cnninspect's own classes are annotated as text (postponed annotations): read as types,
    # so that their keywords are checked as torch's are (Concat's dim is an int)
    signature = inspect.signature(cls, eval_str=cls.__module__.startswith("cnninspect."))
    return tuple(
        p
        for p in signature.parameters.values()
        if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and p.name not in _RESERVED_KWARGS
    )


def check_keywords(
    layer: LayerSpec,
    kwargs: Mapping[str, Any],
    parameters: Mapping[str, inspect.Parameter],
    qualname: str,
) -> None:
    """Every keyword is one the constructor takes (CNN004), with a value its annotation
    accepts (CNN002), located at the key or the value; the first mistake is raised."""
    for key, value in kwargs.items():
        if (mistake := keyword_mistake(layer, key, value, parameters, qualname)) is not None:
            raise mistake


def keyword_mistakes(description: ArchSpec) -> list[BuildError]:
    """Every keyword of every layer, of the model and of its blocks, checked before anything
    is built: a file's mistakes are reported at once. A value that names a block's argument
    (``$planes``) is checked where the block is used, when it is built."""
    scopes = [("", description.layers)]
    scopes += [(f"{name}.", block.layers) for name, block in description.blocks.items()]
    mistakes = []
    for prefix, layers in scopes:
        for layer in layers:
            if layer.type not in LAYER_TYPES:
                continue  # a block's use: its arguments are the block's
            parameters = {p.name: p for p in constructor_parameters(layer.type)}
            for kwarg in layer.kwargs:
                if _names_an_argument(kwarg.value):
                    continue
                mistake = keyword_mistake(
                    layer, kwarg.key, kwarg.value, parameters, prefix + layer.name
                )
                if mistake is not None:
                    mistakes.append(mistake)
    return mistakes


def keyword_mistake(
    layer: LayerSpec,
    key: str,
    value: Any,
    parameters: Mapping[str, inspect.Parameter],
    qualname: str,
) -> BuildError | None:
    """What is wrong with one keyword of a layer (None: nothing)."""
    kwarg = layer.kwarg(key)
    assert kwarg is not None

    def mistake(message: str, *, at_key: bool = False, **more: Any) -> BuildError:
        position = kwarg.key_position if at_key else kwarg.value_position
        return BuildError(message, layer=qualname, position=position, **more)

    if key in _RESERVED_KWARGS:
        return mistake(
            f"'{key}' is not set in a description: the command decides it (--{key})",
            at_key=True,
            code="CNN004",
        )
    if layer.type == "Upsample" and key == "mode" and value not in _UPSAMPLE_MODES:
        return mistake(
            f"Upsample's 'mode' is one of {', '.join(_UPSAMPLE_MODES)}, got {value!r}",
            code="CNN002",
        )
    if key not in parameters:
        return mistake(
            f"{layer.type} has no keyword '{key}'{did_you_mean(key, parameters)}",
            at_key=True,
            hint=f"{layer.type} takes: {', '.join(parameters) or 'no keywords'}",
            code="CNN004",
        )
    annotation = parameters[key].annotation
    if not _accepts(annotation, value):
        return mistake(
            f"{layer.type}'s '{key}' expects {_annotation_text(annotation)}, "
            f"got {_value_text(value)}",
            code="CNN002",
        )
    if any(math.isnan(v) for v in _floats(value)):
        return mistake(
            f"{layer.type}'s '{key}' is not a number (.nan)",
            hint="YAML reads .nan, .NaN and .NAN as a float that is not a number",
            code="CNN002",
        )
    dropping = "Dropout" in layer.type or layer.type == "StochasticDepth"
    if key == "p" and dropping and not 0 <= value <= 1:
        return mistake(
            f"{layer.type}'s 'p' is a probability, from 0 to 1, got {value}", code="CNN002"
        )
    windowed = layer.type.startswith(_WINDOWED_PREFIXES)
    least = 1 if key in _AT_LEAST_ONE else 0 if key in _NOT_NEGATIVE and windowed else None
    if least is not None and any(v < least for v in _integers(value)):
        return mistake(
            f"{layer.type}'s '{key}' must be at least {least}, got "
            f"{list(value) if isinstance(value, tuple) else value}",
            code="CNN002",
        )
    return None


def _names_an_argument(value: Any) -> bool:
    """A value that is, or holds, a block argument (``$planes``, ``${2 * width}``)."""
    items = value if isinstance(value, tuple) else (value,)
    return any(isinstance(v, tuple) and _names_an_argument(v) for v in items) or any(
        isinstance(v, str) and v.startswith("$") for v in items
    )


def _floats(value: Any) -> list[float]:
    items = value if isinstance(value, tuple) else (value,)
    return [v for v in items if isinstance(v, float)]


def _integers(value: Any) -> list[int]:
    """The integers in a keyword value (an int or a list of them; None and text are not)."""
    items = value if isinstance(value, tuple) else (value,)
    return [v for v in items if isinstance(v, int) and not isinstance(v, bool)]


def _accepts(annotation: Any, value: Any) -> bool:
    """Does a YAML value fit torch's annotation? Unknown annotations are left to torch."""
    if annotation is inspect.Parameter.empty or annotation is Any:
        return True
    if annotation is bool:
        return isinstance(value, bool)
    if annotation is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if annotation is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if annotation is str:
        return isinstance(value, str)
    if annotation is type(None):
        return value is None
    origin = typing.get_origin(annotation)
    targs = typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        return any(_accepts(a, value) for a in targs)
    if origin is typing.Literal:
        return value in targs
    if origin is tuple:
        if not isinstance(value, tuple):
            return False
        if len(targs) == 2 and targs[1] is Ellipsis:
            return all(_accepts(targs[0], v) for v in value)
        return len(targs) == len(value) and all(
            _accepts(a, v) for a, v in zip(targs, value, strict=True)
        )
    if origin is list:
        return isinstance(value, tuple) and all(_accepts(targs[0], v) for v in value)
    return True


def _annotation_text(annotation: Any) -> str:
    text = str(annotation).replace("typing.", "").replace("NoneType", "null")
    return text.removeprefix("<class '").removesuffix("'>")


def _value_text(value: Any) -> str:
    if (boolean := yaml11_boolean_text(value)) is not None:
        return boolean
    if isinstance(value, tuple):
        return f"the list {list(value)}"
    return f"{type(value).__name__} {value!r}"
