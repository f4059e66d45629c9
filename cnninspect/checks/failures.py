"""Errors turned into findings: a file that does not load or build (its own CNN0xx code), a
forward pass that fails at a layer (CNN106, or CNN107 when a spatial size collapses)."""

from __future__ import annotations

from collections.abc import Mapping

from cnninspect.checks.catalogue import finding
from cnninspect.construct.origins import LayerOrigin
from cnninspect.errors import (
    BuildError,
    SpecError,
    SpecMistakesError,
    TargetError,
    TraceError,
    is_spatial_collapse,
)
from cnninspect.results.findings import Finding


def file_errors(error: SpecError | BuildError) -> tuple[Finding, ...]:
    """A file that does not load or build: a finding per mistake, each with its own code."""
    mistakes = error.mistakes if isinstance(error, SpecMistakesError) else (error,)
    return tuple(file_error(mistake) for mistake in mistakes)


def file_error(error: SpecError | BuildError) -> Finding:
    """A file that does not load or build: one finding with the error's own code."""
    return finding(
        error.code,
        error.message,
        layer=getattr(error, "layer", None),
        position=error.position,
        hint=error.hint,
    )


def trace_failure(error: TraceError, origins: Mapping[str, LayerOrigin]) -> Finding:
    """CNN106 (or CNN107 when a spatial size collapses): the forward pass fails at a layer."""
    origin = origins.get(error.layer)
    return finding(
        "CNN107" if is_spatial_collapse(error.message) else "CNN106",
        error.message,
        layer=error.layer or None,
        position=origin.position if origin else error.position,
        hint=error.hint,
    )


def load_failure(error: TargetError) -> Finding:
    """CNN007: a module target that cannot be imported or constructed — a finding, so that the
    other targets are still checked."""
    return finding("CNN007", error.message, position=error.position, hint=error.hint)
