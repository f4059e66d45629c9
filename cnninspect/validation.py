"""``validate``: targets in, a ``Validation`` (findings per target) out; nothing is printed.

Every target is checked in this one process: YAML files (directories are searched for
``*.yaml``/``*.yml``), bundled architectures, and modules (``pkg.mod:attr`` or an
``nn.Module``). A file that does not parse or build is a finding, not an exception, and the
other targets are still checked. Models run on the meta device: shapes only, no weights.

::

    target ──load──▶ ArchSpec ──build──▶ nn.Module ──trace (meta)──▶ Trace
                                                         │
           checks.declarations (CNN101/102/104) · rules (CNN103, CNN201) · solver (the hint)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cnninspect import rules
from cnninspect.errors import BuildError, SpecError, TraceError
from cnninspect.findings import Finding, Severity
from cnninspect.spec import ArchSpec

if TYPE_CHECKING:
    from torch import nn

Shape = tuple[int, ...]
SCHEMA_VERSION = 1
# The findings an input size can cause, and that the solver's hint is about.
SIZE_CODES = ("CNN101", "CNN102", "CNN103")


@dataclass(frozen=True, slots=True)
class TargetResult:
    """What validate found in one target."""

    target: str  # as given (a directory's files each get their own path)
    name: str
    path: str | None  # the YAML file, when there is one
    findings: tuple[Finding, ...]
    suggested_input: Shape | None = None  # channels-first; set when the solver found one

    def worst(self) -> Severity | None:
        return max((f.severity for f in self.findings), default=None)

    def fails(self, fail_on: Severity) -> bool:
        worst = self.worst()
        return worst is not None and worst >= fail_on


@dataclass(frozen=True, slots=True)
class Validation:
    results: tuple[TargetResult, ...]

    @property
    def findings(self) -> tuple[Finding, ...]:
        return tuple(f for r in self.results for f in r.findings)

    def count(self, severity: Severity) -> int:
        return sum(1 for f in self.findings if f.severity is severity)

    def fails(self, fail_on: Severity = Severity.ERROR) -> bool:
        """Are there findings at or above ``fail_on``? (exit code 1 in the CLI)"""
        return any(r.fails(fail_on) for r in self.results)


def expand_targets(targets: Iterable[str]) -> list[str]:
    """Directories become their YAML files (sorted, hidden folders skipped); bundled names
    become their paths; modules stay as they are. A target that names nothing raises
    TargetError (a usage error: nothing is checked)."""
    from cnninspect.targets import YAML_SUFFIXES, is_module_target, yaml_path

    expanded: list[str] = []
    for target in targets:
        path = Path(target)
        if path.is_dir():
            found = sorted(
                p
                for p in path.rglob("*")
                if p.suffix in YAML_SUFFIXES
                and p.is_file()
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
            expanded.extend(str(p) for p in found)
        elif is_module_target(target) and not path.is_file():
            expanded.append(target)
        else:
            found_at = yaml_path(target)
            expanded.append(target if found_at == path else _relative(found_at))
    return list(dict.fromkeys(expanded))


def _relative(path: Path) -> str:
    """A bundled architecture's path as the user's working directory sees it, if it can."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def validate(
    targets: Sequence[str | nn.Module],
    *,
    input_shapes: Sequence[Shape] | None = None,
    args: Mapping[str, Any] | None = None,
    solve: bool = True,
    on_target: Callable[[str, int, int], None] | None = None,
) -> Validation:
    """Check every target; ``input_shapes`` and ``args`` apply to module targets only.

    ``solve``: when a file's declarations fail, search the input size that satisfies them
    all (the hint). ``on_target(target, index, total)`` is called before each target is
    checked (a progress bar).
    """
    order = resolve_targets(targets)  # every name is checked before anything runs
    results = []
    for index, target in enumerate(order):
        if on_target is not None:
            label = target if isinstance(target, str) else type(target).__name__
            on_target(label, index, len(order))
        results.append(validate_target(target, input_shapes=input_shapes, args=args, solve=solve))
    return Validation(tuple(results))


def resolve_targets(targets: Sequence[str | nn.Module]) -> list[str | nn.Module]:
    """The targets in the caller's order, directories expanded in place, duplicates once."""
    resolved: list[str | nn.Module] = []
    seen: set[str] = set()
    for target in targets:
        for item in [target] if not isinstance(target, str) else expand_targets([target]):
            if isinstance(item, str) and item in seen:
                continue
            if isinstance(item, str):
                seen.add(item)
            resolved.append(item)
    return resolved


