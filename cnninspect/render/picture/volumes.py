"""The lecture's picture of a CNN (``cnninspect draw --style volumes``): LeNet-5 as feature-map
volumes — each activation a box sized by its shape and labelled ``n_C@n_H×n_W`` (or the
lecture's ``H×W×C``), the operation between two boxes written above the arrow that joins them
(``conv 5×5 s1``, ``avg pool 2×2 s2``, ``FC 120``), with the activations and normalisations it
passes through below the arrow. A network with branches is drawn along its main path.

Sizes: a side of n pixels is ``side·√n`` px, ``side`` chosen so that the largest map is
``TALLEST`` px high (at most ``SIDE`` px per √pixel): 224×224 is 140 px and 7×7 25 px, both
visible; C channels make the box ``4 + 5·log2(C)`` px thick; a vector of n features is a bar
``10·log2(n + 1)`` px high (at most 1.2 times the largest map).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cnninspect.description.layer_types import Role, classify
from cnninspect.render.picture.svg import (
    EDGE,
    FILL,
    FONT,
    LINE,
    MARGIN,
    MUTED,
    STROKE,
    WARN_FILL,
    WARN_INK,
    WARN_STROKE,
    Marked,
    attr,
    document,
    findings_by_row,
    fmt,
    heading,
    heading_elements,
    heading_width,
    legend,
    shape_label,
    text,
    text_width,
    title,
    wrap,
)
from cnninspect.results.dataflow import flow_graph, main_path
from cnninspect.results.report import Report, Row
from cnninspect.shapes import Notation

SIDE = 20.0  # px per √pixel of a side, at most
TALLEST = 140.0  # px: the largest map's side
SLANT = 0.45  # the receding side of a box, as a share of its drawn width
GAP_PAD = 14.0  # px between an operation's text and the boxes beside it
MIN_GAP = 56.0  # px between two boxes: room for the arrow

ROW_WIDTH = 1440.0  # px: a longer chain of boxes continues on the next row
ROW_GAP = 12.0  # px between rows
CAPTION_CHARS = 16  # the lines below an arrow wrap here (or at the main operation's width)


@dataclass(frozen=True, slots=True)
class Volume:
    """One activation drawn as a box; ``ops``: the operations that made it from the box
    before (the last one the main operation)."""

    row: int
    ops: tuple[int, ...]
    thick: float  # along the chain: the channels
    high: float  # the height of a map (or of a vector's bar)
    slant: float  # the receding side: the width of a map


def volumes_svg(report: Report, *, notation: Notation = "chw") -> str:
    """The volumes of ``report``'s main path, left to right, in rows at most ``ROW_WIDTH``
    wide (a row after the first starts with the arrow into its first box)."""
    graph = flow_graph(report)
    path = main_path(graph)
    volumes, trailing = _volumes(report, path, _side(report, path))
    marked = findings_by_row(report, [v.row for v in volumes])
    labels = _labels(report, volumes, marked, notation)
    captions = [_captions(report, v.ops) for v in volumes]
    slots = [
        max(v.thick + v.slant, *(text_width(label) for label in three))
        for v, three in zip(volumes, labels, strict=True)
    ]
    # the arrow before each box (none before the input), then the one after the last box
    gaps = [0.0] + [_gap(c) for c in captions[1:]]
    tail = _captions(report, trailing, last=True) if trailing else None
    head = heading(report, "feature-map volumes" + _path_note(graph.nodes, path), notation)
    head_elements, head_height = heading_elements(head, x=MARGIN, y=MARGIN)
    body = [*head_elements]
    top = MARGIN + head_height + FONT
    right = 0.0
    for row in _rows([g + s for g, s in zip(gaps, slots, strict=True)]):
        members = [volumes[i] for i in row]
        lines_below = max(len(captions[i]) for i in row) + (
            tail is not None and row[-1] == len(volumes) - 1
        )
        above, below = _extent(members, lines_below, marks=any(labels[i][2] for i in row))
        centre = top + above
        x = float(MARGIN)
        for i in row:
            if i:
                body.append(_operation(x, gaps[i], centre, captions[i]))
                x += gaps[i]
            body.append(
                _volume(
                    report,
                    volumes[i],
                    x=x,
                    slot=slots[i],
                    centre=centre,
                    labels=labels[i],
                    marked=marked,
                )
            )
            x += slots[i]
        if tail is not None and row[-1] == len(volumes) - 1:
            body.append(_operation(x, _gap(tail), centre, tail))
            x += _gap(tail)
        right = max(right, x)
        top = centre + below + ROW_GAP
    width = max(right + MARGIN, heading_width(head) + 2 * MARGIN)
    bottom = top - ROW_GAP + MARGIN
    notes, notes_height, notes_width = legend(report, x=MARGIN, y=bottom, width=width - 2 * MARGIN)
    width = max(width, notes_width + 2 * MARGIN)
    height = bottom + notes_height + (MARGIN if notes else 0.0)
    return document(width, height, [*body, *notes], label=f"{report.name}: feature-map volumes")


def _labels(
    report: Report, volumes: Sequence[Volume], marked: Mapping[int, Marked], notation: Notation
) -> list[tuple[str, str, str]]:
    """Each volume's three labels: its name, its shape, and the codes of its findings."""
    return [
        (
            _name(report.rows[v.row]),
            shape_label(report.rows[v.row].shape, notation),
            f"! {marked[v.row].codes}" if v.row in marked else "",
        )
        for v in volumes
    ]


