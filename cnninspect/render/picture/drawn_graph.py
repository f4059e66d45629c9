"""The graph as the block diagram draws it, from the data flow: consumers that read the same
producers through one inline merge (``torch.cat`` of an Inception module's branches, read by
every branch of the next) meet at a junction, and dense connections are folded. Both keep a
drawing readable and bounded where the data flow has many edges per node; neither hides a
producer (a folded one is named in its consumer's node and hover text)."""

from __future__ import annotations

from cnninspect.results.dataflow import FlowGraph

DRAWN_INPUTS = 4  # a node with more sources than this (a dense block) is folded …
KEPT_INPUTS = 2  # … to the edges of its latest sources
JUNCTION = 1 << 30  # junction nodes are numbered from here: no row has such a position


def is_junction(node: int) -> bool:
    return node >= JUNCTION


def drawn_graph(graph: FlowGraph) -> tuple[FlowGraph, dict[int, tuple[int, ...]]]:
    """The graph with junctions, its dense connections folded; and for each node the sources
    whose edges were folded."""
    return _fold_fan_in(_junctions(graph))


def _junctions(graph: FlowGraph) -> FlowGraph:
    """Two or more consumers of the same two or more producers read one merged tensor (made
    inline: no module, no row): they meet at a junction node, so that n producers and m
    consumers are n + m edges, not n × m crossing ones."""
    sources: dict[int, list[int]] = {}
    for a, b in graph.edges:
        sources.setdefault(b, []).append(a)
    readers: dict[frozenset[int], list[int]] = {}
    for node, found in sources.items():
        if len(found) > 1:
            readers.setdefault(frozenset(found), []).append(node)
    shared = [(group, nodes) for group, nodes in readers.items() if len(nodes) > 1]
    if not shared:
        return graph
    junction_of = {}
    edges = []
    for i, (group, nodes) in enumerate(shared):
        junction = JUNCTION + i
        edges += [(a, junction) for a in sorted(group)]
        junction_of.update(dict.fromkeys(nodes, junction))
    for a, b in graph.edges:
        if b in junction_of:
            edge = (junction_of[b], b)
            if edge not in edges:
                edges.append(edge)
        else:
            edges.append((a, b))
    placed = list(graph.nodes)
    for i, (_, nodes) in enumerate(shared):  # a junction just before its first reader
        placed.insert(placed.index(min(nodes)), JUNCTION + i)
    return FlowGraph(tuple(placed), tuple(edges))


def _fold_fan_in(graph: FlowGraph) -> tuple[FlowGraph, dict[int, tuple[int, ...]]]:
    """Dense connections folded: a node fed by more than ``DRAWN_INPUTS`` others (a DenseNet
    layer reads every earlier one; a transformer's residual stream, through its inline adds,
    every earlier block) keeps the edges of its ``KEPT_INPUTS`` latest sources; the others
    become a line in the node and its hover text. Without this, the long edges of a dense
    block make a drawing tens of thousands of pixels wide."""
    sources: dict[int, list[int]] = {}
    for a, b in graph.edges:
        sources.setdefault(b, []).append(a)
    folded = {
        node: tuple(sorted(found)[:-KEPT_INPUTS])
        for node, found in sources.items()
        if len(found) > DRAWN_INPUTS
    }
    if not folded:
        return graph, {}
    kept = tuple(e for e in graph.edges if e[0] not in folded.get(e[1], ()))
    return FlowGraph(graph.nodes, kept), folded
