"""Modules for tests: tied weights, a module called twice, odd outputs, several inputs."""

from __future__ import annotations

import dataclasses

import torch
from torch import nn


class TiedTwice(nn.Module):
    """An encoder Linear whose weight the decoder ties, and a block called twice."""

    def __init__(self, width: int = 16) -> None:
        super().__init__()
        self.encoder = nn.Linear(width, width, bias=False)
        self.block = nn.Sequential(nn.Linear(width, width), nn.ReLU())
        self.decoder = nn.Linear(width, width, bias=False)
        self.decoder.weight = self.encoder.weight  # tied

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.encoder(x)
        x = self.block(x)
        x = self.block(x)  # the same module, a second call
        return self.decoder(x)


class TiedOut(nn.Module):
    """An output layer whose weight is the embedding's (``out.weight = emb.weight``) and whose
    bias is its own: 8 parameters of its own, 64 shared."""

    def __init__(self, width: int = 8) -> None:
        super().__init__()
        self.emb = nn.Linear(width, width, bias=False)
        self.out = nn.Linear(width, width)
        self.out.weight = self.emb.weight

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(self.emb(x))


@dataclasses.dataclass
class Pair:
    left: torch.Tensor
    right: torch.Tensor


class OddOutputs(nn.Module):
    """Returns a dataclass; a child returns a dict and another None."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)
        self.frozen = nn.Linear(4, 2)
        self.frozen.requires_grad_(False)
        self.register_buffer("scale", torch.ones(4))

    def forward(self, image: torch.Tensor, extra: torch.Tensor) -> Pair:
        features = self.conv(image)
        pooled = features.mean(dim=(2, 3)) * self.scale
        return Pair(left=self.frozen(pooled), right=extra @ extra.transpose(1, 2))


class Broken(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(3, 8, 3), nn.Flatten())
        self.fc = nn.Linear(100, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.features(x))


def make_tied(width: int = 16) -> TiedTwice:
    return TiedTwice(width)


class Explodes(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        raise ValueError("no weights for you")


not_a_module = 42
instance = nn.Conv2d(3, 2, 1)
