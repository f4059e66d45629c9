"""Receptive field, jump and start of every layer, propagated op by op in the forward pass.

Independent anchors: torchscan's documented figures for torchvision's alexnet (195 at the last
pool) and vgg16 (212), and values worked out by hand here — the lecture example (CONV1 5,
POOL1 6 with jump 2, CONV2 6 + (5 − 1)·2 = 14), a residual merge (the larger field of the two
paths), 1-D and 3-D convolutions, dilation and transposed convolutions.
"""

from __future__ import annotations

import json

import pytest
import torch
from torch import nn

import cnninspect
from cnninspect.results.report import Report
from tests.conftest import cli


def fields(report: Report) -> dict[str, tuple[tuple[float, ...], tuple[float, ...]]]:
    """Layer → (receptive field, jump) per spatial axis, first calls only."""
    return {
        r.name: (r.field.size, r.field.jump)
        for r in report.rows
        if r.field is not None and r.call == 0
    }


def summary(model: nn.Module, shape: tuple[int, ...]) -> Report:
    return cnninspect.summary(model, input_shape=shape, device="meta")


@pytest.mark.parametrize(
    ("model", "last_pool", "field"),
    [("alexnet", "features.12", 195), ("vgg16", "features.30", 212)],
)
def test_torchvision_figures_at_the_last_pool(model: str, last_pool: str, field: int) -> None:
    """torchscan's documented receptive fields at 224×224: alexnet 195, vgg16 212; both
    nets stride 32 by then."""
    report = cnninspect.summary(
        f"torchvision.models:{model}", input_shape=(3, 224, 224), device="meta"
    )
    assert fields(report)[last_pool] == ((field, field), (32, 32))


def test_lecture_example_by_hand() -> None:
    """CONV1 k5: 5; POOL1 k2 s2: 5 + 1·1 = 6, jump 2; CONV2 k5: 6 + 4·2 = 14; POOL2: 14 + 1·2
    = 16, jump 4. Flattened, the field ends."""
    report = cnninspect.summary("lecture-example", device="meta")
    found = fields(report)
    assert found["Input"] == ((1, 1), (1, 1))
    assert found["CONV1"] == ((5, 5), (1, 1))
    assert found["POOL1"] == ((6, 6), (2, 2))
    assert found["CONV2"] == ((14, 14), (2, 2))
    assert found["POOL2"] == ((16, 16), (4, 4))
    assert report.layer("FC3").field is None
    conv2 = next(e for e in report.explanations if e.layer == "CONV2")
    assert conv2.receptive == "6 + (5 − 1)·2 = 14, jump 2·1 = 2 per side"


class Residual(nn.Module):
    """main: two 3×3 convolutions (1 + 2 + 2 = 5); shortcut: one 7×7 (7) or the identity
    (1). The sum sees what either path sees: the larger field."""

    def __init__(self, wide_shortcut: bool) -> None:
        super().__init__()
        self.a = nn.Conv2d(2, 2, 3, padding=1)
        self.b = nn.Conv2d(2, 2, 3, padding=1)
        self.shortcut = nn.Conv2d(2, 2, 7, padding=3) if wide_shortcut else nn.Identity()
        self.relu = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.relu(self.b(self.a(x)) + self.shortcut(x))


@pytest.mark.parametrize(("wide", "merged"), [(False, 5), (True, 7)])
def test_a_merge_takes_the_larger_field(wide: bool, merged: int) -> None:
    report = summary(Residual(wide), (2, 16, 16))
    found = fields(report)
    assert found["b"][0] == (5, 5)
    assert found["shortcut"][0] == ((7, 7) if wide else (1, 1))
    assert found["relu"][0] == (merged, merged)  # after `out + shortcut`, functional
    relu = report.layer("relu")
    sources = {report.rows[s].name for s in relu.sources}
    assert sources == {"b", "shortcut"}  # the data flow through `+` as well


def test_one_and_three_dimensional_windows() -> None:
    """m5 (audio): Conv1d k80 s4 → 80, jump 4; MaxPool1d k4 → 80 + 3·4 = 92, jump 16.
    c3d: Conv3d k3 (3×3×3), MaxPool3d 1×2×2 (3×4×4, jump 1×2×2), Conv3d k3 → 5×8×8."""
    m5 = fields(cnninspect.summary("m5", device="meta"))
    assert m5["conv1.conv"] == ((80,), (4,))
    assert m5["pool1"] == ((92,), (16,))
    c3d = fields(cnninspect.summary("c3d", device="meta"))
    assert c3d["conv1.conv"] == ((3, 3, 3), (1, 1, 1))
    assert c3d["pool1"] == ((3, 4, 4), (1, 2, 2))
    assert c3d["stage2.conv.conv"] == ((5, 8, 8), (1, 2, 2))


