# case: a module file that calls sys.exit(0) while it is imported
# run: validate {file}:Net --input 3x8x8 --format json
# expect: exit 1
# expect: at 10:1
# expect: code CNN007
# expect: message raised SystemExit

import sys

sys.exit(0)
