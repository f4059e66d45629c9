"""The layer types a YAML description may name — the only code a file can reach — and every
fact about each: its role, the keyword inferred from the incoming tensor, its number of spatial
axes, whether a window slides over its input, whether its output keeps its input's shape, and
the short label a figure writes. One table, read by the loader, the builder, the checks
(CNN103, CNN201, the arithmetic of --explain), the diff and the drawings; ``classify`` is the
one way from a module's class name to its entry.

This table is torch-free on purpose: the loader checks type names against it without importing
torch. The builder maps each name to its ``torch.nn`` class (or to one of cnninspect's own
modules: the merges, and the functional steps torch.nn has no module for — ``Mean``, ``Chunk``,
``StochasticDepth``) and checks keyword arguments against that class's constructor signature.
"""

from __future__ import annotations

import difflib
import enum
from collections.abc import Iterable
from dataclasses import dataclass


class Role(enum.Enum):
    """What a layer does to its input; the rules and the diff read these, not name lists."""

    LINEAR_MAP = "linear map"  # Conv*, ConvTranspose*, Linear: a learned linear map
    NORMALIZATION = "normalization"
    POOLING = "pooling"
    DROPOUT = "dropout"
    RESHAPE = "reshape"  # Flatten, Identity, channel and pixel shuffles, Chunk: values kept
    RESAMPLING = "resampling"  # Upsample
    PADDING = "padding"
    ACTIVATION = "activation"  # a non-linearity
    MERGE = "merge"  # several inputs, one output: Add, Concat, Mul


class Infer(enum.Enum):
    """Which keyword is filled in from the incoming tensor, and from which dimension."""

    CHANNELS = 1  # dim 1 of (N, C, ...): in_channels, num_features, num_channels
    FEATURES = -1  # the last dim: in_features


class WindowKind(enum.Enum):
    """How a window slides over a layer's input (kernel, stride, padding, dilation)."""

    CONV = "conv"  # Conv1d/2d/3d: out = ⌊(in + 2p − d(k − 1) − 1)/s⌋ + 1
    TRANSPOSED = "up-conv"  # ConvTranspose1d/2d/3d: the inverse arithmetic
    POOL = "pool"  # MaxPool, AvgPool, LPPool: the convolution's arithmetic


@dataclass(frozen=True, slots=True)
class LayerType:
    name: str
    role: Role
    inferred: str | None = None  # the keyword taken from the incoming tensor
    infer_from: Infer | None = None
    # In eval mode a linear (or affine) map of its input: two linear maps with only such layers
    # between them are still one linear map (CNN201). Dropout is the identity, batch norm and
    # average pooling are affine; max pooling, the other norms and activations are not.
    keeps_linear: bool = False
    spatial: int | None = None  # N of an N-d layer (Conv2d: 2): it takes (batch, C, N sizes)
    window: WindowKind | None = None
    # the output has the input's shape whatever the arguments (an activation, dropout, batch
    # norm); GLU halves a dimension and PReLU's parameter count must match: they are not
    same_shape: bool = False
    label: str = ""  # what a figure writes between two volumes: "conv", "bn", "relu"
    # cnninspect's own module (construct/operations.py), not torch.nn's: an exported file
    # carries its class
    own: bool = False

    @property
    def inline(self) -> bool:
        """Parameter-free work that a Python module often writes inline (``F.relu``,
        ``torch.flatten``, ``x + y``) instead of as a submodule, unseen by module hooks."""
        return self.role in _INLINE_ROLES or self.name in _INLINE_RESHAPES


# The types whose module is cnninspect's own (construct/operations.py): the steps a forward
# writes inline that torch.nn has no module for
OWN_OPERATIONS = frozenset(
    {"Mean", "Chunk", "StochasticDepth", "Permute", "LayerNorm2d", "LayerScale"}
)
_INLINE_ROLES = frozenset({Role.MERGE, Role.ACTIVATION, Role.POOLING, Role.DROPOUT})
_INLINE_RESHAPES = frozenset({"Flatten", "Identity", "ChannelShuffle", "Chunk", "Permute"})


def _layers(
    role: Role, names: Iterable[str], inferred: str | None = None, *, keeps_linear: bool = False
) -> list[LayerType]:
    infer_from = None
    if inferred == "in_features":
        infer_from = Infer.FEATURES
    elif inferred is not None:
        infer_from = Infer.CHANNELS
    return [
        LayerType(
            name,
            role,
            inferred,
            infer_from,
            keeps_linear,
            spatial=_spatial(name),
            window=_window(name),
            same_shape=_same_shape(name, role),
            label=_label(name),
            own=name in OWN_OPERATIONS,
        )
        for name in names
    ]


def _stem(name: str) -> str:
    """Conv2d → Conv, MaxPool3d → MaxPool; a name without a dimensionality stays whole."""
    return name[:-2] if name[-2:] in ("1d", "2d", "3d") else name


def _spatial(name: str) -> int | None:
    return int(name[-2]) if name[-2:] in ("1d", "2d", "3d") else None


def _window(name: str) -> WindowKind | None:
    stem = _stem(name)
    if stem == "Conv":
        return WindowKind.CONV
    if stem == "ConvTranspose":
        return WindowKind.TRANSPOSED
    if stem in ("MaxPool", "AvgPool", "LPPool"):
        return WindowKind.POOL
    return None


def _same_shape(name: str, role: Role) -> bool:
    if role in (Role.ACTIVATION, Role.DROPOUT):
        return name not in ("GLU", "PReLU")
    return _stem(name) in ("BatchNorm", "InstanceNorm") or name in (
        "LocalResponseNorm",
        "CrossMapLRN2d",
        "Identity",
        "LayerNorm2d",
        "LayerScale",
    )