def _extent(members: Sequence[Volume], lines_below: int, *, marks: bool) -> tuple[float, float]:
    """The height a row of volumes needs above and below its centre line: the boxes, their
    labels above, their names, shapes (and marks) and the captions below."""
    above = max(v.high / 2 + v.slant * SLANT for v in members) + FONT * LINE + 6
    below = max(v.high / 2 for v in members) + FONT * LINE * (2 + marks)
    return above, max(below + 6, FONT * LINE * lines_below + 8)


def _gap(captions: Sequence[str]) -> float:
    """Room for an arrow and the text above and below it."""
    return max(MIN_GAP, max(map(text_width, captions)) + 2 * GAP_PAD)


def _rows(widths: Sequence[float]) -> list[list[int]]:
    """Consecutive items in rows no wider than ROW_WIDTH (an item wider than that alone)."""
    rows: list[list[int]] = []
    used = 0.0
    for i, width in enumerate(widths):
        if rows and used + width <= ROW_WIDTH:
            rows[-1].append(i)
            used += width
        else:
            rows.append([i])
            used = width
    return rows


def _path_note(nodes: Sequence[int], path: Sequence[int]) -> str:
    """Said of a network with branches: what the picture leaves out."""
    if len(path) == len(nodes):
        return ""
    return f" (main path: {len(path) - 1} of {len(nodes) - 1} layers; --style graph draws all)"


def _side(report: Report, path: Sequence[int]) -> float:
    """Pixels per √pixel: the largest map side on the path is TALLEST px (SIDE at most)."""
    sides = [max(s[1:]) for s in (report.rows[n].shape for n in path) if s and len(s) > 1]
    return min(SIDE, TALLEST / math.sqrt(max(sides, default=1)))


def _volumes(
    report: Report, path: Sequence[int], side: float
) -> tuple[list[Volume], tuple[int, ...]]:
    """The activations drawn along ``path``: the input, every learned map (convolution,
    linear) and every change of shape but a reshape; what comes after the last one."""
    volumes = [_volume_of(report, path[0], (), side)] if path else []
    pending: list[int] = []
    shape = report.rows[path[0]].shape if path else None
    for node in path[1:]:
        row = report.rows[node]
        pending.append(node)
        kind = classify(row.type)
        reshape = kind is not None and kind.name in ("Flatten", "Unflatten")
        learned = kind is not None and kind.role is Role.LINEAR_MAP
        if row.shape is not None and reshape:
            shape = row.shape  # the same activation, written another way: no box
        elif row.shape is not None and (learned or row.shape != shape):
            volumes.append(_volume_of(report, node, tuple(pending), side))
            pending = []
            shape = row.shape
    return volumes, tuple(pending)


