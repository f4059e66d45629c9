"""The command line: parse options, call the API, render, exit. Nothing else lives here.

Heavy imports (torch, the builders) happen inside the commands, so ``cnninspect --help`` is
instant.
"""

from __future__ import annotations

import enum
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from cnninspect._version import __version__
from cnninspect.errors import CnninspectError, ExitCode
from cnninspect.shapes import Shape

if TYPE_CHECKING:
    from cnninspect.results.findings import Severity
    from cnninspect.results.report import Report
    from cnninspect.results.validation import Validation
    from cnninspect.shapes import Notation

EXIT_CODES_HELP = (
    "Exit codes: 0 success; 1 findings (validate) or differences (diff --exit-code); "
    "2 usage error, unreadable or inconsistent input, or a failed forward pass; "
    "3 the requested device is not available; 4 an internal error (a bug in cnninspect)."
)

app = typer.Typer(
    name="cnninspect",
    help="Inspect convolutional neural networks: shapes, parameters, MACs and memory from one "
    "real forward pass.",
    epilog=EXIT_CODES_HELP,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

stdout = Console()
stderr = Console(stderr=True)


class Format(str, enum.Enum):
    table = "table"
    json = "json"
    markdown = "markdown"
    csv = "csv"


class NotationChoice(str, enum.Enum):
    chw = "chw"
    hwc = "hwc"


class Device(str, enum.Enum):
    cpu = "cpu"
    cuda = "cuda"
    mps = "mps"
    meta = "meta"


class Dtype(str, enum.Enum):
    float32 = "float32"
    float16 = "float16"
    bfloat16 = "bfloat16"
    float64 = "float64"


def _version(value: bool) -> None:
    if value:
        stdout.print(f"cnninspect {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """Inspect convolutional neural networks."""


def parse_shape(text: str) -> Shape:
    """'3x224x224' (or '3,224,224') → (3, 224, 224)."""
    parts = text.lower().replace(",", "x").replace("×", "x").split("x")
    try:
        dims = tuple(int(p) for p in parts)
    except ValueError:
        raise typer.BadParameter(f"'{text}' is not a shape like 3x224x224") from None
    if not dims or any(d <= 0 for d in dims):
        raise typer.BadParameter(f"'{text}': every dimension must be a positive integer")
    return dims


def parse_arg(text: str) -> tuple[str, object]:
    """'num_classes=10' → ('num_classes', 10); values are Python literals, else strings."""
    import ast

    key, sep, raw = text.partition("=")
    if not sep or not key.isidentifier():
        raise typer.BadParameter(f"'{text}' is not key=value")
    try:
        value: object = ast.literal_eval(raw)
    except (ValueError, SyntaxError):
        value = raw
    return key, value


@contextmanager
def _errors(debug: bool = False) -> Iterator[None]:
    """Every user error becomes one located message on stderr and its exit code; a bug in
    cnninspect itself becomes one line too (exit 4), with the traceback behind --debug."""
    try:
        yield
    except CnninspectError as exc:
        if debug:
            raise
        _error(str(exc))
        raise typer.Exit(int(exc.exit_code)) from None
    except (typer.Exit, KeyboardInterrupt):
        raise
    except Exception as exc:
        if debug:
            raise
        _error(
            f"internal error: {type(exc).__name__}: {exc}\n  this is a bug in cnninspect; "
            "rerun with --debug for the traceback and report it"
        )
        raise typer.Exit(int(ExitCode.INTERNAL)) from None


def _error(message: str) -> None:
    stderr.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)


InputOption = Annotated[
    list[str] | None,
    typer.Option("--input", "-i", help="Input shape without batch, e.g. 3x224x224 (repeatable)."),
]
BatchOption = Annotated[int, typer.Option("--batch", "-b", min=1, help="Batch size.")]
DeviceOption = Annotated[
    Device, typer.Option("--device", help="Where the forward pass runs; meta: shapes only.")
]
DtypeOption = Annotated[Dtype, typer.Option("--dtype", help="Parameter and activation dtype.")]
ArgOption = Annotated[
    list[str] | None,
    typer.Option("--arg", help="key=value passed to a module's constructor (repeatable)."),
]
DebugOption = Annotated[bool, typer.Option("--debug", help="Show tracebacks of errors.")]


@app.command()
def summary(
    target: Annotated[
        str,
        typer.Argument(
            help="A YAML file, a bundled architecture name (see `cnninspect list`), "
            "pkg.module:attr or path/to/file.py:attr."
        ),
    ],
    input_shape: InputOption = None,
    batch: BatchOption = 1,
    device: DeviceOption = Device.cpu,
    dtype: DtypeOption = Dtype.float32,
    arg: ArgOption = None,
    notation: Annotated[
        NotationChoice,
        typer.Option("--notation", help="Shapes as (C, H, W) or, like the lecture, (H, W, C)."),
    ] = NotationChoice.chw,
    output_format: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = (
        Format.table
    ),
    depth: Annotated[
        int | None,
        typer.Option("--depth", "-d", min=0, help="Fold module calls deeper than this."),
    ] = None,
    macs: Annotated[bool, typer.Option("--macs", help="Add a MACs column to the table.")] = False,
    flops: Annotated[
        bool, typer.Option("--flops", help="Total FLOPs (2 per multiply-add) instead of MACs.")
    ] = False,
    explain: Annotated[
        bool,
        typer.Option(
            "--explain", help="Show the arithmetic behind each layer's parameters and size."
        ),
    ] = False,
    debug: DebugOption = False,
) -> None:
    """Per layer: activation shape, activation size and parameters; totals, MACs and memory."""
    from cnninspect.api.summary import summarize

    shapes = [parse_shape(s) for s in input_shape or []]
    args = dict(parse_arg(a) for a in arg or [])
    with _errors(debug):
        report = summarize(
            target,
            input_shapes=shapes or None,
            batch=batch,
            device=device.value,
            dtype=dtype.value,
            args=args,
        )
    for finding in report.findings:
        where = f"{finding.position}: " if finding.position else ""
        stderr.print(
            f"[yellow]warning:[/] {escape(f'{where}{finding.code}: {finding.message}')}",
            highlight=False,
            soft_wrap=True,
        )
    if report.findings:
        stderr.print(
            f"[yellow]{len(report.findings)} declaration(s) disagree with the forward pass; "
            f"`cnninspect validate {escape(target)}` explains them[/]",
            highlight=False,
        )
    _render_summary(
        report, output_format, notation.value, depth, macs=macs, flops=flops, explain=explain
    )


def _render_summary(
    report: Report,
    output_format: Format,
    notation: Notation,
    depth: int | None,
    *,
    macs: bool,
    flops: bool,
    explain: bool,
) -> None:
    if output_format is Format.table:
        from cnninspect.report.table import summary_table

        table = summary_table(
            report, notation=notation, depth=depth, macs=macs, flops=flops, explain=explain
        )
        stdout.print(table)
        return
    renderers: dict[Format, Callable[..., str]] = {}
    if output_format is Format.json:
        from cnninspect.report.json import summary_json

        renderers[Format.json] = summary_json
    else:
        from cnninspect.report.markdown import summary_csv, summary_markdown

        renderers[Format.markdown] = summary_markdown
        renderers[Format.csv] = summary_csv
    text = renderers[output_format](report, notation=notation, depth=depth)
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


@app.command()
def schema() -> None:
    """Print the JSON Schema of the YAML format, generated from the layer registry."""
    import json

    from cnninspect.build.schema import json_schema

    sys.stdout.write(json.dumps(json_schema(), indent=2) + "\n")


class ListFormat(str, enum.Enum):
    table = "table"
    json = "json"


@app.command("list")
def list_architectures(
    output_format: Annotated[ListFormat, typer.Option("--format", "-f", help="Output format.")] = (
        ListFormat.table
    ),
    debug: DebugOption = False,
) -> None:
    """The bundled architectures with their input, parameters and MACs (computed, not stored)."""
    from cnninspect.api.zoo import zoo
    from cnninspect.report.zoo import ZooTable, zoo_json

    with _errors(debug):
        entries = zoo()
    if output_format is ListFormat.json:
        sys.stdout.write(zoo_json(entries) + "\n")
        return
    stdout.print(ZooTable(entries))
    if any(e.findings for e in entries):
        stdout.print(
            "(!) a deliberate transcription whose declarations the forward pass contradicts"
        )


class DiffFormat(str, enum.Enum):
    table = "table"
    json = "json"
    markdown = "markdown"


def _side_shapes(own: list[str] | None, both: list[str] | None) -> list[Shape] | None:
    shapes = [parse_shape(s) for s in own or both or []]
    return shapes or None


def _side_args(own: list[str] | None, both: list[str] | None) -> dict[str, object]:
    return dict(parse_arg(a) for a in [*(both or []), *(own or [])])


@app.command()
def diff(
    a: Annotated[str, typer.Argument(help="The old architecture (A): any summary TARGET.")],
    b: Annotated[str, typer.Argument(help="The new architecture (B): any summary TARGET.")],
    input_shape: Annotated[
        list[str] | None,
        typer.Option("--input", "-i", help="Input shape for both sides, e.g. 3x224x224."),
    ] = None,
    input_a: Annotated[
        list[str] | None, typer.Option("--input-a", help="Input shape for A (overrides --input).")
    ] = None,
    input_b: Annotated[
        list[str] | None, typer.Option("--input-b", help="Input shape for B (overrides --input).")
    ] = None,
    arg: Annotated[
        list[str] | None, typer.Option("--arg", help="key=value for both constructors.")
    ] = None,
    arg_a: Annotated[
        list[str] | None, typer.Option("--arg-a", help="key=value for A's constructor.")
    ] = None,
    arg_b: Annotated[
        list[str] | None, typer.Option("--arg-b", help="key=value for B's constructor.")
    ] = None,
    batch: BatchOption = 1,
    device: DeviceOption = Device.cpu,
    dtype: DtypeOption = Dtype.float32,
    output_format: Annotated[
        DiffFormat, typer.Option("--format", "-f", help="Output format.")
    ] = DiffFormat.table,
    show_all: Annotated[
        bool, typer.Option("--all", help="Show unchanged layers instead of collapsing them.")
    ] = False,
    exit_code: Annotated[
        bool,
        typer.Option("--exit-code", help="Exit 1 when the architectures differ, like git diff."),
    ] = False,
    debug: DebugOption = False,
) -> None:
    """Two architectures layer by layer: added, removed and changed layers, totals and deltas."""
    from cnninspect.api.diff import compare
    from cnninspect.report.diff import render_diff

    with _errors(debug):
        result = compare(
            a,
            b,
            input_shapes_a=_side_shapes(input_a, input_shape),
            input_shapes_b=_side_shapes(input_b, input_shape),
            args_a=_side_args(arg_a, arg),
            args_b=_side_args(arg_b, arg),
            batch=batch,
            device=device.value,
            dtype=dtype.value,
        )
    for label, report in (("A", result.a), ("B", result.b)):
        if report.findings:
            stderr.print(
                f"[yellow]warning:[/] {label} ({escape(report.target)}): {len(report.findings)} "
                f"declaration(s) disagree with the forward pass; "
                f"`cnninspect validate {report.target}` explains them",
                highlight=False,
                soft_wrap=True,
            )
    output = render_diff(result, output_format.value, show_all=show_all)
    if isinstance(output, str):
        sys.stdout.write(output)
    else:
        stdout.print(output)
    if exit_code and result.differs:
        raise typer.Exit(int(ExitCode.FINDINGS))


# -- validate and min-input: the CI check ------------------------------------------------------


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
    "Exit codes: 0 no findings at or above --fail-on; 1 findings at or above --fail-on (a file "
    "that does not parse or build is a finding too); 2 usage error: a bad option, a TARGET "
    "that names nothing, a module target without --input."
)
PROGRESS_THRESHOLD = 5  # targets; fewer finish before a bar would be worth drawing


TargetsArgument = Annotated[
    list[str],
    typer.Argument(
        help="YAML files, directories (searched for *.yaml / *.yml), bundled architecture "
        "names, pkg.module:attr or path/to/file.py:attr.",
        show_default=False,
    ),
]


@app.command(epilog=VALIDATE_EXIT_CODES_HELP)
def validate(
    targets: TargetsArgument,
    input_shape: Annotated[
        list[str] | None,
        typer.Option(
            "--input", "-i", help="Input shape of module targets, e.g. 3x224x224 (repeatable)."
        ),
    ] = None,
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
    output_file: Annotated[
        str | None,
        typer.Option("--output-file", "-o", help="Write the output here instead of stdout."),
    ] = None,
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
    debug: DebugOption = False,
) -> None:
    """Check architectures for inconsistent shapes, parameter counts and input sizes (CI).

    Rules: CNN0xx the file itself · CNN101 declared shape · CNN102 declared in_channels or
    in_features · CNN103 floor division drops real pixels · CNN104 declared parameters ·
    CNN105 merge mismatch · CNN106 forward pass fails · CNN107 spatial collapse · CNN201
    (warning) two linear maps with no non-linearity between them.
    """
    import os

    from cnninspect.api.validate import validate as run_validate
    from cnninspect.results.findings import Severity

    shapes = [parse_shape(s) for s in input_shape or []]
    args = dict(parse_arg(a) for a in arg or [])
    if output_format is None:
        in_actions = os.environ.get("GITHUB_ACTIONS") == "true"
        output_format = ValidateFormat.github if in_actions else ValidateFormat.text
    threshold = Severity.ERROR if fail_on is FailOn.error else Severity.WARNING
    with _errors(debug), _progress() as advance:
        validation = run_validate(
            targets, input_shapes=shapes or None, args=args, solve=solve, on_target=advance
        )
    _render_validation(validation, output_format, output_file, threshold)
    from cnninspect.report.ci import summary_line

    stderr.print(summary_line(validation), highlight=False, soft_wrap=True)
    raise typer.Exit(int(ExitCode.FINDINGS if validation.fails(threshold) else ExitCode.OK))


@contextmanager
def _progress() -> Iterator[Callable[[str, int, int], None]]:
    """A Rich progress bar on stderr, shown for many targets on a terminal only."""
    from rich.progress import Progress, TaskID

    bar: tuple[Progress, TaskID] | None = None

    def advance(target: str, index: int, total: int) -> None:
        nonlocal bar
        if total < PROGRESS_THRESHOLD or not stderr.is_terminal:
            return
        if bar is None:
            progress = Progress(console=stderr, transient=True)
            progress.start()
            bar = (progress, progress.add_task("validating", total=total))
        bar[0].update(bar[1], completed=index, description=target)

    try:
        yield advance
    finally:
        if bar is not None:
            bar[0].stop()


def _render_validation(
    validation: Validation,
    output_format: ValidateFormat,
    output_file: str | None,
    fail_on: Severity,
) -> None:
    from cnninspect.report import ci

    if output_format is ValidateFormat.text and output_file is None and stdout.is_terminal:
        stdout.print(ci.validation_rich(validation))
        return
    renderers: dict[ValidateFormat, Callable[[], str]] = {
        ValidateFormat.text: lambda: ci.validation_text(validation),
        ValidateFormat.json: lambda: ci.validation_json(validation, fail_on=fail_on),
        ValidateFormat.github: lambda: ci.validation_github(validation),
        ValidateFormat.sarif: lambda: ci.validation_sarif(validation),
        ValidateFormat.junit: lambda: ci.validation_junit(validation, fail_on=fail_on),
    }
    _write(renderers[output_format](), output_file)


def _write(text: str, output_file: str | None) -> None:
    from pathlib import Path

    text = text if not text or text.endswith("\n") else text + "\n"
    if output_file is None:
        sys.stdout.write(text)
        return
    try:
        Path(output_file).write_text(text, encoding="utf-8")
    except OSError as exc:
        _error(f"cannot write {output_file}: {exc}")
        raise typer.Exit(int(ExitCode.USAGE)) from None


@app.command(
    "min-input",
    epilog="Exit codes: 0 every target accepts some input; 1 a target accepts no input up to "
    "16384; 2 usage error.",
)
def min_input(
    targets: TargetsArgument,
    input_shape: Annotated[
        str | None,
        typer.Option(
            "--input",
            "-i",
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
    from cnninspect.build.targets import resolve_targets
    from cnninspect.report.ci import min_input_json, min_input_text

    template = parse_shape(input_shape) if input_shape else None
    args = dict(parse_arg(a) for a in arg or [])
    with _errors(debug):
        results = [
            find_min_input(t, input_shape=template, args=args) for t in resolve_targets(targets)
        ]
    render = min_input_json if output_format is MinInputFormat.json else min_input_text
    _write(render(results), None)
    raise typer.Exit(int(ExitCode.OK if all(r.shape for r in results) else ExitCode.FINDINGS))


def main() -> NoReturn:
    """Console-script entry point."""
    try:
        app()
    except SystemExit as exc:
        raise SystemExit(exc.code) from None
    sys.exit(int(ExitCode.OK))
