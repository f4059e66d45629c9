"""``cnninspect diff``: alignment on synthetic reports, then real YAML files and torchvision."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from functools import cache
from typing import Any

import pytest

from cnninspect.api.diff import compare as compare_targets
from cnninspect.api.request import feed_of_shapes, resolve_target
from cnninspect.compare.align import diff_reports
from cnninspect.render.diff.cells import collapsed
from cnninspect.render.diff.json_output import diff_dict
from cnninspect.render.diff.markdown import diff_markdown
from cnninspect.render.diff.table import diff_table
from cnninspect.results.diff import ArchDiff, Status
from cnninspect.results.report import Report, Row, Totals
from cnninspect.shapes import Shape
from tests.conftest import ARCHITECTURES, DIFF_DATA, cli, render

# ResNet-18 in torchvision's layout under other names (stem, stage1.0.relu1, …): alignment
# has to pair layers by what they are, not by what they are called.
RESNET18_FIXTURE = str(DIFF_DATA / "resnet18.yaml")
INPUT = (3, 224, 224)


def compare(
    a: str,
    b: str,
    *,
    shapes_a: list[Shape] | None = None,
    shapes_b: list[Shape] | None = None,
    device: str = "auto",
) -> ArchDiff:
    """The diff use case with each side's own input (the CLI's --input-a / --input-b)."""
    return compare_targets(
        resolve_target(a),
        resolve_target(b),
        feed_of_shapes(shapes_a) if shapes_a else None,
        feed_of_shapes(shapes_b) if shapes_b else None,
        device=device,
    )


# -- synthetic reports: the alignment alone -----------------------------------------------

Layer = tuple[str, str, tuple[tuple[str, Any], ...], tuple[int, ...], int]


def conv(name: str, channels: int, size: int, k: int = 3, params: int | None = None) -> Layer:
    return (name, "Conv2d", (("kernel_size", (k, k)),), (channels, size, size), params or k * k)


def relu(name: str, channels: int, size: int) -> Layer:
    return (name, "ReLU", (), (channels, size, size), 0)


def layer(name: str, kind: str, shape: tuple[int, ...], params: int = 0) -> Layer:
    return (name, kind, (), shape, params)


def report(layers: list[Layer], target: str = "model.yaml") -> Report:
    rows = [_row("Input", "Input", (), (3, 32, 32), 0, depth=0)]
    rows += [_row(*spec) for spec in layers]
    params = sum(r.params for r in rows)
    totals = Totals(
        params=params,
        trainable_params=params,
        param_bytes=4 * params,
        trainable_param_bytes=4 * params,
        buffers=0,
        buffer_bytes=0,
        bytes_by_dtype=(("float32", 4 * params, 0),),
        macs=0,
        input_elements=3072,
        activation_elements=0,
        activation_bytes=0,
        input_bytes=4 * 3072,
    )
    return Report(
        name=target,
        target=target,
        input_shapes=((3, 32, 32),),
        output_shapes=(rows[-1].shape or (),),
        rows=tuple(rows),
        totals=totals,
        batch=1,
        dtype="float32",
        device="cpu",
        element_size=4,
        described=target.endswith(".yaml"),  # a module target (pkg.mod:attr) may work inline
    )


def _row(
    name: str,
    kind: str,
    hparams: tuple[tuple[str, Any], ...],
    shape: tuple[int, ...],
    params: int,
    *,
    depth: int = 1,
) -> Row:
    size = 1
    for d in shape:
        size *= d
    return Row(
        name, kind, depth, True, hparams, shape, (), size, params, params, 0, params, 0, 0, 0
    )


def statuses(diff: ArchDiff) -> list[str]:
    return [e.status.value for e in diff.entries]


NET = [conv("c1", 8, 30), relu("r1", 8, 30), conv("c2", 16, 28), relu("r2", 16, 28)]


def test_identical_reports_pair_every_layer() -> None:
    diff = diff_reports(report(NET), report(NET))
    assert statuses(diff) == ["same"] * 4
    assert not diff.differs


def test_an_inserted_layer_is_one_insertion_not_a_cascade() -> None:
    b = [*NET[:2], conv("extra", 8, 30), relu("r_extra", 8, 30), *NET[2:]]
    diff = diff_reports(report(NET), report(b))
    assert statuses(diff) == ["same", "same", "added", "added", "same", "same"]
    assert [e.b.name for e in diff.entries if e.status is Status.ADDED] == ["extra", "r_extra"]
    assert diff.differs


def test_a_removed_layer_is_one_removal() -> None:
    a = [*NET[:2], layer("pool", "MaxPool2d", (8, 15, 15)), *NET[2:]]
    diff = diff_reports(report(a), report(NET))
    assert statuses(diff) == ["same", "same", "removed", "same", "same"]


def test_a_changed_conv_pairs_as_changed_despite_new_names() -> None:
    b = [conv("features.0", 8, 32, k=1), relu("features.1", 8, 32), *NET[2:]]
    diff = diff_reports(report(NET), report(b))
    first = diff.entries[0]
    assert first.status is Status.CHANGED
    assert first.changes == ("hparams", "shape", "params")
    assert (first.a.name, first.b.name) == ("c1", "features.0")
    assert statuses(diff)[1:] == ["changed", "same", "same"]  # the ReLU only changes shape


def test_a_different_type_is_a_removal_and_an_addition() -> None:
    b = [NET[0], layer("r1", "GELU", (8, 30, 30)), *NET[2:]]
    diff = diff_reports(report(NET), report(b))
    assert statuses(diff) == ["same", "removed", "added", "same", "same"]


def test_a_scalar_and_an_all_equal_tuple_are_the_same_hyper_parameter() -> None:
    a = [("pool", "AdaptiveAvgPool2d", (("output_size", 1),), (8, 1, 1), 0)]
    b = [("avgpool", "AdaptiveAvgPool2d", (("output_size", (1, 1)),), (8, 1, 1), 0)]
    assert statuses(diff_reports(report(a), report(b))) == ["same"]


def test_repeated_relu_calls_pair_by_position_and_name_breaks_ties() -> None:
    a = [relu("relu", 8, 30), conv("c", 8, 30), relu("relu", 8, 30)]
    b = [relu("r1", 8, 30), relu("r2", 8, 30), conv("c", 8, 30), relu("r3", 8, 30)]
    diff = diff_reports(report(a), report(b))
    assert statuses(diff) == ["same", "added", "same", "same"]


def test_a_branch_traced_in_another_order_is_moved_not_removed_and_added() -> None:
    shortcut = conv("shortcut", 16, 28, k=1, params=128)
    a = [shortcut, *NET]
    b = [*NET, conv("downsample.0", 16, 28, k=1, params=128)]
    diff = diff_reports(report(a), report(b))
    assert statuses(diff) == ["moved", "same", "same", "same", "same"]
    assert diff.entries[0].b.name == "downsample.0"
    assert not diff.differs


def test_merges_are_functional_against_a_module_but_removed_against_yaml() -> None:
    fc = layer("fc", "Linear", (10,), params=125_450)
    a = [*NET, layer("add", "Add", (16, 28, 28)), layer("flat", "Flatten", (12544,)), fc]
    against_module = diff_reports(report(a), report([*NET, fc], target="pkg.models:net"))
    assert statuses(against_module)[-3:] == ["functional", "functional", "same"]
    assert not against_module.differs
    against_yaml = diff_reports(report(a), report([*NET, fc], target="other.yaml"))
    assert statuses(against_yaml)[-3:] == ["removed", "removed", "same"]
    assert against_yaml.differs


@pytest.mark.parametrize("kind", ["SELU", "Softplus", "Dropout2d", "LPPool2d", "Hardtanh"])
def test_every_parameter_free_activation_pooling_or_dropout_may_be_inline(kind: str) -> None:
    """The layer table's roles decide, not a hand list: F.selu, F.softplus, F.dropout2d, …
    (before, only 13 activations, plain Dropout and Max/AvgPool counted)."""
    a = [*NET, layer("extra", kind, (16, 28, 28))]
    diff = diff_reports(report(a), report(NET, target="pkg.models:net"))
    assert statuses(diff)[-1] == "functional"


def test_a_type_the_module_does_have_is_not_assumed_inline() -> None:
    a = [*NET, relu("extra", 16, 28)]
    diff = diff_reports(report(a), report(NET, target="pkg.models:net"))
    assert statuses(diff)[-1] == "removed"


def test_a_type_the_module_has_is_inline_where_its_op_ran_in_a_containers_own_code() -> None:
    """torchvision's densenet calls nn.ReLU modules inside its blocks and `F.relu` once after
    the features: the YAML's relu5 is that F.relu, known by the op that ran, not guessed."""
    trailing = dataclasses.replace(
        _row("relu5", "ReLU", (), (16, 28, 28), 0), ops=frozenset({"relu"})
    )
    a = report(NET)
    a = dataclasses.replace(a, rows=(*a.rows, trailing))
    b = report(NET, target="pkg.models:net")
    ran_relu = dataclasses.replace(b, inline_ops=frozenset({"relu", "view"}))
    assert statuses(diff_reports(a, ran_relu))[-1] == "functional"
    ran_other = dataclasses.replace(b, inline_ops=frozenset({"add"}))
    assert statuses(diff_reports(a, ran_other))[-1] == "removed"


