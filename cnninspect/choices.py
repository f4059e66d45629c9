"""Every closed set of choices, in one place: the CLI's choices, the API's checks, the JSON
Schemas' enums and the Makefile's list of outputs are all read from here. Torch-free.

Each set is a ``Literal`` type (what mypy holds values to) and the tuple of its values (what
the command line offers and the API checks against), the tuple read off the type.
"""

from __future__ import annotations

import enum
from typing import Literal, get_args

DtypeName = Literal["float32", "float16", "bfloat16", "float64"]
DTYPES: tuple[DtypeName, ...] = get_args(DtypeName)  # parameters and activations

DeviceName = Literal["cpu", "cuda", "mps", "meta"]
DEVICES: tuple[DeviceName, ...] = get_args(DeviceName)  # where a forward pass runs
# what --device takes: auto is meta when meta can run the model, else cpu (the default)
DeviceChoice = Literal["auto", DeviceName]

OptimizerName = Literal["sgd", "momentum", "adam", "adamw"]
OPTIMIZERS: tuple[OptimizerName, ...] = get_args(OptimizerName)

AutocastName = Literal["bfloat16", "float16"]
AUTOCAST_DTYPES: tuple[AutocastName, ...] = get_args(AutocastName)

ModeName = Literal["eval", "train"]
MODES: tuple[ModeName, ...] = get_args(ModeName)

# The JSON documents cnninspect prints (``--format json``), each with its schema version: bump
# a version when its document changes incompatibly (CHANGELOG.md says what changed).
OutputKind = Literal["summary", "validate", "diff", "list", "min-input", "memory"]
OUTPUT_KINDS: tuple[OutputKind, ...] = get_args(OutputKind)
SCHEMA_VERSIONS: dict[OutputKind, int] = {
    "summary": 2,
    "validate": 1,
    "diff": 2,
    "list": 1,
    "min-input": 1,
    "memory": 2,
}


class ExitCode(enum.IntEnum):
    """Exit codes shared by every command (the README and ``--help`` print ``EXIT_CODES``)."""

    OK = 0
    FINDINGS = 1  # validate found problems; diff --exit-code found differences; nothing fits
    USAGE = 2  # bad option, unreadable or inconsistent input, failed forward pass
    DEVICE = 3  # the requested device (cuda, mps) is not available here
    INTERNAL = 4  # a bug in cnninspect itself (--debug shows the traceback)


EXIT_CODES: dict[ExitCode, str] = {
    ExitCode.OK: "success",
    ExitCode.FINDINGS: "findings (validate), differences (diff --exit-code), or nothing fits "
    "(memory --fit: not even batch 1, no number of ranks, no checkpointing plan)",
    ExitCode.USAGE: "usage error, unreadable or inconsistent input, or a failed forward pass",
    ExitCode.DEVICE: "the requested device is not available",
    ExitCode.INTERNAL: "an internal error (a bug in cnninspect)",
}


def exit_codes_text() -> str:
    """``Exit codes: 0 success; 1 …``: the help's and the README's sentence."""
    return "Exit codes: " + "; ".join(f"{int(c)} {m}" for c, m in EXIT_CODES.items()) + "."
