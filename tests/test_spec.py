"""The loader: every error class is located (file:line:col) and says what to do."""

from __future__ import annotations

import subprocess
import sys

import pytest

from cnninspect.construct.builder import build
from cnninspect.description.architecture import ArchSpec
from cnninspect.description.parser import loads
from cnninspect.errors import BuildError, SpecError

HEAD = "cnninspect: 1\ninput: [3, 32, 32]\nlayers:\n"


def load(body: str, head: str = HEAD) -> ArchSpec:
    return loads(head + body, "net.yaml")


def spec_error(body: str, head: str = HEAD) -> SpecError:
    with pytest.raises(SpecError) as info:
        load(body, head)
    return info.value


def build_error(body: str) -> BuildError:
    with pytest.raises(BuildError) as info:
        build(load(body))
    return info.value


def where(error: SpecError | BuildError) -> tuple[int, int]:
    assert error.position is not None
    assert error.position.path == "net.yaml"
    return error.position.line, error.position.col


def test_yaml_syntax_error_is_located() -> None:
    error = spec_error("  - Conv2d: {out_channels: 8, kernel_size: 5\n  - ReLU\n")
    assert error.code == "CNN001"
    assert "YAML syntax error" in error.message
    # PyYAML gives up at the end of the stream; the error points at the `{` never closed
    assert where(error) == (4, 13)
    assert "the `{` here is never closed" in error.message


def test_bare_type_with_sibling_keys_gets_a_hint() -> None:
    error = spec_error("  - Add\n    from: [a, b]\n")
    assert error.hint is not None and "`- Add:`" in error.hint
    assert where(error) == (5, 9)


def test_unknown_layer_type_suggests_the_right_one() -> None:
    error = spec_error("  - Conv2D: {out_channels: 8, kernel_size: 5}\n")
    assert error.code == "CNN003"
    assert error.message == "unknown layer type 'Conv2D' (did you mean 'Conv2d'?)"
    assert where(error) == (4, 5)


def test_an_import_path_is_never_a_layer_type() -> None:
    error = spec_error("  - os.system: {command: ls}\n")
    assert error.code == "CNN003"
    assert error.hint is not None and "never an import path" in error.hint


def test_unknown_keyword_suggests_the_right_one() -> None:
    error = build_error("  - Conv2d: {out_channels: 8, kernel_sise: 5}\n")
    assert error.code == "CNN004"
    assert error.message == "Conv2d has no keyword 'kernel_sise' (did you mean 'kernel_size'?)"
    assert where(error) == (4, 31)


def test_unknown_layer_key_is_an_error() -> None:
    error = spec_error("  - ReLU:\n    colour: red\n")
    assert error.message.startswith("unknown key 'colour' in a layer") or "exactly one type" in (
        error.message
    )
    assert where(error)[0] == 4


def test_unknown_top_level_key_suggests() -> None:
    error = spec_error("  - ReLU\n", head="cnninspect: 1\ninput: [3, 32, 32]\nlayer:\n")
    assert error.message == "unknown key 'layer' in the description (did you mean 'layers'?)"
    assert where(error) == (3, 1)


def test_duplicate_key_is_an_error_not_a_silent_overwrite() -> None:
    error = spec_error(
        "  - ReLU\n", head="cnninspect: 1\ninput: [3, 32, 32]\ninput: [1, 8, 8]\nlayers:\n"
    )
    assert error.code == "CNN005"
    assert error.message == "duplicate key 'input' in the description (first at line 2)"
    assert where(error) == (3, 1)


def test_duplicate_keyword_is_an_error() -> None:
    error = spec_error("  - Conv2d: {out_channels: 8, out_channels: 4, kernel_size: 3}\n")
    assert error.code == "CNN005"
    assert where(error) == (4, 31)


def test_duplicate_layer_name_is_an_error() -> None:
    error = spec_error("  - ReLU:\n    name: a\n  - Tanh:\n    name: a\n")
    assert error.code == "CNN005"
    assert "duplicate layer name 'a'" in error.message
    assert where(error) == (6, 5)