def test_bundled_densenet121_matches_torchvision_with_its_trailing_functional_relu() -> None:
    result = cli("diff", "densenet121", "torchvision.models:densenet121", "--exit-code")
    assert result.exit_code == 0, result.output
    assert "0 changed, 0 added, 0 removed" in result.stdout


def test_unchanged_runs_collapse_unless_show_all() -> None:
    b = [*NET, conv("c3", 16, 26)]
    diff = diff_reports(report(NET), report(b))
    assert [i if isinstance(i, int) else i.status.value for i in collapsed(diff.entries)] == [
        4,
        "added",
    ]
    assert len(collapsed(diff.entries, show_all=True)) == 5
    text = render(diff_table(diff), width=80)
    assert "… 4 unchanged" in text
    assert "c3" in text
    assert "… 4 unchanged layers" in diff_markdown(diff)


def test_totals_carry_deltas_and_percentages() -> None:
    b = [*NET, conv("c3", 16, 26)]
    diff = diff_reports(report(NET), report(b))
    params = diff.totals[0]
    assert (params.name, params.delta) == ("params", 9)
    assert params.percent == pytest.approx(100 * 9 / params.a)
    assert diff_dict(diff)["totals"]["params"] == {
        "a": params.a,
        "b": params.b,
        "delta": 9,
        "percent": params.percent,
    }


