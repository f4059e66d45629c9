"""SVG as text: the pieces both drawing styles share — legible text, colours, the marks of a
layer with findings, the legend of findings, the title — and the rules that keep a drawing
legible: text never smaller than ``MIN_FONT``, widths measured before anything is placed (a
monospace font, so a label's width is its length), everything inside the canvas.

Plain strings, no drawing library: every element is written here, with ``<title>`` children
for what a reader sees on hover.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from cnninspect.render.text import count, si
from cnninspect.results.findings import Finding, Severity
from cnninspect.results.report import Report, Row
from cnninspect.shapes import Notation, Shape, from_channels_first

MIN_FONT = 12  # px: no text in a drawing is smaller
FONT = 13  # px: the labels
TITLE_FONT = 16
# A monospace font: every character advances the same width, at most 0.6 em in the fonts of
# this stack (DejaVu Sans Mono, Menlo, Consolas, Liberation Mono all 0.60; Courier 0.60);
# measuring with a little more keeps a label inside its box in any of them.
FONT_FAMILY = "'DejaVu Sans Mono', Menlo, Consolas, 'Liberation Mono', monospace"
CHAR_WIDTH = 0.62  # em, for measuring
LINE = 1.35  # line height, in font sizes
MARGIN = 16
LEGEND_CHARS = 110  # the longest line of the findings below a drawing
LEGEND_MIN_CHARS = 48  # … and the shortest it wraps to (the canvas widens to fit)

INK = "#1f2933"
MUTED = "#52606d"
EDGE = "#7b8794"
FILL = "#e3ecf7"
STROKE = "#3e6ea8"
WARN_FILL = "#fde8e8"
WARN_STROKE = "#c81e1e"
WARN_INK = "#9b1c1c"


def text_width(text: str, size: float = FONT) -> float:
    return len(text) * size * CHAR_WIDTH


def attr(value: object) -> str:
    return quoteattr(str(value))


def fmt(value: float) -> str:
    """Coordinates with at most one decimal: stable text, small files."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def text(
    x: float,
    y: float,
    content: str,
    *,
    size: float = FONT,
    anchor: str = "middle",
    weight: str | None = None,
    fill: str = INK,
    cls: str = "label",
) -> str:
    """One line of text, ``y`` its baseline."""
    assert size >= MIN_FONT, f"text smaller than {MIN_FONT}px: {content!r}"
    bold = f" font-weight={attr(weight)}" if weight else ""
    return (
        f"<text class={attr(cls)} x={attr(fmt(x))} y={attr(fmt(y))} font-size={attr(fmt(size))}"
        f" text-anchor={attr(anchor)} fill={attr(fill)}{bold}>{escape(content)}</text>"
    )


def title(content: str) -> str:
    """What a reader sees on hover over the element that holds it."""
    return f"<title>{escape(content)}</title>"


def document(width: float, height: float, body: Iterable[str], *, label: str) -> str:
    """The whole SVG: a white canvas ``width`` × ``height``, the arrowhead marker, ``body``."""
    w, h = fmt(width), fmt(height)
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width={attr(w)} height={attr(h)}'
        f' viewBox={attr(f"0 0 {w} {h}")} font-family={attr(FONT_FAMILY)} role="img"'
        f" aria-label={attr(label)}>"
    )
    defs = (
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" '
        f'markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
        f"fill={attr(EDGE)}/></marker></defs>"
    )
    background = (
        f'<rect class="canvas" x="0" y="0" width={attr(w)} height={attr(h)} fill="#ffffff"/>'
    )
    return "\n".join([head, defs, background, *body, "</svg>"]) + "\n"


def shape_label(shape: Shape | None, notation: Notation) -> str:
    """The lecture's labels: ``6@28×28`` (n_C@n_H×n_W), ``28×28×6`` with hwc, ``120`` for a
    vector."""
    if shape is None:
        return "—"
    if len(shape) == 1:
        return str(shape[0])
    if notation == "hwc":
        return "×".join(str(d) for d in from_channels_first(shape, notation))
    return f"{shape[0]}@" + "×".join(str(d) for d in shape[1:])


def dims_label(shape: Shape | None, notation: Notation) -> str:
    """A shape in a block diagram: ``64×56×56`` (or ``56×56×64`` with hwc)."""
    if shape is None:
        return "—"
    return "×".join(str(d) for d in from_channels_first(shape, notation))


def params_label(row: Row, *, folded: bool) -> str:
    params = row.subtree_params if folded or not row.is_leaf else row.params
    if params == 0 and row.shared_params:
        return f"shared {count(row.shared_params)}"
    return f"{count(params)} params" if params else ""


@dataclass(frozen=True, slots=True)
class Marked:
    """The findings about one drawn element: its colour and what its hover says."""

    findings: tuple[Finding, ...]

    @property
    def codes(self) -> str:
        return ", ".join(dict.fromkeys(f.code for f in self.findings))

    @property
    def hover(self) -> str:
        return "\n".join(_finding_line(f) for f in self.findings)


def _finding_line(finding: Finding) -> str:
    hint = f" (hint: {finding.hint})" if finding.hint else ""
    return f"{finding.code} {finding.severity}: {finding.message}{hint}"


def findings_by_row(report: Report, rows: Sequence[int]) -> dict[int, Marked]:
    """Each finding with a layer goes to the drawn row that is that layer or contains it (a
    folded block), else to the first drawn row after it."""
    owners: dict[int, list[Finding]] = {}
    for finding in report.findings:
        if finding.layer is None:
            continue
        owner = _owner(report, rows, finding.layer)
        if owner is not None:
            owners.setdefault(owner, []).append(finding)
    return {row: Marked(tuple(found)) for row, found in owners.items()}


