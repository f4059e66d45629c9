# case: a Net whose forward calls sys.exit(3)
# run: summary {file}:Net --input 3x8x8 --device meta
# expect: exit 2
# expect: at 18:1
# expect: message SystemExit

import sys

from torch import nn


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)

    def forward(self, x):
        sys.exit(3)
