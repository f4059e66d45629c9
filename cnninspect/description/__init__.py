"""The YAML layer: a description file → frozen values with file:line:col (no torch)."""
