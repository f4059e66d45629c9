"""Output where users read it: terminals of every width, pipes and CI logs, spreadsheets,
notebooks, ``print``, help screens and shells. Each test reads the output as its consumer does."""

from __future__ import annotations

import csv
import functools
import io
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

import cnninspect
from cnninspect.render.text import count, si
from tests.conftest import DATA, cli, render

TINY = str(DATA / "models" / "tiny.py")

# Where output is read: terminals of three widths, and without a terminal (a pipe, a file, a
# CI log), plain, without colour, on a dumb terminal and in GitHub Actions.
WIDTHS = {"columns-40": "40", "columns-80": "80", "columns-250": "250"}
PIPED: dict[str, dict[str, str | None]] = {
    "piped": {"COLUMNS": None},
    "no-color": {"COLUMNS": None, "NO_COLOR": "1"},
    "term-dumb": {"COLUMNS": None, "TERM": "dumb"},
    "github-actions": {"COLUMNS": None, "GITHUB_ACTIONS": "true"},
}
ENVIRONMENTS = {**{k: {"COLUMNS": v} for k, v in WIDTHS.items()}, **PIPED}


def environments(*, without: str = "") -> list[Any]:
    """One parameter per environment; those a pipe already covers in-process (the output goes
    to a pipe there as well: no colour, no terminal) run with the slow tests."""
    return [
        pytest.param(
            env, id=name, marks=[pytest.mark.slow] if name in PIPED and name != "piped" else []
        )
        for name, env in ENVIRONMENTS.items()
        if name != without
    ]


# a number that lost its end to an ellipsis ("132,863,3…", "(256, 2…"), not a name ("Conv3x3…")
CUT = re.compile(r"(?<![A-Za-z_.])[0-9][0-9,.]*…")


@functools.cache
def summary_numbers(args: tuple[str, ...], *, macs: bool) -> list[str]:
    """Every number the summary table of ``args`` must show whole, read from its JSON."""
    report = json.loads(cli("summary", *args, "-f", "json").stdout)
    numbers = []
    for layer in report["layers"]:
        numbers.append(count(layer["size"]))
        numbers.append(count(layer["params"] if layer["leaf"] else layer["subtree_params"]))
        if macs and layer["subtree_macs"]:
            numbers.append(si(layer["subtree_macs"]).split()[0])  # "470.40" of "470.40 K"
    return numbers


def assert_whole(text: str, numbers: list[str]) -> None:
    assert not CUT.search(text), CUT.search(text)
    missing = [n for n in numbers if n not in text]
    assert not missing, missing


CASES = {
    "lecture-example": ("lecture-example",),
    "resnet18": ("resnet18", "--device", "meta"),
    "c3d": ("c3d", "--device", "meta"),  # at 80 columns its MACs were cut ("693.63…")
}


@pytest.mark.parametrize("environment", environments())
@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_summary_numbers_are_never_cut(case: tuple[str, ...], environment: dict[str, Any]) -> None:
    result = cli("summary", *case, env=environment)
    assert result.exit_code == 0, result.stderr
    assert_whole(result.stdout, summary_numbers(case, macs=False))
    if environment.get("COLUMNS"):
        assert max(map(len, result.stdout.splitlines())) <= int(environment["COLUMNS"])


@pytest.mark.parametrize("environment", environments(without="columns-40"))  # too narrow
@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_macs_column_numbers_are_never_cut(
    case: tuple[str, ...], environment: dict[str, Any]
) -> None:
    result = cli("summary", *case, "--macs", env=environment)
    assert result.exit_code == 0, result.stderr
    assert_whole(result.stdout, summary_numbers(case, macs=True))


