# case: `Net = 42`: the attribute is neither a module nor a factory
# run: summary {file}:Net --input 3x8x8
# expect: exit 2
# expect: message not an nn.Module or a factory

Net = 42
