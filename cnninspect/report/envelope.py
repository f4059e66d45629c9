"""The head of every JSON document cnninspect prints: which schema, which version of it.

The one place output schema versions live; bump a version here when its document changes
incompatibly.
"""

from __future__ import annotations

from typing import TypedDict

SCHEMA_VERSIONS = {
    "summary": 1,
    "validate": 1,
    "diff": 1,
    "list": 1,
    "min-input": 1,
    "memory": 1,
}


class Envelope(TypedDict):
    """Which document this is, and which version of its schema (schema/KIND.schema.json)."""

    schema: str
    schema_version: int


def envelope(kind: str) -> Envelope:
    """``{"schema": "cnninspect.summary", "schema_version": 1}`` for ``kind`` "summary"."""
    return {"schema": f"cnninspect.{kind}", "schema_version": SCHEMA_VERSIONS[kind]}
