"""The list use case: every bundled architecture, summarised on the meta device (shapes and
counts only)."""

from __future__ import annotations

from cnninspect.api.summary import summarize
from cnninspect.build.targets import bundled_names, bundled_path
from cnninspect.results.zoo import ZooEntry


def zoo() -> list[ZooEntry]:
    """Every file in ``architectures/``, in name order."""
    entries = []
    for name in bundled_names():
        path = bundled_path(name)
        assert path is not None
        report = summarize(str(path), device="meta")
        entries.append(
            ZooEntry(
                name=name,
                path=str(path),
                source=report.source,
                input_shape=report.input_shapes[0],
                output_shape=report.output_shapes[0] if report.output_shapes else None,
                params=report.totals.params,
                macs=report.totals.macs,
                findings=len(report.findings),
            )
        )
    return entries
