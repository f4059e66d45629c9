"""The cells a diff's table, Markdown and HTML share: marks, layer, type, shape and parameter
cells, the collapsed runs of unchanged layers, the totals' words."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from cnninspect.render.text import binary, count, hparams_text, shape_text, si
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


def unchanged_text(n: int) -> str:
    return f"… {n} unchanged layer{'s' if n != 1 else ''}"


def legend_text(items: Sequence[Item]) -> str:
    shown = {item.status for item in items if isinstance(item, Entry)}
    return "   ".join(text for status, text in _LEGEND.items() if status in shown)
