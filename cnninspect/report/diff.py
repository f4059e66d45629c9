"""Renderers of an ArchDiff: a Rich table, JSON (exact integers, every layer) and Markdown.

The table and Markdown collapse runs of unchanged layers into one "… N unchanged layers"
row unless ``show_all``; JSON always lists every entry.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypedDict, cast

from rich import box
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.table import Table
from rich.text import Text

from cnninspect.report.envelope import Envelope, envelope
from cnninspect.report.layout import longest_word, shrink, span
from cnninspect.report.text import binary, count, hparams_text, shape_text, si
from cnninspect.results.diff import ArchDiff, Entry, Quantity, Status
from cnninspect.results.report import Report, Row

MARKS = {
    Status.SAME: " ",
    Status.MOVED: "↕",
    Status.CHANGED: "~",
    Status.ADDED: "+",
    Status.REMOVED: "−",
    Status.FUNCTIONAL: "·",
}
_STYLES = {
    Status.MOVED: "cyan",
    Status.CHANGED: "yellow",
    Status.ADDED: "green",
    Status.REMOVED: "red",
    Status.FUNCTIONAL: "dim",
}
_LEGEND = {
    Status.ADDED: "+ only in B",
    Status.REMOVED: "− only in A",
    Status.CHANGED: "~ changed",
    Status.MOVED: "↕ same layer, called at another point",
    Status.FUNCTIONAL: "· merge or reshape the other side does inline (no module to compare)",
}
_HEADER = ("", "Layer (A / B)", "Type", "Shape A → B", "Params A → B", "Δ params")
QUANTITY_LABELS = {"params": "Params", "macs": "MACs", "activation_bytes": "Activations"}

Item = Entry | int  # an entry, or the length of a collapsed run of unchanged entries


def collapsed(entries: Sequence[Entry], *, show_all: bool = False) -> list[Item]:
    """Entries with every run of two or more unchanged ones replaced by its length."""
    if show_all:
        return list(entries)
    items: list[Item] = []
    run: list[Entry] = []
    for entry in [*entries, None]:
        if entry is not None and entry.status in (Status.SAME, Status.FUNCTIONAL):
            run.append(entry)
            continue
        items.extend([len(run)] if len(run) > 1 else run)
        run = []
        if entry is not None:
            items.append(entry)
    return items


def render_diff(diff: ArchDiff, output_format: str, *, show_all: bool = False) -> RenderableType:
    """``table`` → a Rich renderable; ``json`` and ``markdown`` → text ending in a newline."""
    if output_format == "json":
        return diff_json(diff) + "\n"
    if output_format == "markdown":
        return diff_markdown(diff, show_all=show_all)
    return diff_table(diff, show_all=show_all)


# -- cells shared by the table and Markdown ---------------------------------------------


ARROW = " → "


def layer_cell(entry: Entry, sep: str = " / ") -> str:
    names = [_name(row) for row in (entry.a, entry.b) if row is not None]
    return names[0] if len(set(names)) == 1 else sep.join(names)


def type_cell(entry: Entry, sep: str = ARROW) -> str:
    a, b = entry.a, entry.b
    row = a or b
    assert row is not None, "an entry holds at least one row"
    text = row.type
    if a is not None and b is not None and "hparams" in entry.changes:
        text += f" {hparams_text(a.hparams) or '—'}{sep}{hparams_text(b.hparams) or '—'}"
    elif row.hparams:
        text += " " + hparams_text(row.hparams)
    if entry.status is Status.FUNCTIONAL:
        text += f" (inline in {'B' if b is None else 'A'})"
    return text


def shape_cell(entry: Entry, sep: str = ARROW) -> str:
    return _both(entry, lambda row: shape_text(row.shape) + _extra(row), sep)


def params_cell(entry: Entry, sep: str = ARROW) -> str:
    return _both(entry, lambda row: count(row.params), sep)


def delta_cell(entry: Entry) -> str:
    return signed(entry.params_delta) if entry.params_delta else ""


def signed(n: int) -> str:
    return f"{n:+,}"


def percent_text(quantity: Quantity) -> str:
    percent = quantity.percent
    if percent is None:
        return "" if quantity.b == 0 else "new"
    return f"{percent:+.1f}%"


def quantity_text(name: str, value: int) -> str:
    if name == "activation_bytes":
        return binary(value)
    if name == "macs":
        return si(value)
    return count(value)


def quantity_delta(quantity: Quantity) -> str:
    delta = quantity.delta
    if not delta:
        return "0"
    sign = "+" if delta >= 0 else "-"
    return sign + quantity_text(quantity.name, abs(delta))


def counts_text(diff: ArchDiff) -> str:
    parts = [
        f"{diff.count(Status.CHANGED)} changed",
        f"{diff.count(Status.ADDED)} added",
        f"{diff.count(Status.REMOVED)} removed",
    ]
    if diff.count(Status.MOVED):
        parts.append(f"{diff.count(Status.MOVED)} moved")
    unchanged = diff.count(Status.SAME) + diff.count(Status.FUNCTIONAL)
    parts.append(f"{unchanged} unchanged")
    verdict = "differ" if diff.differs else "identical in shapes and parameters"
    notes = [
        note
        for note, differs in (
            ("inputs differ", diff.a.input_shapes != diff.b.input_shapes),
            ("outputs differ", diff.a.output_shapes != diff.b.output_shapes),
            ("total params differ", diff.a.totals.params != diff.b.totals.params),
        )
        if differs and not any(e.status.differs for e in diff.entries)
    ]
    why = f" ({', '.join(notes)}; modules outside the forward pass count too)" if notes else ""
    return ", ".join(parts) + f" — {verdict}{why}"


def side_text(label: str, report: Report) -> str:
    shapes = ", ".join(shape_text(s) for s in report.input_shapes)
    target = f" ({report.target})" if report.target != report.name else ""
    return f"{label}: {report.name}{target}, input {shapes}"


def _name(row: Row) -> str:
    return row.name + (f" (call {row.call + 1})" if row.call else "")


def _extra(row: Row) -> str:
    return f" +{len(row.extra_shapes)}" if row.extra_shapes else ""


def _both(entry: Entry, text: Callable[[Row], str], sep: str) -> str:
    a = text(entry.a) if entry.a is not None else None
    b = text(entry.b) if entry.b is not None else None
    if a is None or b is None or a == b:
        return str(a if a is not None else b)
    return f"{a}{sep}{b}"


def _unchanged(n: int) -> str:
    return f"… {n} unchanged layer{'s' if n != 1 else ''}"


def _legend(items: Sequence[Item]) -> str:
    shown = {item.status for item in items if isinstance(item, Entry)}
    return "   ".join(text for status, text in _LEGEND.items() if status in shown)


# -- Rich ---------------------------------------------------------------------------------


def diff_table(diff: ArchDiff, *, show_all: bool = False) -> RenderableType:
    items = collapsed(diff.entries, show_all=show_all)
    header = Text(f"{side_text('A', diff.a)}\n{side_text('B', diff.b)}")
    parts: list[RenderableType] = [header, Text(""), _DiffTable(items)]
    if _legend(items):
        parts.append(Text(_legend(items), style="dim"))
    parts += [Text(""), totals_table(diff), Text(""), Text(counts_text(diff))]
    return Group(*parts)


LAYER, TYPE, SHAPE = 1, 2, 3  # the columns of the diff table; shapes and counts from SHAPE on
MIN_TEXT = 10


def _share(widths: list[int], available: int) -> None:
    """Give the layer and type columns (those shown) what the numbers leave, in proportion to
    what they need, at least MIN_TEXT each, never more than they need."""
    text = [i for i in (LAYER, TYPE) if widths[i] > 0]
    room = available - span(widths) + sum(widths[i] for i in text)
    need = sum(widths[i] for i in text)
    if need <= room:
        return
    for i in text:
        widths[i] = min(widths[i], max(MIN_TEXT, room * widths[i] // need))


@dataclass(frozen=True)
class _DiffTable:
    """The layers of both sides. Shapes and counts are never cut: when the table is too wide
    the layer and type columns wrap, then the type goes; on a very narrow terminal shapes wrap
    at a space. Rendered wider than it needs (a pipe), nothing wraps."""

    items: Sequence[Item]

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        rows = [self._cells(item) for item in self.items]
        lines = [[line for row in rows for line in row[i].plain.split("\n")] for i in range(6)]
        widths = [
            max(len(h), *(len(line) for line in col)) for h, col in zip(_HEADER, lines, strict=True)
        ]
        available = options.max_width
        _share(widths, available)
        if span(widths) > available:
            widths[TYPE] = 0
            _share(widths, available)
        floors = [0, 4, 0, *(longest_word([*lines[i], _HEADER[i]]) for i in range(SHAPE, 6))]
        shrink(widths, floors, [SHAPE, 4, 5, LAYER], available)
        table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
        shown = [i for i, w in enumerate(widths) if w > 0]
        for i in shown:
            table.add_column(_HEADER[i], width=widths[i], justify="right" if i > SHAPE else "left")
        for row in rows:
            table.add_row(*(row[i] for i in shown))
        yield table

    @staticmethod
    def _cells(item: Item) -> list[Text]:
        """Text from files and modules, never markup; a word too long folds, never vanishes."""
        if isinstance(item, int):
            cells = ["", _unchanged(item), "", "", "", ""]
            styles = ["", "dim", "", "", "", ""]
        else:
            cells = [
                MARKS[item.status],
                layer_cell(item, "\n/ "),
                type_cell(item, "\n→ "),
                shape_cell(item, "\n→ "),
                params_cell(item, "\n→ "),
                delta_cell(item),
            ]
            styles = [_STYLES.get(item.status, "")] * 5 + [""]
        return [
            Text(c, style=style, overflow="fold") for c, style in zip(cells, styles, strict=True)
        ]


def totals_table(diff: ArchDiff) -> Table:
    table = Table(box=None, show_header=True, pad_edge=False)
    for header in ("Total", "A", "B", "Δ", "%"):
        # narrower than its numbers, a column wraps them at the unit ("14.88" "KiB"), never cuts
        table.add_column(header, justify="left" if header == "Total" else "right", overflow="fold")
    for q in diff.totals:
        cells = (
            QUANTITY_LABELS[q.name],
            quantity_text(q.name, q.a),
            quantity_text(q.name, q.b),
            quantity_delta(q),
            percent_text(q),
        )
        table.add_row(*(Text(c) for c in cells))
    return table


# -- Markdown -----------------------------------------------------------------------------


def diff_markdown(diff: ArchDiff, *, show_all: bool = False) -> str:
    lines = [
        f"### {diff.a.name} → {diff.b.name}",
        "",
        f"- {side_text('A', diff.a)}",
        f"- {side_text('B', diff.b)}",
        "",
        "| " + " | ".join(_HEADER) + " |",
        "|---|---|---|---|---:|---:|",
    ]
    items = collapsed(diff.entries, show_all=show_all)
    for item in items:
        if isinstance(item, int):
            cells = ["", f"*{_unchanged(item)}*", "", "", "", ""]
        else:
            cells = [
                MARKS[item.status].strip(),
                layer_cell(item),
                type_cell(item),
                shape_cell(item),
                params_cell(item),
                delta_cell(item),
            ]
        lines.append("| " + " | ".join(_md(c) for c in cells) + " |")
    lines += ["", "| Total | A | B | Δ | % |", "|---|---:|---:|---:|---:|"]
    for q in diff.totals:
        cells = [
            QUANTITY_LABELS[q.name],
            quantity_text(q.name, q.a),
            quantity_text(q.name, q.b),
            quantity_delta(q),
            percent_text(q),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", counts_text(diff)]
    if _legend(items):
        lines += ["", f"*{_legend(items)}*"]
    return "\n".join(lines) + "\n"


def _md(cell: str) -> str:
    return cell.replace("|", "\\|")


# -- JSON ---------------------------------------------------------------------------------


StatusName = Literal["same", "moved", "changed", "added", "removed", "functional"]
ChangeName = Literal["hparams", "shape", "params"]  # what a changed pair differs in


class SideTotalsDict(TypedDict):
    """One side's totals."""

    params: int
    trainable_params: int
    param_bytes: int
    macs: int
    activation_elements: int
    activation_bytes: int


