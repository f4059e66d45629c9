"""Models that take more than one float tensor, after the cases torchinfo's own test-suite
summarises with input_data, dtypes and keywords (written here from those facts, not copied)."""

from __future__ import annotations

import torch
from torch import nn


class LSTMNet(nn.Module):
    """Token ids in, a tag per token out: an embedding, a 2-layer LSTM, a linear head."""

    def __init__(self, vocab: int = 5000, embed: int = 300, hidden: int = 512) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocab, embed)
        self.encoder = nn.LSTM(embed, hidden, num_layers=2, batch_first=True)
        self.decoder = nn.Linear(hidden, vocab)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        out, _ = self.encoder(self.embedding(ids))
        return self.decoder(out)


class MultipleInputsDifferentDtypes(nn.Module):
    """A float input and an integer one (indices)."""

    def __init__(self) -> None:
        super().__init__()
        self.fc1 = nn.Linear(300, 50)
        self.fc2 = nn.Linear(300, 50)

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.fc1(x)) + self.fc2(y.float())


class KeywordArguments(nn.Module):
    """forward(x, *, mask, scale): a keyword tensor and a keyword literal."""

    def __init__(self) -> None:
        super().__init__()
        self.proj = nn.Linear(16, 16)

    def forward(self, x: torch.Tensor, mask: torch.Tensor, scale: float = 1.0) -> torch.Tensor:
        return self.proj(x) * mask.unsqueeze(-1) * scale


class DictInput(nn.Module):
    """A dict of tensors as one argument."""

    def __init__(self) -> None:
        super().__init__()
        self.image = nn.Conv2d(3, 8, 3)
        self.text = nn.Embedding(100, 8)

    def forward(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        return self.image(batch["image"]).mean((2, 3)) + self.text(batch["ids"]).mean(1)


class ListOfImages(nn.Module):
    """A list of differently sized images (as detection models take them)."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)

    def forward(self, images: list[torch.Tensor]) -> list[torch.Tensor]:
        return [self.conv(image.unsqueeze(0)) for image in images]


class ScalarInput(nn.Module):
    """A 0-d tensor (a temperature) beside the batch."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(10, 10)

    def forward(self, x: torch.Tensor, temperature: torch.Tensor) -> torch.Tensor:
        return self.fc(x) / temperature
