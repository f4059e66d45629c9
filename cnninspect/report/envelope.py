"""The head of every JSON document cnninspect prints: which schema, which version of it.

The one place output schema versions live; bump a version here when its document changes
incompatibly.
"""

from __future__ import annotations

SCHEMA_VERSIONS = {
    "summary": 1,
    "validate": 1,
    "diff": 1,
    "list": 1,
    "min-input": 1,
    "memory": 1,
}


def envelope(kind: str) -> dict[str, str | int]:
    """``{"schema": "cnninspect.summary", "schema_version": 1}`` for ``kind`` "summary"."""
    return {"schema": f"cnninspect.{kind}", "schema_version": SCHEMA_VERSIONS[kind]}
