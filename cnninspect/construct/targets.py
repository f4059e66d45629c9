"""Where a TARGET is: a YAML path, a bundled architecture's name, or ``module:attr``; and the
targets a command line names (directories expanded, duplicates once). Torch-free: what a
target is gets decided once, in ``api/request.py``, before anything heavy runs.

Bundled architectures live in ``architectures/`` at the repository root; a wheel carries them
as ``cnninspect/architectures`` (see pyproject.toml), so both places are searched.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from cnninspect.description import text_file
from cnninspect.description.layer_types import did_you_mean
from cnninspect.errors import TargetError

if TYPE_CHECKING:
    pass

YAML_SUFFIXES = (".yaml", ".yml")


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
    if path.is_file():
        return path
    if path.suffix in YAML_SUFFIXES or path.is_dir() or path.is_symlink() or path.exists():
        raise not_a_file(target)
    bundled = bundled_path(target)
    if bundled is None:
        names = bundled_names()
        raise TargetError(
            f"'{target}' is neither a file nor a bundled architecture{did_you_mean(target, names)}",
            hint="bundled: " + ", ".join(names) + "; a module is written pkg.module:attr",
        )
    return bundled


def not_a_file(target: str) -> TargetError:
    """Why a path that is not a regular file cannot be read as a description — each case its
    own message (a folder, a link that leads nowhere or to itself, a pipe), not "no such file"."""
    reason = text_file.not_a_file(Path(target))
    if reason is None or reason == "does not exist":
        return TargetError(f"no such file: {target}")
    if reason == "is a folder":
        return TargetError(
            f"{target} is a folder: this command reads one description",
            hint=f"name a file in it, or check all its files: `cnninspect validate {target}`",
        )
    if reason.startswith("is not a regular file"):
        return TargetError(
            f"{target} {reason}: a description is read from a file", hint="save it to a file first"
        )
    return TargetError(f"{target} {reason}")


def expand_targets(targets: Iterable[str]) -> list[str | Path]:
    """Directories become their YAML files (sorted, hidden folders skipped); bundled names
    become their paths; modules stay as they are. A target that names nothing raises
    TargetError (a usage error: nothing is checked). An entry of a folder named like a
    description that is not a readable file (a link that leads nowhere, a pipe) is kept as a
    ``Path``: reading it reports what it is (CNN008), the scan never skips it silently."""
    expanded: list[str | Path] = []
    for target in targets:
        path = Path(target)
        if path.is_dir():
            found = sorted(
                p
                for p in path.rglob("*")
                if p.suffix in YAML_SUFFIXES
                and not p.is_dir()
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
            if not found:  # checking nothing is not a pass
                raise TargetError(f"no architectures found: {target} holds no *.yaml or *.yml file")
            expanded.extend(str(p) if p.is_file() else p for p in found)
        elif is_module_target(target) and not path.is_file():
            check_module_file(target)  # like a missing YAML file
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
