"""Modules whose drafted descriptions once built to something else: the export refuses them
now (a description that builds to something else is worse than none)."""

from __future__ import annotations

import torch
from torch import nn


class InnerNamesClash(nn.Module):
    """A Sequential written in place whose layers are named like the model's own."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.relu = nn.ReLU()
        self.inner = nn.Sequential()
        self.inner.add_module("conv", nn.Conv2d(8, 8, 3, padding=1))
        self.inner.add_module("relu", nn.ReLU())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.inner(self.relu(self.conv(x)))


class SharedAcrossLevels(nn.Module):
    """One convolution called at the top and again inside a Sequential: weights shared."""

    def __init__(self) -> None:
        super().__init__()
        self.a = nn.Conv2d(8, 8, 3, padding=1)
        self.block = nn.Sequential(self.a, nn.ReLU())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.block(self.a(x))


class WholeLayerNorm(nn.Module):
    """A LayerNorm over (C, H, W): its normalized_shape is three sizes, not one."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.norm = nn.LayerNorm([8, 8, 8])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.norm(self.conv(x))
