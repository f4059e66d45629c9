"""The bundled architectures: every file summarises, and every file with a torchvision twin
matches it exactly: total parameters, and layer by layer the output shape and parameter count
of each convolution, linear, batch-norm and pooling layer, in call order.

The torchvision side comes from the reference summaries in ``tests/data/reference`` where one
exists, otherwise from tracing torchvision's model with cnninspect itself. Summaries run on the
meta device (shapes and parameters, no arithmetic), which keeps U-Net and C3D fast; one test
runs the command line for real.
"""

from __future__ import annotations

import functools
import json
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import pytest

import cnninspect
from cnninspect.results.findings import Severity
from tests.conftest import ARCHITECTURES, REFERENCES, sweep

if TYPE_CHECKING:
    from cnninspect.results.report import Report

YAML_FILES = sorted(ARCHITECTURES.glob("*.yaml"))

# The layers compared one by one: those with parameters, and those that change the map's size.
COMPARED_TYPES = frozenset(
    {"Conv2d", "Linear", "BatchNorm2d", "MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d"}
)


class Twin(NamedTuple):
    """The torchvision model a YAML file reproduces."""

    factory: str  # in torchvision.models
    kwargs: dict[str, Any]
    params: int  # the published parameter count
    # Layer types the twin applies as functions (F.adaptive_avg_pool2d), so it has no row for
    # them: these rows of the YAML file are left out of the layer-by-layer comparison.
    functional: frozenset[str] = frozenset()


GLOBAL_POOL_IS_A_FUNCTION = frozenset({"AdaptiveAvgPool2d"})

TWINS: dict[str, Twin] = {
    "alexnet": Twin("alexnet", {}, 61_100_840),
    "vgg11": Twin("vgg11", {}, 132_863_336),
    "vgg13": Twin("vgg13", {}, 133_047_848),
    "vgg16": Twin("vgg16", {}, 138_357_544),
    "vgg19": Twin("vgg19", {}, 143_667_240),
    "vgg16_bn": Twin("vgg16_bn", {}, 138_365_992),
    "resnet18": Twin("resnet18", {}, 11_689_512),
    "resnet34": Twin("resnet34", {}, 21_797_672),
    "resnet50": Twin("resnet50", {}, 25_557_032),
    "resnet101": Twin("resnet101", {}, 44_549_160),
    "resnet152": Twin("resnet152", {}, 60_192_808),
    "googlenet": Twin("googlenet", {"aux_logits": False, "init_weights": False}, 6_624_904),
    "mobilenet_v2": Twin("mobilenet_v2", {}, 3_504_872, GLOBAL_POOL_IS_A_FUNCTION),
    "densenet121": Twin("densenet121", {}, 7_978_856, GLOBAL_POOL_IS_A_FUNCTION),
    "squeezenet1_0": Twin("squeezenet1_0", {}, 1_248_424),
    "squeezenet1_1": Twin("squeezenet1_1", {}, 1_235_496),
}

# Files without a torchvision twin: their parameter counts, worked out by hand from the layers.
OWN_TOTALS: dict[str, int] = {
    "lenet5": 61_706,  # the lecture's and the usual LeNet-5 count
    "lecture-example": 62_958,  # the lecture's table
    "alexnet-paper": 62_378_344,  # at 227×227, single tower; see test_alexnet_paper_*
    "unet": 31_030_658,  # padded 3×3 convolutions, 1 input channel, 2 classes
    "m5": 559_114,  # "0.5M" in Table 1 of Dai et al.
    "c3d": 79_991_015,  # 487 Sports-1M classes, fc6 on 512×1×4×4
    # as printed: 156 + 2,416 + 48,120 (row 5) + 480·84 + 84 (row 6) + 850
    "lenet5-lecture-table": 156 + 2_416 + 48_120 + 480 * 84 + 84 + 850,
}

TWIN_STEMS = [s for s in TWINS if (ARCHITECTURES / f"{s}.yaml").is_file()]
OWN_TOTAL_STEMS = [s for s in OWN_TOTALS if (ARCHITECTURES / f"{s}.yaml").is_file()]

Layer = tuple[str, tuple[int, ...], int]  # type, output shape without batch, parameters


@functools.cache
def yaml_report(stem: str, input_shape: tuple[int, ...] | None = None) -> Report:
    path = str(ARCHITECTURES / f"{stem}.yaml")
    return cnninspect.summary(path, input_shape=input_shape, device="meta")


