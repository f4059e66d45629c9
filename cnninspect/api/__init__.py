"""The use cases behind the public API and the commands: summary, validate, diff, list,
min-input. Each loads, builds, traces and checks, and returns a result value."""