# -- real architectures -------------------------------------------------------------------


@cache
def resnet_fixture_vs_torchvision() -> ArchDiff:
    return compare(RESNET18_FIXTURE, "torchvision.models:resnet18", shapes_b=[INPUT])


def assert_every_layer_paired(diff: ArchDiff) -> None:
    lone = [e for e in diff.entries if e.a is None or e.b is None]
    assert all(e.status is Status.FUNCTIONAL for e in lone), [
        (e.status, (e.a or e.b).name) for e in lone
    ]
    assert {e.a.type for e in lone if e.a} <= {"Add", "Flatten"}
    assert all(e.b is not None for e in diff.entries if e.a and e.a.params)
    b_rows = [r for r in diff.b.rows[1:] if r.is_leaf]
    assert sum(1 for e in diff.entries if e.b is not None) == len(b_rows)
    assert all(e.status is Status.SAME for e in diff.entries if e.a and e.b)
    assert not diff.differs


@pytest.mark.slow
def test_resnet18_fixture_pairs_every_torchvision_layer_despite_other_names() -> None:
    diff = resnet_fixture_vs_torchvision()
    assert_every_layer_paired(diff)
    first = diff.entries[0]
    assert (first.a.name, first.b.name) == ("stem", "conv1")
    relus = [e for e in diff.entries if e.b and e.b.name == "layer1.0.relu"]
    assert [(e.a.name, e.b.call) for e in relus] == [
        ("stage1.0.relu1", 0),
        ("stage1.0.relu2", 1),
    ]


@pytest.mark.slow
def test_bundled_resnet18_matches_torchvision_with_exit_code_zero() -> None:
    bundled = str(ARCHITECTURES / "resnet18.yaml")
    result = cli("diff", bundled, "torchvision.models:resnet18", "--exit-code")
    assert result.exit_code == 0, result.output
    assert "identical in shapes and parameters" in result.stdout
    diff = compare("resnet18", "torchvision.models:resnet18", shapes_b=[INPUT])
    assert_every_layer_paired(diff)


@pytest.mark.slow
def test_resnet18_fixture_cli_exit_code_zero() -> None:
    result = cli(
        "diff", RESNET18_FIXTURE, "torchvision.models:resnet18", "-i", "3x224x224", "--exit-code"
    )
    assert result.exit_code == 0, result.output


@cache
def alexnet_diff() -> ArchDiff:
    return compare("alexnet-paper", "alexnet")


def test_alexnet_paper_vs_torchvision_layout_shows_conv1_padding_and_its_effect() -> None:
    diff = alexnet_diff()
    conv1 = diff.entries[0]
    assert conv1.status is Status.CHANGED
    assert {"hparams", "shape"} <= set(conv1.changes)
    assert dict(conv1.b.hparams)["padding"] == (2, 2)
    assert "padding" not in dict(conv1.a.hparams)
    assert (conv1.a.shape, conv1.b.shape) == ((96, 54, 54), (64, 55, 55))
    by_name = {e.a.name: e for e in diff.entries if e.a and e.b}
    assert by_name["pool5"].changes == ("shape",)
    assert (by_name["pool5"].a.shape, by_name["pool5"].b.shape) == ((256, 5, 5), (256, 6, 6))
    assert "params" in by_name["fc6"].changes  # 6400 → 9216 features downstream
    assert {e.a.type for e in diff.entries if e.status is Status.REMOVED} == {"LocalResponseNorm"}
    assert diff.differs
    text = render(diff_table(diff), width=80)
    assert "p=2" in text
    assert "(96, 54, 54)" in text
    assert "(64, 55, 55)" in text


