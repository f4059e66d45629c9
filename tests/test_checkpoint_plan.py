"""``memory --fit BUDGET --batch B --plan``: the modules to checkpoint so that the batch fits.
The plan is held against every subset of the candidates, each tracked on its own with
``--checkpoint``: it fits, and no subset that fits recomputes fewer MACs."""

from __future__ import annotations

import itertools
import json

import pytest

from cnninspect.api.memory import memory, step_setup
from cnninspect.cli.options import resolve_request
from tests.conftest import DATA, check_json, cli

MODEL = f"{DATA / 'distributed' / 'distributed_nets.py'}:SmallCNN"
BLOCKS = ("blocks.0", "blocks.1", "blocks.2", "blocks.3")  # its repeated blocks: the candidates
ARGS = ("memory", MODEL, "-i", "3x32x32", "--batch", "16", "--headroom", "0%", "--plan")


def _peak(checkpointed: tuple[str, ...]) -> int:
    target, feed = resolve_request(MODEL, ["3x32x32"], None)
    return memory(target, feed, batch=16, setup=step_setup(checkpoint=checkpointed)).peak_bytes


def test_the_plan_is_the_cheapest_subset_that_fits() -> None:
    peaks = {
        subset: _peak(subset) for n in range(5) for subset in itertools.combinations(BLOCKS, n)
    }
    budget = (peaks[()] + peaks[BLOCKS]) // 2  # between none and all checkpointed
    result = cli(*ARGS, "--fit", f"{budget}B", "-f", "json")
    assert result.exit_code == 0, result.output
    plan = check_json("memory", result.stdout)["plan"]
    macs = {c["name"]: c["macs"] for c in plan["checkpointed"]}
    chosen = tuple(macs)
    assert peaks[chosen] == plan["peak_bytes_after"] <= budget
    assert plan["peak_bytes_before"] == peaks[()]
    # every block's forward MACs, as the summary counts them
    summary = json.loads(
        cli("summary", MODEL, "-i", "3x32x32", "--batch", "16", "-f", "json").stdout
    )
    block_macs = {
        row["name"]: row["subtree_macs"] for row in summary["layers"] if row["name"] in BLOCKS
    }
    assert all(macs[name] == block_macs[name] for name in chosen)
    cheapest = min(
        sum(block_macs[b] for b in subset) for subset, peak in peaks.items() if peak <= budget
    )
    assert sum(macs.values()) == plan["recomputed_macs"] == cheapest


def test_a_step_that_fits_needs_no_plan() -> None:
    result = cli(*ARGS, "--fit", "1GiB")
    assert result.exit_code == 0, result.output
    assert "fits in 1GiB without checkpointing" in " ".join(result.stdout.split())


def test_no_plan_fitting_is_exit_1() -> None:
    result = cli(*ARGS, "--fit", "1MiB")
    assert result.exit_code == 1
    assert "No checkpointing plan fits batch 16 in 1MiB" in " ".join(result.stdout.split())
    document = check_json("memory", cli(*ARGS, "--fit", "1MiB", "-f", "json").stdout)
    assert document["plan"]["checkpointed"] is None


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ((), "give --fit BUDGET"),
        (("--fit", "1GiB", "--fsdp", "auto"), "not auto"),
        (("--fit", "1GiB", "--inference"), "an --inference pass keeps nothing"),
    ],
)
def test_plan_mistakes_are_usage_errors(extra: tuple[str, ...], message: str) -> None:
    result = cli(*ARGS, *extra)
    assert result.exit_code == 2 and message in " ".join(result.output.split())
