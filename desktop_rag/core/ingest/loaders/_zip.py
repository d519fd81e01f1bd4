"""Bounded reading of ZIP-based formats (DOCX, EPUB): a small file may not unpack into gigabytes."""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path

from ._base import LoadError, short_message

ZIP_BOMB_FACTOR = 10  # a member may unpack to at most 10x the file-size limit
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
            raise LoadError(
                f"{self.kind} member {name} unpacks to {info.file_size} bytes; refused (zip bomb?)"
            )
        try:
            with self._zip.open(info) as fh:
                data = fh.read(limit + 1)  # the header may lie about the size
        except (
            zipfile.BadZipFile,
            zlib.error,
            EOFError,
            OSError,
            ValueError,
            NotImplementedError,
            RuntimeError,
        ) as exc:
            # RuntimeError: encrypted member; NotImplementedError: unsupported compression
            raise LoadError(f"corrupt {self.kind}: {short_message(exc)}") from exc
        if len(data) > limit:
            raise LoadError(
                f"{self.kind} member {name} unpacks to more than {limit} bytes; refused (zip bomb?)"
            )
        self._budget -= len(data)
        return data
