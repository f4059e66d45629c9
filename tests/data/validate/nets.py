"""Module targets for the validate tests (imported by path: ``nets.py:PaperAlexNet``)."""

from __future__ import annotations

import torch
from torch import nn


class PaperAlexNet(nn.Module):
    """AlexNet with the paper's hard-coded 9216 = 256×6×6 classifier input: at 224 the
    features end as 256×5×5 = 6400, and the first Linear fails."""

    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 96, 11, stride=4),
            nn.ReLU(),
            nn.MaxPool2d(3, 2),
            nn.Conv2d(96, 256, 5, padding=2),
            nn.ReLU(),
            nn.MaxPool2d(3, 2),
            nn.Conv2d(256, 384, 3, padding=1),
            nn.ReLU(),
            nn.Conv2d(384, 384, 3, padding=1),
            nn.ReLU(),
            nn.Conv2d(384, 256, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(3, 2),
        )
        self.fc6 = nn.Linear(9216, 4096)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc6(torch.flatten(self.features(x), 1))
