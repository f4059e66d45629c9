# case: a Net whose forward returns a dict of tensors
# run: summary {file}:Net --input 3x8x8 --device meta
# expect: exit 0
# expect: message Total params

from torch import nn


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)

    def forward(self, x):
        return {"out": self.conv(x)}
