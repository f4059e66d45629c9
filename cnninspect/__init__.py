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

    from cnninspect.inputs import Inputs
    from cnninspect.results.diff import ArchDiff
    from cnninspect.results.memory import MemoryReport
    from cnninspect.results.report import Report
    from cnninspect.results.validation import Validation
    from cnninspect.shapes import Shape
    from cnninspect.spec.values import ArchSpec

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
    dtype: str = "float32",
    args: dict[str, Any] | None = None,
    mode: str = "eval",
    inputs: Sequence[str] | None = None,
    input_data: Any = None,
    forward_kwargs: Mapping[str, Any] | None = None,
) -> Report:
    """Summarise a YAML file, a bundled architecture, ``pkg.mod:attr`` or an ``nn.Module``.

    What ``forward`` is given, in one of three ways:

    - ``input_shape``, without batch: ``(3, 224, 224)``, or a list of shapes for several
      inputs — seeded float tensors;
    - ``inputs``: described in the command line's language, e.g.
      ``["long:16x128@0..30522", "mask=bool:16x128"]`` (``cnninspect.inputs``) — seeded
      tensors of those dtypes and ranges, keywords, lists, dicts, literals;
    - ``input_data``: real values, as torchinfo takes them — a tensor, a list or tuple of the
      positional arguments, or a dict of the keyword arguments (a batch from a data loader);
      ``forward_kwargs``: more keyword arguments. Copies are used (the caller's tensors never
      change), with their own dtypes, values and batch.
    """
    from cnninspect.api.summary import summarize
    from cnninspect.inputs import parse_inputs

    _register_displays()
    example = None
    if input_data is not None:
        from cnninspect.trace.values import example as real_example

        example = real_example(input_data, forward_kwargs)
    elif forward_kwargs is not None:
        from cnninspect.errors import TargetError

        raise TargetError(
            "forward_kwargs goes with input_data; with input shapes, give keywords in inputs "
            "(e.g. inputs=['3x224x224', 'steps=12'])"
        )
    return summarize(
        target,
        input_shapes=_shapes(input_shape),
        batch=batch,
        device=device,
        dtype=dtype,
        args=args,
        mode=mode,
        inputs=parse_inputs(_listed(inputs)) if inputs else None,
        example=example,
    )


def validate(
    *targets: str | nn.Module,
    input_shape: Sequence[int] | Sequence[Sequence[int]] | None = None,
    args: dict[str, Any] | None = None,
    solve: bool = True,
    inputs: Sequence[str] | None = None,
) -> Validation:
    """Check files, directories, bundled names, ``pkg.mod:attr`` or modules; returns findings.

    ``validation.fails()`` (an error or worse) is what ``cnninspect validate`` exits 1 on.
    ``inputs``: for module targets, what ``forward`` takes in the input language (as summary).
    """
    from cnninspect.api.validate import validate as run

    _register_displays()
    shapes, typed = _inputs(input_shape, inputs)
    return run(targets, input_shapes=shapes, inputs=typed, args=args, solve=solve)


def diff(
    a: str | nn.Module,
    b: str | nn.Module,
    *,
    input_shape: Sequence[int] | Sequence[Sequence[int]] | None = None,
    batch: int = 1,
    device: str = "auto",
    inputs: Sequence[str] | None = None,
) -> ArchDiff:
    """Two architectures layer by layer: ``result.differs``, ``result.entries``, totals.
    ``inputs``: what both ``forward``s take, in the input language (as summary)."""
    from cnninspect.api.diff import compare

    _register_displays()
    shapes, typed = _inputs(input_shape, inputs)
    return compare(
        a,
        b,
        input_shapes_a=shapes,
        input_shapes_b=shapes,
        inputs_a=typed,
        inputs_b=typed,
        batch=batch,
        device=device,
    )


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

    _register_displays()
    return run(
        target,
        input_shapes=_shapes(input_shape),
        batch=batch,
        dtype=dtype,
        optimizer=optimizer,
        amp=amp,
        checkpoint=checkpoint,
        freeze=freeze,
        inference=inference,
        args=args,
    )


def _shapes(
    input_shape: Sequence[int] | Sequence[Sequence[int]] | None,
) -> list[Shape] | None:
    """(3, 224, 224) or [(3, 224, 224), (5,)] → a list of shapes."""
    if input_shape is None:
        return None
    items: list[Any] = list(input_shape)
    nested = bool(items) and not isinstance(items[0], int)
    return [tuple(s) for s in items] if nested else [tuple(items)]


def _inputs(
    input_shape: Sequence[int] | Sequence[Sequence[int]] | None, inputs: Sequence[str] | None
) -> tuple[list[Shape] | None, Inputs | None]:
    """Input shapes, or the input language: its shapes and, when richer than float tensors,
    the parsed specs."""
    if not inputs:
        return _shapes(input_shape), None
    from cnninspect.errors import TargetError
    from cnninspect.inputs import parse_inputs

    if input_shape is not None:
        raise TargetError("give input_shape or inputs, not both")
    parsed = parse_inputs(_listed(inputs))
    return list(parsed.tensor_shapes()), None if parsed.plain else parsed


def _listed(inputs: Sequence[str] | str) -> list[str]:
    """``inputs="long:128"`` is one input, not seven characters."""
    return [inputs] if isinstance(inputs, str) else list(inputs)


def load_spec(path: str) -> ArchSpec:
    """Read and check a YAML architecture description (no torch needed)."""
    from cnninspect.spec.parser import load

    return load(path)


def _register_displays() -> None:
    """Results display themselves in Rich and Jupyter once the renderers have registered."""
    import cnninspect.report.display  # noqa: F401  (registers on import)
