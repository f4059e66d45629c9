"""``cnninspect validate`` and ``cnninspect min-input`` as a user (or a CI job) runs them."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema

from tests.conftest import RULE_CASES, SARIF_SCHEMA, VALIDATE_DATA, cli

PAPER = str(VALIDATE_DATA / "alexnet-paper.yaml")
CLEAN = str(VALIDATE_DATA / "alexnet-227.yaml")
CHAIN = str(RULE_CASES / "CNN201-fires.yaml")
NETS = VALIDATE_DATA / "nets.py"
COLLAPSE = str(RULE_CASES / "CNN107-fires.yaml")
IN_ACTIONS = {"GITHUB_ACTIONS": "true"}


def test_clean_file_exits_0() -> None:
    result = cli("validate", CLEAN)
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert "1 target: no findings" in result.stderr


def test_alexnet_paper_exits_1_with_located_lines() -> None:
    result = cli("validate", PAPER)
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    conv1 = "conv1 declares 55×55×96 but the forward pass computes 54×54×96"
    assert f"{PAPER}:11:13: CNN101 error: {conv1}" in lines
    assert any("an input of 227×227 (instead of 224×224)" in line for line in lines)
    assert "1 target, 1 with findings: 5 errors, 4 warnings" in result.stderr


def test_lenet_table_row_4() -> None:
    result = cli("validate", str(VALIDATE_DATA / "lenet5-lecture-table.yaml"))
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0].endswith(
        ":22:13: CNN101 error: row4 declares 16×10×10 but the forward pass computes 16×6×6"
    )


def test_fail_on_warning() -> None:
    assert cli("validate", CHAIN).exit_code == 0
    assert cli("validate", "--fail-on", "warning", CHAIN).exit_code == 1


def test_a_directory_and_a_broken_file_in_one_run(tmp_path: Path) -> None:
    (tmp_path / "good.yaml").write_text(Path(CLEAN).read_text())
    (tmp_path / "broken.yml").write_text("cnninspect: 1\ninput: [3, 8, 8]\nlayers: [Relu]\n")
    result = cli("validate", str(tmp_path), "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert [(Path(t["target"]).name, t["failed"]) for t in data["targets"]] == [
        ("broken.yml", True),
        ("good.yaml", False),
    ]
    assert data["targets"][0]["findings"][0]["code"] == "CNN003"


def test_json_only_json_on_stdout() -> None:
    result = cli("validate", "-f", "json", PAPER, CLEAN)
    data = json.loads(result.stdout)  # nothing else is on stdout
    assert data["schema"] == "cnninspect.validate"
    assert data["targets"][0]["suggested_input"] == [3, 227, 227]
    assert result.exit_code == 1


def test_github_format_is_detected_in_actions() -> None:
    result = cli("validate", PAPER, env=IN_ACTIONS)
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines and all(line.startswith(("::error file=", "::warning file=")) for line in lines)
    assert "%0Ahint: " in lines[0]


def test_explicit_format_wins_over_actions() -> None:
    result = cli("validate", "-f", "json", PAPER, env=IN_ACTIONS)
    assert result.exit_code == 1
    assert not result.stdout.startswith("::")  # not GitHub's annotations
    (target,) = json.loads(result.stdout)["targets"]
    assert target["target"] == PAPER and target["failed"]
    assert {f["code"] for f in target["findings"]} >= {"CNN101", "CNN102"}


def test_sarif_to_an_output_file(tmp_path: Path) -> None:
    out = tmp_path / "cnninspect.sarif"
    result = cli("validate", "-f", "sarif", "--output-file", str(out), PAPER)
    assert result.exit_code == 1
    assert result.stdout == ""
    schema = json.loads(SARIF_SCHEMA.read_text())
    jsonschema.validate(json.loads(out.read_text()), schema)


def test_junit() -> None:
    result = cli("validate", "-f", "junit", PAPER, CLEAN)
    root = ET.fromstring(result.stdout)
    relative = [Path(p).relative_to(Path.cwd()).as_posix() for p in (PAPER, CLEAN)]
    assert [c.get("name") for c in root.iter("testcase")] == relative  # from the repository


def test_module_target_with_input() -> None:
    target = f"{NETS}:PaperAlexNet"
    result = cli("validate", target, "--input", "3x224x224")
    assert result.exit_code == 1
    explained = "Linear expects 9216 features, gets 6400 = 256×5×5"
    assert f"CNN106 error: fc6 (Linear) fails on input (6400,): {explained}" in result.stdout
    assert cli("validate", target, "--input", "3x227x227").exit_code == 0


def test_usage_errors_exit_2() -> None:
    assert cli("validate", "no/such/file.yaml").exit_code == 2
    assert cli("validate", f"{NETS}:PaperAlexNet").exit_code == 2  # no --input
    assert cli("validate", "--format", "xml", CLEAN).exit_code == 2
    assert cli("validate").exit_code == 2


def test_min_input() -> None:
    result = cli("min-input", "torchvision.models:alexnet", COLLAPSE)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "torchvision.models:alexnet: 63×63 (input 3×63×63)",
        f"{COLLAPSE}: 14×14 (input 1×14×14)",
    ]


def test_min_input_json() -> None:
    result = cli("min-input", "-f", "json", "torchvision.models:vgg16")
    data = json.loads(result.stdout)
    assert data["targets"][0]["min_input"] == [3, 32, 32]
    assert data["targets"][0]["min_size"] == 32


def test_help_documents_exit_codes_and_rules() -> None:
    text = cli("validate", "--help").stdout
    assert "Exit codes" in text
    assert "CNN103" in text and "CNN201" in text
