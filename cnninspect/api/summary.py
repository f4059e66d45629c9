"""The summary use case: a resolved target and feed in, a ``Report`` out — the one inspection
of the request (``api/inspection.py``), and with ``memory`` the tracked training step of the
module that inspection built. Nothing is printed."""

from __future__ import annotations

import dataclasses

from cnninspect.api.inspection import Inspection, inspect
from cnninspect.api.request import Feed, Target
from cnninspect.results.report import Report


def summarize(
    target: Target,
    feed: Feed = None,
    *,
    batch: int = 1,
    device: str = "auto",
    dtype: str | None = None,
    memory: bool = False,
    mode: str = "eval",
    data_flow: bool = True,
) -> Report:
    """The Report of ``target`` fed ``feed`` (see ``inspect``).

    ``mode="train"``: the pass in training mode (auxiliary heads, batch statistics), without
    updating the model's running statistics.

    ``memory``: also track one training step (Adam) at ``batch`` and ``dtype`` on fake
    tensors — ``report.memory`` — of a copy of the module this request built (nothing is
    parsed or built again).
    """
    inspection = with_hints(
        inspect(
            target, feed, batch=batch, device=device, dtype=dtype, mode=mode, data_flow=data_flow
        )
    )
    if not memory:
        return inspection.report
    return with_memory(inspection, batch=batch, dtype=dtype or inspection.report.dtype, feed=feed)


def with_hints(inspection: Inspection) -> Inspection:
    """The inspection with the hints that say the fix (``api/hints.py``): the input that
    satisfies a description's failed declarations, the smallest one it accepts."""
    description = inspection.loaded.description
    if description is None or not inspection.report.findings:
        return inspection
    from cnninspect.api.hints import solved

    findings, _ = solved(description, inspection.report.findings)
    report = dataclasses.replace(inspection.report, findings=tuple(findings))
    return dataclasses.replace(inspection, report=report)


def with_memory(inspection: Inspection, *, batch: int, dtype: str, feed: Feed = None) -> Report:
    """The inspection's report with the peak of one Adam training step of its module."""
    from cnninspect.api.memory import step_setup, tracked

    loaded = inspection.loaded
    report = tracked(loaded, feed, batch=batch, dtype=dtype, setup=step_setup())
    return dataclasses.replace(inspection.report, memory=report)
