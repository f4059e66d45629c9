"""ArchSpec → a real ``nn.Module`` whose submodules carry the YAML names.

Modules are constructed under ``torch.device("meta")``: no memory is allocated and no weight
is initialised, so building VGG-16 costs milliseconds. ``in_channels``, ``in_features`` and
``num_features`` come from the incoming tensor: each layer is made when the tensor it takes
first reaches it, inside the model's first forward pass (``Pending`` in ``modules.py``) —
torch computes the shapes, we never re-implement its arithmetic, and the inspection's one pass
is also the build, so every layer runs once. A declared ``in_*`` that disagrees with the
incoming tensor is recorded (validate reports it as CNN102) and the actual value is used, so
one wrong declaration does not hide everything after it.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn
from torch.utils._python_dispatch import _disable_current_modes

from cnninspect.construct.construction import no_init
from cnninspect.construct.keywords import check_keywords, constructor_parameters, layer_class
from cnninspect.construct.modules import Graph, Pending, Sequential
from cnninspect.construct.origins import DeclaredInput, LayerOrigin
from cnninspect.construct.refusals import check_layer, layer_failure
from cnninspect.description.architecture import (
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
from cnninspect.errors import (
    BuildError,
    CnninspectError,
    call_text,
    first_line,
)
from cnninspect.shapes import (
    MAX_ELEMENTS,
    BatchedShape,
    Shape,
    drop_batch,
    flattened_from,
    per_sample,
)


class Built:
    """A description's model and what its build knows that the model does not: where each
    layer is written, the declared ``in_*`` the tensors contradict, and the shape each named
    layer, block and repeat computes. Lazy (``build(..., lazy=True)``): the layers are made
    during the model's first pass, and these fill in as it runs."""

    def __init__(self, module: nn.Module, builder: _Builder) -> None:
        self.module = module
        self._builder = builder

    @property
    def origins(self) -> Mapping[str, LayerOrigin]:
        return self._builder.origins

    @property
    def declared_inputs(self) -> Sequence[DeclaredInput]:
        return self._builder.declared

    @property
    def layer_shapes(self) -> Mapping[str, Shape]:
        """Per sample, as the rows show them: the solver rejects candidate inputs with these."""
        return self._builder.layer_shapes

    @property
    def made(self) -> bool:
        """Every layer made (the model ran once)."""
        return self._builder.output is not None

    @property
    def output_shape(self) -> Shape | None:
        output = self._builder.output
        return drop_batch(output) if output is not None else None

    @property
    def largest_activation(self) -> int:
        """Elements per sample of the largest layer output, once made (the memory guard)."""
        return max((math.prod(drop_batch(s)) for s in self._builder.shapes), default=0)

    def make(self) -> Built:
        """Make every layer by running the model once on meta, at batch 1, in eval mode
        (what a lazy build needs before it is copied, moved or tracked)."""
        if not self.made:
            spec = self._builder.spec
            self.module.eval()
            self._builder.shaping = True  # only the shapes are wanted: see first_call
            try:
                with torch.no_grad():
                    out = self.module(torch.empty((1, *spec.input_shape), device="meta"))
            finally:
                self._builder.shaping = False
            self._builder.output = tuple(out.shape)
        return self


