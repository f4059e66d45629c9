"""The min-input use case: the smallest square input of a description or a module, searched
on the meta device by the solver."""

from __future__ import annotations

from cnninspect.api.inspection import load, read
from cnninspect.api.request import (
    DescriptionFile,
    Feed,
    ModuleObject,
    Target,
    feed_of_shapes,
    float_shapes,
)
from cnninspect.checks.solver import min_input_module, min_input_spec
from cnninspect.errors import TargetError
from cnninspect.results.min_input import MinInput
from cnninspect.shapes import Shape

DEFAULT_TEMPLATE: Shape = (3, 224, 224)


def min_input(target: Target, feed: Feed = None) -> MinInput:
    """The smallest square input of ``target``.

    ``feed`` (one float shape) is the template: its channels and number of spatial axes
    count (default: a description's own ``input``, a module's 3×224×224). A module reference
    is constructed and run on the meta device, a module object where it lives.
    """
    if isinstance(target, DescriptionFile):
        description = read(target, feed)
        return MinInput(target.label, description.name, min_input_spec(description))
    shapes = float_shapes(feed, command="min-input") or (DEFAULT_TEMPLATE,)
    if len(shapes) != 1:
        raise TargetError("min-input searches one image-like input: give one --input")
    if isinstance(target, ModuleObject):
        from cnninspect.trace.forward import device_of

        shape = min_input_module(target.module, shapes[0], device=device_of(target.module))
        return MinInput(target.name, target.name, shape)
    loaded = load(target, feed_of_shapes(shapes), device="meta")
    return MinInput(target.text, target.name, min_input_module(loaded.module, shapes[0]))
