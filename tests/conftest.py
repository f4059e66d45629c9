"""Shared helpers: run the CLI as a user would, render Rich output at a fixed width, and the
paths of the test data."""

from __future__ import annotations

import functools
import io
import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from rich.console import Console, RenderableType
from typer.testing import CliRunner, Result

from cnninspect.cli import app

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
ARCHITECTURES = ROOT / "architectures"
DATA = TESTS / "data"
VALIDATE_DATA = DATA / "validate"  # the lecture's and the paper's cases, and nets.py
RULE_CASES = VALIDATE_DATA / "rules"  # one file per rule, each with its `# expect:` header
DIFF_DATA = DATA / "diff"
REFERENCES = DATA / "reference"  # torchvision's layers as torchinfo lists them
SARIF_SCHEMA = DATA / "sarif-schema-2.1.0.json"
JUNIT_XSD = DATA / "junit-10.xsd"  # the JUnit schema of Jenkins' xunit plugin and pytest's tests
SCHEMAS = ROOT / "schema"  # the published JSON Schemas: the YAML format and every JSON output
GOLDEN = TESTS / "golden"
UPDATE_GOLDEN = os.environ.get("UPDATE_GOLDEN") == "1"

# resnet101 and resnet152 repeat resnet50's bottleneck, only more often: in the sweeps over
# every architecture they are the slowest (~0.5 s a test) and cover nothing resnet50 does not.
DEEP_REPEATS = frozenset({"resnet101", "resnet152"})

# A terminal without colour, 80 columns wide, outside GitHub Actions.
CLI_ENV: dict[str, str | None] = {"NO_COLOR": "1", "COLUMNS": "80", "GITHUB_ACTIONS": None}


def cli(*args: str, env: Mapping[str, str | None] | None = None) -> Result:
    """Run cnninspect in-process with a clean, colourless environment; ``env`` adds to it or
    overrides it (a value of None unsets the variable). JSON that cnninspect prints is checked
    against its published schema, whichever test asked for it."""
    result = CliRunner(env={**CLI_ENV, **(env or {})}).invoke(app, list(args))
    if result.stdout.startswith("{"):
        document = json.loads(result.stdout)
        kind = str(document.get("schema", "")).removeprefix("cnninspect.")
        if (SCHEMAS / f"{kind}.schema.json").exists():
            check_json(kind, document)
    return result


@functools.cache
def _validator(kind: str) -> jsonschema.protocols.Validator:
    schema = json.loads((SCHEMAS / f"{kind}.schema.json").read_text(encoding="utf-8"))
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)  # type: ignore[no-any-return]


def check_json(kind: str, document: str | Mapping[str, Any]) -> dict[str, Any]:
    """``document`` (JSON text or parsed) validated against schema/KIND.schema.json."""
    parsed: dict[str, Any] = json.loads(document) if isinstance(document, str) else dict(document)
    _validator(kind).validate(parsed)
    return parsed


def sweep(architectures: Iterable[Path | str]) -> list[Any]:
    """One pytest parameter per architecture (a path or a stem), its id the stem; the deep
    repeats are marked slow."""
    params = []
    for item in architectures:
        stem = item.stem if isinstance(item, Path) else item
        marks = [pytest.mark.slow] if stem in DEEP_REPEATS else []
        params.append(pytest.param(item, id=stem, marks=marks))
    return params


def render(renderable: RenderableType, width: int = 100) -> str:
    out = io.StringIO()
    Console(file=out, width=width, color_system=None, force_terminal=False).print(renderable)
    return out.getvalue()


def check_golden(name: str, text: str) -> None:
    """Compare with tests/golden/NAME (NAME may hold a folder: "summary/resnet18.txt");
    UPDATE_GOLDEN=1 rewrites the file instead."""
    path = GOLDEN / name
    if UPDATE_GOLDEN or not path.exists():
        if not UPDATE_GOLDEN:
            pytest.fail(f"no golden file {path}; run with UPDATE_GOLDEN=1 to create it")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")
