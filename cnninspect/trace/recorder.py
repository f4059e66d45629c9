"""The hooks of the one forward pass: every module call recorded in call order, with its depth,
shapes and own parameters; a stack of running modules to attribute MACs and failures to."""

from __future__ import annotations

import contextlib
import sys
import traceback
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from cnninspect.errors import Position, TraceError, first_line
from cnninspect.shapes import BatchedShape, ReceptiveField, drop_batch, flattened_from
from cnninspect.trace.arguments import ValueRanges
from cnninspect.trace.contracts import argument_violation, violation
from cnninspect.trace.flow import DataFlow, tensors
from cnninspect.trace.own_work import OwnWork, is_holder
from cnninspect.trace.receptive import ReceptiveFields
from cnninspect.trace.records import LayerRecord


class DeviceRefusalError(Exception):
    """A call that cpu and cuda refuse, raised on every device (meta included)."""


# Hyper-parameters shown in the table, in this order, when a module has them.
_HPARAMS = (
    "kernel_size",
    "stride",
    "padding",
    "dilation",
    "groups",
    "output_size",
    "p",
    "scale_factor",
    "mode",
    "dim",
    "keepdim",  # Mean
    "chunks",  # Chunk: which piece of how many
    "index",
    "hidden_size",  # recurrent layers: the size of the state, the stack, the directions
    "num_layers",
    "bidirectional",
    "proj_size",
)
_HPARAM_DEFAULTS: dict[str, object] = {
    "padding": 0,
    "dilation": 1,
    "groups": 1,
    "num_layers": 1,
    "bidirectional": False,
    "proj_size": 0,
    "keepdim": False,
}


def tensor_shapes(value: Any) -> Iterator[BatchedShape]:
    """Shapes of every tensor in an output: tensors, tuples, lists, dicts, dataclasses."""
    for tensor in tensors(value):
        yield tuple(tensor.shape)


@dataclass
class Call:
    index: int
    name: str
    module: nn.Module
    depth: int
    call: int
    input_shapes: tuple[BatchedShape, ...]
    output_shapes: tuple[BatchedShape, ...] = ()
    sources: frozenset[int] = frozenset()  # the calls whose outputs feed this one
    input_field: ReceptiveField | None = None  # of the first input tensor
    field: ReceptiveField | None = None  # of the first output tensor
    given: str = ""  # what it was given when no tensor (a failure's message says it)


