"""cnninspect: inspect convolutional neural networks from one real forward pass.

The public API returns values and prints nothing::

    import cnninspect
    report = cnninspect.summary("lecture-example")
    report.totals.params            # 62958

Importing this package does not import torch; the functions below do, when called.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cnninspect._version import __version__

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from torch import nn

    from cnninspect.description.architecture import ArchSpec
    from cnninspect.results.diff import ArchDiff
    from cnninspect.results.memory import MemoryReport
    from cnninspect.results.report import Report
    from cnninspect.results.validation import Validation

__all__ = ["__version__", "diff", "load_spec", "memory", "summary", "validate"]

# The implementations live in cnninspect.api (the use cases). No subpackage is named like one
# of these functions: importing a submodule binds its name on the package, which would
# replace the function.


def summary(
    target: str | nn.Module,
    *,
    input_shape: Sequence[int] | Sequence[Sequence[int]] | None = None,
    batch: int = 1,
    device: str = "auto",
    dtype: str | None = None,
    args: dict[str, Any] | None = None,
    mode: str = "eval",
    inputs: Sequence[str] | str | None = None,
    input_data: Any = None,
    forward_kwargs: Mapping[str, Any] | None = None,
    memory: bool = False,
) -> Report:
    """Summarise a YAML file, a bundled architecture, ``pkg.mod:attr`` or an ``nn.Module``.

    What ``forward`` is given, in one of three ways (two at once are refused):

    - ``input_shape``, without batch: ``(3, 224, 224)``, or a list of shapes for several
      inputs — seeded float tensors;
    - ``inputs``: described in the command line's language, e.g.
      ``["long:16x128@0..30522", "mask=bool:16x128"]`` (``cnninspect.inputs``) — seeded
      tensors of those dtypes and ranges, keywords, lists, dicts, literals;
    - ``input_data``: real values, as torchinfo takes them — a tensor, a list or tuple of the
      positional arguments, or a dict of the keyword arguments (a batch from a data loader);
      ``forward_kwargs``: more keyword arguments. Copies are used (the caller's tensors never
      change), with their own dtypes, values and batch.

    A description's own ``input`` is used when none is given; a module needs one.
    ``device``: auto (meta, or cpu when meta cannot run the model; an ``nn.Module`` where its
    weights are), cpu, cuda, mps, meta. ``dtype``: the model's own by default (a half model
    is measured in half, its inputs made in half; a description or a ``pkg.mod:attr`` is
    float32), or float32, float16, bfloat16, float64 to convert a copy. ``args``: a
    ``pkg.mod:attr`` constructor's keywords.
    ``mode="train"``: the pass in training mode (running statistics kept). ``memory``: also
    track one Adam training step on fake tensors (``report.memory``).
    """
    from cnninspect.api.request import resolve_feed, resolve_target
    from cnninspect.api.summary import summarize

    _register_displays()
    resolved = resolve_target(target, args)
    feed = resolve_feed(
        input_shape=input_shape, inputs=inputs, input_data=input_data, forward_kwargs=forward_kwargs
    )
    return summarize(
        resolved, feed, batch=batch, device=device, dtype=dtype, mode=mode, memory=memory
    )


def validate(
    *targets: str | nn.Module,
    input_shape: Sequence[int] | Sequence[Sequence[int]] | None = None,
    args: dict[str, Any] | None = None,
    solve: bool = True,
    inputs: Sequence[str] | str | None = None,
) -> Validation:
    """Check files, directories, bundled names, ``pkg.mod:attr`` or modules; returns findings.

    ``validation.fails()`` (an error or worse) is what ``cnninspect validate`` exits 1 on.
    ``input_shape`` or ``inputs`` (the input language, as summary): what every target's
    ``forward`` receives — a description's declarations are then checked at that input.
    ``solve``: when declarations fail, search the input size that satisfies them all (a hint).
    """
    from cnninspect.api.request import resolve_feed
    from cnninspect.api.validate import validate as run

    _register_displays()
    feed = resolve_feed(input_shape=input_shape, inputs=inputs)
    return run(targets, feed, args=args, solve=solve)


def diff(
    a: str | nn.Module,
    b: str | nn.Module,
    *,
    input_shape: Sequence[int] | Sequence[Sequence[int]] | None = None,
    batch: int = 1,
    device: str = "auto",
    inputs: Sequence[str] | str | None = None,
) -> ArchDiff:
    """Two architectures layer by layer: ``result.differs``, ``result.entries``, totals.
    ``input_shape`` or ``inputs``: what both ``forward``s take (as summary); a module given
    none takes a description's declared input."""
    from cnninspect.api.diff import compare
    from cnninspect.api.request import resolve_feed, resolve_target

    _register_displays()
    feed = resolve_feed(input_shape=input_shape, inputs=inputs)
    return compare(resolve_target(a), resolve_target(b), feed, feed, batch=batch, device=device)


def memory(
    target: str | nn.Module,
    *,
    input_shape: Sequence[int] | Sequence[Sequence[int]] | None = None,
    batch: int = 1,
    dtype: str = "float32",
    optimizer: str = "adam",
    amp: str | None = None,
    checkpoint: Sequence[str] = (),
    freeze: Sequence[str] = (),
    inference: bool = False,
    args: dict[str, Any] | None = None,
) -> MemoryReport:
    """The peak of one training step (or, with ``inference``, one no_grad forward pass) at
    ``batch``, tracked on fake tensors: ``report.peak_bytes``, ``report.categories``
    (parameters, gradients, optimizer state, activations, …), ``report.peak_phase``.

    ``optimizer``: sgd, momentum, adam, adamw; ``amp``: bfloat16 or float16 autocast;
    ``checkpoint`` and ``freeze``: module names. ``cnninspect.api.memory.fit`` finds the
    largest batch within a budget.
    """
    from cnninspect.api.memory import memory as run
    from cnninspect.api.memory import step_setup
    from cnninspect.api.request import resolve_feed, resolve_target

    _register_displays()
    setup = step_setup(optimizer, amp, checkpoint, freeze, inference)
    feed = resolve_feed(input_shape=input_shape)
    return run(resolve_target(target, args), feed, batch=batch, dtype=dtype, setup=setup)


def load_spec(path: str) -> ArchSpec:
    """Read and check a YAML architecture description (no torch needed)."""
    from cnninspect.description.parser import load

    return load(path)


def _register_displays() -> None:
    """Results display themselves in Rich and Jupyter once the renderers have registered."""
    import cnninspect.render.registry  # noqa: F401  (registers on import)