@pytest.mark.slow
def test_alexnet_cli_markdown_and_exit_codes() -> None:
    a, b = "alexnet-paper", "alexnet"
    plain = cli("diff", a, b, "--format", "markdown")
    assert plain.exit_code == 0, plain.output
    assert "| ~ | conv1 | Conv2d k=11 s=4 → k=11 s=4 p=2 |" in plain.stdout
    assert "(96, 54, 54) → (64, 55, 55)" in plain.stdout
    assert "finding(s) in its pass" in plain.stderr
    assert cli("diff", a, b, "--exit-code", "-f", "json").exit_code == 1


def test_vgg11_vs_vgg16_shows_the_extra_convolutions_as_insertions() -> None:
    diff = compare(
        "torchvision.models:vgg11",
        "torchvision.models:vgg16",
        shapes_a=[INPUT],
        shapes_b=[INPUT],
        device="meta",
    )
    added = [e.b for e in diff.entries if e.status is Status.ADDED]
    assert [r.type for r in added] == ["Conv2d", "ReLU"] * 5
    assert diff.count(Status.REMOVED) == diff.count(Status.CHANGED) == 0
    assert all(e.status is Status.SAME for e in diff.entries if e.a is not None)
    assert sum(r.params for r in added) == diff.b.totals.params - diff.a.totals.params


def test_json_round_trips_to_the_reports_numbers() -> None:
    a, b = "alexnet-paper", "alexnet"
    result = cli("diff", a, b, "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    diff = alexnet_diff()
    assert data["schema"] == "cnninspect.diff"
    assert data["differs"] is True
    for side, rep in (("a", diff.a), ("b", diff.b)):
        assert data[side]["totals"]["params"] == rep.totals.params
        assert data[side]["totals"]["macs"] == rep.totals.macs
        assert data[side]["totals"]["activation_bytes"] == rep.totals.activation_bytes
        assert data[side]["input"] == [list(s) for s in rep.input_shapes]
    assert data["totals"]["params"]["delta"] == diff.b.totals.params - diff.a.totals.params
    assert len(data["layers"]) == len(diff.entries)
    for entry, layer_json in zip(diff.entries, data["layers"], strict=True):
        assert layer_json["status"] == entry.status.value
        for side, row in (("a", entry.a), ("b", entry.b)):
            if row is None:
                assert layer_json[side] is None
                continue
            assert layer_json[side]["name"] == row.name
            assert layer_json[side]["params"] == row.params
            assert tuple(layer_json[side]["shape"]) == row.shape
    assert sum(x["params_delta"] for x in data["layers"]) == data["totals"]["params"]["delta"]


@pytest.mark.slow
def test_per_side_inputs_and_constructor_arguments() -> None:
    result = cli(
        "diff",
        "torchvision.models:resnet18",
        "torchvision.models:resnet18",
        "--input-a",
        "3x224x224",
        "--input-b",
        "3x160x160",
        "--arg-b",
        "num_classes=10",
        "--format",
        "json",
        "--exit-code",
    )
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    assert (data["a"]["input"], data["b"]["input"]) == ([[3, 224, 224]], [[3, 160, 160]])
    assert data["a"]["output"] == [[1000]] and data["b"]["output"] == [[10]]
    changed = [x for x in data["layers"] if x["status"] == "changed"]
    assert changed[-1]["b"]["name"] == "fc"
    assert data["counts"]["added"] == data["counts"]["removed"] == 0


def test_a_module_takes_the_yaml_sides_input_unless_given_its_own() -> None:
    diff = compare("torchvision.models:alexnet", "alexnet")
    assert diff.a.input_shapes == diff.b.input_shapes == (INPUT,)
    result = cli("diff", "torchvision.models:alexnet", "torchvision.models:alexnet")
    assert result.exit_code == 2
    assert "input shape" in result.output


def test_identical_targets_exit_zero_with_exit_code() -> None:
    result = cli("diff", "lecture-example", "lecture-example", "--exit-code", "--all")
    assert result.exit_code == 0, result.output
    assert "CONV1" in result.stdout  # --all lists unchanged layers
    data = json.loads(cli("diff", "lecture-example", "lecture-example", "-f", "json").stdout)
    assert not data["differs"]
    assert data["counts"] == dict.fromkeys(data["counts"], 0) | {"same": 13}  # every layer
    assert all(q["delta"] == 0 and q["a"] > 0 for q in data["totals"].values())


def test_importing_diff_does_not_import_torch() -> None:
    modules = "cnninspect.compare.align, cnninspect.render.diff, cnninspect.results.diff"
    code = f"import sys, {modules}; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
