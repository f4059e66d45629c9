"""Small models for the memory tests: a recurrent classifier and a tied-weight autoencoder."""

from torch import nn


class LSTMClassifier(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.embed = nn.Linear(16, 32)
        self.lstm = nn.LSTM(32, 64, num_layers=2, batch_first=True)
        self.head = nn.Linear(64, 10)

    def forward(self, x):  # type: ignore[no-untyped-def]
        out, _ = self.lstm(self.embed(x))
        return self.head(out[:, -1])


class TiedAutoencoder(nn.Module):
    """The decoder reuses the encoder's weight (a tied weight) and has a bias of its own."""

    def __init__(self) -> None:
        super().__init__()
        self.encoder = nn.Linear(64, 64)
        self.act = nn.ReLU()
        self.decoder = nn.Linear(64, 64)
        self.decoder.weight = self.encoder.weight

    def forward(self, x):  # type: ignore[no-untyped-def]
        return self.decoder(self.act(self.encoder(x)))
