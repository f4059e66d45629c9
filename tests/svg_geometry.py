"""Geometry read back from an SVG drawing, as a reader would meet it: where every box, label
and edge is, measured from the SVG text itself (xml.etree), independently of the renderer's
own arithmetic.

Text is measured for a monospace font: every character advances at most 0.6 em in the fonts
the drawings name (DejaVu Sans Mono, Menlo, Consolas, Liberation Mono, Courier); a line is
0.8 em above its baseline and 0.25 em below.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass

SVG = "{http://www.w3.org/2000/svg}"
EM = 0.6  # advance of one character, in font sizes
ASCENT, DESCENT = 0.8, 0.25


@dataclass(frozen=True)
class Rect:
    left: float
    top: float
    right: float
    bottom: float
    what: str  # for the message of a failing test
    owner: str | None = None  # the node or volume it belongs to

    def overlaps(self, other: Rect, slack: float = 0.5) -> bool:
        return (
            self.left < other.right - slack
            and other.left < self.right - slack
            and self.top < other.bottom - slack
            and other.top < self.bottom - slack
        )

    def inside(self, width: float, height: float) -> bool:
        return self.left >= 0 and self.top >= 0 and self.right <= width and self.bottom <= height


@dataclass(frozen=True)
class Drawing:
    width: float
    height: float
    texts: list[Rect]
    font_sizes: list[float]
    nodes: dict[str, Rect]  # id → the node's rectangle (graph) or the volume's bounds
    layers: dict[str, str]  # id → data-layer
    findings: dict[str, str]  # id → the hover text of a node marked with findings
    edges: list[tuple[str, str]]
    edge_points: list[tuple[float, float]]
    root: ET.Element


def parse(svg: str) -> Drawing:
    root = ET.fromstring(svg)
    width, height = float(root.attrib["width"]), float(root.attrib["height"])
    assert root.attrib["viewBox"] == f"0 0 {root.attrib['width']} {root.attrib['height']}"
    nodes: dict[str, Rect] = {}
    layers: dict[str, str] = {}
    findings: dict[str, str] = {}
    texts: list[Rect] = []
    sizes: list[float] = []
    owned: dict[int, str] = {}
    for group in root.iter(f"{SVG}g"):
        classes = group.attrib.get("class", "").split()
        if not {"node", "volume"} & set(classes):
            continue
        node_id = group.attrib["id"]
        layers[node_id] = group.attrib["data-layer"]
        shapes = [_rect(r) for r in group.findall(f"{SVG}rect")]
        shapes += [_polygon(p) for p in group.findall(f"{SVG}polygon")]
        nodes[node_id] = Rect(
            min(s[0] for s in shapes),
            min(s[1] for s in shapes),
            max(s[2] for s in shapes),
            max(s[3] for s in shapes),
            f"{layers[node_id]} (box)",
        )
        if "finding" in classes:
            findings[node_id] = group.findtext(f"{SVG}title") or ""
        for element in group.iter(f"{SVG}text"):
            owned[id(element)] = node_id
    for element in root.iter(f"{SVG}text"):
        size = float(element.attrib["font-size"])
        sizes.append(size)
        texts.append(_text(element, size, owned.get(id(element))))
    edges, points = [], []
    for path in root.iter(f"{SVG}path"):
        if "edge" not in path.attrib.get("class", "").split():
            continue
        edges.append((path.attrib["data-from"], path.attrib["data-to"]))
        numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", path.attrib["d"])]
        points += list(zip(numbers[::2], numbers[1::2], strict=True))
    for line in root.iter(f"{SVG}line"):
        points += [
            (float(line.attrib["x1"]), float(line.attrib["y1"])),
            (float(line.attrib["x2"]), float(line.attrib["y2"])),
        ]
    return Drawing(width, height, texts, sizes, nodes, layers, findings, edges, points, root)


def _rect(element: ET.Element) -> tuple[float, float, float, float]:
    x, y = float(element.attrib["x"]), float(element.attrib["y"])
    return x, y, x + float(element.attrib["width"]), y + float(element.attrib["height"])


def _polygon(element: ET.Element) -> tuple[float, float, float, float]:
    numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", element.attrib["points"])]
    xs, ys = numbers[::2], numbers[1::2]
    return min(xs), min(ys), max(xs), max(ys)


def _text(element: ET.Element, size: float, owner: str | None) -> Rect:
    content = element.text or ""
    x, y = float(element.attrib["x"]), float(element.attrib["y"])
    width = len(content) * size * EM
    anchor = element.attrib.get("text-anchor", "start")
    left = {"start": x, "middle": x - width / 2, "end": x - width}[anchor]
    return Rect(left, y - ASCENT * size, left + width, y + DESCENT * size, content, owner)


def overlapping(rects: Iterable[Rect]) -> list[tuple[str, str]]:
    """Pairs that overlap (a sweep over the vertical extent)."""
    ordered = sorted(rects, key=lambda r: r.top)
    found = []
    for i, a in enumerate(ordered):
        for b in ordered[i + 1 :]:
            if b.top >= a.bottom:
                break
            if a.overlaps(b):
                found.append((a.what, b.what))
    return found


def problems(drawing: Drawing, *, min_font: float) -> list[str]:
    """Everything a reader would object to: small text, text or boxes overlapping or outside
    the canvas, a label over another node's box, an edge leaving the canvas."""
    found = [f"text of {s}px" for s in drawing.font_sizes if s < min_font]
    boxes = list(drawing.nodes.values())
    found += [
        f"outside the canvas: {r.what}"
        for r in [*drawing.texts, *boxes]
        if not r.inside(drawing.width, drawing.height)
    ]
    found += [f"boxes overlap: {a} / {b}" for a, b in overlapping(boxes)]
    found += [f"labels overlap: {a!r} / {b!r}" for a, b in overlapping(drawing.texts)]
    for text in drawing.texts:
        for node_id, box in drawing.nodes.items():
            if node_id != text.owner and text.overlaps(box):
                found.append(f"label {text.what!r} over {box.what}")
    found += [
        f"edge point outside the canvas: {x}, {y}"
        for x, y in drawing.edge_points
        if not (0 <= x <= drawing.width and 0 <= y <= drawing.height)
    ]
    return found
