"""CNN101, CNN102, CNN104: what a description declares against what the forward pass computed.

One function per rule, each yielding Findings; a finding is a value, never an exception. The
YAML-only knowledge (declarations, positions) travels beside the report, keyed by layer name.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING

from cnninspect.checks.catalogue import finding
from cnninspect.checks.windows import formula_text, windows
from cnninspect.construct.origins import DeclaredInput, LayerOrigin
from cnninspect.description.architecture import ArchSpec, Dim
from cnninspect.results.findings import Finding, file_order, join_hints
from cnninspect.results.report import Report, Row
from cnninspect.shapes import Shape, dims_text, from_channels_first

if TYPE_CHECKING:
    from torch import nn

    from cnninspect.trace.records import LayerRecord


def declarations(
    spec: ArchSpec,
    origins: Mapping[str, LayerOrigin],
    declared: Iterable[DeclaredInput],
    report: Report,
) -> list[Finding]:
    """Every finding about declarations: CNN101, CNN102, CNN104, in file order."""
    rows = {r.name: r for r in report.rows if r.call == 0}
    output = report.output_shapes[0] if report.output_shapes else None
    findings = [
        *declared_inputs(declared),
        *declared_shapes(spec, origins, {name: row.shape for name, row in rows.items()}),
        *declared_params(origins, rows),
        *declared_model(spec, output, report.totals.params),
    ]
    return sorted(findings, key=file_order)


def declared_inputs(declared: Iterable[DeclaredInput]) -> Iterator[Finding]:
    """CNN102: a declared in_channels / in_features / num_features the tensor contradicts."""
    for d in declared:
        made_of = f" = {dims_text(d.flattened_from)}" if d.flattened_from else ""
        yield finding(
            "CNN102",
            f"{d.layer} ({d.type}) declares {d.keyword}={d.declared} "
            f"but receives {d.actual}{made_of}",
            layer=d.layer,
            position=d.position,
            hint=f"write {d.keyword}: {d.actual}, or leave it out: cnninspect infers it",
        )


def declared_shapes(
    spec: ArchSpec, origins: Mapping[str, LayerOrigin], shapes: Mapping[str, Shape | None]
) -> Iterator[Finding]:
    """CNN101: a declared ``expect`` shape differs from the computed one (``shapes``: per
    layer name, from the forward pass, or from the build)."""
    for name, origin in origins.items():
        expect = origin.expect
        if expect is None or expect.shape is None or name not in shapes:
            continue
        computed = shapes[name]
        if computed is None or not shapes_match(expect.shape, computed):
            shown = from_channels_first(computed, spec.notation) if computed else None
            written = from_channels_first(expect.shape, spec.notation)
            yield finding(
                "CNN101",
                f"{name} declares {dims_text(written)} "
                f"but the forward pass computes {dims_text(shown)}",
                layer=name,
                position=expect.shape_position or expect.position,
            )


def declared_params(
    origins: Mapping[str, LayerOrigin], rows: Mapping[str, Row]
) -> Iterator[Finding]:
    """CNN104: a declared parameter count differs from the computed one."""
    for name, origin in origins.items():
        expect = origin.expect
        if expect is None or expect.params is None or name not in rows:
            continue
        computed = rows[name].subtree_params
        if not expect.params.accepts(computed):
            yield finding(
                "CNN104",
                f"{name} declares {expect.params.text} parameters but has {computed:,}",
                layer=name,
                position=expect.params_position or expect.position,
            )


def declared_model(spec: ArchSpec, output: Shape | None, total_params: int) -> Iterator[Finding]:
    """CNN101 / CNN104 for the model's own ``expect: {output, params}``."""
    expect = spec.expect
    if expect is None:
        return
    if expect.shape is not None and (output is None or not shapes_match(expect.shape, output)):
        shown = from_channels_first(output, spec.notation) if output else None
        written = from_channels_first(expect.shape, spec.notation)
        yield finding(
            "CNN101",
            f"the model declares output {dims_text(written)} but computes {dims_text(shown)}",
            position=expect.shape_position or expect.position,
        )
    if expect.params is not None and not expect.params.accepts(total_params):
        yield finding(
            "CNN104",
            f"the model declares {expect.params.text} parameters but has {total_params:,}",
            position=expect.params_position or expect.position,
        )


def shapes_match(declared: Sequence[Dim], computed: Shape) -> bool:
    """Null matches any size. The lecture writes a feature vector as (120, 1): a declared
    trailing 1 on a flat vector is accepted."""
    if len(declared) == len(computed) + 1 and len(computed) == 1 and declared[-1] == 1:
        declared = declared[:-1]
    if len(declared) != len(computed):
        return False
    return all(d is None or d == c for d, c in zip(declared, computed, strict=True))


def explain_shapes(
    findings: Iterable[Finding],
    records: Iterable[LayerRecord],
    modules: Mapping[str, nn.Module],
) -> list[Finding]:
    """Give every CNN101 on a convolution or pooling the formula behind the computed size
    (before any hint it already has)."""
    by_name = {r.name: r for r in records if r.call == 0}
    explained = []
    for found in findings:
        record = by_name.get(found.layer or "")
        module = modules.get(found.layer or "")
        why = None
        if found.code == "CNN101" and record is not None and module is not None:
            why = formula_text(windows(module, record))
        explained.append(dataclasses.replace(found, hint=join_hints(why, found.hint)))
    return explained
