"""The data flow of a Report as a graph: one node per module call (or per block, folded to a
depth), an edge wherever one call's output feeds another — ResNet shortcuts, Inception
branches, U-Net skips included — and the main path through it (torch-free).

Nodes and edges are positions in ``Report.rows`` (0: the input).
"""

from __future__ import annotations

from dataclasses import dataclass

from cnninspect.results.report import Report, Row


@dataclass(frozen=True, slots=True)
class FlowGraph:
    """The calls drawn (rows, in call order, the input first — each further input tensor a
    node of its own: ``input_node``) and the edges between them."""

    nodes: tuple[int, ...]
    edges: tuple[tuple[int, int], ...]  # (producer row, consumer row)

    def sources(self, node: int) -> tuple[int, ...]:
        return tuple(a for a, b in self.edges if b == node)

    def targets(self, node: int) -> tuple[int, ...]:
        return tuple(b for a, b in self.edges if a == node)


def _parents(rows: tuple[Row, ...]) -> list[int | None]:
    """The enclosing call of every row (None for the input and the model's children)."""
    parents: list[int | None] = [None] * len(rows)
    stack: list[int] = []
    for i, row in enumerate(rows):
        if i == 0:
            continue
        while stack and rows[stack[-1]].depth >= row.depth:
            stack.pop()
        parents[i] = stack[-1] if stack else None
        stack.append(i)
    return parents


def flow_graph(report: Report, depth: int | None = None) -> FlowGraph:
    """Nodes: the input, and every call that is a leaf of the module tree folded to ``depth``
    (None: every leaf; a block at ``depth`` is one node). Edges: from the node that made a
    call's input to the node of the call, where the two differ."""
    rows = report.rows
    parents = _parents(rows)
    has_child = {p for p in parents if p is not None}
    shown = [
        i
        for i, row in enumerate(rows)
        if i == 0
        or (
            (depth is None or row.depth <= depth)
            and (i not in has_child or (depth is not None and row.depth == depth))
        )
    ]
    node_of: dict[int, int] = {}
    shown_set = set(shown)
    for i in range(len(rows)):
        j: int | None = i
        while j is not None and j not in shown_set:
            j = parents[j]
        if j is not None:
            node_of[i] = j

    several = len(report.input_shapes) > 1

    def feeding(row: int, seen: frozenset[int]) -> list[int]:
        """The nodes whose outputs feed a row, source by source: the input's node for each
        input it reads."""
        found: list[int] = []
        for source in rows[row].sources:
            if source == 0 and several:
                found += [input_node(k) for k in rows[row].inputs] or [0]
            else:
                found += sorted(resolve(source, seen))
        return found

    def resolve(row: int, seen: frozenset[int] = frozenset()) -> set[int]:
        """The nodes a row's output comes from: its own node, or, for a container that is
        drawn as its parts (it passed its input through), the nodes of its inputs."""
        if row in node_of:
            return {node_of[row]}
        return set() if row in seen else set(feeding(row, seen | {row}))

    edges: dict[tuple[int, int], None] = {}
    for i in range(1, len(rows)):
        if i in has_child or i not in node_of:
            continue
        target = node_of[i]
        for producer in feeding(i, frozenset()):
            if producer != target:
                edges[(producer, target)] = None
    inputs = tuple(input_node(k) for k in range(1, len(report.input_shapes)))
    return FlowGraph((0, *inputs, *shown[1:]), tuple(edges))


def input_node(k: int) -> int:
    """The node of the model's k-th input tensor (from 0): the input row for the first, a
    negative number for each further one (no row holds them: the input row shows the first)."""
    return -k


def main_path(graph: FlowGraph) -> tuple[int, ...]:
    """The longest chain of nodes from the input to the last node (the model's output): the
    convolutions of a ResNet block rather than its shortcut, one branch of an Inception
    module. Nodes the input never reaches are left out."""
    if not graph.nodes:
        return ()
    incoming: dict[int, list[int]] = {n: [] for n in graph.nodes}
    for a, b in graph.edges:
        incoming[b].append(a)
    best: dict[int, tuple[int, int | None]] = {graph.nodes[0]: (1, None)}
    for node in graph.nodes[1:]:
        reached = [(best[p][0], -p, p) for p in incoming[node] if p in best]
        if reached:
            length, _, producer = max(reached)
            best[node] = (length + 1, producer)
    end = max(best, key=lambda n: (n != graph.nodes[0], n))
    path = [end]
    while (before := best[path[-1]][1]) is not None:
        path.append(before)
    return tuple(reversed(path))
