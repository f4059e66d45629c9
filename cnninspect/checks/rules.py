"""Every rule applied to one forward pass: the findings that summary, validate, draw and the
HTML page all show for a request, computed once from the pass the request made.

A description gets its declarations checked (CNN101, CNN102, CNN104) and its linear chains
(CNN201); every model gets its windows checked for dropped pixels (CNN103).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from cnninspect.checks.declarations import declarations, explain_shapes
from cnninspect.checks.linearity import linear_chains
from cnninspect.checks.pixels import dropped_pixels
from cnninspect.construct.origins import DeclaredInput, LayerOrigin
from cnninspect.description.architecture import ArchSpec
from cnninspect.results.findings import Finding, file_order
from cnninspect.results.report import Report

if TYPE_CHECKING:
    from torch import nn

    from cnninspect.trace.records import LayerRecord


def pass_findings(
    model: nn.Module,
    records: Iterable[LayerRecord],
    report: Report,
    *,
    description: ArchSpec | None = None,
    origins: Mapping[str, LayerOrigin] | None = None,
    declared_inputs: Iterable[DeclaredInput] = (),
) -> list[Finding]:
    """Every finding about the pass ``records`` of ``model`` (``report``: its rows), in file
    order; a CNN101 on a window carries the formula behind the computed size."""
    origins = origins or {}
    records = list(records)
    modules = dict(model.named_modules())
    found = list(dropped_pixels(records, modules, origins))
    if description is not None:
        found += declarations(description, origins, declared_inputs, report)
        found += linear_chains(model, origins)
    return sorted(explain_shapes(found, records, modules), key=file_order)
