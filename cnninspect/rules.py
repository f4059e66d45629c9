"""The rules of ``cnninspect validate``: a catalogue with stable codes, one function per rule.

A rule reads what the forward pass recorded (``trace.LayerRecord``: input and output shapes)
and the hyper-parameters of the built module's own submodules (``kernel_size``, ``stride``,
``padding``, ``dilation``, ``ceil_mode``). It never computes a shape itself: the floor formula
appears only to *explain* a shape torch computed and to *check* what a window covers.

CNN101, CNN102 and CNN104 (declarations) live in ``checks.py``; this module adds the rest.
Importing it does not import torch (the catalogue is needed by the renderers).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cnninspect.errors import BuildError, Position, SpecError, TraceError, is_spatial_collapse
from cnninspect.findings import Finding, Severity
from cnninspect.origins import LayerOrigin

if TYPE_CHECKING:
    from torch import nn

    from cnninspect.trace import LayerRecord

Shape = tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Rule:
    code: str
    name: str  # kebab-case, for SARIF
    severity: Severity
    summary: str


RULES: dict[str, Rule] = {
    r.code: r
    for r in (
        Rule("CNN001", "yaml-syntax", Severity.ERROR, "the file is not readable YAML"),
        Rule("CNN002", "schema", Severity.ERROR, "a key, value or type breaks the file format"),
        Rule("CNN003", "unknown-layer-type", Severity.ERROR, "an unknown layer type"),
        Rule("CNN004", "unknown-keyword", Severity.ERROR, "a keyword the layer does not take"),
        Rule("CNN005", "duplicate", Severity.ERROR, "a duplicate key or layer name"),
        Rule("CNN006", "bad-reference", Severity.ERROR, "`from` or `$arg` names nothing"),
        Rule("CNN101", "declared-shape", Severity.ERROR, "declared shape ≠ computed shape"),
        Rule(
            "CNN102",
            "declared-input",
            Severity.ERROR,
            "declared in_channels / in_features ≠ the incoming tensor",
        ),
        Rule(
            "CNN103",
            "dropped-pixels",
            Severity.WARNING,  # the model runs; it ignores part of every image
            "floor division drops real input pixels: the last window stops short of the "
            "last real row/column",
        ),
        Rule("CNN104", "declared-params", Severity.ERROR, "declared parameter count ≠ computed"),
        Rule("CNN105", "merge-mismatch", Severity.ERROR, "a merge of incompatible shapes"),
        Rule("CNN106", "forward-failure", Severity.ERROR, "the forward pass fails at a layer"),
        Rule("CNN107", "spatial-collapse", Severity.ERROR, "a spatial size collapses below 1"),
        Rule(
            "CNN201",
            "linear-chain",
            Severity.WARNING,
            "two linear maps (Linear/Conv) with no non-linearity between them",
        ),
    )
}


def rule_of(code: str) -> Rule:
    """The catalogue entry of ``code``; an unknown code (a future one) gets a plain entry."""
    return RULES.get(code) or Rule(code, code.lower(), Severity.ERROR, code)


# -- CNN0xx, CNN105–CNN107: the file or the forward pass fails ----------------------------


def file_error(error: SpecError | BuildError) -> Finding:
    """A file that does not load or build: one finding with the error's own code."""
    return Finding(
        error.code,
        Severity.ERROR,
        error.message,
        layer=getattr(error, "layer", None),
        position=error.position,
        hint=error.hint,
    )


def trace_failure(error: TraceError, origins: Mapping[str, LayerOrigin]) -> Finding:
    """CNN106 (or CNN107 when a spatial size collapses): the forward pass fails at a layer."""
    origin = origins.get(error.layer)
    return Finding(
        "CNN107" if is_spatial_collapse(error.message) else "CNN106",
        Severity.ERROR,
        error.message,
        layer=error.layer or None,
        position=origin.position if origin else error.position,
        hint=error.hint,
    )


