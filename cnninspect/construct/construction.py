"""``pkg.mod:attr`` / ``file.py:attr`` → an ``nn.Module``: importing the code, calling the
constructor without paying for weight initialisation, on the meta device where it can.

This is the one module that patches torch (``torch.nn.init``, tensor fills,
``Module.register_parameter``), and only for the duration of one constructor call.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import sys
import traceback
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cnninspect.description.layer_types import did_you_mean
from cnninspect.errors import Position, TargetError, call_text, first_line

if TYPE_CHECKING:
    from torch import nn


@dataclass(frozen=True, slots=True)
class ImportRef:
    """A constructor argument that names an object to import, written ``@pkg.mod:attr`` on the
    command line (``--arg norm_layer=@torchvision.ops:FrozenBatchNorm2d``): marked, so that a
    string stays a string."""

    target: str

    def resolve(self) -> Any:
        where, sep, attr = self.target.rpartition(":")
        if not sep or not where or not attr:
            raise TargetError(f"@{self.target}: write @pkg.module:attr")
        module = _import(where)
        if not hasattr(module, attr):
            public = [n for n in dir(module) if not n.startswith("_")]
            raise TargetError(
                f"@{self.target}: {where} has no '{attr}'{did_you_mean(attr, public)}"
            )
        return getattr(module, attr)


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
    source = Path(where) if where.endswith(".py") else None
    args = {k: v.resolve() if isinstance(v, ImportRef) else v for k, v in args.items()}
    made = _construct(obj, args, target, on_meta=device == "meta", source=source)
    if not isinstance(made, nn.Module):
        raise TargetError(
            f"{target}({call_text(args)}) returned a {type(made).__name__}, not an nn.Module"
        )
    return made


# Import names whose PyPI project is named otherwise (what `pip install` takes).
_PYPI_NAMES = {"sklearn": "scikit-learn", "cv2": "opencv-python", "PIL": "pillow", "yaml": "pyyaml"}


def _import(where: str) -> Any:
    if where.endswith(".py"):
        return _import_file(Path(where))
    try:
        with _contained(f"importing {where}", None, importing=where):
            return importlib.import_module(where)
    except ModuleNotFoundError as exc:
        missing = exc.name or where
        package = missing.split(".")[0]
        if importlib.util.find_spec(package) is None:
            hint = (
                f"install it where cnninspect runs: {sys.executable} -m pip install "
                f"{_PYPI_NAMES.get(package, package)}"
            )
        else:
            hint = (
                f"{package} is installed, but has no module '{missing}': check the part before ':'"
            )
        raise TargetError(f"no module named '{missing}'", hint=hint) from None


def _import_file(path: Path) -> Any:
    if not path.is_file():
        raise TargetError(f"no such file: {path}")
    name = f"_cnninspect_target_{abs(hash(path.resolve()))}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise TargetError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    sys.path.insert(0, str(path.resolve().parent))
    try:
        with _contained(f"importing {path}", path):
            spec.loader.exec_module(module)
    finally:
        sys.path.pop(0)
    return module


@contextlib.contextmanager
def _contained(what: str, path: Path | None, importing: str | None = None) -> Iterator[None]:
    """Run a user's code (an import, a constructor) so that nothing it does ends cnninspect:
    what it prints goes to stderr (stdout holds our data, JSON included), and any exception —
    ``SystemExit`` and ``KeyboardInterrupt`` too — becomes a TargetError, located at the
    line of ``path`` where it was raised."""
    try:
        with contextlib.redirect_stdout(sys.stderr):
            yield
    except ModuleNotFoundError as exc:
        name = exc.name or ""
        if importing is not None and (importing == name or importing.startswith(name + ".")):
            raise  # the target itself is not installed: said as such by the caller
        position = _where(exc, path) if path is not None else None
        raise TargetError(
            f"{what} raised ModuleNotFoundError: {first_line(exc)}", position=position
        ) from None
    except BaseException as exc:
        position = _where(exc, path) if path is not None else None
        raise TargetError(
            f"{what} raised {type(exc).__name__}: {first_line(exc)}", position=position
        ) from None


def _where(exc: BaseException, path: Path) -> Position | None:
    """The line of ``path`` where ``exc`` was raised (a SyntaxError carries its own)."""
    resolved = str(path.resolve())
    if (
        isinstance(exc, SyntaxError)
        and exc.filename
        and exc.lineno
        and str(Path(exc.filename).resolve()) == resolved
    ):
        return Position(str(path), exc.lineno, exc.offset or 1)
    line = None
    for frame, lineno in traceback.walk_tb(exc.__traceback__):
        if str(Path(frame.f_code.co_filename).resolve()) == resolved:
            line = lineno  # the innermost frame in the file
    return Position(str(path), line, 1) if line is not None else None


def _construct(
    factory: Any, args: Mapping[str, Any], target: str, *, on_meta: bool, source: Path | None
) -> Any:
    """Call the constructor on the meta device when only shapes are wanted; a constructor that
    needs real data (``.item()``, numpy) falls back to real memory with init suppressed."""
    import torch

    if on_meta:
        try:
            with torch.device("meta"), contextlib.redirect_stdout(sys.stderr):
                return factory(**args)
        except Exception:  # retried below, where its real error (if any) is reported
            pass
    call = f"{target}({call_text(args)})"
    if on_meta:  # a constructor that computes with real tensors: no weight stays allocated
        with _contained(call, source), no_init(), _parameters_on_meta(on_meta):
            return factory(**args)
    # for a real device, the module's own initialisation, seeded: data-dependent models
    # (detectors) then work as a normally initialised instance does, the same on every run
    from cnninspect.trace.arguments import SEED

    with _contained(call, source), torch.random.fork_rng(devices=[]):
        torch.manual_seed(SEED)
        made = factory(**args)
    return made


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
def no_init() -> Iterator[None]:
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
