"""Inspecting PyTorch modules: torchvision's published figures, tied weights, odd outputs."""

from __future__ import annotations

import json
import sys
import warnings

import pytest
import torch
from torch import nn

import cnninspect
from cnninspect import summary as summarize
from cnninspect.errors import TargetError, TraceError
from cnninspect.trace.forward import trace
from tests.conftest import DATA, cli, render

TINY = str(DATA / "models" / "tiny.py")

# torchvision's published params and GMACs at 224×224 (DESIGN.md "Reference numbers").
PUBLISHED = {
    "alexnet": ({}, 61_100_840, 0.714),
    "vgg16": ({}, 138_357_544, 15.47),
    "resnet50": ({}, 25_557_032, 4.089),
    "googlenet": ({"aux_logits": False, "init_weights": False}, 6_624_904, 1.498),
    "mobilenet_v2": ({}, 3_504_872, 0.301),
    "densenet121": ({}, 7_978_856, 2.834),
    "efficientnet_b0": ({}, 5_288_548, 0.386),
    "convnext_tiny": ({}, 28_589_128, 4.456),
    "vit_b_16": ({}, 86_567_656, 17.564),
    "swin_t": ({}, 28_288_354, 4.491),
}


@pytest.mark.parametrize(
    "name", [pytest.param(n, marks=[] if n == "alexnet" else [pytest.mark.slow]) for n in PUBLISHED]
)
def test_torchvision_params_exact_and_macs_within_half_a_percent(name: str) -> None:
    args, params, gmacs = PUBLISHED[name]
    report = summarize(f"torchvision.models:{name}", input_shape=[(3, 224, 224)], args=args)
    assert report.totals.params == params
    assert report.totals.macs / 1e9 == pytest.approx(gmacs, rel=0.005)
    leaf_params = sum(r.params for r in report.rows)
    assert leaf_params <= params  # modules never called (none here) would make up the rest


def test_depth_does_not_change_totals_on_resnet50() -> None:
    full = json.loads(
        cli("summary", "torchvision.models:resnet50", "-i", "3x224x224", "-f", "json").stdout
    )
    one = json.loads(
        cli(
            "summary", "torchvision.models:resnet50", "-i", "3x224x224", "-f", "json", "-d", "1"
        ).stdout
    )
    assert one["totals"] == full["totals"]
    assert {r["depth"] for r in one["layers"]} == {0, 1}
    assert sum(r["subtree_params"] for r in one["layers"]) == full["totals"]["params"]
    assert sum(r["subtree_macs"] for r in one["layers"]) == full["totals"]["macs"]


def test_tied_weights_count_once_and_repeated_calls_count_macs_each_time() -> None:
    report = summarize(f"{TINY}:TiedTwice", input_shape=[(16,)])
    width = 16
    assert report.totals.params == width * width + (width * width + width)
    decoder = report.layer("decoder")
    assert decoder.params == 0 and decoder.shared_params == width * width
    calls = [r for r in report.rows if r.name == "block.0"]
    assert [r.call for r in calls] == [0, 1]
    assert calls[0].params == width * width + width and calls[1].params == 0
    assert all(r.own_macs == width * width for r in calls)
    assert report.totals.macs == 4 * width * width  # encoder, block twice, decoder


