"""The calls a module's ``forward`` makes that the description language has a layer for
(``export MODULE --to yaml``): functions and tensor methods (``x + y``, ``torch.cat``,
``x.mean([2, 3])``, …), a few library functions followed as one call (torchvision's
``channel_shuffle``), and the library modules that are layer types of their own
(torchvision's ``StochasticDepth``).

Each reader gets one torch.fx node and returns the layer type and its keywords, or None where
the call computes something the layer type would not (a constant added, a mean over every
axis): the caller then refuses the call, named and located. A library function or module is
known by its full name and only where its module is already imported: the export never
imports anything to recognise it.
"""

from __future__ import annotations

import operator
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from cnninspect.construct.keywords import constructor_parameters
from cnninspect.description.draft import Keywords
from cnninspect.description.layer_types import LAYER_TYPES
from cnninspect.errors import TargetError

if TYPE_CHECKING:
    from torch import fx, nn

Found = tuple[str, Keywords]
Reader = Callable[["fx.Node"], "Found | None"]

# The types a function call becomes (its layer goes unnamed unless a later layer reads it)
FUNCTION_TYPES = frozenset(
    {
        "Add",
        "Mul",
        "Concat",
        "Flatten",
        "ReLU",
        "AdaptiveAvgPool2d",
        "Mean",
        "ChannelShuffle",
        "LayerScale",
    }
)
CHUNKS = frozenset({"chunk"})  # x.chunk(n, dim): its pieces are read one by one (``Chunk``)


def _argument(node: fx.Node, index: int, key: str, default: Any) -> Any:
    """A call's argument, given by position or by keyword."""
    return node.kwargs.get(key, node.args[index] if len(node.args) > index else default)


def _merge(layer_type: str) -> Reader:
    def read(node: fx.Node) -> Found | None:
        from torch import fx

        two = len(node.args) == 2 and not node.kwargs
        tensors = two and all(isinstance(a, fx.Node) for a in node.args)
        return (layer_type, ()) if tensors else None  # a constant added: no layer for it

    return read


def _concat(node: fx.Node) -> Found | None:
    dim = _argument(node, 1, "dim", 0)
    return "Concat", (() if dim == 1 else (("dim", dim),))


def _flatten(node: fx.Node) -> Found | None:
    start = _argument(node, 1, "start_dim", 0)
    end = _argument(node, 2, "end_dim", -1)
    kwargs = (("start_dim", start),) if start != 1 else ()
    return "Flatten", kwargs + ((("end_dim", end),) if end != -1 else ())


def _relu(node: fx.Node) -> Found | None:
    return "ReLU", ()


def _adaptive_avg_pool2d(node: fx.Node) -> Found | None:
    size = _argument(node, 1, "output_size", None)
    return "AdaptiveAvgPool2d", (("output_size", plain(size)),)


def _mean(node: fx.Node) -> Found | None:
    """``x.mean(dim, keepdim)``; a mean over every axis (no ``dim``) or in another dtype is
    not one."""
    dim = _argument(node, 1, "dim", None)
    keepdim = _argument(node, 2, "keepdim", False)
    if dim is None or "dtype" in node.kwargs or not isinstance(keepdim, bool):
        return None
    dims = tuple(dim) if isinstance(dim, list | tuple) else dim
    if not all(isinstance(d, int) for d in (dims if isinstance(dims, tuple) else (dims,))):
        return None
    return "Mean", (("dim", dims),) + ((("keepdim", True),) if keepdim else ())


_MULS = ("mul", "mul_")


def layer_scale(node: fx.Node, own: Any) -> tuple[Found, fx.Node] | None:
    """``own * x`` (or ``x * own``), ``own`` a parameter of the module itself of shape
    (C, 1, 1): ConvNeXt's ``layer_scale`` (``LayerScale``, its first value as ``init``
    where all are equal); with the tensor it scales. None for any other use of it."""
    import torch
    from torch import fx, nn

    muls = (operator.mul, operator.imul, torch.mul)
    is_mul = node.target in muls or (node.op == "call_method" and node.target in _MULS)
    if not is_mul or len(node.args) != 2 or node.kwargs:
        return None
    scaled = [a for a in node.args if isinstance(a, fx.Node) and a.op != "get_attr"]
    if not isinstance(own, nn.Parameter) or own.ndim != 3 or own.shape[1:] != (1, 1):
        return None
    if len(scaled) != 1:
        return None
    if own.is_meta:  # built without values (export's model): the default init stands
        return ("LayerScale", ()), scaled[0]
    first = float(own.detach().flatten()[0])
    uniform = bool((own.detach() == first).all())
    init = (("init", first),) if uniform and first != 1e-6 else ()
    return ("LayerScale", init), scaled[0]


def chunk_of(node: fx.Node) -> tuple[int, int] | None:
    """(chunks, dim) of ``x.chunk(chunks, dim)`` / ``torch.chunk``; None: not a chunk, or one
    with counts that are not plain numbers."""
    import torch

    if not (node.op == "call_method" and node.target in CHUNKS) and node.target is not torch.chunk:
        return None
    chunks, dim = _argument(node, 1, "chunks", None), _argument(node, 2, "dim", 0)
    return (chunks, dim) if isinstance(chunks, int) and isinstance(dim, int) else None


def _channel_shuffle(node: fx.Node) -> Found | None:
    groups = _argument(node, 1, "groups", None)
    return ("ChannelShuffle", (("groups", groups),)) if isinstance(groups, int) else None


