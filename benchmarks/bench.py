"""Wall time and peak memory (whole process) of cnninspect against torchinfo on the same models.

Each measurement is a fresh Python process, timed from the outside; peak memory is the child's
maximum resident set size (``os.wait4``). The floor is a process that only imports torch and
torchvision: no tool can start faster or smaller.

    python benchmarks/bench.py [MODEL ...]      # default: vgg16 resnet50 regnet_y_128gf
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FLOOR = "import torch, torchvision.models"
TORCHINFO = (
    "import torch, torchvision.models as m, torchinfo;"
    "torchinfo.summary(getattr(m, '{model}')(), input_size=(1, 3, 224, 224), verbose=0)"
)


def cnninspect_cmd(model: str, device: str) -> list[str]:
    return [
        sys.executable, "-m", "cnninspect", "summary", f"torchvision.models:{model}",
        "--input", "3x224x224", "--device", device, "--format", "json",
    ]  # fmt: skip


def measure(command: list[str], *, exit_code: int = 0) -> tuple[float, float]:
    """(seconds, peak GiB) of one process; best of two runs, so disk caches are warm."""
    best = (float("inf"), float("inf"))
    for _ in range(2):
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - start
        if os.waitstatus_to_exitcode(status) != exit_code:
            raise SystemExit(f"failed: {' '.join(command)}\n{process.stderr.read().decode()}")  # type: ignore[union-attr]
        best = min(best, (elapsed, usage.ru_maxrss / 2**20))  # ru_maxrss is KiB on Linux
    return best


def bad_input(helped: tuple[float, float]) -> None:
    """The worst hostile files must be refused in under 2 s and about the memory of --help."""
    laughs = "".join(
        f"      k{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]\n" for i in range(1, 10)
    )
    files = {
        "alias bomb (10⁹ values)": "cnninspect: 1\ninput: [3, 8, 8]\nblocks:\n  B:\n"
        "    args:\n      k0: &a0 [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n"
        + laughs
        + "    layers:\n      - ReLU\nlayers:\n  - B\n",
        "repeat: 1000000000": "cnninspect: 1\ninput: [3, 8, 8]\nlayers:\n"
        "  - ReLU:\n    repeat: 1000000000\n",
        "50 MB of comments": "# " + "x" * 98 + "\n",
    }
    with tempfile.TemporaryDirectory() as folder:
        print(f"\n{'bad input (summary, exit 2)':<28} {'time':>7} {'peak':>9} {'× --help':>9}")
        missing = [sys.executable, "-m", "cnninspect", "summary", "no-such.yaml"]
        rows = [("a missing file (the floor)", measure(missing, exit_code=2))]
        for name, text in files.items():
            path = Path(folder) / "case.yaml"
            with path.open("w", encoding="utf-8") as out:  # line by line: a child forked
                for _ in range(500_000 if name.startswith("50 MB") else 1):  # from a parent
                    out.write(text)  # that holds 50 MB counts them in its own peak
            command = [sys.executable, "-m", "cnninspect", "summary", str(path)]
            rows.append((name, measure(command, exit_code=2)))
        for name, (seconds, gib) in rows:
            print(f"{name:<28} {seconds:>6.2f}s {gib * 1024:>6.1f}MiB {gib / helped[1]:>8.2f}×")


STACK_100B = """cnninspect: 1
name: stack-100b
input: [100000]
layers:
  - Linear: {out_features: 100000}
    repeat: 10
"""
CUDA_STEP = """
import torch, torchvision
model = torchvision.models.resnet50().cuda()
optimizer = torch.optim.Adam(model.parameters())
x = torch.randn(32, 3, 224, 224, device="cuda")
for _ in range(2):  # the second step is the steady state (Adam's moments exist)
    torch.cuda.reset_peak_memory_stats()
    model(x).sum().backward()
    optimizer.step()
    optimizer.zero_grad(set_to_none=True)
