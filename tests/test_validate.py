"""validate through the Python API: the lecture's cases, and every rule firing and silent."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cnninspect import validate
from cnninspect.api.validate import validate_file
from cnninspect.checks.catalogue import RULES
from cnninspect.checks.windows import Window
from cnninspect.construct.construction import import_module_target
from cnninspect.construct.targets import expand_targets
from cnninspect.errors import Position, TargetError
from cnninspect.results.findings import Severity
from cnninspect.results.validation import TargetResult
from tests.case_header import read_header
from tests.conftest import RULE_CASES, VALIDATE_DATA

PAPER = VALIDATE_DATA / "alexnet-paper.yaml"
NETS = VALIDATE_DATA / "nets.py"


def codes(result: TargetResult) -> list[str]:
    return [f.code for f in result.findings]


def line_of(path: Path, text: str) -> Position:
    """file:line:col of the first occurrence of ``text`` (1-based, as editors count)."""
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if text in line:
            return Position(str(path), number, line.index(text) + 1)
    raise AssertionError(f"{text!r} not in {path}")


# -- AlexNet as printed: 224 → 227 --------------------------------------------------------------


@pytest.fixture(scope="module")
def paper() -> TargetResult:
    return validate_file(PAPER)


def test_alexnet_paper_conv1_declares_55_but_computes_54(paper: TargetResult) -> None:
    conv1 = next(f for f in paper.findings if f.code == "CNN101" and f.layer == "conv1")
    assert conv1.message == "conv1 declares 55×55×96 but the forward pass computes 54×54×96"
    assert conv1.position == line_of(PAPER, "[55, 55, 96]")
    assert conv1.hint is not None
    assert "⌊(224 + 2·0 − 11)/4⌋ + 1 = 54" in conv1.hint


def test_alexnet_paper_drops_pixels_where_the_floor_bites(paper: TargetResult) -> None:
    dropped = [f for f in paper.findings if f.code == "CNN103"]
    assert [f.layer for f in dropped] == ["conv1", "pool1", "pool2", "pool5"]
    assert dropped[0].position == line_of(PAPER, "Conv2d: {out_channels: 96")
    assert "never reads the last 1 row and 1 column of its 224×224 input" in dropped[0].message


def test_alexnet_paper_hint_is_227(paper: TargetResult) -> None:
    assert paper.suggested_input == (3, 227, 227)
    for f in paper.findings:  # every finding here goes away at 227
        assert f.hint is not None
        assert "an input of 227×227 (instead of 224×224) satisfies every declared shape" in f.hint
        assert "input: [227, 227, 3]" in f.hint  # in the file's own notation (hwc)


def test_alexnet_paper_declared_in_features_explained(paper: TargetResult) -> None:
    fc6 = next(f for f in paper.findings if f.code == "CNN102")
    assert fc6.message == "fc6 (Linear) declares in_features=9216 but receives 6400 = 256×5×5"


def test_alexnet_paper_at_227_is_clean() -> None:
    result = validate_file(VALIDATE_DATA / "alexnet-227.yaml")
    assert result.findings == ()
    assert result.suggested_input is None


# -- the lecture's LeNet-5 table ---------------------------------------------------------------


def test_lenet5_table_as_printed_is_flagged_at_row_4() -> None:
    path = VALIDATE_DATA / "lenet5-lecture-table.yaml"
    result = validate_file(path)
    first = result.findings[0]
    assert (first.code, first.layer) == ("CNN101", "row4")
    assert first.message == "row4 declares 16×10×10 but the forward pass computes 16×6×6"
    assert first.position == Position(str(path), _nth_line(path, "expect: [16, 10, 10]", 2), 13)
    assert first.hint == "torch computes ⌊(10 + 2·0 − 5)/1⌋ + 1 = 6 per side"
    # rows 1–3 hold; the error carries on into row 5; no input size can fix the table
    assert [f.layer for f in result.findings] == ["row4", "row5"]
    assert result.suggested_input is None


def _nth_line(path: Path, text: str, n: int) -> int:
    hits = [i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line]
    return hits[n - 1]


# -- every rule: one case that fires, one that stays silent ------------------------------------


# Each case file states its findings in its header (tests/case_header.py), one line per
# finding in the order validate reports them (file order): ``# expect: finding CNN103 at 6:5``
# (code, line:col of the YAML node the finding points at), ``# expect: finding CNN106`` (a
# finding without a position), or ``# expect: no findings``.
RULE_CASE_FILES = sorted(RULE_CASES.glob("*.yaml"))

Expected = tuple[str, int | None, int | None]  # code, line, col


def expected_findings(path: Path) -> list[Expected]:
    stated = read_header(path).findings
    assert stated is not None, f"{path.name}: say `# expect: no findings` or list findings"
    return [(code, *(place or (None, None))) for code, place in stated]


@pytest.mark.parametrize("path", RULE_CASE_FILES, ids=lambda p: p.stem)
def test_rule_case_reports_exactly_its_header(path: Path) -> None:
    result = validate_file(path)
    found = [
        (f.code, f.position and f.position.line, f.position and f.position.col)
        for f in result.findings
    ]
    assert found == expected_findings(path)
    for finding in result.findings:
        assert finding.severity is RULES[finding.code].severity, finding.code
        assert finding.position is None or finding.position.path == str(path)


def test_every_rule_in_the_catalogue_has_a_firing_case() -> None:
    loader_codes = {"CNN002", "CNN004", "CNN006"}  # tested with inline files below
    loader_codes |= {"CNN007"}  # a module target: test_a_module_that_breaks_on_import_…
    loader_codes |= {"CNN008"}  # made at run time: test_a_folder_scan_names_what_it_cannot_read
    fired = {code for path in RULE_CASE_FILES for code, _, _ in expected_findings(path)}
    assert set(RULES) - loader_codes <= fired
    assert fired <= set(RULES)
    for path in RULE_CASE_FILES:  # CNNxxx-fires.yaml fires CNNxxx
        if path.name.endswith("-fires.yaml"):
            code = path.name.removesuffix("-fires.yaml")
            assert code in {c for c, _, _ in expected_findings(path)}, path.name


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("cnninspect: 1\ninput: [3, 8, 8]\n", "CNN002"),  # no layers
        ("cnninspect: 1\ninput: [3, 8, 8]\nlayers:\n  - Conv2d: {out_chanels: 4}\n", "CNN004"),
        ("cnninspect: 1\ninput: [3, 8, 8]\nlayers:\n  - ReLU:\n    from: nowhere\n", "CNN006"),
    ],
)
def test_file_errors_keep_their_code(tmp_path: Path, text: str, code: str) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(text)
    (finding,) = validate_file(path).findings
    assert finding.code == code
    assert finding.position is not None and finding.position.path == str(path)


def test_a_broken_file_does_not_stop_the_others() -> None:
    result = validate(str(RULE_CASES / "CNN001-fires.yaml"), str(RULE_CASES / "clean.yaml"))
    assert [codes(r) for r in result.results] == [["CNN001"], []]
    assert result.fails(Severity.ERROR)


def test_cnn103_pool_without_ceil_mode_fires(tmp_path: Path) -> None:
    text = (RULE_CASES / "clean.yaml").read_text()
    floor = text.replace(", ceil_mode: true}", "}").replace("[16, 8, 8]", "[16, 7, 7]")
    path = tmp_path / "floor.yaml"
    path.write_text(floor)
    dropped = [f for f in validate_file(path).findings if f.code == "CNN103"]
    assert [f.layer for f in dropped] == ["pool"]


def test_cnn201_follows_the_wiring_not_the_call_order() -> None:
    result = validate_file(RULE_CASES / "CNN201-fires.yaml")
    chains = [f for f in result.findings if f.code == "CNN201"]
    assert [f.layer for f in chains] == ["conv2", "fc2"]
    assert chains[0].message.startswith("conv2 (Conv2d) follows conv1 with no non-linearity")
    assert chains[0].severity is Severity.WARNING


# -- module targets --------------------------------------------------------------------------


def test_a_module_that_breaks_on_import_is_a_finding_and_the_rest_is_checked(
    tmp_path: Path,
) -> None:
    """CNN007 fires for a module that exits, interrupts or fails to parse on import (located
    at the line of the file that did it); the targets after it are still checked."""
    exits = tmp_path / "exits.py"
    exits.write_text("import sys\nprint('noise')\nsys.exit(0)\n")
    interrupts = tmp_path / "interrupts.py"
    interrupts.write_text("def f():\n    raise KeyboardInterrupt\n\nf()\n")
    result = validate(
        f"{exits}:Net",
        f"{interrupts}:Net",
        f"{NETS}:PaperAlexNet",
        input_shape=[(3, 227, 227)],
    )
    found = [[(f.code, f.position and f.position.line) for f in r.findings] for r in result.results]
    assert found == [[("CNN007", 3)], [("CNN007", 2)], []]
    assert "raised SystemExit" in result.results[0].findings[0].message


def test_a_module_that_imports_cleanly_gives_no_cnn007() -> None:
    result = validate(f"{NETS}:PaperAlexNet", input_shape=[(3, 227, 227)])
    assert not [f for f in result.findings if f.code == "CNN007"]


def test_module_forward_failure_is_explained() -> None:
    result = validate(f"{NETS}:PaperAlexNet", input_shape=[(3, 224, 224)])
    (finding,) = result.findings
    assert finding.code == "CNN106"
    assert finding.layer == "fc6"
    assert "Linear expects 9216 features, gets 6400 = 256×5×5" in finding.message
    call = line_of(NETS, "return self.fc6(")  # the call in forward() that failed
    assert finding.position == Position(str(NETS), call.line, 1)


def test_module_at_the_right_size_is_silent() -> None:
    assert validate(f"{NETS}:PaperAlexNet", input_shape=[(3, 227, 227)]).findings == ()


def test_module_collapse_names_the_smallest_input() -> None:
    (finding,) = validate(f"{NETS}:PaperAlexNet", input_shape=[(3, 40, 40)]).findings
    assert finding.code == "CNN107"
    assert finding.hint == "the smallest square input this model accepts is 3x227x227"


@pytest.mark.parametrize("name", ["alexnet", "resnet18", "resnet50", "vgg16"])
def test_torchvision_models_at_224_do_not_drop_pixels(name: str) -> None:
    """Their remainders only skip padding (alexnet's conv1, every ResNet stride-2 conv), and
    the strided 1×1 downsampling convs skip pixels by design."""
    module = import_module_target(f"torchvision.models:{name}", {}, device="meta")
    assert validate(module, input_shape=[(3, 224, 224)]).findings == ()


def test_module_target_needs_an_input() -> None:
    with pytest.raises(TargetError, match="give its input shape"):
        validate(f"{NETS}:PaperAlexNet")


# -- targets ---------------------------------------------------------------------------------


def test_directories_recurse_into_yaml_files(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / ".hidden").mkdir()
    for name in ("b.yaml", "sub/a.yml", ".hidden/c.yaml", "notes.txt"):
        (tmp_path / name).write_text("")
    assert expand_targets([str(tmp_path)]) == [
        str(tmp_path / "b.yaml"),
        str(tmp_path / "sub" / "a.yml"),
    ]


def test_targets_are_checked_once_in_the_given_order() -> None:
    result = validate(str(PAPER), str(VALIDATE_DATA), "lecture-example")
    targets = [r.target for r in result.results]
    assert targets[0] == str(PAPER)
    assert len(targets) == len(set(targets))
    assert targets[-1].endswith("lecture-example.yaml")


def test_unknown_target_is_a_usage_error() -> None:
    with pytest.raises(TargetError):
        validate("no/such/file.yaml")


def test_fail_on_threshold() -> None:
    result = validate(str(RULE_CASES / "CNN201-fires.yaml"))
    assert not result.fails(Severity.ERROR)
    assert result.fails(Severity.WARNING)


# -- the window arithmetic that explains and checks -----------------------------------------


@pytest.mark.parametrize(
    ("window", "dropped"),
    [
        (Window(224, 54, 11, 4, 0, 1, False), 1),  # AlexNet as printed
        (Window(224, 55, 11, 4, 2, 1, False), 0),  # torchvision: the remainder is padding
        (Window(224, 112, 7, 2, 3, 1, False), 0),  # ResNet stem
        (Window(56, 28, 1, 2, 0, 1, False), 0),  # strided 1×1: skips by design
        (Window(54, 27, 3, 2, 0, 1, True), 0),  # ceil_mode reaches the end
        (Window(54, 26, 3, 2, 0, 1, False), 1),
        (Window(32, 14, 3, 2, 0, 2, False), 1),  # dilation 2: span 5
    ],
)
def test_window_dropped(window: Window, dropped: int) -> None:
    assert window.dropped == dropped


@pytest.mark.parametrize(
    "middle",
    [
        # MobileNetV2's linear bottleneck: 32 → 8 → 48 is a low-rank map, not a redundant one
        "  - Conv2d: {out_channels: 8, kernel_size: 1}\n  - BatchNorm2d\n"
        "  - Conv2d: {out_channels: 48, kernel_size: 1}\n",
        # a depthwise-separable convolution (Xception has no activation in between)
        "  - Conv2d: {out_channels: 32, kernel_size: 3, padding: 1, groups: 32}\n"
        "  - Conv2d: {out_channels: 64, kernel_size: 1}\n",
    ],
    ids=["bottleneck", "depthwise-separable"],
)
def test_cnn201_spares_deliberate_factorisations(tmp_path: Path, middle: str) -> None:
    path = tmp_path / "factorised.yaml"
    path.write_text(
        "cnninspect: 1\ninput: [3, 16, 16]\nlayers:\n"
        "  - Conv2d: {out_channels: 32, kernel_size: 3, padding: 1}\n  - ReLU\n" + middle
    )
    assert validate_file(path).findings == ()


def test_linear_chain_is_followed_into_multi_input_blocks_and_past_skipped_layers(
    tmp_path: Path,
) -> None:
    """CNN201 walks the YAML wiring: into a block with two inputs (from its first input), and
    through a layer repeated 0 times (its input passes through)."""
    path = tmp_path / "chains.yaml"
    path.write_text(
        "cnninspect: 1\ninput: [8, 16, 16]\nblocks:\n"
        "  Join:\n    inputs: [below, skip]\n    layers:\n"
        "      - Conv2d: {out_channels: 8, kernel_size: 3, padding: 1}\n"
        "        name: conv\n        from: below\n"
        "      - Concat: {dim: 1}\n        from: [skip, conv]\n"
        "  Maybe:\n    args: [n]\n    layers:\n      - ReLU:\n        repeat: ${n - 1}\n"
        "layers:\n"
        "  - Conv2d: {out_channels: 8, kernel_size: 3, padding: 1}\n    name: a\n"
        "  - Join:\n    name: j\n    from: [a, in]\n"
        "  - Conv2d: {out_channels: 8, kernel_size: 3, padding: 1}\n    name: b\n"
        "  - Maybe: {n: 1}\n    name: m\n"
        "  - Conv2d: {out_channels: 8, kernel_size: 3, padding: 1}\n    name: c\n"
        "  - Maybe: {n: 2}\n    name: m2\n"
        "  - Conv2d: {out_channels: 8, kernel_size: 3, padding: 1}\n    name: d\n"
    )
    result = validate_file(path, solve=False)
    chains = sorted(f.layer or "" for f in result.findings if f.code == "CNN201")
    assert chains == ["c", "j.conv"]  # a → j.conv; b → (nothing) → c; a ReLU guards d


def test_a_folder_scan_names_what_it_cannot_read(tmp_path: Path) -> None:
    """A link that leads nowhere, one that leads back to itself and a pipe, all named *.yaml
    in a checked folder: each is a CNN008 warning saying what it is (a pipe is never opened:
    the scan would block on it); the readable file beside them is checked as ever."""
    (tmp_path / "good.yaml").write_text((RULE_CASES / "clean.yaml").read_text())
    (tmp_path / "dangling.yaml").symlink_to("nowhere.yaml")
    (tmp_path / "loop.yaml").symlink_to("loop.yaml")
    os.mkfifo(tmp_path / "pipe.yml")
    (tmp_path / "folder.yaml").mkdir()  # a folder is searched, not reported
    result = validate(str(tmp_path))
    found = {Path(r.target).name: [(f.code, f.message) for f in r.findings] for r in result.results}
    assert found == {
        "dangling.yaml": [
            (
                "CNN008",
                f"{tmp_path}/dangling.yaml is a symbolic link to nowhere.yaml, "
                "which does not exist",
            )
        ],
        "good.yaml": [],
        "loop.yaml": [
            ("CNN008", f"{tmp_path}/loop.yaml is a symbolic link that leads back to itself")
        ],
        "pipe.yml": [
            ("CNN008", f"{tmp_path}/pipe.yml is not a regular file (a pipe, a socket or a device)")
        ],
    }
    assert not result.fails() and result.fails(Severity.WARNING)