def compared_layers(report: Report, left_out: frozenset[str] = frozenset()) -> list[Layer]:
    return [
        (row.type, tuple(row.shape or ()), row.params)
        for row in report.rows[1:]
        if row.is_leaf and row.type in COMPARED_TYPES - left_out
    ]


@functools.cache
def twin_layers(stem: str) -> tuple[Layer, ...]:
    twin = TWINS[stem]
    reference = REFERENCES / f"{twin.factory}.json"
    if reference.is_file():
        data = json.loads(reference.read_text())
        assert data["model"] == f"torchvision.models:{twin.factory}"
        assert data["kwargs"] == twin.kwargs
        assert data["input"] == [1, 3, 224, 224]
        assert data["total_params"] == twin.params
        return tuple(
            (layer["type"], tuple(layer["output"][1:]), layer["params"])
            for layer in data["layers"]
            if layer["type"] in COMPARED_TYPES
        )
    pytest.importorskip("torchvision")
    report = cnninspect.summary(
        f"torchvision.models:{twin.factory}",
        input_shape=(3, 224, 224),
        args=twin.kwargs,
        device="meta",
    )
    assert report.totals.params == twin.params
    return tuple(compared_layers(report))


def test_the_folder_is_not_empty() -> None:
    assert len(YAML_FILES) >= 5
    assert set(TWIN_STEMS) >= {"alexnet", "vgg16", "resnet18"}
    assert {p.stem for p in YAML_FILES} <= set(TWINS) | set(OWN_TOTALS), "add new files here"


@pytest.mark.parametrize("path", sweep(YAML_FILES))
def test_every_architecture_summarises(path: Path) -> None:
    report = yaml_report(path.stem)
    assert report.source, f"{path.name} names no source"
    assert report.totals.params > 0
    assert report.output_shapes
    errors = [f for f in report.findings if f.severity >= Severity.ERROR]
    if path.stem not in ("alexnet-paper", "lenet5-lecture-table"):  # inconsistent on purpose
        assert not errors, "\n".join(str(f) for f in errors)  # warnings (CNN103) are advice


@pytest.mark.parametrize("path", sweep(YAML_FILES))
def test_every_block_is_used(path: Path) -> None:
    spec = cnninspect.load_spec(str(path))
    scopes = [spec.layers, *(block.layers for block in spec.blocks.values())]
    used = {layer.type for layers in scopes for layer in layers}
    assert set(spec.blocks) <= used


@functools.cache
def schema_validator() -> Any:
    jsonschema = pytest.importorskip("jsonschema")
    from cnninspect.construct.schema import json_schema

    schema = json_schema()
    validator = jsonschema.validators.validator_for(schema)
    validator.check_schema(schema)
    return validator(schema)


@pytest.mark.parametrize("path", sweep(YAML_FILES))
def test_every_file_fits_the_json_schema(path: Path) -> None:
    """What an editor checks through the `yaml-language-server: $schema=` line."""
    import yaml

    schema_validator().validate(yaml.safe_load(path.read_text()))


@pytest.mark.parametrize("stem", sweep(TWIN_STEMS))
def test_total_matches_the_published_figure(stem: str) -> None:
    assert yaml_report(stem).totals.params == TWINS[stem].params


@pytest.mark.parametrize("stem", OWN_TOTAL_STEMS)
def test_total_of_files_without_a_twin(stem: str) -> None:
    shape = (3, 227, 227) if stem == "alexnet-paper" else None
    assert yaml_report(stem, shape).totals.params == OWN_TOTALS[stem]


@pytest.mark.parametrize("stem", sweep(TWIN_STEMS))
def test_layer_by_layer_like_torchvision(stem: str) -> None:
    ours = compared_layers(yaml_report(stem), TWINS[stem].functional)
    theirs = list(twin_layers(stem))
    for index, (mine, twin) in enumerate(zip(ours, theirs, strict=False)):
        assert mine == twin, f"compared layer {index}: ours {mine}, torchvision {twin}"
    assert len(ours) == len(theirs)


def test_lenet5_layer_by_layer() -> None:
    report = yaml_report("lenet5")
    assert [(r.name, r.shape, r.params) for r in report.rows if r.params] == [
        ("C1", (6, 28, 28), 156),
        ("C3", (16, 10, 10), 2_416),
        ("C5", (120, 1, 1), 48_120),
        ("F6", (84,), 10_164),
        ("output", (10,), 850),
    ]
    assert report.layer("S2").shape == (6, 14, 14)
    assert report.layer("S4").shape == (16, 5, 5)
    assert report.output_shapes == ((10,),)