class SideDict(TypedDict):
    """One side of the diff: which architecture, how it was run, its totals."""

    name: str
    target: str
    source: str | None
    batch: int
    dtype: str
    device: str
    input: list[list[int]]
    output: list[list[int]]
    totals: SideTotalsDict
    findings: int


class DiffRowDict(TypedDict):
    """A layer of one side (channels-first shapes)."""

    name: str
    call: int
    type: str
    hparams: dict[str, Any]
    shape: list[int] | None
    extra_shapes: list[list[int]]
    params: int
    shared_params: int
    own_macs: int
    subtree_macs: int


class EntryDict(TypedDict):
    """One line of the diff: a pair of layers, or a layer only one side has (the other null)."""

    status: StatusName
    changes: list[ChangeName]
    a: DiffRowDict | None
    b: DiffRowDict | None
    params_delta: int


class StatusCounts(TypedDict):
    """Entries of each status."""

    same: int
    moved: int
    changed: int
    added: int
    removed: int
    functional: int


class QuantityDict(TypedDict):
    """A total on both sides; ``percent`` is null when A's is zero."""

    a: int
    b: int
    delta: int
    percent: float | None


class DiffTotalsDict(TypedDict):
    """Both sides' totals and their changes."""

    params: QuantityDict
    macs: QuantityDict
    activation_bytes: QuantityDict


