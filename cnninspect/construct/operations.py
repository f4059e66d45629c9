"""Layer types of the description language that torch.nn has no module for: the functional
steps a model's ``forward`` writes inline (``x.mean([2, 3])``, ``x.chunk(2, dim=1)[0]``,
torchvision's stochastic depth), each as a small module that computes exactly what the code
it stands for computes.

Each class is self-contained — it uses torch and nothing of cnninspect — because
``export DESCRIPTION --to pytorch`` copies its source into the file it writes: the exported
model runs this very code (so the code keeps to the 88 columns of ruff's default format, which
that file is checked against).

No ``from __future__ import annotations`` here, on purpose: a constructor's signature is the
contract of the layer type's keywords (``construct/keywords.py``, the JSON Schema), read
through ``inspect.signature``, and it needs the annotations as objects, not as text.
"""

from typing import Literal

import torch
from torch import nn


class Mean(nn.Module):
    """The mean over ``dim`` (an axis or a list of them), as ``x.mean(dim, keepdim)``:
    MnasNet's and ShuffleNet's global pooling written ``x.mean([2, 3])``."""

    def __init__(self, dim: int | tuple[int, ...], keepdim: bool = False) -> None:
        super().__init__()
        self.dim = dim
        self.keepdim = keepdim

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.mean(self.dim, keepdim=self.keepdim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}, keepdim={self.keepdim}"


class Chunk(nn.Module):
    """One of the pieces ``torch.chunk(x, chunks, dim)`` cuts (the one at ``index``):
    ShuffleNetV2 splits its channels in two, ``x1, x2 = x.chunk(2, dim=1)``. Like torch's,
    the pieces have ⌈size / chunks⌉ elements along ``dim``, the last one what is left."""

    def __init__(self, chunks: int, index: int, dim: int = 1) -> None:
        super().__init__()
        self.chunks = chunks
        self.index = index
        self.dim = dim

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pieces = x.chunk(self.chunks, dim=self.dim)
        # torch may cut fewer pieces than asked (5 into 4: 2, 2, 1)
        if not -len(pieces) <= self.index < len(pieces):
            raise IndexError(
                f"chunk({self.chunks}, dim={self.dim}) cuts {x.shape[self.dim]} into "
                f"{len(pieces)} pieces: there is no piece {self.index}"
            )
        return pieces[self.index]

    def extra_repr(self) -> str:
        return f"chunks={self.chunks}, index={self.index}, dim={self.dim}"


class StochasticDepth(nn.Module):
    """torchvision.ops.StochasticDepth: in training, a residual branch dropped with
    probability ``p`` — the whole sample's (``row``) or the whole batch's (``batch``) — and
    the survivors scaled by 1 / (1 − p); in eval the identity. The noise is drawn as
    torchvision draws it, so that one seed gives the same drops."""

    def __init__(self, p: float, mode: Literal["row", "batch"] = "row") -> None:
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"drop probability has to be between 0 and 1, but got {p}")
        if mode not in ("row", "batch"):
            raise ValueError(f"mode has to be either 'batch' or 'row', but got {mode}")
        self.p = p
        self.mode = mode

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0.0:
            return x
        survival = 1.0 - self.p
        size = [x.shape[0]] + [1] * (x.ndim - 1) if self.mode == "row" else [1] * x.ndim
        noise = torch.empty(size, dtype=x.dtype, device=x.device).bernoulli_(survival)
        if survival > 0.0:
            noise.div_(survival)
        return x * noise

    def extra_repr(self) -> str:
        return f"p={self.p}, mode={self.mode}"


class Permute(nn.Module):
    """The input's axes in the order ``dims`` (the batch axis included), as
    ``x.permute(*dims)``: ConvNeXt moves its channels last, ``[0, 2, 3, 1]``, for a
    LayerNorm and Linear layers over them, and back with ``[0, 3, 1, 2]``."""

    def __init__(self, dims: tuple[int, ...]) -> None:
        super().__init__()
        self.dims = tuple(dims)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.permute(*self.dims)

    def extra_repr(self) -> str:
        return f"dims={list(self.dims)}"


class LayerNorm2d(nn.LayerNorm):
    """torchvision's LayerNorm2d: a LayerNorm over the channels of each pixel of an
    (N, C, H, W) tensor — ``normalized_shape`` is C — computed channels last, as
    torchvision does."""

    def __init__(
        self,
        normalized_shape: int,
        eps: float = 1e-5,
        elementwise_affine: bool = True,
        bias: bool = True,
    ) -> None:
        super().__init__(normalized_shape, eps, elementwise_affine, bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.permute(0, 2, 3, 1)
        x = nn.functional.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)
        return x.permute(0, 3, 1, 2)


class LayerScale(nn.Module):
    """A learned scale per channel of an (N, C, H, W) tensor, every one ``init`` at first:
    ConvNeXt's ``layer_scale``, C parameters (kept as torchvision keeps them, C×1×1)
    multiplying its block's output."""

    def __init__(self, channels: int, init: float = 1e-6) -> None:
        super().__init__()
        self.scale = nn.Parameter(torch.full((channels, 1, 1), float(init)))
        self.init = init

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # a C×1×1 scale broadcast against any other rank would scale the wrong axis
        if x.ndim != 4:
            raise ValueError(
                f"LayerScale scales the channels of an (N, C, H, W) tensor, not one of "
                f"shape {tuple(x.shape)}"
            )
        return self.scale * x

    def extra_repr(self) -> str:
        return f"channels={self.scale.shape[0]}, init={self.init}"


OPERATIONS: dict[str, type[nn.Module]] = {
    "Mean": Mean,
    "Chunk": Chunk,
    "StochasticDepth": StochasticDepth,
    "Permute": Permute,
    "LayerNorm2d": LayerNorm2d,
    "LayerScale": LayerScale,
}
