"""The README's round trip, run as a reader runs it: its shell lines in a shell, its Python
file written under the name its first line gives and run by ``python`` — in a fresh folder,
with the ``cnninspect`` and ``python`` of this checkout first on the PATH."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

SECTION = "#### Round trip: a description, trained in PyTorch, guarded by CI"
_BLOCK = re.compile(r"^```(\w+)\n(.*?)^```$", re.MULTILINE | re.DOTALL)


def _blocks() -> list[tuple[str, str]]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split(SECTION, 1)[1].split("\n### ", 1)[0]
    return [(m[1], m[2]) for m in _BLOCK.finditer(section)]


def _shims(folder: Path) -> dict[str, str]:
    """``cnninspect`` and ``python`` as this checkout's interpreter runs them."""
    folder.mkdir()
    for name, command in (("cnninspect", "-m cnninspect"), ("python", "")):
        shim = folder / name
        shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" {command} "$@"\n')
        shim.chmod(0o755)
    path = f"{folder}{os.pathsep}{os.environ.get('PATH', '')}"
    python_path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
    return {**os.environ, "PATH": path, "PYTHONPATH": python_path, "NO_COLOR": "1"}


def test_the_readme_round_trip_runs_as_written(tmp_path: Path) -> None:
    blocks = _blocks()
    assert [kind for kind, _ in blocks] == ["sh", "python", "sh", "yaml"]
    env = _shims(tmp_path / "bin")
    work = tmp_path / "work"
    work.mkdir()
    outputs = []
    for kind, text in blocks[:3]:
        if kind == "python":
            name = text.splitlines()[0].removeprefix("# ").strip()
            (work / name).write_text(text, encoding="utf-8")
            continue
        run = subprocess.run(
            ["bash", "-e", "-c", text],
            cwd=work,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert run.returncode == 0, run.stdout + run.stderr
        outputs.append(run.stdout)
    assert (work / "lecture_example.py").exists()
    losses = re.findall(r"^step (\d): loss (\d+\.\d+)$", outputs[1], re.MULTILINE)
    assert [step for step, _ in losses] == ["0", "1"], outputs[1]
    assert "0 changed, 0 added, 0 removed" in outputs[1]


def test_the_readme_ci_recipe_names_the_exit_code_flag() -> None:
    kind, text = _blocks()[3]
    assert kind == "yaml" and "cnninspect diff " in text and text.rstrip().endswith("--exit-code")
