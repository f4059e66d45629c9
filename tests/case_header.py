"""The one grammar of a case file's header — the comment lines before its content — read by
every data-driven test (tests/cases/bad-input/, tests/data/validate/rules/)::

    # case: a 2-D pool on a 1-D input          what the case is about
    # run: summary {file} --device meta        the command ({file}: this file, {dir}: its folder)
    # expect: exit 2                           the exit status
    # expect: at 4:5                           line:col of the message or the first finding
    # expect: code CNN106                      the first finding's code
    # expect: message takes a 2-D input        words of the message (or of a finding)
    # expect: finding CNN103 at 6:5            every finding, in order (without `at`: no place)
    # expect: no findings                      none at all

A header line that is not one of these fails the test that reads it: a typo never silently
expects nothing. Files whose bytes are not UTF-8 keep an ASCII header; a UTF-16 file's header
is UTF-16 like the rest of it.
"""

from __future__ import annotations

import codecs
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

Place = tuple[int, int]  # line, col
_PLACE = re.compile(r"(?P<line>\d+):(?P<col>\d+)")
_FINDING = re.compile(r"finding (?P<code>CNN\d{3})(?: at (?P<line>\d+):(?P<col>\d+))?")


@dataclass
class CaseHeader:
    path: Path
    what: str = ""
    run: list[str] = field(default_factory=list)
    exit: int | None = None
    at: Place | None = None
    code: str | None = None
    message: str | None = None
    findings: list[tuple[str, Place | None]] | None = None  # None: not stated


def read_header(path: Path) -> CaseHeader:
    header = CaseHeader(path)
    for line in _comment_lines(path):
        key, sep, value = line.partition(": ")
        if key == "case":
            header.what = value
        elif key == "run":
            header.run = shlex.split(value)
        elif key == "expect" and sep:
            _expect(header, value)
    return header


def _expect(header: CaseHeader, value: str) -> None:
    kind, _, rest = value.partition(" ")
    name = header.path.name
    if kind == "exit":
        header.exit = int(rest)
    elif kind == "at":
        place = _PLACE.fullmatch(rest)
        assert place, f"{name}: `expect: at` takes line:col, got {rest!r}"
        header.at = (int(place["line"]), int(place["col"]))
    elif kind == "code":
        header.code = rest
    elif kind == "message":
        header.message = rest
    elif value == "no findings":
        assert not header.findings, f"{name}: `no findings` beside a finding"
        header.findings = []
    elif kind == "finding":
        found = _FINDING.fullmatch(value)
        assert found, f"{name}: malformed `expect: {value}`"
        place = (int(found["line"]), int(found["col"])) if found["line"] else None
        assert header.findings != [], f"{name}: a finding beside `no findings`"
        header.findings = [*(header.findings or []), (found["code"], place)]
    else:
        raise AssertionError(f"{name}: unknown header line `expect: {value}`")


def _comment_lines(path: Path) -> list[str]:
    data = path.read_bytes()
    encoding = "latin-1"  # the header is ASCII; the rest may be anything (hostile inputs)
    for bom in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        if data.startswith(bom):
            encoding = "utf-16"
    lines = []
    for line in data.decode(encoding, errors="replace").splitlines():
        if not line.startswith("# "):
            break
        lines.append(line[2:])
    return lines
