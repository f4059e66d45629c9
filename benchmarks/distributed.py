"""A rank's memory under FSDP2 for resnet50 and vit_b_16, beside DeepSpeed's formula, and the
speed goals of sharded and single-device tracking (``make bench`` runs it).

For each model and N in 1, 2, 8, 64 ranks (Adam, FSDP mixed precision in bfloat16): the peak a
rank at batch 32, the model states in it, the largest batch ``--fit 80GB`` finds, and DeepSpeed's
ZeRO-3 model-states estimate without offload (``estimate_zero3_model_states_mem_needs``:
4 × the largest layer's parameters + 18 × parameters / N bytes a GPU), which has no term for
activations or communication buffers.

    python benchmarks/distributed.py [--quick]   # --quick: no --fit searches
"""

from __future__ import annotations

import subprocess
import sys
import time

import torchvision

from cnninspect.api import memory as use_case
from cnninspect.api.request import resolve_target
from cnninspect.cli.options import feed_option

RANKS = (1, 2, 8, 64)
STATES = ("parameter_shard", "gradient_shard", "optimizer_state")


def deepspeed_zero3(model_name: str, ranks: int) -> int:
    """DeepSpeed's ZeRO-3 GPU estimate (no offload), from the model's own parameters."""
    model = getattr(torchvision.models, model_name)()
    total = sum(p.numel() for p in model.parameters())
    largest = max(sum(p.numel() for p in m.parameters(recurse=False)) for m in model.modules())
    return 4 * largest + int(18 * total / ranks)


def table(quick: bool) -> None:
    print(f"{'model':<9} {'N':>3} {'peak a rank, batch 32':>22} {'model states':>13} "
          f"{'DeepSpeed ZeRO-3':>17} {'--fit 80GB':>11} {'steps':>6} {'time':>6}")  # fmt: skip
    for name in ("resnet50", "vit_b_16"):
        target = resolve_target(f"torchvision.models:{name}")
        feed = feed_option(["3x224x224"])
        for ranks in RANKS:
            setup = use_case.step_setup(distribution=use_case.fsdp(ranks, mp="bfloat16"))
            started = time.perf_counter()
            report = use_case.memory(target, feed, batch=32, setup=setup)
            states = sum(report.category(c) for c in STATES)
            fit_text, steps = "", ""
            if not quick:
                fit = use_case.fit(target, "80GB", feed, setup=setup)
                fit_text, steps = str(fit.batch), str(fit.tries)
            seconds = time.perf_counter() - started
            print(f"{name:<9} {ranks:>3} {report.peak_bytes / 2**30:>18.3f} GiB "
                  f"{states / 2**30:>9.3f} GiB {deepspeed_zero3(name, ranks) / 2**30:>13.3f} GiB "
                  f"{fit_text:>11} {steps:>6} {seconds:>5.1f}s")  # fmt: skip


def speed() -> None:
    """A fake step of resnet152 (goal ≤ 3 s on a 2-core machine: the step, the model loaded),
    and --fsdp 8 of vit_b_16 against the single-device run (goal ≤ 2×), each a fresh process
    timed from outside."""
    target = resolve_target("torchvision.models:resnet152")
    feed = feed_option(["3x224x224"])
    loaded = use_case.loaded_for_memory(target, feed, dtype="float32")
    started = time.perf_counter()
    use_case.tracked(loaded, feed, batch=32, dtype="float32", setup=use_case.step_setup())
    print(f"{'a fake step of resnet152, batch 32, adam':<40} "
          f"{time.perf_counter() - started:>6.2f} s (goal ≤ 3 s)")  # fmt: skip
    runs = {
        "memory vit_b_16, batch 32": ["torchvision.models:vit_b_16"],
        "memory vit_b_16, batch 32, --fsdp 8": ["torchvision.models:vit_b_16", "--fsdp", "8"],
    }
    times = {}
    for label, args in runs.items():
        command = [sys.executable, "-m", "cnninspect", "memory", *args, "-i", "3x224x224",
                   "--batch", "32", "-f", "json"]  # fmt: skip
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        times[label] = time.perf_counter() - started
        print(f"{label:<40} {times[label]:>6.2f} s (whole process)")
    ratio = times["memory vit_b_16, batch 32, --fsdp 8"] / times["memory vit_b_16, batch 32"]
    print(f"--fsdp 8 against one device: {ratio:.2f}× (goal ≤ 2×)")


if __name__ == "__main__":
    speed()
    table(quick="--quick" in sys.argv)
