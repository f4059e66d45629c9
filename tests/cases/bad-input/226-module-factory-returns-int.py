# case: a factory `Net()` that returns an int
# run: validate {file}:Net --input 3x8x8 --format json
# expect: exit 1
# expect: code CNN007
# expect: message not an nn.Module


def Net():  # noqa: N802
    return 7
