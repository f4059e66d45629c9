"""A validation as people read it: one line per finding (file:line:col, code, message, hint) under
its target, the terminal's coloured version, and the one-line summary."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.text import Text

from cnninspect.results.findings import Finding, Severity
from cnninspect.results.validation import TargetResult, Validation

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