def _owner(report: Report, rows: Sequence[int], layer: str) -> int | None:
    for row in (r for r in rows if 0 < r < len(report.rows)):  # (further inputs, junctions)
        name = report.rows[row].name
        if layer == name or layer.startswith(f"{name}."):
            return row
    position = next((i for i, r in enumerate(report.rows) if r.name == layer), None)
    if position is None:
        return None
    drawn = sorted(r for r in rows if 0 < r < len(report.rows))
    return next((row for row in drawn if row >= position), None)


def legend(report: Report, *, x: float, y: float, width: float) -> tuple[list[str], float, float]:
    """The findings below a drawing, wrapped to ``width`` (to LEGEND_MIN_CHARS at least):
    SVG elements, their height and width. Every finding is listed, drawn on a layer or not."""
    if not report.findings:
        return [], 0.0, 0.0
    fits = int(width // (FONT * CHAR_WIDTH))
    per_line = max(LEGEND_MIN_CHARS, min(LEGEND_CHARS, fits))
    lines: list[tuple[str, str, str | None]] = []  # (text, colour, weight)
    count_text = f"{len(report.findings)} finding{'s' * (len(report.findings) != 1)}"
    said = f"{count_text}, marked in red in the drawing:"
    lines += [(line, INK, "bold") for line in wrap(said, per_line)]
    shared = _shared_hints(report.findings)
    for hint, n in shared.items():
        said = f"hint ({n} of {len(report.findings)} findings): {hint}"
        for i, line in enumerate(wrap(said, per_line - 2)):
            lines.append(((" " if i == 0 else "   ") + line, INK, None))
    for finding in report.findings:
        where = f"{finding.layer}: " if finding.layer else ""
        colour = WARN_INK if finding.severity >= Severity.WARNING else INK
        words = f"{where}{finding.code} {finding.severity}: {finding.message}"
        for i, line in enumerate(wrap(words, per_line - 2)):
            lines.append(((" " if i == 0 else "   ") + line, colour, None))
        own = [part for part in _hint_parts(finding) if part not in shared]
        if own:
            for line in wrap(f"hint: {'; '.join(own)}", per_line - 4):
                lines.append(("    " + line, MUTED, None))
    step = FONT * LINE
    elements = [
        text(x, y + FONT + i * step, content, anchor="start", fill=colour, weight=weight)
        for i, (content, colour, weight) in enumerate(lines)
    ]
    widest = max(text_width(content) for content, _, _ in lines)
    return [f'<g class="legend">{"".join(elements)}</g>'], len(lines) * step + FONT * 0.4, widest


def _hint_parts(finding: Finding) -> list[str]:
    return [part for part in (finding.hint or "").split("; ") if part]


def _shared_hints(findings: Sequence[Finding]) -> dict[str, int]:
    """Hints that most findings share (the solver's input size), with how many: said once."""
    counts: dict[str, int] = {}
    for finding in findings:
        for part in dict.fromkeys(_hint_parts(finding)):
            counts[part] = counts.get(part, 0) + 1
    return {part: n for part, n in counts.items() if n >= 3 and 2 * n >= len(findings)}


def wrap(words: str, width: int) -> list[str]:
    """Lines of at most ``width`` characters, broken at spaces; a longer word is broken after
    a '.', '_' or '/' (``encoder.layers.`` / ``encoder_layer_0``), never inside a name: a word
    with no such place stays whole, longer than ``width``."""
    lines: list[str] = []
    current = ""
    for whole in words.split():
        for i, piece in enumerate(_word_pieces(whole, width)):
            joined = current + piece if i or not current else f"{current} {piece}"
            if len(joined) > width and current:
                lines.append(current)
                current = piece
            else:
                current = joined
    if current:
        lines.append(current)
    return lines or [""]


_BREAKS = (".", "_", "/")


def _word_pieces(word: str, width: int) -> list[str]:
    """A word as it may be broken across lines: whole when it fits, else after each of
    ``_BREAKS`` (the last piece carries no break)."""
    if len(word) <= width:
        return [word]
    pieces = re.findall(r"[^._/]*[._/]|[^._/]+$", word)
    return [p for p in pieces if p]


def heading(report: Report, style: str, notation: Notation) -> list[str]:
    """The drawing's title and one line of totals."""
    inputs = ", ".join(dims_label(s, notation) for s in report.input_shapes)
    totals = report.totals
    return [
        f"{report.name} — {style}",
        f"input {inputs} · {count(totals.params)} params · {si(totals.macs)} MACs",
    ]


def heading_elements(lines: Sequence[str], *, x: float, y: float) -> tuple[list[str], float]:
    """The heading lines at (x, y) (top left): elements and height."""
    first = text(x, y + TITLE_FONT, lines[0], size=TITLE_FONT, anchor="start", weight="bold")
    rest = [
        text(x, y + TITLE_FONT + (i + 1) * FONT * LINE, line, anchor="start", fill=MUTED)
        for i, line in enumerate(lines[1:])
    ]
    return [f'<g class="heading">{first}{"".join(rest)}</g>'], TITLE_FONT + len(
        lines[1:]
    ) * FONT * LINE + FONT * 0.6


def heading_width(lines: Sequence[str]) -> float:
    return max(text_width(lines[0], TITLE_FONT), *(text_width(line) for line in lines[1:]), 0.0)
