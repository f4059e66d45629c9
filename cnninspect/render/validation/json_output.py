"""A validation as JSON (``cnninspect validate --format json``): per target its findings, the
counts per severity, and whether it fails."""

from __future__ import annotations

import json
from typing import TypedDict

from cnninspect.render.envelope import Envelope, envelope
from cnninspect.render.summary.json_output import (
    FindingDict,
    SeverityName,
    finding_dict,
    severity_name,
)
from cnninspect.results.findings import Severity
from cnninspect.results.validation import Validation


def validation_json(validation: Validation, *, fail_on: Severity = Severity.ERROR) -> str:
    return json.dumps(validation_dict(validation, fail_on=fail_on), indent=2)


class SeverityCounts(TypedDict):
    """Findings of each severity, over every target."""

    error: int
    warning: int
    info: int


class TargetDict(TypedDict):
    """What validate found in one target (a file, a bundled name, a module)."""

    target: str
    name: str
    file: str | None
    failed: bool
    suggested_input: list[int] | None
    findings: list[FindingDict]


class ValidateDocument(Envelope):
    """``cnninspect validate --format json``: findings target by target."""

    fail_on: SeverityName
    failed: bool
    counts: SeverityCounts
    targets: list[TargetDict]


def validation_dict(
    validation: Validation, *, fail_on: Severity = Severity.ERROR
) -> ValidateDocument:
    return {
        **envelope("validate"),
        "fail_on": severity_name(fail_on),
        "failed": validation.fails(fail_on),
        "counts": {
            "error": validation.count(Severity.ERROR),
            "warning": validation.count(Severity.WARNING),
            "info": validation.count(Severity.INFO),
        },
        "targets": [
            {
                "target": r.target,
                "name": r.name,
                "file": r.path,
                "failed": r.fails(fail_on),
                "suggested_input": list(r.suggested_input) if r.suggested_input else None,
                "findings": [finding_dict(f) for f in r.findings],
            }
            for r in validation.results
        ],
    }
