"""The export use cases: a description as PyTorch code (``render/pytorch_code.py``), a module
as a description (``render/yaml_description.py``); the text is returned, nothing is written
here."""

from __future__ import annotations

from cnninspect.api.inspection import inspect, read
from cnninspect.api.request import (
    DescriptionFile,
    Feed,
    Target,
    feed_shapes,
    resolve_target,
    target_label,
)
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
            hint="a module's description is --to yaml",
        )
    return pytorch_code(read(resolved))


def export_yaml(target: str | Target, feed: Feed = None) -> str:
    """A description of a module in the project's format, from its one inspected pass (the
    input, the output shape and the parameter count it declares) and its forward followed
    module by module (``construct/from_module.py``), folded into blocks with arguments."""
    from cnninspect.construct.from_module import draft_module
    from cnninspect.description.draft import Draft
    from cnninspect.description.folding import fold
    from cnninspect.render.yaml_description import yaml_description

    resolved = resolve_target(target)
    if isinstance(resolved, DescriptionFile):
        raise TargetError(
            f"{target_label(resolved)} is a description already: --to yaml describes a "
            "PyTorch module",
            hint="a description's PyTorch code is --to pytorch",
        )
    shapes = feed_shapes(feed)
    if shapes is None or len(shapes) != 1:
        raise TargetError(
            "a description has one float input: give the module's input shape once",
            hint="for example --input 3x224x224",
        )
    inspection = inspect(resolved, feed, device="meta", data_flow=False)
    report = inspection.report
    layers, blocks = fold(draft_module(inspection.loaded.module))
    name = target_label(resolved).rsplit(":", 1)[-1].rsplit("/", 1)[-1]
    draft = Draft(
        name=name,
        target=target_label(resolved),
        input_shape=tuple(shapes[0]),
        output_shape=tuple(report.output_shapes[0]),
        params=report.totals.params,
        layers=layers,
        blocks=blocks,
    )
    text = yaml_description(draft)
    _builds_back(text, draft.name, report.totals.params, draft.output_shape)
    return text


def _builds_back(text: str, name: str, params: int, output: tuple[int, ...]) -> None:
    """The drafted description, read and built as any description is, has the module's
    parameters and output shape — else the export stops: a description that builds to
    something else is worse than none (a drafting gap becomes a refusal, never a file)."""
    import tempfile
    from pathlib import Path

    from cnninspect.errors import CnninspectError

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{name}.yaml"
        path.write_text(text, encoding="utf-8")
        try:
            built = inspect(DescriptionFile(path, path.name), device="meta", data_flow=False)
        except CnninspectError as mistake:
            raise TargetError(
                f"the description drafted from the module does not read back: {mistake.message}",
                hint="this is a gap in cnninspect's export; the module itself is fine",
            ) from mistake
    found = (built.report.totals.params, tuple(built.report.output_shapes[0]))
    if found != (params, output):
        raise TargetError(
            f"the description drafted from the module builds to {found[0]:,} parameters and "
            f"output {found[1]}, not {params:,} and {output}",
            hint="this is a gap in cnninspect's export; the module itself is fine",
        )