print(torch.cuda.max_memory_allocated())
"""


def zoo_bench() -> None:
    """The bundled zoo against one summary: ``list`` and ``validate architectures/`` build and
    trace all of its files, and should cost at most 1.5× one summary of resnet18."""
    cli = [sys.executable, "-m", "cnninspect"]
    summary = measure([*cli, "summary", "resnet18"])
    runs = {
        "summary resnet18": summary,
        "list": measure([*cli, "list"]),
        # exit 1: two of the files are wrong on purpose (alexnet-paper, lenet5-lecture-table)
        "validate architectures/": measure([*cli, "validate", "architectures/"], exit_code=1),
    }
    print(f"\n{'the zoo (' + str(len(list(Path('architectures').glob('*.yaml')))) + ' files)':<44}"
          f" {'time':>7} {'× summary':>10}")  # fmt: skip
    for name, (seconds, _) in runs.items():
        ratio = seconds / summary[0]
        goal = (
            ""
            if name.startswith("summary")
            else ("  ok (≤ 1.5×)" if ratio <= 1.5 else "  over 1.5×")
        )
        print(f"{name:<44} {seconds:>6.2f}s {ratio:>9.2f}×{goal}")


def memory_bench() -> None:
    """Training-step memory: its cost against a summary's, a 100 B-parameter stack, and, where
    CUDA is present, the tracked peak beside torch.cuda.max_memory_allocated() of a real step."""
    resnet = ["torchvision.models:resnet50", "--input", "3x224x224"]
    summary = measure([sys.executable, "-m", "cnninspect", "summary", *resnet])
    memory = measure(
        [sys.executable, "-m", "cnninspect", "memory", *resnet, "--batch", "256", "-f", "json"]
    )
    print(f"\n{'training memory':<44} {'time':>7} {'peak RSS':>9}")
    print(f"{'summary resnet50 (cpu)':<44} {summary[0]:>6.2f}s {summary[1]:>7.2f}GiB")
    ratio = memory[0] / summary[0]
    print(f"{'memory resnet50, batch 256, adam':<44} {memory[0]:>6.2f}s {memory[1]:>7.2f}GiB"
          f"  ({ratio:.2f}× the summary)")  # fmt: skip
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "stack-100b.yaml"
        path.write_text(STACK_100B, encoding="utf-8")
        stack = measure([sys.executable, "-m", "cnninspect", "memory", str(path), "-f", "json"])
    print(f"{'memory of a 100 B-parameter stack, adam':<44} {stack[0]:>6.2f}s {stack[1]:>7.2f}GiB")
    probe = "import torch; print(torch.cuda.is_available())"
    has_cuda = subprocess.run(
        [sys.executable, "-c", probe], check=True, capture_output=True, text=True
    )
    if has_cuda.stdout.strip() != "True":
        print("CUDA: not available here: no comparison with torch.cuda.max_memory_allocated()")
        return
    real = int(subprocess.run([sys.executable, "-c", CUDA_STEP], capture_output=True,
                              text=True, check=True).stdout.split()[-1])  # fmt: skip
    tracked = subprocess.run(
        [sys.executable, "-m", "cnninspect", "memory", *resnet, "--batch", "32", "-f", "json"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    peak = json.loads(tracked)["step"]["peak_bytes"]
    print(f"resnet50, batch 32, adam: tracked {peak / 2**30:.3f} GiB, "
          f"cuda max_memory_allocated {real / 2**30:.3f} GiB ({peak / real:.3f}×)")  # fmt: skip


def main(models: list[str]) -> None:
    floor = measure([sys.executable, "-c", FLOOR])
    print(f"import-only floor: {floor[0]:.2f} s, {floor[1]:.2f} GiB")
    helped = measure([sys.executable, "-m", "cnninspect", "--help"])
    print(f"cnninspect --help: {helped[0]:.2f} s, {helped[1]:.2f} GiB (torch is not imported)")
    bad_input(helped)
    zoo_bench()
    memory_bench()
    print()
    header = (
        f"{'model':<16} {'tool':<20} {'time':>8} {'peak':>9} {'× floor t':>10} {'× floor m':>10}"
    )
    print(header)
    print("-" * len(header))
    for model in models:
        runs = {
            "torchinfo 1.8 (cpu)": [sys.executable, "-c", TORCHINFO.format(model=model)],
            "cnninspect (cpu)": cnninspect_cmd(model, "cpu"),
            "cnninspect (meta)": cnninspect_cmd(model, "meta"),
        }
        results = {tool: measure(cmd) for tool, cmd in runs.items()}
        for tool, (seconds, gib) in results.items():
            print(
                f"{model:<16} {tool:<20} {seconds:>7.2f}s {gib:>7.2f}GiB "
                f"{seconds / floor[0]:>9.2f}× {gib / floor[1]:>9.2f}×"
            )
        base = results["torchinfo 1.8 (cpu)"]
        for tool in ("cnninspect (cpu)", "cnninspect (meta)"):
            seconds, gib = results[tool]
            ratio = f"{seconds / base[0]:.2f}× time, {gib / base[1]:.2f}× memory"
            print(f"{'':<16} {tool} vs torchinfo: {ratio}")


if __name__ == "__main__":
    main(sys.argv[1:] or ["vgg16", "resnet50", "regnet_y_128gf"])
