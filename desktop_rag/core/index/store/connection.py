"""Opening the library database safely: cheap file checks before SQLite touches it, and
connections that report damage SQLite meets later as LibraryCorrupt (with the way out)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ...errors import LibraryCorrupt

#: Libraries up to this size get SQLite's full ``PRAGMA quick_check`` at every open: at most ~80 ms
#: warm, ~300 ms from a cold disk (measured ~1.2 ms per MB warm, ~4.6 ms cold; a 100k-chunk library
#: is ~680 MB: 0.6-0.8 s warm, 3.1 s cold, too slow for every start). Bigger ones get the cheap checks
#: (header, size, schema; ~1 ms), and any damage SQLite meets later is raised as LibraryCorrupt too
#: (see ``_Connection``); ``desktop-rag repair`` runs the full check whatever the size.
QUICK_CHECK_MAX_BYTES = 64 << 20
_SQLITE_MAGIC = b"SQLite format 3\x00"
_SQLITE_CORRUPT, _SQLITE_NOTADB = 11, 26  # primary result codes: "damaged" and "not a database"


def corrupt_message(path: Path, detail: object) -> str:
    """What the user reads about a damaged library (one line): which file, and the way out."""
    detail = " ".join(str(detail).replace("*** in database main ***", "").split())
    detail = detail if len(detail) <= 160 else detail[:157] + "..."
    return (
        f"the library database {path} is damaged ({detail}). Run `desktop-rag repair` to move it aside and "
        "rebuild the library from your folders (your documents themselves are not touched)"
    )


def is_damage(exc: sqlite3.DatabaseError) -> bool:
    """Whether SQLite says the file is damaged or not a database (not: locked, read-only, full)."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (_SQLITE_CORRUPT, _SQLITE_NOTADB)
    return "malformed" in str(exc) or "not a database" in str(exc)


class _Connection(sqlite3.Connection):
    """A connection that reports damage SQLite meets, at open or later, as LibraryCorrupt."""

    library_path: Path

    def execute(self, sql, parameters=(), /):
        with self._damage_reported():
            return super().execute(sql, parameters)

    def executemany(self, sql, parameters, /):
        with self._damage_reported():
            return super().executemany(sql, parameters)

    @contextmanager
    def _damage_reported(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.DatabaseError as exc:
            if is_damage(exc):
                raise LibraryCorrupt(corrupt_message(self.library_path, exc), self.library_path) from exc
            raise


def _check_file(path: Path) -> None:
    """Cheap checks of a database file before opening it: the SQLite header, and no missing tail."""
    try:
        with open(path, "rb") as handle:
            header = handle.read(100)
        size = path.stat().st_size
    except OSError:
        return  # missing or unreadable: SQLite creates it or says why it cannot
    if not header:
        return  # empty: a new library
    if len(header) < 100 or not header.startswith(_SQLITE_MAGIC):
        raise LibraryCorrupt(corrupt_message(path, "not an SQLite database"), path)
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    header_size_valid = pages > 0 and header[24:28] == header[92:96]
    wal = Path(f"{path}-wal")
    # With a non-empty WAL the newest pages may legitimately live only there.
    wal_empty = not wal.exists() or wal.stat().st_size == 0
    if header_size_valid and wal_empty and size < pages * page_size:
        raise LibraryCorrupt(corrupt_message(path, f"truncated: {size} of {pages * page_size} bytes"), path)