def validate_target(
    target: str | nn.Module,
    *,
    input_shapes: Sequence[Shape] | None = None,
    args: Mapping[str, Any] | None = None,
    solve: bool = True,
) -> TargetResult:
    """One target: a YAML path, ``pkg.mod:attr`` / ``file.py:attr``, or an ``nn.Module``."""
    from torch import nn

    from cnninspect.targets import import_module_target, is_module_target

    if isinstance(target, nn.Module):
        name = type(target).__name__
        return validate_module(target, target=name, input_shapes=input_shapes)
    if is_module_target(target) and not Path(target).is_file():
        module = import_module_target(target, args or {}, device="meta")
        return validate_module(module, target=target, input_shapes=input_shapes)
    return validate_file(target, solve=solve)


def validate_file(path: str | Path, *, solve: bool = True) -> TargetResult:
    from cnninspect.spec import load

    try:
        spec = load(path)
    except SpecError as error:
        return TargetResult(str(path), Path(path).stem, str(path), (rules.file_error(error),))
    return validate_spec(spec, target=str(path), solve=solve)


def validate_spec(spec: ArchSpec, *, target: str | None = None, solve: bool = True) -> TargetResult:
    """Check a loaded description. With ``solve``, failed declarations get the input size
    that satisfies them all as a hint, and a collapse the smallest input that works."""
    findings = check_spec(spec)
    suggestion = None
    if solve and any(f.code in SIZE_CODES for f in findings):
        from cnninspect.solver import solve_input

        solution = solve_input(spec, baseline=findings)
        if solution is not None and solution.shape != spec.input_shape:
            suggestion = solution.shape
            hint = solution.hint(spec.notation)
            findings = [rules.with_hint(f, hint) if solution.fixes(f) else f for f in findings]
    if solve and any(f.code == "CNN107" for f in findings):
        findings = _collapse_hints(spec, findings)
    return TargetResult(target or spec.path, spec.name, spec.path, tuple(findings), suggestion)


def _collapse_hints(spec: ArchSpec, findings: Sequence[Finding]) -> list[Finding]:
    from cnninspect.solver import min_input_spec
    from cnninspect.spec import from_channels_first

    smallest = min_input_spec(spec)
    if smallest is None:
        return list(findings)
    written = ", ".join(str(d) for d in from_channels_first(smallest, spec.notation))
    hint = f"the smallest square input this description accepts is input: [{written}]"
    return [rules.with_hint(f, hint) if f.code == "CNN107" else f for f in findings]


def check_spec(spec: ArchSpec) -> list[Finding]:
    """Build, trace on meta and apply every rule; no solving (the solver calls this)."""
    from cnninspect import checks
    from cnninspect.build import build
    from cnninspect.summarize import report_from_trace
    from cnninspect.trace import trace

    try:
        built = build(spec)
    except BuildError as error:
        return [rules.file_error(error)]
    try:
        traced = trace(built.module, [spec.input_shape], device="meta")
    except TraceError as error:
        return [rules.trace_failure(error, built.origins)]
    report = report_from_trace(traced, name=spec.name, target=spec.path)
    modules = dict(built.module.named_modules())
    found = [
        *checks.declarations(spec, built.origins, built.declared_inputs, report),
        *rules.dropped_pixels(traced.records, modules, built.origins),
        *rules.linear_chains(built.module, built.origins),
    ]
    return sorted(rules.explain_shapes(found, traced.records, modules), key=rules.file_order)


def validate_module(
    module: nn.Module, *, target: str, input_shapes: Sequence[Shape] | None
) -> TargetResult:
    """A PyTorch module: the forward pass (CNN106/CNN107) and the windows (CNN103)."""
    from cnninspect.targets import load_target
    from cnninspect.trace import trace

    loaded = load_target(module, input_shapes=input_shapes)  # TargetError without an input
    name = target.rpartition(":")[2] or loaded.name
    try:
        traced = trace(module, loaded.input_shapes, device=device_of(module))
    except TraceError as error:
        finding = rules.trace_failure(error, {})
        if finding.code == "CNN107" and len(loaded.input_shapes) == 1:
            finding = _module_collapse_hint(module, loaded.input_shapes[0], finding)
        return TargetResult(target, name, None, (finding,))
    modules = dict(module.named_modules())
    findings = tuple(rules.dropped_pixels(traced.records, modules, {}))
    return TargetResult(target, name, None, findings)


def _module_collapse_hint(module: nn.Module, template: Shape, finding: Finding) -> Finding:
    from cnninspect.solver import min_input_module

    smallest = min_input_module(module, template, device=device_of(module))
    if smallest is None:
        return finding
    size = "x".join(str(d) for d in smallest)
    return rules.with_hint(finding, f"the smallest square input this model accepts is {size}")


def device_of(module: nn.Module) -> str:
    """Where a module's weights are: validate runs it there and moves nothing."""
    from cnninspect.trace import DEVICES

    tensor = next(iter([*module.parameters(), *module.buffers()]), None)
    kind = tensor.device.type if tensor is not None else "cpu"
    return kind if kind in DEVICES else "cpu"
