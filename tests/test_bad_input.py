"""The bad-input corpus: every file in tests/cases/bad-input/ is one hostile input, run through
the CLI as a user would, with what must happen written in the file's own header
(tests/case_header.py: ``# case:``, ``# run:`` — by default ``validate {file} --format json``
— and ``# expect: exit N``, optionally ``at``, ``code`` and ``message``).

Whatever the case, the run must finish within its time bound, exit with a documented code
(never 4, the code of a bug), and print no traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.case_header import CaseHeader, read_header
from tests.conftest import TESTS, cli

CASES = TESTS / "cases" / "bad-input"
DOCUMENTED_EXIT_CODES = {0, 1, 2, 3}


def read_case(path: Path) -> CaseHeader:
    case = read_header(path)
    assert case.what and case.exit is not None, f"{path.name}: no `# case:` or `# expect: exit`"
    return case


def case_files() -> list[Path]:
    return sorted(p for p in CASES.iterdir() if p.is_file() and not p.name.startswith("."))


@pytest.mark.timeout(30)
@pytest.mark.parametrize("path", case_files(), ids=lambda p: p.name)
def test_bad_input(path: Path) -> None:
    case = read_case(path)
    args = [a.replace("{file}", str(path)).replace("{dir}", str(CASES)) for a in case.run]
    args = args or ["validate", str(path), "--format", "json"]
    result = cli(*args)
    output = result.stdout + result.stderr
    # in-process, an escaped exception is kept on the result, not printed as a traceback
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert result.exit_code in DOCUMENTED_EXIT_CODES, output
    assert result.exit_code == case.exit, output
    assert "Traceback" not in output and "internal error" not in output, output
    # validate prints its JSON report when it ran (exit 0 or 1), not on a usage error (2)
    is_validate_json = args[0] == "validate" and "json" in args and result.exit_code in (0, 1)
    if is_validate_json:
        findings = [f for t in json.loads(result.stdout)["targets"] for f in t["findings"]]
        first = findings[0] if findings else None
        if case.code is not None:
            assert first is not None and first["code"] == case.code, output
        if case.at is not None:
            assert first is not None and (first["line"], first["col"]) == case.at, output
        if case.message is not None:
            assert any(case.message in f["message"] for f in findings), output
    else:
        assert case.code is None, "`expect: code` is for validate runs that report"
        if case.at is not None:  # on stderr (an error) or stdout (validate's other formats)
            assert f"{path}:{case.at[0]}:{case.at[1]}:" in output, output
        if case.message is not None:
            assert case.message in output, output


def test_the_corpus_is_large_and_every_case_is_documented() -> None:
    files = case_files()
    assert len(files) >= 150
    for path in files:
        read_case(path)
