"""``Report``: what a summary found — the value every summary renderer formats.

The Report is torch-free and immutable. Rows are in call order; containers carry the totals of
what they contain, so folding with ``depth`` never changes the model's totals. Shapes are per
sample (``Shape``); the batch is a field of its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cnninspect.results.displayable import Displayable
from cnninspect.results.findings import Finding
from cnninspect.results.memory import MemoryReport
from cnninspect.shapes import Notation, ReceptiveField, Shape


@dataclass(frozen=True, slots=True)
class Explanation:
    """The lecture's arithmetic for one layer, shown only where it equals torch's numbers."""

    layer: str
    params: str | None  # "(5·5·3 + 1)·8 = 608"
    size: str | None  # "⌊(32 + 2·0 − 5)/1⌋ + 1 = 28 per side", "16·5·5 = 400"
    receptive: str | None = None  # "6 + (5 − 1)·2 = 14, jump 2·1 = 2 per side"


@dataclass(frozen=True, slots=True)
class Row:
    name: str  # qualified module name; "Input" for the input row
    type: str
    depth: int  # 0 for the input row, 1 for the model's children
    is_leaf: bool
    hparams: tuple[tuple[str, Any], ...]
    shape: Shape | None  # the first output, channels-first
    extra_shapes: tuple[Shape, ...]  # further outputs (tuples, dicts, …)
    size: int  # elements of the first output, per sample
    params: int  # own parameters (first call; shared ones are counted where first seen)
    subtree_params: int  # own plus everything inside (what a folded row shows)
    shared_params: int
    trainable_params: int
    subtree_macs: int  # own plus everything inside (what a folded row shows)
    call: int  # 0 for the first call of a module
    own_macs: int  # done by the module itself, not by what it contains
    # receptive field of the first output (None: no spatial axes left), and of the input
    field: ReceptiveField | None = None
    input_field: ReceptiveField | None = None
    # the rows (positions in ``Report.rows``; 0: the input) whose outputs feed this call
    sources: tuple[int, ...] = ()
    ops: frozenset[str] = frozenset()  # the aten ops the call's own code ran (`relu`, `view`)
    inputs: tuple[int, ...] = ()  # which of the model's input tensors (from 0) feed it directly

    @property
    def label(self) -> str:
        return self.name.rsplit(".", 1)[-1]


@dataclass(frozen=True, slots=True)
class UncountedOp:
    """An op the pass ran that does arithmetic with no formula (an FFT, ``cdist``, a custom
    kernel): named with how often it ran and in which modules' own code, never a silent
    zero in the MACs."""

    op: str  # "aten._fft_r2c", "torchvision.deform_conv2d"
    calls: int
    modules: tuple[str, ...]  # where it ran (the model's own code: its class name)


@dataclass(frozen=True, slots=True)
class Totals:
    params: int
    trainable_params: int
    param_bytes: int
    trainable_param_bytes: int
    buffers: int
    buffer_bytes: int
    bytes_by_dtype: tuple[tuple[str, int, int], ...]  # (dtype, parameter bytes, buffer bytes)
    macs: int
    input_elements: int  # at the batch size used
    activation_elements: int  # every leaf layer's output, at the batch size used
    activation_bytes: int
    input_bytes: int
    input_bytes_by_dtype: tuple[tuple[str, int], ...] = ()  # (dtype, bytes) of the input tensors
    uncalled: tuple[tuple[str, int], ...] = ()  # (module, params) never called by the pass
    # ops that did arithmetic the MACs leave out, having no formula (trace/uncounted.py)
    uncounted: tuple[UncountedOp, ...] = ()

    @property
    def uncalled_params(self) -> int:
        return sum(count for _, count in self.uncalled)

    @property
    def frozen_params(self) -> int:
        return self.params - self.trainable_params

    @property
    def flops(self) -> int:
        return 2 * self.macs


@dataclass(frozen=True, slots=True, repr=False)  # repr: the table, once a renderer registered
class Report(Displayable):
    name: str
    target: str
    input_shapes: tuple[Shape, ...]
    output_shapes: tuple[Shape, ...]
    rows: tuple[Row, ...]  # the input row first
    totals: Totals
    batch: int
    dtype: str
    device: str
    element_size: int
    findings: tuple[Finding, ...] = field(default=())
    source: str | None = None  # paper or reference implementation, from the YAML
    explanations: tuple[Explanation, ...] = field(default=())  # the lecture's arithmetic
    described: bool = False  # built from a YAML description: every layer is a module
    memory: MemoryReport | None = None  # one training step, tracked (summary --memory)
    device_note: str | None = None  # why the pass ran where it did (auto: meta, else cpu)
    root: Row | None = None  # the model itself, folded: the one row below Input at depth 0
    # the aten ops that modules holding others ran in their own code: layers done inline
    inline_ops: frozenset[str] = frozenset()

    def layer(self, name: str) -> Row:
        return next(r for r in self.rows if r.name == name)

    def field_exceeds_input(self, row: Row) -> bool:
        """Is the row's receptive field larger than the (first) input on a spatial axis? Then
        every output also sees padding: a wider field adds no context."""
        field = row.field
        if field is None or not self.input_shapes or len(self.input_shapes[0]) <= field.axes:
            return False
        sizes = self.input_shapes[0][-field.axes :]
        return any(r > n for r, n in zip(field.size, sizes, strict=True))

    def folded(self, depth: int | None) -> tuple[Row, ...]:
        """Rows down to ``depth`` (None: all); a folded container shows its subtree's numbers.
        Depth 0 is the input and the model as one row."""
        if depth is None:
            return self.rows
        if depth == 0:
            return (self.rows[0], *([self.root] if self.root is not None else []))
        return tuple(r for r in self.rows if r.depth <= depth)

    def view(
        self,
        *,
        notation: Notation = "chw",
        depth: int | None = None,
        macs: bool = False,
        rf: bool = False,
        flops: bool = False,
        explain: bool = False,
    ) -> SummaryView:
        """The report displayed with the CLI's options: ``report.view(notation="hwc")`` in a
        notebook shows the lecture's (H, W, C) shapes, ``depth`` folds, ``macs`` adds a column,
        ``rf`` the receptive field, jump and start, ``flops`` counts work in FLOPs (2 per
        multiply-add), ``explain`` adds the lecture's arithmetic."""
        return SummaryView(
            self, notation=notation, depth=depth, macs=macs, rf=rf, flops=flops, explain=explain
        )


@dataclass(frozen=True, slots=True, repr=False)
class SummaryView(Displayable):
    """A Report with display options: how ``cnninspect summary`` would show it."""

    report: Report
    notation: Notation = "chw"
    depth: int | None = None
    macs: bool = False
    rf: bool = False
    flops: bool = False
    explain: bool = False
