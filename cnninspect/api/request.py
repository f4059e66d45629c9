"""What one request inspects, and what ``forward`` receives: resolved once, at the entry.

Every command and every public function turns its arguments into these two values first and
hands them on; no use case classifies a target string or normalises inputs again::

    "resnet18", "x.yaml"          → DescriptionFile   (a YAML description: path and label)
    "pkg.mod:attr", "f.py:Net"    → ModuleReference   (code to import, with --arg values)
    an nn.Module                  → ModuleObject      (the caller's model, never moved)

    --input / input_shape / inputs → Inputs   (the input language: cnninspect.inputs)
    input_data (+ forward_kwargs)  → Example  (real values, API only)
    nothing                        → None     (a description's own input)

Torch-free: resolving never imports torch, so a target that names nothing is refused at once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias, cast

from cnninspect.construct.targets import (
    check_module_file,
    is_module_target,
    resolve_targets,
    yaml_path,
)
from cnninspect.errors import TargetError
from cnninspect.inputs import Example, Inputs, TensorInput, ValueReference, parse_inputs
from cnninspect.shapes import Shape

if TYPE_CHECKING:
    from torch import nn


@dataclass(frozen=True, slots=True)
class DescriptionFile:
    """A YAML description: the file read, and the target as the user named it."""

    path: Path
    label: str


@dataclass(frozen=True, slots=True)
class ModuleReference:
    """``pkg.mod:attr`` or ``path/to/file.py:attr``, and the constructor's ``--arg`` values."""

    text: str
    args: Mapping[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.text.rpartition(":")[2]


@dataclass(frozen=True, slots=True)
class ModuleObject:
    """A module the caller built: inspected through a copy, never moved or converted."""

    module: nn.Module

    @property
    def name(self) -> str:
        return type(self.module).__name__


Target: TypeAlias = DescriptionFile | ModuleReference | ModuleObject
# What ``forward`` receives: described inputs, real values, or (None) a description's own input.
Feed: TypeAlias = Inputs | Example | None

ARGS_ON_DESCRIPTION = "a description's layers take their arguments in the file"


def resolve_target(
    target: str | nn.Module | Target, args: Mapping[str, Any] | None = None
) -> Target:
    """Classify ``target`` once. ``args`` (``--arg``) configure a module reference's constructor;
    given for anything else they are refused, never ignored."""
    if isinstance(target, ModuleReference) and args:
        return ModuleReference(target.text, {**target.args, **args})
    if isinstance(target, DescriptionFile | ModuleReference | ModuleObject):
        resolved = target
    elif isinstance(target, Path):  # an entry of a folder scan: reading it says what it is
        resolved = DescriptionFile(target, str(target))
    elif isinstance(target, str) and is_module_target(target) and not Path(target).is_file():
        check_module_file(target)  # a missing file.py is refused before torch is imported
        return ModuleReference(target, dict(args or {}))
    elif isinstance(target, str):
        found = yaml_path(target)
        resolved = DescriptionFile(found, target)
    else:
        resolved = ModuleObject(target)
    if args:
        what = (
            f"{resolved.label} is a YAML description"
            if isinstance(resolved, DescriptionFile)
            else "the model given is already constructed"
        )
        described = isinstance(resolved, DescriptionFile)
        raise TargetError(
            f"--arg configures a module's constructor; {what}",
            hint=ARGS_ON_DESCRIPTION if described else "give them where you construct it",
        )
    return resolved


def resolve_each(
    targets: Sequence[str | nn.Module | Target], args: Mapping[str, Any] | None = None
) -> list[Target]:
    """Several targets, as ``validate`` and ``min-input`` take them: folders expanded to their
    files, duplicates once, each classified. ``args`` go to the module references among them
    (the targets may mix kinds); with none among them they are refused, never ignored."""
    named = cast("list[str | nn.Module | Target]", resolve_targets(targets))
    order = [
        resolve_target(t, args if isinstance(t, str) and is_module_target(t) else None)
        for t in named
    ]
    if args and not any(isinstance(t, ModuleReference) for t in order):
        raise TargetError(
            "--arg applies to module targets (pkg.mod:attr, file.py:attr); a YAML description "
            "declares its own arguments"
        )
    return order


def target_label(target: Target) -> str:
    """The target as reports name it: what the user typed, or the module's class."""
    if isinstance(target, DescriptionFile):
        return target.label
    if isinstance(target, ModuleReference):
        return target.text
    return target.name


CONFLICT = (
    "give what forward receives once: input shapes, inputs (the input language) or "
    "input_data (real values)"
)


def resolve_feed(
    *,
    input_shape: Sequence[int] | Sequence[Sequence[int]] | None = None,
    inputs: Sequence[str] | str | None = None,
    input_data: Any = None,
    forward_kwargs: Mapping[str, Any] | None = None,
) -> Feed:
    """The one value that says what ``forward`` receives; two ways at once are refused with
    one message, wherever they are given."""
    given = [input_shape is not None, bool(inputs), input_data is not None]
    if sum(given) > 1:
        raise TargetError(CONFLICT)
    if forward_kwargs is not None and input_data is None:
        raise TargetError(
            "forward_kwargs goes with input_data; with input shapes, give keywords in inputs "
            "(e.g. inputs=['3x224x224', 'steps=12'])"
        )
    if input_data is not None:
        from cnninspect.trace.arguments import example

        return example(input_data, forward_kwargs)
    if inputs:
        return _with_values(parse_inputs([inputs] if isinstance(inputs, str) else list(inputs)))
    if input_shape is not None:
        return feed_of_shapes(_shape_list(input_shape))
    return None


def _with_values(described: Inputs) -> Feed:
    """The inputs with their ``@`` references read (a file through
    ``torch.load(weights_only=True)``, an object imported); when every tensor is then a real
    one, they are an ``Example`` (used as given, batch included), else real values beside
    seeded tensors."""
    if not any(isinstance(v, ValueReference) for v in _walk(described)):
        return described

    def read(value: Any) -> Any:
        if isinstance(value, ValueReference):
            return _read_reference(value)
        if isinstance(value, list):
            return [read(v) for v in value]
        if isinstance(value, dict):
            return {k: read(v) for k, v in value.items()}
        return value

    args = tuple(read(a) for a in described.args)
    kwargs = tuple((k, read(v)) for k, v in described.kwargs)
    from cnninspect.trace.arguments import example, holds_a_tensor

    read_in = Inputs(args, kwargs)
    if any(isinstance(v, TensorInput) for v in _walk(read_in)) or not holds_a_tensor(read_in):
        return read_in  # real values beside seeded tensors (moved where the pass runs)
    if len(args) == 1 and not kwargs and not isinstance(args[0], str):
        return example(args[0])  # one @file: a tensor, a list of arguments or a dict of keywords
    return example(list(args), dict(kwargs))


def _walk(described: Inputs) -> list[Any]:
    found: list[Any] = []
    pending: list[Any] = [*described.args, *(v for _, v in described.kwargs)]
    while pending:
        value = pending.pop()
        found.append(value)
        if isinstance(value, list):
            pending += value
        elif isinstance(value, dict):
            pending += list(value.values())
    return found


def _read_reference(reference: ValueReference) -> Any:
    if not reference.is_file:
        from cnninspect.construct.construction import ImportRef

        return ImportRef(reference.target).resolve()
    import pickle

    import torch

    path = Path(reference.target)
    if not path.is_file():
        raise TargetError(f"--input @{reference.target}: no such file")
    try:
        return torch.load(path, weights_only=True, map_location="cpu")
    except (pickle.UnpicklingError, RuntimeError, EOFError, ValueError) as exc:
        words = str(exc).split(".")[0] if str(exc) else type(exc).__name__  # (no terminal codes)
        raise TargetError(
            f"--input @{reference.target}: torch.load(weights_only=True) cannot read it ({words})",
            hint="save tensors, lists and dicts of them with torch.save: no other object is "
            "read (weights_only: a file never runs code)",
        ) from None


def feed_of_shapes(shapes: Sequence[Shape]) -> Inputs:
    """Float tensors of these per-sample shapes, as ``--input 3x224x224`` gives them."""
    return Inputs(tuple(TensorInput(tuple(s)) for s in shapes))


def _shape_list(input_shape: Sequence[int] | Sequence[Sequence[int]]) -> list[Shape]:
    """(3, 224, 224) or [(3, 224, 224), (5,)] → a list of shapes."""
    items: list[Any] = list(input_shape)
    nested = bool(items) and not isinstance(items[0], int)
    return [tuple(s) for s in items] if nested else [tuple(items)]


def feed_shapes(feed: Feed) -> tuple[Shape, ...] | None:
    """The per-sample shapes of the tensors ``feed`` gives (None: the description's own)."""
    if feed is None:
        return None
    if isinstance(feed, Inputs):
        return feed.tensor_shapes()
    from cnninspect.trace.arguments import example_layout

    return example_layout(feed)[0]


def float_shapes(feed: Feed, *, command: str) -> tuple[Shape, ...] | None:
    """The shapes of a feed of plain float tensors; anything richer is refused by ``command``
    (min-input: it makes its own float inputs)."""
    if feed is None:
        return None
    if isinstance(feed, Inputs) and feed.plain:
        return feed.tensor_shapes()
    raise TargetError(
        f"cnninspect {command} takes float inputs given as shapes (3x224x224): dtypes, values, "
        "keywords, lists, dicts and real values are for summary, diff, validate, draw and "
        "memory"
    )
