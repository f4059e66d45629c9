"""``cnninspect export DESCRIPTION --to pytorch``: the file written, imported in a fresh process,
builds the module cnninspect builds — the same state-dict keys and shapes, the same output on
the same input with the same weights — and ``diff DESCRIPTION file.py:Class --exit-code`` finds
nothing; ruff checks and formats it as it is."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from cnninspect.render.pytorch_code import class_name
from tests.conftest import ARCHITECTURES, cli, sweep

EXPORTED = sorted(ARCHITECTURES.glob("*.yaml"))

CHECK = """
import importlib.util, sys, torch
import cnninspect.api.inspection as inspection
from cnninspect.api.request import resolve_target
path, name, cls = sys.argv[1:]
spec = importlib.util.spec_from_file_location("exported", path)
module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module)
built = inspection.inspect(resolve_target(name), device="cpu").loaded.module.eval()
exported = getattr(module, cls)().eval()
shape = inspection.read(resolve_target(name)).input_shape
x = torch.randn(2, *shape, generator=torch.Generator().manual_seed(0))
with torch.no_grad():
    exported(x)  # the lazy modules take their sizes
theirs = {k: tuple(v.shape) for k, v in built.state_dict().items()}
ours = {k: tuple(v.shape) for k, v in exported.state_dict().items()}
assert ours == theirs, sorted(set(ours) ^ set(theirs))[:8]
exported.load_state_dict(built.state_dict())
with torch.no_grad():
    torch.testing.assert_close(exported(x), built(x))
print("same", len(ours))
"""


def _ruff_clean(exported: Path) -> None:
    """ruff checks and formats the file as it is, with its defaults."""
    ruff = Path(sys.executable).parent / "ruff"
    for command in (["check", "--isolated"], ["format", "--isolated", "--check"]):
        checked = subprocess.run(
            [str(ruff), *command, str(exported)], check=False, capture_output=True
        )
        assert checked.returncode == 0, (command, checked.stdout.decode())


def _export(name: str, folder: Path) -> Path:
    path = folder / f"{name.replace('-', '_')}.py"
    result = cli("export", name, "--to", "pytorch", "-o", str(path))
    assert result.exit_code == 0, result.output
    return path


@pytest.mark.parametrize("path", sweep(EXPORTED))
def test_an_exported_description_builds_the_same_module(path: Path, tmp_path: Path) -> None:
    exported = _export(path.stem, tmp_path)
    cls = class_name(path.stem)
    run = subprocess.run(
        [sys.executable, "-c", CHECK, str(exported), path.stem, cls],
        check=False,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0 and run.stdout.startswith("same"), run.stderr[-2000:]
    diff = cli("diff", path.stem, f"{exported}:{cls}", "--exit-code")
    assert diff.exit_code == 0, diff.output
    _ruff_clean(exported)


def test_the_export_is_the_same_text_every_time(tmp_path: Path) -> None:
    first = _export("resnet18", tmp_path).read_text()
    assert first == _export("resnet18", tmp_path).read_text()
    assert first.startswith('"""resnet18: exported by cnninspect from ')
    assert "import torch\nfrom torch import nn\n" in first
    assert "class BasicBlock(nn.Module):" in first and "class Resnet18(nn.Module):" in first
    assert "self.conv1 = nn.LazyConv2d(" in first  # in_channels inferred, as torch infers it


def test_a_block_computing_with_its_input_channels_takes_them_as_an_argument(
    tmp_path: Path,
) -> None:
    """Torch's lazy modules learn their input's size only when called; a block computing an
    out_channels from it gets the count when made: a number at the model's level, an
    expression of the enclosing block's arguments inside a block."""
    dense = _export("densenet121", tmp_path).read_text()
    assert "    def __init__(self, in_channels) -> None:" in dense  # Transition
    assert "self.transition2 = Transition(in_channels=512)" in dense  # 256 + 12 × 32, halved
    mobile = _export("mobilenet_v2", tmp_path).read_text()
    assert "self.stage3 = Stage(in_channels=24, t=6, c=32, n=3, s=2)" in mobile
    assert "ResidualBlock(in_channels=c, t=t, out=c)" in mobile


def test_copies_that_each_grow_the_channels_a_block_computes_with_are_refused(
    tmp_path: Path,
) -> None:
    """Inside a block, repeated copies of a block computing with in_channels would each need
    their own count: refused, saying where, rather than written wrong."""
    path = tmp_path / "growing.yaml"
    path.write_text(
        "cnninspect: 1\ninput: [3, 8, 8]\nblocks:\n"
        "  Grow:\n    layers:\n"
        '      - Conv2d: {out_channels: "${in_channels * 2}", kernel_size: 1}\n'
        "  Stage:\n    args: [n]\n    layers:\n"
        "      - Grow:\n        name: grow\n        repeat: $n\n"
        "layers:\n  - Stage: {n: 2}\n"
    )
    result = cli("export", str(path), "--to", "pytorch")
    assert result.exit_code == 2, result.output
    assert "grow (Grow, line 10)" in result.stderr
    assert "cannot follow" in result.stderr


def test_a_module_target_is_refused() -> None:
    result = cli("export", "torchvision.models:resnet18", "--to", "pytorch")
    assert result.exit_code == 2
    assert "PyTorch code already" in result.stderr


def test_text_from_the_description_cannot_become_code(tmp_path: Path) -> None:
    """A description whose free text closes the docstring and writes a statement: exported, the
    text stays text — importing the file runs nothing of it."""
    marker = tmp_path / "ran"
    path = tmp_path / "hostile.yaml"
    payload = f'x""" ; open({str(marker)!r}, "w") ; """ \\\\ end'
    path.write_text(
        "cnninspect: 1\n"
        f"description: {json.dumps(payload)}\n"
        "input: [3, 8, 8]\n"
        "layers:\n  - Conv2d: {out_channels: 4, kernel_size: 3}\n"
    )
    exported = tmp_path / "hostile.py"
    result = cli("export", str(path), "--to", "pytorch", "-o", str(exported))
    assert result.exit_code == 0, result.output
    namespace: dict[str, object] = {}
    exec(compile(exported.read_text(), str(exported), "exec"), namespace)
    assert not marker.exists()
    assert payload in str(namespace["__doc__"])


def test_cnninspect_s_own_layer_types_travel_with_the_file(tmp_path: Path) -> None:
    """Mean, Chunk and StochasticDepth are no torch.nn classes: the exported file carries
    cnninspect's own, so that it imports only torch and computes what the description does."""
    description = Path(__file__).parent / "data/validate/rules/inline-steps-clean.yaml"
    exported = tmp_path / "inline.py"
    result = cli("export", str(description), "--to", "pytorch", "-o", str(exported))
    assert result.exit_code == 0, result.output
    text = exported.read_text(encoding="utf-8")
    for own in ("Chunk", "Mean", "StochasticDepth"):
        assert f"class {own}(nn.Module):" in text and f"= {own}(" in text
    assert "import cnninspect" not in text and "import torchvision" not in text
    run = subprocess.run(
        [sys.executable, "-c", CHECK, str(exported), str(description), "InlineStepsClean"],
        check=False,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0 and run.stdout.startswith("same"), run.stderr[-2000:]
    diff = cli("diff", str(description), f"{exported}:InlineStepsClean", "--exit-code")
    assert diff.exit_code == 0, diff.output
    _ruff_clean(exported)
