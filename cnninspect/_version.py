"""The version: the one place it lives (pyproject.toml reads it, hatch's dynamic version), in a
module of its own so that the CLI and the renderers can name it without importing the public
API (and, through it, everything else)."""

__version__ = "0.1.0"
