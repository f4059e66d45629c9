"""A description drafted from a PyTorch module (``export MODULE --to yaml``): torch-free values
between the module's recorded calls and the YAML text.

``construct/from_module.py`` makes a ``DraftModule`` per module called (its calls as layers,
each child module that is not a torch.nn layer a nested draft); ``folding.py`` turns those
into blocks with arguments and repeats; ``render/yaml_description.py`` writes the text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Keywords = tuple[tuple[str, Any], ...]  # (keyword, value), in the constructor's order


@dataclass(frozen=True, slots=True)
class DraftLayer:
    """One call: a torch.nn layer or a merge (``type``), or a child module (``module``)."""

    type: str
    name: str | None  # None: the description's default name
    kwargs: Keywords = ()
    sources: tuple[str, ...] = ()  # () the previous layer; "in" the scope's input
    repeat: int | str = 1
    module: DraftModule | None = None  # before folding: the child module's own draft


@dataclass(frozen=True, slots=True)
class DraftModule:
    """A module's forward as layers: its class, where it sits, what it calls in order."""

    class_name: str
    path: str  # "layer1.0"; "" for the model
    layers: tuple[DraftLayer, ...]


@dataclass(frozen=True, slots=True)
class DraftBlock:
    name: str
    args: tuple[str, ...]  # all required: every use passes them
    layers: tuple[DraftLayer, ...]


@dataclass(frozen=True, slots=True)
class Draft:
    """The description to write: blocks (in the order they are first used), the model's
    layers, and what ``expect`` declares."""

    name: str
    target: str
    input_shape: tuple[int, ...]
    output_shape: tuple[int, ...]
    params: int
    layers: tuple[DraftLayer, ...]
    blocks: tuple[DraftBlock, ...] = field(default=())
