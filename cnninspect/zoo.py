"""The bundled architectures, each summarised on the meta device (shapes and counts only)."""

from __future__ import annotations

from dataclasses import dataclass

from cnninspect.targets import bundled_names, bundled_path

Shape = tuple[int, ...]


@dataclass(frozen=True, slots=True)
class ZooEntry:
    name: str
    path: str
    source: str | None
    input_shape: Shape
    output_shape: Shape | None
    params: int
    macs: int
    findings: int  # declarations the forward pass contradicts (the deliberate transcriptions)


def zoo() -> list[ZooEntry]:
    """Every file in ``architectures/``, in name order."""
    from cnninspect.summarize import summarize

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
