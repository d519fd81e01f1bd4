"""Bounded reading of ZIP-based formats (DOCX, EPUB): a small file may not unpack into gigabytes.

Two layers: the archive's directory is checked before any member is read (declared total size and
compression ratio), and every read is capped, because the directory may lie (``zipfile`` stops at
the declared size, so a lie ends in a CRC error, never in more memory).
"""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path

from ._base import LoadError, short_message

# What reading a member of a damaged or hostile archive raises: RuntimeError for an encrypted member,
# NotImplementedError for an unsupported compression method, the rest for damage.
ZIP_READ_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError, RuntimeError)

ZIP_BOMB_FACTOR = 10  # a member may unpack to at most 10x the file-size limit
# Real DOCX/EPUB files compress 3-20x (XML) or not at all (images); a bomb, 1000x and more.
ZIP_MAX_RATIO = 100
ZIP_RATIO_CHECK_ABOVE = 100 * 1024 * 1024  # small archives may compress well: only big totals count
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class BoundedZip:
    """A read-only ZIP archive whose members are read with a shared uncompressed-size budget."""

    def __init__(self, path: Path, max_bytes: int, kind: str) -> None:
        self.kind = kind
        self._member_limit = ZIP_BOMB_FACTOR * max_bytes
        self._budget = ZIP_BOMB_FACTOR * max_bytes  # across all members read
        with open(path, "rb") as fh:
            magic = fh.read(8)
        if magic == _OLE_MAGIC:
            # Office stores password-protected files (and old .doc) as OLE containers, not ZIP.
            raise LoadError(f"password-protected or legacy {kind} (not a ZIP-based {kind} file)")
        try:
            self._zip = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError) as exc:
            raise LoadError(f"corrupt {kind}: {short_message(exc)}") from exc
        try:
            self._check_directory(path.stat().st_size)
        except LoadError:
            self._zip.close()
            raise

    def _check_directory(self, packed_size: int) -> None:
        """Refuse archives whose directory declares more than the budget, or an absurd ratio."""
        declared = sum(info.file_size for info in self._zip.infolist())
        if declared > self._budget or (
            declared > ZIP_RATIO_CHECK_ABOVE and declared > ZIP_MAX_RATIO * max(packed_size, 1)
        ):
            raise LoadError(f"looks like a zip bomb (declares {human_size(declared)} uncompressed)")

    def __enter__(self) -> BoundedZip:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._zip.close()

    def names(self) -> list[str]:
        return self._zip.namelist()

    def has(self, name: str) -> bool:
        try:
            self._zip.getinfo(name)
        except KeyError:
            return False
        return True

    def read(self, name: str) -> bytes:
        """Read a member, refusing one whose size (declared or actual) exceeds the limits."""
        try:
            info = self._zip.getinfo(name)
        except KeyError as exc:
            raise LoadError(f"corrupt {self.kind}: {name} is missing") from exc
        limit = min(self._member_limit, self._budget)
        if info.file_size > limit:
            raise LoadError(f"looks like a zip bomb ({name} declares {human_size(info.file_size)} uncompressed)")
        try:
            with self._zip.open(info) as fh:
                data = fh.read(limit + 1)  # the header may lie about the size
        except ZIP_READ_ERRORS as exc:
            # RuntimeError: encrypted member; NotImplementedError: unsupported compression
            raise LoadError(f"corrupt {self.kind}: {short_message(exc)}") from exc
        if len(data) > limit:
            raise LoadError(f"looks like a zip bomb ({name} unpacks to more than {human_size(limit)})")
        self._budget -= len(data)
        return data


def human_size(n: int) -> str:
    """'512 bytes', '3.2 MB', '157 MB', '1.5 GB' (decimal units, as file managers show them)."""
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("KB", 1e3)):
        if n >= 0.9995 * scale:
            value = n / scale
            return f"{value:,.0f} {unit}" if value >= 99.95 else f"{value:.1f} {unit}"
    return f"{n} bytes"
