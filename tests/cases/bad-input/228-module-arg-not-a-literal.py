# case: `--arg n=__import__('os')`: only Python literals are accepted
# run: summary {file}:Net --input 3x8x8 --arg n=__import__('os') --device meta
# expect: exit 2
# expect: message raised TypeError

from torch import nn


class Net(nn.Module):
    def __init__(self, n: int = 4) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, n, 3)

    def forward(self, x):
        return self.conv(x)
