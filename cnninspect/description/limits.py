"""How much work a description may ask for, decided before the work is done.

A file is refused, at the place that breaks a limit and with the limit in the message, when it
is too large to read, nests too deeply, expands through aliases into too many nodes (the
"billion laughs"), writes too long an expression or too large an integer, or expands through
``repeat`` and blocks into too many layers. The defaults are far above any real network
(resnet152 is 19 KB, 6 levels deep and 515 layers); a legitimate user who needs more raises one
limit with an environment variable, e.g. ``CNNINSPECT_MAX_LAYERS=50000``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields


@dataclass(frozen=True, slots=True)
class Limits:
    file_bytes: int = 1_000_000  # CNNINSPECT_MAX_FILE_BYTES
    depth: int = 64  # CNNINSPECT_MAX_DEPTH: nested mappings and lists
    nodes: int = 200_000  # CNNINSPECT_MAX_NODES: YAML nodes, aliases expanded
    layers: int = 10_000  # CNNINSPECT_MAX_LAYERS: after `repeat` and blocks are expanded
    expression_chars: int = 200  # CNNINSPECT_MAX_EXPRESSION_CHARS: the text of one ${...}
    integer_digits: int = 18  # CNNINSPECT_MAX_INTEGER_DIGITS: written or computed

    @staticmethod
    def variable(name: str) -> str:
        """The environment variable that raises the limit ``name``."""
        return "CNNINSPECT_MAX_" + name.upper()

    def advice(self, name: str) -> str:
        """The sentence a message ends with: the limit, and how to raise it."""
        return f"the limit is {getattr(self, name):,} ({self.variable(name)} raises it)"


def current() -> Limits:
    """The defaults, with any ``CNNINSPECT_MAX_*`` variable of the environment applied (a value
    that is not a positive integer is ignored)."""
    overrides = {}
    for field in fields(Limits):
        text = os.environ.get(Limits.variable(field.name), "")
        if text.isdigit() and int(text) > 0:
            overrides[field.name] = int(text)
    return Limits(**overrides)
