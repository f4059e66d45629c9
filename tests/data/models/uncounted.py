"""Models whose arithmetic is partly without a formula: an FFT token mixer (FNet) and a
distance matrix (cdist), beside linear layers the MACs do count."""

import torch
from torch import nn


class FourierMixer(nn.Module):
    """FNet's mixing: the real part of a 2-D FFT over sequence and features."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.fft.fft2(x).real


class FNetBlock(nn.Module):
    def __init__(self, dim: int = 16) -> None:
        super().__init__()
        self.mix = FourierMixer()
        self.norm = nn.LayerNorm(dim)
        self.ff = nn.Linear(dim, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.norm(x + self.mix(x))
        return self.ff(x)


class DistanceHead(nn.Module):
    """Two FNet blocks, then each token's distances to every other, in the model's own code."""

    def __init__(self, dim: int = 16) -> None:
        super().__init__()
        self.blocks = nn.Sequential(FNetBlock(dim), FNetBlock(dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.blocks(x)
        return torch.cdist(x, x)
