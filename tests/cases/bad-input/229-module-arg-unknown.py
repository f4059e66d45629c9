# case: `--arg widht=8`: a constructor keyword that does not exist
# run: summary {file}:Net --input 3x8x8 --arg widht=8 --device meta
# expect: exit 2
# expect: message unexpected keyword argument 'widht'

from torch import nn


class Net(nn.Module):
    def __init__(self, width: int = 4) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, width, 3)

    def forward(self, x):
        return self.conv(x)
