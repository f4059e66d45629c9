"""How result values show themselves in a Rich console and a notebook, with no renderer inside.

Values are plain data and never import ``cnninspect.report``. The renderers register here
(``cnninspect.report.display``, imported by the public API), and ``Displayable`` looks them up:
a Report in a Rich console is the summary table, in Jupyter an HTML table.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_RICH: dict[type, Callable[[Any], Any]] = {}
_HTML: dict[type, Callable[[Any], str]] = {}


def register(
    kind: type,
    *,
    rich: Callable[[Any], Any] | None = None,
    html: Callable[[Any], str] | None = None,
) -> None:
    """How values of ``kind`` render in a Rich console (a renderable) and as HTML."""
    if rich is not None:
        _RICH[kind] = rich
    if html is not None:
        _HTML[kind] = html


class Displayable:
    """Base of the result values that know how to be displayed, once a renderer registered."""

    __slots__ = ()

    def __rich__(self) -> Any:
        render = _RICH.get(type(self))
        return render(self) if render is not None else repr(self)

    def _repr_html_(self) -> str | None:
        render = _HTML.get(type(self))
        return render(self) if render is not None else None  # None: Jupyter shows the repr