def test_factory_with_args() -> None:
    result = cli("summary", f"{TINY}:make_tied", "--arg", "width=4", "-i", "4", "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["totals"]["params"] == 4 * 4 + 4 * 4 + 4


def test_several_inputs_dataclass_outputs_frozen_params_and_buffers() -> None:
    report = summarize(f"{TINY}:OddOutputs", input_shape=[(3, 8, 8), (5, 6)], batch=2)
    assert report.input_shapes == ((3, 8, 8), (5, 6))
    assert report.output_shapes == ((2,), (5, 5))
    assert report.totals.trainable_params == 3 * 4 * 9 + 4
    assert report.totals.frozen_params == 4 * 2 + 2
    assert report.totals.buffers == 4
    assert report.totals.macs == 2 * (6 * 6 * 4 * 27 + 4 * 2 + 5 * 5 * 6)


def test_module_instance_target() -> None:
    report = summarize(f"{TINY}:instance", input_shape=[(3, 4, 4)])
    assert report.totals.params == 3 * 2 + 2


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("nosuchpkg.models:net", "no module named 'nosuchpkg'"),
        ("torchvision.models:resnet51", "has no attribute 'resnet51' (did you mean 'resnet50'?)"),
        (f"{TINY}:not_a_module", "is a int, not an nn.Module or a factory"),
        (f"{TINY}:Explodes", "raised ValueError: no weights for you"),
        ("missing/file.py:Net", "no such file: missing/file.py"),
    ],
)
def test_target_errors_are_clear(target: str, message: str) -> None:
    with pytest.raises(TargetError, match=None) as info:
        summarize(target, input_shape=[(3, 32, 32)])
    assert message in str(info.value)
    result = cli("summary", target, "-i", "3x32x32")
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_module_without_input_asks_for_one() -> None:
    result = cli("summary", "torchvision.models:alexnet")
    assert result.exit_code == 2
    assert "--input 3x224x224" in result.stderr


def test_forward_failure_is_explained_at_the_layer() -> None:
    with pytest.raises(TraceError) as info:
        summarize(f"{TINY}:Broken", input_shape=[(3, 6, 6)])
    assert info.value.layer == "fc"
    assert "Linear expects 100 features, gets 128 = 8×4×4" in str(info.value)


def test_hooks_removed_and_modes_restored_even_when_the_pass_fails() -> None:
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.Dropout(), nn.Flatten(), nn.Linear(5, 2))
    model.train()
    model[1].eval()
    with pytest.raises(TraceError):
        trace(model, [(3, 8, 8)])
    assert [m.training for m in model] == [True, False, True, True]
    assert all(not m._forward_hooks and not m._forward_pre_hooks for m in model.modules())
    good = nn.Sequential(nn.Conv2d(3, 4, 3))
    trace(good, [(3, 8, 8)])
    assert good.training
    assert not good[0]._forward_hooks


def test_meta_device_does_not_allocate_weights() -> None:
    report = summarize(
        "torchvision.models:vgg16", input_shape=[(3, 224, 224)], device="meta", batch=8
    )
    assert report.totals.params == 138_357_544
    assert report.layer("features.0").shape == (64, 224, 224)


def test_api_accepts_a_module_and_renders_itself() -> None:
    report = cnninspect.summary(nn.Sequential(nn.Conv2d(1, 2, 3)), input_shape=(1, 5, 5))
    assert report.totals.params == 2 * 9 + 2
    html = report._repr_html_()
    assert "<table" in html and ">Conv2d</td>" in html  # each cell styled inline (notebooks)
    assert "Conv2d" in render(report) and "Total params:       20" in render(report)


def test_construction_on_meta_skips_initialisation_and_on_cpu_runs_it_seeded() -> None:
    """Shapes only (meta): no memory, so initialising costs nothing. A real device: the
    module's own initialisation under a fixed seed, so values never come from uninitialised
    memory and two constructions hold the same weights."""
    from cnninspect.construct.construction import import_module_target

    on_meta = import_module_target("torchvision.models:resnet18", {}, device="meta")
    assert all(p.is_meta for p in on_meta.parameters())
    first, second = (import_module_target("torchvision.models:resnet18", {}) for _ in range(2))
    assert torch.equal(first.conv1.weight, second.conv1.weight)
    assert torch.isfinite(first.conv1.weight).all()


def test_public_api_functions_survive_submodule_imports() -> None:
    import importlib
    import pkgutil

    # importing a submodule binds its name on the package: none may replace a public function
    for module in pkgutil.walk_packages(cnninspect.__path__, "cnninspect."):
        if module.name != "cnninspect.__main__":  # that one runs the CLI
            importlib.import_module(module.name)

    assert callable(cnninspect.load_spec)
    assert callable(cnninspect.summary) and callable(cnninspect.validate)
    assert callable(cnninspect.diff)
    validation = cnninspect.validate("lecture-example")
    assert not validation.fails()
    result = cnninspect.diff("vgg11", "vgg13")
    assert result.differs


