# case: `Net` is a module instance, and --arg is given: nothing to configure
# run: summary {file}:Net --input 3x8x8 --arg k=1
# expect: exit 2
# expect: message --arg has nothing to configure

from torch import nn

Net = nn.Conv2d(3, 4, 3)
