"""The torch modules cnninspect adds to torch.nn: merges, the graph that wires a YAML scope,
and the Sequential of a ``repeat`` — the last two making their layers when the tensor a layer
takes first reaches it (``Pending``), so that a description's one forward pass is its build.

Imported by the builder only (it needs torch).
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
from torch import nn

from cnninspect.description.architecture import SCOPE_INPUT_NAMES
from cnninspect.trace.growth import grown


class Add(nn.Module):
    """Element-wise sum of its inputs (a residual connection)."""

    def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
        return functools.reduce(operator.add, inputs)


class Mul(nn.Module):
    """Element-wise product of its inputs (gating, squeeze-and-excitation)."""

    def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
        return functools.reduce(operator.mul, inputs)


class Concat(nn.Module):
    """Concatenation along ``dim`` (1, the channels, by default; Inception, DenseNet, U-Net)."""

    def __init__(self, dim: int = 1) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
        return torch.cat(inputs, dim=self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


MERGES: dict[str, type[nn.Module]] = {"Add": Add, "Mul": Mul, "Concat": Concat}


@dataclass(frozen=True)
class Pending:
    """A layer not made yet: ``make`` makes it from the shapes of the tensors it receives
    (None: a layer repeated 0 times, whose input passes through); ``first_call`` runs it the
    first time, turning torch's refusal into a located error."""

    make: Callable[[list[tuple[int, ...]]], nn.Module | None]
    first_call: Callable[[nn.Module, list[torch.Tensor]], torch.Tensor]


def _run(owner: nn.Module, name: str, inputs: list[torch.Tensor]) -> torch.Tensor:
    """Run ``owner``'s child ``name`` on ``inputs``, making it first if it is pending."""
    pending: dict[str, Pending] = owner.__dict__["pending"]
    if name not in pending:
        module = owner._modules[name]
        return module(*inputs) if module is not None else inputs[0]
    recipe = pending.pop(name)
    made = recipe.make([tuple(t.shape) for t in inputs])
    owner._modules[name] = made
    if made is None:
        return inputs[0]
    made.train(owner.training)
    grown(owner, name, made)
    return recipe.first_call(made, inputs)


class Graph(nn.Module):
    """Runs named layers in order; each reads the previous output or the layers its
    ``from`` names. The model of a YAML file and every block instance are Graphs. A layer
    repeated 0 times (a computed count) has no module: its input passes through.

    A layer may be pending (``Pending``): it is made when its input first reaches it, during
    the one forward pass, from the shapes it receives — the build needs no pass of its own."""

    def __init__(
        self,
        nodes: Sequence[tuple[str, nn.Module | Pending | None, tuple[str, ...]]],
        block_type: str = "Graph",
        inputs: tuple[str, ...] = ("in",),
    ) -> None:
        super().__init__()
        self.block_type = block_type  # what the summary calls it: the block's name
        self.inputs = inputs  # what `from` calls the positional inputs of forward()
        self.wiring: list[tuple[str, tuple[str, ...]]] = []
        self.__dict__["pending"] = {}  # not a submodule: made into one when it first runs
        for name, node, sources in nodes:
            if isinstance(node, Pending):
                self.__dict__["pending"][name] = node
            self.add_module(name, None if isinstance(node, Pending) else node)
            self.wiring.append((name, sources))
        # Only outputs that a later `from` reads are kept alive during the forward pass.
        self.kept = {s for _, sources in self.wiring for s in sources}

    def forward(self, *xs: torch.Tensor) -> torch.Tensor:
        outputs = dict(zip(self.inputs, xs, strict=True)) | dict.fromkeys(SCOPE_INPUT_NAMES, xs[0])
        out = xs[0]
        for name, sources in self.wiring:
            inputs = [outputs[s] for s in sources] if sources else [out]
            out = _run(self, name, inputs)
            if name in self.kept:
                outputs[name] = out
        return out


class Sequential(nn.Sequential):
    """A description's ``repeat: N``: N copies in a row, each made (when pending) from what
    the one before it gives. Named as torch's: a repeat reads as a Sequential in every view."""

    def __init__(self, copies: int, pending: Callable[[int], Pending]) -> None:
        super().__init__()
        self.__dict__["pending"] = {}
        for index in range(copies):
            self.__dict__["pending"][str(index)] = pending(index)
            self.add_module(str(index), None)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for name in list(self._modules):
            x = _run(self, name, [x])
        return x
