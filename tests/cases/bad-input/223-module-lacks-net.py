# case: a module file without `Net` (it has `Nett`): a did-you-mean
# run: summary {file}:Net --input 3x8x8 --device meta
# expect: exit 2
# expect: message has no attribute 'Net' (did you mean 'Nett'?)

from torch import nn


class Nett(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.relu = nn.ReLU()

    def forward(self, x):
        return self.relu(x)