def table_rows(text: str) -> list[str]:
    """The lines between a table's header rule and the blank line after it."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("───"))
    end = lines.index("", start)
    return lines[start + 1 : end]


@pytest.mark.parametrize("environment", PIPED.values(), ids=PIPED.keys())
def test_piped_table_takes_the_width_it_needs(environment: dict[str, Any]) -> None:
    """No terminal: nothing wraps (one line per layer, hyper-parameters whole) and nothing is
    cut (no ellipsis at all: names and types whole too)."""
    result = cli("summary", "resnet18", "--device", "meta", env=environment)
    layers = json.loads(cli("summary", "resnet18", "--device", "meta", "-f", "json").stdout)
    rows = table_rows(result.stdout)
    assert len(rows) == len(layers["layers"])
    conv1 = next(row for row in rows if row.startswith("conv1 "))
    assert "k=7 s=2 p=3" in conv1
    assert "…" not in result.stdout
    assert "\x1b[" not in result.stdout  # no colour in a pipe


def test_narrow_terminal_drops_text_before_numbers() -> None:
    """40 columns: the hyper-parameters and types go, the shapes and counts stay whole."""
    result = cli("summary", "lecture-example", env={"COLUMNS": "40"})
    rows = table_rows(result.stdout)
    fc3 = next(row for row in rows if row.startswith("FC3"))
    assert fc3.split() == ["FC3", "(120,)", "120", "48,120"]
    assert max(map(len, result.stdout.splitlines())) <= 40


@pytest.fixture
def small_zoo(monkeypatch: pytest.MonkeyPatch) -> None:
    """`list` over three files: the longest name, the widest numbers, the longest input."""
    import cnninspect.api.listing

    names = ["c3d", "lenet5-lecture-table", "vgg19"]
    monkeypatch.setattr(cnninspect.api.listing, "bundled_names", lambda: names)


@pytest.mark.usefixtures("small_zoo")
@pytest.mark.parametrize("environment", environments())
def test_list_numbers_are_never_cut(environment: dict[str, Any]) -> None:
    listed = json.loads(cli("list", "-f", "json").stdout)["architectures"]
    result = cli("list", env=environment)
    assert result.exit_code == 0, result.stderr
    numbers = [count(e["params"]) for e in listed] + [si(e["macs"]).split()[0] for e in listed]
    assert_whole(result.stdout, numbers)
    if not environment.get("COLUMNS"):  # piped: every source whole, one line per row
        for entry in listed:
            line = next(x for x in result.stdout.splitlines() if x.startswith(entry["name"]))
            assert entry["source"] in line and count(entry["params"]) in line


@pytest.mark.slow
def test_whole_zoo_listed_to_a_file_keeps_every_number(tmp_path: Path) -> None:
    """`cnninspect list > file`, as a shell runs it: every row whole on its line."""
    script = Path(sys.executable).parent / "cnninspect"
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    target = tmp_path / "zoo.txt"
    with target.open("w") as out:
        subprocess.run([str(script), "list"], stdout=out, check=True, env=env, cwd=tmp_path)
    text = target.read_text()
    listed = json.loads(cli("list", "-f", "json").stdout)["architectures"]
    assert not CUT.search(text) and "…" not in text
    for entry in listed:
        line = next(x for x in text.splitlines() if x.startswith(entry["name"] + " "))
        assert count(entry["params"]) in line and si(entry["macs"]) in line, line


@functools.cache
def diff_numbers(a: str, b: str) -> list[str]:
    data = json.loads(cli("diff", a, b, "-f", "json", "--all").stdout)
    return [count(side["params"]) for e in data["layers"] for side in (e["a"], e["b"]) if side]


@pytest.mark.parametrize("environment", environments())
def test_diff_numbers_are_never_cut(environment: dict[str, Any]) -> None:
    a, b = "lecture-example", "lenet5"
    result = cli("diff", a, b, "--all", env=environment)
    assert_whole(result.stdout, diff_numbers(a, b))


# -- CSV for spreadsheets ---------------------------------------------------------------------


def read_csv(*args: str) -> list[dict[str, str]]:
    result = cli("summary", *args, "--format", "csv")
    assert result.exit_code == 0, result.stderr
    return list(csv.DictReader(io.StringIO(result.stdout)))


def test_csv_columns_sum_to_the_totals() -> None:
    """resnet18 read back by the csv module: summing `macs` over the leaf rows (or over every
    row) gives the JSON's total, not the 5.21 G that container subtotals made of it."""
    args = ("resnet18", "--device", "meta")
    rows = read_csv(*args)
    totals = json.loads(cli("summary", *args, "-f", "json").stdout)["totals"]
    assert list(rows[0]) == [
        *("name", "call", "type", "depth", "leaf", "hparams", "shape", "size", "params"),
        *("shared_params", "subtree_params", "macs", "subtree_macs"),
        *("receptive_field", "jump", "start"),
    ]
    leaves = [r for r in rows if r["leaf"] == "true"]
    assert sum(int(r["macs"]) for r in leaves) == totals["macs"] == 1_814_073_344
    assert sum(int(r["macs"]) for r in rows) == totals["macs"]
    assert sum(int(r["params"]) for r in rows) == totals["params"] == 11_689_512
    top = [r for r in rows if r["depth"] == "1"]
    assert sum(int(r["subtree_macs"]) for r in top) == totals["macs"]
    assert sum(int(r["subtree_params"]) for r in top) == totals["params"]
    layer1 = next(r for r in rows if r["name"] == "layer1")
    assert (layer1["leaf"], layer1["macs"]) == ("false", "0")
    assert int(layer1["subtree_macs"]) > 0


