"""TARGET → a model ready to trace: a YAML path, a bundled name, or ``module:attr``.

Bundled architectures live in ``architectures/`` at the repository root; a wheel carries them
as ``cnninspect/architectures`` (see pyproject.toml), so both places are searched.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cnninspect.errors import TargetError
from cnninspect.origins import DeclaredInput, LayerOrigin
from cnninspect.registry import did_you_mean
from cnninspect.spec import ArchSpec

if TYPE_CHECKING:
    from torch import nn

Shape = tuple[int, ...]
YAML_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class Loaded:
    module: nn.Module
    input_shapes: tuple[Shape, ...]  # without batch
    name: str
    target: str
    source: str | None = None
    spec: ArchSpec | None = None
    origins: Mapping[str, LayerOrigin] = field(default_factory=dict)
    declared_inputs: tuple[DeclaredInput, ...] = ()


def bundled_dirs() -> list[Path]:
    package = Path(__file__).resolve().parent
    return [d for d in (package / "architectures", package.parent / "architectures") if d.is_dir()]


def bundled_names() -> list[str]:
    return sorted({p.stem for d in bundled_dirs() for p in d.glob("*.yaml")})


def bundled_path(name: str) -> Path | None:
    for directory in bundled_dirs():
        path = directory / f"{name}.yaml"
        if path.is_file():
            return path
    return None


def is_module_target(target: str) -> bool:
    """``pkg.mod:attr`` or ``path/to/file.py:attr``."""
    head, sep, attr = target.rpartition(":")
    return bool(sep and head and attr) and (
        head.endswith(".py") or head.replace(".", "").replace("_", "").isalnum()
    )


def yaml_path(target: str) -> Path:
    """The YAML file a target names: a path, or a bundled architecture's name."""
    path = Path(target)
    if path.suffix in YAML_SUFFIXES or path.is_file():
        if not path.is_file():
            raise TargetError(f"no such file: {target}")
        return path
    bundled = bundled_path(target)
    if bundled is None:
        names = bundled_names()
        raise TargetError(
            f"'{target}' is neither a file nor a bundled architecture{did_you_mean(target, names)}",
            hint="bundled: " + ", ".join(names) + "; a module is written pkg.module:attr",
        )
    return bundled


def load_target(
    target: str | nn.Module | ArchSpec,
    *,
    input_shapes: Sequence[Shape] | None = None,
    args: Mapping[str, Any] | None = None,
    device: str = "cpu",
) -> Loaded:
    from torch import nn

    if isinstance(target, nn.Module):
        return _loaded_module(target, type(target).__name__, input_shapes)
    if isinstance(target, ArchSpec):
        return _loaded_spec(target, target.path, input_shapes)
    if is_module_target(target):
        module = import_module_target(target, args or {}, device=device)
        return _loaded_module(module, target, input_shapes)
    from cnninspect import spec as spec_module

    path = yaml_path(target)
    return _loaded_spec(spec_module.load(path), target, input_shapes)


def _loaded_spec(spec: ArchSpec, target: str, input_shapes: Sequence[Shape] | None) -> Loaded:
    from cnninspect.build import build

    if input_shapes is not None and len(input_shapes) != 1:
        raise TargetError("a YAML architecture takes exactly one input")
    if input_shapes:
        spec = _with_input(spec, input_shapes[0])
    built = build(spec)
    return Loaded(
        module=built.module,
        input_shapes=(spec.input_shape,),
        name=spec.name,
        target=target,
        source=spec.source,
        spec=spec,
        origins=built.origins,
        declared_inputs=built.declared_inputs,
    )


def _with_input(spec: ArchSpec, shape: Shape) -> ArchSpec:
    import dataclasses

    return dataclasses.replace(spec, input_shape=tuple(shape))


def _loaded_module(module: nn.Module, target: str, input_shapes: Sequence[Shape] | None) -> Loaded:
    if not input_shapes:
        raise TargetError(
            f"{target} is a PyTorch module: give its input shape without the batch",
            hint="for example --input 3x224x224 (repeat --input for several inputs)",
        )
    name = target.rpartition(":")[2] or type(module).__name__
    return Loaded(
        module=module, input_shapes=tuple(tuple(s) for s in input_shapes), name=name, target=target
    )


