"""Opening the library database safely: cheap file checks before SQLite touches it, and
connections that report damage SQLite meets later as LibraryCorrupt (with the way out).

Two drivers: the standard ``sqlite3`` for a plain library, ``sqlcipher3`` (SQLite with SQLCipher's
page encryption) for an encrypted one. Their exception classes are unrelated, so the store catches
``Error`` / ``DatabaseError`` / ``OperationalError`` from here: tuples that cover both.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

from ...crypto import LibraryKey
from ...errors import LibraryCorrupt, UserError

try:  # SQLCipher 4 (zlib licence; SQLCipher itself BSD): a dependency, but a plain library needs none
    from sqlcipher3 import dbapi2 as sqlcipher
except ImportError:  # pragma: no cover - a build without it can still open plain libraries
    sqlcipher = None

_DRIVERS: tuple[ModuleType, ...] = (sqlite3,) if sqlcipher is None else (sqlite3, sqlcipher)
#: Exception classes of both drivers: ``except DatabaseError`` catches either's.
Error: tuple[type[Exception], ...] = tuple(d.Error for d in _DRIVERS)
DatabaseError: tuple[type[Exception], ...] = tuple(d.DatabaseError for d in _DRIVERS)
OperationalError: tuple[type[Exception], ...] = tuple(d.OperationalError for d in _DRIVERS)

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


def is_damage(exc: Exception) -> bool:
    """Whether SQLite says the file is damaged or not a database (not: locked, read-only, full)."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (_SQLITE_CORRUPT, _SQLITE_NOTADB)
    return "malformed" in str(exc) or "not a database" in str(exc)


class _DamageReporting:
    """Reports damage SQLite meets, at open or later, as LibraryCorrupt (mixed into both drivers'
    connection classes)."""

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
        except DatabaseError as exc:
            if is_damage(exc):
                raise LibraryCorrupt(corrupt_message(self.library_path, exc), self.library_path) from exc
            raise


class _Connection(_DamageReporting, sqlite3.Connection):
    """A plain library's connection."""


_CipherConnection = None if sqlcipher is None else type("_CipherConnection", (_DamageReporting, sqlcipher.Connection), {})


def connect(path: Path, key: LibraryKey | None):
    """A connection in autocommit mode; ``key``: an encrypted library (SQLCipher), keyed before
    anything is read, its temporary tables kept in memory (no plaintext temp files). Each thread
    still has its own; any thread may close them all (Store.close_all)."""
    if key is None:
        conn = sqlite3.connect(path, timeout=30, isolation_level=None, factory=_Connection, check_same_thread=False)
    else:
        if sqlcipher is None:
            raise UserError("this library is encrypted, but this desktop-rag was built without SQLCipher (sqlcipher3)")
        conn = sqlcipher.connect(
            str(path), timeout=30, isolation_level=None, factory=_CipherConnection, check_same_thread=False
        )
        conn.execute("PRAGMA cipher_log_level = NONE")  # SQLCipher would print a wrong key's errors on stderr
        conn.execute(f"PRAGMA key = {key.sqlcipher_key}")
        conn.execute("PRAGMA temp_store = MEMORY")  # sorts, temp tables, VACUUM: never a plaintext temp file
    conn.library_path = path
    return conn


def _check_file(path: Path, encrypted: bool = False) -> None:
    """Cheap checks of a database file before opening it: the SQLite header, and no missing tail
    (an encrypted file has no readable header: SQLCipher's page checks find damage instead)."""
    if encrypted:
        return
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
