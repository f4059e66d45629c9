"""The exceptions cnninspect raises, and the exit codes the CLI maps them to.

::

    CnninspectError                 anything the user can fix; never shown as a traceback
     ├── SpecError                  a YAML description is unreadable or inconsistent (file:line:col)
     │    └── SpecMistakesError     every independent mistake of one description, in file order
     ├── TargetError                TARGET names no file, bundled architecture or module
     ├── BuildError                 a layer cannot be constructed (located when it comes from YAML)
     ├── TraceError                 the forward pass fails at a layer (layer name, input shape)
     ├── DrawingError               a drawing too large for the format asked for (a PNG)
     └── DeviceError                the requested device is not available on this machine

Library code raises these; only the CLI (``cli/program.py``'s ``errors``) turns them into a
message and an exit code (``cnninspect.choices.ExitCode``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cnninspect.choices import ExitCode
from cnninspect.shapes import BatchedShape


@dataclass(frozen=True, slots=True)
class Position:
    """A place in a source file; line and column are 1-based, as editors show them."""

    path: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{printable(self.path)}:{self.line}:{self.col}"


# Control characters (an escape sequence would drive the terminal), and the invisible format
# characters that make two different texts look alike (zero-width spaces, bidi overrides).
_UNPRINTABLE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]"
)


def printable(text: str) -> str:
    """``text`` with every control and invisible format character written as its escape
    (``\x1b``, ``\u200b``): text from a file, a module or an exception never drives a
    terminal, breaks a CI format or hides a character the reader must see. Newlines and tabs
    stay."""
    return _UNPRINTABLE.sub(
        lambda m: f"\\x{ord(m[0]):02x}" if ord(m[0]) < 0x100 else f"\\u{ord(m[0]):04x}", text
    )


def is_spatial_collapse(torch_message: str) -> bool:
    """torch's words for an input smaller than a layer's window (CNN107 rather than CNN106)."""
    return "too small" in torch_message or "greater than" in torch_message


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message (torch's are often long), or its type."""
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]


def call_text(kwargs: Mapping[str, Any]) -> str:
    """Keyword arguments as a call shows them: ``out_channels=8, kernel_size=5``."""
    return ", ".join(f"{k}={v!r}" for k, v in kwargs.items())


class CnninspectError(Exception):
    """Base of every error a user can cause; ``str()`` is the complete message."""

    exit_code: ExitCode = ExitCode.USAGE

    def __init__(
        self, message: str, *, position: Position | None = None, hint: str | None = None
    ) -> None:
        message = printable(message)  # it may quote a file, a module or torch
        super().__init__(message)
        self.message = message
        self.position = position
        self.hint = printable(hint) if hint is not None else None

    def __str__(self) -> str:
        where = f"{self.position}: " if self.position else ""
        hint = f"\n  hint: {self.hint}" if self.hint else ""
        return f"{where}{self.message}{hint}"


class SpecError(CnninspectError):
    """A YAML architecture description is malformed or inconsistent."""

    def __init__(
        self,
        message: str,
        *,
        position: Position | None = None,
        hint: str | None = None,
        code: str = "CNN001",
    ) -> None:
        super().__init__(message, position=position, hint=hint)
        self.code = code


class TargetError(CnninspectError):
    """A TARGET names nothing cnninspect can load."""


class BuildError(CnninspectError):
    """A layer cannot be constructed from its description."""

    def __init__(
        self,
        message: str,
        *,
        layer: str | None = None,
        position: Position | None = None,
        hint: str | None = None,
        code: str = "CNN106",
    ) -> None:
        super().__init__(message, position=position, hint=hint)
        self.layer = layer
        self.code = code


# ruff and mypy stop too, past a point: the first mistakes fix most of the rest
MISTAKES_SHOWN = 50


class SpecMistakesError(SpecError):
    """Every independent mistake found in one description, in file order: the reader goes
    on past a layer it cannot read, and every keyword is checked before anything is built.
    Located and coded like a single ``SpecError`` (its first mistake); ``mistakes`` holds at
    most ``MISTAKES_SHOWN`` of them, ``more`` counts the rest."""

    def __init__(self, mistakes: Sequence[SpecError | BuildError]) -> None:
        ordered = sorted(mistakes, key=_file_order)
        first = ordered[0]
        super().__init__(first.message, position=first.position, hint=first.hint, code=first.code)
        self.mistakes = tuple(ordered[:MISTAKES_SHOWN])
        self.more = len(ordered) - len(self.mistakes)

    def __str__(self) -> str:
        lines = [str(mistake) for mistake in self.mistakes]
        if self.more:
            lines.append(f"… and {self.more} more (the first {MISTAKES_SHOWN} are shown)")
        return "\n".join(lines)


def _file_order(error: SpecError | BuildError) -> tuple[str, int, int]:
    where = error.position
    return (where.path, where.line, where.col) if where else ("", 0, 0)


class TraceError(CnninspectError):
    """The forward pass failed inside a layer."""

    def __init__(
        self,
        message: str,
        *,
        layer: str,
        input_shapes: tuple[BatchedShape, ...] = (),
        position: Position | None = None,
        hint: str | None = None,
        everywhere: bool = False,
    ) -> None:
        super().__init__(message, position=position, hint=hint)
        self.layer = layer
        self.input_shapes = input_shapes
        # a refusal every device makes (cnninspect's own check of what cpu refuses): running
        # the pass somewhere else cannot help
        self.everywhere = everywhere


class DrawingError(CnninspectError):
    """A drawing cannot be written in the format asked for (a PNG too large to rasterise)."""


class DeviceError(CnninspectError):
    """The requested device does not exist on this machine."""

    exit_code = ExitCode.DEVICE
