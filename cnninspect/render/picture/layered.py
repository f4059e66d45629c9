"""The layered layout of the block diagram: grandalf's Sugiyama layering (ranks, dummy
vertices for long edges, crossing reduction, Brandes–Köpf coordinates), then a sweep that keeps
at least ``GAP`` between neighbours in a layer, whatever the coordinate assignment did."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from grandalf.graphs import Edge, Graph, Vertex
from grandalf.layouts import SugiyamaLayout

from cnninspect.results.dataflow import FlowGraph

GAP = 24.0  # px between neighbouring nodes of a layer
RANK_GAP = 30.0  # px between layers


@dataclass
class _View:
    """What grandalf reads (``w``, ``h``) and writes (``xy``, the centre) for a vertex."""

    w: float
    h: float
    xy: tuple[float, float] = (0.0, 0.0)


Band = tuple[float, float]  # the top and bottom of a layer
Bend = tuple[float, float, float]  # a long edge through a layer: x, the layer's top and bottom


def layout(
    graph: FlowGraph, sizes: dict[int, tuple[float, float]]
) -> tuple[dict[int, tuple[float, float]], dict[int, Band], dict[tuple[int, int], list[Bend]]]:
    """Centres of the nodes, the band of each node's layer, and the bends of every edge (one
    per layer a long edge crosses), each component of the graph laid out by itself and the
    components placed side by side."""
    vertices = {n: Vertex(n) for n in graph.nodes}
    for n, vertex in vertices.items():
        vertex.view = _View(*sizes[n])
    edges = {(a, b): Edge(vertices[a], vertices[b]) for a, b in graph.edges}
    whole = Graph(list(vertices.values()), list(edges.values()))
    centres: dict[int, tuple[float, float]] = {}
    bands: dict[int, Band] = {}
    routes: dict[tuple[int, int], list[Bend]] = {}
    offset = 0.0
    for component in whole.C:
        layout = SugiyamaLayout(component)
        layout.xspace, layout.yspace = GAP, RANK_GAP
        roots = [v for v in component.sV if not v.e_in()]
        layout.init_all(roots=sorted(roots, key=lambda v: v.data))
        layout.draw()
        _separate(layout.layers)
        placed = [v for layer in layout.layers for v in layer]  # dummy vertices too
        shift = offset - min(v.view.xy[0] - _w(v) / 2 for v in placed)
        band = {}
        for layer in layout.layers:
            half = max(v.view.h / 2 for v in layer)
            for v in layer:
                band[id(v)] = (v.view.xy[1] - half, v.view.xy[1] + half)
        for vertex in component.sV:
            x, y = vertex.view.xy
            centres[vertex.data] = (x + shift, y)
            bands[vertex.data] = band[id(vertex)]
        for edge in component.sE:
            ctrl = layout.ctrls.get(edge, {})
            dummies = [ctrl[r] for r in sorted(ctrl)[1:-1]]
            key = (edge.v[0].data, edge.v[1].data)
            routes[key] = [(d.view.xy[0] + shift, *band[id(d)]) for d in dummies]
        offset += max(v.view.xy[0] + _w(v) / 2 for v in placed) + shift - offset + GAP * 2
    return centres, bands, routes


def _separate(layers: Sequence[Any]) -> None:
    """At least GAP between neighbours of a layer (dummy vertices: half of it), keeping
    their order; the layer is then centred where it was."""
    for layer in layers:
        items = sorted(layer, key=lambda v: v.view.xy[0])
        if len(items) < 2:
            continue
        before = sum(v.view.xy[0] for v in items) / len(items)
        for previous, current in itertools.pairwise(items):
            gap = GAP if _real(previous) and _real(current) else GAP / 2
            least = previous.view.xy[0] + _w(previous) / 2 + gap + _w(current) / 2
            if current.view.xy[0] < least:
                current.view.xy = (least, current.view.xy[1])
        after = sum(v.view.xy[0] for v in items) / len(items)
        for v in items:
            v.view.xy = (v.view.xy[0] - (after - before), v.view.xy[1])


def _real(vertex: Any) -> bool:
    return isinstance(vertex, Vertex)


def _w(vertex: Any) -> float:
    return float(vertex.view.w) if _real(vertex) else 4.0
