"""TARGET → a model ready to trace: a YAML path, a bundled name, or ``module:attr``; and the
targets a command line names (directories expanded, duplicates once).

Bundled architectures live in ``architectures/`` at the repository root; a wheel carries them
as ``cnninspect/architectures`` (see pyproject.toml), so both places are searched.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cnninspect.construct.origins import DeclaredInput, LayerOrigin
from cnninspect.description.architecture import ArchSpec
from cnninspect.description.layer_types import did_you_mean
from cnninspect.errors import TargetError
from cnninspect.shapes import Shape

if TYPE_CHECKING:
    from torch import nn

YAML_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class Loaded:
    module: nn.Module
    input_shapes: tuple[Shape, ...]
    name: str
    target: str
    source: str | None = None
    spec: ArchSpec | None = None
    origins: Mapping[str, LayerOrigin] = field(default_factory=dict)
    declared_inputs: tuple[DeclaredInput, ...] = ()
    largest_activation: int = 0  # elements per sample, when known before the pass


def bundled_dirs() -> list[Path]:
    package = Path(__file__).resolve().parent.parent
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


def check_module_file(target: str) -> None:
    """A ``path/to/file.py:attr`` whose file is missing is refused before torch is imported."""
    where = target.rpartition(":")[0]
    if where.endswith(".py") and not Path(where).is_file():
        raise TargetError(f"no such file: {where}")


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


def read_description(target: str, args: Mapping[str, Any] | None = None) -> ArchSpec:
    """The description a YAML target names, read and checked without importing torch (a file
    that breaks a limit is refused before any heavy work)."""
    from cnninspect.description.parser import load

    if args:
        raise TargetError(
            f"--arg configures a module's constructor; {target} is a YAML description",
            hint="a description's layers take their arguments in the file",
        )
    return load(yaml_path(target))


def load_target(
    target: str | nn.Module | ArchSpec,
    *,
    input_shapes: Sequence[Shape] | None = None,
    args: Mapping[str, Any] | None = None,
    device: str = "cpu",
    description: ArchSpec | None = None,
) -> Loaded:
    """``description``: the YAML target already read (``read_description``)."""
    from torch import nn

    if isinstance(target, nn.Module):
        return _loaded_module(target, type(target).__name__, input_shapes)
    if isinstance(target, ArchSpec):
        return _loaded_spec(target, target.path, input_shapes)
    if is_module_target(target):
        from cnninspect.construct.construction import import_module_target

        module = import_module_target(target, args or {}, device=device)
        return _loaded_module(module, target, input_shapes)
    spec = description or read_description(target, args)
    return _loaded_spec(spec, target, input_shapes)


def _loaded_spec(spec: ArchSpec, target: str, input_shapes: Sequence[Shape] | None) -> Loaded:
    from cnninspect.construct.builder import build

    if input_shapes is not None and len(input_shapes) != 1:
        raise TargetError("a YAML architecture takes exactly one input")
    if input_shapes:
        if not input_shapes[0]:
            raise TargetError(
                "a YAML architecture's input has at least one size (features, or channels "
                "and spatial sizes), not a 0-d scalar"
            )
        spec = dataclasses.replace(spec, input_shape=tuple(input_shapes[0]))
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
        largest_activation=built.largest_activation,
    )


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


def is_yaml_target(target: str) -> bool:
    """A YAML file or a bundled architecture (not ``pkg.mod:attr``)."""
    if is_module_target(target):
        return False
    return target.endswith(YAML_SUFFIXES) or Path(target).is_file() or bool(bundled_path(target))


def expand_targets(targets: Iterable[str]) -> list[str]:
    """Directories become their YAML files (sorted, hidden folders skipped); bundled names
    become their paths; modules stay as they are. A target that names nothing raises
    TargetError (a usage error: nothing is checked)."""
    expanded: list[str] = []
    for target in targets:
        path = Path(target)
        if path.is_dir():
            found = sorted(
                p
                for p in path.rglob("*")
                if p.suffix in YAML_SUFFIXES
                and p.is_file()
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
            if not found:  # checking nothing is not a pass
                raise TargetError(f"no architectures found: {target} holds no *.yaml or *.yml file")
            expanded.extend(str(p) for p in found)
        elif is_module_target(target) and not path.is_file():
            where = target.rpartition(":")[0]
            if where.endswith(".py") and not Path(where).is_file():
                raise TargetError(f"no such file: {where}")  # like a missing YAML file
            expanded.append(target)
        else:
            found_at = yaml_path(target)
            expanded.append(target if found_at == path else _relative(found_at))
    return list(dict.fromkeys(expanded))


def _relative(path: Path) -> str:
    """A bundled architecture's path as the user's working directory sees it, if it can."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def resolve_targets(targets: Sequence[object]) -> list[object]:
    """The targets in the caller's order, directories expanded in place, duplicates once;
    what is not a string (a module, a resolved target) is kept as it is."""
    resolved: list[object] = []
    seen: set[str] = set()
    for target in targets:
        for item in [target] if not isinstance(target, str) else expand_targets([target]):
            if isinstance(item, str) and item in seen:
                continue
            if isinstance(item, str):
                seen.add(item)
            resolved.append(item)
    return resolved
