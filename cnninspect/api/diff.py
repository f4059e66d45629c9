"""The diff use case: two targets in, an ``ArchDiff`` out — each summarised, then aligned."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from cnninspect.api.summary import summarize
from cnninspect.build.targets import is_yaml_target
from cnninspect.compare.align import diff_reports
from cnninspect.inputs import Inputs
from cnninspect.results.diff import ArchDiff
from cnninspect.shapes import Shape

if TYPE_CHECKING:
    from torch import nn


def compare(
    a: str | nn.Module,
    b: str | nn.Module,
    *,
    input_shapes_a: Sequence[Shape] | None = None,
    input_shapes_b: Sequence[Shape] | None = None,
    args_a: dict[str, Any] | None = None,
    args_b: dict[str, Any] | None = None,
    batch: int = 1,
    device: str = "auto",
    dtype: str = "float32",
    inputs_a: Inputs | None = None,
    inputs_b: Inputs | None = None,
) -> ArchDiff:
    """Summarise two targets (YAML, bundled name, ``pkg.mod:attr``, module) and diff them.

    A module given no input shape takes the other side's: a YAML file's declared input, or
    the input given for the other side. ``inputs_a``/``inputs_b``: what each ``forward`` takes
    beyond float tensors (``cnninspect.inputs``), module targets only.
    """
    options: dict[str, Any] = {"batch": batch, "device": device, "dtype": dtype}
    a_has_none = input_shapes_a is None and inputs_a is None and not _declares_input(a)
    if a_has_none and (input_shapes_b is not None or inputs_b is not None):
        input_shapes_a, inputs_a = input_shapes_b, inputs_b  # --input-b only: A takes it too
    elif a_has_none and _declares_input(b):
        report_b = summarize(
            b, input_shapes=input_shapes_b, args=args_b, inputs=inputs_b, **options
        )
        report_a = summarize(a, input_shapes=report_b.input_shapes, args=args_a, **options)
        return diff_reports(report_a, report_b)
    report_a = summarize(a, input_shapes=input_shapes_a, args=args_a, inputs=inputs_a, **options)
    if input_shapes_b is None and not _declares_input(b):
        input_shapes_b, inputs_b = report_a.input_shapes, inputs_a
    report_b = summarize(b, input_shapes=input_shapes_b, args=args_b, inputs=inputs_b, **options)
    return diff_reports(report_a, report_b)


def _declares_input(target: str | nn.Module) -> bool:
    return isinstance(target, str) and is_yaml_target(target)
