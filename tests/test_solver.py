"""The input-size solver (224 → 227) and the smallest input a model accepts."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from cnninspect.api.hints import check_candidate, check_spec
from cnninspect.api.min_input import min_input
from cnninspect.api.request import feed_of_shapes, resolve_target
from cnninspect.checks.solver import InputSolution, smallest, solve_input, square
from cnninspect.construct.construction import import_module_target
from cnninspect.description.parser import load
from cnninspect.errors import TargetError
from tests.conftest import DATA, RULE_CASES, VALIDATE_DATA, cli


def test_alexnet_as_printed_needs_227() -> None:
    solution = solve_input(load(VALIDATE_DATA / "alexnet-paper.yaml"), check_spec)
    assert solution is not None
    assert solution.shape == (3, 227, 227)
    assert solution.declared == (3, 224, 224)
    assert solution.hint("hwc").endswith("input: [227, 227, 3]")
    assert solution.hint("chw").endswith("input: [3, 227, 227]")


def test_a_consistent_file_is_its_own_solution() -> None:
    solution = solve_input(load(VALIDATE_DATA / "alexnet-227.yaml"), check_spec)
    assert solution == InputSolution((3, 227, 227), (3, 227, 227))


def test_contradictory_declarations_have_no_solution() -> None:
    """The lecture's LeNet table: row 3 declares 10×10, row 4 pools 5×5 at stride 1 and
    declares 10×10 again — no input size makes both hold."""
    assert solve_input(load(VALIDATE_DATA / "lenet5-lecture-table.yaml"), check_spec) is None


def test_the_solver_prefers_the_nearest_size(tmp_path: Path) -> None:
    path = tmp_path / "near.yaml"
    path.write_text(
        "cnninspect: 1\ninput: [1, 30, 30]\nlayers:\n"
        "  - Conv2d: {out_channels: 4, kernel_size: 3, stride: 2}\n"
    )
    solution = solve_input(load(path), check_spec)  # exact for n = 29, 31, …: 31 wins the tie
    assert solution is not None and solution.shape == (1, 31, 31)


@pytest.mark.parametrize("name", ["alexnet-paper", "alexnet-227", "lenet5-lecture-table"])
def test_the_quick_candidate_check_finds_what_the_full_one_finds(name: str) -> None:
    """validate's solver rejects a candidate on the shapes computed while building, without
    its forward pass: the answer is the full check's, and every rejection is one the full
    check makes too (a CNN101 it also reports)."""
    spec = load(VALIDATE_DATA / f"{name}.yaml")
    assert solve_input(spec, check_candidate) == solve_input(spec, check_spec)
    for offset in (-3, -1, 0, 2, 5):
        shape = (spec.input_shape[0], *(d + offset for d in spec.input_shape[1:]))
        candidate = dataclasses.replace(spec, input_shape=shape)
        quick = {(f.code, f.layer, f.message) for f in check_candidate(candidate)}
        full = {(f.code, f.layer, f.message) for f in check_spec(candidate)}
        assert quick <= full


def test_the_quick_check_reads_shapes_as_the_rows_do(tmp_path: Path) -> None:
    """Flatten(start_dim=0) folds the batch in: the rows keep (900,) and (10,) whole, and the
    quick check must too, or it rejects the input the full check accepts."""
    path = tmp_path / "flat0.yaml"
    path.write_text(
        "cnninspect: 1\ninput: [3, 30, 30]\nlayers:\n"
        "  - Conv2d: {out_channels: 4, kernel_size: 3, stride: 2}\n"
        "    name: conv\n    expect: [4, 15, 15]\n"
        "  - Flatten: {start_dim: 0}\n"
        "  - Linear: {out_features: 10}\n    name: fc\n    expect: [10]\n"
    )
    spec = load(path)
    full = solve_input(spec, check_spec)
    assert full is not None and full.shape == (3, 31, 31)
    assert solve_input(spec, check_candidate) == full


def test_smallest_bisects_a_monotone_predicate() -> None:
    tries: list[int] = []

    def accepts(n: int) -> bool:
        tries.append(n)
        return n >= 75

    assert smallest(accepts) == 75
    assert len(tries) < 20
    assert smallest(lambda n: n >= 1) == 1
    assert smallest(lambda n: False, limit=64) is None


def test_square_keeps_the_channels() -> None:
    assert square((3, 224, 224), 63) == (3, 63, 63)
    assert square((2, 16, 16, 16), 5) == (2, 5, 5, 5)


def test_min_input_of_a_yaml_file() -> None:
    """LeNet's layers need 14×14: 14 −5+1 = 10, pooled to 5, and a 5×5 conv leaves 1×1."""
    found = min_input(resolve_target(str(RULE_CASES / "CNN107-fires.yaml")))
    assert found.shape == (1, 14, 14)


def test_min_input_needs_a_spatial_size() -> None:
    with pytest.raises(TargetError, match="no spatial size"):
        min_input(resolve_target("torchvision.models:alexnet"), feed_of_shapes([(3,)]))


# torchvision's published minimum input sizes (the `min_size` of each model's weights).
PUBLISHED = [
    ("alexnet", {}, 63),
    ("vgg16", {}, 32),
    ("googlenet", {"aux_logits": False, "init_weights": False}, 15),
    ("inception_v3", {"aux_logits": False, "init_weights": False}, 75),
    ("densenet121", {}, 29),
    ("squeezenet1_0", {}, 21),
]


@pytest.mark.slow
@pytest.mark.parametrize(("name", "args", "size"), PUBLISHED, ids=[p[0] for p in PUBLISHED])
def test_torchvision_published_minimums(name: str, args: dict[str, object], size: int) -> None:
    module = import_module_target(f"torchvision.models:{name}", args, device="meta")
    assert min_input(resolve_target(module)).shape == (3, size, size)


def test_min_input_says_why_it_cannot_search_a_target() -> None:
    """A model that takes two inputs (or token ids) has no image size to search: a usage
    error that says so and what runs it — not "none found" (exit 1), whose meaning is "no
    input up to 16384 works"."""
    result = cli("min-input", f"{DATA / 'models' / 'two_inputs.py'}:TwoInput")
    assert result.exit_code == 2
    assert "TwoInput cannot be searched" in result.stderr
    assert "missing 1 required positional argument: 'meta'" in result.stderr
    assert "one image-like input" in result.stderr
    found = cli("min-input", "torchvision.models:alexnet")
    assert found.exit_code == 0 and "63×63" in found.stdout  # torchvision's published minimum
