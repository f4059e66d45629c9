"""The meta shortcuts (trace/meta_shortcuts.py) give what torch's own meta kernels give, and
leave to torch every call that torch would refuse."""

from __future__ import annotations

import math
from typing import Any

import pytest
import torch

from cnninspect.trace.meta_shortcuts import SHORTCUTS, shortcut

aten = torch.ops.aten


def meta(*shape: int, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    return torch.empty(shape, device="meta", dtype=dtype)


def described(value: object) -> object:
    """What a meta result is: shape, strides and dtype of each tensor."""
    if isinstance(value, tuple):
        return tuple(described(v) for v in value)
    assert isinstance(value, torch.Tensor)
    return (tuple(value.shape), value.stride(), value.dtype, value.device.type)


def channels_last() -> torch.Tensor:
    return meta(2, 3, 5, 7).to(memory_format=torch.channels_last)


BATCH_NORMS = [
    pytest.param(aten.native_batch_norm.default, (meta(4, 3), *[meta(3)] * 4, False, 0.1, 1e-5),
                 id="1d-eval"),
    pytest.param(aten.native_batch_norm.default, (meta(4, 3, 9), *[meta(3)] * 4, True, 0.1, 1e-5),
                 id="1d-train"),
    pytest.param(aten.native_batch_norm.default,
                 (channels_last(), *[meta(3)] * 4, False, 0.1, 1e-5), id="channels-last"),
    pytest.param(aten.native_batch_norm.default,
                 (meta(2, 3, 4, 4), None, None, None, None, True, 0.1, 1e-5), id="no-affine-train"),
    pytest.param(aten.native_batch_norm.default,
                 (meta(2, 3, 4, 4, dtype=torch.float16),
                  *[meta(3, dtype=torch.float16)] * 4, False, 0.1, 1e-5), id="float16"),
    pytest.param(aten.native_batch_norm.default,
                 (meta(2, 3, 2, 4, 4, dtype=torch.float64),
                  *[meta(3, dtype=torch.float64)] * 4, False, 0.1, 1e-5), id="3d-float64"),
    pytest.param(aten._native_batch_norm_legit_no_training.default,
                 (meta(2, 3, 4, 4), *[meta(3)] * 4, 0.1, 1e-5), id="legit-no-training"),
]  # fmt: skip

SAME_SHAPE = [
    pytest.param(aten.relu.default, (channels_last(),), id="relu"),
    pytest.param(aten.relu.default, (meta(5, dtype=torch.bfloat16),), id="relu-bfloat16"),
    pytest.param(aten.relu.default, (meta(5, dtype=torch.uint8),), id="relu-uint8"),
    pytest.param(aten.hardtanh.default, (meta(2, 8), 0.0, 6.0), id="hardtanh"),
]


@pytest.mark.parametrize(("op", "args"), BATCH_NORMS + SAME_SHAPE)
def test_equals_torch_on_meta(op: object, args: tuple[object, ...]) -> None:
    ours = shortcut(op, args, {})
    assert ours is not None, "the shortcut should apply here"
    assert described(ours) == described(op(*args))  # type: ignore[operator]


@pytest.mark.parametrize(
    ("op", "args"),
    [
        pytest.param(aten.relu_.default, (meta(2, 3),), id="relu_"),
        pytest.param(aten.hardtanh_.default, (meta(2, 3), -1.0, 1.0), id="hardtanh_"),
    ],
)
def test_in_place_returns_its_input(op: object, args: tuple[torch.Tensor, ...]) -> None:
    assert shortcut(op, args, {}) is args[0]


REFUSED = [
    # what torch refuses, on meta and on a real device: the shortcut must not answer
    pytest.param((meta(2, 3, 4, 4), meta(4), None, meta(3), meta(3), False, 0.1, 1e-5),
                 "broadcast", id="weight-of-4-channels-for-3"),
    pytest.param((meta(2, 3, 4, 4), None, None, None, None, False, 0.1, 1e-5),
                 "must not be None", id="eval-without-running-statistics"),
]  # fmt: skip


@pytest.mark.parametrize(("args", "torch_says"), REFUSED)
def test_refused_calls_go_to_torch(args: tuple[object, ...], torch_says: str) -> None:
    assert shortcut(aten.native_batch_norm.default, args, {}) is None
    with pytest.raises((RuntimeError, AssertionError), match=torch_says):
        aten.native_batch_norm.default(*args)


@pytest.mark.parametrize(
    ("op", "args"),
    [
        pytest.param(aten.relu.default, (torch.zeros(3),), id="cpu-tensor"),
        # integer limits are torch's to judge (negative ones on unsigned types, infinities)
        pytest.param(aten.hardtanh.default, (meta(3, dtype=torch.long), 0, 6), id="long"),
        pytest.param(aten.relu.default, (meta(4, 3).t(),), id="not-dense"),
        # mixed dtypes: the statistics must be in the input's dtype (cpu refuses otherwise)
        pytest.param(aten.native_batch_norm.default,
                     (meta(2, 3), *[meta(3, dtype=torch.float64)] * 4, False, 0.1, 1e-5),
                     id="mixed-dtypes"),
        pytest.param(aten.native_batch_norm.default, (meta(3), None, None, meta(3), meta(3),
                                                      False, 0.1, 1e-5), id="1-d-input"),
    ],
)  # fmt: skip
def test_outside_its_cases_it_answers_nothing(op: object, args: tuple[object, ...]) -> None:
    assert shortcut(op, args, {}) is None


@pytest.mark.parametrize("op", ["relu", "relu_", "hardtanh", "hardtanh_"])
@pytest.mark.parametrize("dtype", [torch.bool, torch.complex64])
def test_what_cpu_refuses_meta_refuses(op: str, dtype: torch.dtype) -> None:
    """torch's meta kernels take a bool or complex relu; cpu does not, and neither do we."""
    func = getattr(aten, op).default
    extra = (0.0, 6.0) if op.startswith("hardtanh") else ()
    with pytest.raises(RuntimeError) as on_cpu:
        func(torch.ones(3, dtype=dtype), *extra)
    with pytest.raises(RuntimeError) as on_meta:
        shortcut(func, (meta(3, dtype=dtype), *extra), {})
    assert str(on_meta.value) == str(on_cpu.value)


def on_meta(op: Any, args: tuple[Any, ...]) -> Any:
    """What the trace computes on meta: the shortcut, else torch's meta kernel."""
    out = shortcut(op, args, {})
    return op(*args) if out is None else out


def on_cpu(args: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(
        torch.ones(a.shape, dtype=a.dtype).expand(a.shape) if isinstance(a, torch.Tensor) else a
        for a in args
    )


CPU_REFUSES = [
    pytest.param(aten.hardtanh.default, (meta(4, dtype=torch.uint8), -1.0, 1.0),
                 id="unsigned-hardtanh-negative-limit"),
    pytest.param(aten.hardtanh_.default, (meta(4, dtype=torch.uint8), -1.0, 1.0),
                 id="unsigned-hardtanh_-negative-limit"),
    pytest.param(aten.hardtanh.default, (meta(4, dtype=torch.int8), -math.inf, math.inf),
                 id="int8-hardtanh-infinite-limits"),
    pytest.param(aten.hardtanh.default, (meta(4, dtype=torch.float16), -1e6, 1e6),
                 id="half-hardtanh-limit-overflows"),
    pytest.param(aten.hardtanh.default, (meta(4), -1e39, 1e39), id="float-limit-overflows"),
    pytest.param(aten.relu.default, (meta(4, dtype=torch.uint16),), id="uint16-relu"),
    pytest.param(aten.relu.default, (meta(4, dtype=torch.float8_e4m3fn),), id="float8-relu"),
    pytest.param(aten.native_batch_norm.default,
                 (meta(2, 3), None, None, meta(3), None, True, 0.1, 1e-5),
                 id="running-mean-without-variance"),
]  # fmt: skip


@pytest.mark.parametrize(("op", "args"), CPU_REFUSES)
def test_what_cpu_refuses_fails_on_meta_too(op: Any, args: tuple[Any, ...]) -> None:
    with pytest.raises((RuntimeError, ValueError, OverflowError)):
        op(*on_cpu(args))
    with pytest.raises((RuntimeError, ValueError, OverflowError)):
        on_meta(op, args)


def test_an_in_place_relu_of_an_expanded_tensor_fails_on_meta_as_on_cpu() -> None:
    with pytest.raises(RuntimeError, match="refers to a single memory location") as on_cpu:
        aten.relu_.default(torch.ones(1).expand(3))
    with pytest.raises(RuntimeError) as on_meta:
        on_meta_result = shortcut(aten.relu_.default, (meta(1).expand(3),), {})
        assert on_meta_result is not None
    assert str(on_meta.value) == str(on_cpu.value)


def test_hardtanh_limits_that_fit_are_answered() -> None:
    x = meta(4, dtype=torch.bfloat16)  # bfloat16 holds 1e6 (cpu takes it)
    assert described(shortcut(aten.hardtanh.default, (x, -1e6, 1e6), {})) == described(x)
    y = meta(4)
    assert described(shortcut(aten.hardtanh.default, (y, -math.inf, math.inf), {})) == described(y)


def test_only_slow_meta_kernels_are_shortcut() -> None:
    """Every op in the table has a Python meta kernel (what makes it slow); a C++ one would
    not need a shortcut."""
    names = {str(op) for op in SHORTCUTS}
    assert names == {
        "aten.native_batch_norm.default",
        "aten._native_batch_norm_legit_no_training.default",
        "aten.relu.default",
        "aten.relu_.default",
        "aten.hardtanh.default",
        "aten.hardtanh_.default",
    }


def test_a_batch_norm_of_the_wrong_size_still_fails_on_meta() -> None:
    """A module whose BatchNorm2d has 4 features for 3 channels fails on meta as on cpu."""
    from cnninspect.errors import TraceError
    from cnninspect.trace.forward import trace

    model = torch.nn.Sequential(torch.nn.Conv2d(1, 3, 3), torch.nn.BatchNorm2d(4)).eval()
    for device in ("cpu", "meta"):
        with pytest.raises(TraceError):
            trace(model.to(device) if device == "cpu" else model.to_empty(device="meta"),
                  [(1, 8, 8)], device=device)  # fmt: skip


@pytest.mark.parametrize("device", ["cpu", "meta"])
@pytest.mark.parametrize(
    ("module", "given", "says"),
    [
        (torch.nn.ReLU(), "bool:4", "Boolean inputs not supported for relu"),
        (torch.nn.Hardtanh(), "uint8:4", "unsigned type with negative limits"),
    ],
    ids=["bool-relu", "unsigned-hardtanh"],
)
def test_what_cpu_refuses_fails_on_every_device(
    device: str, module: torch.nn.Module, given: str, says: str
) -> None:
    """validate's verdict does not depend on where it ran: the same refusal on meta as on cpu."""
    import cnninspect
    from cnninspect.errors import TraceError

    with pytest.raises(TraceError, match=f"(?i){says}"):
        cnninspect.summary(module, inputs=[given], device=device)