class Recorder:
    """Hooks that record calls; a stack of running modules attributes MACs and failures.
    ``observe``, called for every aten op by the pass's dispatch mode, follows the data flow
    and the receptive field of every tensor between the calls."""

    def __init__(self, model: nn.Module, value_ranges: ValueRanges | None = None) -> None:
        self.model = model
        self.value_ranges = value_ranges or {}
        self.names = {m: name for name, m in model.named_modules()}
        self.calls: list[Call] = []
        self.stack: list[Call] = []
        self.handles: list[torch.utils.hooks.RemovableHandle] = []
        self.call_counts: dict[nn.Module, int] = {}
        self.flow = DataFlow()
        self.fields = ReceptiveFields()
        # the parameters an op read (by identity): a parameter is used where an op reads it,
        # whether or not its module was called (MultiheadAttention reads out_proj's weight
        # through F.multi_head_attention_forward, never calling out_proj)
        self.parameters = {id(p) for p in model.parameters()}
        self.own = OwnWork()
        self.read: set[int] = set()

    def start(self, inputs: Any) -> None:
        """The model's inputs (tensors, or lists and dicts of them): the k-th tensor produced
        by ``INPUT - k``, each element one pixel."""
        found = list(tensors(inputs))
        self.flow.start(found)
        self.fields.start(found)

    def observe(self, func: Any, args: Sequence[Any], kwargs: dict[str, Any], out: Any) -> None:
        # a tensor that takes no tag costs an edge, never the pass
        with contextlib.suppress(TypeError, ValueError, RuntimeError):
            self.flow.observe(func, args, kwargs, out)
        self.fields.observe(func, args, kwargs, out)
        self.read.update(id(t) for t in tensors((args, kwargs)) if id(t) in self.parameters)
        running = self.stack[-1] if self.stack else None
        holder = running if running is not None and is_holder(running.module) else None
        self.own.observe(func, out, holder.index if holder is not None else None)

    def attach(self) -> None:
        for module in self.names:
            if isinstance(module, torch.jit.ScriptModule):
                # TorchScript takes no Python hooks: a scripted model is measured as a whole
                # (shapes of its inputs and outputs, parameters, and the MACs the dispatch
                # mode still sees), its submodules get no rows
                continue
            self.handles.append(module.register_forward_pre_hook(self.pre, with_kwargs=True))
            self.handles.append(module.register_forward_hook(self.post, with_kwargs=True))

    def adopt(self, parent: nn.Module, name: str, module: nn.Module) -> None:
        """A module made during the pass (a description's layer, ``trace/growth.py``): named
        under its parent and hooked before it first runs."""
        base = self.names.get(parent, "")
        for qualname, member in module.named_modules(prefix=f"{base}.{name}" if base else name):
            self.names[member] = qualname
            self.handles.append(member.register_forward_pre_hook(self.pre, with_kwargs=True))
            self.handles.append(member.register_forward_hook(self.post, with_kwargs=True))

    def detach(self) -> None:
        for handle in self.handles:
            handle.remove()
        self.handles.clear()

    def owner(self) -> int:
        return self.stack[-1].index if self.stack else -1

    def pre(self, module: nn.Module, args: Any, kwargs: Any) -> None:
        count = self.call_counts.get(module, 0)
        self.call_counts[module] = count + 1
        call = Call(
            index=len(self.calls),
            name=self.names[module],
            module=module,
            depth=len(self.stack),
            call=count,
            input_shapes=tuple(tensor_shapes((args, kwargs))),
            sources=self.flow.of((args, kwargs)),
            input_field=self.fields.of(next(tensors((args, kwargs)), None)),
        )
        if not call.input_shapes:
            call.given = _given_text(args, kwargs)
        if self.stack:  # what the parent's own code made, given to this child
            self.own.leaving((args, kwargs), self.stack[-1].index)
        self.calls.append(call)
        self.stack.append(call)
        found = violation(module, call.input_shapes)
        if found is not None:  # meta would run it; a real device would not
            raise DeviceRefusalError(found.message)
        refused = argument_violation(module, args, kwargs, self.value_ranges)
        if refused is not None:  # on the values (or dtypes) meta does not check
            raise DeviceRefusalError(refused)

    def post(self, module: nn.Module, args: Any, kwargs: Any, output: Any) -> None:
        call = self.stack.pop()
        self.own.leaving(output, call.index)  # what its own code made, returned
        call.output_shapes = tuple(tensor_shapes(output))
        call.field = self.fields.of(next(tensors(output), None))
        self.flow.produced(output, call.index)

    def uncalled(self) -> tuple[tuple[str, int], ...]:
        """Outermost modules never called, with the parameters only they hold and no op read."""
        called = {id(p) for m in self.call_counts for p in m.parameters(recurse=False)}
        called |= self.read
        found: list[tuple[str, int]] = []
        for module, name in self.names.items():
            if module in self.call_counts or any(name.startswith(f"{n}.") for n, _ in found):
                continue
            count = sum(p.numel() for p in module.parameters() if id(p) not in called)
            if count:
                found.append((name, count))
        return tuple(found)

    def borrowed(self, module: nn.Module) -> list[nn.Parameter]:
        """The parameters of ``module``'s submodules that were never called but that an op
        read — in ``module``'s own code, as MultiheadAttention reads out_proj's: they count
        in its row (a called submodule's uncalled parts count in that submodule's row)."""
        found: list[nn.Parameter] = []
        pending = list(module.children())
        while pending:
            child = pending.pop(0)
            if child in self.call_counts:
                continue
            found += [p for p in child.parameters(recurse=False) if id(p) in self.read]
            pending += list(child.children())
        return found

    def uncounted(self, found: Mapping[tuple[str, int], int]) -> tuple[tuple[str, str, int], ...]:
        """(op, module, calls) of the ops without a formula, in the order they first ran; the
        module whose own code ran each (the model itself by its class name)."""
        named = []
        for (op, owner), calls in found.items():
            call = self.calls[owner] if 0 <= owner < len(self.calls) else None
            where = module_type(self.model) if call is None or not call.name else call.name
            named.append((op, where, calls))
        return tuple(named)

    def inline_ops(self, ops: Mapping[int, set[str]]) -> frozenset[str]:
        """The ops run by the own code of modules that hold others (the model's included)."""
        holders = [c.index for c in self.calls if is_holder(c.module)]
        return frozenset().union(*(ops.get(index, ()) for index in holders))

    def records(
        self, macs: dict[int, int], ops: Mapping[int, set[str]] | None = None
    ) -> tuple[LayerRecord, ...]:
        seen: set[int] = set()  # parameters by identity: shared and tied weights count once
        records = []
        for call in self.calls:
            name, depth = call.name, call.depth
            is_leaf = not is_holder(call.module)
            own = [*call.module.parameters(recurse=False), *self.borrowed(call.module)]
            if call.module is self.model:
                # the root's totals are the Trace's; it gets a row of its own only for what
                # no other row holds: its own parameters and work, or all of it when the model
                # is itself one layer (torch.nn.Linear as a target) — so rows add up
                owns = bool(own)
                if not (is_leaf or owns or macs.get(call.index, 0)):
                    continue
                kind = module_type(call.module)
                name, depth = (kind if is_leaf else f"{kind} (own)"), 1
                if not is_leaf:  # its activations: what its own code made, not its output
                    call.output_shapes = self.own.shapes(call.index)
                is_leaf = True  # a row for what the root holds itself
            new = [p for p in own if id(p) not in seen]
            new_ids = {id(p) for p in new}
            seen.update(new_ids)
            records.append(
                LayerRecord(
                    index=call.index,
                    name=name,
                    type=module_type(call.module),
                    depth=depth,
                    is_leaf=is_leaf,
                    hparams=hyper_parameters(call.module),
                    input_shapes=call.input_shapes,
                    output_shapes=call.output_shapes,
                    params=sum(p.numel() for p in new),
                    trainable_params=sum(p.numel() for p in new if p.requires_grad),
                    shared_params=sum(p.numel() for p in own if id(p) not in new_ids),
                    call=call.call,
                    own_macs=macs.get(call.index, 0),
                    sources=tuple(sorted(call.sources)),
                    input_field=call.input_field,
                    field=call.field,
                    ops=frozenset((ops or {}).get(call.index, ())),
                    own_made=self.own.elements(call.index) if is_holder(call.module) else None,
                )
            )
        return tuple(records)

    def own_made(self) -> int:
        """Every element the own code of the modules that hold others made and let out."""
        return sum(self.own.elements(c.index) for c in self.calls if is_holder(c.module))

    def failure(self, exc: BaseException, cause: BaseException | None = None) -> TraceError:
        """A TraceError naming the innermost module that was running when ``exc`` was raised,
        located at the line of the model's own code that raised it (``cause``: the exception
        whose traceback says where, when ``exc`` only words it)."""
        where = user_code_position(cause or exc)
        inner = [c for c in self.stack if c.module is not self.model]
        if not inner:
            return TraceError(
                f"the forward pass failed: {first_line(exc)}",
                layer="",
                position=where,
                everywhere=isinstance(exc, DeviceRefusalError),
            )
        call = inner[-1]
        kind = type(call.module).__name__
        shapes = " and ".join(str(drop_batch(s)) for s in call.input_shapes) or call.given
        reason = _linear_mismatch(call.module, call.input_shapes, self.calls) or first_line(exc)
        return TraceError(
            f"{call.name} ({kind}) fails on input {shapes}: {reason}",
            layer=call.name,
            input_shapes=call.input_shapes,
            position=where,
            everywhere=isinstance(exc, DeviceRefusalError),
        )


