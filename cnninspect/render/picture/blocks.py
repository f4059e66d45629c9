"""The block diagram (``cnninspect draw --style graph``): the data flow of the forward pass as a
layered graph — branches side by side, shortcuts and skips as edges into their merge — one
node per module call, or per block folded to a depth; each node with its type, output shape
and parameters.

The graph drawn is the data flow made readable (``drawn_graph``: junctions, dense
connections folded), laid out top to bottom by ``layered``; a drawing of every layer larger
than ``MAX_WIDTH`` × ``MAX_HEIGHT`` is folded to a depth that fits.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass

from cnninspect.render.picture.drawn_graph import drawn_graph, is_junction
from cnninspect.render.picture.layered import Band, Bend, layout
from cnninspect.render.picture.svg import (
    EDGE,
    FILL,
    FONT,
    INK,
    LINE,
    MARGIN,
    MUTED,
    STROKE,
    WARN_FILL,
    WARN_INK,
    WARN_STROKE,
    Marked,
    attr,
    dims_label,
    document,
    findings_by_row,
    fmt,
    heading,
    heading_elements,
    heading_width,
    legend,
    params_label,
    text,
    text_width,
    title,
)
from cnninspect.render.text import hparams_text
from cnninspect.results.dataflow import FlowGraph, flow_graph
from cnninspect.results.report import Report, Row
from cnninspect.shapes import Notation

PAD = 8.0  # px inside a node, around its text
# A drawing of every layer larger than this (px, the nodes alone) is folded to a depth that
# fits: a readable page, and a PNG that a rasteriser can hold (2× this is 30 M pixels)
MAX_WIDTH = 6000.0
MAX_HEIGHT = 20000.0
DOT = 9.0  # px across a junction


@dataclass(frozen=True, slots=True)
class Box:
    """A node as drawn: its row, the text lines, the rectangle (x, y: top left)."""

    row: int
    lines: tuple[tuple[str, str, str | None], ...]  # (text, colour, weight)
    x: float
    y: float
    w: float
    h: float
    marked: Marked | None
    band: tuple[float, float]  # the top and bottom of its layer


def graph_svg(report: Report, *, depth: int | None = None, notation: Notation = "chw") -> str:
    """The block diagram of ``report`` folded to ``depth``. None: every module call — or,
    where that drawing would exceed ``MAX_WIDTH`` × ``MAX_HEIGHT``, folded to the deepest
    depth whose drawing stays within them (the heading says so)."""
    if depth is not None:
        return _drawn(report, _planned(report, depth, notation), _style_text(depth), notation)
    deepest = max((row.depth for row in report.rows[1:]), default=1)
    plan = _planned(report, None, notation)
    chosen = None
    for candidate in range(deepest - 1, 0, -1):
        if plan.fits():
            break
        plan, chosen = _planned(report, candidate, notation), candidate
    style = _style_text(None) if chosen is None else _style_text(chosen) + " (folded to fit)"
    return _drawn(report, plan, style, notation)


@dataclass(frozen=True, slots=True)
class _Plan:
    """A layout: the graph drawn, the folded sources, each node's text and size, where it is."""

    graph: FlowGraph
    folded: dict[int, tuple[int, ...]]
    lines: dict[int, tuple[tuple[str, str, str | None], ...]]
    sizes: dict[int, tuple[float, float]]
    centres: dict[int, tuple[float, float]]
    bands: dict[int, Band]
    routes: dict[tuple[int, int], list[Bend]]
    marked: dict[int, Marked]

    def extent(self) -> tuple[float, float, float, float]:
        """Left, right, top and bottom of the nodes and bends."""
        nodes = self.graph.nodes
        bends = [x for route in self.routes.values() for x, _, _ in route]
        left = min([*(self.centres[n][0] - self.sizes[n][0] / 2 for n in nodes), *bends])
        right = max([*(self.centres[n][0] + self.sizes[n][0] / 2 for n in nodes), *bends])
        upper = min(self.centres[n][1] - self.sizes[n][1] / 2 for n in nodes)
        lower = max(self.centres[n][1] + self.sizes[n][1] / 2 for n in nodes)
        return left, right, upper, lower

    def fits(self) -> bool:
        left, right, upper, lower = self.extent()
        return right - left <= MAX_WIDTH and lower - upper <= MAX_HEIGHT