def test_csv_folded_rows_stand_for_what_they_contain() -> None:
    args = ("resnet18", "--device", "meta", "--depth", "1")
    rows = read_csv(*args)
    totals = json.loads(cli("summary", "resnet18", "--device", "meta", "-f", "json").stdout)
    assert sum(int(r["macs"]) for r in rows) == totals["totals"]["macs"]
    assert sum(int(r["params"]) for r in rows) == totals["totals"]["params"]


def test_csv_tells_calls_of_one_module_apart() -> None:
    rows = read_csv(f"{TINY}:TiedTwice", "-i", "16")
    keys = [(r["name"], r["call"]) for r in rows]
    assert len(keys) == len(set(keys))
    assert ("block", "0") in keys and ("block", "1") in keys
    second = next(r for r in rows if (r["name"], r["call"]) == ("block.0", "1"))
    assert (second["params"], second["shared_params"], second["macs"]) == ("0", "272", "256")


# -- tied weights -----------------------------------------------------------------------------


def test_a_layer_with_own_and_shared_weights_shows_both() -> None:
    """`out.weight = emb.weight` with out's own bias: 8 of its own, 64 shared, everywhere."""
    target = (f"{TINY}:TiedOut", "-i", "8")
    table = cli("summary", *target)
    out = next(row for row in table_rows(table.stdout) if row.startswith("out "))
    assert out.endswith("8 (+64 shared)")
    layer = next(
        r
        for r in json.loads(cli("summary", *target, "-f", "json").stdout)["layers"]
        if r["name"] == "out"
    )
    assert (layer["params"], layer["shared_params"]) == (8, 64)
    markdown = cli("summary", *target, "-f", "markdown").stdout
    assert "| out | Linear |  | (8,) | 8 | 8 (+64 shared) |" in markdown
    report = cnninspect.summary(f"{TINY}:TiedOut", input_shape=(8,))
    assert "8 (+64 shared)" in notebook_cells(report)["out"]


# -- --depth 0 --------------------------------------------------------------------------------