class LargerThanRam(nn.Module):
    """64 × 16384² weights: 17 G parameters, 68 GiB in float32 — more than this machine has."""

    def __init__(self) -> None:
        super().__init__()
        self.layers = nn.Sequential(*(nn.Linear(16384, 16384, bias=False) for _ in range(64)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x)


def test_meta_device_inspects_a_model_larger_than_ram() -> None:
    from cnninspect.construct.construction import import_module_target

    module = import_module_target("tests.test_modules:LargerThanRam", {}, device="meta")
    report = summarize(module, input_shape=[(16384,)], device="meta")
    assert report.totals.params == 64 * 16384 * 16384
    assert report.totals.macs == 64 * 16384 * 16384
    assert report.totals.param_bytes == 4 * 64 * 16384 * 16384


def test_meta_construction_falls_back_when_the_constructor_needs_real_tensors() -> None:
    """regnet computes its widths with tensors (.tolist()): meta construction fails, so each
    parameter is moved to meta as it is registered instead."""
    from cnninspect.construct.construction import import_module_target

    module = import_module_target("torchvision.models:regnet_y_400mf", {}, device="meta")
    assert all(p.is_meta for p in module.parameters())
    report = summarize(module, input_shape=[(3, 224, 224)], device="meta")
    assert report.totals.params == 4_344_144  # torchvision's published figure


@pytest.mark.parametrize("name", ["resnet50", "mobilenet_v2", "densenet121", "vgg16_bn"])
def test_lecture_arithmetic_agrees_with_torch_for_every_layer(name: str) -> None:
    """The formula (k·k·C/g + 1)·F, in·out + out, 2·C is shown only when it equals torch's
    count: every conv, linear and norm layer of these models gets one."""
    report = summarize(f"torchvision.models:{name}", input_shape=[(3, 224, 224)], device="meta")
    explained = {e.layer for e in report.explanations if e.params}
    counted = {
        r.name
        for r in report.rows
        if r.params and r.call == 0 and r.type.startswith(("Conv", "Linear", "BatchNorm"))
    }
    assert counted and counted == explained


def test_parameters_of_modules_never_called_are_counted_and_named() -> None:
    """inception_v3's auxiliary classifier runs only in training: its 3,326,696 parameters are
    the difference between torchvision's two published counts (27,161,264 − 23,834,568)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        report = summarize(
            "torchvision.models:inception_v3", input_shape=[(3, 299, 299)], device="meta"
        )
    assert report.totals.params == 27_161_264
    assert report.totals.uncalled == (("AuxLogits", 27_161_264 - 23_834_568),)
    assert not any(r.name.startswith("AuxLogits") for r in report.rows)
    assert sum(r.params for r in report.rows) == 23_834_568
    resnet = summarize("torchvision.models:resnet18", input_shape=[(3, 224, 224)], device="meta")
    assert resnet.totals.uncalled == ()


def test_unknown_dtype_is_a_usage_error_not_a_crash() -> None:
    with pytest.raises(TargetError, match="unknown dtype 'nn': use one of float32"):
        cnninspect.summary("lecture-example", dtype="nn")


def test_a_missing_package_hint_gives_the_install_command() -> None:
    """Not "is it installed?": the command that installs it where cnninspect runs."""
    missing = cli("summary", "nosuchpackage.models:net", "-i", "3x8x8")
    assert missing.exit_code == 2
    assert f"{sys.executable} -m pip install nosuchpackage" in " ".join(missing.stderr.split())
    wrong = cli("summary", "torchvision.nosuch:net", "-i", "3x8x8")
    assert "torchvision is installed, but has no module 'torchvision.nosuch'" in " ".join(
        wrong.stderr.split()
    )
