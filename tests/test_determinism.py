"""The same command prints the same output every time: seeded weights and inputs, never
uninitialised memory — and data-dependent models count what a normally initialised one does."""

from __future__ import annotations

import pytest
import torch
import torchvision
from torch import nn

from cnninspect.trace.forward import trace
from tests.conftest import cli


class DataDependent(nn.Module):
    """Work that depends on values: a linear map over the positive entries only."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3)
        self.head = nn.Linear(1, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        kept = self.conv(x)[self.conv(x) > 0.1]
        return self.head(kept.reshape(-1, 1))


@pytest.mark.parametrize(
    "args",
    [
        ["lecture-example"],
        ["resnet18", "--device", "cpu"],
        ["torchvision.models:squeezenet1_0", "--input", "3x64x64"],
    ],
    ids=["yaml", "yaml-on-cpu", "module"],
)
def test_two_runs_print_the_same_json(args: list[str]) -> None:
    first, second = (cli("summary", *args, "-f", "json") for _ in range(2))
    assert first.exit_code == second.exit_code == 0, first.stderr
    assert first.stdout == second.stdout


def test_a_data_dependent_model_counts_the_same_every_run() -> None:
    """A user's module keeps its own weights; the inputs are seeded: the same count each run
    (with zeros as input, as before, every entry was below the threshold: no work at all)."""
    model = DataDependent()
    counts = {trace(model, [(3, 16, 16)], device="cpu").macs for _ in range(3)}
    assert len(counts) == 1


def test_weights_moved_off_meta_hold_seeded_values_not_garbage() -> None:
    from cnninspect.construct.builder import build
    from cnninspect.description.parser import load
    from tests.conftest import ARCHITECTURES

    module = build(load(ARCHITECTURES / "lenet5.yaml")).module
    trace(module, [(1, 32, 32)], device="cpu")
    for p in module.parameters():
        assert torch.isfinite(p).all()
        assert p.abs().max() < 10  # fan-in scaled, not whatever memory held


@pytest.mark.slow
def test_fasterrcnn_counts_what_a_normally_initialised_instance_does() -> None:
    """The detector's heads run on its proposals: with uninitialised weights there were none
    (0 MACs in the heads); now the count equals a seeded, normally initialised instance's."""
    torch.manual_seed(0)
    reference = torchvision.models.detection.fasterrcnn_resnet50_fpn(
        weights=None, weights_backbone=None
    )
    expected = trace(reference, [(3, 800, 800)], device="cpu").macs
    target = "torchvision.models.detection:fasterrcnn_resnet50_fpn"
    args = ["--input", "3x800x800", "--arg", "weights_backbone=None", "-f", "json"]
    runs = [cli("summary", target, *args) for _ in range(2)]
    assert runs[0].stdout == runs[1].stdout
    import json

    assert json.loads(runs[0].stdout)["totals"]["macs"] == expected


def test_an_arg_may_name_an_object_to_import() -> None:
    """--arg norm_layer=@torchvision.ops:FrozenBatchNorm2d: the class, not the text."""
    result = cli(
        "summary",
        "torchvision.models:resnet18",
        "--input",
        "3x64x64",
        "--arg",
        "norm_layer=@torchvision.ops:FrozenBatchNorm2d",
        "-f",
        "json",
    )
    assert result.exit_code == 0, result.stderr
    import json

    types = {layer["type"] for layer in json.loads(result.stdout)["layers"]}
    assert "FrozenBatchNorm2d" in types and "BatchNorm2d" not in types
    wrong = cli("summary", "torchvision.models:resnet18", "--input", "3x64x64", "--arg",
                "norm_layer=@torchvision.ops:FrozenBatchNormX")  # fmt: skip
    assert wrong.exit_code == 2
    assert "did you mean 'FrozenBatchNorm2d'" in wrong.stderr


def test_train_mode_runs_auxiliary_heads_and_leaves_running_statistics_alone() -> None:
    torch.manual_seed(0)
    model = torchvision.models.googlenet(aux_logits=True, init_weights=False)
    before = {n: b.clone() for n, b in model.named_buffers()}
    trained = trace(model, [(3, 224, 224)], device="cpu", mode="train")
    assert {"aux1", "aux2"} <= {r.name for r in trained.records}
    assert not trained.uncalled  # in eval they are never called
    for name, buffer in model.named_buffers():
        assert torch.equal(buffer, before[name]), name
    assert model.training  # the module's own mode is restored
    evaluated = trace(model, [(3, 224, 224)], device="cpu")
    assert {name for name, _ in evaluated.uncalled} == {"aux1", "aux2"}