def test_wrong_value_type_names_what_torch_expects() -> None:
    error = build_error("  - Conv2d: {out_channels: '8', kernel_size: 5}\n")
    assert error.code == "CNN002"
    assert error.message == "Conv2d's 'out_channels' expects int, got str '8'"
    assert where(error) == (4, 28)


def test_yaml_11_booleans_are_not_silently_converted() -> None:
    error = build_error("  - Conv2d: {out_channels: 8, kernel_size: 5, bias: off}\n")
    assert error.message == "Conv2d's 'bias' expects bool, got the text 'off' (write true or false)"
    assert where(error) == (4, 53)


def test_exponent_floats_are_floats() -> None:
    spec = load("  - Dropout: {p: 1e-1}\n  - LeakyReLU: {negative_slope: 1E-2}\n")
    assert spec.layers[0].kwargs[0].value == pytest.approx(0.1)
    assert spec.layers[1].kwargs[0].value == pytest.approx(0.01)
    build(spec)


@pytest.mark.parametrize(
    ("text", "col"), [("1_000", 28), ("0x_1F", 28), ("1_0.5", 28), ("+0x1F", 28)]
)
def test_yaml_12_core_numbers_have_no_underscores(text: str, col: int) -> None:
    """YAML 1.2's core schema has no `_` in numbers (1.1 read `1_000` as 1000, `0x_1F` as 31)
    and no sign before 0x: these are text, and an int is expected."""
    error = build_error(f"  - Conv2d: {{out_channels: {text}, kernel_size: 5}}\n")
    assert error.code == "CNN002"
    assert error.message == f"Conv2d's 'out_channels' expects int, got str '{text}'"
    assert where(error) == (4, col)


def test_yaml_12_core_numbers() -> None:
    spec = load("  - Conv2d: {out_channels: 0x1F, kernel_size: 0o3, padding: 010, stride: +1}\n")
    values = {kw.key: kw.value for kw in spec.layers[0].kwargs}
    assert values == {"out_channels": 31, "kernel_size": 3, "padding": 10, "stride": 1}


def test_dangling_from_is_located() -> None:
    error = spec_error("  - Conv2d: {out_channels: 8, kernel_size: 5}\n    from: conv0\n")
    assert error.code == "CNN006"
    assert error.message.startswith("'from' names 'conv0', which is not an earlier layer")
    assert where(error) == (5, 11)


def test_from_cannot_name_a_later_layer() -> None:
    error = spec_error("  - ReLU:\n    from: b\n  - Tanh:\n    name: b\n")
    assert error.code == "CNN006"


def test_unknown_block_argument_is_located() -> None:
    head = (
        "cnninspect: 1\ninput: [3, 32, 32]\nblocks:\n  B:\n    args: [planes]\n"
        "    layers:\n      - Conv2d: {out_channels: $plane, kernel_size: 3}\nlayers:\n"
    )
    error = spec_error("  - B: {planes: 4}\n", head=head)
    assert error.code == "CNN006"
    assert error.message.startswith("'$plane' is not an argument (did you mean 'planes'?)")
    assert where(error) == (7, 32)


def test_missing_block_argument() -> None:
    head = (
        "cnninspect: 1\ninput: [3, 32, 32]\nblocks:\n  B:\n    args: [planes]\n"
        "    layers:\n      - Conv2d: {out_channels: $planes, kernel_size: 3}\nlayers:\n"
    )
    assert spec_error("  - B\n", head=head).message == "block 'B' needs planes"
    error = spec_error("  - B: {planes: 4, stride: 2}\n", head=head)
    assert error.message == "block 'B' has no argument 'stride'"


def test_block_cannot_use_itself() -> None:
    head = "cnninspect: 1\ninput: [3, 32, 32]\nblocks:\n  B:\n    layers:\n      - B\nlayers:\n"
    error = spec_error("  - B\n", head=head)
    assert error.code == "CNN006"
    assert "uses itself" in error.message


