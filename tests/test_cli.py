"""The command line as a user meets it: in-process through ``cli()``, and real subprocesses."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cnninspect.cli import app
from tests.conftest import ARCHITECTURES, GOLDEN, ROOT, check_golden, cli


def test_help_lists_commands_and_exit_codes() -> None:
    result = cli("--help")
    assert result.exit_code == 0
    assert "summary" in result.stdout
    assert "Exit codes" in result.stdout


def test_version() -> None:
    result = cli("--version")
    assert result.exit_code == 0
    assert result.stdout.startswith("cnninspect 0.")


@pytest.mark.parametrize(
    "code",
    [
        "import cnninspect",
        "import cnninspect.cli",
        # the console script's entry point, as `cnninspect --help` runs it
        "import sys\nfrom cnninspect.cli import main\nsys.argv = ['cnninspect', '--help']\n"
        "try:\n    main()\nexcept SystemExit as stop:\n    assert stop.code == 0, stop.code",
        # a file that cannot be read or parsed is refused before torch (--device auto too)
        *(
            "import sys\nfrom cnninspect.cli import main\n"
            f"sys.argv = ['cnninspect', {command!r}, '/no/such/file.yaml']\n"
            "try:\n    main()\nexcept SystemExit as stop:\n    assert stop.code == 2, stop.code"
            for command in ("summary", "draw", "validate", "memory")
        ),
        "import sys\nfrom cnninspect.cli import main\n"
        "sys.argv = ['cnninspect', 'summary', '/no/such/net.py:Net', '--input', '3x8x8']\n"
        "try:\n    main()\nexcept SystemExit as stop:\n    assert stop.code == 2, stop.code",
    ],
    ids=["import", "import-cli", "help", "missing-summary", "missing-draw", "missing-validate",
         "missing-memory", "missing-module-file"],
)  # fmt: skip
def test_import_and_help_do_not_import_torch(code: str) -> None:
    check = f"{code}\nimport sys\nprint('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, check=True)
    assert out.stdout.strip().endswith("False")


@pytest.mark.slow
def test_real_subprocess_summary_json(tmp_path: Path) -> None:
    """The installed console script, as a shell would run it."""
    script = Path(sys.executable).parent / "cnninspect"
    env = {**os.environ, "NO_COLOR": "1"}
    out = subprocess.run(
        [str(script), "summary", "lecture-example", "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
        env=env,
        cwd=tmp_path,  # bundled names resolve from anywhere
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["totals"]["params"] == 62958


def test_python_dash_m_runs_the_cli(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`python -m cnninspect`, in-process: the subprocess tests are slow."""
    import runpy

    monkeypatch.setattr(sys, "argv", ["cnninspect", "--version"])
    with pytest.raises(SystemExit) as stop:
        runpy.run_module("cnninspect", run_name="__main__")
    assert stop.value.code == 0
    assert capsys.readouterr().out.startswith("cnninspect 0.")


@pytest.mark.slow
def test_python_dash_m_reports_errors_without_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("cnninspect: 1\ninput: [3, 32, 32]\nlayers:\n  - Conv2D: {out_channels: 8}\n")
    out = subprocess.run(
        [sys.executable, "-m", "cnninspect", "summary", str(bad)],
        check=False,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_COLOR": "1"},
    )
    assert out.returncode == 2
    assert "Traceback" not in out.stderr
    assert f"{bad}:4:5: unknown layer type 'Conv2D' (did you mean 'Conv2d'?)" in out.stderr
    assert out.stdout == ""


def test_summary_table_golden() -> None:
    result = cli("summary", "lecture-example", "--notation", "hwc")
    assert result.exit_code == 0
    check_golden("lecture-example.hwc.txt", result.stdout)


def test_summary_markdown_golden() -> None:
    result = cli("summary", "lecture-example", "--format", "markdown")
    assert result.exit_code == 0
    check_golden("lecture-example.md", result.stdout)


def test_summary_csv_parses() -> None:
    result = cli("summary", "lecture-example", "--format", "csv", "--notation", "hwc")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    conv1 = next(r for r in rows if r["name"] == "CONV1")
    assert (conv1["shape"], conv1["size"], conv1["params"]) == ("28x28x8", "6272", "608")


def test_json_is_the_only_thing_on_stdout_even_with_warnings(tmp_path: Path) -> None:
    path = tmp_path / "declared.yaml"
    path.write_text(
        "cnninspect: 1\ninput: [3, 8, 8]\nlayers:\n"
        "  - Conv2d: {out_channels: 4, kernel_size: 3}\n    expect: [4, 7, 7]\n"
    )
    result = cli("summary", str(path), "--format", "json")
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert report["findings"][0]["code"] == "CNN101"
    assert f"{path}:5:13: CNN101: conv2d1 declares 4×7×7" in result.stderr


