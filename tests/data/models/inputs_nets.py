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


class KeyedDict(nn.Module):
    """A dict keyed by an int and by a text with a space, and options beside it."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(8, 4)

    def forward(self, parts: dict, options: dict) -> torch.Tensor:
        assert options == {"mode": "fast", "scale": 0.5, "extra": None, "steps": 3}
        return self.fc(parts[256] + parts["a b"]) * options["scale"]


class PackedSequences(nn.Module):
    """Sequences of several lengths, packed: ``lengths`` has one entry per sample and no other
    axis (torchinfo's pack_padded case)."""

    def __init__(self) -> None:
        super().__init__()
        self.lstm = nn.LSTM(8, 16, batch_first=True)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        assert lengths.dim() == 1 and lengths.shape[0] == x.shape[0]
        packed = nn.utils.rnn.pack_padded_sequence(
            x, lengths.cpu(), batch_first=True, enforce_sorted=False
        )
        _, (hidden, _) = self.lstm(packed)
        return hidden[-1]


class Generator(nn.Module):
    """Makes its output from its parameters: forward takes a count, no tensor."""

    def __init__(self) -> None:
        super().__init__()
        self.seed = nn.Parameter(torch.randn(1, 16))
        self.fc = nn.Linear(16, 8)

    def forward(self, steps: int = 1) -> torch.Tensor:
        x = self.seed
        for _ in range(steps):
            x = torch.cat([x[:, :8], self.fc(x)], dim=1)
        return x


EXAMPLE_BATCH = torch.ones(5, 3, 16, 16)  # real values, named as @module:EXAMPLE_BATCH


class OwnParameters(nn.Module):
    """Parameters the model's own code uses, then a child (torchinfo's parameter-FC case)."""

    def __init__(self) -> None:
        super().__init__()
        self.a = nn.Parameter(torch.randn(128, 64))
        self.b = nn.Parameter(torch.randn(64))
        self.fc2 = nn.Linear(64, 32)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = torch.mm(x, self.a) + self.b  # the product is an intermediate; h leaves
        return self.fc2(h)


class NestedOwnWork(nn.Module):
    """Own code at two levels: the model and a module inside it each scale what a child made
    (torchinfo's nested-leftover-parameters case)."""

    class Inside(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.l_1 = nn.Linear(1, 1)
            self.param_1 = nn.Parameter(torch.ones(1))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.l_1(x) * self.param_1

    def __init__(self) -> None:
        super().__init__()
        self.l_0 = nn.Linear(2, 1)
        self.param_0 = nn.Parameter(torch.ones(2))
        self.inside = NestedOwnWork.Inside()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.inside(self.l_0(x)) * self.param_0