def test_alexnet_paper_is_inconsistent_at_224() -> None:
    """The paper's 224×224 input cannot give 55×55 after an 11×11 stride-4 convolution."""
    report = yaml_report("alexnet-paper")
    assert report.input_shapes == ((3, 224, 224),)
    assert report.layer("conv1").shape == (96, 54, 54)
    assert report.layer("pool5").shape == (256, 5, 5)
    assert report.layer("fc6").params == 6_400 * 4_096 + 4_096
    codes = {(f.code, f.layer) for f in report.findings}
    assert ("CNN101", "conv1") in codes
    assert ("CNN101", "pool1") in codes
    assert ("CNN101", "pool5") in codes
    assert ("CNN102", "fc6") in codes


def test_alexnet_paper_is_consistent_at_227() -> None:
    report = yaml_report("alexnet-paper", (3, 227, 227))
    assert not report.findings, "\n".join(str(f) for f in report.findings)
    assert report.layer("conv1").shape == (96, 55, 55)
    assert report.layer("pool1").shape == (96, 27, 27)
    assert report.layer("pool2").shape == (256, 13, 13)
    assert report.layer("pool5").shape == (256, 6, 6)
    assert report.layer("fc6").params == 9_216 * 4_096 + 4_096


@pytest.mark.slow
def test_alexnet_paper_summary_warns_and_succeeds() -> None:
    """The command line prints the disagreements on stderr and still exits 0."""
    result = subprocess.run(
        [sys.executable, "-m", "cnninspect", "summary", str(ARCHITECTURES / "alexnet-paper.yaml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "conv1 declares 55×55×96 but the forward pass computes 54×54×96" in result.stderr
    assert "fc6 (Linear) declares in_features=9216 but receives 6400" in result.stderr
    assert "fc6" in result.stdout


def test_unet_keeps_the_size_and_concatenates_the_skips() -> None:
    report = yaml_report("unet")
    assert report.output_shapes == ((2, 512, 512),)
    assert report.layer("bottleneck").shape == (1024, 32, 32)
    for level, channels, size in ((4, 1024, 64), (3, 512, 128), (2, 256, 256), (1, 128, 512)):
        assert report.layer(f"dec{level}.cat").shape == (channels, size, size)
        assert report.layer(f"dec{level}.up").type == "ConvTranspose2d"
        assert report.layer(f"dec{level}").type == "Up"  # one block, two inputs


def test_m5_is_one_dimensional() -> None:
    report = yaml_report("m5")
    assert report.input_shapes == ((1, 32_000),)
    assert [r.shape for r in report.rows if r.type == "MaxPool1d"] == [
        (128, 2_000),
        (128, 500),
        (256, 125),
        (512, 31),
    ]
    assert report.output_shapes == ((10,),)


def test_c3d_is_three_dimensional() -> None:
    report = yaml_report("c3d")
    assert report.input_shapes == ((3, 16, 112, 112),)
    assert report.layer("pool1").shape == (64, 16, 56, 56)
    assert report.layer("stage5").shape == (512, 1, 4, 4)
    assert report.layer("fc6").params == 8_192 * 4_096 + 4_096
    assert report.output_shapes == ((487,),)


# Findings a file is expected to have, by rule code; every other file validates clean.
EXPECTED_FINDINGS = {
    "alexnet-paper": {"CNN101", "CNN102", "CNN103", "CNN104"},  # the paper's 224, deliberately
    "lenet5-lecture-table": {"CNN101"},  # row 4 as the lecture prints it, deliberately
    "m5": {"CNN103"},  # pool4 drops the last of 125 samples, as in the paper
    "squeezenet1_0": {"CNN103"},  # conv1 misses a row at 224, as in torchvision
    "squeezenet1_1": {"CNN103"},
}


@pytest.mark.parametrize("path", sweep(YAML_FILES))
def test_every_architecture_validates(path: Path) -> None:
    from cnninspect.api.validate import validate_file

    result = validate_file(path, solve=False)
    assert {f.code for f in result.findings} == EXPECTED_FINDINGS.get(path.stem, set())
    if path.stem not in ("alexnet-paper", "lenet5-lecture-table"):
        assert all(f.severity.name == "WARNING" for f in result.findings)
