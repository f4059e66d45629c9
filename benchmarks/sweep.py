"""The zoo, swept: every architecture of timm and every builder of torchvision checked by
``benchmarks/zoo.py``, each in a process of its own (forked: the imports are paid once), with
its time and peak memory; resumable (one result file per model in the cache: an interrupted
sweep goes on where it stopped); ``docs/sweep.md`` written from the results.

    python benchmarks/sweep.py [-j 2] [--only PATTERN] [--limit N] [--timeout 600] [--fresh]

A model that differs is fixed, or listed with its reason in ``tests/data/zoo_known.yaml``
(which the tests read); ``docs/sweep.md`` counts those apart.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

import yaml
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

sys.path.insert(0, str(Path(__file__).parent))
import zoo

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".sweep-cache"
KNOWN = ROOT / "tests" / "data" / "zoo_known.yaml"
REPORT = ROOT / "docs" / "sweep.md"
TIMING = CACHE / "whole-sweep.json"  # the time of the last sweep of every model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--only", help="fnmatch pattern on model names (timm:vit_*)")
    parser.add_argument("--limit", type=int, help="the first N models only")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per model")
    parser.add_argument("--fresh", action="store_true", help="forget the cached results")
    options = parser.parse_args()
    everything = zoo.zoo()
    names = everything
    if options.only:
        names = [n for n in names if fnmatch.fnmatch(n, options.only)]
    names = names[: options.limit] if options.limit else names
    CACHE.mkdir(exist_ok=True)
    if options.fresh:
        for stale in CACHE.glob("*.json"):
            stale.unlink()
    pending = [n for n in names if not _cached(n).exists()]
    started = time.perf_counter()
    _run(pending, jobs=options.jobs, timeout=options.timeout)
    elapsed = time.perf_counter() - started
    if len(pending) == len(everything):  # a whole sweep from nothing: its time is the figure
        timing = {"models": len(pending), "minutes": round(elapsed / 60, 1), "jobs": options.jobs}
        TIMING.write_text(json.dumps(timing))
    # the report covers every model with a result, whatever this run was asked to do
    results = [json.loads(_cached(n).read_text()) for n in everything if _cached(n).exists()]
    REPORT.write_text(report(results, elapsed=elapsed, ran=len(pending), jobs=options.jobs))
    print(f"{len(results)} models, {len(pending)} run now in {elapsed / 60:.1f} min: {REPORT}")


def _cached(name: str) -> Path:
    return CACHE / (name.replace(":", "__").replace("/", "_") + ".json")


def _run(names: list[str], *, jobs: int, timeout: float) -> None:
    """Each model in a forked child that writes its record; the parent reads the child's
    peak memory (``wait4``) and kills one that runs past ``timeout``."""
    running: dict[int, tuple[str, float]] = {}
    queue = list(names)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns) as progress:
        task = progress.add_task("sweeping", total=len(names))
        while queue or running:
            while queue and len(running) < jobs:
                name = queue.pop(0)
                running[_fork(name)] = (name, time.perf_counter())
            pid, status, usage = os.wait4(-1, os.WNOHANG)
            if pid == 0:
                for child, (_, since) in list(running.items()):
                    if time.perf_counter() - since > timeout:
                        os.kill(child, signal.SIGKILL)
                time.sleep(0.05)
                continue
            name, since = running.pop(pid)
            _finish(name, status, usage, time.perf_counter() - since)
            progress.update(task, advance=1, description=name[:40])


def _fork(name: str) -> int:
    pid = os.fork()
    if pid:
        return pid
    try:  # the child: check, write, leave without running the parent's cleanup
        record = zoo.check(name)
        _cached(name).with_suffix(".part").write_text(json.dumps(record))
    finally:
        os._exit(0)


def _finish(name: str, status: int, usage: Any, seconds: float) -> None:
    part = _cached(name).with_suffix(".part")
    if part.exists():
        record = json.loads(part.read_text())
        part.unlink()
    else:  # killed (timeout, memory) or crashed
        why = "timed out" if os.WIFSIGNALED(status) else f"exited with status {status}"
        record = {"model": name, "status": "error", "error": why, "problems": []}
    record["wall_seconds"] = round(seconds, 2)
    record["peak_mib"] = round(usage.ru_maxrss / 1024)  # KiB on Linux
    _cached(name).write_text(json.dumps(record))


def report(results: list[dict[str, Any]], *, elapsed: float, ran: int, jobs: int) -> str:
    known = yaml.safe_load(KNOWN.read_text()) or {} if KNOWN.exists() else {}
    differing = [r for r in results if r["status"] != "pass"]
    listed = [r for r in differing if r["model"] in known]
    unlisted = [r for r in differing if r["model"] not in known]
    passed = len(results) - len(differing)
    lines = [
        "# The zoo, swept",
        "",
        "Generated by `make sweep` (`benchmarks/sweep.py`); each model is checked by",
        "`benchmarks/zoo.py`: parameters against torch's own count, MACs against",
        "`FlopCounterMode`, rows against totals, meta against cpu for one model in "
        f"{zoo.CPU_ONE_IN}.",
        "",
        f"- Models: {len(results)} ({sum(r['model'].startswith('timm:') for r in results)} timm, "
        f"{sum(not r['model'].startswith('timm:') for r in results)} torchvision)",
        f"- Passed: {passed} ({100 * passed / max(1, len(results)):.1f} %)",
        f"- Differ or fail, listed with a reason in `tests/data/zoo_known.yaml`: {len(listed)}",
        f"- Differ or fail, not listed: {len(unlisted)}",
        f"- The whole sweep: {_whole_sweep()}, on a machine of {os.cpu_count()} cores",
        f"- The last run: {ran} models in {elapsed / 60:.1f} min with {jobs} worker(s)",
        "- Peak MiB: the child process's largest resident set, the imports it inherits "
        "(about 430 MiB: torch, torchvision, timm) included",
        "",
        "## Slowest",
        "",
        "| model | seconds | peak MiB | params |",
        "| --- | ---: | ---: | ---: |",
    ]
    by_time = sorted(results, key=lambda r: -r.get("wall_seconds", 0))[:10]
    lines += [_row(r) for r in by_time]
    lines += [
        "",
        "## Largest",
        "",
        "| model | seconds | peak MiB | params |",
        "| --- | ---: | ---: | ---: |",
    ]
    lines += [_row(r) for r in sorted(results, key=lambda r: -r.get("params", 0))[:10]]
    named = [r for r in results if r.get("uncounted")]
    lines += ["", "## Ops named as not counted (no formula)", ""]
    lines += [f"- {r['model']}: {', '.join(r['uncounted'])}" for r in named] or ["- none"]
    lines += [
        "",
        "## Differing",
        "",
        "| model | status | why | listed reason |",
        "| --- | --- | --- | --- |",
    ]
    for r in differing:
        why = r.get("error") or "; ".join(r["problems"])
        lines.append(f"| {r['model']} | {r['status']} | {why} | {known.get(r['model'], '')} |")
    return "\n".join(lines) + "\n"


def _whole_sweep() -> str:
    if not TIMING.exists():
        return "not run in one go yet"
    timing = json.loads(TIMING.read_text())
    return f"{timing['models']} models in {timing['minutes']} min with {timing['jobs']} worker(s)"


def _row(r: dict[str, Any]) -> str:
    params = f"{r['params']:,}" if "params" in r else "—"
    return (
        f"| {r['model']} | {r.get('wall_seconds', 0):.1f} | {r.get('peak_mib', 0):,} | {params} |"
    )


if __name__ == "__main__":
    main()
