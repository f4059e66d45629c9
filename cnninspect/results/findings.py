"""A finding: one thing a check has to say about an architecture (torch-free value type)."""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass

from cnninspect.errors import Position


class Severity(enum.IntEnum):
    """Ordered, so that ``--fail-on warning`` means "warning or worse"."""

    INFO = 0
    WARNING = 1
    ERROR = 2

    def __str__(self) -> str:
        return self.name.lower()


@dataclass(frozen=True, slots=True)
class Finding:
    code: str  # stable: CNN0xx for the file, CNN1xx for what the forward pass shows
    severity: Severity
    message: str
    layer: str | None = None
    position: Position | None = None
    hint: str | None = None

    def __str__(self) -> str:
        where = f"{self.position}: " if self.position else ""
        return f"{where}{self.code} {self.severity}: {self.message}"


def with_hint(finding: Finding, hint: str | None) -> Finding:
    """The finding with ``hint`` added after the hint it already has."""
    return dataclasses.replace(finding, hint=join_hints(finding.hint, hint))


def join_hints(first: str | None, second: str | None) -> str | None:
    return "; ".join(h for h in (first, second) if h) or None


def file_order(finding: Finding) -> tuple[str, int, int]:
    """Findings in the order of their files' lines; those without a position last."""
    position = finding.position or Position("\uffff", 0, 0)
    return (position.path, position.line, position.col)
