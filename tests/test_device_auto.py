"""--device auto (the default): meta when it can run the model, cpu when it cannot — and no
retry where cpu cannot answer differently."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import cli

DATA_DEPENDENT = """\
import torch
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)

    def forward(self, x):
        return torch.nonzero(self.conv(x) > 0)
"""

# a constructor that computes with tensors: on meta (and with initialisation suppressed) the
# draw leaves zeros, 1 / 0 fails; on cpu, with its own seeded initialisation, it works
META_ONLY_FAILURE = """\
import torch
from torch import nn


class Scaled(nn.Module):
    def __init__(self):
        super().__init__()
        gains = torch.zeros(4).uniform_(1.0, 2.0)
        self.scale = 1.0 / float(gains.min())
        self.conv = nn.Conv2d(3, 4, 3)

    def forward(self, x):
        return self.conv(x) * self.scale
"""


@pytest.fixture
def models(tmp_path: Path) -> Path:
    (tmp_path / "dd.py").write_text(DATA_DEPENDENT)
    (tmp_path / "ctor.py").write_text(META_ONLY_FAILURE)
    return tmp_path


def test_a_data_dependent_model_runs_on_cpu_and_says_why(models: Path) -> None:
    result = cli("summary", f"{models}/dd.py:Net", "--input", "3x8x8", "-f", "json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["device"] == "cpu"
    assert "torch.nonzero" in report["device_note"]


def test_an_explicit_meta_is_honoured_and_fails_clearly(models: Path) -> None:
    result = cli("summary", f"{models}/dd.py:Net", "--input", "3x8x8", "--device", "meta")
    assert result.exit_code == 2
    assert "nonzero" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_constructor_that_fails_only_on_meta_runs_on_cpu(models: Path) -> None:
    result = cli("summary", f"{models}/ctor.py:Scaled", "--input", "3x8x8", "-f", "json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["device"] == "cpu"
    assert "division by zero" in report["device_note"]
    assert report["totals"]["params"] == 4 * 3 * 3 * 3 + 4


def test_a_model_meta_runs_stays_on_meta() -> None:
    result = cli("summary", "torchvision.models:resnet18", "--input", "3x64x64", "-f", "json")
    report = json.loads(result.stdout)
    assert report["device"] == "meta"
    assert report.get("device_note") is None


def test_a_description_that_does_not_build_is_not_retried(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The build runs on meta whatever the device: a cpu pass could only repeat its error."""
    import cnninspect
    from cnninspect.api import inspection
    from cnninspect.errors import BuildError

    devices: list[str] = []
    real = inspection._inspect_on

    def counted(*args: Any, **kwargs: Any) -> Any:
        devices.append(kwargs["device"])
        return real(*args, **kwargs)

    monkeypatch.setattr(inspection, "_inspect_on", counted)
    path = tmp_path / "bad.yaml"
    path.write_text(
        "cnninspect: 1\ninput: [3, 8, 8]\nlayers:\n  - Conv2d: {out_channels: 4, kernel_size: 9}\n"
    )
    with pytest.raises(BuildError):
        cnninspect.summary(str(path))
    assert devices == ["meta"]
