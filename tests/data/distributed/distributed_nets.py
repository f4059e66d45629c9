"""Three small models whose per-rank memory under FSDP2 is tracked twice: by cnninspect in one
process on fake tensors, and by real processes over gloo (``rank_step.py``)."""

from __future__ import annotations

import torch
from torch import nn
from torchvision.models import VisionTransformer


class ConvBlock(nn.Module):
    def __init__(self, channels: int, out_channels: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(channels, out_channels, 3, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(out_channels)
        self.relu = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.relu(self.bn(self.conv(x)))


class SmallCNN(nn.Module):
    """Four convolution blocks with batch norm; input 3×32×32."""

    def __init__(self) -> None:
        super().__init__()
        widths = [(3, 32), (32, 64), (64, 64), (64, 128)]
        self.blocks = nn.Sequential(*[ConvBlock(c, d) for c, d in widths])
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(128, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.pool(self.blocks(x)).flatten(1))


def SmallViT() -> VisionTransformer:  # noqa: N802 (a class-like factory, as torchvision's)
    """torchvision's ViT with two encoder blocks of width 64; input 3×32×32."""
    return VisionTransformer(
        image_size=32, patch_size=8, num_layers=2, num_heads=4, hidden_dim=64, mlp_dim=128
    )


class TextLSTM(nn.Module):
    """Token ids → embedding → two stacked LSTM layers → a linear layer; input long:16@0..100."""

    def __init__(self) -> None:
        super().__init__()
        self.embed = nn.Embedding(100, 32)
        self.lstm1 = nn.LSTM(32, 64, batch_first=True)
        self.lstm2 = nn.LSTM(64, 64, batch_first=True)
        self.head = nn.Linear(64, 100)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        x, _ = self.lstm1(self.embed(tokens))
        x, _ = self.lstm2(x)
        return self.head(x)


class TiedBlocks(nn.Module):
    """Three convolutions in a row, the first and the last one weight (tied); input 8×16×16."""

    def __init__(self) -> None:
        super().__init__()
        convs = [nn.Sequential(nn.Conv2d(8, 8, 3, padding=1), nn.ReLU()) for _ in range(3)]
        self.blocks = nn.Sequential(*convs)
        self.blocks[2][0].weight = self.blocks[0][0].weight

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.blocks(x)
