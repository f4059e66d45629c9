"""Training memory, tracked on fake tensors, against the same step tracked on real cpu tensors
(torch's MemTracker both times), and against the arithmetic of the model states."""

from __future__ import annotations

import copy
import json
import sys

import pytest
import torch
import torchvision
from torch import nn

import cnninspect
from cnninspect import memory
from cnninspect.api.memory import fit as fit_budget
from cnninspect.api.memory import step_setup
from cnninspect.api.request import resolve_target
from cnninspect.footprint.fit import budget, largest_batch
from cnninspect.footprint.step import track_step
from cnninspect.results.memory import MemoryReport, StepSetup
from tests.conftest import DATA, cli

sys.path.insert(0, str(DATA / "models"))
from memory_nets import LSTMClassifier, TiedAutoencoder


def tiny_vit() -> nn.Module:
    return torchvision.models.VisionTransformer(
        image_size=32, patch_size=8, num_layers=2, num_heads=2, hidden_dim=32, mlp_dim=64
    )


CASES = {
    "cnn-with-batchnorm": (lambda: torchvision.models.resnet18(num_classes=10), (3, 64, 64), ()),
    "vit": (tiny_vit, (3, 32, 32), ()),
    "lstm": (LSTMClassifier, (20, 16), ()),
    "tied-weights": (TiedAutoencoder, (64,), ()),
    "frozen-layers": (
        lambda: torchvision.models.resnet18(num_classes=10),
        (3, 64, 64),
        ("conv1", "bn1", "layer1"),
    ),
}


def real_peak(model: nn.Module, shape: tuple[int, ...], setup: StepSetup, batch: int) -> int:
    torch.manual_seed(0)
    step = track_step(model, [shape], batch=batch, dtype=torch.float32, setup=setup, fake=False)
    return step.peak_bytes


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("optimizer", ["adam", "sgd"])
def test_fake_peak_is_the_real_peak(name: str, optimizer: str) -> None:
    """Within 2% of the same step on real cpu tensors (all equal to the byte today)."""
    factory, shape, frozen = CASES[name]
    model = factory()
    fake = memory(
        copy.deepcopy(model), input_shape=[shape], batch=4, optimizer=optimizer, freeze=frozen
    )
    setup = StepSetup("train", optimizer, None, (), frozen)
    real = real_peak(model, shape, setup, batch=4)
    assert abs(fake.peak_bytes - real) <= 0.02 * real, (fake.peak_bytes, real)


def by_hand(report: MemoryReport) -> dict[str, int]:
    """The model states as arithmetic: 4 bytes a float32 parameter, one gradient each, Adam's
    two moments each and one 4-byte step count per parameter tensor."""
    trainable = report.trainable_params
    return {
        "parameters": 4 * report.params,
        "gradients": 4 * trainable,
        "optimizer_state": 8 * trainable + 4 * report.trainable_tensors,
    }


def test_lecture_example_model_states_by_hand() -> None:
    report = memory("lecture-example", optimizer="adam")
    assert report.params == 62_958  # the lecture's own count
    assert report.trainable_tensors == 10  # a weight and a bias in each of 5 layers
    for category, expected in by_hand(report).items():
        assert report.category(category) == expected, category


def test_tied_weights_are_counted_once() -> None:
    report = memory(TiedAutoencoder(), input_shape=[(64,)], optimizer="adam")
    assert report.params == 64 * 64 + 64 + 64  # one shared weight, two biases
    assert report.category("parameters") == 4 * report.params
    assert report.category("optimizer_state") == by_hand(report)["optimizer_state"]


def test_frozen_layers_have_no_gradient_and_no_state() -> None:
    model = torchvision.models.resnet18(num_classes=10)
    whole = memory(copy.deepcopy(model), input_shape=[(3, 64, 64)], optimizer="adam")
    frozen = memory(
        model, input_shape=[(3, 64, 64)], optimizer="adam", freeze=("conv1", "bn1", "layer1")
    )
    layer_params = sum(
        p.numel() for m in (model.conv1, model.bn1, model.layer1) for p in m.parameters()
    )
    assert frozen.trainable_params == whole.trainable_params - layer_params
    assert frozen.category("optimizer_state") == by_hand(frozen)["optimizer_state"]
    assert frozen.category("optimizer_state") < whole.category("optimizer_state")


@pytest.mark.parametrize(("optimizer", "per_parameter"), [("sgd", 0), ("momentum", 4)])
def test_sgd_keeps_nothing_and_momentum_one_buffer(optimizer: str, per_parameter: int) -> None:
    report = memory("lenet5", optimizer=optimizer)
    assert report.category("optimizer_state") == per_parameter * report.trainable_params