class DiffDocument(Envelope):
    """``cnninspect diff --format json``: every entry, never collapsed."""

    differs: bool
    a: SideDict
    b: SideDict
    counts: StatusCounts
    layers: list[EntryDict]
    totals: DiffTotalsDict


def diff_json(diff: ArchDiff) -> str:
    return json.dumps(diff_dict(diff), indent=2)


def diff_dict(diff: ArchDiff) -> DiffDocument:
    totals = {q.name: _quantity(q) for q in diff.totals}
    return {
        **envelope("diff"),
        "differs": diff.differs,
        "a": _side(diff.a),
        "b": _side(diff.b),
        "counts": {
            "same": diff.count(Status.SAME),
            "moved": diff.count(Status.MOVED),
            "changed": diff.count(Status.CHANGED),
            "added": diff.count(Status.ADDED),
            "removed": diff.count(Status.REMOVED),
            "functional": diff.count(Status.FUNCTIONAL),
        },
        "layers": [_entry(e) for e in diff.entries],
        "totals": {
            "params": totals["params"],
            "macs": totals["macs"],
            "activation_bytes": totals["activation_bytes"],
        },
    }


def _quantity(quantity: Quantity) -> QuantityDict:
    return {
        "a": quantity.a,
        "b": quantity.b,
        "delta": quantity.delta,
        "percent": quantity.percent,
    }


