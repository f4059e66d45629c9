"""How result values show themselves in a Rich console, a notebook and ``print``, with no
renderer inside.

Values are plain data and never import ``cnninspect.render``. The renderers register here
(``cnninspect.render.registry``, imported by the public API), and ``Displayable`` looks them up:
a Report in a Rich console is the summary table, in Jupyter an HTML table, printed a plain-text
table.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_RICH: dict[type, Callable[[Any], Any]] = {}
_HTML: dict[type, Callable[[Any], str]] = {}
_TEXT: dict[type, Callable[[Any], str]] = {}


def register(
    kind: type,
    *,
    rich: Callable[[Any], Any] | None = None,
    html: Callable[[Any], str] | None = None,
    text: Callable[[Any], str] | None = None,
) -> None:
    """How values of ``kind`` render in a Rich console (a renderable), as HTML and as plain
    text (``str``, ``repr``, ``print``)."""
    if rich is not None:
        _RICH[kind] = rich
    if html is not None:
        _HTML[kind] = html
    if text is not None:
        _TEXT[kind] = text


class Displayable:
    """Base of the result values that know how to be displayed, once a renderer registered.

    Subclasses are dataclasses declared with ``repr=False``, so that ``repr`` and ``print``
    show the value as its table rather than as thousands of characters of fields.
    """

    __slots__ = ()

    def __rich__(self) -> Any:
        render = _RICH.get(type(self))
        return render(self) if render is not None else repr(self)

    def _repr_html_(self) -> str | None:
        render = _HTML.get(type(self))
        return render(self) if render is not None else None  # None: Jupyter shows the repr

    def __repr__(self) -> str:
        render = _TEXT.get(type(self))
        if render is not None:
            return render(self)
        return f"<{type(self).__name__}: import cnninspect.render.registry to show it>"
