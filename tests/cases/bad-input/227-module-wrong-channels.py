# case: a Net built for 1 input channel given --input 3x8x8: the forward pass fails at the conv
# run: validate {file}:Net --input 3x8x8 --format json
# expect: exit 1
# expect: code CNN106
# expect: message conv (Conv2d) fails on input (3, 8, 8)

from torch import nn


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3)

    def forward(self, x):
        return self.conv(x)
