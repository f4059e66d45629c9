"""The layer-type table against torch: what it says of each type is what torch does. The
builder trusts ``same_shape`` (it does not run those layers to learn their output), the checks
trust ``window`` and ``spatial``: each is checked here by running torch itself."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

import cnninspect
from cnninspect.construct.keywords import layer_class
from cnninspect.description.layer_types import LAYER_TYPES, Role, WindowKind, classify

REQUIRED = {  # arguments a type cannot do without (the others have defaults or are inferred)
    "Threshold": "{threshold: 0.1, value: 0.0}",
    "LocalResponseNorm": "{size: 2}",
    "CrossMapLRN2d": "{size: 2}",
    "GLU": "{dim: 1}",
    "Mean": "{dim: [2]}",
    "Chunk": "{chunks: 2, index: 0}",
    "StochasticDepth": "{p: 0.1}",
    **dict.fromkeys(("Softmax", "Softmin", "LogSoftmax"), "{dim: 1}"),  # implicit dim: deprecated
}
INPUT = {None: "[4, 8, 8]", 1: "[4, 8]", 2: "[4, 8, 8]", 3: "[4, 4, 4, 4]"}


def one_layer(tmp_path: Path, name: str) -> cnninspect.results.report.Report:
    spatial = LAYER_TYPES[name].spatial
    path = tmp_path / f"{name}.yaml"
    path.write_text(
        f"cnninspect: 1\ninput: {INPUT[spatial]}\nlayers:\n"
        f"  - {name}: {REQUIRED.get(name, '{}')}\n    name: it\n"
    )
    return cnninspect.summary(str(path), device="cpu")  # a real kernel computes the shape


SHAPE_KEEPERS = sorted(n for n, t in LAYER_TYPES.items() if t.same_shape)


@pytest.mark.parametrize("name", SHAPE_KEEPERS)
def test_a_type_said_to_keep_the_shape_keeps_it(tmp_path: Path, name: str) -> None:
    report = one_layer(tmp_path, name)
    assert report.layer("it").shape == report.input_shapes[0]


def test_a_type_not_said_to_keep_the_shape_may_change_it(tmp_path: Path) -> None:
    assert not LAYER_TYPES["GLU"].same_shape
    assert one_layer(tmp_path, "GLU").layer("it").shape == (2, 8, 8)  # GLU halves dim 1


@pytest.mark.parametrize(
    "name", sorted(n for n in LAYER_TYPES if LAYER_TYPES[n].role is not Role.MERGE)
)
def test_windows_and_spatial_axes_are_torch_s(name: str) -> None:
    """A sliding window is a kernel_size that the output size follows (adaptive and
    fractional pooling take an output size instead); an N-d layer is torch's N-d class."""
    kind = LAYER_TYPES[name]
    parameters = inspect.signature(layer_class(name)).parameters
    slides = "kernel_size" in parameters and not name.startswith("Fractional")
    assert (kind.window is not None) == slides
    assert (kind.window is WindowKind.TRANSPOSED) == ("output_padding" in parameters)
    if kind.spatial is not None:
        assert name.endswith(f"{kind.spatial}d")


def test_classify_names_torch_s_classes_only() -> None:
    assert classify("Conv2d") is LAYER_TYPES["Conv2d"]
    assert classify("LazyConv2d") is LAYER_TYPES["Conv2d"]  # what it becomes once it has run
    assert classify("Conv2dSame") is None  # a look-alike's facts are not guessed
    assert classify("Bottleneck") is None
