"""The input language: what forward takes beyond float tensors, from the command line — after
the cases torchinfo's test-suite summarises with input_data, dtypes and keywords."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from torch import nn

from cnninspect.errors import TargetError
from cnninspect.inputs import TensorInput, parse_inputs
from tests.conftest import DATA, cli

NETS = DATA / "models" / "inputs_nets.py"


def params_of(name: str) -> int:
    """torch's own count of the model's parameters."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("inputs_nets", NETS)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    model: nn.Module = getattr(module, name)()
    return sum(p.numel() for p in model.parameters())


@pytest.mark.parametrize(
    ("name", "inputs"),
    [
        ("LSTMNet", ["long:100@0..5000"]),
        ("MultipleInputsDifferentDtypes", ["300", "long:300@0..10"]),
        ("KeywordArguments", ["4x16", "mask=bool:4", "scale=0.5"]),
        ("DictInput", ["{image:3x16x16,ids:long:7@0..100}"]),
        ("ListOfImages", ["[3x32x32,3x24x40]"]),
        ("ScalarInput", ["10", "float:()"]),
    ],
)
def test_models_that_take_more_than_float_tensors(name: str, inputs: list[str]) -> None:
    args = [a for i in inputs for a in ("--input", i)]
    result = cli("summary", f"{NETS}:{name}", *args, "-f", "json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["totals"]["params"] == params_of(name)
    assert report["totals"]["macs"] > 0


def test_the_lstm_language_model_runs_on_its_token_ids() -> None:
    """Before: float zeros, and "Expected tensor for argument #1 'indices' … Long, Int"."""
    result = cli("summary", f"{NETS}:LSTMNet", "--input", "long:100@0..5000", "-f", "json")
    layers = {r["name"]: r for r in json.loads(result.stdout)["layers"]}
    assert layers["embedding"]["shape"] == [100, 300]
    assert layers["decoder"]["shape"] == [100, 5000]


def test_a_list_keeps_its_items_whole() -> None:
    result = cli("summary", f"{NETS}:ListOfImages", "--input", "[3x32x32,3x24x40]", "-f", "json")
    report = json.loads(result.stdout)
    assert report["input"] == [[3, 32, 32], [3, 24, 40]]
    assert [r["shape"] for r in report["layers"][1:]] == [[4, 30, 30], [4, 22, 38]]


def test_parse_inputs() -> None:
    spec = parse_inputs(["long:16x128@0..30522", "mask=bool:16x128", "steps=12", "float:()"])
    assert spec.args == (
        TensorInput((16, 128), "int64", 0, 30522),
        TensorInput((), "float32", batched=False),
    )
    assert dict(spec.kwargs) == {"mask": TensorInput((16, 128), "bool"), "steps": 12}
    assert not spec.plain
    assert parse_inputs(["3x224x224"]).plain


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("cmplx:3", "unknown dtype 'cmplx'"),
        ("long:3@5..5", "is empty"),
        ("3x8@4..0", "is empty"),
        ("bool:3@0..1", "a bool tensor takes one value, @0 or @1"),
        ("bool:3@2", "a bool tensor takes one value, @0 or @1"),
        ("long:3@0.5..4", "int64 values are whole numbers"),
        ("uint8:3@0..300", "uint8 holds 0..255"),
        ("int8:3@-129", "int8 holds -128..127"),
        ("3xq", "is not a shape like 3x224x224"),
        ("0x2x2", "every dimension must be a positive integer"),
        ("{image3x8}", "a dict item is KEY:VALUE"),
    ],
)
def test_a_bad_input_is_a_clear_usage_error(text: str, words: str) -> None:
    with pytest.raises(TargetError, match=None) as error:
        parse_inputs([text])
    assert words in str(error.value)
    result = cli("summary", f"{NETS}:LSTMNet", "--input", text)
    assert result.exit_code == 2 and words in result.stderr


def test_parse_values() -> None:
    assert parse_inputs(["3x8@0"]).args == (TensorInput((3, 8), None, 0, None),)
    assert parse_inputs(["3x8@-1.5..2e1"]).args == (TensorInput((3, 8), None, -1.5, 20.0),)
    assert parse_inputs(["bool:4@1"]).args == (TensorInput((4,), "bool", 1, None),)
    assert parse_inputs(["uint8:3x8x8@0..256"]).args == (TensorInput((3, 8, 8), "uint8", 0, 256),)
    assert not parse_inputs(["3x8@0"]).plain  # values given: not the seeded default


