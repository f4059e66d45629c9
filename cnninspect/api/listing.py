"""The list use case: every bundled architecture, summarised on the meta device (shapes and
counts only)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from cnninspect.api.inspection import inspect
from cnninspect.api.request import DescriptionFile
from cnninspect.construct.targets import bundled_names, bundled_path
from cnninspect.results.findings import Severity
from cnninspect.results.listing import ZooEntry


def zoo(*, on_architecture: Callable[[str, int, int], None] | None = None) -> list[ZooEntry]:
    """Every file in ``architectures/``, in name order. ``on_architecture(name, index,
    total)`` is called before each is summarised (a progress bar)."""
    entries = []
    names = bundled_names()
    for index, name in enumerate(names):
        if on_architecture is not None:
            on_architecture(name, index, len(names))
        path = bundled_path(name)
        assert path is not None
        target = DescriptionFile(Path(path), str(path))
        report = inspect(target, device="meta", data_flow=False).report  # counts: no hints
        entries.append(
            ZooEntry(
                name=name,
                path=str(path),
                source=report.source,
                input_shape=report.input_shapes[0],
                output_shape=report.output_shapes[0] if report.output_shapes else None,
                params=report.totals.params,
                macs=report.totals.macs,
                # what makes a description deliberately wrong: errors (warnings are advice)
                findings=sum(f.severity >= Severity.ERROR for f in report.findings),
            )
        )
    return entries
