"""A model whose forward takes an image and a vector of 8 features (tests of the input
language and of min-input)."""

from torch import nn


class TwoInput(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3)
        self.meta = nn.Linear(8, 8)

    def forward(self, image, meta):
        return self.conv(image).mean((2, 3)) + self.meta(meta)