def _volume_of(report: Report, node: int, ops: tuple[int, ...], side: float) -> Volume:
    shape = report.rows[node].shape or (1,)
    if len(shape) == 1:  # a vector: a thin bar
        high = min(10.0 * math.log2(shape[0] + 1), 1.2 * TALLEST)
        return Volume(node, ops, 8.0, high, 4.0)
    channels, spatial = shape[0], shape[1:]
    height = spatial[-2] if len(spatial) >= 2 else spatial[-1]
    width = spatial[-1] if len(spatial) >= 2 else 1
    return Volume(
        node,
        ops,
        thick=4.0 + 5.0 * math.log2(max(channels, 1)),
        high=side * math.sqrt(height),
        slant=side * math.sqrt(width) * SLANT,
    )


def _name(row: Row) -> str:
    return row.name + (f" (call {row.call + 1})" if row.call else "")


def _captions(report: Report, ops: Sequence[int], *, last: bool = False) -> list[str]:
    """Above the arrow the main operation, below it what the data passed through first."""
    rows = [report.rows[o] for o in ops]
    if not rows:  # the input: nothing before it
        return [""]
    if last:  # after the last box: everything, in order
        return wrap(", ".join(_short(r) for r in rows), CAPTION_CHARS)
    main = _operation_text(rows[-1])
    before = ", ".join(_short(r) for r in rows[:-1])
    width = max(CAPTION_CHARS, len(main))
    return [main, *(wrap(f"after {before}", width) if before else [])]


def _operation_text(row: Row) -> str:
    """``conv 5×5 s1``, ``avg pool 2×2 s2``, ``FC 120``, ``up-conv 2×2 s2``, ``concat``."""
    hparams = dict(row.hparams)
    kind = classify(row.type)
    if kind is None:
        return _short(row)
    if kind.name == "Linear":
        return f"{kind.label} {row.shape[-1] if row.shape else '?'}"
    if kind.window is not None:  # conv, up-conv, max pool, avg pool, lp pool
        return f"{kind.label} {_window_text(hparams)}"
    if kind.role is Role.POOLING:  # adaptive: to a given size
        size = "×".join(str(d) for d in (row.shape or ())[1:])
        return f"{kind.label} → {size}"
    if kind.name == "Upsample" and "scale_factor" in hparams:
        return f"upsample ×{_value(hparams['scale_factor'])}"
    return kind.label


def _window_text(hparams: dict[str, Any]) -> str:
    kernel = hparams.get("kernel_size", 1)
    kernels = kernel if isinstance(kernel, tuple) else (kernel,)
    if len(kernels) == 1 and kernels:
        kernels = kernels * 2  # a square window, as the lecture writes it
    stride = hparams.get("stride", kernel)
    text_ = "×".join(str(k) for k in kernels) + f" s{_value(stride)}"
    padding = hparams.get("padding")
    if padding and padding not in (0, (0,), (0, 0), (0, 0, 0)):
        text_ += f" p{_value(padding)}"
    dilation = hparams.get("dilation")
    if dilation and dilation not in (1, (1,), (1, 1), (1, 1, 1)):
        text_ += f" d{_value(dilation)}"
    return text_


def _value(value: Any) -> str:
    if isinstance(value, tuple):
        if value and all(v == value[0] for v in value):
            return str(value[0])
        return "×".join(str(v) for v in value)
    return str(value)


