# case: a Net whose constructor raises ValueError
# run: validate {file}:Net --input 3x8x8 --format json
# expect: exit 1
# expect: at 14:1
# expect: code CNN007
# expect: message raised ValueError: no weights for you

from torch import nn


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        raise ValueError("no weights for you")
