"""``Validation``: what validate found, target by target (torch-free values)."""

from __future__ import annotations

from dataclasses import dataclass

from cnninspect.results.displayable import Displayable
from cnninspect.results.findings import Finding, Severity
from cnninspect.shapes import Shape


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


@dataclass(frozen=True, slots=True, repr=False)  # repr: its table (Displayable)
class Validation(Displayable):
    results: tuple[TargetResult, ...]

    @property
    def findings(self) -> tuple[Finding, ...]:
        return tuple(f for r in self.results for f in r.findings)

    def count(self, severity: Severity) -> int:
        return sum(1 for f in self.findings if f.severity is severity)

    def fails(self, fail_on: Severity = Severity.ERROR) -> bool:
        """Are there findings at or above ``fail_on``? (exit code 1 in the CLI)"""
        return any(r.fails(fail_on) for r in self.results)
