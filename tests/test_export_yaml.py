"""``cnninspect export MODULE --to yaml``: the description written builds to the module's
layers (``diff MODULE net.yaml --exit-code`` exits 0), passes ``validate``, declares the
parameter count torch counts (``sum(p.numel())``, not the tool's own figure), reads like a
person's (repeats folded into blocks), is the same bytes every time, and an operation the
format cannot express stops it, named and located."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import cli

# (torchvision builder, at most this many lines): the sweep that `--to yaml` claims
CLAIMED = {
    "alexnet": 70,
    "vgg11": 80,
    "vgg16": 100,
    "vgg11_bn": 100,
    "vgg16_bn": 130,
    "resnet18": 90,
    "resnet50": 130,
    "squeezenet1_0": 80,
    "squeezenet1_1": 80,
    "resnext50_32x4d": 130,
    "wide_resnet50_2": 130,
    "mobilenet_v2": 130,
    "mobilenet_v3_small": 190,
    "regnet_x_400mf": 170,
    "mnasnet1_0": 90,  # x.mean([2, 3]): Mean
    "shufflenet_v2_x1_0": 100,  # x.chunk(2, dim=1), channel_shuffle: Chunk, ChannelShuffle
    "efficientnet_b0": 140,  # torchvision's StochasticDepth
}
FAST = ("resnet18", "squeezenet1_1")  # the two that run without -m slow: blocks, cat, repeat


def _export(target: str, path: Path) -> str:
    result = cli("export", target, "--to", "yaml", "--input", "3x224x224", "-o", str(path))
    assert result.exit_code == 0, result.output
    return path.read_text(encoding="utf-8")


def _torch_count(name: str) -> int:
    import torchvision

    model = getattr(torchvision.models, name)()
    return sum(p.numel() for p in model.parameters())


def _check(name: str, folder: Path) -> None:
    target = f"torchvision.models:{name}"
    text = _export(target, folder / f"{name}.yaml")
    assert text.startswith(f"# Exported by cnninspect from {target} (input 3x224x224)")
    assert len(text.splitlines()) <= CLAIMED[name], text
    declared = yaml.safe_load(text)["expect"]
    assert declared["params"] == _torch_count(name)
    assert declared["output"] == [1000]
    diff = cli("diff", target, str(folder / f"{name}.yaml"), "--exit-code")
    assert diff.exit_code == 0, diff.output
    validate = cli("validate", str(folder / f"{name}.yaml"))
    assert validate.exit_code == 0, validate.output


@pytest.mark.parametrize("name", FAST)
def test_a_module_exported_as_a_description_builds_to_its_layers(name: str, tmp_path: Path) -> None:
    _check(name, tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(set(CLAIMED) - set(FAST)))
def test_the_torchvision_sweep(name: str, tmp_path: Path) -> None:
    _check(name, tmp_path)


def test_repeats_fold_into_blocks_with_arguments(tmp_path: Path) -> None:
    """resnet18's eight BasicBlocks: one block for those with a shortcut convolution, one for
    those without, their widths and strides arguments; layer1's two equal blocks a repeat."""
    text = _export("torchvision.models:resnet18", tmp_path / "r.yaml")
    document = yaml.safe_load(text)
    assert set(document["blocks"]) >= {"BasicBlock", "BasicBlock2"}
    uses = [layer for layer in document["layers"] if "name" in layer]
    assert {"BasicBlock": {"out": 64}, "name": "layer1", "repeat": 2} in uses
    assert "Add:\n" in text and "from: [bn2, in]" in text
    assert "- Flatten\n" in text  # torch.flatten(x, 1) in ResNet.forward


def test_the_export_is_the_same_bytes_every_time(tmp_path: Path) -> None:
    first = _export("torchvision.models:squeezenet1_1", tmp_path / "a.yaml")
    assert first == _export("torchvision.models:squeezenet1_1", tmp_path / "b.yaml")


NETS = """
import torch
from torch import nn


class Pooled(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3)

    def forward(self, x):
        return self.conv(x).amax(dim=(2, 3))


class Scaled(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3)

    def forward(self, x):
        return self.conv(x) * 0.5
"""


@pytest.mark.parametrize(
    ("cls", "op", "line"),
    [
        ("Pooled", "the tensor method .amax()", "return self.conv(x).amax(dim=(2, 3))"),
        ("Scaled", "_operator.mul", "return self.conv(x) * 0.5"),
    ],
)
def test_an_operation_the_format_cannot_express_stops_the_export(
    cls: str, op: str, line: str, tmp_path: Path
) -> None:
    (tmp_path / "nets.py").write_text(NETS, encoding="utf-8")
    out = tmp_path / "net.yaml"
    result = cli(
        "export",
        f"{tmp_path / 'nets.py'}:{cls}",
        "--to",
        "yaml",
        "--input",
        "3x8x8",
        "-o",
        str(out),
    )
    assert result.exit_code == 2, result.output
    assert f"{cls}.forward (the model)" in result.stderr
    assert op.rsplit(".", maxsplit=1)[-1] in result.stderr and "nets.py:" in result.stderr
    assert line in result.stderr
    assert not out.exists()


def test_a_description_target_is_refused() -> None:
    result = cli("export", "resnet18", "--to", "yaml")
    assert result.exit_code == 2
    assert "is a description already" in result.stderr


def test_a_module_without_its_input_is_refused() -> None:
    result = cli("export", "torchvision.models:resnet18", "--to", "yaml")
    assert result.exit_code == 2
    assert "--input" in result.stderr


def test_torchvision_is_the_independent_count() -> None:
    """The declared count is torch's own sum, checked above; this keeps the helper honest."""
    assert "torchvision" in sys.modules or importlib.util.find_spec("torchvision") is not None
    assert _torch_count("squeezenet1_1") == 1_235_496
