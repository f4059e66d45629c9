"""cnninspect's own layer types for the steps a forward writes inline compute what the code
they stand for computes: each is run against torch's (or torchvision's) own call on the same
tensor — in eval and, for stochastic depth, in training on the same seed."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
import torchvision
from torchvision.models.shufflenetv2 import channel_shuffle
from torchvision.ops import StochasticDepth as TorchvisionStochasticDepth

import cnninspect
from cnninspect.construct.operations import (
    Chunk,
    LayerNorm2d,
    LayerScale,
    Mean,
    Permute,
    StochasticDepth,
)


def _x() -> torch.Tensor:
    return torch.randn(4, 6, 5, 7, generator=torch.Generator().manual_seed(0))


@pytest.mark.parametrize(("dim", "keepdim"), [((2, 3), False), (1, True), ((-1,), False)])
def test_mean_is_tensor_mean(dim: int | tuple[int, ...], keepdim: bool) -> None:
    x = _x()
    torch.testing.assert_close(Mean(dim, keepdim)(x), x.mean(dim, keepdim=keepdim))


@pytest.mark.parametrize(("chunks", "dim"), [(2, 1), (3, 1), (4, 3), (2, -1)])
def test_each_chunk_is_torch_s_piece(chunks: int, dim: int) -> None:
    x = _x()
    pieces = torch.chunk(x, chunks, dim)
    for index, piece in enumerate(pieces):
        assert torch.equal(Chunk(chunks, index, dim)(x), piece)


def test_channel_shuffle_is_torchvision_s_function() -> None:
    """ShuffleNetV2's view/transpose/view is what torch.nn.ChannelShuffle computes (the export
    maps the one onto the other)."""
    x = _x()
    assert torch.equal(torch.nn.ChannelShuffle(2)(x), channel_shuffle(x, 2))
    assert torch.equal(torch.nn.ChannelShuffle(3)(x), channel_shuffle(x, 3))


@pytest.mark.parametrize("mode", ["row", "batch"])
@pytest.mark.parametrize("p", [0.0, 0.3, 1.0])
def test_stochastic_depth_is_torchvision_s(mode: str, p: float) -> None:
    x = _x()
    ours, theirs = StochasticDepth(p, mode), TorchvisionStochasticDepth(p, mode)  # type: ignore[arg-type]
    assert torch.equal(ours.eval()(x), x) and torch.equal(theirs.eval()(x), x)
    for seed in range(5):  # the same noise drawn the same way: the same drops and scale
        torch.manual_seed(seed)
        expected = theirs.train()(x)
        torch.manual_seed(seed)
        torch.testing.assert_close(ours.train()(x), expected)


def test_stochastic_depth_refuses_what_torchvision_refuses() -> None:
    for p, mode in ((1.5, "row"), (0.1, "rows")):
        with pytest.raises(ValueError, match="has to be"):
            TorchvisionStochasticDepth(p, mode)(_x())
        with pytest.raises(ValueError, match="has to be"):
            StochasticDepth(p, mode)  # type: ignore[arg-type]


def test_a_description_s_keywords_are_checked_at_the_value(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        "cnninspect: 1\ninput: [4, 8, 8]\nlayers:\n"
        "  - StochasticDepth: {p: 1.5}\n"
        "  - StochasticDepth: {p: 0.1, mode: rows}\n"
        "  - Mean: {dim: two}\n",
        encoding="utf-8",
    )
    with pytest.raises(cnninspect.errors.CnninspectError) as caught:
        cnninspect.summary(str(path))
    text = str(caught.value)
    assert "4:26" in text and "probability" in text
    assert "5:37" in text and "'row', 'batch'" in text
    assert "6:17" in text and "expects int | tuple[int, ...]" in text


def test_a_piece_needs_its_index(tmp_path: Path) -> None:
    path = tmp_path / "chunk.yaml"
    path.write_text(
        "cnninspect: 1\ninput: [4, 8, 8]\nlayers:\n  - Chunk: {chunks: 2}\n", encoding="utf-8"
    )
    with pytest.raises(cnninspect.errors.CnninspectError, match="Chunk needs index"):
        cnninspect.summary(str(path))


@pytest.mark.parametrize("dims", [(0, 2, 3, 1), (0, 3, 1, 2), (3, 2, 1, 0)])
def test_permute_is_torchvision_s(dims: tuple[int, ...]) -> None:
    from torchvision.ops.misc import Permute as TorchvisionPermute

    x = _x()
    assert torch.equal(Permute(dims)(x), TorchvisionPermute(list(dims))(x))


@pytest.mark.parametrize(("eps", "affine"), [(1e-6, True), (1e-5, False)])
def test_layer_norm_2d_is_torchvision_s(eps: float, affine: bool) -> None:
    from torchvision.models.convnext import LayerNorm2d as TorchvisionLayerNorm2d

    theirs = TorchvisionLayerNorm2d(6, eps=eps, elementwise_affine=affine)
    ours = LayerNorm2d(6, eps=eps, elementwise_affine=affine)
    if affine:  # not the initial ones and zeros, which would hide a swapped weight and bias
        with torch.no_grad():
            theirs.weight.normal_(generator=torch.Generator().manual_seed(1))
            theirs.bias.normal_(generator=torch.Generator().manual_seed(2))
    ours.load_state_dict(theirs.state_dict())
    torch.testing.assert_close(ours(_x()), theirs(_x()))


def test_layer_scale_is_convnext_s_layer_scale() -> None:
    """torchvision's CNBlock: ``layer_scale * block(x)``, a C×1×1 parameter, 1e-6 at first."""
    from torchvision.models.convnext import CNBlock

    block = CNBlock(6, layer_scale=1e-6, stochastic_depth_prob=0.0)
    ours = LayerScale(6)
    assert torch.equal(ours.scale, block.layer_scale)
    scale = torch.randn(6, 1, 1, generator=torch.Generator().manual_seed(3))
    ours.scale.data.copy_(scale)
    torch.testing.assert_close(ours(_x()), scale * _x())
    with pytest.raises(ValueError, match=r"\(N, C, H, W\)"):
        ours(torch.zeros(4, 6))