def test_depth_0_shows_the_input_and_the_model() -> None:
    args = ("torchvision.models:resnet18", "-i", "3x224x224", "--device", "meta", "-d", "0")
    data = json.loads(cli("summary", *args, "-f", "json").stdout)
    names = [(r["name"], r["type"], r["depth"], r["leaf"]) for r in data["layers"]]
    assert names == [("Input", "Input", 0, True), ("resnet18", "ResNet", 0, False)]
    model = data["layers"][1]
    assert model["subtree_params"] == data["totals"]["params"] == 11_689_512
    assert model["subtree_macs"] == data["totals"]["macs"]
    assert model["shape"] == [1000]
    rows = table_rows(cli("summary", *args).stdout)
    assert len(rows) == 2
    assert rows[1].split()[:2] == ["resnet18", "ResNet"] and rows[1].endswith("11,689,512")


# -- notebooks and print ----------------------------------------------------------------------


class _Cells(HTMLParser):
    """Every <td>/<th> of an HTML document: its inline style, text and whether it is bold."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: list[tuple[str, str, str, bool]] = []  # tag, style, text, bold
        self.pre: list[str] = []
        self._open: list[Any] | None = None
        self._in_pre = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("td", "th"):
            self._open = [tag, dict(attrs).get("style") or "", "", False]
        elif tag == "b" and self._open is not None:
            self._open[3] = True
        elif tag == "pre":
            self._in_pre = True
            self.pre.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._open is not None:
            self.cells.append((self._open[0], self._open[1], self._open[2], self._open[3]))
            self._open = None
        elif tag == "pre":
            self._in_pre = False

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._open[2] += data
        elif self._in_pre:
            self.pre[-1] += data


def parse_html(html: str) -> _Cells:
    parser = _Cells()
    parser.feed(html)
    return parser


def styles(style: str) -> dict[str, str]:
    pairs = (part.split(":", 1) for part in style.split(";") if ":" in part)
    return {key.strip(): value.strip() for key, value in pairs}


def notebook_rows(display: Any) -> Iterator[list[tuple[str, str, str, bool]]]:
    """The rows of the first table of a display's HTML, cell by cell."""
    cells = parse_html(display._repr_html_()).cells
    width = next(i for i, cell in enumerate(cells) if cell[0] == "td")  # the header's cells
    body = cells[width:]
    end = next((i for i, cell in enumerate(body) if cell[0] == "th"), len(body))
    for i in range(0, end, width):
        yield body[i : i + width]


def notebook_cells(display: Any) -> dict[str, str]:
    """Layer name (without tree guides) → its parameters cell."""
    return {row[0][2].lstrip("│├└─ "): row[5][2] for row in notebook_rows(display)}


def test_notebook_table_is_the_terminal_table() -> None:
    """The same tree, "(call 2)", shared counts, bold containers and totals as the terminal;
    every cell styled inline, so that JupyterLab's `.jp-RenderedHTMLCommon td { text-align:
    right }` (a stylesheet rule, which an inline style outranks) neither right-aligns the names
    nor collapses the tree's spaces."""
    report = cnninspect.summary(f"{TINY}:TiedTwice", input_shape=(16,))
    parsed = parse_html(report._repr_html_())
    for _, style, _, _ in parsed.cells:
        assert styles(style)["text-align"] in ("left", "right")
    rows = list(notebook_rows(report))
    names = [row[0][2] for row in rows]
    terminal = [line.split("  ")[0] for line in table_rows(render(report, width=120))]
    assert names == terminal
    assert "block (call 2)" in names and "├─0 (call 2)" in names
    for name_cell, *_ in rows:
        style = styles(name_cell[1])
        assert (style["text-align"], style["white-space"]) == ("left", "pre")
        assert style["font-family"] == "monospace"
    bold = {row[0][2] for row in rows if row[0][3]}
    assert bold == {"block", "block (call 2)"}
    params = notebook_cells(report)
    assert params["decoder"] == "shared 256" and params["block"] == "(272)"
    assert styles(rows[1][5][1])["text-align"] == "right"
    assert parsed.pre and "Total params:       528" in parsed.pre[0]


