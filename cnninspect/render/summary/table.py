"""Rich renderables for a summary Report: the lecture's table, plus type and hyper-parameters."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich import box
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.table import Table
from rich.text import Text

from cnninspect.render.layout import GAP, longest_word, shrink, span
from cnninspect.render.text import (
    FIELD_LEGEND,
    binary,
    call_text,
    count,
    field_cells,
    field_note,
    hparams_text,
    is_folded,
    leaf_params_text,
    shape_text,
    si,
    uncounted_text,
    work_cell,
    work_name,
)
from cnninspect.results.report import Report, Row, SummaryView
from cnninspect.shapes import Notation


def summary_table(
    report: Report,
    *,
    notation: Notation = "chw",
    depth: int | None = None,
    macs: bool = False,
    flops: bool = False,
    explain: bool = False,
    rf: bool = False,
) -> RenderableType:
    """The table; ``rf`` adds the receptive field, jump and start columns (and their legend),
    ``explain`` the lecture's arithmetic below it."""
    parts: list[RenderableType] = [
        _SummaryTable(report, notation, depth, macs, rf, flops),
        Text(""),
    ]
    if rf:
        parts += [Text(FIELD_LEGEND), Text("")]
    if explain:
        parts += [explanations_text(report), Text("")]
    return Group(*parts, totals_text(report, flops=flops))


def view_table(view: SummaryView) -> RenderableType:
    """The table with every display option of ``view``."""
    return summary_table(
        view.report,
        notation=view.notation,
        depth=view.depth,
        macs=view.macs,
        flops=view.flops,
        explain=view.explain,
        rf=view.rf,
    )


def explanations_text(report: Report) -> Text:
    """The lecture's arithmetic for each layer: parameters, then the output size."""
    lines = ["Why these numbers:"]
    width = max((len(e.layer) for e in report.explanations), default=0)
    noted = False
    for e in report.explanations:
        parts = [f"params {e.params}"] * bool(e.params) + [f"size {e.size}"] * bool(e.size)
        parts += [f"field {e.receptive}"] * bool(e.receptive)
        note = None if noted else field_note(report, e.layer)
        if note is not None:
            parts.append(f"note: {note}")
            noted = True  # once, where the field first outgrows the input
        lines.append(f"  {e.layer:<{width}}  {parts[0]}")
        lines += [f"  {'':<{width}}  {part}" for part in parts[1:]]
    if len(lines) == 1:
        lines.append("  (no layer with parameters or a sliding window)")
    return Text("\n".join(lines))


_HEADERS = (
    *("Layer", "Type", "Hyper-\nparams", "Activation\nshape", "Activation\nsize"),
    "#\nparameters",
)
_SHORT_HEADERS = ("Layer", "Type", "Hyper-\nparams", "Shape", "Size", "Params")
_FIELD_HEADERS = ("Receptive\nfield", "Jump", "Start")
_SHORT_FIELD_HEADERS = ("RF", "Jump", "Start")
NAME, TYPE, HPARAMS, SHAPE = 0, 1, 2, 3  # text columns before SHAPE, numbers from it on


@dataclass(frozen=True)
class _SummaryTable:
    """Lays the table out for the width it is rendered at. Numbers (shape, size, parameters,
    MACs) are never cut: when the table is too wide, the text gives way — hyper-parameters
    wrap, types and names shorten, hyper-parameters go, the numbers' headers shorten
    ("Size"), types go; on a very narrow terminal numbers wrap at a space ("(16, 10," "10)",
    "470.40" "K") and names shorten to a few letters. Rendered wider than it needs (a pipe,
    a file), nothing gives: every name, type and hyper-parameter is whole, on one line."""

    report: Report
    notation: Notation
    depth: int | None
    macs: bool
    rf: bool = False
    flops: bool = False  # the work column in FLOPs (2 per multiply-add)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        rows = self.report.folded(self.depth)
        cells = [
            _cells(
                r,
                prefix,
                self.notation,
                folded=is_folded(r, self.depth),
                macs=self.macs,
                rf=self.rf,
                flops=self.flops,
            )
            for r, prefix in zip(rows, tree_prefixes(rows), strict=True)
        ]
        columns = len(cells[0])
        content = [max(len(_plain(c[i])) for c in cells) for i in range(columns)]
        words = [longest_word(_plain(c[i]) for c in cells) for i in range(columns)]
        work = (work_name(flops=self.flops),) * self.macs
        headers = (*_HEADERS, *_FIELD_HEADERS * self.rf, *work)
        short = (*_SHORT_HEADERS, *_SHORT_FIELD_HEADERS * self.rf, *work)
        widths, headers = _layout(content, words, (headers, short), options.max_width)
        table = Table(
            title=Text(_title(self.report)),  # a name from a file is text, never markup
            box=box.SIMPLE_HEAD,
            pad_edge=False,
            show_edge=False,
            title_justify="left",
        )
        shown = [i for i, w in enumerate(widths) if w > 0]
        for i in shown:
            shortens = i in (NAME, TYPE)  # with an ellipsis; hyper-parameters and numbers wrap
            table.add_column(
                headers[i],
                width=widths[i],
                justify="left" if i <= SHAPE else "right",
                no_wrap=shortens,
                # a number folds onto a second line rather than lose digits, should the
                # terminal be narrower than the numbers alone
                overflow="ellipsis" if shortens else "fold",
            )
        for row_cells in cells:
            table.add_row(*(_text(row_cells[i]) for i in shown))
        yield table


