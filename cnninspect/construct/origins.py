"""What a YAML description says about the layers of the model built from it (torch-free).

The build produces these beside the module; checks compare them with the trace by layer name.
"""

from __future__ import annotations

from dataclasses import dataclass

from cnninspect.description.architecture import Expect
from cnninspect.errors import Position
from cnninspect.shapes import Shape


@dataclass(frozen=True, slots=True)
class LayerOrigin:
    """Where a module of the built model was written, and what the file declared about it."""

    name: str  # qualified module name ("layer1.0.conv1")
    type: str
    position: Position
    expect: Expect | None  # block arguments substituted
    note: str | None


@dataclass(frozen=True, slots=True)
class DeclaredInput:
    """A declared ``in_channels``/``in_features``/``num_features`` that the tensor contradicts."""

    layer: str
    type: str
    keyword: str
    declared: int
    actual: int
    incoming: Shape
    flattened_from: Shape | None  # the last multi-dimensional shape with as many elements
    position: Position