def test_notebook_view_takes_the_commands_options() -> None:
    report = cnninspect.summary("lecture-example", device="meta")
    hwc = report.view(notation="hwc")._repr_html_()
    assert "(28, 28, 8)" in hwc and "(8, 28, 28)" not in hwc
    folded = list(notebook_rows(report.view(depth=0)))
    assert [row[0][2] for row in folded] == ["Input", "lecture-example"]
    assert folded[1][5][2] == "62,958"
    assert len(next(notebook_rows(report.view(macs=True)))) == 7


def test_print_shows_a_compact_table() -> None:
    report = cnninspect.summary("resnet18", device="meta")
    text = str(report)
    assert text == repr(report)
    assert text.startswith("resnet18 — He et al. 2016")
    assert "Report(" not in text and "Row(" not in text
    assert "Total params:       11,689,512" in text
    assert len(text) < 10_000  # was 24,000 characters of dataclass fields
    assert all(line == line.rstrip() for line in text.splitlines())


def test_validation_and_diff_display_themselves() -> None:
    validation = cnninspect.validate("alexnet-paper", solve=False)
    assert "CNN101 error: conv1 declares 55×55×96" in str(validation)
    assert "CNN101" in render(validation)
    cells = parse_html(validation._repr_html_()).cells
    assert any(text == "CNN101" for _, _, text, _ in cells)
    diff = cnninspect.diff("lecture-example", "lenet5", device="meta")
    assert str(diff).startswith("A: lecture-example")
    assert "Δ params" in render(diff)
    texts = [text for _, _, text, _ in parse_html(diff._repr_html_()).cells]
    assert "CONV1\n/ C1" in texts


# -- help and shell completion ----------------------------------------------------------------


def help_text(*command: str) -> str:
    result = cli(*command, "--help", env={"COLUMNS": "100"})
    assert result.exit_code == 0, result.stderr
    return result.stdout


def commands() -> list[str]:
    import typer.main

    from cnninspect.cli import app

    return sorted(typer.main.get_command(app).commands)  # type: ignore[attr-defined]


def test_help_keeps_text_in_brackets() -> None:
    """`[default: 3x224x224]` in a help text is text, not Rich markup."""
    text = " ".join(help_text("min-input").replace("│", " ").split())
    assert "e.g. 3x224x224 [default: 3x224x224]; a YAML file's own input" in text


@pytest.mark.parametrize("command", commands())
def test_every_command_shows_an_example(command: str) -> None:
    text = help_text(command)
    examples = text[text.index("Examples:") :]
    assert f"cnninspect {command}" in examples


@pytest.mark.parametrize("command", ["", *commands()])
def test_options_show_no_python_types(command: str) -> None:
    """Repeatable options say what they take (SHAPE, KEY=VALUE); flags take nothing."""
    text = help_text(*([command] if command else []))
    options = text[text.index("─ Options ") :]
    assert "<list[str]>" not in options and "<bool>" not in options


def test_shell_completion(tmp_path: Path) -> None:
    """The completion Typer installs, run as the shell runs it."""
    script = str(Path(sys.executable).parent / "cnninspect")
    shown = subprocess.run(
        [script, "--show-completion", "bash"], capture_output=True, text=True, check=True
    )
    assert "_CNNINSPECT_COMPLETE=complete_bash" in shown.stdout

    def complete(words: str) -> list[str]:
        env = {
            **os.environ,
            "_CNNINSPECT_COMPLETE": "complete_bash",
            "COMP_WORDS": words,
            "COMP_CWORD": str(len(words.split()) - 1),
        }
        out = subprocess.run(
            [script], capture_output=True, text=True, env=env, cwd=tmp_path, check=True
        )
        return out.stdout.split()

    assert complete("cnninspect su") == ["summary"]
    assert "--notation" in complete("cnninspect summary --no")
    assert complete("cnninspect validate --format s") == ["sarif"]


# -- progress ---------------------------------------------------------------------------------


