"""CNN103: floor division drops real input pixels — the last window of a convolution or
pooling stops short of the last real row or column (padding-only remainders are fine; a window
narrower than its stride skips pixels by design)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING

from cnninspect.checks.catalogue import finding
from cnninspect.checks.windows import Window, windows
from cnninspect.construct.origins import LayerOrigin
from cnninspect.results.findings import Finding

if TYPE_CHECKING:
    from torch import nn

    from cnninspect.trace.records import LayerRecord

_AXES = {1: ("element",), 2: ("row", "column"), 3: ("plane", "row", "column")}


def _axis_words(counts: Sequence[int]) -> str:
    names = _AXES.get(len(counts), tuple(f"axis-{i} entry" for i in range(len(counts))))
    parts = [
        f"{n} {name}{'s' if n > 1 else ''}" for n, name in zip(counts, names, strict=True) if n > 0
    ]
    return " and ".join(parts)


def dropped_pixels(
    records: Iterable[LayerRecord],
    modules: Mapping[str, nn.Module],
    origins: Mapping[str, LayerOrigin],
) -> Iterator[Finding]:
    """CNN103 for every convolution or pooling whose last window stops short of real pixels."""
    for record in records:
        module = modules.get(record.name)
        if record.call != 0 or module is None:
            continue
        axes = windows(module, record)
        if not any(w.dropped for w in axes):
            continue
        yield _dropped_finding(record, axes, origins.get(record.name))


def _dropped_finding(
    record: LayerRecord, axes: Sequence[Window], origin: LayerOrigin | None
) -> Finding:
    worst = max(axes, key=lambda w: w.dropped)
    size = "×".join(str(w.size) for w in axes)
    padding = f" + 2×{worst.padding} padding" if worst.padding else ""
    low, high = worst.exact_sizes()
    return finding(
        "CNN103",
        f"{record.name} ({record.type}, kernel {worst.kernel}, stride {worst.stride}) never "
        f"reads the last {_axis_words([w.dropped for w in axes])} of its {size} input: "
        f"{worst.out} windows cover {worst.covered} of {worst.size}{padding}",
        layer=record.name,
        position=origin.position if origin else None,
        hint=f"the windows fit exactly when this layer's input is {low} or {high} "
        f"instead of {worst.size} (or with more padding)",
    )
