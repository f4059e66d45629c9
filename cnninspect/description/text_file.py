"""A description file's text: a regular file within the size limit, in UTF-8 — anything else
(a directory, a UTF-16 file, an undecodable byte, a byte-order mark inside) is a located
error before any YAML is read. Torch-free."""

from __future__ import annotations

import codecs
import errno
from pathlib import Path

from cnninspect.description.limits import Limits
from cnninspect.description.limits import current as current_limits
from cnninspect.description.yamlnodes import line_col
from cnninspect.errors import Position, SpecError


def read(path: Path, limits: Limits | None = None) -> str:
    """The text of a description file: a regular file, within the size limit, in UTF-8 (an
    undecodable byte is located at its line and column)."""
    limits = limits or current_limits()
    reason = not_a_file(path)
    if reason is not None:  # checked before opening: a pipe would block the read
        raise SpecError(f"{path} {reason}", position=Position(str(path), 1, 1), code="CNN008")
    try:
        info = path.stat()
    except OSError as exc:  # a permission
        raise SpecError(f"cannot read {path}: {exc.strerror or exc}", code="CNN001") from None
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


def not_a_file(path: Path) -> str | None:
    """Why ``path`` is not a regular file a description can be read from — each case in its
    own words (a folder, a link that leads nowhere or back to itself, a pipe), not "no such
    file"; None: it is one."""
    if path.is_symlink():
        try:
            path.resolve(strict=True)
        except RuntimeError:  # Python 3.10–3.12 raise this for a loop
            return "is a symbolic link that leads back to itself"
        except OSError as exc:
            if exc.errno == errno.ELOOP:  # Python 3.13 and newer
                return "is a symbolic link that leads back to itself"
            return f"is a symbolic link to {path.readlink()}, which does not exist"
    if path.is_dir():
        return "is a folder"
    if path.exists() and not path.is_file():
        return "is not a regular file (a pipe, a socket or a device)"
    return None if path.exists() else "does not exist"


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
