# case: a module file that raises KeyboardInterrupt while it is imported
# run: summary {file}:Net --input 3x8x8 --device meta
# expect: exit 2
# expect: at 7:1
# expect: message raised KeyboardInterrupt

raise KeyboardInterrupt
