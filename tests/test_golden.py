"""Golden outputs of every bundled architecture: the summary table (80 columns, no colour)
and the JSON report, both on the meta device, so fast and the same on every machine.

UPDATE_GOLDEN=1 rewrites tests/golden/summary/; review the diff before committing it. Besides
the comparison, the JSON's per-layer columns must add up to its totals, as torchinfo's own
test-suite checks: every parameter is counted once (in the row where it is first seen), every
multiply-add once (in the leaf that performs it).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import Result

from tests.conftest import ARCHITECTURES, GOLDEN, ROOT, check_golden, cli, sweep

YAML_FILES = sorted(ARCHITECTURES.glob("*.yaml"))

Run = Callable[..., Result]


@pytest.fixture(scope="module")
def run() -> Iterator[Run]:
    """``cli`` run from the repository root, so the reports name `architectures/NAME.yaml`
    rather than this checkout's absolute path; each command runs once per module."""
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(ROOT)
        yield functools.cache(cli)


def relative(path: Path) -> str:
    return str(path.relative_to(ROOT))


def summary_json(run: Run, path: Path) -> dict[str, Any]:
    result = run("summary", relative(path), "--device", "meta", "--format", "json")
    assert result.exit_code == 0, result.stderr
    report: dict[str, Any] = json.loads(result.stdout)
    return report


@pytest.mark.parametrize("path", sweep(YAML_FILES))
def test_summary_table(run: Run, path: Path) -> None:
    """alexnet-paper and lenet5-lecture-table warn on stderr and still exit 0: only stdout is
    compared."""
    result = run("summary", relative(path), "--device", "meta", "--macs")
    assert result.exit_code == 0, result.stderr
    check_golden(f"summary/{path.stem}.txt", result.stdout)


@pytest.mark.parametrize("path", sweep(YAML_FILES))
def test_summary_json(run: Run, path: Path) -> None:
    summary_json(run, path)  # exits 0, and stdout is JSON only
    result = run("summary", relative(path), "--device", "meta", "--format", "json")
    check_golden(f"summary/{path.stem}.json", result.stdout)


@pytest.mark.parametrize("path", sweep(YAML_FILES))
def test_layer_columns_add_up_to_the_totals(run: Run, path: Path) -> None:
    report = summary_json(run, path)
    rows, totals = report["layers"], report["totals"]
    called_params = totals["params"] - totals["uncalled_params"]
    assert totals["macs"] > 0 and called_params > 0
    # a parameter belongs to the first call of its module: later calls own none
    assert all(r["params"] == 0 for r in rows if r["call"] > 0)
    assert sum(r["params"] for r in rows) == called_params
    leaves = [r for r in rows if r["leaf"] and r["name"] != "Input"]
    assert sum(r["subtree_macs"] for r in leaves) == totals["macs"]
    assert sum(r["own_macs"] for r in rows) == totals["macs"]  # every call's own work, once
    top = [r for r in rows if r["depth"] == 1]
    assert sum(r["subtree_params"] for r in top) == called_params
    assert sum(r["subtree_macs"] for r in top) == totals["macs"]


def test_the_golden_set_is_anchored_to_the_lecture() -> None:
    """The lecture works out its example by hand: 62,958 parameters and 849,320 multiply-adds
    (28·28·8·75 + 10·10·16·200 + 400·120 + 120·84 + 84·10)."""
    golden = json.loads((GOLDEN / "summary" / "lecture-example.json").read_text(encoding="utf-8"))
    assert golden["totals"]["params"] == 62_958
    assert golden["totals"]["macs"] == 849_320


def test_every_golden_file_belongs_to_an_architecture() -> None:
    """A renamed or deleted architecture leaves no stale golden file behind."""
    stems = {p.stem for p in YAML_FILES}
    golden = sorted((GOLDEN / "summary").iterdir())
    assert golden, "run with UPDATE_GOLDEN=1 to create tests/golden/summary/"
    assert {p.name for p in golden} == {f"{s}{ext}" for s in stems for ext in (".txt", ".json")}