def _planned(report: Report, depth: int | None, notation: Notation) -> _Plan:
    graph, folded = drawn_graph(flow_graph(report, depth))
    marked = findings_by_row(report, graph.nodes)
    lines = {
        n: _node_lines(report, n, notation, marked.get(n), len(folded.get(n, ())))
        for n in graph.nodes
        if not is_junction(n)
    }
    sizes = {n: _size(lines[n]) if n in lines else (DOT, DOT) for n in graph.nodes}
    centres, bands, routes = layout(graph, sizes)
    return _Plan(graph, folded, lines, sizes, centres, bands, routes, marked)


def _drawn(report: Report, plan: _Plan, style: str, notation: Notation) -> str:
    head = heading(report, style, notation)
    head_elements, head_height = heading_elements(head, x=MARGIN, y=MARGIN)
    top = MARGIN + head_height + FONT
    left, right, upper, lower = plan.extent()
    dx, dy = MARGIN - left, top - upper
    boxes = {
        n: Box(
            n,
            plan.lines.get(n, ()),
            plan.centres[n][0] - plan.sizes[n][0] / 2 + dx,
            plan.centres[n][1] - plan.sizes[n][1] / 2 + dy,
            *plan.sizes[n],
            plan.marked.get(n),
            (plan.bands[n][0] + dy, plan.bands[n][1] + dy),
        )
        for n in plan.graph.nodes
    }
    width = max(right - left + 2 * MARGIN, heading_width(head) + 2 * MARGIN)
    bottom = lower + dy + MARGIN
    notes, notes_height, notes_width = legend(report, x=MARGIN, y=bottom, width=width - 2 * MARGIN)
    width = max(width, notes_width + 2 * MARGIN)
    height = bottom + notes_height + (MARGIN if notes else 0.0)
    shifted = {
        key: [(x + dx, y0 + dy, y1 + dy) for x, y0, y1 in route]
        for key, route in plan.routes.items()
    }
    ports = _ports(shifted, boxes)
    body = [
        *head_elements,
        '<g class="edges">',
        *(
            _edge(report, a, b, shifted[(a, b)], ports=ports, boxes=boxes)
            for a, b in plan.graph.edges
        ),
        "</g>",
        '<g class="nodes">',
        *(
            _junction(report, box, plan.graph.sources(box.row))
            if is_junction(box.row)
            else _box(report, box, plan.folded.get(box.row, ()))
            for box in boxes.values()
        ),
        "</g>",
        *notes,
    ]
    return document(width, height, body, label=f"{report.name}: block diagram")


def _row_of(report: Report, node: int) -> Row:
    """The row a node draws; with several inputs, each input tensor is a node of its own
    (``input_node``): the input row, named and shaped for that input."""
    if is_junction(node):
        return dataclasses.replace(report.rows[0], name="(merged inline)", type="merge")
    if len(report.input_shapes) < 2 or node > 0:
        return report.rows[node]
    k = -node
    shape = report.input_shapes[k]
    return dataclasses.replace(
        report.rows[0], name=f"Input {k + 1}", shape=shape, size=math.prod(shape)
    )


def _style_text(depth: int | None) -> str:
    return "block diagram" + (f", depth {depth}" if depth is not None else ", every layer")


def _node_lines(
    report: Report, node: int, notation: Notation, marked: Marked | None, unseen: int = 0
) -> tuple[tuple[str, str, str | None], ...]:
    row = _row_of(report, node)
    folded = not row.is_leaf
    name = row.name + (f" (call {row.call + 1})" if row.call else "")
    kind = row.type if node > 0 else ""
    hparams = hparams_text(row.hparams) if row.is_leaf else ""
    second = " ".join(part for part in (kind, hparams) if part)
    third = " · ".join(
        part for part in (dims_label(row.shape, notation), params_label(row, folded=folded)) if part
    )
    lines: list[tuple[str, str, str | None]] = [(name, INK, "bold")]
    if second:
        lines.append((second, MUTED, None))
    lines.append((third, INK, None))
    if unseen:  # sources whose edges are folded (_fold_fan_in)
        lines.append((f"+ {unseen} earlier input{'s' if unseen > 1 else ''}", MUTED, None))
    if marked is not None:
        lines.append((f"! {marked.codes}", WARN_INK, "bold"))
    return tuple(lines)


def _size(lines: Sequence[tuple[str, str, str | None]]) -> tuple[float, float]:
    width = max(text_width(line) for line, _, _ in lines) + 2 * PAD
    return width, len(lines) * FONT * LINE + 2 * PAD - FONT * (LINE - 1)


def _junction(report: Report, box: Box, sources: Sequence[int]) -> str:
    """A dot where several consumers read one tensor merged inline from several producers."""
    names = ", ".join(_row_of(report, n).name for n in sources)
    return (
        f'<g class="junction" id={attr(f"j{box.row}")}>{title(f"merged inline: {names}")}'
        f"<circle cx={attr(fmt(box.x + box.w / 2))} cy={attr(fmt(box.y + box.h / 2))}"
        f" r={attr(fmt(box.w / 2))} fill={attr(EDGE)}/></g>"
    )


