"""diff pairs a description's ``LayerScale`` with the block of a Python module that keeps that
scale as its own parameter (ConvNeXt's ``layer_scale``, read in the block's forward, no module
of its own), and only that: a parameter layer the module has nowhere is still added."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import cli

NET = """
import torch
from torch import nn


class Scaled(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3)
        self.gamma = nn.Parameter(torch.full((8, 1, 1), 1e-6))

    def forward(self, x):
        return self.gamma * self.conv(x)


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.block = Scaled()

    def forward(self, x):
        return self.block(x)
"""

HEAD = "cnninspect: 1\ninput: [3, 8, 8]\nlayers:\n  - Conv2d: {out_channels: 8, kernel_size: 3}\n"


def _diff(tmp_path: Path, layers: str) -> tuple[int, str]:
    (tmp_path / "net.py").write_text(NET, encoding="utf-8")
    (tmp_path / "net.yaml").write_text(HEAD + layers, encoding="utf-8")
    target = f"{tmp_path / 'net.py'}:Net"
    result = cli("diff", target, str(tmp_path / "net.yaml"), "--input", "3x8x8", "--exit-code")
    return result.exit_code, result.output


def test_a_layer_scale_pairs_with_a_block_s_own_parameter(tmp_path: Path) -> None:
    code, output = _diff(tmp_path, "  - LayerScale\n")
    assert code == 0, output
    assert "0 added" in output


@pytest.mark.parametrize(
    "layers",
    [
        "  - LayerScale\n  - LayerScale\n",  # one block's parameter: one scale, not two
        "  - LayerScale\n  - Conv2d: {out_channels: 8, kernel_size: 1}\n",  # unrelated
    ],
)
def test_a_parameter_layer_the_module_has_nowhere_is_added(tmp_path: Path, layers: str) -> None:
    code, output = _diff(tmp_path, layers)
    assert code == 1, output
    assert "1 added" in output
