# case: a module file that CPython refuses to compile ('return' outside a function)
# run: validate {file}:Net --input 3x8x8 --format json
# expect: exit 1
# expect: at 11:1
# expect: code CNN007
# expect: message raised SyntaxError: 'return' outside function

from torch import nn

Net = nn.ReLU
return Net  # noqa: F706