def test_python_tags_are_refused() -> None:
    error = spec_error("  - !!python/object/apply:os.system ['ls']\n")
    assert "not allowed" in error.message


def test_bad_input_shape() -> None:
    error = spec_error("  - ReLU\n", head="cnninspect: 1\ninput: [3, 0, 32]\nlayers:\n")
    assert where(error) == (2, 8)
    assert "positive integers" in error.message


def test_unsupported_version() -> None:
    error = spec_error("  - ReLU\n", head="cnninspect: 2\ninput: [3, 32, 32]\nlayers:\n")
    assert "unsupported format version 2" in error.message


def test_missing_required_key() -> None:
    error = spec_error("", head="cnninspect: 1\ninput: [3, 32, 32]\n")
    assert error.message == "missing required key 'layers'"


def test_forward_failure_names_the_layer() -> None:
    error = build_error(
        "  - Flatten\n  - Linear: {out_features: 10}\n"
        "  - Conv2d: {out_channels: 8, kernel_size: 5}\n"
    )
    assert error.code == "CNN106"
    assert error.layer == "conv2d1"
    assert error.message.startswith("conv2d1 (Conv2d) takes a 2-D input (C, H, W) per sample")
    assert "but receives (10,)" in error.message
    assert where(error) == (6, 5)


def test_spatial_collapse_is_its_own_code() -> None:
    body = "  - MaxPool2d: {kernel_size: 4}\n" * 3
    error = build_error(body)
    assert error.code == "CNN107"
    assert where(error) == (6, 5)


def test_merge_mismatch_names_both_inputs() -> None:
    error = build_error(
        "  - Conv2d: {out_channels: 4, kernel_size: 3}\n    name: a\n"
        "  - Conv2d: {out_channels: 4, kernel_size: 1}\n    name: b\n    from: in\n"
        "  - Add:\n    from: [a, b]\n"
    )
    assert error.code == "CNN105"
    assert error.message == "add1 (Add) cannot merge a gives (4, 30, 30), b gives (4, 32, 32)"
    assert where(error) == (9, 5)


def test_torch_rejecting_arguments_is_located() -> None:
    error = build_error("  - Conv2d: {out_channels: 8, kernel_size: 3, groups: 2}\n")
    assert error.code == "CNN002"
    assert "in_channels must be divisible by groups" in error.message


def test_declared_in_features_is_checked_not_trusted() -> None:
    spec = load("  - Flatten\n  - Linear: {in_features: 100, out_features: 10}\n")
    built = build(spec)
    (declared,) = built.declared_inputs
    assert (declared.declared, declared.actual, declared.flattened_from) == (100, 3072, (3, 32, 32))
    assert (declared.position.line, declared.position.col) == (5, 27)
    assert built.output_shape == (10,)