# Labels that are not the type's stem in lower case
_LABELS = {
    "BatchNorm": "bn", "InstanceNorm": "in", "GroupNorm": "gn", "LayerNorm": "ln",
    "LocalResponseNorm": "lrn", "ConvTranspose": "up-conv", "MaxPool": "max pool",
    "AvgPool": "avg pool", "LPPool": "lp pool", "AdaptiveMaxPool": "max pool",
    "AdaptiveAvgPool": "avg pool", "Linear": "FC", "StochasticDepth": "drop path",
    "LayerScale": "scale",
}  # fmt: skip


def _label(name: str) -> str:
    stem = _stem(name)
    return _LABELS.get(stem, stem.lower())


def _nd(*stems: str) -> list[str]:
    return [f"{stem}{d}d" for stem in stems for d in (1, 2, 3)]


_TYPES: list[LayerType] = [
    *_layers(Role.LINEAR_MAP, _nd("Conv", "ConvTranspose"), "in_channels"),
    *_layers(Role.LINEAR_MAP, ["Linear"], "in_features"),
    *_layers(Role.NORMALIZATION, _nd("BatchNorm"), "num_features", keeps_linear=True),
    *_layers(Role.NORMALIZATION, _nd("InstanceNorm"), "num_features"),
    *_layers(Role.NORMALIZATION, ["GroupNorm"], "num_channels"),
    *_layers(Role.NORMALIZATION, ["LayerNorm", "LocalResponseNorm", "CrossMapLRN2d"]),
    # LayerNorm2d: torchvision's, a LayerNorm over each pixel's channels
    *_layers(Role.NORMALIZATION, ["LayerNorm2d"], "normalized_shape"),
    # LayerScale: ConvNeXt's learned scale per channel, a diagonal linear map
    *_layers(Role.NORMALIZATION, ["LayerScale"], "channels", keeps_linear=True),
    # Mean: x.mean(dim), the global average pooling a forward writes inline
    *_layers(Role.POOLING, [*_nd("AvgPool", "AdaptiveAvgPool"), "Mean"], keeps_linear=True),
    *_layers(
        Role.POOLING,
        [
            *_nd("MaxPool", "AdaptiveMaxPool", "LPPool"),
            "FractionalMaxPool2d",
            "FractionalMaxPool3d",
        ],
    ),
    *_layers(
        Role.DROPOUT,
        # StochasticDepth: torchvision's, a residual branch dropped in training
        ["Dropout", *_nd("Dropout"), "AlphaDropout", "FeatureAlphaDropout", "StochasticDepth"],
        keeps_linear=True,
    ),
    *_layers(
        Role.RESHAPE,
        [
            "Flatten",
            "Unflatten",
            "Identity",
            "ChannelShuffle",
            "PixelShuffle",
            "PixelUnshuffle",
            "Chunk",  # one piece of x.chunk(n, dim): a selection, linear
            "Permute",  # x.permute(dims): the axes reordered
        ],
        keeps_linear=True,
    ),
    *_layers(
        Role.RESAMPLING,
        ["Upsample", "UpsamplingNearest2d", "UpsamplingBilinear2d"],
        keeps_linear=True,
    ),
    *_layers(
        Role.PADDING,
        _nd("ZeroPad", "ConstantPad", "ReflectionPad", "ReplicationPad", "CircularPad"),
        keeps_linear=True,
    ),
    *_layers(
        Role.ACTIVATION,
        [
            "ReLU",
            "ReLU6",
            "LeakyReLU",
            "PReLU",
            "RReLU",
            "ELU",
            "SELU",
            "CELU",
            "GELU",
            "SiLU",
            "Mish",
            "Sigmoid",
            "Tanh",
            "Hardtanh",
            "Hardswish",
            "Hardsigmoid",
            "Hardshrink",
            "Softshrink",
            "Softplus",
            "Softsign",
            "Tanhshrink",
            "Threshold",
            "LogSigmoid",
            "Softmax",
            "Softmin",
            "LogSoftmax",
            "Softmax2d",
            "GLU",
        ],
    ),
    *_layers(Role.MERGE, ["Add", "Concat", "Mul"]),
]

LAYER_TYPES: dict[str, LayerType] = {t.name: t for t in _TYPES}


def classify(type_name: str) -> LayerType | None:
    """The entry of a module's class name: a torch.nn layer (its lazy variant too: LazyConv2d
    is Conv2d once it has run); None for anything else (a block, a container, a custom
    module) — whose facts are unknown, never guessed from a similar name."""
    return LAYER_TYPES.get(type_name) or LAYER_TYPES.get(type_name.removeprefix("Lazy"))


def role_of(type_name: str) -> Role | None:
    """The role of a registered type; None for anything else (a block, a custom module)."""
    layer_type = classify(type_name)
    return layer_type.role if layer_type else None


def suggest(name: str, candidates: Iterable[str]) -> str | None:
    """The closest candidate to a misspelt name, compared case-insensitively, or None."""
    by_folded = {c.casefold(): c for c in candidates}
    if name.casefold() in by_folded:
        return by_folded[name.casefold()]
    close = difflib.get_close_matches(name.casefold(), list(by_folded), n=1, cutoff=0.6)
    return by_folded[close[0]] if close else None


def did_you_mean(name: str, candidates: Iterable[str]) -> str:
    """`` (did you mean 'X'?)`` or an empty string."""
    match = suggest(name, candidates)
    return f" (did you mean '{match}'?)" if match else ""
