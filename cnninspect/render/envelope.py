"""The head of every JSON document cnninspect prints: which schema, which version of it.

The versions live with the other choices (``cnninspect.choices.SCHEMA_VERSIONS``): bump one
there when its document changes incompatibly.
"""

from __future__ import annotations

from typing import TypedDict

from cnninspect.choices import SCHEMA_VERSIONS, OutputKind


class Envelope(TypedDict):
    """Which document this is, and which version of its schema (schema/KIND.schema.json)."""

    schema: str
    schema_version: int


def envelope(kind: OutputKind) -> Envelope:
    """``{"schema": "cnninspect.summary", "schema_version": 1}`` for ``kind`` "summary"."""
    return {"schema": f"cnninspect.{kind}", "schema_version": SCHEMA_VERSIONS[kind]}