def _short(row: Row) -> str:
    """relu, tanh, bn, dropout, add, concat, flatten, softmax … (a module of no registered
    type: its class name)."""
    kind = classify(row.type)
    return kind.label if kind is not None else row.type.lower()


def _operation(x: float, gap: float, centre: float, captions: Sequence[str]) -> str:
    """The arrow between two boxes, the main operation above it, what else below."""
    start, end = x + GAP_PAD / 2, x + gap - GAP_PAD / 2
    parts = [
        '<g class="operation">',
        f"<line x1={attr(fmt(start))} y1={attr(fmt(centre))} x2={attr(fmt(end))}"
        f' y2={attr(fmt(centre))} stroke={attr(EDGE)} stroke-width="1.4"'
        ' marker-end="url(#arrow)"/>',
        text(x + gap / 2, centre - 6, captions[0], cls="operation"),
    ]
    for i, caption in enumerate(captions[1:]):
        baseline = centre + FONT + 6 + i * FONT * LINE
        parts.append(text(x + gap / 2, baseline, caption, fill=MUTED, cls="operation"))
    parts.append("</g>")
    return "".join(parts)


def _volume(
    report: Report,
    volume: Volume,
    *,
    x: float,
    slot: float,
    centre: float,
    labels: tuple[str, str, str],
    marked: dict[int, Marked],
) -> str:
    """A box in its slot: the name above, the shape (and the codes of its findings) below."""
    row = report.rows[volume.row]
    name, shape, badge = labels
    found = marked.get(volume.row)
    fill, stroke = (WARN_FILL, WARN_STROKE) if found else (FILL, STROKE)
    width = volume.thick + volume.slant
    left = x + (slot - width) / 2
    top = centre - volume.high / 2
    rise = volume.slant * SLANT
    front = [
        (left, top),
        (left + volume.thick, top),
        (left + volume.thick, top + volume.high),
        (left, top + volume.high),
    ]
    upper = [
        (left, top),
        (left + volume.slant, top - rise),
        (left + width, top - rise),
        (left + volume.thick, top),
    ]
    side = [
        (left + volume.thick, top),
        (left + width, top - rise),
        (left + width, top + volume.high - rise),
        (left + volume.thick, top + volume.high),
    ]
    hover = f"{row.name} ({row.type}): {shape}"
    if found is not None:
        hover += "\n" + found.hover
    cls = "volume finding" if found else "volume"
    parts = [
        f"<g class={attr(cls)} id={attr(f'n{volume.row}')} data-layer={attr(row.name)}"
        f" data-call={attr(row.call)}>",
        title(hover),
        _polygon(front, fill, stroke, found is not None),
        _polygon(upper, _mix(fill, stroke, 0.12), stroke, found is not None),
        _polygon(side, _mix(fill, stroke, 0.28), stroke, found is not None),
        text(x + slot / 2, top - rise - 6, name, weight="bold"),
        text(x + slot / 2, top + volume.high + FONT + 4, shape),
    ]
    if badge:
        baseline = top + volume.high + FONT + 4 + FONT * LINE
        parts.append(text(x + slot / 2, baseline, badge, fill=WARN_INK, weight="bold"))
    parts.append("</g>")
    return "".join(parts)


def _polygon(points: Sequence[tuple[float, float]], fill: str, stroke: str, warn: bool) -> str:
    coordinates = " ".join(f"{fmt(px)},{fmt(py)}" for px, py in points)
    return (
        f"<polygon points={attr(coordinates)} fill={attr(fill)} stroke={attr(stroke)}"
        f' stroke-width={attr(2 if warn else 1)} stroke-linejoin="round"/>'
    )


def _mix(colour: str, other: str, share: float) -> str:
    """A face in shadow: ``colour`` with ``share`` of ``other`` (its outline's colour)."""
    first = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    second = [int(other[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(
        f"{round(a + (b - a) * share):02x}" for a, b in zip(first, second, strict=True)
    )
