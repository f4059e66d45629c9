"""The rule catalogue of ``cnninspect validate``: the one source of codes, names, severities
and summaries. Every finding is made here (``finding``), so its severity is the catalogue's.

Rule families, one module each: ``declarations`` (CNN101, CNN102, CNN104), ``pixels`` (CNN103),
``linearity`` (CNN201), ``failures`` (the file or the forward pass fails: CNN0xx, CNN105–107).
Torch-free: the renderers read the catalogue.
"""

from __future__ import annotations

from dataclasses import dataclass

from cnninspect.errors import Position, printable
from cnninspect.results.findings import Finding, Severity


@dataclass(frozen=True, slots=True)
class Rule:
    code: str
    name: str  # kebab-case, for SARIF
    severity: Severity
    summary: str


RULES: dict[str, Rule] = {
    r.code: r
    for r in (
        Rule("CNN001", "yaml-syntax", Severity.ERROR, "the file is not readable YAML"),
        Rule("CNN002", "schema", Severity.ERROR, "a key, value or type breaks the file format"),
        Rule("CNN003", "unknown-layer-type", Severity.ERROR, "an unknown layer type"),
        Rule("CNN004", "unknown-keyword", Severity.ERROR, "a keyword the layer does not take"),
        Rule("CNN005", "duplicate", Severity.ERROR, "a duplicate key or layer name"),
        Rule("CNN006", "bad-reference", Severity.ERROR, "`from` or `$arg` names nothing"),
        Rule(
            "CNN007",
            "target-load",
            Severity.ERROR,
            "a module target cannot be imported or constructed",
        ),
        Rule(
            "CNN008",
            "not-a-file",
            Severity.WARNING,  # skipped: the other files are checked
            "an entry of a checked folder named *.yaml/*.yml is not a readable file (a link "
            "that leads nowhere or back to itself, a pipe)",
        ),
        Rule("CNN101", "declared-shape", Severity.ERROR, "declared shape ≠ computed shape"),
        Rule(
            "CNN102",
            "declared-input",
            Severity.ERROR,
            "declared in_channels / in_features ≠ the incoming tensor",
        ),
        Rule(
            "CNN103",
            "dropped-pixels",
            Severity.WARNING,  # the model runs; it ignores part of every image
            "floor division drops real input pixels: the last window stops short of the "
            "last real row/column",
        ),
        Rule("CNN104", "declared-params", Severity.ERROR, "declared parameter count ≠ computed"),
        Rule("CNN105", "merge-mismatch", Severity.ERROR, "a merge of incompatible shapes"),
        Rule("CNN106", "forward-failure", Severity.ERROR, "the forward pass fails at a layer"),
        Rule("CNN107", "spatial-collapse", Severity.ERROR, "a spatial size collapses below 1"),
        Rule(
            "CNN201",
            "linear-chain",
            Severity.WARNING,
            "two linear maps (Linear/Conv) with no non-linearity between them",
        ),
    )
}


def rule_of(code: str) -> Rule:
    """The catalogue entry of ``code``; an unknown code (a future one) gets a plain entry."""
    return RULES.get(code) or Rule(code, code.lower(), Severity.ERROR, code)


def finding(
    code: str,
    message: str,
    *,
    layer: str | None = None,
    position: Position | None = None,
    hint: str | None = None,
) -> Finding:
    """A finding of rule ``code``, at the catalogue's severity; its texts printable (they may
    quote the file)."""
    shown_hint = printable(hint) if hint is not None else None
    return Finding(code, rule_of(code).severity, printable(message), layer, position, shown_hint)
