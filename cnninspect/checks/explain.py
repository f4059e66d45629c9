"""Why a layer's numbers are what they are, in the lecture's arithmetic.

For each layer the forward pass recorded, the parameter count as the lecture writes it —
CONV1: (5·5·3 + 1)·8 = 608, FC3: 400·120 + 120 = 48,120 — and the output size as the floor
formula ⌊(n + 2p − k)/s⌋ + 1. Formulas are built from the module's hyper-parameters and shown
only when their value equals what torch counted and computed: an explanation can be missing,
never wrong. Torch-free (modules are read by attribute).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from cnninspect.checks.windows import formula_text, windows
from cnninspect.results.report import Explanation
from cnninspect.shapes import without_batch

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
        if params or size:
            found.append(Explanation(record.name, params, size))
    return tuple(found)


def params_formula(module: Any, counted: int) -> str | None:
    """The lecture's parameter arithmetic for ``module``, if it equals torch's ``counted``."""
    kind = type(module).__name__
    if counted == 0:
        return None
    value, text = None, None
    if kind.startswith("Conv") and kind[-2:] in ("1d", "2d", "3d"):
        value, text = _conv(module, transposed=kind.startswith("ConvTranspose"))
    elif kind == "Linear":
        bias = f" + {module.out_features}" if module.bias is not None else ""
        value = module.in_features * module.out_features + (
            module.out_features if module.bias is not None else 0
        )
        text = f"{module.in_features}·{module.out_features}{bias}"
    elif kind.startswith(("BatchNorm", "InstanceNorm")) and getattr(module, "affine", False):
        value, text = 2 * module.num_features, f"2·{module.num_features} (scale and shift)"
    elif kind == "GroupNorm" and module.affine:
        value, text = 2 * module.num_channels, f"2·{module.num_channels} (scale and shift)"
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
    before = without_batch(record.input_shapes[0])
    after = without_batch(record.output_shapes[0])
    if len(after) != 1 or math.prod(before) != after[0] or len(before) < 2:
        return None
    return "·".join(str(d) for d in before) + f" = {after[0]:,}"
