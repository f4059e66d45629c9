# case: a module target without --input: the shape cannot be guessed
# run: summary {file}:Net
# expect: exit 2
# expect: message give its input shape without the batch

from torch import nn

Net = nn.ReLU
