"""Real values through the Python API: ``cnninspect.summary(model, input_data=...)`` takes
what torchinfo's ``input_data`` takes — a tensor, the positional arguments, a dict of keyword
arguments — and uses copies of them as they are (dtypes, batch, values)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest
import torch
from torch import nn

import cnninspect
from cnninspect.errors import TargetError
from tests.conftest import DATA

NETS = DATA / "models" / "inputs_nets.py"


def nets() -> ModuleType:
    spec = importlib.util.spec_from_file_location("inputs_nets", NETS)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def test_token_ids_feed_the_lstm_language_model() -> None:
    """The LSTM LM on a batch of 3 sentences of 100 token ids; MACs by hand, per position:
    the LSTM's two layers 4·512·(300 + 512) and 4·512·(512 + 512), the decoder 512·5000."""
    model = nets().LSTMNet()
    ids = torch.randint(0, 5000, (3, 100), generator=torch.Generator().manual_seed(1))
    report = cnninspect.summary(model, input_data=ids)
    assert report.batch == 3
    assert report.input_shapes == ((100,),)
    assert report.layer("embedding").shape == (100, 300)
    assert report.totals.params == params(model)
    assert report.totals.input_bytes == 3 * 100 * 8  # int64 ids, not float32
    per_position = 4 * 512 * (300 + 512) + 4 * 512 * (512 + 512) + 512 * 5000
    assert report.totals.macs == 3 * 100 * per_position


def test_positional_arguments_of_two_dtypes() -> None:
    model = nets().MultipleInputsDifferentDtypes()
    x, y = torch.randn(2, 300), torch.randint(0, 10, (2, 300))
    report = cnninspect.summary(model, input_data=[x, y])
    assert report.input_shapes == ((300,), (300,))
    assert report.totals.params == params(model)
    assert report.totals.macs == 2 * 2 * 300 * 50  # two Linear(300, 50), batch 2


def test_a_dict_gives_keyword_arguments_and_forward_kwargs_more() -> None:
    model = nets().KeywordArguments()
    x, mask = torch.randn(5, 4, 16), torch.ones(5, 4, dtype=torch.bool)
    by_dict = cnninspect.summary(model, input_data={"x": x, "mask": mask, "scale": 0.5})
    by_kwargs = cnninspect.summary(model, input_data=[x], forward_kwargs={"mask": mask})
    for report in (by_dict, by_kwargs):
        assert report.batch == 5
        assert report.layer("proj").shape == (4, 16)
        assert report.totals.macs == 5 * 4 * 16 * 16


def test_a_dict_as_the_one_positional_argument_goes_in_a_list() -> None:
    model = nets().DictInput()
    batch = {"image": torch.randn(2, 3, 16, 16), "ids": torch.randint(0, 100, (2, 7))}
    report = cnninspect.summary(model, input_data=[batch])
    assert report.input_shapes == ((3, 16, 16), (7,))
    assert report.totals.params == params(model)
    assert report.totals.macs == 2 * 8 * 14 * 14 * 3 * 3 * 3  # the conv; the embedding is 0


def test_a_list_of_differently_sized_images_keeps_them_whole() -> None:
    model = nets().ListOfImages()
    images = [torch.randn(3, 32, 32), torch.randn(3, 24, 40)]
    report = cnninspect.summary(model, input_data=[images])
    assert report.batch == 1
    assert report.input_shapes == ((3, 32, 32), (3, 24, 40))
    assert report.totals.macs == 4 * 3 * 3 * 3 * (30 * 30 + 22 * 38)


def test_a_0_d_tensor_beside_the_batch() -> None:
    model = nets().ScalarInput()
    report = cnninspect.summary(model, input_data=(torch.randn(4, 10), torch.tensor(2.0)))
    assert report.batch == 4
    assert report.input_shapes == ((10,), ())


