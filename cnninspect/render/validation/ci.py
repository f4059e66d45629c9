"""A validation in the formats CI systems read: GitHub Actions annotations, SARIF 2.1.0 (code
scanning) and JUnit XML (test reports)."""

from __future__ import annotations

import dataclasses
import json
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

from cnninspect._version import __version__
from cnninspect.checks.catalogue import RULES, rule_of
from cnninspect.render.validation.text import where
from cnninspect.results.findings import Finding, Severity
from cnninspect.results.validation import TargetResult, Validation

INFORMATION_URI = "https://github.com/cnninspect/cnninspect"


SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


_GITHUB_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def in_repository(validation: Validation, root: Path) -> Validation:
    """Every path of ``validation`` — finding positions, module files in targets — relative to
    ``root`` (the repository: GitHub attaches annotations, code scanning and test reports find
    files by repository-relative paths only) where it lies inside it; others stay as they are."""
    return Validation(
        tuple(
            dataclasses.replace(
                result,
                target=_target_in(result.target, root),
                path=_path_in(result.path, root) if result.path else result.path,
                findings=tuple(_finding_in(f, root) for f in result.findings),
            )
            for result in validation.results
        )
    )


def _finding_in(finding: Finding, root: Path) -> Finding:
    if finding.position is None:
        return finding
    position = dataclasses.replace(finding.position, path=_path_in(finding.position.path, root))
    return dataclasses.replace(finding, position=position)


def _target_in(target: str, root: Path) -> str:
    """``/repo/models/net.py:Net`` → ``models/net.py:Net``; a YAML path the same way."""
    where, sep, attr = target.rpartition(":")
    if sep and where.endswith(".py"):
        return f"{_path_in(where, root)}:{attr}"
    return _path_in(target, root)


def _path_in(path: str, root: Path) -> str:
    try:  # both resolved alike: a repository reached through a symlink still contains its files
        return Path(path).resolve().relative_to(root.resolve()).as_posix()
    except (ValueError, OSError):
        return path


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