def _layout(
    content: list[int],
    words: list[int],
    header_sets: tuple[tuple[str, ...], tuple[str, ...]],
    available: int,
) -> tuple[list[int], tuple[str, ...]]:
    """Column widths (0: hidden) and headers (the long ones, or the short ones when the long
    ones do not fit) for a table at most ``available`` wide, from the widest cell and the
    widest word (where a shape or "470.40 K" may wrap) of each column."""
    headers, short = header_sets
    widths = [max(c, *map(len, h.split("\n"))) for c, h in zip(content, headers, strict=True)]
    if span(widths) <= available:
        return widths, headers
    widths[NAME], widths[TYPE] = min(widths[NAME], 28), min(widths[TYPE], 16)
    names = widths[NAME]  # what the names need, capped
    _fit(widths, available - GAP * (len(widths) - 1))
    text_floors = [6, 5, *([0] * (len(widths) - 2))]
    shrink(widths, text_floors, [TYPE, NAME], available)
    if span(widths) <= available:
        return widths, headers
    for i in range(SHAPE, len(widths)):
        widths[i] = max(content[i], len(short[i]))
    shrink(widths, text_floors, [TYPE, NAME], available)
    if span(widths) > available:
        widths[TYPE] = widths[HPARAMS] = 0
        widths[NAME] = max(widths[NAME], min(names, widths[NAME] + available - span(widths)))
    floors = [2, 0, 0, *(max(words[i], len(short[i])) for i in range(SHAPE, len(widths)))]
    shrink(widths, floors, range(len(widths) - 1, SHAPE - 1, -1), available)
    shrink(widths, floors, [NAME], available)
    return widths, short


def _fit(widths: list[int], available: int) -> None:
    """Shrink hyper-parameters (to 7), types (to 8) and names (to 10) until the table fits;
    if it still does not, hide the hyper-parameters (width 0)."""
    for column, floor in ((2, 7), (1, 8), (0, 10)):
        excess = sum(widths) - available
        if excess <= 0:
            return
        widths[column] = max(floor, widths[column] - excess)
    if sum(widths) > available:
        widths[2] = 0


def _text(cell: RenderableType) -> RenderableType:
    """A str cell as Text: Rich would read "[/]" in a layer name or type as markup."""
    return Text(cell) if isinstance(cell, str) else cell


def _plain(cell: RenderableType) -> str:
    return cell.plain if isinstance(cell, Text) else str(cell)


def _title(report: Report) -> str:
    source = f" — {report.source}" if report.source else ""
    return f"{report.name}{source}"


def tree_prefixes(rows: Sequence[Row]) -> list[str]:
    """Tree guides for the Layer column: '├─' / '└─' before a child, '│ ' under an ancestor
    that has more children to come. The model's own children (depth 1) need none."""
    prefixes = []
    for i, row in enumerate(rows):
        parts = []
        for level in range(2, row.depth + 1):
            more = _has_later_sibling(rows, i, level)
            if level == row.depth:
                parts.append("├─" if more else "└─")
            else:
                parts.append("│ " if more else "  ")
        prefixes.append("".join(parts))
    return prefixes


