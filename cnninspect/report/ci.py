"""Renderers of a ``Validation``: plain text, Rich, JSON, GitHub workflow commands, SARIF 2.1.0
and JUnit XML. Strings in, strings out (Rich: a renderable); only ``cli.py`` prints.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, TypedDict
from urllib.parse import quote

from rich.console import Group, RenderableType
from rich.text import Text

from cnninspect._version import __version__
from cnninspect.checks.catalogue import RULES, rule_of
from cnninspect.report.envelope import Envelope, envelope
from cnninspect.report.json import FindingDict, SeverityName, finding_dict, severity_name
from cnninspect.results.findings import Finding, Severity
from cnninspect.results.min_input import MinInput
from cnninspect.results.validation import TargetResult, Validation

INFORMATION_URI = "https://github.com/cnninspect/cnninspect"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_STYLES = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def where(finding: Finding, result: TargetResult) -> str:
    """``path:line:col`` of a finding, or the target when it has no file position."""
    return str(finding.position) if finding.position else result.target


def summary_line(validation: Validation) -> str:
    """'14 targets, 2 with findings: 11 errors, 1 warning' (for stderr)."""
    counts = [
        f"{n} {severity}{'s' if n != 1 else ''}"
        for severity in (Severity.ERROR, Severity.WARNING, Severity.INFO)
        if (n := validation.count(severity))
    ]
    targets = len(validation.results)
    flagged = sum(1 for r in validation.results if r.findings)
    head = f"{targets} target{'s' if targets != 1 else ''}"
    if not counts:
        return f"{head}: no findings"
    return f"{head}, {flagged} with findings: {', '.join(counts)}"


# -- text -----------------------------------------------------------------------------------


def validation_text(validation: Validation) -> str:
    """``path:line:col: CODE severity: message`` per finding, its hint indented below."""
    lines = []
    for result in validation.results:
        for f in result.findings:
            lines.append(f"{where(f, result)}: {f.code} {f.severity}: {f.message}")
            if f.hint:
                lines.append(f"    hint: {f.hint}")
    return "".join(line + "\n" for line in lines)


def validation_rich(validation: Validation) -> RenderableType:
    """For a terminal: one heading per target, each finding coloured by severity."""
    parts: list[RenderableType] = []
    for result in validation.results:
        worst = result.worst()
        status = Text("ok", style="green") if worst is None else Text(str(worst), _STYLES[worst])
        parts.append(Text.assemble((result.target, "bold"), "  ", status))
        for f in result.findings:
            line = Text("  ")
            line.append(f"{where(f, result)}: ", style="dim")
            line.append(f"{f.code} ", style="bold")
            line.append(f"{f.severity}: ", style=_STYLES[f.severity])
            line.append(f.message)
            parts.append(line)
            if f.hint:
                parts.append(Text(f"      hint: {f.hint}", style="dim"))
    return Group(*parts)


# -- JSON -----------------------------------------------------------------------------------


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


# -- GitHub Actions workflow commands ---------------------------------------------------------

_GITHUB_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    """The message of a workflow command: %, CR and LF are escaped."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A property value (file=, title=): also ':' and ','."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def validation_github(validation: Validation) -> str:
    """``::error file=…,line=…,col=…,title=…::message`` per finding (annotations in a PR)."""
    lines = []
    for result in validation.results:
        for f in result.findings:
            properties = []
            if f.position:
                properties += [
                    f"file={escape_property(f.position.path)}",
                    f"line={f.position.line}",
                    f"col={f.position.col}",
                ]
            properties.append(f"title={escape_property(f'{f.code} {rule_of(f.code).name}')}")
            message = f.message if f.position else f"{result.target}: {f.message}"
            if f.hint:
                message += f"\nhint: {f.hint}"
            lines.append(
                f"::{_GITHUB_LEVELS[f.severity]} {','.join(properties)}::" + escape_data(message)
            )
    return "".join(line + "\n" for line in lines)


# -- SARIF 2.1.0 ------------------------------------------------------------------------------

_SARIF_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def validation_sarif(validation: Validation) -> str:
    return json.dumps(sarif_dict(validation), indent=2)


def sarif_dict(validation: Validation) -> dict[str, Any]:
    codes = list(RULES)
    codes += sorted({f.code for f in validation.findings} - set(codes))
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "cnninspect",
                        "version": __version__,
                        "informationUri": INFORMATION_URI,
                        "rules": [_sarif_rule(code) for code in codes],
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": [
                    _sarif_result(f, r, codes.index(f.code))
                    for r in validation.results
                    for f in r.findings
                ],
            }
        ],
    }


