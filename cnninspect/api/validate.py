"""The validate use case: targets in, a ``Validation`` (findings per target) out; nothing is
printed.

Every target is checked in this one process: YAML files (directories are searched for
``*.yaml``/``*.yml``), bundled architectures, and modules (``pkg.mod:attr`` or an
``nn.Module``). A file that does not parse or build is a finding, not an exception, and the
other targets are still checked. Models run on the meta device (a model object where its
weights are): shapes only, no weights. What every target receives is the request's one feed:
a description given one is checked at that input instead of its own.

::

    target ──read──▶ ArchSpec ──one pass on meta (its layers made as it runs)──▶ Trace
                                                         │
         checks (checks/rules.py): declarations (CNN101/102/104) · pixels (CNN103)
                 · linearity (CNN201) · hints (api/hints.py: the solver)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cnninspect.api.hints import check_spec, solved
from cnninspect.api.inspection import load, read, trace_loaded
from cnninspect.api.request import (
    DescriptionFile,
    Feed,
    ModuleObject,
    ModuleReference,
    Target,
    feed_shapes,
    resolve_each,
    target_label,
)
from cnninspect.checks.failures import file_errors, load_failure, trace_failure
from cnninspect.description.architecture import ArchSpec
from cnninspect.errors import SpecError, TargetError, TraceError
from cnninspect.inputs import Inputs
from cnninspect.results.findings import Finding, with_hint
from cnninspect.results.validation import TargetResult, Validation
from cnninspect.shapes import Shape

if TYPE_CHECKING:
    from torch import nn


def validate(
    targets: Sequence[str | nn.Module | Target],
    feed: Feed = None,
    *,
    args: Mapping[str, Any] | None = None,
    solve: bool = True,
    on_target: Callable[[str, int, int], None] | None = None,
) -> Validation:
    """Check every target at what ``feed`` gives ``forward`` (None: each description's own
    input; a module needs one). ``args`` configure the module references' constructors.

    ``solve``: when a file's declarations fail, search the input size that satisfies them
    all (the hint). ``on_target(target, index, total)`` is called before each target is
    checked (a progress bar).
    """
    order = resolve_each(targets, args)  # every target resolved before anything runs
    results = []
    for index, target in enumerate(order):
        if on_target is not None:
            on_target(target_label(target), index, len(order))
        results.append(validate_target(target, feed, solve=solve))
    return Validation(tuple(results))


def validate_target(target: Target, feed: Feed = None, *, solve: bool = True) -> TargetResult:
    """One target. A file that does not parse or build, or a module that cannot be imported
    or constructed (CNN007), is a finding, not an exception."""
    if isinstance(target, DescriptionFile):
        try:
            description = read(target, feed)
        except SpecError as error:
            name = target.path.stem
            return TargetResult(target.label, name, str(target.path), file_errors(error))
        return validate_description(description, target, solve=solve)
    return validate_module(target, feed)


def validate_file(path: str | Path, *, solve: bool = True) -> TargetResult:
    """A YAML file at its own input."""
    return validate_target(DescriptionFile(Path(path), str(path)), solve=solve)


def validate_description(
    description: ArchSpec, target: DescriptionFile, *, solve: bool = True
) -> TargetResult:
    """Check a parsed description. With ``solve``, failed declarations get the input size
    that satisfies them all as a hint, and a collapse the smallest input that works."""
    findings: Sequence[Finding] = check_spec(description)
    suggestion = None
    if solve:
        findings, suggestion = solved(description, findings)
    return TargetResult(
        target.label, description.name, description.path, tuple(findings), suggestion
    )


def validate_module(target: ModuleReference | ModuleObject, feed: Feed) -> TargetResult:
    """A PyTorch module, run on meta (a module object: where its weights are): the forward
    pass (CNN106/CNN107) and the windows (CNN103)."""
    from cnninspect.trace.forward import device_of

    label = target_label(target)
    if not feed_shapes(feed):
        raise TargetError(
            f"{label} is a PyTorch module: give its input shape without the batch",
            hint="for example --input 3x224x224 (repeat --input for several inputs)",
        )
    device = device_of(target.module) if isinstance(target, ModuleObject) else "meta"
    try:
        loaded = load(target, feed, device=device)
    except TargetError as error:
        if isinstance(target, ModuleObject):
            raise
        return TargetResult(label, target.name, None, (load_failure(error),))
    try:
        inspection = trace_loaded(loaded, feed, device=device, data_flow=False)
    except TraceError as error:
        finding = trace_failure(error, {})
        plain = isinstance(feed, Inputs) and feed.plain and len(loaded.input_shapes) == 1
        if finding.code == "CNN107" and plain:
            finding = _module_collapse_hint(loaded.module, loaded.input_shapes[0], finding)
        return TargetResult(label, loaded.name, None, (finding,))
    return TargetResult(label, loaded.name, None, inspection.report.findings)


def _module_collapse_hint(module: nn.Module, template: Shape, finding: Finding) -> Finding:
    from cnninspect.checks.solver import min_input_module
    from cnninspect.trace.forward import device_of

    smallest = min_input_module(module, template, device=device_of(module))
    if smallest is None:
        return finding
    size = "x".join(str(d) for d in smallest)
    return with_hint(finding, f"the smallest square input this model accepts is {size}")