def build(spec: ArchSpec, limits: Limits | None = None, *, lazy: bool = False) -> Built:
    """The model of ``spec`` on the meta device (the trace gives it seeded values when it runs
    on a real device: ``trace/arguments.py``).

    Each layer is made from the shape of the tensor it receives (``in_channels`` inferred), when
    that tensor first reaches it (``construct/modules.py``): ``lazy`` leaves that to the model's
    first pass — the one forward pass of an inspection on meta, so every layer runs once —
    otherwise the model runs once on meta here.

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
    root = builder.scope(spec.layers, {}, [(1, *spec.input_shape)], prefix="", block_type=spec.name)
    built = Built(root, builder)
    return built if lazy else built.make()


@dataclass
class _Builder:
    spec: ArchSpec
    limits: Limits
    origins: dict[str, LayerOrigin] = field(default_factory=dict)
    declared: list[DeclaredInput] = field(default_factory=list)
    shapes: list[BatchedShape] = field(default_factory=list)  # every shape computed so far
    layer_shapes: dict[str, Shape] = field(default_factory=dict)
    constructed: int = 0

    output: BatchedShape | None = None  # the model's, once it has run
    batch: int | None = None  # of the pass that makes the layers (its first layer's input)
    shaping: bool = False  # a run for the shapes alone (Built.make), not the inspection's pass

    def scope(
        self,
        layers: tuple[LayerSpec, ...],
        args: Mapping[str, Value],
        input_shapes: list[BatchedShape],
        *,
        prefix: str,
        block_type: str,
        input_names: tuple[str, ...] = ("in",),
    ) -> Graph:
        """A Graph of ``layers``, each pending until its input reaches it."""
        if prefix and len(input_shapes[0]) > 1:  # inside a block, ${in_channels * 6} works
            args = {**args, IN_CHANNELS: input_shapes[0][1]}
        nodes: list[tuple[str, nn.Module | Pending | None, tuple[str, ...]]] = [
            (layer.name, self.pending(layer, args, prefix + layer.name), layer.sources)
            for layer in layers
        ]
        return Graph(nodes, block_type, input_names)

    def pending(self, layer: LayerSpec, args: Mapping[str, Value], qualname: str) -> Pending:
        return Pending(
            make=lambda incoming: self.layer(layer, args, incoming, qualname),
            first_call=lambda module, inputs: self.first_call(layer, qualname, module, inputs),
        )

    def layer(
        self,
        layer: LayerSpec,
        args: Mapping[str, Value],
        incoming: list[BatchedShape],
        qualname: str,
    ) -> nn.Module | None:
        if self.batch is None:  # the first layer made reads the model's input
            self.batch = incoming[0][0]
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
            self.layer_shapes[qualname] = self.per_sample(incoming[0])
            return None
        if repeat == 1:
            return self.one(layer, kwargs, incoming, qualname)

        def copy(index: int) -> Pending:
            name = f"{qualname}.{index}"
            return Pending(
                make=lambda shapes: self.one(layer, kwargs, shapes, name),
                first_call=lambda module, inputs: self.first_call(layer, name, module, inputs),
            )

        return Sequential(repeat, copy)

    def one(
        self, layer: LayerSpec, kwargs: dict[str, Any], incoming: list[BatchedShape], qualname: str
    ) -> nn.Module:
        block = self.spec.blocks.get(layer.type)
        if block is not None:
            block_args = {a.name: a.default for a in block.args} | kwargs
            return self.scope(
                block.layers,
                block_args,
                incoming,
                prefix=qualname + ".",
                block_type=block.name,
                input_names=block.inputs,
            )
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
        # on meta there is nothing to initialise: the init functions would only cost
        # dispatches (a real device gets seeded values when the model is placed there); made
        # during the pass, a layer's construction is no work of the pass: its dispatch mode
        # (MACs, data flow) does not see it
        with _disable_current_modes(), torch.device("meta"), no_init():
            module = self.construct(layer, kwargs, incoming[0], qualname)
        check_layer(module, layer, incoming, qualname)
        return module

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

    def first_call(
        self, layer: LayerSpec, qualname: str, module: nn.Module, inputs: list[torch.Tensor]
    ) -> torch.Tensor:
        """The first run of a layer, block or repeat just made: its output shape recorded, and
        a layer's failure told as the file's (a merge of mismatched shapes, a collapse)."""
        leaf = isinstance(layer.type, str) and layer.type not in self.spec.blocks
        leaf = leaf and not isinstance(module, Sequential | Graph)
        kind = LAYER_TYPES.get(layer.type)
        if self.shaping and leaf and kind is not None and kind.same_shape and len(inputs) == 1:
            # a run for the shapes alone: its output has its input's shape, and running it on
            # meta is most of such a run's time (batch norm's decomposition); the pass runs it
            out = inputs[0]
            self.shapes.append(tuple(out.shape))
            self.layer_shapes[qualname] = self.per_sample(tuple(out.shape))
            return out
        try:
            out = module(*inputs)
        except CnninspectError:
            raise
        except Exception as exc:
            if not leaf:
                raise
            shapes = [tuple(t.shape) for t in inputs]
            raise layer_failure(layer, qualname, shapes, exc) from None
        if not isinstance(out, torch.Tensor):
            raise BuildError(
                f"{qualname} ({layer.type}) returned {type(out).__name__}, not a tensor",
                layer=qualname,
                position=layer.position,
                hint="layers with several outputs (e.g. return_indices=True) cannot be chained",
                code="CNN106",
            )
        self.shapes.append(tuple(out.shape))
        self.layer_shapes[qualname] = self.per_sample(tuple(out.shape))
        return out

    def per_sample(self, shape: BatchedShape) -> Shape:
        """As the trace's rows show it: the batch stripped only where it is the batch (a
        Flatten(start_dim=0) folds it in)."""
        return per_sample(shape, self.batch if self.batch is not None else 1)


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
