"""The drawing use case: a target in, the ``Report`` a picture is drawn from — one forward pass
(shapes, parameters, receptive fields, the data flow between calls) and every finding
``validate`` has about the target's layers (dropped pixels, declarations that fail, with the
solver's hint), so the picture marks them where they happen. Nothing is drawn or printed here:
the renderers (``cnninspect.report.volumes``, ``cnninspect.report.blocks``) do that.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from cnninspect.errors import CnninspectError
from cnninspect.inputs import Inputs
from cnninspect.results.findings import Finding
from cnninspect.results.report import Report
from cnninspect.shapes import Shape

if TYPE_CHECKING:
    from torch import nn


def drawing(
    target: str | nn.Module,
    *,
    input_shapes: Sequence[Shape] | None = None,
    inputs: Inputs | None = None,
    args: dict[str, Any] | None = None,
    device: str = "meta",
    dtype: str = "float32",
) -> Report:
    """The Report of ``target`` with validate's findings. ``device`` meta by default: a
    picture needs shapes, not weights."""
    from cnninspect.api.summary import summarize

    report = summarize(
        target, input_shapes=input_shapes, inputs=inputs, device=device, dtype=dtype, args=args
    )
    return with_checks(report, target, input_shapes=input_shapes, inputs=inputs, args=args)


def with_checks(
    report: Report,
    target: str | nn.Module,
    *,
    input_shapes: Sequence[Shape] | None = None,
    inputs: Inputs | None = None,
    args: dict[str, Any] | None = None,
) -> Report:
    """``report`` with every finding validate has about ``target`` (its own declarations
    findings replaced by validate's, which carry the solver's hint)."""
    from cnninspect.api.validate import validate_target
    from cnninspect.build.targets import is_module_target, resolve_targets

    resolved: str | nn.Module = target
    if isinstance(target, str) and not is_module_target(target):
        resolved = resolve_targets([target])[0]
    module_options = not isinstance(resolved, str) or is_module_target(resolved)
    try:
        checked = validate_target(
            resolved,
            input_shapes=input_shapes if module_options else None,
            inputs=inputs if module_options else None,
            args=args if module_options else None,
        )
    except CnninspectError:  # what validate cannot run: the findings the report has
        return report
    return dataclasses.replace(report, findings=merged(checked.findings, report.findings))


def merged(first: Sequence[Finding], second: Sequence[Finding]) -> tuple[Finding, ...]:
    """``first``, then what ``second`` says that ``first`` does not (same code, layer and
    message: the same finding, whatever its hint)."""
    seen = {(f.code, f.layer, f.message) for f in first}
    return (*first, *(f for f in second if (f.code, f.layer, f.message) not in seen))
