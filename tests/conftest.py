"""Shared helpers: run the CLI as a user would, render Rich output at a fixed width."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from rich.console import Console, RenderableType
from typer.testing import CliRunner, Result

from cnninspect.cli import app

ROOT = Path(__file__).resolve().parent.parent
ARCHITECTURES = ROOT / "architectures"
DATA = Path(__file__).resolve().parent / "data"
GOLDEN = Path(__file__).resolve().parent / "golden"
UPDATE_GOLDEN = os.environ.get("UPDATE_GOLDEN") == "1"


def cli(*args: str) -> Result:
    """Run cnninspect in-process with a clean, colourless environment."""
    return CliRunner(env={"NO_COLOR": "1", "COLUMNS": "80", "GITHUB_ACTIONS": None}).invoke(
        app, list(args)
    )


def render(renderable: RenderableType, width: int = 100) -> str:
    out = io.StringIO()
    Console(file=out, width=width, color_system=None, force_terminal=False).print(renderable)
    return out.getvalue()


def check_golden(name: str, text: str) -> None:
    """Compare with tests/golden/NAME; UPDATE_GOLDEN=1 rewrites the file instead."""
    path = GOLDEN / name
    if UPDATE_GOLDEN or not path.exists():
        if not UPDATE_GOLDEN:
            pytest.fail(f"no golden file {path}; run with UPDATE_GOLDEN=1 to create it")
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")