POSITIVES = """\
import torch
from torch import nn


class Positives(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(1, 2)

    def forward(self, x):
        return self.fc(x[x > 0].reshape(-1, 1))
"""


@pytest.mark.parametrize(
    ("given", "kept"),
    [("6@0", 0), ("6@1", 6), ("6@-2..0", 0), ("6@1..2", 6), ("6", None)],
    ids=["zeros", "ones", "negative-range", "positive-range", "seeded-normal"],
)
def test_the_values_asked_for_are_the_values_run(
    tmp_path: Path, given: str, kept: int | None
) -> None:
    """Work that depends on values: a linear map over the positive entries only. The user
    asks for zeros and gets zeros (no work), ones and gets six rows of work."""
    (tmp_path / "positives.py").write_text(POSITIVES)
    result = cli("summary", f"{tmp_path}/positives.py:Positives", "--input", given, "-f", "json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["device"] == "cpu"  # meta cannot know how many are positive
    if kept is None:  # seeded normal samples: some of the six, the same every run
        again = json.loads(
            cli(
                "summary", f"{tmp_path}/positives.py:Positives", "--input", given, "-f", "json"
            ).stdout
        )
        assert 0 < report["totals"]["macs"] < 6 * 2 and again == report
    else:
        assert report["totals"]["macs"] == kept * 2


def test_typed_inputs_are_for_module_targets() -> None:
    result = cli("summary", "lecture-example", "--input", "long:3x32x32@0..5")
    assert result.exit_code == 2
    assert "module targets" in result.stderr


def test_the_public_api_takes_the_same_language() -> None:
    import cnninspect

    report = cnninspect.summary(f"{NETS}:LSTMNet", inputs=["long:10@0..5000"])
    assert report.output_shapes == ((10, 5000),)
    assert report.totals.params == params_of("LSTMNet")


def test_diff_takes_the_language_for_both_sides() -> None:
    """Before: exit 4, "internal error: BadParameter" — a usage error reported as a bug."""
    result = cli(
        "diff", f"{NETS}:LSTMNet", f"{NETS}:LSTMNet", "-i", "long:100@0..5000", "-f", "json"
    )
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["a"]["totals"]["params"] == params_of("LSTMNet")
    assert document["a"]["totals"] == document["b"]["totals"]


def test_validate_runs_a_module_on_its_token_ids() -> None:
    typed = cli("validate", f"{NETS}:LSTMNet", "-i", "long:100@0..5000", "-f", "json")
    assert typed.exit_code == 0, typed.stderr
    floats = cli("validate", f"{NETS}:LSTMNet", "-i", "100", "-f", "json")
    assert floats.exit_code == 1  # an Embedding given floats: the pass fails, a finding
    assert "Long" in floats.stdout or "indices" in floats.stdout


def test_draw_takes_keyword_inputs(tmp_path: Path) -> None:
    out = tmp_path / "k.svg"
    result = cli(
        "draw", f"{NETS}:KeywordArguments", "-i", "4x16", "-i", "mask=bool:4", "-o", str(out)
    )
    assert result.exit_code == 0, result.stderr
    assert out.read_text().startswith("<svg")


def test_memory_takes_the_language_but_not_real_values(tmp_path: Path) -> None:
    """Token ids feed a tracked step; a real batch (@file) cannot: memory tracks its step at
    any batch it tries, a real batch has one."""
    assert cli("memory", f"{NETS}:LSTMNet", "-i", "long:100@0..5000").exit_code == 0
    import torch

    torch.save(torch.zeros(2, 100, dtype=torch.long), tmp_path / "ids.pt")
    result = cli("memory", f"{NETS}:LSTMNet", "-i", f"@{tmp_path}/ids.pt")
    assert result.exit_code == 2
    assert "makes its inputs at each batch it tracks" in result.stderr


@pytest.mark.parametrize("command", ["summary", "diff", "validate", "draw", "memory"])
def test_an_unreadable_input_is_a_usage_error_everywhere(command: str, tmp_path: Path) -> None:
    targets = [f"{NETS}:LSTMNet"] * (2 if command == "diff" else 1)
    extra = ["-o", str(tmp_path / "x.svg")] if command == "draw" else []
    result = cli(command, *targets, "-i", "3xq", *extra)
    assert result.exit_code == 2, (result.exit_code, result.stderr)
    assert "internal error" not in result.stderr
    assert "not a shape like 3x224x224" in result.stderr


@pytest.mark.parametrize("device", ["meta", "cpu"])
@pytest.mark.parametrize(
    ("given", "refused"),
    [("long:5@0..10", False), ("long:5@0..11", True), ("long:5@10", True), ("long:5@-1", True)],
)
def test_token_ids_beyond_the_table_fail_on_every_device(
    device: str, given: str, refused: bool
) -> None:
    """cpu refuses an id that is not a row of the embedding ("index out of range in self");
    meta has no values to check, so the declared range is checked on every device."""
    embedding = ["torch.nn:Embedding", "--arg", "num_embeddings=10", "--arg", "embedding_dim=4"]
    result = cli("summary", *embedding, "-i", given, "--device", device)
    assert result.exit_code == (2 if refused else 0), result.stderr
    if refused:
        assert "index out of range" in result.stderr


# -- the language covers torchinfo's calls --------------------------------------------------------


def test_dict_keys_are_any_literal_and_values_read_as_keywords() -> None:
    """torchinfo passes {256: tensor} and dicts with strings, None and numbers inside."""
    parsed = parse_inputs(["{256:8,'a b':8}", "{mode:'fast',scale:0.5,extra:None,steps:3}"])
    parts, options = parsed.args
    assert set(parts) == {256, "a b"} and parts[256] == 8  # keyword-like: 8 is a number
    assert options == {"mode": "fast", "scale": 0.5, "extra": None, "steps": 3}
    result = cli(
        "summary", f"{NETS}:KeyedDict", "-i", "{256:float:8,'a b':float:8}",
        "-i", "{mode:'fast',scale:0.5,extra:None,steps:3}", "-f", "json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["totals"]["params"] == 8 * 4 + 4


def test_literals_inside_a_list() -> None:
    (items,) = parse_inputs(["[3x8,None,#8,0.5,'text',True]"]).args
    assert items[0] == TensorInput((3, 8), batched=False)
    assert items[1:] == [None, 8, 0.5, "text", True]


def test_a_tensor_without_the_batch_axis() -> None:
    """lengths: one entry per sample, no batch in front (exact:), beside a batch of 4."""
    (name, lengths), = parse_inputs(["lengths=exact:long:4@1..11"]).kwargs  # fmt: skip
    assert name == "lengths" and lengths == TensorInput((4,), "int64", 1, 11, batched=False)
    result = cli(
        "summary", f"{NETS}:PackedSequences", "-i", "10x8", "-i", "lengths=exact:long:4@1..11",
        "-b", "4", "-f", "json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["input"] == [[10, 8], []]  # one length per sample


def test_a_call_that_holds_no_tensor() -> None:
    result = cli("summary", f"{NETS}:Generator", "-i", "steps=3", "-f", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["totals"]["macs"] == 3 * 16 * 8  # three calls of fc
    nothing = cli("summary", f"{NETS}:Generator", "-i", "", "-f", "json")
    assert json.loads(nothing.stdout)["totals"]["macs"] == 16 * 8
    assert "give its input shape" in cli("summary", f"{NETS}:Generator").stderr


def test_real_values_from_a_file_and_from_a_module(tmp_path: Path) -> None:
    """@batch.pt through torch.load(weights_only=True), its batch kept; @pkg.mod:attr
    imported; a file that would run code is refused and runs none."""
    import torch

    torch.save(torch.randn(4, 3, 16, 16), tmp_path / "batch.pt")
    result = cli("summary", "torchvision.models:resnet18", "-i", f"@{tmp_path}/batch.pt")
    assert result.exit_code == 0, result.output
    assert "batch 4" in result.stdout
    module = cli("summary", "torchvision.models:resnet18", "-i", f"@{NETS}:EXAMPLE_BATCH")
    assert module.exit_code == 0, module.output
    assert "batch 5" in module.stdout

    class Ran:
        def __reduce__(self) -> tuple[object, tuple[str]]:
            return (print, ("code ran",))

    torch.save({"x": Ran()}, tmp_path / "evil.pt")
    refused = cli("summary", "torchvision.models:resnet18", "-i", f"@{tmp_path}/evil.pt")
    assert refused.exit_code == 2
    assert "torch.load(weights_only=True) cannot read it" in refused.stderr
    assert "code ran" not in refused.output
    missing = cli("summary", "torchvision.models:resnet18", "-i", f"@{tmp_path}/none.pt")
    assert missing.exit_code == 2 and "no such file" in missing.stderr
