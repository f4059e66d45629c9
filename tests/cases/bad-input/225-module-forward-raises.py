# case: a Net whose forward raises RuntimeError
# run: summary {file}:Net --input 3x8x8
# expect: exit 2
# expect: at 16:1
# expect: message forward is broken

from torch import nn


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)

    def forward(self, x):
        raise RuntimeError("forward is broken")