def _sarif_rule(code: str) -> dict[str, Any]:
    rule = rule_of(code)
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": f"{rule.code}: {rule.summary}."},
        "help": {
            "text": f"{rule.summary}. Run `cnninspect validate FILE` for the message and hint.",
        },
        "defaultConfiguration": {"level": _SARIF_LEVELS[rule.severity]},
    }


def _sarif_result(finding: Finding, result: TargetResult, index: int) -> dict[str, Any]:
    text = finding.message + (f". Hint: {finding.hint}" if finding.hint else "")
    location: dict[str, Any] = {}
    if finding.position:
        location["physicalLocation"] = {
            "artifactLocation": {"uri": artifact_uri(finding.position.path)},
            "region": {"startLine": finding.position.line, "startColumn": finding.position.col},
        }
    if finding.layer:
        location["logicalLocations"] = [
            {"name": finding.layer, "fullyQualifiedName": f"{result.name}.{finding.layer}"}
        ]
    sarif: dict[str, Any] = {
        "ruleId": finding.code,
        "ruleIndex": index,
        "level": _SARIF_LEVELS[finding.severity],
        "message": {"text": text},
    }
    if location:
        sarif["locations"] = [location]
    else:
        sarif["locations"] = [{"logicalLocations": [{"name": result.target}]}]
    return sarif


def artifact_uri(path: str) -> str:
    """A relative path stays relative (forward slashes); an absolute one becomes file://."""
    p = Path(path)
    if p.is_absolute():
        return p.as_uri()
    return quote(p.as_posix())


# -- JUnit XML --------------------------------------------------------------------------------


def validation_junit(validation: Validation, *, fail_on: Severity = Severity.ERROR) -> str:
    """One testcase per target; findings at or above ``fail_on`` make it fail."""
    failures = sum(1 for r in validation.results if r.fails(fail_on))
    counts = {
        "name": "cnninspect validate",
        "tests": str(len(validation.results)),
        "failures": str(failures),
        "errors": "0",
    }
    suites = ET.Element("testsuites", counts)
    suite = ET.SubElement(suites, "testsuite", counts | {"skipped": "0"})
    for result in validation.results:
        # junit-10.xsd allows no `file` on a testcase: the name is the target (a directory's
        # files each their own path), and each failure line starts with path:line:col
        case = ET.SubElement(suite, "testcase", classname="cnninspect.validate", name=result.target)
        failing = [f for f in result.findings if f.severity >= fail_on]
        other = [f for f in result.findings if f.severity < fail_on]
        if failing:
            failure = ET.SubElement(
                case, "failure", type=failing[0].code, message=_junit_message(failing)
            )
            failure.text = _junit_lines(failing, result)
        if other:
            ET.SubElement(case, "system-out").text = _junit_lines(other, result)
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode")


def _junit_message(findings: Sequence[Finding]) -> str:
    more = f" (and {len(findings) - 1} more)" if len(findings) > 1 else ""
    return f"{findings[0].code}: {findings[0].message}{more}"


def _junit_lines(findings: Iterable[Finding], result: TargetResult) -> str:
    lines = []
    for f in findings:
        lines.append(f"{where(f, result)}: {f.code} {f.severity}: {f.message}")
        if f.hint:
            lines.append(f"    hint: {f.hint}")
    return "\n".join(lines)


# -- min-input --------------------------------------------------------------------------------


def min_input_text(results: Sequence[MinInput]) -> str:
    lines = []
    for r in results:
        size = "×".join(str(d) for d in r.shape[1:]) if r.shape else "none found"
        shape = f" (input {'×'.join(str(d) for d in r.shape)})" if r.shape else ""
        lines.append(f"{r.target}: {size}{shape}")
    return "".join(line + "\n" for line in lines)


class MinInputDict(TypedDict):
    """The smallest square input of one target; null when none up to the limit works."""

    target: str
    name: str
    min_input: list[int] | None
    min_size: int | None


class MinInputDocument(Envelope):
    """``cnninspect min-input --format json``."""

    targets: list[MinInputDict]


def min_input_json(results: Sequence[MinInput]) -> str:
    return json.dumps(min_input_dict(results), indent=2)


def min_input_dict(results: Sequence[MinInput]) -> MinInputDocument:
    return {
        **envelope("min-input"),
        "targets": [
            {
                "target": r.target,
                "name": r.name,
                "min_input": list(r.shape) if r.shape else None,
                "min_size": r.shape[1] if r.shape else None,
            }
            for r in results
        ],
    }
