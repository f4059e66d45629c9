"""Every number on a row: the root gets one when it holds parameters or work of its own, or is
itself one layer; empty dimensions stay whole."""

from __future__ import annotations

import json

import pytest
import torch
import torchvision
from torch import nn

from cnninspect import summary as summarize
from tests.conftest import ROOT, cli


class RootWork(nn.Module):
    """A parameter and a matmul in the root's own forward, beside one child."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(8, 8)
        self.scale = nn.Parameter(torch.ones(8, 8))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(x) @ self.scale


class NothingFound(nn.Module):
    """Like a detector that finds nothing: an output whose first size is 0, not the batch."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.new_zeros((0, 4))


def test_a_model_that_is_one_layer_has_its_row() -> None:
    result = cli("summary", "torch.nn:Linear", "--arg", "in_features=10", "--arg",
                 "out_features=5", "--input", "10", "-f", "json")  # fmt: skip
    layers = json.loads(result.stdout)["layers"]
    assert [(r["name"], r["params"], r["subtree_macs"]) for r in layers[1:]] == [("Linear", 55, 50)]


def test_the_roots_own_parameters_and_work_are_a_row_and_rows_add_up() -> None:
    report = summarize(RootWork(), input_shape=[(8,)], device="cpu")
    own = report.layer("RootWork (own)")
    assert (own.params, own.subtree_macs) == (64, 64)  # the 8×8 parameter; 8·8 multiply-adds
    assert sum(r.params for r in report.rows) == report.totals.params == 136
    assert sum(r.subtree_macs for r in report.rows if r.is_leaf) == report.totals.macs == 128


def test_an_empty_leading_dimension_is_not_taken_for_the_batch() -> None:
    report = summarize(NothingFound(), input_shape=[(3, 8, 8)], device="cpu")
    assert report.output_shapes == ((0, 4),)


@pytest.mark.filterwarnings("ignore::FutureWarning")  # torch.jit.script is deprecated
def test_a_scripted_model_is_measured_as_a_whole() -> None:
    """TorchScript takes no Python hooks: no rows below the model, but its parameters, MACs
    and output shape are those of the eager model."""
    eager = torchvision.models.resnet18()
    scripted = summarize(torch.jit.script(eager), input_shape=[(3, 64, 64)], device="cpu")
    reference = summarize(eager, input_shape=[(3, 64, 64)], device="cpu")
    assert scripted.totals.params == reference.totals.params == 11_689_512
    assert scripted.totals.macs == reference.totals.macs
    assert scripted.output_shapes == ((1000,),)


def test_recurrent_rows_show_their_size_stack_and_directions() -> None:
    """An LSTM row used to show only mode=LSTM (its own type again)."""
    args = ("--arg", "input_size=16", "--arg", "hidden_size=32", "--arg", "batch_first=True")
    deep = ("--arg", "num_layers=2", "--arg", "bidirectional=True")
    result = cli("summary", "torch.nn:LSTM", *args, *deep, "-i", "10x16", "-f", "json")
    row = json.loads(result.stdout)["layers"][1]
    assert row["hparams"] == {"hidden_size": 32, "num_layers": 2, "bidirectional": True}
    assert row["shape"] == [10, 64]  # both directions' 32
    plain = json.loads(cli("summary", "torch.nn:GRU", *args, "-i", "10x16", "-f", "json").stdout)
    assert plain["layers"][1]["hparams"] == {"hidden_size": 32}  # one layer, one direction
    table = cli("summary", "torch.nn:LSTM", *args, *deep, "-i", "10x16", env={"COLUMNS": "120"})
    assert "hidden=32 layers=2 bidir=True" in table.stdout


@pytest.mark.parametrize("command", ["summary", "memory"])
def test_a_recurrent_model_that_reads_time_first_is_refused_with_how(command: str) -> None:
    """torch.nn:LSTM without batch_first=True reads axis 0 as time: at batch 3 and 5 steps its
    hidden state would be (1, 5, 16) — the steps taken for the batch. Refused, saying how."""
    args = ("--arg", "input_size=8", "--arg", "hidden_size=16", "-i", "5x8", "-b", "3")
    result = cli(command, "torch.nn:LSTM", *args)
    assert result.exit_code == 2
    assert "LSTM without batch_first=True takes (sequence, batch, features)" in result.stderr
    assert "--arg batch_first=True" in result.stderr
    fixed = cli(command, "torch.nn:LSTM", *args, "--arg", "batch_first=True", "-f", "json")
    assert fixed.exit_code == 0, fixed.output


