"""The arithmetic behind a memory report's model states (``memory --explain``): each line a
formula over the model's parameters, shown only where it equals what the tracker measured —
activations have no such formula: they are what the pass keeps."""

from __future__ import annotations

import itertools

from rich.text import Text

from cnninspect.render.memory.table import LABELS, labels
from cnninspect.render.text import binary, count
from cnninspect.results.memory import MemoryReport, ShardUnit

_DTYPE_BYTES = {"float32": 4, "bfloat16": 2, "float16": 2}


def explanation(report: MemoryReport) -> Text:
    """The model states in the lecture's arithmetic, each shown only where it equals what the
    tracker measured (activations have no such formula: they are what the pass keeps)."""
    if report.setup.distribution is not None:
        return sharded_explanation(report)
    size, trainable = report.weight_bytes, report.trainable_params
    lines = ["Why these numbers:"]
    checks = [
        ("parameters", report.params * size, f"{count(report.params)} × {size} bytes"),
        ("gradients", trainable * size, f"{count(trainable)} trainable × {size} bytes"),
    ]
    optimizer = report.setup.optimizer
    if report.setup.mode == "inference":
        checks = checks[:1]
    elif optimizer in ("adam", "adamw"):
        moments = 2 * trainable * size
        steps = 4 * report.trainable_tensors  # one float32 step count per parameter tensor
        text = (
            f"2 moments × {count(trainable)} × {size} bytes + "
            f"{report.trainable_tensors} step counts × 4 bytes"
        )
        checks.append(("optimizer_state", moments + steps, text))
    elif optimizer == "momentum":
        checks.append(("optimizer_state", trainable * size, f"{count(trainable)} × {size} bytes"))
    for name, value, text in checks:
        if report.category(name) == value:
            lines.append(f"  {LABELS[name]:<16} {text} = {count(value)} bytes ({binary(value)})")
    if optimizer == "sgd" and report.setup.mode == "train":
        lines.append(f"  {LABELS['optimizer_state']:<16} plain SGD keeps none")
    return Text("\n".join(lines))


def sharded_explanation(report: MemoryReport) -> Text:
    """A rank's share of the model states: rank 0's shard of each parameter (its first
    dimension split in N, rounded up), the gradient and optimizer-state shards over it, and
    which units were gathered at the peak."""
    d = report.setup.distribution
    assert d is not None
    size, shard, ranks = report.weight_bytes, report.shard_elements, d.ranks
    lines = ["Why these numbers (rank 0 of " + count(ranks) + "):"]
    replicated = d.strategy == "ddp"
    each = (
        "every parameter, on every rank"
        if replicated
        else f"⌈first dimension / {count(ranks)}⌉ rows of each parameter"
    )
    held, grads = ("parameters", "gradients")
    if not replicated:
        held, grads = ("parameter_shard", "gradient_shard")
    checks = [(held, shard * size, f"{each}: {count(shard)} × {size} bytes")]
    if report.trainable_params == report.params:  # nothing frozen: every shard trains
        checks.append((grads, shard * size, f"{count(shard)} × {size} bytes"))
        tensors = report.trainable_tensors
        if report.setup.optimizer in ("adam", "adamw"):
            text = f"2 moments × {count(shard)} × {size} bytes + {tensors} step counts × 4 bytes"
            checks.append(("optimizer_state", 2 * shard * size + 4 * tensors, text))
        elif report.setup.optimizer == "momentum":
            checks.append(("optimizer_state", shard * size, f"{count(shard)} × {size} bytes"))
    names = labels(report)
    for name, value, text in checks:
        if value and report.category(name) == value:
            lines.append(f"  {names[name]:<20} {text} = {count(value)} bytes ({binary(value)})")
    gathered = _gathered(report)
    if gathered:
        lines.append(f"  {names['unsharded_parameters']:<20} {gathered}")
    return Text("\n".join(lines))


def _nearest_first(units: list[ShardUnit], phase: str) -> list[ShardUnit]:
    """The units, the one running at the peak first and then by distance from it: of units
    that gather alike (a transformer's layers), the ones named are those most likely held."""
    running = phase.split(" of ", 1)[-1]
    at = next((i for i, u in enumerate(units) if (running + ".").startswith(u.name + ".")), None)
    if at is None:
        return units
    by_distance = sorted(enumerate(units), key=lambda item: abs(item[0] - at))
    return [unit for _, unit in by_distance]


def _gathered(report: MemoryReport) -> str | None:
    """The units whose whole parameters add up to what was gathered at the peak: the root
    (kept gathered from its forward on) with one or two units (the one running, the one
    fetched ahead) — or, replicated, with every unit (none is freed) — in the dtype the units
    compute in."""
    d = report.setup.distribution
    tracked = report.category("unsharded_parameters")
    if d is None or not tracked:
        return None
    size = _DTYPE_BYTES.get(d.param_dtype or "", report.weight_bytes)
    root = sum(u.gathered for u in report.units if not u.name)
    units = _nearest_first([u for u in report.units if u.name], report.peak_phase)
    tried = itertools.chain(*(itertools.combinations(units, n) for n in (0, 1, 2)), [tuple(units)])
    for combination in tried:
        elements = root + sum(u.gathered for u in combination)
        if elements * size == tracked:
            if len(combination) == len(units) > 2:
                names = f"the root and all {len(units)} units"
            else:
                names = " + ".join(["the root's own", *(u.name for u in combination)])
            padded = f", each first dimension padded to a multiple of {count(d.ranks)}"
            return (
                f"{names}{padded if d.strategy == 'fsdp' else ''}: "
                f"{count(elements)} × {size} bytes = {count(tracked)} bytes"
            )
    return None