def _side(report: Report) -> SideDict:
    t = report.totals
    return {
        "name": report.name,
        "target": report.target,
        "source": report.source,
        "batch": report.batch,
        "dtype": report.dtype,
        "device": report.device,
        "input": [list(s) for s in report.input_shapes],
        "output": [list(s) for s in report.output_shapes],
        "totals": {
            "params": t.params,
            "trainable_params": t.trainable_params,
            "param_bytes": t.param_bytes,
            "macs": t.macs,
            "activation_elements": t.activation_elements,
            "activation_bytes": t.activation_bytes,
        },
        "findings": len(report.findings),
    }


def _entry(entry: Entry) -> EntryDict:
    return {
        "status": entry.status.value,
        "changes": [cast("ChangeName", c) for c in entry.changes],
        "a": _row(entry.a),
        "b": _row(entry.b),
        "params_delta": entry.params_delta,
    }


def _row(row: Row | None) -> DiffRowDict | None:
    if row is None:
        return None
    return {
        "name": row.name,
        "call": row.call,
        "type": row.type,
        "hparams": {k: list(v) if isinstance(v, tuple) else v for k, v in row.hparams},
        "shape": list(row.shape) if row.shape is not None else None,
        "extra_shapes": [list(s) for s in row.extra_shapes],
        "params": row.params,
        "shared_params": row.shared_params,
        "own_macs": row.own_macs,
        "subtree_macs": row.subtree_macs,
    }
