"""One model of the zoo checked against figures cnninspect does not compute (the sweep's unit;
``benchmarks/sweep.py`` runs every model, ``tests/test_zoo.py`` a sample of them).

A model is named ``timm:<architecture>`` or ``torchvision.<family>:<builder>`` (families:
classification, detection, segmentation, video, optical_flow, quantization). It is built by
its own library, on the meta device (no weights), and checked four ways:

- **parameters**: cnninspect's total against the unique parameters of the instance torch
  built (``model.parameters()``), and every row's own parameters adding up to that total;
- **MACs**: cnninspect's total against torch's ``FlopCounterMode`` (FLOPs / 2) over the same
  inputs, each op counted by the dispatcher, and the rows' own MACs adding up to the total;
- **meta against cpu**, for one model in ``CPU_ONE_IN``: built again on cpu from a fixed seed,
  the same parameters, MACs and output shapes;
- the ops it ran without a formula are recorded (named by cnninspect, not a difference).

Models meta cannot run (a detector's data-dependent steps) run on cpu, checked the same way.
"""

from __future__ import annotations

import hashlib
import time
import warnings
from typing import Any

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

import cnninspect

CPU_ONE_IN = 20  # one model in this many is also run on cpu (chosen by its name's hash)
FAMILIES = ("classification", "detection", "segmentation", "video", "optical_flow", "quantization")


def zoo() -> list[str]:
    """Every architecture of timm and every builder of torchvision's model families."""
    import timm
    from torchvision import models

    names = [f"timm:{name}" for name in timm.list_models()]
    for family in FAMILIES:
        module = models if family == "classification" else getattr(models, family)
        names += [f"torchvision.{family}:{name}" for name in models.list_models(module=module)]
    return names


def build(name: str, device: str) -> tuple[nn.Module, list[Any], list[Any]]:
    """The model built by its own library on ``device`` (on meta: where its constructor
    cannot run there — regnet sizes its stages with tensor arithmetic — built on cpu and
    moved), the arguments of one call (seeded), and cnninspect's description of that call
    (its input language)."""
    source = name.partition(":")[0]
    try:
        model, shapes = _constructed(name, device)
    except (NotImplementedError, RuntimeError):
        if device != "meta":
            raise
        model, shapes = _constructed(name, "cpu")
        model = model.to("meta")
    model.eval()
    seeded = torch.Generator().manual_seed(0)
    if source == "torchvision.detection":
        language = ["[" + "x".join(map(str, shapes[0])) + "]"]
        example: list[Any] = [[torch.rand(shapes[0], generator=seeded).to(device)]]
    else:
        language = ["x".join(map(str, s)) for s in shapes]
        example = [torch.randn((1, *s), generator=seeded).to(device) for s in shapes]
    return model, example, language


def _constructed(name: str, device: str) -> tuple[nn.Module, list[tuple[int, ...]]]:
    source, _, arch = name.partition(":")
    with warnings.catch_warnings(), torch.device(device):
        warnings.simplefilter("ignore")
        if source == "timm":
            import timm

            model = timm.create_model(arch, pretrained=False)
            return model, [tuple(model.pretrained_cfg.get("input_size", (3, 224, 224)))]
        from torchvision import models

        family = source.removeprefix("torchvision.")
        extra: dict[str, Any] = {"weights": None}
        if family in ("detection", "segmentation"):
            extra["weights_backbone"] = None
        if family == "quantization":
            extra["quantize"] = False
        if arch.endswith(("inception_v3", "googlenet")):
            extra["init_weights"] = False
        return models.get_model(arch, **extra), _shapes(family, arch)


def _shapes(family: str, arch: str) -> list[tuple[int, ...]]:
    if family == "video":  # the crops of their published weights
        side = 224 if arch.startswith(("mvit", "s3d", "swin3d")) else 112
        return [(3, 16, side, side)]
    if family == "optical_flow":
        return [(3, 128, 128), (3, 128, 128)]
    if family == "detection":
        return [(3, 320, 320)]
    side = 299 if arch.endswith("inception_v3") else 224
    return [(3, side, side)]


def torch_macs(model: nn.Module, example: list[Any]) -> int:
    with FlopCounterMode(display=False) as counter:  # (under no_grad its module tracker fails)
        model(*example)
    return int(counter.get_total_flops()) // 2


def check(name: str) -> dict[str, Any]:
    """The sweep's record of one model: what was compared, and whether it agreed."""
    start = time.perf_counter()
    record: dict[str, Any] = {"model": name, "problems": []}
    problems: list[str] = record["problems"]
    device = "meta"
    try:
        model, example, language = build(name, "meta")
        try:
            expected_macs = torch_macs(model, example)
            report = cnninspect.summary(model, inputs=language, device="meta")
        except Exception:  # data-dependent: on cpu, both on the same seeded values
            device = "cpu"
            torch.manual_seed(0)
            model, example, language = build(name, "cpu")
            expected_macs = torch_macs(model, example)
            report = cnninspect.summary(model, input_data=example, device="cpu")
        record["device"] = device
        expected_params = sum(p.numel() for p in model.parameters())
        record |= {"params": report.totals.params, "macs": report.totals.macs}
        if report.totals.params != expected_params:
            problems.append(f"params {report.totals.params:,} ≠ torch's {expected_params:,}")
        if report.totals.macs != expected_macs:
            problems.append(f"MACs {report.totals.macs:,} ≠ FlopCounterMode's {expected_macs:,}")
        rows = sum(r.params for r in report.rows) + report.totals.uncalled_params
        if rows != report.totals.params:
            problems.append(f"rows' params add to {rows:,}, not {report.totals.params:,}")
        own = sum(r.own_macs for r in report.rows)
        if _root_row_missing(report):
            own += report.root.own_macs
        if own != report.totals.macs:
            problems.append(f"rows' own MACs add to {own:,}, not {report.totals.macs:,}")
        # named, not a difference: ops with no formula (a detector's nms and roi_align)
        record["uncounted"] = [u.op for u in report.totals.uncounted]
        if device == "meta" and _on_cpu_too(name):
            record["cpu"] = _meta_against_cpu(name, report)
            problems += record["cpu"]
    except Exception as exc:  # a model that cannot be built or run: an error, not a crash
        words = str(exc).splitlines()[0][:300] if str(exc) else ""
        record["error"] = f"{type(exc).__name__}: {words}"
    record["seconds"] = round(time.perf_counter() - start, 2)
    record["status"] = "error" if "error" in record else ("differ" if problems else "pass")
    return record


def _root_row_missing(report: Any) -> bool:
    """The model's own MACs have a row of their own only when it holds parameters or work."""
    return report.root is not None and not any(r.name.endswith(" (own)") for r in report.rows)


def _on_cpu_too(name: str) -> bool:
    return int(hashlib.sha256(name.encode()).hexdigest(), 16) % CPU_ONE_IN == 0


def _meta_against_cpu(name: str, on_meta: Any) -> list[str]:
    torch.manual_seed(0)
    model, _, language = build(name, "cpu")  # (seeded inside cnninspect, as on meta)
    on_cpu = cnninspect.summary(model, inputs=language, device="cpu")
    found = []
    for what in ("params", "macs"):
        if getattr(on_cpu.totals, what) != getattr(on_meta.totals, what):
            found.append(f"cpu {what} {getattr(on_cpu.totals, what):,} ≠ meta's")
    if on_cpu.output_shapes != on_meta.output_shapes:
        found.append(f"cpu output {on_cpu.output_shapes} ≠ meta's {on_meta.output_shapes}")
    return found
