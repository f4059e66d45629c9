"""``validate`` and ``min-input``: the CI check of declared shapes, counts and input sizes."""

from __future__ import annotations

import enum
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cnninspect.checks.catalogue import RULES
from cnninspect.choices import ExitCode
from cnninspect.cli.options import (
    ArgOption,
    DebugOption,
    InputOption,
    OutputFileOption,
    complete_target,
    feed_option,
    parse_args,
    parse_shape,
)
from cnninspect.cli.program import app, errors, examples, stderr, stdout, write
from cnninspect.cli.progress import progress
from cnninspect.results.findings import Severity

if TYPE_CHECKING:
    from cnninspect.results.validation import Validation


class ValidateFormat(str, enum.Enum):
    text = "text"
    json = "json"
    github = "github"
    sarif = "sarif"
    junit = "junit"


class FailOn(str, enum.Enum):
    error = "error"
    warning = "warning"


class MinInputFormat(str, enum.Enum):
    text = "text"
    json = "json"


VALIDATE_EXIT_CODES_HELP = (
    f"Exit codes: {ExitCode.OK:d} no findings at or above --fail-on; {ExitCode.FINDINGS:d} "
    "findings at or above --fail-on (a file that does not parse or build is a finding too); "
    f"{ExitCode.USAGE:d} usage error: a bad option, a TARGET that names nothing, a module "
    "target without --input."
)


def _validate_help() -> str:
    """The command's help, its rule list read from the catalogue (the one place rules live)."""
    file_rules = [r for r in RULES.values() if r.code.startswith("CNN0")]
    listed = [f"{file_rules[0].code}–{file_rules[-1].code} the file itself (syntax, format, names)"]
    listed += [
        f"{r.code}{' (warning)' if r.severity is Severity.WARNING else ''} {r.summary}"
        for r in RULES.values()
        if not r.code.startswith("CNN0")
    ]
    return (
        "Check architectures for inconsistent shapes, parameter counts and input sizes (CI)."
        "\n\nRules: " + " · ".join(listed) + "."
    )


VALIDATE_HELP = _validate_help()


TargetsArgument = Annotated[
    list[str],
    typer.Argument(
        help="YAML files, directories (searched for *.yaml / *.yml), bundled architecture "
        "names, pkg.module:attr or path/to/file.py:attr.",
        show_default=False,
        metavar="TARGETS",
        autocompletion=complete_target,
    ),
]


@app.command(
    help=VALIDATE_HELP,
    epilog=examples(
        "cnninspect validate architectures/",
        "cnninspect validate architectures/ --format sarif --output-file cnninspect.sarif",
        "cnninspect validate src/model.py:Net --input 3x32x32",
    )
    + "\n\n"
    + VALIDATE_EXIT_CODES_HELP,
)
def validate(
    targets: TargetsArgument,
    input_shape: InputOption = None,  # every target's
    arg: ArgOption = None,
    output_format: Annotated[
        ValidateFormat | None,
        typer.Option(
            "--format",
            "-f",
            help="Output format (default: text, or github when GITHUB_ACTIONS=true).",
            show_default=False,
        ),
    ] = None,
    output_file: OutputFileOption = None,
    fail_on: Annotated[
        FailOn, typer.Option("--fail-on", help="Exit 1 on findings of this severity or worse.")
    ] = FailOn.error,
    solve: Annotated[
        bool,
        typer.Option(
            "--solve/--no-solve",
            help="When declarations fail, search the input size that satisfies them all.",
        ),
    ] = True,
    root: Annotated[
        Path | None,
        typer.Option(
            "--root",
            metavar="DIR",
            file_okay=False,
            help="github, sarif and junit: paths relative to this folder (the repository), "
            "where they lie inside it [default: the working directory].",
            show_default=False,
        ),
    ] = None,
    debug: DebugOption = False,
) -> None:
    import os

    from cnninspect.api.validate import validate as run_validate

    with errors(debug):
        feed = feed_option(input_shape)
    if output_format is None:
        in_actions = os.environ.get("GITHUB_ACTIONS") == "true"
        output_format = ValidateFormat.github if in_actions else ValidateFormat.text
    threshold = Severity.ERROR if fail_on is FailOn.error else Severity.WARNING
    with errors(debug), progress("validating") as advance:
        validation = run_validate(
            targets, feed, args=parse_args(arg), solve=solve, on_target=advance
        )
    _render_validation(validation, output_format, output_file, threshold, root or Path.cwd())
    from cnninspect.render.validation.text import summary_line

    stderr.print(summary_line(validation), highlight=False, soft_wrap=True)
    raise typer.Exit(int(ExitCode.FINDINGS if validation.fails(threshold) else ExitCode.OK))


def _render_validation(
    validation: Validation,
    output_format: ValidateFormat,
    output_file: str | None,
    fail_on: Severity,
    root: Path,
) -> None:
    from cnninspect.render.validation import ci, json_output, text

    if output_format in (ValidateFormat.github, ValidateFormat.sarif, ValidateFormat.junit):
        validation = ci.in_repository(validation, root)  # what CI systems find files by

    if output_format is ValidateFormat.text and output_file is None and stdout.is_terminal:
        stdout.print(text.validation_rich(validation))
        return
    renderers: dict[ValidateFormat, Callable[[], str]] = {
        ValidateFormat.text: lambda: text.validation_text(validation),
        ValidateFormat.json: lambda: json_output.validation_json(validation, fail_on=fail_on),
        ValidateFormat.github: lambda: ci.validation_github(validation),
        ValidateFormat.sarif: lambda: ci.validation_sarif(validation),
        ValidateFormat.junit: lambda: ci.validation_junit(validation, fail_on=fail_on),
    }
    write(renderers[output_format](), output_file)


@app.command(
    "min-input",
    epilog=examples("cnninspect min-input torchvision.models:alexnet", "cnninspect min-input vgg16")
    + "\n\nExit codes: 0 every target accepts some input; 1 no input up to 16384 is large "
    "enough for a target; 2 usage error (a target that takes no image-like input too).",
)
def min_input(
    targets: TargetsArgument,
    input_shape: Annotated[
        str | None,
        typer.Option(
            "--input",
            "-i",
            metavar="SHAPE",
            help="For modules: channels and number of spatial axes, e.g. 3x224x224 "
            "[default: 3x224x224]; a YAML file's own input is used for it.",
            show_default=False,
        ),
    ] = None,
    arg: ArgOption = None,
    output_format: Annotated[
        MinInputFormat, typer.Option("--format", "-f", help="Output format.")
    ] = MinInputFormat.text,
    debug: DebugOption = False,
) -> None:
    """The smallest square input each target accepts (searched on the meta device)."""
    from cnninspect.api.min_input import min_input as find_min_input
    from cnninspect.api.request import feed_of_shapes, resolve_each, target_label
    from cnninspect.render.min_input import min_input_json, min_input_text

    feed = feed_of_shapes([parse_shape(input_shape)]) if input_shape else None
    args = parse_args(arg)
    results = []
    with errors(debug), progress("searching") as advance:
        resolved = resolve_each(targets, args)
        for index, target in enumerate(resolved):
            advance(target_label(target), index, len(resolved))
            results.append(find_min_input(target, feed))
    render = min_input_json if output_format is MinInputFormat.json else min_input_text
    write(render(results), None)
    raise typer.Exit(int(ExitCode.OK if all(r.shape for r in results) else ExitCode.FINDINGS))
