"""The layer types a YAML description may name — the only code a file can reach.

This table is torch-free on purpose: the loader checks type names against it without importing
torch. ``build.py`` maps each name to its ``torch.nn`` class (or to one of cnninspect's merge
modules) and checks keyword arguments against that class's constructor signature.
"""

from __future__ import annotations

import difflib
import enum
from collections.abc import Iterable
from dataclasses import dataclass


class Role(enum.Enum):
    LAYER = "layer"  # a torch.nn module with one input
    ACTIVATION = "activation"  # a non-linearity (matters to the linear-chain rule)
    MERGE = "merge"  # several inputs, one output: Add, Concat, Mul


class Infer(enum.Enum):
    """Which keyword is filled in from the incoming tensor, and from which dimension."""

    CHANNELS = 1  # dim 1 of (N, C, ...): in_channels, num_features, num_channels
    FEATURES = -1  # the last dim: in_features


@dataclass(frozen=True, slots=True)
class LayerType:
    name: str
    role: Role
    inferred: str | None = None  # the keyword taken from the incoming tensor
    infer_from: Infer | None = None


def _layers(role: Role, names: Iterable[str], inferred: str | None = None) -> list[LayerType]:
    infer_from = None
    if inferred == "in_features":
        infer_from = Infer.FEATURES
    elif inferred is not None:
        infer_from = Infer.CHANNELS
    return [LayerType(name, role, inferred, infer_from) for name in names]


def _nd(*stems: str) -> list[str]:
    return [f"{stem}{d}d" for stem in stems for d in (1, 2, 3)]


_TYPES: list[LayerType] = [
    *_layers(Role.LAYER, _nd("Conv", "ConvTranspose"), "in_channels"),
    *_layers(Role.LAYER, ["Linear"], "in_features"),
    *_layers(Role.LAYER, _nd("BatchNorm", "InstanceNorm"), "num_features"),
    *_layers(Role.LAYER, ["GroupNorm"], "num_channels"),
    *_layers(Role.LAYER, ["LayerNorm", "LocalResponseNorm", "CrossMapLRN2d"]),
    *_layers(
        Role.LAYER,
        [
            *_nd("MaxPool", "AvgPool", "AdaptiveAvgPool", "AdaptiveMaxPool"),
            "FractionalMaxPool2d",
            "FractionalMaxPool3d",
            "LPPool1d",
            "LPPool2d",
            "LPPool3d",
        ],
    ),
    *_layers(Role.LAYER, ["Dropout", *_nd("Dropout"), "AlphaDropout", "FeatureAlphaDropout"]),
    *_layers(Role.LAYER, ["Flatten", "Unflatten", "Identity", "ChannelShuffle"]),
    *_layers(
        Role.LAYER,
        [
            "Upsample",
            "UpsamplingNearest2d",
            "UpsamplingBilinear2d",
            "PixelShuffle",
            "PixelUnshuffle",
        ],
    ),
    *_layers(
        Role.LAYER,
        _nd("ZeroPad", "ConstantPad", "ReflectionPad", "ReplicationPad", "CircularPad"),
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
