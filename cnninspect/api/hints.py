"""Hints that say the fix: when a description's declarations fail, the input size that
satisfies them all (searched by the solver, each candidate built and checked), and when a
spatial size collapses, the smallest input the description accepts.

The one place a request builds more than once: every candidate input is a build (and, unless
its build shapes already disagree, a pass), bounded in layers built. Summary, draw, the HTML
page and validate all give the same hints.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from cnninspect.api.inspection import load, trace_loaded
from cnninspect.api.request import DescriptionFile
from cnninspect.checks.failures import file_error, trace_failure
from cnninspect.description.architecture import ArchSpec
from cnninspect.errors import BuildError, TraceError
from cnninspect.results.findings import Finding, with_hint
from cnninspect.shapes import Shape, from_channels_first

# A search for the input that fixes them runs for declarations that fail (errors); dropped
# pixels alone (a warning) carry their own exact sizes.
DECLARATION_CODES = ("CNN101", "CNN102")
# The solver builds and traces the model once per candidate input: at most this many layers
# in all (alexnet-paper: every candidate; a 1,000-layer file: 5 of them).
SOLVER_LAYER_BUDGET = 5_000


def solved(
    description: ArchSpec, findings: Sequence[Finding]
) -> tuple[list[Finding], Shape | None]:
    """``findings`` with the hints that say the fix, and the input that satisfies every
    declaration (None: the description's own, or none found)."""
    found = list(findings)
    suggestion = None
    if any(f.code in DECLARATION_CODES for f in found):
        from cnninspect.checks.solver import solve_input
        from cnninspect.description.expansion import count_layers
        from cnninspect.description.limits import current as current_limits

        # each candidate input builds the whole model: the search is bounded in layers built
        layers = max(1, count_layers(description, current_limits()))
        tries = max(0, SOLVER_LAYER_BUDGET // layers)
        solution = solve_input(
            description, check_candidate, baseline=found, radius=min(32, tries // 2)
        )
        if solution is not None and solution.shape != description.input_shape:
            suggestion = solution.shape
            hint = solution.hint(description.notation)
            found = [with_hint(f, hint) if solution.fixes(f) else f for f in found]
    if any(f.code == "CNN107" for f in found):
        found = _collapse_hints(description, found)
    return found, suggestion


def _collapse_hints(spec: ArchSpec, findings: Sequence[Finding]) -> list[Finding]:
    from cnninspect.checks.solver import min_input_spec

    smallest = min_input_spec(spec)
    if smallest is None:
        return list(findings)
    written = ", ".join(str(d) for d in from_channels_first(smallest, spec.notation))
    hint = f"the smallest square input this description accepts is input: [{written}]"
    return [with_hint(f, hint) if f.code == "CNN107" else f for f in findings]


def check_spec(description: ArchSpec) -> list[Finding]:
    """Build, trace on meta and apply every rule; no solving."""
    return _findings(description, quick=False)


def check_candidate(description: ArchSpec) -> list[Finding]:
    """``check_spec`` for the solver's candidate inputs: a candidate whose declared shapes
    already differ from the shapes computed while building is rejected without its forward
    pass (the pass computes the same shapes: its findings would include these)."""
    return _findings(description, quick=True)


def _findings(description: ArchSpec, *, quick: bool) -> list[Finding]:
    from cnninspect.checks.declarations import declared_shapes

    target = DescriptionFile(Path(description.path), description.path)
    try:  # the quick rejection needs the build's shapes first; else the pass makes the layers
        loaded = load(target, device="meta", description=description, lazy=not quick)
    except BuildError as error:
        return [file_error(error)]
    if quick and loaded.built is not None:
        wrong = list(declared_shapes(description, loaded.origins, loaded.built.layer_shapes))
        if wrong:
            return wrong
    try:
        return list(trace_loaded(loaded, device="meta", data_flow=False).report.findings)
    except TraceError as error:
        return [trace_failure(error, loaded.origins)]
    except BuildError as error:  # a layer made by the pass that torch refuses
        return [file_error(error)]
