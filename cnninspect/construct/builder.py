"""ArchSpec → a real ``nn.Module`` whose submodules carry the YAML names.

Modules are constructed under ``torch.device("meta")``: no memory is allocated and no weight
is initialised, so building VGG-16 costs milliseconds. ``in_channels``, ``in_features`` and
``num_features`` come from the incoming tensor, so each new layer is run once on a meta tensor
— torch computes the shapes, we never re-implement its arithmetic. A declared ``in_*`` that
disagrees with the incoming tensor is recorded (validate reports it as CNN102) and the actual
value is used, so one wrong declaration does not hide everything after it.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from cnninspect.construct.construction import no_init
from cnninspect.construct.keywords import check_keywords, constructor_parameters, layer_class
from cnninspect.construct.modules import MERGES, Graph
from cnninspect.construct.origins import DeclaredInput, LayerOrigin
from cnninspect.description.architecture import (
    SCOPE_INPUT_NAMES,
    ArchSpec,
    Expect,
    LayerSpec,
    ParamsExpect,
    Value,
)
from cnninspect.description.expansion import substitute
from cnninspect.description.expressions import IN_CHANNELS, ExpressionError
from cnninspect.description.expressions import parse as parse_reference
from cnninspect.description.layer_types import LAYER_TYPES
from cnninspect.description.limits import Limits
from cnninspect.description.limits import current as current_limits
from cnninspect.errors import BuildError, call_text, first_line, is_spatial_collapse
from cnninspect.shapes import (
    MAX_ELEMENTS,
    BatchedShape,
    Shape,
    drop_batch,
    flattened_from,
    per_sample,
)
from cnninspect.trace.contracts import violation


@dataclass(frozen=True, slots=True)
class Built:
    module: nn.Module
    origins: Mapping[str, LayerOrigin]
    declared_inputs: tuple[DeclaredInput, ...]
    output_shape: Shape  # as computed while building
    largest_activation: int  # elements per sample of the largest layer output (memory guard)
    # the output of every named layer, block and repeat as computed while building, per sample
    # as the trace's rows show it (the batch of 1 stripped only where it is the batch): the
    # solver rejects candidate inputs with these alone
    layer_shapes: Mapping[str, Shape]


def build(spec: ArchSpec, limits: Limits | None = None) -> Built:
    """Construct the model of ``spec`` on the meta device (the trace gives it seeded values
    when it runs on a real device: ``trace/arguments.py``).

    The loader has already refused a file that expands past ``limits.layers`` (when the count
    is known without the tensors); the builder counts again as it constructs.
    """
    limits = limits or current_limits()
    if math.prod(spec.input_shape) >= MAX_ELEMENTS:
        raise BuildError(
            f"an input of {'×'.join(map(str, spec.input_shape))} has more elements than torch "
            "can address",
            position=spec.position,
            code="CNN002",
        )
    builder = _Builder(spec, limits, shapes=[(1, *spec.input_shape)])
    # on meta there is nothing to initialise: the init functions would only cost dispatches
    # (a real device gets seeded values when the model is placed there: trace/values.py)
    with torch.device("meta"), no_init():
        module, output = builder.scope(
            spec.layers, {}, [(1, *spec.input_shape)], prefix="", block_type=spec.name
        )
    largest = max(math.prod(drop_batch(s)) for s in builder.shapes)
    return Built(
        module,
        builder.origins,
        tuple(builder.declared),
        drop_batch(output),
        largest,
        builder.layer_shapes,
    )


@dataclass
class _Builder:
    spec: ArchSpec
    limits: Limits
    origins: dict[str, LayerOrigin] = field(default_factory=dict)
    declared: list[DeclaredInput] = field(default_factory=list)
    shapes: list[BatchedShape] = field(default_factory=list)  # every shape computed so far
    layer_shapes: dict[str, Shape] = field(default_factory=dict)
    constructed: int = 0

    def scope(
        self,
        layers: tuple[LayerSpec, ...],
        args: Mapping[str, Value],
        input_shapes: list[BatchedShape],
        *,
        prefix: str,
        block_type: str,
        input_names: tuple[str, ...] = ("in",),
    ) -> tuple[Graph, BatchedShape]:
        if prefix and len(input_shapes[0]) > 1:  # inside a block, ${in_channels * 6} works
            args = {**args, IN_CHANNELS: input_shapes[0][1]}
        shapes = dict(zip(input_names, input_shapes, strict=True))
        shapes |= dict.fromkeys(SCOPE_INPUT_NAMES, input_shapes[0])
        previous = input_shapes[0]
        nodes = []
        for layer in layers:
            incoming = [shapes[s] for s in layer.sources] or [previous]
            module, previous = self.layer(layer, args, incoming, prefix + layer.name)
            shapes[layer.name] = previous
            nodes.append((layer.name, module, layer.sources))
        return Graph(nodes, block_type, input_names), previous

    def layer(
        self,
        layer: LayerSpec,
        args: Mapping[str, Value],
        incoming: list[BatchedShape],
        qualname: str,
    ) -> tuple[nn.Module | None, BatchedShape]:
        try:
            kwargs = {k.key: substitute(k.value, args) for k in layer.kwargs}
            repeat = substitute(layer.repeat, args)
            expect = _substitute_expect(layer.expect, args)
        except ExpressionError as error:
            raise BuildError(
                str(error), layer=qualname, position=layer.position, code="CNN002"
            ) from None
        if not isinstance(repeat, int) or isinstance(repeat, bool) or repeat < 0:
            raise BuildError(
                f"repeat must be a whole number, got {repeat!r}",
                layer=qualname,
                position=layer.position,
                code="CNN002",
            )
        self.origins[qualname] = LayerOrigin(
            qualname, layer.type, layer.position, expect, layer.note
        )
        if repeat == 0:  # a computed count of 0: no module; the input passes through
            return None, incoming[0]
        if repeat == 1:
            return self.one(layer, kwargs, incoming, qualname)
        copies = nn.Sequential()
        shape = incoming
        for index in range(repeat):
            module, out = self.one(layer, kwargs, shape, f"{qualname}.{index}")
            copies.add_module(str(index), module)
            shape = [out]
        self.layer_shapes[qualname] = per_sample(shape[0], 1)
        return copies, shape[0]

    def one(
        self, layer: LayerSpec, kwargs: dict[str, Any], incoming: list[BatchedShape], qualname: str
    ) -> tuple[nn.Module, BatchedShape]:
        block = self.spec.blocks.get(layer.type)
        if block is not None:
            block_args = {a.name: a.default for a in block.args} | kwargs
            graph, out = self.scope(
                block.layers,
                block_args,
                incoming,
                prefix=qualname + ".",
                block_type=block.name,
                input_names=block.inputs,
            )
            self.layer_shapes[qualname] = per_sample(out, 1)
            return graph, out
        self.origins.setdefault(
            qualname, LayerOrigin(qualname, layer.type, layer.position, None, layer.note)
        )
        self.constructed += 1  # the backstop of count_layers, for counts it could not know
        if self.constructed > self.limits.layers:
            raise BuildError(
                f"the model has more than {self.limits.layers:,} layers; "
                + self.limits.advice("layers"),
                layer=qualname,
                position=layer.position,
                code="CNN002",
            )
        module = self.construct(layer, kwargs, incoming[0], qualname)
        out = self.propagate(module, layer, incoming, qualname)
        self.layer_shapes[qualname] = per_sample(out, 1)
        return module, out

    def construct(
        self, layer: LayerSpec, kwargs: dict[str, Any], incoming: BatchedShape, qualname: str
    ) -> nn.Module:
        parameters = {p.name: p for p in constructor_parameters(layer.type)}
        check_keywords(layer, kwargs, parameters, qualname)
        kwargs = self.infer_input(layer, kwargs, incoming, qualname)
        missing = [
            name
            for name, p in parameters.items()
            if p.default is inspect.Parameter.empty and name not in kwargs
        ]
        if missing:
            raise BuildError(
                f"{layer.type} needs {', '.join(missing)}",
                layer=qualname,
                position=layer.position,
                code="CNN002",
            )
        try:
            module = layer_class(layer.type)(**kwargs)
        except Exception as exc:  # torch validates its own arguments; show its words
            raise BuildError(
                f"{layer.type}({call_text(kwargs)}) rejected its arguments: {first_line(exc)}",
                layer=qualname,
                position=layer.position,
                code="CNN002",
            ) from None
        return module.eval()  # eval: batch-1 statistics layers must not complain while shaping

    def infer_input(
        self, layer: LayerSpec, kwargs: dict[str, Any], incoming: BatchedShape, qualname: str
    ) -> dict[str, Any]:
        """``kwargs`` with in_channels / in_features / num_features taken from the incoming
        tensor; a declaration that disagrees is recorded (CNN102) and the actual value used."""
        layer_type = LAYER_TYPES[layer.type]
        if not layer_type.inferred or not layer_type.infer_from:
            return kwargs
        actual = incoming[layer_type.infer_from.value]
        declared = kwargs.get(layer_type.inferred)
        if declared is not None and declared != actual:
            kwarg = layer.kwarg(layer_type.inferred)
            self.declared.append(
                DeclaredInput(
                    qualname,
                    layer.type,
                    layer_type.inferred,
                    declared,
                    actual,
                    drop_batch(incoming),
                    self.flattened_from(incoming),
                    kwarg.value_position if kwarg else layer.position,
                )
            )
        return {layer_type.inferred: actual, **kwargs, layer_type.inferred: actual}

    def flattened_from(self, incoming: BatchedShape) -> Shape | None:
        if len(incoming) > 2:
            return None
        return flattened_from(incoming[-1], reversed(self.shapes))

    def propagate(
        self, module: nn.Module, layer: LayerSpec, incoming: list[BatchedShape], qualname: str
    ) -> BatchedShape:
        """The output shape of ``module``, computed by torch on meta tensors — after the checks
        that a real device makes and meta does not, located at the value at fault."""
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
        kind = LAYER_TYPES.get(layer.type)
        if kind is not None and kind.same_shape and len(incoming) == 1:
            # nothing to infer: its output has its input's shape. Running it on meta is most
            # of a build's time (batch norm's decomposition); the trace runs it, checked.
            self.shapes.append(incoming[0])
            return incoming[0]
        try:
            with torch.no_grad():
                out = module(*(torch.empty(shape) for shape in incoming))
        except Exception as exc:
            if layer.type in MERGES:
                given = ", ".join(
                    f"{source} gives {drop_batch(s)}"
                    for source, s in zip(layer.sources, incoming, strict=True)
                )
                rule = (
                    "the channel count may differ" if layer.type == "Concat" else "none may differ"
                )
                raise BuildError(
                    f"{qualname} ({layer.type}) cannot merge {given}",
                    layer=qualname,
                    position=layer.position,
                    hint=f"{layer.type} needs matching sizes ({rule})",
                    code="CNN105",
                ) from None
            shapes = " and ".join(str(drop_batch(s)) for s in incoming)
            collapse = is_spatial_collapse(str(exc))
            raise BuildError(
                f"{qualname} ({layer.type}) fails on input {shapes}: {first_line(exc)}",
                layer=qualname,
                position=layer.position,
                code="CNN107" if collapse else "CNN106",
            ) from None
        if not isinstance(out, torch.Tensor):
            raise BuildError(
                f"{qualname} ({layer.type}) returned {type(out).__name__}, not a tensor",
                layer=qualname,
                position=layer.position,
                hint="layers with several outputs (e.g. return_indices=True) cannot be chained",
                code="CNN106",
            )
        self.shapes.append(tuple(out.shape))
        return self.shapes[-1]


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


def _substitute_expect(expect: Expect | None, args: Mapping[str, Value]) -> Expect | None:
    if expect is None or not args:
        return expect
    params = expect.params
    if params is not None and parse_reference(params.value) is not None:
        value = substitute(params.value, args)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ExpressionError(f"params must be a count, but {params.value} is {value!r}")
        params = ParamsExpect(value, 0.0, f"{value:,}")
    shape = substitute(expect.shape, args) if expect.shape is not None else None
    return Expect(shape, params, expect.position, expect.shape_position, expect.params_position)