def test_batch_scales_activation_totals_not_per_layer_sizes() -> None:
    one = json.loads(cli("summary", "lecture-example", "-f", "json").stdout)
    four = json.loads(cli("summary", "lecture-example", "-f", "json", "--batch", "4").stdout)
    assert four["totals"]["activation_elements"] == 4 * one["totals"]["activation_elements"]
    assert four["totals"]["activation_bytes"] == 4 * 4 * one["totals"]["activation_elements"]
    assert [r["size"] for r in four["layers"]] == [r["size"] for r in one["layers"]]
    assert four["totals"]["params"] == one["totals"]["params"]


def test_dtype_changes_bytes() -> None:
    half = json.loads(cli("summary", "lecture-example", "-f", "json", "--dtype", "float16").stdout)
    assert half["totals"]["param_bytes"] == 2 * 62958
    assert half["totals"]["activation_bytes"] == 2 * half["totals"]["activation_elements"]


def test_meta_device_gives_the_same_numbers_as_cpu() -> None:
    cpu = json.loads(cli("summary", "lecture-example", "-f", "json").stdout)
    meta = json.loads(cli("summary", "lecture-example", "-f", "json", "--device", "meta").stdout)
    assert meta["device"] == "meta"
    assert meta["layers"] == cpu["layers"]
    assert meta["totals"] == cpu["totals"]


@pytest.mark.skipif(
    __import__("torch").cuda.is_available(), reason="this machine has CUDA: nothing to refuse"
)
def test_cuda_without_cuda_is_one_line_and_exit_3() -> None:
    result = cli("summary", "lecture-example", "--device", "cuda")
    assert result.exit_code == 3
    assert result.stderr.startswith("error: --device cuda: CUDA is not available on this machine")
    assert "Traceback" not in result.stderr


def test_unknown_target_suggests_bundled_names() -> None:
    result = cli("summary", "lecture-exmaple")
    assert result.exit_code == 2
    assert "did you mean 'lecture-example'?" in result.stderr


def test_input_override_changes_shapes() -> None:
    result = cli("summary", "lecture-example", "--input", "3x36x36", "-f", "json")
    report = json.loads(result.stdout)
    assert report["layers"][1]["shape"] == [8, 32, 32]


def test_bad_input_option_is_a_usage_error() -> None:
    result = cli("summary", "lecture-example", "--input", "3xfoo")
    assert result.exit_code == 2


def test_schema_command_prints_json_schema() -> None:
    result = cli("schema")
    schema = json.loads(result.stdout)
    assert "Conv2d" in schema["$defs"]["layer_types"]["enum"]


def test_committed_schema_matches_the_registry() -> None:
    committed = json.loads((ROOT / "schema" / "cnninspect.schema.json").read_text())
    assert committed == json.loads(cli("schema").stdout), "run: cnninspect schema > schema/..."


def test_list_of_a_small_zoo(monkeypatch: pytest.MonkeyPatch) -> None:
    """`list` on two files, fast: the whole zoo is in the slow tests below."""
    import cnninspect.api.listing

    monkeypatch.setattr(
        cnninspect.api.listing, "bundled_names", lambda: ["alexnet-paper", "lecture-example"]
    )
    result = cli("list", "--format", "json")
    assert result.exit_code == 0, result.stderr
    listed = {entry["name"]: entry for entry in json.loads(result.stdout)["architectures"]}
    assert list(listed) == ["alexnet-paper", "lecture-example"]
    assert listed["lecture-example"]["params"] == 62958
    assert listed["lecture-example"]["macs"] == 849_320
    assert listed["lecture-example"]["output_shape"] == [10]
    assert listed["alexnet-paper"]["findings"] > 0
    table = cli("list")
    assert table.exit_code == 0, table.stderr
    lines = table.stdout.splitlines()
    assert any(line.startswith("alexnet-paper (!) ") for line in lines)
    assert any(line.startswith("lecture-example ") and "62,958" in line for line in lines)
    assert "a deliberate transcription" in table.stdout
    assert max(len(line) for line in lines) <= 80


