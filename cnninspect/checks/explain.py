"""Why a layer's numbers are what they are, in the lecture's arithmetic.

For each layer the forward pass recorded, the parameter count as the lecture writes it —
CONV1: (5·5·3 + 1)·8 = 608, FC3: 400·120 + 120 = 48,120 — and the output size as the floor
formula ⌊(n + 2p − k)/s⌋ + 1 — and the receptive field, r_out = r_in + (k − 1)·j_in with the
jump j_out = j_in·s (a dilation d widens k − 1 to (k − 1)·d; a transposed convolution reads
⌈((k − 1)·d + 1)/s⌉ inputs and divides the jump by s). Formulas are built from the module's
hyper-parameters and shown only when their value equals what torch counted and computed (the
field: what the trace propagated op by op): an explanation can be missing, never wrong.
Torch-free (modules are read by attribute).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from cnninspect.checks.windows import formula_text, windows
from cnninspect.description.layer_types import Role, WindowKind, classify
from cnninspect.results.report import Explanation
from cnninspect.shapes import drop_batch

if TYPE_CHECKING:
    from torch import nn

    from cnninspect.trace.records import LayerRecord


def explain(
    records: Iterable[LayerRecord], modules: Mapping[str, nn.Module]
) -> tuple[Explanation, ...]:
    found = []
    for record in records:
        module = modules.get(record.name)
        if record.call or not record.is_leaf or module is None:
            continue
        params = params_formula(module, record.params)
        size = formula_text(windows(module, record), lead="") or _flatten_formula(record)
        receptive = field_formula(module, record)
        if params or size or receptive:
            found.append(Explanation(record.name, params, size, receptive))
    return tuple(found)


def field_formula(module: Any, record: LayerRecord) -> str | None:
    """The receptive field arithmetic of a convolution or pooling call, if on every axis it
    gives the field and the jump the trace propagated: "6 + (5 − 1)·2 = 14, jump 2·1 = 2"."""
    kind = classify(type(module).__name__)
    before, after = record.input_field, record.field
    if kind is None or kind.window is None:
        return None
    if before is None or after is None or before.axes != after.axes:
        return None
    axes = before.axes
    kernel = _axes(module.kernel_size, axes)
    stride = _axes(getattr(module, "stride", None) or module.kernel_size, axes)
    dilation = _axes(getattr(module, "dilation", 1), axes)
    texts = []
    for i in range(axes):
        r, j, k, s, d = before.size[i], before.jump[i], kernel[i], stride[i], dilation[i]
        widened = f"({k} − 1)" + (f"·{d}" if d != 1 else "")
        if kind.window is WindowKind.TRANSPOSED:
            reads = math.ceil(((k - 1) * d + 1) / s)
            size, jump = r + (reads - 1) * j, j / s
            span = f"{widened} + 1" if d != 1 else str(k)
            text = f"{_num(r)} + (⌈{span}/{s}⌉ − 1)·{_num(j)} = {_num(size)}"
            text += f", jump {_num(j)}/{s} = {_num(jump)}"
        else:
            size, jump = r + (k - 1) * d * j, j * s
            text = f"{_num(r)} + {widened}·{_num(j)} = {_num(size)}"
            text += f", jump {_num(j)}·{s} = {_num(jump)}"
        if not (math.isclose(size, after.size[i]) and math.isclose(jump, after.jump[i])):
            return None
        texts.append(text)
    if len(set(texts)) == 1:
        return texts[0] + (" per side" if axes > 1 else "")
    return "; ".join(texts)


def _axes(value: Any, axes: int) -> tuple[int, ...]:
    if isinstance(value, tuple | list):
        values = tuple(int(v) for v in value)
        return values * axes if len(values) == 1 else values
    return (int(value),) * axes


def _num(value: float) -> str:
    """14.0 → '14', 0.5 → '0.5'."""
    return str(int(value)) if value == int(value) else f"{value:.4f}".rstrip("0")


def params_formula(module: Any, counted: int) -> str | None:
    """The lecture's parameter arithmetic for ``module``, if it equals torch's ``counted``."""
    kind = classify(type(module).__name__)
    if counted == 0 or kind is None:
        return None
    value, text = None, None
    if kind.window in (WindowKind.CONV, WindowKind.TRANSPOSED):
        value, text = _conv(module, transposed=kind.window is WindowKind.TRANSPOSED)
    elif kind.name == "Linear":
        bias = f" + {module.out_features}" if module.bias is not None else ""
        value = module.in_features * module.out_features + (
            module.out_features if module.bias is not None else 0
        )
        text = f"{module.in_features}·{module.out_features}{bias}"
    elif kind.role is Role.NORMALIZATION and kind.inferred and getattr(module, "affine", False):
        channels = getattr(module, kind.inferred)  # num_features, num_channels (GroupNorm)
        value, text = 2 * channels, f"2·{channels} (scale and shift)"
    if value is None or value != counted:
        return None
    return f"{text} = {value:,}"


def _conv(module: Any, *, transposed: bool) -> tuple[int, str]:
    kernel = "·".join(str(k) for k in module.kernel_size)
    groups = module.groups
    bias = module.bias is not None
    fan_in = module.out_channels // groups if transposed else module.in_channels // groups
    per_filter = math.prod(module.kernel_size) * fan_in
    filters = module.in_channels if transposed else module.out_channels
    value = per_filter * filters + (module.out_channels if bias else 0)
    channels = f"{module.in_channels}/{groups}" if groups > 1 else str(module.in_channels)
    if transposed:
        channels = f"{module.out_channels}/{groups}" if groups > 1 else str(module.out_channels)
    if not transposed and bias:  # the lecture's form: (k·k·C + 1)·F
        return value, f"({kernel}·{channels} + 1)·{module.out_channels}"
    plus = f" + {module.out_channels}" if bias else ""
    return value, f"{kernel}·{channels}·{filters}{plus}"


def _flatten_formula(record: LayerRecord) -> str | None:
    """Flatten: 16·5·5 = 400 (the lecture's POOL2 → FC3 step)."""
    if record.type != "Flatten" or not record.input_shapes or not record.output_shapes:
        return None
    before = drop_batch(record.input_shapes[0])
    after = drop_batch(record.output_shapes[0])
    if len(after) != 1 or math.prod(before) != after[0] or len(before) < 2:
        return None
    return "·".join(str(d) for d in before) + f" = {after[0]:,}"
