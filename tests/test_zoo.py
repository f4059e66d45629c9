"""A sample of the zoo (benchmarks/zoo.py): 20 models of timm and torchvision drawn at random,
each checked against torch's own parameter count and FlopCounterMode's MACs, its rows against
its totals. Every model passes or is listed with its reason in tests/data/zoo_known.yaml.

The seed is printed; ``ZOO_SEED=… pytest tests/test_zoo.py`` draws the same models again.
"""

from __future__ import annotations

import os
import random
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
import zoo  # (benchmarks/ is not a package: on the path above)

KNOWN: dict[str, str] = yaml.safe_load((ROOT / "tests/data/zoo_known.yaml").read_text()) or {}
SEED = int(os.environ.get("ZOO_SEED", random.SystemRandom().randrange(10**6)))
print(f"tests/test_zoo.py: ZOO_SEED={SEED}")


def _sample() -> list[str]:
    return random.Random(SEED).sample(zoo.zoo(), 20)


def test_the_known_list_names_models_of_the_zoo_with_reasons() -> None:
    names = set(zoo.zoo())
    for model, reason in KNOWN.items():
        assert model in names, model
        assert isinstance(reason, str) and len(reason) > 20, model


@pytest.mark.slow
@pytest.mark.parametrize("model", _sample())
def test_a_model_drawn_from_the_zoo_agrees_with_torch(model: str) -> None:
    record = zoo.check(model)
    if model in KNOWN:
        pytest.skip(f"listed: {KNOWN[model]}")
    assert record["status"] == "pass", (SEED, record)


def test_the_sweep_report_is_committed() -> None:
    report = (ROOT / "docs/sweep.md").read_text(encoding="utf-8")
    assert "# The zoo, swept" in report and "Passed:" in report
    assert Path(ROOT / "benchmarks/sweep.py").exists()