@pytest.mark.slow
def test_list_covers_every_bundled_architecture() -> None:
    result = cli("list", "--format", "json")
    assert result.exit_code == 0, result.stderr
    listed = {entry["name"]: entry for entry in json.loads(result.stdout)["architectures"]}
    assert set(listed) == {p.stem for p in ARCHITECTURES.glob("*.yaml")}
    assert listed["lecture-example"]["params"] == 62958
    assert listed["lecture-example"]["input_shape"] == [3, 32, 32]
    assert listed["resnet18"]["params"] == 11_689_512
    assert listed["resnet18"]["macs"] == 1_814_073_344  # torchvision: 1.814 GMACs
    assert listed["alexnet-paper"]["findings"] > 0  # the deliberate transcription
    assert listed["alexnet"]["findings"] == 0


@pytest.mark.slow
def test_list_table_shows_numbers_at_80_columns() -> None:
    result = cli("list")
    assert result.exit_code == 0
    line = next(line for line in result.stdout.splitlines() if line.startswith("resnet18 "))
    assert "11,689,512" in line and "1.81 G" in line
    assert max(len(line) for line in result.stdout.splitlines()) <= 80


def test_memory_totals_by_dtype() -> None:
    report = json.loads(cli("summary", "resnet18", "-f", "json", "--batch", "2").stdout)
    totals = report["totals"]
    # BatchNorm keeps running statistics (float32) and a batch counter (int64) per layer
    by_dtype = totals["bytes_by_dtype"]
    assert by_dtype["float32"]["params"] == 4 * 11_689_512
    assert by_dtype["int64"] == {"params": 0, "buffers": 8 * 20}  # 20 BatchNorm2d layers
    assert totals["buffer_bytes"] == sum(d["buffers"] for d in by_dtype.values())
    assert totals["input_bytes"] == 2 * 3 * 224 * 224 * 4


def test_flops_on_request() -> None:
    result = cli("summary", "lecture-example", "--flops")
    assert "FLOPs:              1.70 M (1,698,640; 2 per multiply-add)" in result.stdout
    macs = json.loads(cli("summary", "lecture-example", "-f", "json").stdout)["totals"]
    # conv1 28·28·8·75 + conv2 10·10·16·200 + 400·120 + 120·84 + 84·10 multiply-adds
    assert macs["macs"] == 28 * 28 * 8 * 75 + 10 * 10 * 16 * 200 + 400 * 120 + 120 * 84 + 84 * 10
    assert macs["flops"] == 2 * macs["macs"]


def test_every_command_has_help_and_a_readme_section() -> None:
    import typer.main

    from cnninspect.cli import app

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = typer.main.get_command(app).commands  # type: ignore[attr-defined]
    assert set(commands) >= {"summary", "validate", "diff", "list", "schema", "min-input"}
    for name, command in commands.items():
        assert command.help, name
        assert f"cnninspect {name}" in readme, f"README does not document `cnninspect {name}`"
        assert cli(name, "--help").exit_code == 0


def test_layer_column_draws_the_module_tree() -> None:
    from cnninspect import summary as summarize
    from cnninspect.render.summary.table import tree_prefixes

    rows = summarize("resnet18", device="meta").rows
    drawn = {r.name: p + r.label for r, p in zip(rows, tree_prefixes(rows), strict=True)}
    assert drawn["layer1"] == "layer1"
    assert drawn["layer1.0"] == "├─0"
    assert drawn["layer1.0.conv1"] == "│ ├─conv1"
    assert drawn["layer1.0.relu2"] == "│ └─relu2"
    assert drawn["layer1.1"] == "└─1"
    assert drawn["layer1.1.conv1"] == "  ├─conv1"
    assert "├─0" in cli("summary", "resnet18", "--device", "meta").stdout


def test_a_bug_is_one_line_and_exit_4_not_a_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    import cnninspect.api.summary

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("index [b] out of range")  # brackets are text, not Rich markup

    monkeypatch.setattr(cnninspect.api.summary, "summarize", broken)
    result = cli("summary", "lecture-example")
    assert result.exit_code == 4
    assert result.stderr.startswith("error: internal error: RuntimeError: index [b] out of range")
    assert "--debug" in result.stderr
    assert "Traceback" not in result.stderr


def test_messages_with_brackets_are_printed_verbatim(tmp_path: Path) -> None:
    path = tmp_path / "net.yaml"
    path.write_text(
        "cnninspect: 1\ninput: [3, 8, 8]\nlayers:\n  - PixelShuffle: {upscale_factor: 2}\n"
    )
    result = cli("summary", str(path))
    assert result.exit_code == 2
    assert "torch.Size([1, 3, 8, 8])" in result.stderr  # torch's own words, brackets and all


