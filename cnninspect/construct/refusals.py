"""What torch refuses, told as the description's: the checks a real device makes and meta
does not, before a layer first runs (located at the value at fault), and a layer's failure
when it runs (a merge of mismatched shapes, a spatial size that collapses)."""

from __future__ import annotations

from torch import nn

from cnninspect.construct.modules import MERGES
from cnninspect.description.architecture import LayerSpec
from cnninspect.description.layer_types import LAYER_TYPES
from cnninspect.errors import BuildError, first_line, is_spatial_collapse
from cnninspect.shapes import BatchedShape, drop_batch
from cnninspect.trace.contracts import violation


def check_layer(
    module: nn.Module, layer: LayerSpec, incoming: list[BatchedShape], qualname: str
) -> None:
    """What a real device refuses and meta does not, before the layer first runs, located
    at the value at fault."""
    _check_rank(layer, incoming[0], qualname)
    _check_concat_dim(layer, incoming[0], qualname)
    found = violation(module, incoming)
    if found is not None:
        kwarg = layer.kwarg(found.keyword)
        raise BuildError(
            f"{qualname} ({layer.type}): {found.message}",
            layer=qualname,
            position=kwarg.value_position if kwarg else layer.position,
            hint="torch refuses it when the model runs on a real device",
            code="CNN106",
        )


def layer_failure(
    layer: LayerSpec, qualname: str, incoming: list[BatchedShape], exc: Exception
) -> BuildError:
    """The located error of a layer torch refused to run on ``incoming``: CNN105 for a merge,
    CNN107 when a spatial size collapses, CNN106 otherwise."""
    if layer.type in MERGES:
        given = ", ".join(
            f"{source} gives {drop_batch(s)}"
            for source, s in zip(layer.sources, incoming, strict=True)
        )
        rule = "the channel count may differ" if layer.type == "Concat" else "none may differ"
        return BuildError(
            f"{qualname} ({layer.type}) cannot merge {given}",
            layer=qualname,
            position=layer.position,
            hint=f"{layer.type} needs matching sizes ({rule})",
            code="CNN105",
        )
    shapes = " and ".join(str(drop_batch(s)) for s in incoming)
    collapse = is_spatial_collapse(str(exc))
    return BuildError(
        f"{qualname} ({layer.type}) fails on input {shapes}: {first_line(exc)}",
        layer=qualname,
        position=layer.position,
        code="CNN107" if collapse else "CNN106",
    )


def _check_rank(layer: LayerSpec, incoming: BatchedShape, qualname: str) -> None:
    """An N-d layer (Conv2d, MaxPool2d, BatchNorm2d, ZeroPad2d, …) takes (batch, channels, N
    sizes). torch also accepts one rank less, as an unbatched input — which here would be a
    1-D signal pooled across its channels as if they were rows, and no error."""
    kind = LAYER_TYPES.get(layer.type)
    spatial = kind.spatial if kind is not None else None
    if spatial is None:
        return
    ranks = {spatial + 2} | ({2} if layer.type in ("BatchNorm1d", "InstanceNorm1d") else set())
    if len(incoming) not in ranks:
        sizes = "(C, " + ", ".join(("L",) if spatial == 1 else "DHW"[3 - spatial :]) + ")"
        raise BuildError(
            f"{qualname} ({layer.type}) takes a {spatial}-D input {sizes} per sample, "
            f"but receives {drop_batch(incoming)}",
            layer=qualname,
            position=layer.position,
            hint=_rank_hint(len(incoming) - 2),
            code="CNN106",
        )


def _check_concat_dim(layer: LayerSpec, incoming: BatchedShape, qualname: str) -> None:
    dim = next((k.value for k in layer.kwargs if k.key == "dim"), 1)
    if layer.type != "Concat" or not isinstance(dim, int):
        return
    rank = len(incoming)
    if not -rank <= dim < rank:
        kwarg = layer.kwarg("dim")
        raise BuildError(
            f"{qualname} (Concat): dim={dim} is out of range for a {rank}-D input "
            f"(use -{rank} … {rank - 1}; 1 is the channels)",
            layer=qualname,
            position=kwarg.value_position if kwarg else layer.position,
            code="CNN002",
        )


def _rank_hint(spatial: int) -> str:
    if 1 <= spatial <= 3:
        return f"use the {spatial}-D variant of this layer, or reshape before it"
    if spatial < 1:
        return "a feature vector needs Unflatten before a layer with spatial sizes"
    return f"torch has no {spatial}-D layers: the input has {spatial} sizes after the channels"
