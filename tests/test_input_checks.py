"""What a real device refuses on the values of the inputs, refused on every device (meta has
no values) — and what it accepts, accepted: the cases a reviewer ran against the input
language, each a test."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import torch
from torch import nn

import cnninspect
from cnninspect.errors import TargetError, TraceError
from cnninspect.inputs import parse_inputs
from tests.conftest import DATA, cli

MODELS = '''\
import torch
from torch import nn


class Positions(nn.Embedding):
    """As transformers' learned positional embeddings: given token ids, it looks up the rows
    of their positions (its forward is its own)."""

    def __init__(self):
        super().__init__(16, 4)

    def forward(self, ids):
        positions = torch.arange(ids.shape[-1], device=self.weight.device).expand_as(ids)
        return super().forward(positions)


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.tokens = nn.Embedding(50_000, 4)
        self.positions = Positions()

    def forward(self, ids):
        return self.tokens(ids) + self.positions(ids)


class Unknown(nn.Module):
    """Ids beyond the vocabulary mapped to <unk> (0) in place before the lookup."""

    def __init__(self):
        super().__init__()
        self.table = nn.Embedding(10, 4)

    def forward(self, ids):
        ids[ids >= 10] = 0
        return self.table(ids)


class KeywordCall(nn.Module):
    def __init__(self):
        super().__init__()
        self.table = nn.Embedding(10, 4)

    def forward(self, ids):
        return self.table(input=ids)


class Autocast(nn.Module):
    """Mixed precision inside forward: fc2 gets bfloat16 against its float32 weight, which
    autocast casts itself."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(8, 8)
        self.fc2 = nn.Linear(8, 4)

    def forward(self, x):
        with torch.autocast("cpu", dtype=torch.bfloat16):
            return self.fc2(self.fc1(x))


class Projection(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 4)

    def forward(self, x):
        return self.fc(x)
