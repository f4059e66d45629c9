"""Property-based fuzz of the loader, the builder and the summary on meta (hypothesis).

Each example is a bundled architecture's text with a few random mutations — a number replaced
by 0, a negative or a huge one, a word by another word of the format, a line deleted or
repeated, YAML punctuation, aliases and tags inserted, the text cut short. Whatever comes out,
only cnninspect's own errors may escape (never a KeyError, a RecursionError, a torch
RuntimeError…), and each example must finish within the deadline.

CI runs a fixed, derandomized set (the "ci" profile); ``make fuzz`` runs the "fuzz" profile:
thousands of examples from a random seed.
"""

from __future__ import annotations

import contextlib
import os
import re
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cnninspect.description.architecture import ArchSpec
from cnninspect.errors import CnninspectError
from tests.conftest import ARCHITECTURES

settings.register_profile(
    "ci",
    max_examples=40,
    derandomize=True,
    deadline=timedelta(seconds=10),
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "fuzz",
    max_examples=3000,
    deadline=timedelta(seconds=10),
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# small networks, so that an example costs milliseconds; together they use every construct:
# blocks with arguments and expressions, several inputs, repeat, merges, expect, hwc notation
SEEDS = [
    (ARCHITECTURES / f"{name}.yaml").read_text(encoding="utf-8")
    for name in ("lecture-example", "lenet5", "alexnet-paper", "resnet18", "unet", "m5")
]
WORDS = [
    "Conv2d", "Conv1d", "Linear", "MaxPool2d", "BatchNorm2d", "ReLU", "Add", "Concat",
    "Flatten", "Softmax", "repeat", "from", "expect", "name", "in", "input", "blocks", "args",
    "layers", "in_channels", "out_channels", "kernel_size", "stride", "padding", "dim",
    "$planes", "${in_channels * 4}", "${x // 0}", "null", "true", "yes", "~", "''",
]  # fmt: skip
NUMBERS = ["0", "-1", "1", "2", "3", "999999", "10000000000", "1e-4", "0x10", ".inf", "-0"]
PUNCTUATION = [": ", "- ", "[", "]", "{", "}", ",", "&a ", "*a", "!!int ", "!!python/none ", "'"]
_NUMBER = re.compile(r"(?<![\w.])\d+(?![\w.])")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@st.composite
def mutated(draw: st.DrawFn) -> str:
    text: str = draw(st.sampled_from(SEEDS))
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["number", "word", "delete", "repeat", "insert", "cut"]))
        text = _mutate(text, kind, draw)
    return text


def _mutate(text: str, kind: str, draw: st.DrawFn) -> str:
    lines = text.splitlines(keepends=True)
    if kind in ("number", "word"):
        pattern, choices = (_NUMBER, NUMBERS) if kind == "number" else (_WORD, WORDS)
        spots = list(pattern.finditer(text))
        if not spots:
            return text
        spot = draw(st.sampled_from(spots))
        return text[: spot.start()] + draw(st.sampled_from(choices)) + text[spot.end() :]
    if kind in ("delete", "repeat") and lines:
        i = draw(st.integers(0, len(lines) - 1))
        return "".join(lines[:i] + ([lines[i]] * 2 if kind == "repeat" else []) + lines[i + 1 :])
    if kind == "insert":
        at = draw(st.integers(0, len(text)))
        return text[:at] + draw(st.sampled_from(PUNCTUATION)) + text[at:]
    return text[: draw(st.integers(0, len(text)))]


def _load(text: str) -> ArchSpec:
    from cnninspect.description.parser import loads

    return loads(text, "fuzz.yaml")


@given(mutated())
def test_the_loader_raises_only_its_own_errors(text: str) -> None:
    with contextlib.suppress(CnninspectError):
        _load(text)


@given(mutated())
def test_the_builder_raises_only_its_own_errors(text: str) -> None:
    from cnninspect.construct.builder import build

    with contextlib.suppress(CnninspectError):
        build(_load(text))


@given(mutated())
def test_summary_on_meta_raises_only_its_own_errors(text: str) -> None:
    from cnninspect import summary as summarize

    try:
        report = summarize(_load(text), device="meta")
    except CnninspectError:
        return
    # a summary that succeeds is whole: rows add up to the totals
    leaves = [r for r in report.rows[1:] if r.is_leaf]
    assert sum(r.macs for r in leaves) == report.totals.macs