# -- parameters belong to their module wherever they are used ---------------------------------


def _torch_subtree(model: nn.Module) -> dict[str, int]:
    """torch's own count for each module: its unique parameters, everything inside included."""
    return {
        name: sum(p.numel() for p in module.parameters())
        for name, module in model.named_modules()
        if name
    }


@pytest.mark.parametrize(
    ("builder", "side"),
    [(torchvision.models.vit_b_16, 224), (torchvision.models.swin_t, 224)],
    ids=["vit_b_16", "swin_t"],
)
def test_parameters_read_without_a_call_count_in_their_owners_rows(builder, side) -> None:
    """nn.MultiheadAttention reads out_proj's weight in F.multi_head_attention_forward without
    calling out_proj (swin's attention reads qkv and proj the same way): every row's subtree
    equals torch's count of that module, nothing is "not called", and the rows add up."""
    model = builder()
    report = summarize(model, input_shape=[(3, side, side)], device="meta")
    expected = _torch_subtree(model)
    for row in report.rows[1:]:
        if row.call == 0 and row.name in expected:
            assert row.subtree_params == expected[row.name], row.name
    assert report.totals.uncalled == ()
    assert sum(row.params for row in report.rows) == report.totals.params
    assert report.totals.params == sum(p.numel() for p in model.parameters())


def test_multihead_attention_alone_has_no_uncalled_parameters() -> None:
    result = cli(
        "summary", "torch.nn:MultiheadAttention", "--arg", "embed_dim=64", "--arg", "num_heads=4",
        "--arg", "batch_first=True", "-i", "10x64", "-i", "10x64", "-i", "10x64", "-f", "json",
    )  # fmt: skip
    document = json.loads(result.stdout)
    assert [row["params"] for row in document["layers"][1:]] == [4 * 64 * 64 + 4 * 64]
    assert "Not called" not in cli(
        "summary", "torch.nn:MultiheadAttention", "--arg", "embed_dim=64", "--arg", "num_heads=4",
        "--arg", "batch_first=True", "-i", "10x64", "-i", "10x64", "-i", "10x64",
    ).stdout  # fmt: skip


# -- no silent zero: arithmetic without a formula is named --------------------------------------

UNCOUNTED = f"{ROOT}/tests/data/models/uncounted.py"


def test_ops_without_a_formula_are_named_with_their_calls_and_where() -> None:
    """An FFT in each block's mixer and a cdist in the model's own code do arithmetic the MAC
    count has no formula for: the table, the JSON and the markdown name them."""
    args = ("summary", f"{UNCOUNTED}:DistanceHead", "-i", "10x16")
    document = json.loads(cli(*args, "-f", "json").stdout)
    assert document["totals"]["uncounted"] == [
        {"op": "aten._fft_c2c", "calls": 2, "modules": ["blocks.0.mix", "blocks.1.mix"]},
        {"op": "aten._cdist_forward", "calls": 1, "modules": ["DistanceHead"]},
    ]
    assert document["totals"]["macs"] == 2 * 10 * 16 * 16  # the two linear layers only
    table = cli(*args, env={"COLUMNS": "200"}).stdout
    assert "Not counted:        aten._fft_c2c ×2 (in blocks.0.mix, blocks.1.mix); " in table
    assert "aten._cdist_forward ×1 (in DistanceHead)" in table
    assert "- Not counted: aten._fft_c2c ×2" in cli(*args, "-f", "markdown").stdout


