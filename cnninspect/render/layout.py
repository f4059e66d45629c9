"""Column widths for tables that must fit a width without losing a digit: text columns shorten
or go, numbers keep every character (at the last resort a number wraps at a space, as in
"(3, 224," / "224)" or "470.40" / "K")."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

GAP = 3  # between two columns of a SIMPLE_HEAD table without edges: pad, blank rule, pad


def span(widths: Sequence[int]) -> int:
    """The width of a table whose columns are this wide (0: hidden)."""
    shown = [w for w in widths if w > 0]
    return sum(shown) + GAP * (len(shown) - 1)


def shrink(widths: list[int], floors: Sequence[int], order: Iterable[int], available: int) -> None:
    """Narrow the columns in ``order``, each down to its floor, until the table fits."""
    for i in order:
        excess = span(widths) - available
        if excess <= 0:
            return
        widths[i] = min(widths[i], max(floors[i], widths[i] - excess))


def longest_word(cells: Iterable[str]) -> int:
    """The widest word of a column: how narrow it can wrap without cutting one."""
    return max((len(word) for cell in cells for word in cell.split()), default=0)