'''


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("models") / "models.py"
    path.write_text(MODELS)
    return path


@pytest.mark.parametrize("device", ["meta", "cpu"])
@pytest.mark.parametrize(
    ("name", "given"),
    [("Encoder", "long:16@0..50000"), ("Unknown", "long:5@0..100"), ("Autocast", "8")],
    ids=["own-forward", "ids-fixed-in-place", "autocast"],
)
def test_models_that_run_on_cpu_are_not_refused(
    models: Path, device: str, name: str, given: str
) -> None:
    result = cli("summary", f"{models}:{name}", "-i", given, "--device", device)
    assert result.exit_code == 0, result.stderr


@pytest.mark.parametrize("device", ["meta", "cpu"])
@pytest.mark.parametrize(
    ("name", "given", "says"),
    [
        ("KeywordCall", "long:5@0..11", "index out of range"),
        ("Projection", "long:8", "mat1 and mat2 must have the same dtype, but got Long and Float"),
        ("Projection", "bool:8", "but got Bool and Float"),
    ],
    ids=["embedding-called-by-keyword", "linear-given-ids", "linear-given-booleans"],
)
def test_what_cpu_refuses_is_refused_on_meta(
    models: Path, device: str, name: str, given: str, says: str
) -> None:
    result = cli("summary", f"{models}:{name}", "-i", given, "--device", device)
    assert result.exit_code == 2
    assert says in result.stderr


def test_validate_reports_it_as_a_finding(models: Path) -> None:
    result = cli("validate", f"{models}:Projection", "-i", "long:8")
    assert result.exit_code == 1
    assert "CNN106" in result.stdout and "same dtype" in result.stdout


def test_a_refusal_made_everywhere_is_not_retried_on_cpu(models: Path) -> None:
    """--device auto retries a failed meta pass on cpu; ids beyond the table fail there too,
    and a huge input would then only say that cpu lacks the memory."""
    result = cli("summary", f"{models}:KeywordCall", "-i", "long:100000x100000@0..50")
    assert result.exit_code == 2
    assert "index out of range" in result.stderr


def test_real_ids_beyond_the_table_are_refused_on_meta_too() -> None:
    model = nn.Sequential(nn.Embedding(10, 4))
    for device in ("meta", "cpu"):
        with pytest.raises(TraceError, match="index out of range"):
            cnninspect.summary(model, input_data=torch.tensor([[0, 11]]), device=device)
    assert cnninspect.summary(model, input_data=torch.tensor([[0, 9]]), device="meta")


@pytest.mark.parametrize(
    ("spec", "says"),
    [
        ("float16:8@1e6", "float16 holds values up to ±65504"),
        ("8@1e400", "values must be finite numbers"),
        ("8@-1e400..1e400", "values must be finite numbers"),
        ("long:8@0..9223372036854775808", "a range's top is at most 9223372036854775807"),
        ("k=4@", "not a shape like"),
        ("k=long:8@0..", "not a shape like"),
    ],
)
def test_values_a_dtype_cannot_hold_are_usage_errors(spec: str, says: str) -> None:
    with pytest.raises(TargetError, match=None) as error:
        parse_inputs(["8", spec] if spec.startswith("k=") else [spec])
    assert says in str(error.value)


@pytest.mark.parametrize("device", ["meta", "cpu"])
def test_a_value_the_commands_dtype_cannot_hold_fails_on_every_device(
    models: Path, device: str
) -> None:
    result = cli(
        "summary", f"{models}:Projection", "-i", "8@1e39", "--device", device, "--dtype", "float32"
    )
    assert result.exit_code == 2
    assert "float32 holds values up to" in result.stderr
    assert "internal error" not in result.stderr


def test_a_uniform_range_never_reaches_its_top_in_half_precision() -> None:
    from cnninspect.trace.arguments import arguments

    for spec, top in (("float16:3x224x224@0..255", 255.0), ("bfloat16:3x224x224@0..1", 1.0)):
        made, _ = arguments(parse_inputs([spec]), batch=1, device=torch.device("cpu"),
                            dtype=torch.float32)  # fmt: skip
        assert float(made[0].max()) < top and float(made[0].min()) >= 0


def test_keyword_literals_and_words_stay_literals() -> None:
    kwargs = dict(parse_inputs(["8", "scale=1e-3", "size=(2, 3)", "mode=fast"]).kwargs)
    assert kwargs == {"scale": 0.001, "size": (2, 3), "mode": "fast"}


@pytest.mark.parametrize("shape", ["1X8", "1 x 8", "1, 8", "+1x8"])
def test_shapes_as_every_command_took_them_before(models: Path, shape: str) -> None:
    result = cli("memory", f"{models}:Projection", "-i", shape, "-f", "json")
    assert result.exit_code == 0, result.stderr
    step = json.loads(result.stdout)["step"]
    assert step["input"] == [[1, 8]]  # the shape meant, whichever way it was written
    assert step["params"] == 8 * 4 + 4  # nn.Linear(8, 4)
    summary = json.loads(cli("summary", f"{models}:Projection", "-i", shape, "-f", "json").stdout)
    assert summary["input"] == [[1, 8]] and summary["layers"][1]["shape"] == [1, 4]


def test_an_input_that_no_target_takes_is_a_usage_error() -> None:
    result = cli("validate", "lenet5", "-i", "steps=3")
    assert result.exit_code == 2
    assert "a YAML description takes one float input" in result.stderr


def test_a_string_of_inputs_is_one_input() -> None:
    report = cnninspect.summary(nn.Embedding(10, 4), inputs="long:5@0..10")
    assert report.input_shapes == ((5,),)


def test_diff_with_only_the_second_sides_input(models: Path) -> None:
    target = f"{models}:Projection"
    result = cli("diff", target, target, "--input-b", "8", "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["a"]["input"] == [[8]]


@pytest.mark.filterwarnings("ignore::FutureWarning")  # torch.jit.script is deprecated
@pytest.mark.filterwarnings("ignore::UserWarning")  # torch reads .grad of a scripted copy
def test_a_scripted_model_is_never_moved() -> None:
    scripted = torch.jit.script(nn.Sequential(nn.Linear(8, 4)))
    with pytest.raises(TargetError, match="TorchScript model cannot be copied onto meta"):
        cnninspect.summary(scripted, input_shape=(8,), device="meta")
    report = cnninspect.summary(scripted, input_shape=(8,), dtype="float64")
    assert report.totals.params == 36
    assert all(p.dtype == torch.float32 and p.device.type == "cpu" for p in scripted.parameters())


def test_the_dtype_limits_are_torchs() -> None:
    """inputs.py is torch-free, so it writes the limits down; torch's iinfo and finfo are the
    independent source."""
    from cnninspect.inputs import _FLOAT_MAX, _INTEGER_RANGES

    for name, (least, most) in _INTEGER_RANGES.items():
        info = torch.iinfo(getattr(torch, name))
        assert (least, most) == (info.min, info.max), name
    for name, largest in _FLOAT_MAX.items():
        assert largest == torch.finfo(getattr(torch, name)).max, name


@pytest.mark.parametrize(
    "dtype", [torch.int64, torch.int32, torch.int16, torch.int8, torch.uint8, torch.bool,
              torch.float64, torch.float16, torch.bfloat16],
)  # fmt: skip
def test_the_dtype_refusal_is_in_cpus_words(dtype: torch.dtype) -> None:
    from cnninspect.trace.contracts import argument_violation

    layer = nn.Linear(8, 4)
    given = torch.zeros(2, 8, dtype=dtype)
    with pytest.raises(RuntimeError) as on_cpu:
        layer(given)
    ours = argument_violation(layer, (given.to("meta"),), {}, {})
    assert ours is not None and ours in str(on_cpu.value)


def test_a_number_where_a_tensor_was_meant_says_how_to_write_the_tensor() -> None:
    path = DATA / "models" / "two_inputs.py"
    result = cli("summary", f"{path}:TwoInput", "-i", "3x32x32", "-i", "meta=8")
    assert result.exit_code == 2
    assert "meta (Linear) fails on input 8 (an int)" in result.stderr  # was "on input :"
    assert "meta=8 gives the number 8; a tensor of 8 features is meta=float:8" in result.stderr
    fixed = cli("summary", f"{path}:TwoInput", "-i", "3x32x32", "-i", "meta=float:8")
    assert fixed.exit_code == 0, fixed.output


def test_the_batch_written_into_the_shape_gets_the_shape_without_it() -> None:
    """torchinfo's habit: input_size=(1, 3, 224, 224)."""
    result = cli("summary", "torchvision.models:resnet18", "-i", "1x3x224x224", "--device", "meta")
    assert result.exit_code == 2
    assert "did you mean --input 3x224x224 (and --batch for more than one)?" in result.stderr
    plain = cli("summary", "torchvision.models:resnet18", "-i", "3x224x224", "--device", "meta")
    assert plain.exit_code == 0 and "did you mean" not in plain.stderr


LANGUAGE_MODEL = """
from torch import nn


class TinyLM(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(1000, 8)
        self.out = nn.Linear(8, 4)

    def forward(self, ids, mask=None):
        x = self.embed(ids)
        if mask is not None:
            x = x * mask.unsqueeze(-1)
        return self.out(x)
"""


def test_input_bytes_are_told_per_dtype(tmp_path: Path) -> None:
    """Token ids are int64 (8 B each) and a mask bool (1 B): the Input line used to say
    "144 B, batch 1, float32"."""
    path = tmp_path / "lm.py"
    path.write_text(LANGUAGE_MODEL)
    given = ("-i", "long:16@0..1000", "-i", "mask=bool:16")
    table = cli("summary", f"{path}:TinyLM", *given).stdout
    assert "Input:              32 elements (144 B: bool 16 B, int64 128 B; batch 1)" in table
    totals = json.loads(cli("summary", f"{path}:TinyLM", *given, "-f", "json").stdout)["totals"]
    assert totals["input_bytes_by_dtype"] == {"int64": 16 * 8, "bool": 16}
    assert totals["input_bytes"] == 144


def test_a_target_that_is_not_a_file_says_what_it_is(tmp_path: Path) -> None:
    """A folder, a symbolic link loop, a dangling link and a pipe named as descriptions:
    each its own message (they were all "no such file")."""
    (tmp_path / "folder.yaml").mkdir()
    (tmp_path / "loop1.yaml").symlink_to(tmp_path / "loop2.yaml")
    (tmp_path / "loop2.yaml").symlink_to(tmp_path / "loop1.yaml")
    (tmp_path / "dangling.yaml").symlink_to(tmp_path / "nowhere.yaml")
    os.mkfifo(tmp_path / "pipe.yaml")
    expected = {
        "folder.yaml": "is a folder: this command reads one description",
        "loop1.yaml": "is a symbolic link that leads back to itself",
        "dangling.yaml": "which does not exist",
        "pipe.yaml": "is not a regular file (a pipe, a socket or a device)",
        "missing.yaml": "no such file",
    }
    for name, words in expected.items():
        for command in ("summary", "draw"):
            extra = ["-o", str(tmp_path / "out.svg")] if command == "draw" else []
            result = cli(command, str(tmp_path / name), *extra)
            assert result.exit_code == 2 and words in " ".join(result.stderr.split()), name
    assert "validate" in cli("summary", str(tmp_path / "folder.yaml")).stderr  # the way out