# -- window geometry: explains and checks, never computes a shape --------------------------


@dataclass(frozen=True, slots=True)
class Window:
    """One spatial axis of a sliding-window layer, and the sizes torch computed for it."""

    size: int  # input length n
    out: int  # output length, as torch computed it
    kernel: int
    stride: int
    padding: int
    dilation: int
    ceil_mode: bool

    @property
    def span(self) -> int:
        return self.dilation * (self.kernel - 1) + 1

    @property
    def covered(self) -> int:
        """How far the windows reach into the padded length n + 2p."""
        return (self.out - 1) * self.stride + self.span

    @property
    def dropped(self) -> int:
        """Real pixels no window reads. A window narrower than its stride skips by design."""
        if self.span < self.stride:
            return 0
        remainder = self.size + 2 * self.padding - self.covered
        return max(0, remainder - self.padding)

    def formula(self) -> str | None:
        """The lecture's formula with this layer's numbers, when it gives torch's answer."""
        top = self.size + 2 * self.padding - self.span
        value = -(-top // self.stride) if self.ceil_mode else top // self.stride
        if top < 0 or value + 1 != self.out:
            return None
        k = str(self.kernel) if self.dilation == 1 else f"{self.dilation}·({self.kernel}−1)−1"
        left, right = ("⌈", "⌉") if self.ceil_mode else ("⌊", "⌋")
        return f"{left}({self.size} + 2·{self.padding} − {k})/{self.stride}{right} + 1 = {self.out}"

    def exact_sizes(self) -> tuple[int, int]:
        """The nearest input lengths below and above ``size`` that the windows cover exactly."""
        rest = (self.size + 2 * self.padding - self.span) % self.stride
        return self.size - rest, self.size - rest + self.stride


_WINDOWED = ("Conv", "MaxPool", "AvgPool", "LPPool")  # followed by 1d/2d/3d


def windows(module: nn.Module, record: LayerRecord) -> tuple[Window, ...]:
    """The spatial axes of a convolution or pooling call; () for any other layer."""
    kind = type(module).__name__
    if kind[-2:] not in ("1d", "2d", "3d") or kind[:-2] not in _WINDOWED:
        return ()
    padding = getattr(module, "padding", 0)
    if isinstance(padding, str):  # 'same' keeps the size at stride 1; 'valid' is 0
        if padding == "same":
            return ()
        padding = 0
    ndim = int(kind[-2])
    if not record.input_shapes or not record.output_shapes:
        return ()
    sizes, outs = record.input_shapes[0][-ndim:], record.output_shapes[0][-ndim:]
    kernel = _per_axis(module.kernel_size, ndim)
    stride = _per_axis(getattr(module, "stride", None) or module.kernel_size, ndim)
    pads, dilation = _per_axis(padding, ndim), _per_axis(getattr(module, "dilation", 1), ndim)
    ceil_mode = bool(getattr(module, "ceil_mode", False))
    return tuple(
        Window(sizes[i], outs[i], kernel[i], stride[i], pads[i], dilation[i], ceil_mode)
        for i in range(ndim)
    )


def _per_axis(value: object, ndim: int) -> tuple[int, ...]:
    if isinstance(value, tuple | list):
        return tuple(int(v) for v in value)
    assert isinstance(value, int)
    return (value,) * ndim


_AXES = {1: ("element",), 2: ("row", "column"), 3: ("plane", "row", "column")}


def _axis_words(counts: Sequence[int]) -> str:
    names = _AXES.get(len(counts), tuple(f"axis-{i} entry" for i in range(len(counts))))
    parts = [
        f"{n} {name}{'s' if n > 1 else ''}" for n, name in zip(counts, names, strict=True) if n > 0
    ]
    return " and ".join(parts)


# -- CNN103: floor division drops real input pixels ----------------------------------------


def dropped_pixels(
    records: Iterable[LayerRecord],
    modules: Mapping[str, nn.Module],
    origins: Mapping[str, LayerOrigin],
) -> Iterator[Finding]:
    """CNN103 for every convolution or pooling whose last window stops short of real pixels."""
    for record in records:
        module = modules.get(record.name)
        if record.call != 0 or module is None:
            continue
        axes = windows(module, record)
        if not any(w.dropped for w in axes):
            continue
        yield _dropped_finding(record, axes, origins.get(record.name))


def _dropped_finding(
    record: LayerRecord, axes: Sequence[Window], origin: LayerOrigin | None
) -> Finding:
    worst = max(axes, key=lambda w: w.dropped)
    size = "×".join(str(w.size) for w in axes)
    padding = f" + 2×{worst.padding} padding" if worst.padding else ""
    low, high = worst.exact_sizes()
    return Finding(
        "CNN103",
        RULES["CNN103"].severity,
        f"{record.name} ({record.type}, kernel {worst.kernel}, stride {worst.stride}) never "
        f"reads the last {_axis_words([w.dropped for w in axes])} of its {size} input: "
        f"{worst.out} windows cover {worst.covered} of {worst.size}{padding}",
        layer=record.name,
        position=origin.position if origin else None,
        hint=f"the windows fit exactly when this layer's input is {low} or {high} "
        f"instead of {worst.size} (or with more padding)",
    )


def explain_shapes(
    findings: Iterable[Finding],
    records: Iterable[LayerRecord],
    modules: Mapping[str, nn.Module],
) -> list[Finding]:
    """Give every CNN101 on a convolution or pooling the formula behind the computed size."""
    by_name = {r.name: r for r in records if r.call == 0}
    explained = []
    for finding in findings:
        record = by_name.get(finding.layer or "")
        module = modules.get(finding.layer or "")
        why = None
        if finding.code == "CNN101" and record is not None and module is not None:
            why = formula_text(windows(module, record))
        explained.append(dataclasses.replace(finding, hint=_join(why, finding.hint)))
    return explained


def formula_text(axes: Sequence[Window], lead: str = "torch computes ") -> str | None:
    """The floor formula of every spatial axis ("… = 54 per side" when they agree)."""
    formulas = [w.formula() for w in axes]
    if not formulas or None in formulas:
        return None
    if len(set(formulas)) == 1:
        per = " per side" if len(formulas) > 1 else ""
        return f"{lead}{formulas[0]}{per}"
    return lead + ", ".join(str(f) for f in formulas)


def with_hint(finding: Finding, hint: str) -> Finding:
    return dataclasses.replace(finding, hint=_join(finding.hint, hint))


def _join(first: str | None, second: str | None) -> str | None:
    return "; ".join(h for h in (first, second) if h) or None


# -- CNN201: two linear maps with no non-linearity between them ----------------------------

_LINEAR_MAPS = frozenset(
    {"Linear", *(f"{s}{d}d" for s in ("Conv", "ConvTranspose") for d in (1, 2, 3))}
)
# Layers that keep a chain of linear maps linear (in eval mode: dropout is the identity,
# batch norm an affine map).
_TRANSPARENT = frozenset(
    {
        "Flatten",
        "Unflatten",
        "Identity",
        "Dropout",
        "AlphaDropout",
        "FeatureAlphaDropout",
        "Upsample",
        "UpsamplingNearest2d",
        "UpsamplingBilinear2d",
        "PixelShuffle",
        "PixelUnshuffle",
        "ChannelShuffle",
        *(
            f"{stem}{d}d"
            for d in (1, 2, 3)
            for stem in (
                "Dropout",
                "BatchNorm",
                "AvgPool",
                "AdaptiveAvgPool",
                "ZeroPad",
                "ConstantPad",
                "ReflectionPad",
                "ReplicationPad",
                "CircularPad",
            )
        ),
    }
)

Chain = frozenset[str]  # the linear maps whose output reaches a point unchanged but linearly


def linear_chains(model: nn.Module, origins: Mapping[str, LayerOrigin]) -> list[Finding]:
    """CNN201 on a model built from YAML, following its wiring (``from``), not call order."""
    walker = _ChainWalker(origins)
    walker.walk(model, "", frozenset())
    return walker.findings


@dataclass
class _ChainWalker:
    origins: Mapping[str, LayerOrigin]
    findings: list[Finding] = dataclasses.field(default_factory=list)
    maps: dict[str, nn.Module] = dataclasses.field(default_factory=dict)  # linear maps seen

    def walk(self, module: nn.Module, name: str, chain: Chain) -> Chain:
        """The chain leaving ``module`` when ``chain`` enters it."""
        kind = type(module).__name__
        wiring: list[tuple[str, tuple[str, ...]]] | None = getattr(module, "wiring", None)
        if wiring is not None:  # a YAML scope (layers.Graph)
            return self.walk_graph(module, name, wiring, chain)
        if kind == "Sequential":  # `repeat: N`
            for child_name, child in module.named_children():
                chain = self.walk(child, f"{name}.{child_name}", chain)
            return chain
        if kind in _LINEAR_MAPS:
            self.maps[name] = module
            for before in sorted(chain):
                if not factorises(self.maps[before], module):
                    self.findings.append(_chain_finding(name, kind, before, self.origins))
            return frozenset({name})
        return chain if kind in _TRANSPARENT else frozenset()

    def walk_graph(
        self, graph: nn.Module, name: str, wiring: list[tuple[str, tuple[str, ...]]], chain: Chain
    ) -> Chain:
        # the first input carries the chain; further inputs (a skip connection) start none
        inputs: tuple[str, ...] = getattr(graph, "inputs", ("in",))
        outputs: dict[str, Chain] = {n: frozenset() for n in inputs[1:]}
        outputs |= {"in": chain, "input": chain}
        outputs[inputs[0]] = chain
        for child_name, sources in wiring:
            qualname = f"{name}.{child_name}" if name else child_name
            child = graph._modules.get(child_name)
            if len(sources) > 1 and not hasattr(child, "wiring"):
                outputs[child_name] = chain = frozenset()  # a merge: the chain stops here
                continue
            entering = outputs[sources[0]] if sources else chain
            # a layer repeated 0 times has no module: what enters it leaves it
            chain = entering if child is None else self.walk(child, qualname, entering)
            outputs[child_name] = chain
        return chain


def factorises(first: nn.Module, second: nn.Module) -> bool:
    """Is first → second a deliberate factorisation rather than one linear map written twice?
    A bottleneck narrower than both ends (MobileNetV2's linear bottleneck: a low-rank map) or
    a grouped/depthwise convolution (a separable convolution) is one."""
    if getattr(first, "groups", 1) > 1 or getattr(second, "groups", 1) > 1:
        return True
    inner = _width(first, "out")
    return inner < min(_width(first, "in"), _width(second, "out"))


def _width(module: nn.Module, side: str) -> int:
    """in/out channels of a convolution, in/out features of a Linear (0: unknown)."""
    for key in (f"{side}_channels", f"{side}_features"):
        value = getattr(module, key, None)
        if isinstance(value, int):
            return value
    return 0


def _chain_finding(
    name: str, kind: str, before: str, origins: Mapping[str, LayerOrigin]
) -> Finding:
    origin = origins.get(name)
    return Finding(
        "CNN201",
        RULES["CNN201"].severity,
        f"{name} ({kind}) follows {before} with no non-linearity between them: "
        "together they are a single linear map",
        layer=name,
        position=origin.position if origin else None,
        hint="put an activation (e.g. ReLU) between them, or merge them into one layer: "
        "the pair is no more expressive than a single one",
    )


def file_order(finding: Finding) -> tuple[str, int, int]:
    """Findings of a file in the order of its lines; those without a position last."""
    position = finding.position or Position("\uffff", 0, 0)
    return (position.path, position.line, position.col)
