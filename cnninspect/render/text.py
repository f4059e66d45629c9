"""Plain-text pieces shared by every renderer: shapes, hyper-parameters, units."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cnninspect.results.report import Report, Row, Totals
from cnninspect.shapes import Notation, ReceptiveField, dims_text, from_channels_first

_HPARAM_LABELS = {
    "kernel_size": "k",
    "stride": "s",
    "padding": "p",
    "dilation": "d",
    "groups": "g",
    "output_size": "out",
    "p": "drop",
    "scale_factor": "scale",
    "hidden_size": "hidden",
    "num_layers": "layers",
    "bidirectional": "bidir",
    "proj_size": "proj",
    "mode": "mode",
    "dim": "dim",
}


def shape_text(shape: Sequence[int] | None, notation: Notation = "chw") -> str:
    """The lecture's way: (28, 28, 8)."""
    if shape is None:
        return "—"
    dims = from_channels_first(shape, notation)
    return "(" + ", ".join(str(d) for d in dims) + (",)" if len(dims) == 1 else ")")


def hparam_value(value: Any) -> str:
    if isinstance(value, tuple):
        if value and all(v == value[0] for v in value):
            return str(value[0])
        return "×".join(str(v) for v in value)
    return str(value)


def hparams_text(hparams: Sequence[tuple[str, Any]]) -> str:
    """(('kernel_size', (5, 5)), ('stride', (1, 1))) → 'k=5 s=1'."""
    return " ".join(f"{_HPARAM_LABELS.get(k, k)}={hparam_value(v)}" for k, v in hparams)


def count(n: int) -> str:
    return f"{n:,}"


def leaf_params_text(row: Row) -> str:
    """A layer's own parameters; weights it shares with a layer counted earlier (tied, or a
    second call) show beside them: "608", "shared 272", "8 (+64 shared)"."""
    if not row.shared_params:
        return count(row.params)
    if not row.params:
        return f"shared {count(row.shared_params)}"
    return f"{count(row.params)} (+{count(row.shared_params)} shared)"


def is_folded(row: Row, depth: int | None) -> bool:
    """A container at the depth a table is folded to: it stands for everything inside it."""
    return depth is not None and row.depth == depth and not row.is_leaf


def call_text(row: Row) -> str:
    """The layer column's text of a row: its name (the model's own at depth 0), "(call 2)" on
    a module's second call."""
    label = row.name if row.depth == 0 else row.label
    return label + (f" (call {row.call + 1})" if row.call else "")


def si(n: float, unit: str = "") -> str:
    """61_100_840 → '61.1 M' (decimal prefixes, for counts)."""
    for factor, prefix in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "K")):
        if abs(n) >= factor:
            return f"{n / factor:.2f} {prefix}{unit}"
    return f"{n:,.0f} {unit}".rstrip()


def binary(n_bytes: float) -> str:
    """Bytes with binary units, labelled as such: 245.93 KiB."""
    for factor, prefix in ((2**40, "TiB"), (2**30, "GiB"), (2**20, "MiB"), (2**10, "KiB")):
        if abs(n_bytes) >= factor:
            return f"{n_bytes / factor:.2f} {prefix}"
    return f"{n_bytes:,.0f} B"


FIELD_LEGEND = (
    "Receptive field: input pixels one output element sees (per side); jump: input pixels "
    "between neighbouring outputs (effective stride); start: centre of the first output's "
    "field (the first pixel's is 0.5)."
)


def number_text(value: float) -> str:
    """195.0 → '195', 0.5 → '0.5', 31.25 → '31.25'."""
    return str(int(value)) if value == int(value) else f"{value:.4f}".rstrip("0")


def axes_text(values: Sequence[float]) -> str:
    """One value per spatial axis: '195' when they agree, '195×131' when not."""
    if len(set(values)) == 1:
        return number_text(values[0])
    return "×".join(number_text(v) for v in values)


def field_cells(field: ReceptiveField | None) -> list[str]:
    """Receptive field, jump and start as table cells; blank without spatial axes."""
    if field is None:
        return ["", "", ""]
    return [axes_text(field.size), axes_text(field.jump), axes_text(field.start)]


def field_note(report: Report, layer: str) -> str | None:
    """Said of the layer (its first call) whose receptive field is larger than the input."""
    row = next((r for r in report.rows if r.name == layer and r.call == 0), None)
    if row is None or row.field is None or not report.field_exceeds_input(row):
        return None
    sizes = report.input_shapes[0][-row.field.axes :]
    field = "×".join(number_text(v) for v in row.field.size)
    return (
        f"the receptive field, {field}, exceeds the {dims_text(sizes)} input: every output "
        "from here on also sees padding"
    )


def work_name(*, flops: bool) -> str:
    """The work column's header: MACs, or FLOPs (2 per multiply-add) under ``--flops``."""
    return "FLOPs" if flops else "MACs"


def work_cell(row: Row, *, flops: bool) -> str:
    """A row's work — what it and everything inside it does — as the work column shows it."""
    value = 2 * row.subtree_macs if flops else row.subtree_macs
    return si(value) if value else ""


def uncounted_text(totals: Totals) -> str | None:
    """The ops left out of the MACs for want of a formula, each with its calls and where it
    ran (None: there are none)."""
    if not totals.uncounted:
        return None
    ops = "; ".join(
        f"{u.op} ×{u.calls} (in {', '.join(u.modules[:3])}{', …' if len(u.modules) > 3 else ''})"
        for u in totals.uncounted
    )
    return f"{ops} — arithmetic with no formula, not in the MACs"
