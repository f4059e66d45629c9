"""One inspection per request: every command and format parses a description once, builds or
imports the model once and runs one forward pass — counted by wrapping the functions where
that work happens (tests/work_counter.py), whoever calls them.

resnet18 has 20 Conv2d layers, and every request runs each of them once: a description's
layers are made by the pass itself, each when its input reaches it (``construct/builder.py``),
so the build runs nothing of its own. ``--memory`` adds the 20 calls of the tracked training
step, on a copy of the module the request built; ``memory`` (no table, no pass) makes the
layers with one run on meta, then tracks the step. Before this, the build ran every layer once
more, and ``--format html``, ``--memory`` and ``draw`` parsed, built and ran twice.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import pytest

from tests.conftest import cli
from tests.work_counter import counting


class Work(NamedTuple):
    parses: int
    builds: int
    imports: int
    traces: int
    conv_constructions: int
    conv_forwards: int


DESCRIBED = Work(parses=1, builds=1, imports=0, traces=1, conv_constructions=20, conv_forwards=20)
IMPORTED = Work(parses=0, builds=0, imports=1, traces=1, conv_constructions=20, conv_forwards=20)
STEP = 20  # the tracked training step's Conv2d calls
MODULE = ("torchvision.models:resnet18", "-i", "3x224x224")

CASES = [
    *((("summary", "resnet18", "-f", f), DESCRIBED) for f in ("table", "json", "markdown", "csv")),
    (("summary", "resnet18", "-f", "html"), DESCRIBED),
    (("summary", "resnet18", "--memory"), DESCRIBED._replace(conv_forwards=20 + STEP)),
    (("summary", "resnet18", "--memory", "-f", "json"), DESCRIBED._replace(conv_forwards=40)),
    (("draw", "resnet18", "-o", "{tmp}/r.svg"), DESCRIBED),
    (("draw", "resnet18", "--style", "graph", "-o", "{tmp}/r.png"), DESCRIBED),
    (("validate", "resnet18"), DESCRIBED),
    (("validate", "resnet18", "-f", "sarif"), DESCRIBED),
    (("memory", "resnet18"), DESCRIBED._replace(traces=0, conv_forwards=20 + STEP)),
    (  # LeNet-5 has 3 Conv2d
        ("diff", "resnet18", "lenet5"),
        Work(parses=2, builds=2, imports=0, traces=2, conv_constructions=23, conv_forwards=23),
    ),
    (("summary", *MODULE), IMPORTED),
    (("summary", *MODULE, "-f", "html"), IMPORTED),
    (("summary", *MODULE, "--memory"), IMPORTED._replace(conv_forwards=20 + STEP)),
    (("draw", *MODULE, "-o", "{tmp}/t.svg"), IMPORTED),
    (("validate", *MODULE), IMPORTED),
    (("memory", *MODULE), IMPORTED._replace(traces=0)),
    # on a real device the layers are made on meta first: the memory guard needs their shapes
    (("summary", "resnet18", "--device", "cpu"), DESCRIBED._replace(conv_forwards=20 + 20)),
]


@pytest.mark.parametrize(("args", "expected"), CASES, ids=[" ".join(a) for a, _ in CASES])
def test_each_request_does_its_work_once(
    args: tuple[str, ...], expected: Work, tmp_path: Path
) -> None:
    with counting() as counts:
        result = cli(*(a.replace("{tmp}", str(tmp_path)) for a in args))
    assert result.exit_code == 0, result.output
    assert Work(**{field: counts[field] for field in Work._fields}) == expected


def test_the_counter_sees_work_done_twice() -> None:
    """The counter is not blind: two summaries in one block count twice."""
    with counting() as counts:
        cli("summary", "lenet5")
        cli("summary", "lenet5")
    assert (counts["parses"], counts["builds"], counts["traces"]) == (2, 2, 2)
    assert counts["conv_constructions"] == 2 * 3  # LeNet-5's three convolutions, twice