def test_inference_keeps_no_gradient_and_is_smaller() -> None:
    train = memory("alexnet", batch=8)
    infer = memory("alexnet", batch=8, inference=True)
    assert infer.category("gradients") == infer.category("optimizer_state") == 0
    assert infer.category("parameters") == 4 * 61_100_840  # torchvision's published count
    assert infer.peak_bytes < train.peak_bytes


def test_checkpointing_keeps_fewer_activations() -> None:
    kept = memory("resnet18", batch=8, optimizer="sgd")
    recomputed = memory(
        "resnet18", batch=8, optimizer="sgd", checkpoint=("layer1", "layer2", "layer3")
    )
    assert recomputed.peak_bytes < kept.peak_bytes


def test_autocast_keeps_fp32_master_weights_and_halves_activations() -> None:
    fp32 = memory("resnet18", batch=8, optimizer="sgd", inference=True)
    bf16 = memory("resnet18", batch=8, optimizer="sgd", inference=True, amp="bfloat16")
    assert bf16.category("parameters") == fp32.category("parameters")
    assert bf16.peak_bytes < fp32.peak_bytes


def test_the_peak_is_located_and_the_biggest_keeper_named() -> None:
    report = memory("torchvision.models:resnet50", input_shape=[(3, 224, 224)], batch=32)
    assert report.peak_phase.startswith(("backward of", "forward of"))
    assert report.modules[0][0] == "layer1"  # the largest feature maps keep the most
    shares = dict(report.categories)
    assert shares["activations"] > 0.8 * report.peak_bytes


def test_largest_batch_takes_five_steps_on_a_bending_line() -> None:
    """resnet50's tracked peaks at 224 (measured: 473,035,092 B at batch 1, 542,683,380 at 2,
    25,460,663,540 at 290) bend upwards; the search meets 24 GiB less 20% in five steps."""
    measured = {1: 473_035_092, 2: 542_683_380, 290: 25_460_663_540}

    def peak(batch: int) -> int:
        if batch in measured:
            return measured[batch]
        slope = (measured[290] - measured[2]) / 288
        return int(measured[2] + slope * (batch - 2))

    limit = 24 * 2**30 - 24 * 2**30 // 5
    batch, tries = largest_batch(peak, limit)
    assert peak(batch) <= limit < peak(batch + 1)
    assert tries <= 5


def test_largest_batch_bisects_to_the_edge() -> None:
    peaks = {b: 1000 + 300 * b + (b * b) // 7 for b in range(1, 5000)}
    batch, tries = largest_batch(peaks.__getitem__, 100_000)
    assert peaks[batch] <= 100_000 < peaks[batch + 1]
    assert tries < 20


def test_fit_finds_the_batch_whose_peak_fits() -> None:
    result = fit_budget(resolve_target("lenet5"), "64MiB", setup=step_setup("adam"))
    assert result.report is not None and result.next_peak_bytes is not None
    usable = 64 * 2**20 - 64 * 2**20 // 5  # the default headroom keeps 20%
    assert result.usable_bytes == usable
    assert result.report.peak_bytes <= usable < result.next_peak_bytes
    assert memory("lenet5", batch=result.batch).peak_bytes == result.report.peak_bytes


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("24GiB", 24 * 2**30),
        ("80GB", 80 * 10**9),
        ("a100-80gb", 80 * 10**9),
        ("1.5 TiB", 3 * 2**39),
    ],
)
def test_budgets(text: str, expected: int) -> None:
    assert budget(text)[0] == expected


def test_memory_command_json_and_explain() -> None:
    result = cli("memory", "lecture-example", "--format", "json")
    assert result.exit_code == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["schema"] == "cnninspect.memory"
    assert payload["step"]["categories"]["parameters"] == 62_958 * 4
    explained = cli("memory", "lecture-example", "--explain")
    assert "62,958 × 4 bytes = 251,832 bytes" in explained.stdout
    assert "2 moments × 62,958 × 4 bytes + 10 step counts × 4 bytes" in explained.stdout


def test_memory_command_refuses_an_unknown_module_name() -> None:
    result = cli("memory", "lenet5", "--freeze", "conv9")
    assert result.exit_code == 2
    assert "no such module" in result.stderr


def test_summary_memory_adds_the_tracked_step() -> None:
    result = cli("summary", "lecture-example", "--memory", "-f", "json")
    assert result.exit_code == 0, result.stderr
    step = json.loads(result.stdout)["memory"]
    assert step["peak_bytes"] == memory("lecture-example").peak_bytes
    table = cli("summary", "lecture-example", "--memory").stdout
    assert "Training step:" in table and "Forward+backward" not in table


