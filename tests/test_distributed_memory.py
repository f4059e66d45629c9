"""Memory a rank of FSDP2 training: cnninspect (one process, a fake process group, fake
tensors) against real processes (``torchrun``, gloo on cpu, each rank tracking its own step);
the search for the fewest ranks; the sharding options and their mistakes."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from cnninspect.footprint.fit import fewest_ranks
from tests.conftest import DATA, check_json, cli

DISTRIBUTED = DATA / "distributed"
MODELS = DISTRIBUTED / "distributed_nets.py"
sys.path.insert(0, str(DISTRIBUTED))
from distributed_nets import SmallCNN  # noqa: E402

# model, batch a rank, the class each unit is, the input in cnninspect's language
REAL_CASES = {
    "cnn-with-batchnorm": ("SmallCNN", 16, "ConvBlock", "3x32x32"),
    "vit": ("SmallViT", 32, "EncoderBlock", "3x32x32"),
    "lstm": ("TextLSTM", 8, "LSTM", "long:16@0..100"),
}


def _ours(
    model: str, batch: int, unit: str, feed: str, *, ranks: int, strategy: str = "fsdp"
) -> dict[str, object]:
    result = cli(
        "memory", f"{MODELS}:{model}", "-i", feed, "--batch", str(batch),
        f"--{strategy}", str(ranks), "--shard-unit", unit, "-f", "json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    step = check_json("memory", result.stdout)["step"]
    assert isinstance(step, dict)
    return step


def _real(
    model: str, batch: int, unit: str, ranks: int, strategy: str = "fsdp"
) -> list[dict[str, object]]:
    torchrun = Path(sys.executable).parent / "torchrun"
    run = subprocess.run(
        [str(torchrun), "--standalone", f"--nproc-per-node={ranks}",
         str(DISTRIBUTED / "rank_step.py"), model, str(batch), unit, strategy],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    lines = [json.loads(line) for line in run.stdout.splitlines() if line.startswith("{")]
    return sorted(lines, key=lambda line: int(line["rank"]))


@pytest.mark.slow
@pytest.mark.parametrize("strategy", ["fsdp", "ddp"])
@pytest.mark.parametrize("ranks", [2, 4])
@pytest.mark.parametrize("case", REAL_CASES)
def test_a_ranks_peak_is_what_real_processes_measure(case: str, ranks: int, strategy: str) -> None:
    """Every real rank within 1% of rank 0 as cnninspect plays it (rank 0 holds the largest
    shards); the real rank 0 equals it to the byte in every case today.

    Not exact every run: gloo completes collectives on a thread of its own, and a buffer lives
    until that thread lets it go. With 4 ranks of the ViT at batch 8, one run in three had a
    rank peak 31,232 B (1.3%) higher with it among the temporaries; at batch 32 that is 0.55%,
    and no run of three showed it."""
    model, batch, unit, feed = REAL_CASES[case]
    ours = _ours(model, batch, unit, feed, ranks=ranks, strategy=strategy)
    real = _real(model, batch, unit, ranks, strategy)
    assert [line["rank"] for line in real] == list(range(ranks))
    for line in real:
        assert math.isclose(int(line["peak_bytes"]), int(ours["peak_bytes"]), rel_tol=0.01), line
    distribution = ours["distribution"]
    assert isinstance(distribution, dict)
    units = [u["name"] for u in distribution["units"]]
    assert len(units) == int(real[0]["units"]) + 1 and units[-1] == ""  # the root last


def test_sharding_divides_the_model_states() -> None:
    """The parameter shard is what FSDP2 holds: each parameter's first dimension padded to a
    multiple of the ranks, divided by them (hand arithmetic over torch's own parameters)."""
    params = list(SmallCNN().parameters())
    for ranks in (1, 3, 8):
        step = _ours("SmallCNN", 4, "ConvBlock", "3x32x32", ranks=ranks)
        shard = sum(-(-p.shape[0] // ranks) * (p.numel() // p.shape[0]) * 4 for p in params)
        categories = step["categories"]
        assert isinstance(categories, dict)
        assert categories["parameter_shard"] == shard
        assert categories["parameters"] == 0 and categories["gradients"] == 0


def test_the_default_units_are_the_repeated_blocks() -> None:
    import torchvision

    from cnninspect.footprint.sharding import units

    resnet = units(torchvision.models.resnet18(), ())
    assert resnet == ("layer1.0", "layer1.1", "layer2.0", "layer2.1", "layer3.0", "layer3.1",
                      "layer4.0", "layer4.1")  # fmt: skip
    vit = units(torchvision.models.vit_b_16(), ())
    assert vit == tuple(f"encoder.layers.encoder_layer_{i}" for i in range(12))
    vgg = units(torchvision.models.vgg11(), ())  # no block repeats: each repeated layer
    assert vgg == tuple(f"features.{i}" for i in (0, 3, 6, 8, 11, 13, 16, 18)) + tuple(
        f"classifier.{i}" for i in (0, 3, 6)
    )
    assert units(torch.nn.Linear(2, 2), ()) == ()  # nothing repeats: the root alone


def test_the_table_names_the_sharded_categories() -> None:
    result = cli(
        "memory", f"{MODELS}:SmallCNN", "-i", "3x32x32", "--batch", "4", "--fsdp", "2",
        "--mp", "bfloat16",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    text = " ".join(result.stdout.split())
    assert "FSDP over 2 ranks (rank 0), resharded after forward" in text
    assert "computing in bfloat16, reducing in float32" in text
    for label in ("Parameter shard", "Gathered parameters", "All-gather buffers"):
        assert label in text
    largest = sum(p.numel() for p in SmallCNN().blocks[3].parameters())
    assert f"Sharded units: 4 (largest blocks.3, {largest:,} parameters)" in text
    assert "batch 4 a rank" in text


def test_keeping_units_gathered_costs_memory() -> None:
    args = ("memory", f"{MODELS}:SmallViT", "-i", "3x32x32", "--batch", "2", "--fsdp", "4")
    resharded = cli(*args, "-f", "json")
    kept = cli(*args, "--no-reshard-after-forward", "-f", "json")
    assert resharded.exit_code == 0 and kept.exit_code == 0, resharded.output + kept.output
    low = json.loads(resharded.stdout)["step"]["categories"]["unsharded_parameters"]
    high = json.loads(kept.stdout)["step"]["categories"]["unsharded_parameters"]
    assert high > low


def test_the_fewest_ranks_are_searched() -> None:
    base = ("memory", f"{MODELS}:SmallCNN", "-i", "3x32x32", "--batch", "16")
    one = json.loads(cli(*base, "--fsdp", "1", "-f", "json").stdout)["step"]["peak_bytes"]
    two = json.loads(cli(*base, "--fsdp", "2", "-f", "json").stdout)["step"]["peak_bytes"]
    assert two < one
    base = (*base, "--headroom", "0%")
    result = cli(*base, "--fsdp", "auto", "--fit", f"{two}B", "-f", "json")
    assert result.exit_code == 0, result.output
    fit = check_json("memory", result.stdout)["fit"]
    assert fit["searched"] == "ranks" and fit["ranks"] == 2 and fit["next_peak_bytes"] == one
    nothing = cli(*base, "--fsdp", "auto", "--fit", "1MiB")
    assert nothing.exit_code == 1
    assert "does not fit in 1MiB over any number of FSDP ranks" in " ".join(nothing.stdout.split())


def test_the_search_follows_a_plus_b_over_n() -> None:
    """Peaks of a + b/n (the model states sharded, the rest not) and a padding that grows past
    64 ranks: the answer is the fewest ranks, in a few steps."""

    def peak(ranks: int) -> int:
        return 1_000 + 64_000 // ranks + (ranks - 64) * 100 * (ranks > 64)

    for limit, expected in ((66_000, 1), (33_000, 2), (2_100, 59), (1_500, 0)):
        ranks, tries, nearest = fewest_ranks(peak, limit, 4096)
        assert ranks == expected
        brute = next((n for n in range(1, 4097) if peak(n) <= limit), 0)
        assert ranks == brute
        assert tries <= 12
        if not ranks:
            assert nearest == 64  # where the peak is lowest


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--fsdp", "auto"), "--fsdp auto searches the fewest ranks that fit"),
        (("--fsdp", "0"), "give a number of ranks from 1 to 4096"),
        (("--fsdp", "5000"), "give a number of ranks from 1 to 4096"),
        (("--fsdp", "two"), "give a number of ranks, or auto"),
        (("--fsdp", "²"), "give a number of ranks, or auto"),
        (("--headroom", "10%"), "--headroom is kept free of a --fit budget"),
        (("--ddp", "2", "--no-reshard-after-forward"), "--ddp keeps all"),
        (("--mp", "bfloat16"), "add --fsdp N or --ddp N"),
        (("--fsdp", "2", "--ddp", "2"), "--fsdp shards, --ddp replicates: give one of them"),
        (("--ddp", "0"), "--ddp 0: give a number of ranks from 1 to 4096"),
        (("--fsdp", "2", "--shard-unit", "ConvBlok"), "did you mean 'ConvBlock'"),
    ],
)
def test_sharding_mistakes_are_usage_errors(args: tuple[str, ...], message: str) -> None:
    result = cli("memory", f"{MODELS}:SmallCNN", "-i", "3x32x32", *args)
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())
    assert "Traceback" not in result.output


def test_explain_gives_the_sharded_arithmetic() -> None:
    """Each line is hand arithmetic over torch's parameters that equals the tracked bytes."""
    result = cli(
        "memory", f"{MODELS}:SmallCNN", "-i", "3x32x32", "--batch", "4", "--fsdp", "3",
        "--explain",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    text = " ".join(result.stdout.split())
    params = list(SmallCNN().parameters())
    shard = sum(-(-p.shape[0] // 3) * (p.numel() // p.shape[0]) for p in params)
    assert "Why these numbers (rank 0 of 3):" in text
    assert f"Parameter shard ⌈first dimension / 3⌉ rows of each parameter: {shard:,} × 4" in text
    adam = 2 * shard * 4 + 4 * len(params)
    assert f"+ {len(params)} step counts × 4 bytes = {adam:,} bytes" in text
    assert "Gathered parameters the root's own + blocks." in text
    markdown = cli("memory", f"{MODELS}:SmallCNN", "-i", "3x32x32", "--fsdp", "3", "-f", "markdown")
    assert "| Parameter shard |" in markdown.stdout and "FSDP over 3 ranks" in markdown.stdout


def test_ddp_holds_the_whole_model_on_every_rank() -> None:
    params = sum(p.numel() for p in SmallCNN().parameters())
    args = ("memory", f"{MODELS}:SmallCNN", "-i", "3x32x32", "--batch", "4", "--ddp", "8")
    result = cli(*args, "--explain")
    assert result.exit_code == 0, result.output
    text = " ".join(result.stdout.split())
    assert "DDP over 8 ranks (rank 0), as torch's FSDP2-based replicate runs it" in text
    assert f"Parameters every parameter, on every rank: {params:,} × 4 bytes" in text
    assert "Replicated (one gradient bucket each) units: 4" in text
    document = json.loads(cli(*args, "-f", "json").stdout)
    assert document["step"]["distribution"]["strategy"] == "ddp"
    assert document["step"]["categories"]["parameters"] == params * 4


def test_frozen_modules_get_no_shard_of_state() -> None:
    """Adam's state covers rank 0's shards of the trainable parameters only (hand arithmetic
    over torch's parameters)."""
    trainable = [p for n, p in SmallCNN().named_parameters() if not n.startswith("blocks.0.")]
    shard = sum(-(-p.shape[0] // 2) * (p.numel() // p.shape[0]) for p in trainable)
    args = ("memory", f"{MODELS}:SmallCNN", "-i", "3x32x32", "--fsdp", "2", "-f", "json")
    result = cli(*args, "--freeze", "blocks.0")
    assert result.exit_code == 0, result.output
    step = check_json("memory", result.stdout)["step"]
    assert step["categories"]["optimizer_state"] == 2 * 4 * shard + 4 * len(trainable)
    assert step["trainable_params"] == sum(p.numel() for p in trainable)


def test_tied_weights_stay_in_one_unit() -> None:
    """FSDP manages a parameter in one unit: a default unit that shares one is left to the
    root; units asked for that share one are refused, naming the parameter."""
    from distributed_nets import TiedBlocks

    model = TiedBlocks()
    tied = model.blocks[0][0].weight.numel() + model.blocks[0][0].bias.numel()
    args = ("memory", f"{MODELS}:TiedBlocks", "-i", "8x16x16")
    for strategy in ("--fsdp", "--ddp"):
        result = cli(*args, strategy, "2", "-f", "json")
        assert result.exit_code == 0, result.output
        units = check_json("memory", result.stdout)["step"]["distribution"]["units"]
        assert [u["name"] for u in units] == ["blocks.1.0", ""]
        assert units[1]["params"] == tied + model.blocks[2][0].bias.numel()
    refused = cli(*args, "--fsdp", "2", "--shard-unit", "Sequential")
    assert refused.exit_code == 2
    assert "blocks.0.0.weight is one parameter used by blocks.0 and blocks.2" in " ".join(
        refused.output.split()
    )


def test_explain_follows_a_search() -> None:
    result = cli(
        "memory", f"{MODELS}:SmallCNN", "-i", "3x32x32", "--fit", "20MiB", "--fsdp", "2",
        "--explain",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Why these numbers (rank 0 of 2):" in result.stdout
