"""A description file's text: a regular file within the size limit, in UTF-8 — anything else
(a directory, a UTF-16 file, an undecodable byte, a byte-order mark inside) is a located
error before any YAML is read. Torch-free."""

from __future__ import annotations

import codecs
import stat
from pathlib import Path

from cnninspect.description.limits import Limits
from cnninspect.description.limits import current as current_limits
from cnninspect.description.yamlnodes import line_col
from cnninspect.errors import Position, SpecError


def read(path: Path, limits: Limits | None = None) -> str:
    """The text of a description file: a regular file, within the size limit, in UTF-8 (an
    undecodable byte is located at its line and column)."""
    limits = limits or current_limits()
    try:
        info = path.stat()
    except FileNotFoundError:
        raise SpecError(f"no such file: {path}", code="CNN001") from None
    except OSError as exc:  # a symlink loop, a permission
        raise SpecError(f"cannot read {path}: {exc.strerror or exc}", code="CNN001") from None
    if not stat.S_ISREG(info.st_mode):
        kind = "a directory" if stat.S_ISDIR(info.st_mode) else "not a regular file"
        raise SpecError(f"cannot read {path}: {kind}", code="CNN001")
    if info.st_size > limits.file_bytes:
        raise SpecError(
            f"{path} is {info.st_size:,} bytes; {limits.advice('file_bytes')}",
            position=Position(str(path), 1, 1),
            code="CNN001",
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SpecError(f"cannot read {path}: {exc.strerror or exc}", code="CNN001") from None
    return decode(data, str(path))


_FOREIGN_BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)


def decode(data: bytes, path: str) -> str:
    """UTF-8 (a UTF-8 byte-order mark is allowed); anything else is a located error."""
    for bom, name in _FOREIGN_BOMS:
        if data.startswith(bom):
            raise SpecError(
                f"the file is {name} (it starts with a {name} byte-order mark), not UTF-8",
                position=Position(path, 1, 1),
                hint="save it as UTF-8",
                code="CNN001",
            )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        line_start = data.rfind(b"\n", 0, exc.start) + 1
        col = len(data[line_start : exc.start].decode("utf-8", errors="replace")) + 1
        raise SpecError(
            f"byte 0x{data[exc.start]:02x} at offset {exc.start} is not UTF-8",
            position=Position(path, line, col),
            hint="save the file as UTF-8 (Latin-1 and Windows-1252 files are not)",
            code="CNN001",
        ) from None
    if "\ufeff" in text:  # a byte-order mark inside: two files joined, invisible in editors
        line, col = line_col(text, text.index("\ufeff"))
        raise SpecError(
            "an invisible byte-order mark (U+FEFF) stands here: were two files joined?",
            position=Position(path, line, col),
            hint="delete it (most editors show it only with invisible characters on)",
            code="CNN001",
        )
    return text
