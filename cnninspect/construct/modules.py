"""The torch modules cnninspect adds to torch.nn: merges, and the graph that wires a YAML scope.

Imported by the builder only (it needs torch).
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Sequence

import torch
from torch import nn

from cnninspect.description.architecture import SCOPE_INPUT_NAMES


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


class Graph(nn.Module):
    """Runs named layers in order; each reads the previous output or the layers its
    ``from`` names. The model of a YAML file and every block instance are Graphs. A layer
    repeated 0 times (a computed count) has no module: its input passes through."""

    def __init__(
        self,
        nodes: Sequence[tuple[str, nn.Module | None, tuple[str, ...]]],
        block_type: str = "Graph",
        inputs: tuple[str, ...] = ("in",),
    ) -> None:
        super().__init__()
        self.block_type = block_type  # what the summary calls it: the block's name
        self.inputs = inputs  # what `from` calls the positional inputs of forward()
        self.wiring: list[tuple[str, tuple[str, ...]]] = []
        for name, module, sources in nodes:
            self.add_module(name, module)
            self.wiring.append((name, sources))
        # Only outputs that a later `from` reads are kept alive during the forward pass.
        self.kept = {s for _, sources in self.wiring for s in sources}

    def forward(self, *xs: torch.Tensor) -> torch.Tensor:
        outputs = dict(zip(self.inputs, xs, strict=True)) | dict.fromkeys(SCOPE_INPUT_NAMES, xs[0])
        out = xs[0]
        for name, sources in self.wiring:
            module = self._modules[name]
            inputs = [outputs[s] for s in sources] if sources else [out]
            out = module(*inputs) if module is not None else inputs[0]
            if name in self.kept:
                outputs[name] = out
        return out
