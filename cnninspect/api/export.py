"""The export use case: a description in, PyTorch code out (``render/pytorch_code.py``); the
code is returned, nothing is written here."""

from __future__ import annotations

from cnninspect.api.inspection import read
from cnninspect.api.request import DescriptionFile, Target, resolve_target, target_label
from cnninspect.errors import TargetError


def export_pytorch(target: str | Target) -> str:
    """One self-contained Python file that builds what the description describes, with the
    state-dict keys of the module cnninspect builds from it. The description is read and
    checked as every command reads it (every mistake at once)."""
    from cnninspect.render.pytorch_code import pytorch_code

    resolved = resolve_target(target)
    if not isinstance(resolved, DescriptionFile):
        raise TargetError(
            f"{target_label(resolved)} is PyTorch code already: --to pytorch exports a YAML "
            "description",
            hint="a module's description (--to yaml) is not written yet",
        )
    return pytorch_code(read(resolved))