_LIBRARIES = tuple(
    str(Path(module.__file__).resolve().parent)
    for module in (torch, sys.modules["cnninspect"])
    if module.__file__
)


def user_code_position(exc: BaseException) -> Position | None:
    """The innermost line of the traceback that is the user's code: neither torch's nor
    cnninspect's nor the standard library's (a model file's ``forward``)."""
    found = None
    for frame, line in traceback.walk_tb(exc.__traceback__):
        filename = frame.f_code.co_filename
        path = Path(filename)
        if (
            path.suffix == ".py"
            and path.is_file()
            and not str(path.resolve()).startswith(_LIBRARIES)
            and "site-packages" not in path.parts
            and not filename.startswith(sys.base_prefix)
        ):
            found = Position(filename, line, 1)
    return found


def _linear_mismatch(
    module: nn.Module, input_shapes: tuple[BatchedShape, ...], calls: Sequence[Call]
) -> str | None:
    """Why a Linear rejects its input, in the lecture's terms: 9216 expected, 6400 = 256×5×5."""
    if not isinstance(module, nn.Linear) or not input_shapes:
        return None
    got = input_shapes[0][-1]
    if got == module.in_features:
        return None
    earlier = (c.output_shapes[0] for c in reversed(calls) if c.output_shapes)
    source = flattened_from(got, earlier)
    origin = " = " + "×".join(str(d) for d in source) if source else ""
    return f"Linear expects {module.in_features} features, gets {got}{origin}"


def _given_text(args: Any, kwargs: Any) -> str:
    """A call's arguments when none is a tensor: ``8 (an int)``, for the failure's message."""
    values = [*args, *(kwargs or {}).values()]
    if not values:
        return "(none)"
    kinds = [type(v).__name__ for v in values[:3]]
    shown = [
        f"{_short_repr(v)} ({'an' if k[0] in 'aeiou' else 'a'} {k})"
        for v, k in zip(values, kinds, strict=False)
    ]
    return ", ".join(shown) + (", …" if len(values) > 3 else "")


def _short_repr(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:39] + "…"


def module_type(module: nn.Module) -> str:
    """A YAML block's type name, else the module's class name."""
    return getattr(module, "block_type", None) or type(module).__name__


def hyper_parameters(module: nn.Module) -> tuple[tuple[str, Any], ...]:
    found = []
    for key in _HPARAMS:
        value = getattr(module, key, None)
        if value is None or callable(value) or isinstance(value, torch.Tensor):
            continue
        if key == "mode" and value == type(module).__name__:  # an LSTM's mode is "LSTM"
            continue
        if isinstance(value, list):
            value = tuple(value)
        default = _HPARAM_DEFAULTS.get(key)
        if default is not None and (value == default or value == (default,) * _len(value)):
            continue
        found.append((key, value))
    return tuple(found)


def _len(value: object) -> int:
    return len(value) if isinstance(value, tuple) else 1