def _has_later_sibling(rows: Sequence[Row], index: int, level: int) -> bool:
    """Is there a row at ``level`` after ``index`` before the tree climbs above ``level``?"""
    for later in rows[index + 1 :]:
        if later.depth < level:
            return False
        if later.depth == level:
            return True
    return False


def _cells(
    row: Row,
    prefix: str,
    notation: Notation,
    *,
    folded: bool,
    macs: bool,
    rf: bool = False,
    flops: bool = False,
) -> list[RenderableType]:
    name = Text(prefix + call_text(row))
    container = not row.is_leaf
    if container:
        name.stylize("bold")
    shape = shape_text(row.shape, notation)
    if row.extra_shapes:
        shape += f" +{len(row.extra_shapes)}"
    params: RenderableType
    if container and not folded:
        params = Text(f"({count(row.subtree_params)})", style="dim")
    elif container:
        params = count(row.subtree_params)
    else:
        params = Text(leaf_params_text(row), style="dim" if not row.params else "")
    cells: list[RenderableType] = [
        name,
        row.type,
        hparams_text(row.hparams),
        shape,
        count(row.size),
        params,
    ]
    if rf:
        cells += field_cells(row.field)
    if macs:
        cells.append(work_cell(row, flops=flops))
    return cells


def totals_text(report: Report, *, flops: bool = False) -> Text:
    t = report.totals
    batch = f"batch {report.batch}, {report.dtype}"  # the sizes above are per sample
    dtypes = ", ".join(f"{d} {binary(p + b)}" for d, p, b in t.bytes_by_dtype)
    lines = [
        f"Total params:       {count(t.params)} ({binary(t.param_bytes)})",
        f"Trainable params:   {count(t.trainable_params)}",
        f"Frozen params:      {count(t.frozen_params)}",
    ]
    if t.uncalled:
        names = ", ".join(name for name, _ in t.uncalled[:3]) + (
            ", …" if len(t.uncalled) > 3 else ""
        )
        lines.append(
            f"Not called:         {count(t.uncalled_params)} of them, in {names} "
            "(never run by this pass)"
        )
    if t.buffers:
        lines.append(f"Buffers:            {count(t.buffers)} ({binary(t.buffer_bytes)})")
    if len(t.bytes_by_dtype) > 1:
        lines.append(f"Weights by dtype:   {dtypes}")
    work = (
        f"FLOPs:              {si(t.flops)} ({count(t.flops)}; 2 per multiply-add)"
        if flops
        else f"MACs:               {si(t.macs)} ({count(t.macs)}; 1 MAC = one multiply-add)"
    )
    lines.append(work)
    if (uncounted := uncounted_text(t)) is not None:
        lines.append(f"Not counted:        {uncounted}")
    lines += [
        f"Input:              {count(t.input_elements)} elements ({input_text(report)})",
        f"Activations:        {count(t.activation_elements)} elements "
        f"({binary(t.activation_bytes)}, {batch})",
        *memory_lines(report),
        f"Device:             {report.device}"
        + (f" ({report.device_note})" if report.device_note else ""),
    ]
    return Text("\n".join(lines))


def input_text(report: Report) -> str:
    """The input's bytes at each tensor's own dtype: "12.00 KiB, batch 1, float32", or for
    token ids and a mask "144 B: bool 16 B, int64 128 B; batch 1"."""
    t = report.totals
    dtypes = t.input_bytes_by_dtype
    if not dtypes or [d for d, _ in dtypes] == [report.dtype]:
        return f"{binary(t.input_bytes)}, batch {report.batch}, {report.dtype}"
    each = ", ".join(f"{dtype} {binary(size)}" for dtype, size in dtypes)
    return f"{binary(t.input_bytes)}: {each}; batch {report.batch}"


def memory_lines(report: Report) -> list[str]:
    """The tracked training step (summary --memory); without it, where to get one."""
    m = report.memory
    if m is None:
        return []
    states = sum(m.category(c) for c in ("parameters", "buffers", "gradients", "optimizer_state"))
    return [
        f"Training step:      {binary(m.peak_bytes)} peak ({m.setup.optimizer}, batch {m.batch}, "
        f"{m.dtype}): activations {binary(m.category('activations'))}, model states "
        f"{binary(states)}; peak in the {m.peak_phase}",
    ]
