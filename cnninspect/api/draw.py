"""The drawing use case: a target in, the ``Report`` a picture is drawn from — the request's
one inspection (shapes, parameters, receptive fields, the data flow between calls, and every
finding of that pass), so the picture marks findings where they happen. Nothing is drawn or
printed here: the renderers (``cnninspect.render.picture``) do that.
"""

from __future__ import annotations

from cnninspect.api.inspection import inspect
from cnninspect.api.request import Feed, Target
from cnninspect.api.summary import with_hints
from cnninspect.results.report import Report


def drawing(
    target: Target, feed: Feed = None, *, device: str = "auto", dtype: str | None = None
) -> Report:
    """The Report of ``target`` with the findings of its pass (as summary and validate find
    them at the same input)."""
    return with_hints(inspect(target, feed, device=device, dtype=dtype)).report