def test_a_custom_kernel_is_named_and_counted_ops_are_not() -> None:
    """torchvision's deformable convolution is a custom kernel (no formula); the offsets'
    ordinary convolution is counted, and nothing else is named."""
    from torchvision.ops import DeformConv2d

    class Deformable(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.offsets = nn.Conv2d(3, 18, 3, padding=1)
            self.deform = DeformConv2d(3, 8, 3, padding=1)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.deform(x, self.offsets(x))

    report = summarize(Deformable(), input_shape=[(3, 16, 16)], device="cpu")
    assert [(u.op, u.calls, u.modules) for u in report.totals.uncounted] == [
        ("torchvision.deform_conv2d", 1, ("deform",))
    ]
    assert report.totals.macs == 16 * 16 * 18 * 3 * 9  # the offsets' convolution


def test_a_model_of_counted_and_free_ops_names_nothing() -> None:
    report = summarize(torchvision.models.resnet18(), input_shape=[(3, 64, 64)], device="meta")
    assert report.totals.uncounted == ()
    assert "Not counted" not in cli("summary", "resnet18").stdout


# -- the caller's dtype ---------------------------------------------------------------------


class MixedPrecision(nn.Module):
    """Half convolutions, a float32 head: the forward casts between them."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3).half()
        self.head = nn.Linear(8, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.conv(x).float().mean((2, 3)))


def _bytes(model: nn.Module, dtype: torch.dtype) -> int:
    return sum(p.numel() * p.element_size() for p in model.parameters() if p.dtype == dtype)


@pytest.mark.parametrize("device", ["meta", "cpu"])
def test_a_half_model_is_measured_in_half(device: str) -> None:
    """resnet18().half() used to be measured as float32 (44.6 MiB of weights; it holds
    22.3 MiB), and input_data in float16 failed ("expected scalar type Half")."""
    model = torchvision.models.resnet18().half()
    report = summarize(model, input_shape=[(3, 64, 64)], device=device)
    assert report.dtype == "float16"
    assert report.totals.param_bytes == _bytes(model, torch.float16) == 2 * 11_689_512
    assert report.totals.input_bytes == 2 * 3 * 64 * 64  # made in the model's dtype
    assert report.totals.activation_bytes == 2 * report.totals.activation_elements
    if device == "cpu":
        example = torch.randn(2, 3, 64, 64, dtype=torch.float16)
        assert summarize(model, input_data=example).totals.param_bytes == 2 * 11_689_512
    converted = summarize(model, input_shape=[(3, 64, 64)], device=device, dtype="float32")
    assert converted.totals.param_bytes == 4 * 11_689_512  # --dtype says otherwise
    assert next(model.parameters()).dtype == torch.float16  # the caller's model is untouched


def test_a_mixed_precision_model_shows_bytes_per_dtype() -> None:
    model = MixedPrecision()
    report = summarize(model, input_shape=[(3, 16, 16)], device="cpu")
    assert report.dtype == "float16"  # its first parameter's: the input it takes
    by_dtype = {d: p for d, p, _ in report.totals.bytes_by_dtype}
    assert by_dtype == {
        "float16": _bytes(model, torch.float16),
        "float32": _bytes(model, torch.float32),
    }
    assert report.totals.param_bytes == sum(by_dtype.values())


# -- one rule for own work ------------------------------------------------------------------------

NETS = f"{ROOT}/tests/data/models/inputs_nets.py"


def test_the_models_own_code_counts_what_it_makes_not_its_childs_output() -> None:
    """h = x @ a + b is the model's own (64 a sample; the product before it is an
    intermediate), fc2's 32 is fc2's: 96 a sample, 288 at batch 3. It used to count the
    model's output — fc2's tensor — a second time as the "(own)" row's (192)."""
    document = json.loads(
        cli("summary", f"{NETS}:OwnParameters", "-i", "128", "-b", "3", "-f", "json").stdout
    )
    own, fc2 = document["layers"][1:]
    assert (own["name"], own["shape"], own["size"]) == ("OwnParameters (own)", [64], 64)
    assert (fc2["name"], fc2["size"]) == ("fc2", 32)
    assert document["totals"]["activation_elements"] == 3 * (64 + 32)


def test_own_work_counts_the_same_for_the_model_and_the_modules_inside_it() -> None:
    """l_0 and l_1 make 1 each, Inside's own code 1 (l_1's output scaled), the model's own
    code 2 (Inside's output scaled by a 2-vector): 5 a sample, 500 at batch 100. Inside's
    own work used to be left out while the model's was counted (400)."""
    document = json.loads(
        cli("summary", f"{NETS}:NestedOwnWork", "-i", "2", "-b", "100", "-f", "json").stdout
    )
    assert document["totals"]["activation_elements"] == 100 * (1 + 1 + 1 + 2)


def test_an_in_place_update_of_a_childs_output_is_not_new_memory() -> None:
    """torchvision's BasicBlock adds its shortcut in place (out += identity): bn2's output,
    updated, counted once. Its activations are its leaves' outputs."""
    model = torchvision.models.resnet18()
    report = summarize(model, input_shape=[(3, 64, 64)], device="meta")
    leaves = sum(r.size for r in report.rows[1:] if r.is_leaf)
    assert report.totals.activation_elements == leaves