class Transposed(nn.Module):
    """conv k3 s2: 3, jump 2. Transposed k4 s2: each output reads ⌈4/2⌉ = 2 inputs, so
    3 + (2 − 1)·2 = 5, jump 2/2 = 1; transposed k2 s2 reads 1: 5, jump 0.5. A dilated conv
    k3 d2 on the input: 1 + (3 − 1)·2 = 5."""

    def __init__(self) -> None:
        super().__init__()
        self.down = nn.Conv2d(1, 4, 3, stride=2, padding=1)
        self.up = nn.ConvTranspose2d(4, 4, 4, stride=2, padding=1)
        self.up2 = nn.ConvTranspose2d(4, 4, 2, stride=2)
        self.dilated = nn.Conv2d(1, 1, 3, dilation=2, padding=2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.up2(self.up(self.down(x))) + self.dilated(x).mean()


def test_transposed_and_dilated_by_hand() -> None:
    report = summary(Transposed(), (1, 16, 16))
    found = fields(report)
    assert found["down"] == ((3, 3), (2, 2))
    assert found["up"] == ((5, 5), (1, 1))
    assert found["up2"] == ((5, 5), (0.5, 0.5))
    assert found["dilated"] == ((5, 5), (1, 1))
    explained = {e.layer: e.receptive for e in report.explanations}
    assert explained["up"] == "3 + (⌈4/2⌉ − 1)·2 = 5, jump 2/2 = 1 per side"
    assert explained["dilated"] == "1 + (3 − 1)·2·1 = 5, jump 1·1 = 1 per side"


def test_global_pooling_sees_the_whole_map() -> None:
    """resnet18: 435 at layer4 (jump 32, 7×7 left); the global average pool adds (7 − 1)·32."""
    found = fields(cnninspect.summary("resnet18", device="meta"))
    assert found["layer4.block.relu2"] == ((435, 435), (32, 32))
    assert found["avgpool"] == ((627, 627), (224, 224))


def test_rf_column_json_and_the_note_beyond_the_input() -> None:
    table = cli("summary", "lecture-example", "--rf", "--device", "meta")
    assert table.exit_code == 0, table.stderr
    conv2 = next(line for line in table.stdout.splitlines() if line.startswith("CONV2"))
    assert conv2.split()[-3:] == ["14", "2", "7"]  # field, jump, start
    assert "Receptive" in table.stdout and "effective stride" in table.stdout
    document = json.loads(cli("summary", "resnet18", "-f", "json", "--device", "meta").stdout)
    layers = {(r["name"], r["call"]): r for r in document["layers"]}
    conv = layers[("layer4.down.conv1", 0)]["receptive_field"]
    assert conv == {
        "size": [243, 243],
        "jump": [32, 32],
        "start": [0.5, 0.5],
        "exceeds_input": True,
    }
    assert layers[("layer3.block.relu2", 0)]["receptive_field"]["exceeds_input"] is False
    assert layers[("fc", 0)]["receptive_field"] is None
    explained = " ".join(cli("summary", "resnet18", "--explain", "--device", "meta").stdout.split())
    assert explained.count("note: the receptive field") == 1
    assert "the receptive field, 243×243, exceeds the 224×224 input" in explained


# -- merges: the union of the branches' fields, per axis --------------------------------------


class AsymmetricBranches(nn.Module):
    """Two branches of different shapes on each axis, summed: a 1×7 and a 7×1 convolution
    after a shared 3×3 (3×9 and 9×3), and a 5-wide 1-D twin. The sum sees 9×9."""

    def __init__(self, dims: int) -> None:
        super().__init__()
        conv = {1: nn.Conv1d, 2: nn.Conv2d, 3: nn.Conv3d}[dims]
        self.stem = conv(2, 2, 3, padding=1)
        wide = (1,) * (dims - 1) + (7,)
        tall = (7,) + (1,) * (dims - 1)
        self.wide = conv(2, 2, wide, padding=tuple(k // 2 for k in wide))
        self.tall = conv(2, 2, tall, padding=tuple(k // 2 for k in tall))
        self.relu = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stem(x)
        return self.relu(self.wide(x) + self.tall(x))


@pytest.mark.parametrize(
    ("dims", "shape", "expected"),
    [(1, (2, 41), (9,)), (2, (2, 41, 41), (9, 9)), (3, (2, 21, 21, 21), (9, 3, 9))],
)
def test_a_merge_of_asymmetric_branches_sees_the_largest_on_each_axis(
    dims: int, shape: tuple[int, ...], expected: tuple[int, ...]
) -> None:
    """Before, the merge took one branch's whole field (3×9 or 9×3): the gradient measurement
    gives the union, 9×9. (In 1-D both branches are 7 wide: 9. In 3-D the middle axis has
    only the stem's 3.)"""
    from tests.gradient_field import gradient_field

    model = AsymmetricBranches(dims)
    found = fields(summary(model, shape))
    if dims == 2:
        assert found["wide"][0] == (3, 9) and found["tall"][0] == (9, 3)
    assert found["relu"][0] == expected
    if dims == 2:  # measured (the gradient helper pools in 2-D)
        assert gradient_field(model, shape, "relu") == expected


def test_inception_v3_last_block_has_the_published_field() -> None:
    """Araujo, Norris and Sim, "Computing Receptive Fields of Convolutional Neural Networks"
    (Distill, 2019): Inception v3's field is 1311 (its branches: 1247×1311 and 1311×1247;
    before, the merge reported 1247×1247)."""
    report = cnninspect.summary(
        "torchvision.models:inception_v3",
        input_shape=(3, 299, 299),
        device="meta",
        args={"init_weights": False},
    )
    found = fields(report)
    assert found["Mixed_7c.branch3x3dbl_3a"][0] == (1247, 1311)
    assert found["Mixed_7c"][0] == (1311, 1311)


@pytest.mark.slow
def test_inception_v3_field_equals_the_gradient_measurement() -> None:
    """The same 1311 measured: the support of the gradient of the centre element of
    Mixed_7c's output, on a 1,400-pixel input (its field cut by no border)."""
    import torchvision

    from tests.gradient_field import gradient_field

    model = torchvision.models.inception_v3(init_weights=False, aux_logits=False)
    assert gradient_field(model, (3, 1400, 1400), "Mixed_7c") == (1311, 1311)