def test_the_new_keywords_are_checked_at_the_value(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        "cnninspect: 1\ninput: [4, 8, 8]\nlayers:\n"
        "  - Permute: {dims: first}\n"
        "  - LayerNorm2d: {eps: small}\n"
        "  - LayerScale: {init: big}\n",
        encoding="utf-8",
    )
    with pytest.raises(cnninspect.errors.CnninspectError) as caught:
        cnninspect.summary(str(path))
    text = str(caught.value)
    assert "4:21" in text and "tuple[int, ...]" in text
    assert "5:24" in text and "float" in text
    assert "6:24" in text and "float" in text


def test_a_permute_needs_its_dims_and_a_scale_four_axes(tmp_path: Path) -> None:
    path = tmp_path / "permute.yaml"
    path.write_text("cnninspect: 1\ninput: [4, 8, 8]\nlayers:\n  - Permute\n", encoding="utf-8")
    with pytest.raises(cnninspect.errors.CnninspectError, match="Permute needs dims"):
        cnninspect.summary(str(path))
    path.write_text("cnninspect: 1\ninput: [8]\nlayers:\n  - LayerScale\n", encoding="utf-8")
    with pytest.raises(cnninspect.errors.CnninspectError, match=r"\(N, C, H, W\)"):
        cnninspect.summary(str(path))


def test_torchvision_is_the_reference() -> None:
    assert torchvision.ops.StochasticDepth is TorchvisionStochasticDepth


def test_the_table_knows_which_types_are_cnninspect_s_own() -> None:
    """The torch-free table says which classes an exported file must carry; the builder's
    table of own modules is the same set."""
    from cnninspect.construct.operations import OPERATIONS
    from cnninspect.description.layer_types import LAYER_TYPES

    assert {name for name, t in LAYER_TYPES.items() if t.own} == set(OPERATIONS)
    assert all(not hasattr(torch.nn, name) for name in OPERATIONS)