@pytest.fixture
def terminal_stderr(monkeypatch: pytest.MonkeyPatch) -> io.StringIO:
    """stderr as a capable terminal (whatever TERM the suite runs under), and progress drawn at
    once instead of after a second."""
    import cnninspect.cli.progress

    monkeypatch.setenv("TERM", "xterm-256color")
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=100)
    monkeypatch.setattr(cnninspect.cli.progress, "stderr", console)
    monkeypatch.setattr(cnninspect.cli.progress, "DELAY", 0.0)
    return out


def test_progress_goes_to_a_terminal_stderr_never_to_stdout(
    terminal_stderr: io.StringIO,
) -> None:
    result = cli("summary", "resnet18", "--device", "meta", "-f", "json")
    assert json.loads(result.stdout)["name"] == "resnet18"  # stdout: the JSON, nothing else
    assert "summarising resnet18" in terminal_stderr.getvalue()


@pytest.mark.usefixtures("small_zoo")
def test_list_shows_which_architecture_it_is_at(terminal_stderr: io.StringIO) -> None:
    result = cli("list", "-f", "json")
    assert len(json.loads(result.stdout)["architectures"]) == 3
    assert "summarising" in terminal_stderr.getvalue()


def test_no_progress_without_a_terminal() -> None:
    result = cli("summary", "lecture-example", "-f", "json")
    assert result.stderr == ""


@pytest.mark.slow
def test_progress_on_a_real_terminal(tmp_path: Path) -> None:
    """stderr on a pseudo-terminal, stdout piped: the spinner shows on the terminal, the JSON
    on stdout parses; with stderr piped too, stderr stays empty."""
    import pty
    import select

    script = str(Path(sys.executable).parent / "cnninspect")
    command = [script, "summary", "lecture-example", "-f", "json"]
    terminal = {**os.environ, "TERM": "xterm-256color"}  # a terminal that can draw a bar
    master, slave = pty.openpty()
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=slave, cwd=tmp_path, env=terminal
    ) as process:
        os.close(slave)
        seen = b""
        while process.poll() is None or select.select([master], [], [], 0.1)[0]:
            if select.select([master], [], [], 0.1)[0]:
                try:
                    seen += os.read(master, 65536)
                except OSError:
                    break
        assert process.stdout is not None
        stdout = process.stdout.read()
    os.close(master)
    assert process.returncode == 0
    assert json.loads(stdout)["totals"]["params"] == 62958
    assert b"summarising lecture-example" in seen
    piped = subprocess.run(command, capture_output=True, check=True, cwd=tmp_path)
    assert piped.stderr == b""