def test_loading_a_spec_does_not_import_torch() -> None:
    code = (
        "import sys; from cnninspect.description.parser import load; "
        "load('architectures/lecture-example.yaml'); print('torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_colon_inside_unquoted_text_gets_a_quoting_hint() -> None:
    error = spec_error("  - ReLU\n", head=HEAD.replace("layers:", 'source: Sandler: "V2"\nlayers:'))
    assert error.code == "CNN001"
    assert error.hint is not None and "must be quoted" in error.hint


MULTI = (
    "cnninspect: 1\ninput: [3, 8, 8]\nblocks:\n  Join:\n    inputs: [a, b]\n    layers:\n"
    "      - Conv2d: {out_channels: 4, kernel_size: 1}\n        name: proj\n        from: b\n"
    "      - Add:\n        from: [a, proj]\nlayers:\n"
    "  - Conv2d: {out_channels: 4, kernel_size: 1}\n    name: x\n"
)


def test_a_block_with_two_inputs_is_wired_with_from() -> None:
    spec = load("  - Join:\n    name: j\n    from: [x, in]\n", head=MULTI)
    built = build(spec)
    assert built.output_shape == (4, 8, 8)
    assert spec.blocks["Join"].inputs == ("a", "b")


def test_a_block_with_two_inputs_needs_two_sources() -> None:
    error = spec_error("  - Join:\n    name: j\n", head=MULTI)
    assert error.code == "CNN006"
    assert error.message == "block 'Join' takes 2 input(s) (a, b), but 'from' gives 1"
    assert where(error) == (15, 5)


def test_a_block_with_two_inputs_cannot_repeat() -> None:
    error = spec_error("  - Join:\n    from: [x, in]\n    repeat: 2\n", head=MULTI)
    assert "cannot be repeated" in error.message


def test_a_layer_with_one_input_cannot_take_two() -> None:
    error = spec_error("  - ReLU:\n    from: [x, in]\n", head=MULTI)
    assert error.message == "ReLU takes one input, but 'from' names 2"


def block_head(layer: str, args: str = "{t: 6, out: null}") -> str:
    return (
        "cnninspect: 1\ninput: [16, 8, 8]\nblocks:\n  B:\n"
        f"    args: {args}\n    layers:\n      - {layer}\nlayers:\n"
    )


def test_arithmetic_on_block_arguments_and_in_channels() -> None:
    head = block_head('Conv2d: {out_channels: "${in_channels * t}", kernel_size: 1}')
    spec = load("  - B: {out: 4}\n  - B: {out: 4, t: 2}\n", head=head)
    built = build(spec)
    assert built.output_shape == (16 * 6 * 2, 8, 8)


def test_computed_repeat_may_be_zero() -> None:
    """Repeated 0 times, a layer has no module and no row: its input passes through."""
    from pathlib import Path

    from cnninspect.api.inspection import inspect
    from cnninspect.api.request import DescriptionFile

    head = block_head("ReLU:\n        name: act\n        repeat: ${n - 1}", args="[n]")
    spec = load("  - B: {n: 1}\n    name: none\n  - B: {n: 3}\n    name: two\n", head=head)
    assert build(spec).output_shape == (16, 8, 8)
    report = inspect(DescriptionFile(Path(spec.path), spec.path), description=spec).report
    assert [r.name for r in report.rows if r.name.startswith("none")] == ["none"]
    assert [r.name for r in report.rows if r.name.startswith("two.act.")] == [
        "two.act.0",
        "two.act.1",
    ]
    assert report.totals.activation_elements == 16 * 8 * 8 * 3  # leaves: none, two.act.0, .1


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("${__import__('os').system('ls')}", "only integers, argument names"),
        ("${t ** 2}", "only integers, argument names"),
        ("${t *}", "is not an arithmetic expression"),
        ("$t.x", "write $name or ${name * 2}"),
    ],
)
def test_expressions_cannot_run_code(value: str, message: str) -> None:
    error = spec_error("  - B: {out: 4}\n", head=block_head(f'Conv2d: {{out_channels: "{value}"}}'))
    assert error.code == "CNN002"
    assert message in error.message
    assert where(error) == (7, 32)


def test_expression_names_must_be_arguments() -> None:
    head = block_head('Conv2d: {out_channels: "${tt * 2}", kernel_size: 1}')
    error = spec_error("  - B: {out: 4}\n", head=head)
    assert error.code == "CNN006"
    assert error.message.startswith("'$tt' is not an argument (did you mean 't'?)")


def test_expression_errors_at_build_time_are_located() -> None:
    head = block_head('Conv2d: {out_channels: "${out // t}", kernel_size: 1}')
    error = build_error_from(load("  - B: {out: 4, t: 0}\n", head=head))
    assert error.message == "'${out // t}' divides by zero"
    assert where(error) == (7, 9)


def build_error_from(spec: ArchSpec) -> BuildError:
    with pytest.raises(BuildError) as info:
        build(spec)
    return info.value
