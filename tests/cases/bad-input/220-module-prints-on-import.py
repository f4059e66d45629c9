# case: a module that prints to stdout on import: validate's JSON on stdout must still parse
# run: validate {file}:Net --input 3x8x8 --format json
# expect: exit 0

from torch import nn

print("hello from the import")


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        print("hello from the constructor")
        self.conv = nn.Conv2d(3, 4, 3)
        self.relu = nn.ReLU()

    def forward(self, x):
        print("hello from forward")
        return self.relu(self.conv(x))
