"""The lecture's "Neural network example" table is an acceptance test (lecture-cnn.txt)."""

from __future__ import annotations

import json

from tests.conftest import cli

# name, activation shape (H, W, C as the lecture writes it), activation size, # parameters
LECTURE_TABLE = [
    ("Input", [32, 32, 3], 3072, 0),
    ("CONV1", [28, 28, 8], 6272, 608),
    ("POOL1", [14, 14, 8], 1568, 0),
    ("CONV2", [10, 10, 16], 1600, 3216),
    ("POOL2", [5, 5, 16], 400, 0),
    ("FC3", [120], 120, 48120),
    ("FC4", [84], 84, 10164),
    ("Softmax", [10], 10, 850),
]


def test_lecture_table_reproduced_row_by_row() -> None:
    result = cli("summary", "lecture-example", "--notation", "hwc", "--format", "json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    rows = {row["name"]: row for row in report["layers"]}
    for name, shape, size, params in LECTURE_TABLE:
        row = rows[name]
        assert row["shape"] == shape, name
        assert row["size"] == size, name
        assert row["subtree_params"] == params, name
    assert report["totals"]["params"] == 62958
    assert report["notation"] == "hwc"
    assert report["findings"] == []


def test_lecture_rows_come_in_the_lectures_order() -> None:
    result = cli("summary", "lecture-example", "--format", "json")
    names = [row["name"] for row in json.loads(result.stdout)["layers"]]
    lecture_names = [name for name, *_ in LECTURE_TABLE]
    assert [n for n in names if n in lecture_names] == lecture_names


def test_per_layer_counts_add_up_to_the_total() -> None:
    report = json.loads(cli("summary", "lecture-example", "-f", "json").stdout)
    assert sum(row["params"] for row in report["layers"]) == report["totals"]["params"]


def test_lecture_formulas_match_torch() -> None:
    """The lecture's own arithmetic (A)–(E), checked against what torch built."""
    report = json.loads(cli("summary", "lecture-example", "-f", "json").stdout)
    rows = {row["name"]: row["subtree_params"] for row in report["layers"]}
    assert rows["CONV1"] == (5 * 5 * 3 + 1) * 8
    assert rows["CONV2"] == (5 * 5 * 8 + 1) * 16
    assert rows["FC3"] == 400 * 120 + 120
    assert rows["FC4"] == 120 * 84 + 84
    assert rows["Softmax"] == 84 * 10 + 10


def test_explain_shows_the_lectures_own_arithmetic() -> None:
    """(A)–(E) of the lecture, and the floor formula for the sizes."""
    report = json.loads(cli("summary", "lecture-example", "--format", "json").stdout)
    why = {e["layer"]: e for e in report["explanations"]}
    assert why["CONV1"]["params"] == "(5·5·3 + 1)·8 = 608"
    assert why["CONV2"]["params"] == "(5·5·8 + 1)·16 = 3,216"
    assert why["FC3"]["params"] == "400·120 + 120 = 48,120"
    assert why["FC4"]["params"] == "120·84 + 84 = 10,164"
    assert why["Softmax.fc"]["params"] == "84·10 + 10 = 850"
    assert why["CONV1"]["size"] == "⌊(32 + 2·0 − 5)/1⌋ + 1 = 28 per side"
    assert why["POOL2"]["size"] == "⌊(10 + 2·0 − 2)/2⌋ + 1 = 5 per side"
    assert why["flatten1"]["size"] == "16·5·5 = 400"
    table = cli("summary", "lecture-example", "--explain").stdout
    assert "Why these numbers:" in table and "(5·5·3 + 1)·8 = 608" in table