def test_no_progress_on_a_dumb_terminal(
    terminal_stderr: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A terminal that cannot move its cursor (TERM=dumb: an editor's shell, some CI runners)
    gets no bar, whose redraws would pile up there as lines."""
    monkeypatch.setenv("TERM", "dumb")
    result = cli("summary", "resnet18", "--device", "meta", "-f", "json")
    assert json.loads(result.stdout)["name"] == "resnet18"
    assert "summarising" not in terminal_stderr.getvalue()


def test_the_width_follows_columns_when_printing(monkeypatch: pytest.MonkeyPatch) -> None:
    """A console made while COLUMNS said 40 (the test process started in a narrow terminal)
    prints at the width COLUMNS says when it prints; without COLUMNS and a terminal, stdout
    takes the width its output needs, stderr the default."""
    from cnninspect.cli.program import UNBOUNDED_WIDTH, _Console

    monkeypatch.setenv("COLUMNS", "40")
    data, talk = _Console(data=True), _Console(stderr=True)
    monkeypatch.setenv("COLUMNS", "120")
    assert data.size.width == talk.size.width == 120
    monkeypatch.delenv("COLUMNS")
    assert data.size.width == UNBOUNDED_WIDTH
    assert talk.size.width != 40


def test_every_format_shows_the_options_or_refuses_them_by_name() -> None:
    """--macs, --flops, --explain and --memory reach Markdown and the HTML page as they reach
    the table; CSV, one row per call, refuses those a row cannot hold, naming the format."""
    options = ("--macs", "--flops", "--explain", "--memory")
    markdown = cli("summary", "lenet5", "-f", "markdown", *options)
    assert markdown.exit_code == 0, markdown.output
    header = next(line for line in markdown.stdout.splitlines() if line.startswith("| Layer"))
    assert header.endswith("| FLOPs |") and "MACs" not in markdown.stdout
    assert "- FLOPs: " in markdown.stdout and "(5·5·1 + 1)·6 = 156" in markdown.stdout
    assert "- Training step: " in markdown.stdout
    page = cli("summary", "lenet5", "-f", "html", *options).stdout
    assert ">FLOPs<" in page and "FLOPs:" in page and "Training step:" in page
    assert "Why these numbers" in page
    table = cli("summary", "lenet5", "--macs", "--flops").stdout
    assert "FLOPs" in table and "MACs" not in table
    for option in ("--explain", "--flops", "--memory"):
        refused = cli("summary", "lenet5", "-f", "csv", option)
        assert refused.exit_code == 2
        assert f"{option} is not shown by --format csv" in refused.stderr
    assert cli("summary", "lenet5", "-f", "csv", "--macs", "--rf").exit_code == 0  # columns


def test_two_ways_of_giving_the_input_are_refused_with_one_message() -> None:
    """cnninspect.summary(m, input_shape=..., inputs=[...]) used to take the second silently."""
    import cnninspect
    from cnninspect.errors import TargetError

    for given in (
        {"input_shape": (3, 32, 32), "inputs": ["3x64x64"]},
        {"input_shape": (8,), "input_data": [0.0]},
    ):
        with pytest.raises(TargetError, match="give what forward receives once"):
            cnninspect.summary("torch.nn:Identity", **given)


def test_no_view_lets_a_control_character_from_a_file_through(tmp_path: Path) -> None:
    """A description's name, note and a bad layer name holding escape sequences (a terminal
    title change, a colour) and a zero-width space: every view shows them escaped."""
    path = tmp_path / "esc.yaml"
    path.write_text(
        'cnninspect: 1\nname: "evil\\e[31mred\\u200b"\ninput: [3, 8, 8]\nlayers:\n'
        '  - Conv2d: {out_channels: 4, kernel_size: 3}\n    note: "n\\e]0;title\\a"\n'
    )
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "cnninspect: 1\ninput: [3, 8, 8]\nlayers:\n"
        '  - Conv2d: {out_channels: 4, kernel_size: 3}\n    name: "c\\e]0;pwned\\a"\n'
    )
    outputs = [
        cli("summary", str(path), *extra).output
        for extra in ([], ["-f", "markdown"], ["-f", "csv"], ["-f", "html"], ["--explain"])
    ]
    outputs += [cli("validate", str(bad), "-f", kind).output for kind in ("text", "github")]
    outputs += [cli("validate", str(bad), "-f", "junit").output, cli("summary", str(bad)).output]
    svg = tmp_path / "esc.svg"
    cli("draw", str(path), "-o", str(svg))
    outputs.append(svg.read_text(encoding="utf-8"))
    for output in outputs:
        assert not re.search("[\x00-\x08\x0b-\x1f\x7f\u200b]", output), output
    assert "evil\\x1b[31mred\\u200b" in outputs[0]
    assert "c\\x1b]0;pwned\\x07" in outputs[-2]


def test_a_command_in_a_message_is_never_cut_in_two() -> None:
    """At 40 columns the hint still holds `cnninspect validate alexnet-paper` on one line
    (the terminal wraps a long line; a line break inside the command broke copy and paste)."""
    result = cli("summary", "alexnet-paper", "-f", "json", env={"COLUMNS": "40"})
    assert "`cnninspect validate alexnet-paper` explains them" in result.stderr
