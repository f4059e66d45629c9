"""One inspection per request: the target loaded once (one parse, one build or one import),
traced once, and every rule applied to that pass. Summary, validate, draw, the HTML page and
``--memory`` all read the one ``Inspection`` a request makes, so no two views of a request can
disagree.

::

    Target ──load──▶ Loaded (description, module) ──trace──▶ Trace ──▶ Report (+ findings)

On meta a description's layers are made by the pass itself, each when its input reaches it
(``construct/builder.py``): the build runs nothing of its own and every layer runs once. The
documented exceptions to "once": ``device="auto"`` runs the pass again on cpu when meta cannot
run the model (data-dependent ops); on a real device a description's layers are made by a run
on meta first (the memory guard needs their shapes before anything is allocated); and a
description whose declarations fail builds the candidate inputs that the hint's search tries
(``api/hints.py``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cnninspect.api.request import (
    DescriptionFile,
    Feed,
    ModuleObject,
    ModuleReference,
    Target,
    feed_shapes,
    target_label,
)
from cnninspect.construct.origins import DeclaredInput, LayerOrigin
from cnninspect.description.architecture import ArchSpec
from cnninspect.errors import (
    BuildError,
    CnninspectError,
    DeviceError,
    SpecError,
    SpecMistakesError,
    TargetError,
    TraceError,
)
from cnninspect.inputs import Example, Inputs
from cnninspect.results.findings import join_hints
from cnninspect.results.report import Report
from cnninspect.shapes import Shape

if TYPE_CHECKING:
    from torch import nn

    from cnninspect.construct.builder import Built
    from cnninspect.trace.records import Trace


@dataclass(frozen=True)
class Loaded:
    """A target made into a module: the description it was built from (if any) and what the
    build knows that the module does not (positions, declarations)."""

    module: nn.Module
    input_shapes: tuple[Shape, ...]
    name: str
    label: str
    description: ArchSpec | None = None
    built: Built | None = None  # a description's build (its layers made by the first pass)

    @property
    def origins(self) -> Mapping[str, LayerOrigin]:
        return self.built.origins if self.built is not None else {}

    @property
    def declared_inputs(self) -> Sequence[DeclaredInput]:
        return self.built.declared_inputs if self.built is not None else ()

    @property
    def largest_activation(self) -> int:
        """Elements per sample of the largest layer output, when known before the pass."""
        return self.built.largest_activation if self.built is not None else 0


@dataclass(frozen=True)
class Inspection:
    """What one request found: the loaded target, its one pass, and the report every view
    formats (rows, totals, every finding of the pass, the arithmetic)."""

    loaded: Loaded
    trace: Trace
    report: Report


def read(target: DescriptionFile, feed: Feed = None) -> ArchSpec:
    """The description, parsed once, with the input ``feed`` gives instead of its own (one
    float tensor: a description has one input). Every mistake the file holds is raised at
    once: what cannot be read, and every layer's keywords against torch's signatures."""
    from cnninspect.construct.keywords import keyword_mistakes
    from cnninspect.description.parser import load_partly

    description, mistakes = load_partly(target.path)
    if description is None:
        raise SpecMistakesError(mistakes)
    # all of a file's mistakes at once: what cannot be read, and every keyword
    every: list[SpecError | BuildError] = [*mistakes, *keyword_mistakes(description)]
    if every:
        raise SpecMistakesError(every)
    shapes = description_input(feed)
    if shapes is not None:
        description = dataclasses.replace(description, input_shape=shapes)
    return description


def description_input(feed: Feed) -> Shape | None:
    """The one per-sample input shape a description takes from ``feed`` (None: its own)."""
    if feed is None:
        return None
    if isinstance(feed, Inputs) and not feed.plain:
        raise TargetError(
            "a YAML description takes one float input: typed inputs, values, keywords, lists "
            "and dicts are for module targets"
        )
    if isinstance(feed, Example):
        from cnninspect.trace.arguments import is_one_tensor

        if not is_one_tensor(feed):
            raise TargetError(
                "a YAML description takes one float input: give input_data one tensor"
            )
    shapes = feed_shapes(feed)
    if shapes is None or len(shapes) != 1:
        raise TargetError("a YAML architecture takes exactly one input")
    if not shapes[0]:
        raise TargetError(
            "a YAML architecture's input has at least one size (features, or channels "
            "and spatial sizes), not a 0-d scalar"
        )
    return tuple(shapes[0])


def load(
    target: Target,
    feed: Feed = None,
    *,
    device: str = "meta",
    dtype: str | None = None,
    description: ArchSpec | None = None,
    lazy: bool = False,
) -> Loaded:
    """Build a description, construct a module reference on ``device`` (meta: no weights), or
    copy the caller's module onto ``device`` at ``dtype`` (the caller's model never moves).
    ``description``: already parsed (``read``). ``lazy``: a description's layers are made by
    the model's first pass (the trace on meta) rather than by a pass of the build's own."""
    label = target_label(target)
    if isinstance(target, DescriptionFile):
        from cnninspect.construct.builder import build

        spec = description or read(target, feed)
        built = build(spec, lazy=lazy)
        return Loaded(
            module=built.module,
            input_shapes=(spec.input_shape,),
            name=spec.name,
            label=label,
            description=spec,
            built=built,
        )
    shapes = feed_shapes(feed)
    if shapes is None:  # nothing given (a call of literals alone, or of nothing, is given)
        raise TargetError(
            f"{label} is a PyTorch module: give its input shape without the batch",
            hint="for example --input 3x224x224 (repeat --input for several inputs)",
        )
    if isinstance(target, ModuleReference):
        from cnninspect.construct.construction import import_module_target

        module = import_module_target(target.text, target.args, device=device)
    else:
        from cnninspect.trace.forward import check_device, check_dtype
        from cnninspect.trace.placement import placed_copy

        convert = check_dtype(dtype) if dtype is not None else None  # None: its own
        module = placed_copy(target.module, check_device(device), convert)
    return Loaded(module, tuple(shapes or ()), target.name, label)


def inspect(
    target: Target,
    feed: Feed = None,
    *,
    batch: int = 1,
    device: str = "auto",
    dtype: str | None = None,
    mode: str = "eval",
    data_flow: bool = True,
    description: ArchSpec | None = None,
) -> Inspection:
    """Load, trace once and check ``target`` (``description``: already parsed, ``read``).
    ``device="auto"``: meta, or cpu when meta cannot run the model (said in
    ``report.device_note``); a module object runs where its weights are. ``data_flow``:
    receptive fields and the wiring between calls (summary's columns, draw)."""
    if description is None and isinstance(target, DescriptionFile):
        description = read(target, feed)

    def on(where: str) -> Inspection:
        return _inspect_on(
            target,
            feed,
            device=where,
            description=description,
            batch=batch,
            dtype=dtype,
            mode=mode,
            data_flow=data_flow,
        )

    if device != "auto":
        return on(device)
    if isinstance(target, ModuleObject):
        from cnninspect.trace.forward import device_of

        return on(device_of(target.module))
    try:
        return on("meta")
    except CnninspectError as on_meta:
        if not _worth_cpu(on_meta, target, feed):
            raise
        found = on("cpu")  # its own error if it fails on cpu too
        report = dataclasses.replace(found.report, device_note=_why_not_meta(on_meta.message))
        return dataclasses.replace(found, report=report)


def _worth_cpu(on_meta: CnninspectError, target: Target, feed: Feed) -> bool:
    """Whether cpu may succeed where meta failed. What cannot differ is not retried: a file
    that does not build fails the same way everywhere, so does a refusal cnninspect makes on
    every device (an id beyond an embedding's table), and so do meta tensors given as
    input_data (cpu has no values to run them on). A module reference's constructor runs
    differently on meta: it may fail there only."""
    if isinstance(on_meta, DeviceError | SpecError):
        return False
    if isinstance(feed, Example):
        from cnninspect.trace.arguments import example_on_meta

        if example_on_meta(feed):
            return False
    if isinstance(on_meta, TraceError):
        return not on_meta.everywhere
    return isinstance(target, ModuleReference)


def _why_not_meta(message: str) -> str:
    """A short reason for the device line: meta's own words are a paragraph."""
    for op in ("nonzero", "item", "unique", "masked_select", "repeat_interleave"):
        if f"{op}(" in message or f".{op}" in message:
            return f"meta cannot run it: its work depends on values (torch.{op})"
    if "data-dependent" in message or "data dependent" in message:
        return "meta cannot run it: its work depends on values"
    first = message.split(": ", 1)[-1].split(". ", maxsplit=1)[0]
    return "meta cannot run it: " + (first if len(first) <= 80 else first[:79] + "…")


def _inspect_on(
    target: Target,
    feed: Feed,
    *,
    device: str,
    description: ArchSpec | None,
    batch: int,
    dtype: str | None,
    mode: str,
    data_flow: bool,
) -> Inspection:
    from cnninspect.trace.forward import check_device

    check_device(device)  # before constructing anything: a missing GPU is one line
    # on meta the pass makes a description's layers: each runs once; on a real device the
    # build runs once on meta first (the memory guard needs its shapes before the pass)
    loaded = load(
        target, feed, device=device, dtype=dtype, description=description, lazy=device == "meta"
    )
    return trace_loaded(
        loaded, feed, device=device, batch=batch, dtype=dtype, mode=mode, data_flow=data_flow
    )


def trace_loaded(
    loaded: Loaded,
    feed: Feed = None,
    *,
    device: str = "meta",
    batch: int = 1,
    dtype: str | None = None,
    mode: str = "eval",
    data_flow: bool = True,
) -> Inspection:
    """The one pass of a loaded target, its report and every finding of the pass. A failure
    at a layer of a description is located at that layer's line."""
    from cnninspect.checks.explain import explain
    from cnninspect.checks.rules import pass_findings
    from cnninspect.results.from_trace import report_from_trace
    from cnninspect.trace.forward import trace as run_trace

    if isinstance(feed, Example):
        batch = _example_batch(feed, batch)
    try:
        traced = run_trace(
            loaded.module,
            loaded.input_shapes,
            batch=batch,
            device=device,
            dtype=dtype,
            largest_activation=loaded.largest_activation,
            mode=mode,
            feed=_described(feed),
            data_flow=data_flow,
        )
    except TraceError as error:
        origin = loaded.origins.get(error.layer)
        if origin is not None and error.position is None:
            error.position = origin.position
        error.hint = join_hints(error.hint, input_hint(feed, loaded.input_shapes, error.message))
        raise
    source = loaded.description.source if loaded.description else None
    report = report_from_trace(traced, name=loaded.name, target=loaded.label, source=source)
    findings = pass_findings(
        loaded.module,
        traced.records,
        report,
        description=loaded.description,
        origins=loaded.origins,
        declared_inputs=loaded.declared_inputs,
    )
    report = dataclasses.replace(
        report,
        findings=tuple(findings),
        explanations=explain(traced.records, dict(loaded.module.named_modules())),
        described=loaded.description is not None,
    )
    return Inspection(loaded, traced, report)


def input_hint(feed: Feed, shapes: Sequence[Shape], message: str) -> str | None:
    """What the user most likely meant, when a pass fails on what it was given: a number given
    as a keyword where a tensor was wanted (``meta=8``), or the batch written into the shape
    (torchinfo's ``1x3x224x224``)."""
    if isinstance(feed, Inputs) and "must be Tensor" in message:
        for name, value in feed.kwargs:
            if isinstance(value, int | float) and not isinstance(value, bool):
                return (
                    f"{name}={value} gives the number {value}; a tensor of {value} features is "
                    f"{name}=float:{value} (long:{value} for token ids)"
                )
    batched = [s for s in shapes if len(s) >= 3 and s[0] == 1]
    if batched and "got input of size" in message:
        shape = batched[0]
        return (
            f"--input is one sample, without the batch: {'x'.join(map(str, shape))} runs as a "
            f"batch of {'×'.join(map(str, shape))} tensors; did you mean "
            f"--input {'x'.join(map(str, shape[1:]))} (and --batch for more than one)?"
        )
    return None


def _described(feed: Feed) -> Inputs | Example | None:
    """What the trace makes ``forward``'s arguments of: real values, or described inputs
    richer than float tensors (plain shapes are made from ``input_shapes``)."""
    if isinstance(feed, Inputs) and feed.plain:
        return None
    return feed


def _example_batch(example: Example, batch: int) -> int:
    """Real values carry their own batch: ``batch`` may only repeat it."""
    from cnninspect.trace.arguments import example_layout

    example_batch = example_layout(example)[1]
    if batch not in (1, example_batch):
        raise TargetError(
            f"batch={batch}, but input_data's batch is {example_batch}: real values carry "
            "their own batch"
        )
    return example_batch
