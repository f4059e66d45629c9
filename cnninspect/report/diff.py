"""Renderers of an ArchDiff: a Rich table, JSON (exact integers, every layer) and Markdown.

The table and Markdown collapse runs of unchanged layers into one "… N unchanged layers"
row unless ``show_all``; JSON always lists every entry.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from cnninspect.report.envelope import envelope
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
_QUANTITY_LABELS = {"params": "Params", "macs": "MACs", "activation_bytes": "Activations"}

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
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    table.add_column(_HEADER[0], no_wrap=True)
    table.add_column(_HEADER[1], ratio=1)
    table.add_column(_HEADER[2], ratio=1)
    table.add_column(_HEADER[3], no_wrap=True)
    table.add_column(_HEADER[4], justify="right", no_wrap=True)
    table.add_column(_HEADER[5], justify="right", no_wrap=True)
    items = collapsed(diff.entries, show_all=show_all)
    for item in items:
        if isinstance(item, int):
            table.add_row("", Text(_unchanged(item), style="dim"), "", "", "", "")
            continue
        style = _STYLES.get(item.status, "")
        cells = (
            layer_cell(item, "\n/ "),
            type_cell(item, "\n→ "),
            shape_cell(item, "\n→ "),
            params_cell(item, "\n→ "),
        )
        table.add_row(
            Text(MARKS[item.status], style=style),
            *(Text(c, style=style) for c in cells),
            delta_cell(item),
        )
    header = Text(f"{side_text('A', diff.a)}\n{side_text('B', diff.b)}")
    parts: list[RenderableType] = [header, Text(""), table]
    if _legend(items):
        parts.append(Text(_legend(items), style="dim"))
    parts += [Text(""), totals_table(diff), Text(""), Text(counts_text(diff))]
    return Group(*parts)


def totals_table(diff: ArchDiff) -> Table:
    table = Table(box=None, show_header=True, pad_edge=False)
    for header in ("Total", "A", "B", "Δ", "%"):
        table.add_column(header, justify="left" if header == "Total" else "right")
    for q in diff.totals:
        cells = (
            _QUANTITY_LABELS[q.name],
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
            _QUANTITY_LABELS[q.name],
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


def diff_json(diff: ArchDiff) -> str:
    return json.dumps(diff_dict(diff), indent=2)


def diff_dict(diff: ArchDiff) -> dict[str, Any]:
    return {
        **envelope("diff"),
        "differs": diff.differs,
        "a": _side(diff.a),
        "b": _side(diff.b),
        "counts": {status.value: diff.count(status) for status in Status},
        "layers": [_entry(e) for e in diff.entries],
        "totals": {
            q.name: {"a": q.a, "b": q.b, "delta": q.delta, "percent": q.percent}
            for q in diff.totals
        },
    }


def _side(report: Report) -> dict[str, Any]:
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


def _entry(entry: Entry) -> dict[str, Any]:
    return {
        "status": entry.status.value,
        "changes": list(entry.changes),
        "a": _row(entry.a),
        "b": _row(entry.b),
        "params_delta": entry.params_delta,
    }


def _row(row: Row | None) -> dict[str, Any] | None:
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
        "macs": row.macs,
    }
