"""The validate use case: targets in, a ``Validation`` (findings per target) out; nothing is
printed.

Every target is checked in this one process: YAML files (directories are searched for
``*.yaml``/``*.yml``), bundled architectures, and modules (``pkg.mod:attr`` or an
``nn.Module``). A file that does not parse or build is a finding, not an exception, and the
other targets are still checked. Models run on the meta device: shapes only, no weights.

::

    target ──load──▶ ArchSpec ──build──▶ nn.Module ──trace (meta)──▶ Trace
                                                         │
         checks: declarations (CNN101/102/104) · pixels (CNN103) · linearity (CNN201)
                 · solver (the hint)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cnninspect.build.targets import is_module_target, resolve_targets
from cnninspect.checks.failures import file_error, load_failure, trace_failure
from cnninspect.errors import BuildError, SpecError, TargetError, TraceError
from cnninspect.inputs import Inputs
from cnninspect.results.findings import Finding, file_order, with_hint
from cnninspect.results.validation import TargetResult, Validation
from cnninspect.shapes import Shape, from_channels_first
from cnninspect.spec.values import ArchSpec

if TYPE_CHECKING:
    from torch import nn

    from cnninspect.build.builder import Built

# The findings an input size can cause, and that the solver's hint is about. A search runs for
# declarations that fail (errors); dropped pixels alone (a warning) carry their own exact sizes.
SIZE_CODES = ("CNN101", "CNN102", "CNN103")
DECLARATION_CODES = ("CNN101", "CNN102")
# The solver builds and traces the model once per candidate input: at most this many layers
# in all (alexnet-paper: every candidate; a 1,000-layer file: 5 of them).
SOLVER_LAYER_BUDGET = 5_000


def validate(
    targets: Sequence[str | nn.Module],
    *,
    input_shapes: Sequence[Shape] | None = None,
    args: Mapping[str, Any] | None = None,
    solve: bool = True,
    on_target: Callable[[str, int, int], None] | None = None,
    inputs: Inputs | None = None,
) -> Validation:
    """Check every target; ``input_shapes``, ``inputs`` (what ``forward`` takes beyond float
    tensors: ``cnninspect.inputs``) and ``args`` apply to module targets only.

    ``solve``: when a file's declarations fail, search the input size that satisfies them
    all (the hint). ``on_target(target, index, total)`` is called before each target is
    checked (a progress bar).
    """
    order = resolve_targets(targets)  # every name is checked before anything runs
    _check_module_options(order, bool(input_shapes) or inputs is not None, args)
    results = []
    for index, target in enumerate(order):
        if on_target is not None:
            label = target if isinstance(target, str) else type(target).__name__
            on_target(label, index, len(order))
        results.append(
            validate_target(
                target, input_shapes=input_shapes, args=args, solve=solve, inputs=inputs
            )
        )
    return Validation(tuple(results))


def validate_target(
    target: str | nn.Module,
    *,
    input_shapes: Sequence[Shape] | None = None,
    args: Mapping[str, Any] | None = None,
    solve: bool = True,
    inputs: Inputs | None = None,
) -> TargetResult:
    """One target: a YAML path, ``pkg.mod:attr`` / ``file.py:attr``, or an ``nn.Module``.

    A YAML file is read before torch is imported; a module that cannot be imported or
    constructed is a finding (CNN007), like a file that does not parse.
    """
    if not isinstance(target, str):
        return validate_module(
            target, target=type(target).__name__, input_shapes=input_shapes, inputs=inputs
        )
    if is_module_target(target) and not Path(target).is_file():
        from cnninspect.build.construction import import_module_target

        try:
            module = import_module_target(target, args or {}, device="meta")
        except TargetError as error:
            name = target.rpartition(":")[2]
            return TargetResult(target, name, None, (load_failure(error),))
        return validate_module(module, target=target, input_shapes=input_shapes, inputs=inputs)
    return validate_file(target, solve=solve)


def validate_file(path: str | Path, *, solve: bool = True) -> TargetResult:
    from cnninspect.spec.parser import load

    try:
        spec = load(path)
    except SpecError as error:
        return TargetResult(str(path), Path(path).stem, str(path), (file_error(error),))
    return validate_spec(spec, target=str(path), solve=solve)


def validate_spec(spec: ArchSpec, *, target: str | None = None, solve: bool = True) -> TargetResult:
    """Check a loaded description. With ``solve``, failed declarations get the input size
    that satisfies them all as a hint, and a collapse the smallest input that works."""
    findings = check_spec(spec)
    suggestion = None
    if solve and any(f.code in DECLARATION_CODES for f in findings):
        from cnninspect.checks.solver import solve_input
        from cnninspect.spec.expansion import count_layers
        from cnninspect.spec.limits import current as current_limits

        # each candidate input builds the whole model: the search is bounded in layers built
        layers = max(1, count_layers(spec, current_limits()))
        tries = max(0, SOLVER_LAYER_BUDGET // layers)
        solution = solve_input(spec, check_candidate, baseline=findings, radius=min(32, tries // 2))
        if solution is not None and solution.shape != spec.input_shape:
            suggestion = solution.shape
            hint = solution.hint(spec.notation)
            findings = [with_hint(f, hint) if solution.fixes(f) else f for f in findings]
    if solve and any(f.code == "CNN107" for f in findings):
        findings = _collapse_hints(spec, findings)
    return TargetResult(target or spec.path, spec.name, spec.path, tuple(findings), suggestion)


def _collapse_hints(spec: ArchSpec, findings: Sequence[Finding]) -> list[Finding]:
    from cnninspect.checks.solver import min_input_spec

    smallest = min_input_spec(spec)
    if smallest is None:
        return list(findings)
    written = ", ".join(str(d) for d in from_channels_first(smallest, spec.notation))
    hint = f"the smallest square input this description accepts is input: [{written}]"
    return [with_hint(f, hint) if f.code == "CNN107" else f for f in findings]


def check_spec(spec: ArchSpec) -> list[Finding]:
    """Build, trace on meta and apply every rule; no solving."""
    return _check(spec, quick=False)


def check_candidate(spec: ArchSpec) -> list[Finding]:
    """``check_spec`` for the solver's candidate inputs: a candidate whose declared shapes
    already differ from the shapes computed while building is rejected without its forward
    pass (the pass computes the same shapes: its findings would include these)."""
    return _check(spec, quick=True)


def _check(spec: ArchSpec, *, quick: bool) -> list[Finding]:
    from cnninspect.build.builder import build
    from cnninspect.checks.declarations import declared_shapes

    try:
        built = build(spec)
    except BuildError as error:
        return [file_error(error)]
    wrong = list(declared_shapes(spec, built.origins, built.layer_shapes)) if quick else []
    return wrong or _check_built(spec, built)


def _check_built(spec: ArchSpec, built: Built) -> list[Finding]:
    from cnninspect.api.summary import report_from_trace
    from cnninspect.checks.declarations import declarations, explain_shapes
    from cnninspect.checks.linearity import linear_chains
    from cnninspect.checks.pixels import dropped_pixels
    from cnninspect.trace.forward import trace

    try:
        traced = trace(built.module, [spec.input_shape], device="meta", data_flow=False)
    except TraceError as error:
        return [trace_failure(error, built.origins)]
    report = report_from_trace(traced, name=spec.name, target=spec.path)
    modules = dict(built.module.named_modules())
    found = [
        *declarations(spec, built.origins, built.declared_inputs, report),
        *dropped_pixels(traced.records, modules, built.origins),
        *linear_chains(built.module, built.origins),
    ]
    return sorted(explain_shapes(found, traced.records, modules), key=file_order)


def validate_module(
    module: nn.Module,
    *,
    target: str,
    input_shapes: Sequence[Shape] | None,
    inputs: Inputs | None = None,
) -> TargetResult:
    """A PyTorch module: the forward pass (CNN106/CNN107) and the windows (CNN103)."""
    from cnninspect.build.targets import load_target
    from cnninspect.checks.pixels import dropped_pixels
    from cnninspect.trace.forward import device_of, trace

    if inputs is not None:  # its tensors' shapes are the input shapes
        input_shapes = list(inputs.tensor_shapes())
    loaded = load_target(module, input_shapes=input_shapes)  # TargetError without an input
    name = target.rpartition(":")[2] or loaded.name
    try:
        traced = trace(module, loaded.input_shapes, device=device_of(module), arguments=inputs)
    except TraceError as error:
        finding = trace_failure(error, {})
        if finding.code == "CNN107" and len(loaded.input_shapes) == 1 and inputs is None:
            finding = _module_collapse_hint(module, loaded.input_shapes[0], finding)
        return TargetResult(target, name, None, (finding,))
    modules = dict(module.named_modules())
    findings = tuple(dropped_pixels(traced.records, modules, {}))
    return TargetResult(target, name, None, findings)


def _module_collapse_hint(module: nn.Module, template: Shape, finding: Finding) -> Finding:
    from cnninspect.checks.solver import min_input_module
    from cnninspect.trace.forward import device_of

    smallest = min_input_module(module, template, device=device_of(module))
    if smallest is None:
        return finding
    size = "x".join(str(d) for d in smallest)
    return with_hint(finding, f"the smallest square input this model accepts is {size}")


def _check_module_options(
    targets: Sequence[str | nn.Module],
    input_given: bool,
    args: Mapping[str, Any] | None,
) -> None:
    """--input and --arg configure module targets; with none among the targets they would be
    ignored silently — a usage error instead."""
    modules = [t for t in targets if not isinstance(t, str) or is_module_target(t)]
    if modules:
        return
    for option, given in (("--input", input_given), ("--arg", bool(args))):
        if given:
            raise TargetError(
                f"{option} applies to module targets (pkg.mod:attr, file.py:attr); "
                "a YAML description declares its own input and arguments"
            )