def test_readme_quick_start_is_the_real_output() -> None:
    """The README pastes `make run`'s output; the golden file is that output at 80 columns."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    golden = (GOLDEN / "lecture-example.hwc.txt").read_text(encoding="utf-8")
    assert golden.rstrip() in readme
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "cnninspect summary lecture-example --notation hwc" in makefile


def complete(words: str) -> list[str]:
    """What bash's completion offers for ``words`` (the last one being typed)."""
    env = {"_CNNINSPECT_COMPLETE": "complete_bash", "COMP_WORDS": words}
    env["COMP_CWORD"] = str(len(words.split()) - 1 + words.endswith(" "))
    result = CliRunner().invoke(app, [], env=env, prog_name="cnninspect")
    return result.output.split()


def test_bundled_names_and_files_complete_in_the_shell(monkeypatch: pytest.MonkeyPatch) -> None:
    assert complete("cnninspect summary res") == [
        "resnet101", "resnet152", "resnet18", "resnet34", "resnet50"
    ]  # fmt: skip
    assert "lenet5" in complete("cnninspect validate len")
    assert "alexnet-paper" in complete("cnninspect diff alexnet alex")
    monkeypatch.chdir(ROOT)
    assert "architectures/" in complete("cnninspect draw archi")
    assert "architectures/unet.yaml" in complete("cnninspect memory architectures/un")


def test_summary_reports_every_mistake_of_a_file_at_once(tmp_path: Path) -> None:
    path = tmp_path / "five.yaml"
    path.write_text(
        "cnninspect: 1\ninput: [3, 32, 32]\nlayers:\n"
        "  - Conv2D: {out_channels: 8, kernel_size: 3}\n"
        "  - Relu\n"
        "  - Conv2d: {out_channels: 8, kernal_size: 3}\n"
        '  - Conv2d: {out_channels: "ten", kernel_size: 3}\n'
        "  - Conv2d: {out_channels: 8, kernel_size: 3, bias: off}\n"
    )
    result = cli("summary", str(path))
    assert result.exit_code == 2
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert lines == [
        f"error: {path}:4:5: unknown layer type 'Conv2D' (did you mean 'Conv2d'?)",
        f"error: {path}:5:5: unknown layer type 'Relu' (did you mean 'ReLU'?)",
        f"error: {path}:6:31: Conv2d has no keyword 'kernal_size' (did you mean 'kernel_size'?)",
        f"error: {path}:7:28: Conv2d's 'out_channels' expects int, got str 'ten'",
        f"error: {path}:8:53: Conv2d's 'bias' expects bool, got the text 'off' (write true or "
        "false)",
    ]


def test_mistakes_past_the_cap_are_counted_not_shown(tmp_path: Path) -> None:
    from cnninspect.errors import MISTAKES_SHOWN

    path = tmp_path / "many.yaml"
    path.write_text(
        "cnninspect: 1\ninput: [3, 32, 32]\nlayers:\n" + "  - Relu\n" * (MISTAKES_SHOWN + 7)
    )
    result = cli("summary", str(path))
    assert result.exit_code == 2
    assert result.stderr.count("unknown layer type 'Relu'") == MISTAKES_SHOWN
    assert f"… and 7 more mistakes (the first {MISTAKES_SHOWN} are shown)" in result.stderr


def test_help_lists_each_command_in_sentences_wrapped_to_the_terminal() -> None:
    """The commands list used to break a description where its docstring's line ended
    ("marked in" / "red")."""
    result = cli("--help", env={"COLUMNS": "80"})
    panel = " ".join(line.strip("│ ") for line in result.stdout.splitlines())
    assert "with the findings of validate marked in red (their messages on hover)" in " ".join(
        panel.split()
    )
    lines = [line for line in result.stdout.splitlines() if "marked in" in line]
    assert lines and all("red" in line or len(line.rstrip(" │")) > 70 for line in lines)


def test_the_yaml_schema_lets_an_editor_see_merge_keys() -> None:
    """An editor that checks a file against the schema without resolving `<<` (its reader
    merges it; PyYAML's safe loader does too) does not flag a merge key."""
    import jsonschema

    schema = json.loads((ROOT / "schema" / "cnninspect.schema.json").read_text())
    document = {
        "cnninspect": 1,
        "input": [3, 8, 8],
        "layers": [{"Conv2d": {"<<": {"out_channels": 8}, "kernel_size": 3}}],
    }
    jsonschema.validate(document, schema)
    conv2d = next(
        a["properties"]["Conv2d"]
        for a in schema["$defs"]["layer"]["anyOf"]
        if "Conv2d" in a.get("properties", {})
    )
    assert "<<" in conv2d["properties"] and conv2d["additionalProperties"] is False
