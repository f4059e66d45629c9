"""MACs do not depend on the device: the same model counted on cpu (fused kernels: oneDNN's
LSTM, the fast attention path) and on meta (the unfused ops) gives the same number — and the
number the cells' arithmetic gives."""

from __future__ import annotations

import pytest
import torch
import torchvision
from torch import nn

from cnninspect.trace.forward import trace


class Attention(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.attn = nn.MultiheadAttention(32, 4, batch_first=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.attn(x, x, x, need_weights=False)[0]


MODELS = {
    "lstm": (lambda: nn.LSTM(48, 48, num_layers=2, batch_first=True, bidirectional=True), (32, 48)),
    "gru": (lambda: nn.GRU(48, 48, num_layers=2, batch_first=True), (32, 48)),
    "rnn": (lambda: nn.RNN(48, 48, batch_first=True), (32, 48)),
    "attention": (Attention, (16, 32)),
    "vit": (
        lambda: torchvision.models.VisionTransformer(
            image_size=32, patch_size=8, num_layers=2, num_heads=2, hidden_dim=32, mlp_dim=64
        ),
        (3, 32, 32),
    ),
    "grouped-conv": (lambda: nn.Conv2d(32, 64, 3, groups=8), (32, 16, 16)),
    "transposed-conv": (lambda: nn.ConvTranspose2d(16, 8, 4, stride=2), (16, 8, 8)),
}


@pytest.mark.parametrize("name", MODELS)
def test_cpu_and_meta_count_the_same_macs(name: str) -> None:
    factory, shape = MODELS[name]
    counts = {device: trace(factory(), [shape], device=device).macs for device in ("cpu", "meta")}
    assert counts["cpu"] == counts["meta"] > 0


def test_lstm_macs_by_hand() -> None:
    """4 gates · H · (I + H) per step and direction: layer 1 reads 48 features, layer 2 the
    96 of both directions; 32 steps, 2 directions."""
    expected = 32 * 2 * (4 * 48 * (48 + 48) + 4 * 48 * (96 + 48))
    model = nn.LSTM(48, 48, num_layers=2, batch_first=True, bidirectional=True)
    assert trace(model, [(32, 48)], device="cpu").macs == expected == 2_949_120
