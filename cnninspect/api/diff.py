"""The diff use case: two targets in, an ``ArchDiff`` out — each inspected once, then
aligned."""

from __future__ import annotations

from cnninspect.api.request import DescriptionFile, Feed, Target, feed_of_shapes
from cnninspect.api.summary import summarize
from cnninspect.compare.align import diff_reports
from cnninspect.results.diff import ArchDiff
from cnninspect.results.report import Report


def compare(
    a: Target,
    b: Target,
    feed_a: Feed = None,
    feed_b: Feed = None,
    *,
    batch: int = 1,
    device: str = "auto",
    dtype: str | None = None,
) -> ArchDiff:
    """Summarise two targets and diff them.

    A module given no input takes the other side's: a description's declared input, or what
    was given for the other side.
    """

    def side(target: Target, feed: Feed) -> Report:
        return summarize(target, feed, batch=batch, device=device, dtype=dtype)

    a_has_none = feed_a is None and not isinstance(a, DescriptionFile)
    if a_has_none and feed_b is not None:
        feed_a = feed_b  # --input-b only: A takes it too
    elif a_has_none and isinstance(b, DescriptionFile):
        report_b = side(b, feed_b)
        report_a = side(a, feed_of_shapes(report_b.input_shapes))
        return diff_reports(report_a, report_b)
    report_a = side(a, feed_a)
    if feed_b is None and not isinstance(b, DescriptionFile):
        feed_b = feed_a if feed_a is not None else feed_of_shapes(report_a.input_shapes)
    report_b = side(b, feed_b)
    return diff_reports(report_a, report_b)
