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
import torch
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
    "densenet121": 70,  # each dense layer given every earlier output: a running Concat
    "convnext_tiny": 70,  # Permute, LayerNorm2d, layer_scale: LayerScale
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
    import torchvision

    _same_outputs(getattr(torchvision.models, name)(), folder / f"{name}.yaml", (3, 224, 224))


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


class Together(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3)

    def forward(self, x):
        halves = self.conv(x).chunk(2, dim=1)
        return torch.cat(halves[::-1], dim=1)


class Layer(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(6, 3, 1)

    def forward(self, inputs):
        return self.conv(torch.cat(inputs, 1))


class Alone(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.layer = Layer()

    def forward(self, x):
        return self.layer([x, x]).relu()


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
        ("Together", "the pieces of x.chunk() used together", "torch.cat(halves[::-1], dim=1)"),
        ("Alone", "a result of a layer given a list read other", "self.layer([x, x]).relu()"),
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


INLINE = """
import torch
from torch import nn
from torchvision.models.shufflenetv2 import channel_shuffle
from torchvision.ops import StochasticDepth


class Unit(nn.Module):
    def __init__(self, channels: int, p: float) -> None:
        super().__init__()
        half = channels // 2
        self.branch = nn.Sequential(nn.Conv2d(half, half, 3, padding=1), nn.BatchNorm2d(half))
        self.drop = StochasticDepth(p, "row")

    def forward(self, x):
        x1, x2 = x.chunk(2, dim=1)
        out = torch.cat((x1, self.drop(self.branch(x2)).relu()), dim=1)
        return channel_shuffle(out, 2)


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3)
        self.units = nn.Sequential(Unit(8, 0.1), Unit(8, 0.2))
        self.fc = nn.Linear(8, 5)

    def forward(self, x):
        return self.fc(torch.mean(self.units(self.stem(x)), dim=[2, 3]))
"""


def _in_call_order(module: torch.nn.Module, prefix: str = "") -> list[str]:
    """The state-dict keys with a block's own tensors after its children's (ConvNeXt's
    ``layer_scale`` multiplies its block's output: a description's LayerScale comes last)."""
    own = [f"{prefix}{n}" for n, p in module._parameters.items() if p is not None]
    skipped = module._non_persistent_buffers_set
    own += [
        f"{prefix}{n}" for n, b in module._buffers.items() if b is not None and n not in skipped
    ]
    inner = [
        key
        for name, child in module._modules.items()
        if child is not None
        for key in _in_call_order(child, f"{prefix}{name}.")
    ]
    return inner + own


def _same_outputs(module: torch.nn.Module, description: Path, shape: tuple[int, ...]) -> None:
    """The description's module, given the module's weights in call order, computes the
    module's output (the module's own forward is the reference)."""
    from cnninspect.api.inspection import inspect
    from cnninspect.api.request import resolve_target

    built = inspect(resolve_target(str(description)), device="cpu").loaded.module
    state = module.state_dict()
    theirs, ours = [state[k] for k in _in_call_order(module)], built.state_dict()
    assert [v.shape for v in theirs] == [v.shape for v in ours.values()]
    built.load_state_dict(dict(zip(ours, theirs, strict=True)))
    x = torch.randn(2, *shape, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        torch.testing.assert_close(built.eval()(x), module.eval()(x))


def test_inline_steps_become_layers_that_compute_the_same(tmp_path: Path) -> None:
    """x.chunk(2, dim=1), torchvision's channel_shuffle and StochasticDepth, torch.mean over
    the spatial axes: Chunk, ChannelShuffle, StochasticDepth and Mean layers, the two units
    one block whose drop probability is its argument."""
    (tmp_path / "inline.py").write_text(INLINE, encoding="utf-8")
    target = f"{tmp_path / 'inline.py'}:Net"
    out = tmp_path / "net.yaml"
    result = cli("export", target, "--to", "yaml", "--input", "3x10x10", "-o", str(out))
    assert result.exit_code == 0, result.output
    document = yaml.safe_load(out.read_text(encoding="utf-8"))
    unit = document["blocks"]["Unit"]["layers"]
    assert unit[0] == {"Chunk": {"chunks": 2, "index": 0}, "name": "chunk_0"}
    assert unit[1] == {"Chunk": {"chunks": 2, "index": 1}, "from": "in"}
    assert {"StochasticDepth": {"p": "$p"}, "name": "drop"} in unit
    assert unit[-1] == {"ChannelShuffle": {"groups": 2}}
    assert {"Mean": {"dim": [2, 3]}} in document["layers"]
    assert cli("diff", target, str(out), "--input", "3x10x10", "--exit-code").exit_code == 0
    assert cli("validate", str(out)).exit_code == 0
    spec = importlib.util.spec_from_file_location("inline", tmp_path / "inline.py")
    assert spec is not None and spec.loader is not None
    nets = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(nets)
    _same_outputs(nets.Net(), out, (3, 10, 10))


DENSE = """
import torch
from torch import nn


class Grow(nn.Module):
    def __init__(self, channels: int) -> None:
        super().__init__()
        self.norm = nn.BatchNorm2d(channels)
        self.conv = nn.Conv2d(channels, 4, 3, padding=1, bias=False)

    def forward(self, inputs):
        return self.conv(self.norm(torch.cat(inputs, 1)).relu())


class Dense(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3)
        self.layer1 = Grow(8)
        self.layer2 = Grow(12)
        self.layer3 = Grow(16)
        self.fc = nn.Linear(20, 5)

    def forward(self, x):
        features = [self.stem(x)]
        for layer in (self.layer1, self.layer2, self.layer3):
            features.append(layer(features))
        return self.fc(torch.cat(features, 1).mean([2, 3]))
"""


def test_layers_given_every_earlier_output_become_a_running_concatenation(
    tmp_path: Path,
) -> None:
    """DenseNet's pattern — each layer given the list of all earlier outputs, which it
    concatenates itself, the block's result their concatenation — as one block repeated:
    each copy ends by concatenating its new features to its input, giving torch's values."""
    (tmp_path / "dense.py").write_text(DENSE, encoding="utf-8")
    target = f"{tmp_path / 'dense.py'}:Dense"
    out = tmp_path / "net.yaml"
    result = cli("export", target, "--to", "yaml", "--input", "3x10x10", "-o", str(out))
    assert result.exit_code == 0, result.output
    document = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert document["blocks"]["Grow"]["layers"][-1] == {"Concat": None, "from": ["in", "conv"]}
    assert {"Grow": None, "repeat": 3} in document["layers"]
    assert cli("diff", target, str(out), "--input", "3x10x10", "--exit-code").exit_code == 0
    assert cli("validate", str(out)).exit_code == 0
    spec = importlib.util.spec_from_file_location("dense", tmp_path / "dense.py")
    assert spec is not None and spec.loader is not None
    nets = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(nets)
    _same_outputs(nets.Dense(), out, (3, 10, 10))
