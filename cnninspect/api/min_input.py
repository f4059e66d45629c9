"""The min-input use case: the smallest square input of a YAML file, a bundled name,
``pkg.mod:attr`` or a module, searched on the meta device by the solver."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from cnninspect.build.targets import is_module_target, yaml_path
from cnninspect.checks.solver import min_input_module, min_input_spec
from cnninspect.results.min_input import MinInput
from cnninspect.shapes import Shape

if TYPE_CHECKING:
    from torch import nn

DEFAULT_TEMPLATE: Shape = (3, 224, 224)


def min_input(
    target: str | nn.Module,
    *,
    input_shape: Shape | None = None,
    args: Mapping[str, Any] | None = None,
) -> MinInput:
    """The smallest square input of a YAML file, bundled name, ``pkg.mod:attr`` or module.

    ``input_shape`` is a template for modules (its channels and number of spatial axes count;
    default 3×224×224); a YAML file's own ``input`` is the template for it. String module
    targets are constructed and run on the meta device, an ``nn.Module`` where it lives.
    """
    from torch import nn

    from cnninspect.build.construction import import_module_target
    from cnninspect.spec.parser import load
    from cnninspect.trace.forward import device_of

    template = input_shape or DEFAULT_TEMPLATE
    if isinstance(target, nn.Module):
        name = type(target).__name__
        shape = min_input_module(target, template, device=device_of(target))
        return MinInput(name, name, shape)
    if is_module_target(target):
        module = import_module_target(target, args or {}, device="meta")
        return MinInput(target, target.rpartition(":")[2], min_input_module(module, template))
    spec = load(yaml_path(target))
    return MinInput(target, spec.name, min_input_spec(spec))