def import_module_target(target: str, args: Mapping[str, Any], *, device: str = "cpu") -> nn.Module:
    """Import ``pkg.mod:attr`` / ``file.py:attr`` and make an ``nn.Module`` of it.

    The constructor runs on the meta device when only shapes are wanted, otherwise with weight
    initialisation suppressed: parameters are allocated but never filled, which is where most of
    a large model's construction time goes.
    """
    from torch import nn

    where, _, attr = target.rpartition(":")
    module = _import(where)
    if not hasattr(module, attr):
        public = [n for n in dir(module) if not n.startswith("_")]
        raise TargetError(f"{where} has no attribute '{attr}'{did_you_mean(attr, public)}")
    obj = getattr(module, attr)
    if isinstance(obj, nn.Module):
        if args:
            raise TargetError(f"{target} is a module instance: --arg has nothing to configure")
        return obj
    if not callable(obj):
        raise TargetError(f"{target} is a {type(obj).__name__}, not an nn.Module or a factory")
    made = _construct(obj, args, target, on_meta=device == "meta")
    if not isinstance(made, nn.Module):
        raise TargetError(
            f"{target}({_call_text(args)}) returned a {type(made).__name__}, not an nn.Module"
        )
    return made


def _import(where: str) -> Any:
    if where.endswith(".py"):
        path = Path(where)
        if not path.is_file():
            raise TargetError(f"no such file: {where}")
        name = f"_cnninspect_target_{abs(hash(path.resolve()))}"
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:
            raise TargetError(f"cannot import {where}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        sys.path.insert(0, str(path.resolve().parent))
        try:
            spec.loader.exec_module(module)
        except Exception as exc:
            raise TargetError(f"importing {where} raised {type(exc).__name__}: {exc}") from None
        finally:
            sys.path.pop(0)
        return module
    try:
        return importlib.import_module(where)
    except ModuleNotFoundError as exc:
        raise TargetError(
            f"no module named '{exc.name or where}'", hint="is it installed in this environment?"
        ) from None
    except Exception as exc:
        raise TargetError(f"importing {where} raised {type(exc).__name__}: {exc}") from None


def _construct(factory: Any, args: Mapping[str, Any], target: str, *, on_meta: bool) -> Any:
    """Call the constructor on the meta device when only shapes are wanted; a constructor that
    needs real data (``.item()``, numpy) falls back to real memory with init suppressed."""
    import torch

    if on_meta:
        try:
            with torch.device("meta"):
                return factory(**args)
        except Exception:  # retried below, where its real error (if any) is reported
            pass
    try:
        with _no_init(), _parameters_on_meta(on_meta):
            return factory(**args)
    except Exception as exc:
        raise TargetError(
            f"{target}({_call_text(args)}) raised {type(exc).__name__}: {exc}"
        ) from None


_INIT_FUNCTIONS = (
    "uniform_",
    "normal_",
    "trunc_normal_",
    "constant_",
    "ones_",
    "zeros_",
    "eye_",
    "dirac_",
    "xavier_uniform_",
    "xavier_normal_",
    "kaiming_uniform_",
    "kaiming_normal_",
    "orthogonal_",
    "sparse_",
)
_TENSOR_FILLS = ("uniform_", "normal_", "random_", "exponential_", "geometric_", "log_normal_")


@contextlib.contextmanager
def _no_init() -> Iterator[None]:
    """Make torch.nn.init and the tensor random fills no-ops while a model is constructed."""
    import torch

    def keep(tensor: Any, *args: Any, **kwargs: Any) -> Any:
        return tensor

    saved_init = {
        n: getattr(torch.nn.init, n) for n in _INIT_FUNCTIONS if hasattr(torch.nn.init, n)
    }
    saved_fill = {n: getattr(torch.Tensor, n) for n in _TENSOR_FILLS}
    try:
        for name in saved_init:
            setattr(torch.nn.init, name, keep)
        for name in saved_fill:
            setattr(torch.Tensor, name, keep)
        yield
    finally:
        for name, function in saved_init.items():
            setattr(torch.nn.init, name, function)
        for name, function in saved_fill.items():
            setattr(torch.Tensor, name, function)


@contextlib.contextmanager
def _parameters_on_meta(enabled: bool) -> Iterator[None]:
    """Move each parameter to meta as it is registered: constructors that compute with real
    tensors (sizes via ``.tolist()``) still run, but no weight stays allocated."""
    if not enabled:
        yield
        return
    import torch
    from torch import nn

    original = nn.Module.register_parameter

    def register(module: nn.Module, name: str, param: nn.Parameter | None) -> None:
        if param is not None and not param.is_meta:
            param = nn.Parameter(param.to("meta"), requires_grad=param.requires_grad)
        original(module, name, param)

    nn.Module.register_parameter = register  # type: ignore[method-assign,assignment]
    try:
        with torch.no_grad():
            yield
    finally:
        nn.Module.register_parameter = original  # type: ignore[method-assign]


def _call_text(args: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in args.items())