def functions() -> dict[Any, Reader]:
    """The functions a description has a layer for, by the function object fx records."""
    import torch
    from torch.nn import functional

    found: dict[Any, Reader] = {
        operator.add: _merge("Add"),
        operator.iadd: _merge("Add"),
        torch.add: _merge("Add"),
        operator.mul: _merge("Mul"),
        operator.imul: _merge("Mul"),
        torch.mul: _merge("Mul"),
        torch.cat: _concat,
        torch.flatten: _flatten,
        functional.relu: _relu,
        torch.relu: _relu,
        functional.adaptive_avg_pool2d: _adaptive_avg_pool2d,
        torch.mean: _mean,
    }
    return found | dict(_library_functions())


METHODS: dict[Any, Reader] = {
    "flatten": _flatten,
    "relu": _relu,
    "add": _merge("Add"),
    "mul": _merge("Mul"),
    "mean": _mean,
}

# Library functions whose code torch.fx would follow op by op (``x.size()``, ``view``,
# ``transpose``: no layer each), kept whole as one call instead: (module, function, reader).
_LIBRARY_FUNCTIONS = (("torchvision.models.shufflenetv2", "channel_shuffle", _channel_shuffle),)


def _library_functions() -> list[tuple[Callable[..., Any], Reader]]:
    """The known library functions of the modules already imported."""
    found: list[tuple[Callable[..., Any], Reader]] = []
    for module_name, name, reader in _LIBRARY_FUNCTIONS:
        module = sys.modules.get(module_name)
        function = getattr(module, name, None) if module is not None else None
        if callable(function):
            found.append((function, reader))
    return found


def wrapped_functions() -> tuple[Callable[..., Any], ...]:
    """What torch.fx is to record as one call (its ``autowrap_functions``)."""
    return tuple(function for function, _ in _library_functions())


def _stochastic_depth(module: nn.Module) -> Keywords:
    mode = getattr(module, "mode", "row")
    return (("p", float(getattr(module, "p", 0.0))),) + ((("mode", mode),) if mode != "row" else ())


def _permute(module: nn.Module) -> Keywords:
    return (("dims", tuple(getattr(module, "dims", ()))),)


def _layer_norm_2d(module: nn.Module) -> Keywords:
    """Its keywords but ``normalized_shape``, which the incoming channels give."""
    eps = float(getattr(module, "eps", 1e-5))
    affine = bool(getattr(module, "elementwise_affine", True))
    bias = getattr(module, "bias", None) is not None
    found = ((("eps", eps),) if eps != 1e-5 else ()) + (
        (("elementwise_affine", False),) if not affine else ()
    )
    return found + ((("bias", False),) if affine and not bias else ())


# Library modules that are a layer type of the language: (module, class) → (type, keywords).
# Only the class itself: a subclass may compute something else in its own forward.
_LIBRARY_MODULES: dict[tuple[str, str], tuple[str, Callable[[nn.Module], Keywords]]] = {
    ("torchvision.ops.stochastic_depth", "StochasticDepth"): (
        "StochasticDepth",
        _stochastic_depth,
    ),
    ("torchvision.ops.misc", "Permute"): ("Permute", _permute),
    ("torchvision.models.convnext", "LayerNorm2d"): ("LayerNorm2d", _layer_norm_2d),
}


def library_layer(module: nn.Module) -> Found | None:
    """The layer type and keywords of a library module that is one, else None."""
    kind = type(module)
    known = _LIBRARY_MODULES.get((kind.__module__, kind.__qualname__))
    if known is None:
        return None
    layer_type, keywords = known
    return layer_type, keywords(module)


# The keywords torch itself expands from one number to one per spatial axis: only these may
# be written shorter ((3, 3) → 3); LayerNorm's normalized_shape (8, 8, 8) is not 8.
_PER_AXIS = frozenset({"kernel_size", "stride", "padding", "dilation", "output_size"})


def plain(value: Any, keyword: str = "kernel_size") -> Any:
    """A value as a description writes it: a list → a tuple, and for a keyword torch expands
    per axis, (3, 3) → 3."""
    if isinstance(value, list | tuple):
        items = tuple(plain(v, keyword) for v in value)
        same = items and all(v == items[0] for v in items)
        return items[0] if same and keyword in _PER_AXIS else items
    return value


_SKIPPED = frozenset({"inplace", "device", "dtype"})  # no part of what the layer computes


def layer_keywords(module: nn.Module, type_name: str) -> Keywords:
    """A torch.nn layer's constructor keywords read back from it: those that differ from
    torch's defaults, without what the description infers (``in_channels``)."""
    inferred = LAYER_TYPES[type_name].inferred
    found = []
    for parameter in constructor_parameters(type_name):
        key = parameter.name
        if key == inferred or key in _SKIPPED:
            continue
        if key == "bias":
            value: Any = getattr(module, "bias", None) is not None
        elif hasattr(module, key):
            value = plain(getattr(module, key), key)
        else:
            raise TargetError(f"cannot read '{key}' back from {type_name} ({module!r})")
        default = plain(parameter.default, key)
        pooled_stride = key == "stride" and default is None
        if pooled_stride and value == plain(getattr(module, "kernel_size", None)):
            continue  # a pool's stride defaults to its window
        if parameter.default is parameter.empty or value != default:
            found.append((key, value))
    return tuple(found)