def _box(report: Report, box: Box, folded: Sequence[int] = ()) -> str:
    row = _row_of(report, box.row)
    warn = box.marked is not None
    fill, stroke = (WARN_FILL, WARN_STROKE) if warn else (FILL, STROKE)
    hover = f"{row.name} ({row.type})"
    if folded:
        names = [_row_of(report, n).name for n in folded]
        hover += f"\nalso reads {len(names)} earlier: " + ", ".join(names)
    if box.marked is not None:
        hover += "\n" + box.marked.hover
    parts = [
        f"<g class={attr('node finding' if warn else 'node')} id={attr(f'n{box.row}')}"
        f" data-layer={attr(row.name)} data-call={attr(row.call)}>",
        title(hover),
        f"<rect x={attr(fmt(box.x))} y={attr(fmt(box.y))} width={attr(fmt(box.w))}"
        f' height={attr(fmt(box.h))} rx="4" fill={attr(fill)} stroke={attr(stroke)}'
        f" stroke-width={attr(2 if warn else 1)}/>",
    ]
    for i, (line, colour, weight) in enumerate(box.lines):
        baseline = box.y + PAD + FONT * 0.85 + i * FONT * LINE
        parts.append(text(box.x + box.w / 2, baseline, line, fill=colour, weight=weight))
    parts.append("</g>")
    return "".join(parts)


Port = dict[tuple[int, int], tuple[float, float]]  # x where an edge leaves, and enters


def _ports(routes: dict[tuple[int, int], list[Bend]], boxes: dict[int, Box]) -> Port:
    """Where each edge leaves its source (the bottom) and enters its target (the top): spread
    along the side, in the order of where the edges come from or go, so that the arrows into
    a merge stay apart."""
    outgoing: dict[int, list[tuple[float, tuple[int, int]]]] = {}
    incoming: dict[int, list[tuple[float, tuple[int, int]]]] = {}
    for (a, b), route in routes.items():
        first = route[0][0] if route else boxes[b].x + boxes[b].w / 2
        last = route[-1][0] if route else boxes[a].x + boxes[a].w / 2
        outgoing.setdefault(a, []).append((first, (a, b)))
        incoming.setdefault(b, []).append((last, (a, b)))
    starts = _spread(outgoing, boxes)
    ends = _spread(incoming, boxes)
    return {key: (starts[key], ends[key]) for key in routes}


def _spread(
    sides: dict[int, list[tuple[float, tuple[int, int]]]], boxes: dict[int, Box]
) -> dict[tuple[int, int], float]:
    found = {}
    for node, edges in sides.items():
        box = boxes[node]
        ordered = sorted(edges)
        step = min(16.0, box.w * 0.6 / max(1, len(ordered) - 1)) if len(ordered) > 1 else 0.0
        first = box.x + box.w / 2 - step * (len(ordered) - 1) / 2
        for i, (_, key) in enumerate(ordered):
            found[key] = first + i * step
    return found


def _edge(
    report: Report, a: int, b: int, route: list[Bend], *, ports: Port, boxes: dict[int, Box]
) -> str:
    """From the bottom of ``a`` to the top of ``b``: straight down through every layer (a
    long edge beside the nodes of the layers it crosses), S-curves only between layers, where
    there is no node."""
    source, target = boxes[a], boxes[b]
    start, end = ports[(a, b)]
    x, y = start, source.y + source.h
    path = [f"M{fmt(x)},{fmt(y)}", f"L{fmt(x)},{fmt(source.band[1])}"]
    y = source.band[1]
    for bx, top, bottom in [*route, (end, target.band[0], target.y)]:
        middle = (y + top) / 2
        path.append(f"C{fmt(x)},{fmt(middle)} {fmt(bx)},{fmt(middle)} {fmt(bx)},{fmt(top)}")
        if bottom - top > 0.5:  # a zero-length end would turn the arrowhead
            path.append(f"L{fmt(bx)},{fmt(bottom)}")
        x, y = bx, bottom
    names = f"{_row_of(report, a).name} → {_row_of(report, b).name}"
    return (
        f'<path class="edge" data-from={attr(f"n{a}")} data-to={attr(f"n{b}")}'
        f' d={attr(" ".join(path))} fill="none" stroke={attr(EDGE)} stroke-width="1.4"'
        f' marker-end="url(#arrow)">{title(names)}</path>'
    )