def test_the_same_numbers_as_the_input_language() -> None:
    model = nets().LSTMNet()
    real = cnninspect.summary(model, input_data=torch.randint(0, 5000, (1, 100)))
    described = cnninspect.summary(model, inputs=["long:100@0..5000"])
    assert real.totals == described.totals
    assert real.totals.input_bytes == 100 * 8
    assert [r.shape for r in real.rows] == [r.shape for r in described.rows]


class Positives(nn.Module):
    """Its output's size depends on the values: x[x > 0]."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x[x > 0]


def test_the_values_are_the_callers() -> None:
    """Seeded inputs would give some other count; the given ones have exactly 3 positives."""
    x = torch.tensor([[1.0, -1.0, 2.0, -3.0, 4.0, -5.0]])
    report = cnninspect.summary(Positives(), input_data=x)
    assert report.output_shapes == ((3,),)
    assert report.device == "cpu"


def test_the_callers_tensors_never_change() -> None:
    """An in-place ReLU on the input works on a copy."""
    model = nn.Sequential(nn.ReLU(inplace=True), nn.Linear(4, 2))
    x = torch.tensor([[-1.0, 2.0, -3.0, 4.0]])
    before = x.clone()
    cnninspect.summary(model, input_data=x, mode="train")
    assert torch.equal(x, before)


def test_a_yaml_description_takes_one_tensor() -> None:
    report = cnninspect.summary("lenet5", input_data=torch.zeros(3, 1, 32, 32))
    assert report.batch == 3
    assert report.totals.params == 61_706  # LeCun et al. 1998's LeNet-5 (with biases)
    with pytest.raises(TargetError, match="one float input"):
        cnninspect.summary("lenet5", input_data={"x": torch.zeros(1, 1, 32, 32)})
    with pytest.raises(TargetError, match="one float input"):
        cnninspect.summary("lenet5", input_data=[[torch.zeros(1, 1, 32, 32)]])
    for scalar in (torch.tensor(1.0), torch.zeros(5)):  # per sample: () either way
        with pytest.raises(TargetError, match="not a 0-d scalar"):
            cnninspect.summary("lenet5", input_data=scalar)


def test_meta_tensors_that_meta_cannot_run_keep_meta_s_reason(tmp_path: Path) -> None:
    """device="auto" retries on cpu when meta fails; meta tensors have no values to retry
    with, so the answer is why meta failed, not a complaint about the meta tensors."""
    from cnninspect.errors import TraceError

    (tmp_path / "dd.py").write_text(
        "import torch\nclass Net(torch.nn.Module):\n"
        "    def forward(self, x):\n        return torch.nonzero(x)\n"
    )
    with pytest.raises(TraceError, match="nonzero"):
        cnninspect.summary(f"{tmp_path}/dd.py:Net", input_data=torch.empty(2, 3, device="meta"))


def test_meta_tensors_give_shapes_on_meta_and_a_usage_error_elsewhere() -> None:
    model = nn.Linear(4, 2)
    x = torch.empty(3, 4, device="meta")
    report = cnninspect.summary(model, input_data=x, device="meta")
    assert (report.batch, report.totals.macs) == (3, 3 * 4 * 2)
    with pytest.raises(TargetError, match="meta tensor, which has no values to run on cpu"):
        cnninspect.summary(model, input_data=x, device="cpu")


@pytest.mark.parametrize(
    ("options", "says"),
    [
        ({"input_data": {1, 2}}, "input_data is a set"),
        ({"input_data": [1, "a"]}, "holds no tensor"),
        ({"input_data": torch.zeros(1, 4), "input_shape": (4,)}, "give what forward receives once"),
        ({"input_data": torch.zeros(1, 4), "inputs": ["4"]}, "give what forward receives once"),
        ({"input_data": torch.zeros(2, 4), "batch": 3}, "batch is 2"),
        ({"forward_kwargs": {"scale": 2}}, "forward_kwargs goes with input_data"),
        ({"input_data": {"x": torch.zeros(1, 4)}, "forward_kwargs": {"x": 1}}, "both give x"),
        ({"input_data": {"not a name": torch.zeros(1, 4)}}, "not a parameter name"),
        ({"input_data": torch.zeros(1, 4), "forward_kwargs": "abc"}, "forward_kwargs is a str"),
        ({"input_data": torch.zeros(1, 4), "forward_kwargs": [1, 2]}, "forward_kwargs is a list"),
    ],
)
def test_bad_input_data_is_a_usage_error(options: dict[str, object], says: str) -> None:
    with pytest.raises(TargetError, match=says):
        cnninspect.summary(nn.Linear(4, 2), **options)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "options",
    [{"device": "meta"}, {"device": "cpu", "dtype": "float64"}, {"mode": "train"}],
    ids=["meta", "float64", "train"],
)
def test_the_callers_model_is_never_moved_or_converted(options: dict[str, str]) -> None:
    """On meta a moved model would lose its weights: a copy is inspected instead."""
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.Flatten(), nn.Linear(144, 2))
    before = {k: v.clone() for k, v in model.state_dict().items()}
    report = cnninspect.summary(model, input_shape=(3, 8, 8), **options)  # type: ignore[arg-type]
    assert report.totals.params == params(model)
    assert report.totals.macs == 4 * 27 * 36 + 144 * 2
    for name, value in model.state_dict().items():
        assert value.device.type == "cpu" and value.dtype == before[name].dtype, name
        assert torch.equal(value, before[name]), name


def test_ties_survive_the_copy() -> None:
    class Tied(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.embed = nn.Embedding(10, 4)
            self.out = nn.Linear(4, 10, bias=False)
            self.out.weight = self.embed.weight

        def forward(self, ids: torch.Tensor) -> torch.Tensor:
            return self.out(self.embed(ids))

    model = Tied()
    report = cnninspect.summary(model, inputs=["long:5@0..10"], device="meta")
    assert report.totals.params == params(model) == 40


def test_a_model_that_cannot_be_copied_is_a_usage_error_off_its_device() -> None:
    import threading

    class Locked(nn.Linear):
        def __init__(self) -> None:
            super().__init__(4, 2)
            self.lock = threading.Lock()

    model = Locked()
    assert cnninspect.summary(model, input_shape=(4,)).device == "cpu"  # where it is: no copy
    with pytest.raises(TargetError, match="Locked cannot be copied to run on meta"):
        cnninspect.summary(model, input_shape=(4,), device="meta")
    assert next(model.parameters()).device.type == "cpu"


def test_validate_and_diff_take_the_input_language() -> None:
    net = f"{NETS}:LSTMNet"
    assert not cnninspect.validate(net, inputs=["long:100@0..5000"]).fails()
    assert cnninspect.validate(net, input_shape=(100,)).fails()  # floats into an Embedding
    result = cnninspect.diff(net, net, inputs=["long:100@0..5000"])
    assert not result.differs
    assert result.a.totals.params == params(nets().LSTMNet())
    with pytest.raises(TargetError, match="once"):
        cnninspect.validate(net, input_shape=(100,), inputs=["long:100"])


def test_constructor_arguments_go_to_module_references_only() -> None:
    """args configure what cnninspect constructs; for a description or a model already made
    they are refused with a reason, never ignored."""
    from cnninspect.api.request import ModuleReference, resolve_target

    merged = resolve_target(ModuleReference("torch.nn:Linear", {"in_features": 4}), {"bias": False})
    assert merged == ModuleReference("torch.nn:Linear", {"in_features": 4, "bias": False})
    with pytest.raises(TargetError, match="already constructed"):
        cnninspect.summary(torch.nn.Linear(2, 2), input_shape=(2,), args={"bias": False})
    with pytest.raises(TargetError, match="is a YAML description"):
        cnninspect.summary("lenet5", args={"num_classes": 3})
