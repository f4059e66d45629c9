"""``ArchDiff``: two Reports and their layers aligned, each pair or lone layer classified
(torch-free values; ``cnninspect.compare`` makes them)."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from cnninspect.results.displayable import Displayable
from cnninspect.results.report import Report, Row


class Status(str, enum.Enum):
    SAME = "same"  # paired, equal in hyper-parameters, shapes and parameters
    MOVED = "moved"  # equal to a layer of the other side that is called at another point
    CHANGED = "changed"  # paired, but hyper-parameters, shapes or parameters differ
    ADDED = "added"  # only in B
    REMOVED = "removed"  # only in A
    FUNCTIONAL = "functional"  # a merge/reshape layer on one side, inline code on the other

    @property
    def differs(self) -> bool:
        return self in (Status.CHANGED, Status.ADDED, Status.REMOVED)


@dataclass(frozen=True, slots=True)
class Entry:
    """One line of the diff: a pair of rows, or a row that only one side has."""

    status: Status
    a: Row | None
    b: Row | None
    changes: tuple[str, ...] = ()  # of a CHANGED pair: "hparams", "shape", "params"

    @property
    def params_delta(self) -> int:
        return (self.b.params if self.b else 0) - (self.a.params if self.a else 0)


@dataclass(frozen=True, slots=True)
class Quantity:
    """A total on both sides: params, MACs or activation bytes."""

    name: str
    a: int
    b: int

    @property
    def delta(self) -> int:
        return self.b - self.a

    @property
    def percent(self) -> float | None:
        """Relative change in percent; None when A is zero."""
        return 100.0 * self.delta / self.a if self.a else None


@dataclass(frozen=True, slots=True, repr=False)  # repr: its table (Displayable)
class ArchDiff(Displayable):
    a: Report
    b: Report
    entries: tuple[Entry, ...]

    @property
    def differs(self) -> bool:
        """Anything differs in layers, shapes or parameters (what ``--exit-code`` reports)."""
        return (
            any(e.status.differs for e in self.entries)
            or self.a.input_shapes != self.b.input_shapes
            or self.a.output_shapes != self.b.output_shapes
            or self.a.totals.params != self.b.totals.params
        )

    def count(self, status: Status) -> int:
        return sum(1 for e in self.entries if e.status is status)

    @property
    def totals(self) -> tuple[Quantity, ...]:
        ta, tb = self.a.totals, self.b.totals
        return (
            Quantity("params", ta.params, tb.params),
            Quantity("macs", ta.macs, tb.macs),
            Quantity("activation_bytes", ta.activation_bytes, tb.activation_bytes),
        )
