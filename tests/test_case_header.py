"""The case-header grammar reads what it promises and refuses what it does not know."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.case_header import read_header


def test_every_kind_of_line_is_read(tmp_path: Path) -> None:
    path = tmp_path / "case.yaml"
    path.write_text(
        "# case: a pool on a vector\n# run: summary {file} --device meta\n# expect: exit 2\n"
        "# expect: at 4:5\n# expect: code CNN106\n# expect: message takes a 2-D input\n"
        "# expect: finding CNN103 at 6:5\n# expect: finding CNN106\ncnninspect: 1\n"
        "# expect: exit 0\n"  # after the header: content, not expectation
    )
    header = read_header(path)
    assert (header.what, header.run, header.exit) == (
        "a pool on a vector",
        ["summary", "{file}", "--device", "meta"],
        2,
    )
    assert (header.at, header.code, header.message) == ((4, 5), "CNN106", "takes a 2-D input")
    assert header.findings == [("CNN103", (6, 5)), ("CNN106", None)]


@pytest.mark.parametrize(
    "line", ["# expect: nothin", "# expect: finding CNN1 at 2:3", "# expect: at four"]
)
def test_a_typo_fails_rather_than_expecting_nothing(tmp_path: Path, line: str) -> None:
    path = tmp_path / "case.yaml"
    path.write_text(line + "\ncnninspect: 1\n")
    with pytest.raises(AssertionError):
        read_header(path)


def test_no_findings_is_stated_not_assumed(tmp_path: Path) -> None:
    path = tmp_path / "case.yaml"
    path.write_text("# expect: no findings\n")
    assert read_header(path).findings == []
    path.write_text("# case: silent\n")
    assert read_header(path).findings is None