def test_fit_json_names_the_batch_and_both_peaks() -> None:
    result = cli("memory", "lenet5", "--fit", "64MiB", "--format", "json")
    assert result.exit_code == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["fit"]["batch"] == payload["step"]["batch"] > 1
    usable = payload["fit"]["usable_bytes"]
    assert usable == payload["fit"]["budget_bytes"] - payload["fit"]["headroom_bytes"]
    assert payload["step"]["peak_bytes"] <= usable < payload["fit"]["next_peak_bytes"]


def test_a_budget_needs_a_unit() -> None:
    """--fit 24 was read as 24 bytes."""
    result = cli("memory", "lenet5", "--fit", "24")
    assert result.exit_code == 2
    assert "'24' has no unit" in result.stderr and "24GiB" in result.stderr


def test_a_gpu_prints_its_memory_once_as_its_vendor_states_it() -> None:
    """--fit RTX5090 printed "(34.3597 GB) (32.00 GiB)"."""
    result = cli("memory", "lenet5", "--fit", "RTX5090", "--headroom", "0%", env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    first = result.stdout.splitlines()[0]
    assert first.startswith("Largest batch within RTX5090 (32 GB): ")
    assert "GiB" not in first and "34.3" not in first


def test_the_headroom_keeps_part_of_the_budget_free() -> None:
    """Default 20% (EleutherAI's figure); a size or 0% instead."""
    for headroom, kept in [(None, 16 * 2**20), ("0%", 0), ("4MiB", 4 * 2**20)]:
        result = fit_budget(
            resolve_target("lenet5"), "80MiB", setup=step_setup("adam"), headroom=headroom
        )
        assert result.headroom_bytes == kept
        assert result.report is not None and result.report.peak_bytes <= 80 * 2**20 - kept
    table = cli("memory", "lenet5", "--fit", "80MiB", env={"COLUMNS": "200"}).stdout
    assert "less 16.00 MiB kept for the CUDA context and the allocator (--headroom)" in table
    assert cli("memory", "lenet5", "--fit", "80MiB", "--headroom", "100%").exit_code == 2


def test_nothing_fitting_is_a_documented_non_zero_exit() -> None:
    """ "Not even batch 1 fits" used to exit 0."""
    result = cli("memory", "resnet18", "--fit", "100MiB")
    assert result.exit_code == 1
    assert result.stdout.startswith("Not even batch 1 fits in 100MiB")


def test_public_api_memory() -> None:
    assert isinstance(cnninspect.memory("lenet5"), MemoryReport)


def test_every_optimizer_choice_has_a_step() -> None:
    """The CLI offers cnninspect.choices.OPTIMIZERS; the tracked step makes each of them."""
    from cnninspect.choices import OPTIMIZERS
    from cnninspect.footprint.step import OPTIMIZERS as MADE

    assert set(MADE) == set(OPTIMIZERS)


def test_a_model_that_takes_token_ids_and_keywords_is_tracked() -> None:
    """memory used to refuse anything but float shapes. The language's token ids (and a
    keyword) feed the step; the fake peak equals the same step on real cpu tensors."""
    from cnninspect.api.memory import memory as memory_of
    from cnninspect.api.request import resolve_feed

    sys.path.insert(0, str(DATA / "models"))
    from inputs_nets import LSTMNet

    feed = resolve_feed(inputs=["long:50@0..5000"])
    fake = memory_of(resolve_target(LSTMNet()), feed, batch=4)
    assert fake.peak_bytes > 0
    model = LSTMNet()
    setup = StepSetup("train", "adam", None, (), ())
    torch.manual_seed(0)
    real = track_step(
        model, [(50,)], batch=4, dtype=torch.float32, setup=setup, fake=False, described=feed
    )
    assert fake.peak_bytes == real.peak_bytes
    result = cli("memory", f"{DATA}/models/inputs_nets.py:LSTMNet", "-i", "long:50@0..5000")
    assert result.exit_code == 0, result.output


def test_the_input_batch_is_not_kept_by_a_module() -> None:
    """The first convolution saves the batch for its backward; the batch is counted once, as
    the input, not again as what that module keeps (it used to be: resnet50's conv1 showed
    18.38 MiB, the batch at 32)."""
    result = cli(
        "memory", str(DATA / "distributed" / "distributed_nets.py") + ":SmallCNN",
        "-i", "3x32x32", "--batch", "16", "-f", "json",
    )  # fmt: skip
    step = json.loads(result.stdout)["step"]
    kept = sum(m["activation_bytes"] for m in step["modules"])
    batch = 16 * 3 * 32 * 32 * 4
    assert step["categories"]["inputs"] == batch
    assert abs(kept - step["categories"]["activations"]) < batch / 10
