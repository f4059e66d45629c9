# case: a module file that imports a package that is not installed
# run: validate {file}:Net --input 3x8x8 --format json
# expect: exit 1
# expect: at 8:1
# expect: code CNN007
# expect: message torch_does_not_exist_anywhere

import torch_does_not_exist_anywhere  # noqa: F401
