"""SQLite: the source of truth for collections, folders, documents, chunks,
the full-text index and the embeddings (tagged with the model that made them).

Each thread gets its own connection (WAL lets readers run beside the one writer).
Every change to a document happens in one transaction, so a killed process
leaves either the old or the new version of a document, never half of one.

The package: ``schema`` (migrations), ``connection`` (file checks, damage reporting),
``library`` (collections, folders, documents), ``vectors`` (chunks and embeddings),
``search_support`` (what the retriever asks); :class:`Store` here composes them.
"""

from __future__ import annotations

import sqlite3
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ...crypto import LibraryKey
from ...errors import LibraryError, LibraryTooNew, UserError
from ...paths import private_file
from ..keyword_text import ANALYZER_VERSION, analyze
from .connection import (
    QUICK_CHECK_MAX_BYTES,
    DatabaseError,
    Error,
    LibraryCorrupt,
    OperationalError,
    _check_file,
    connect,
    corrupt_message,
    is_damage,
)
from .library import DocumentRow, FolderRow, LibraryRecords
from .ocr_cache import OcrRecords
from .schema import HEADING_SEP, MIGRATIONS, _split_sql
from .search_support import SearchSupport, chunk_filter
from .vectors import ChunkVectors

__all__ = [
    "HEADING_SEP",
    "MIGRATIONS",
    "QUICK_CHECK_MAX_BYTES",
    "DatabaseError",
    "DocumentRow",
    "Error",
    "FolderRow",
    "OperationalError",
    "Store",
    "chunk_filter",
    "corrupt_message",
    "is_damage",
]


class Store(LibraryRecords, ChunkVectors, SearchSupport, OcrRecords):
    """Access to the library database; safe to share between threads (one connection each)."""

    def __init__(self, path: Path, key: LibraryKey | None = None):
        """Open (creating or upgrading) the database at ``path``; ``key``: it is encrypted (SQLCipher)."""
        self.path = path
        self.key = key
        # Owner-only before SQLite opens it: its -wal/-shm files take the database file's mode.
        try:
            for file in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
                private_file(file, create=file == path)
        except OSError:
            pass  # a missing or read-only folder: SQLite says why below
        self._local = threading.local()
        self._write_lock = threading.RLock()
        self._connections: list = []  # every thread's, so that close_all() can close them all
        self._connections_lock = threading.Lock()
        self._generation = 0  # bumped by reopen(): every thread then opens a new connection
        try:
            _check_file(path, encrypted=key is not None)  # header and size, before SQLite touches the file
            if not path.exists() or path.stat().st_size <= QUICK_CHECK_MAX_BYTES:
                self.check_integrity()
            with self.transaction() as db:
                self._migrate(db)
        except LibraryError:
            self.close()
            raise
        except DatabaseError as exc:  # locked, unreadable, read-only, disk full: not damage
            self.close()
            raise UserError(f"cannot open the library database {path}: {exc}") from exc

    # -- connections -------------------------------------------------------------------------
    @property
    def db(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None or getattr(self._local, "generation", 0) != self._generation:
            conn = connect(self.path, self.key)
            with self._connections_lock:
                self._connections.append(conn)
            self._local.generation = self._generation
            self._local.stemmer_ready = False  # per-connection temp tables (search_support) are not there yet
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            self._local.conn = conn
        return conn

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; rolled back on any exception."""
        with self._write_lock:
            db = self.db
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    def close(self) -> None:
        """Close this thread's connection."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
            with self._connections_lock:
                self._connections = [c for c in self._connections if c is not conn]

    def close_all(self) -> None:
        """Close every thread's connection (before the database file is replaced); ``reopen`` after."""
        with self._write_lock, self._connections_lock:
            for conn in self._connections:
                conn.close()
            self._connections = []
            self._generation += 1  # other threads' closed connections are replaced on their next use
        self._local.conn = None

    def reopen(self, key: LibraryKey | None) -> None:
        """Use the database file as it is now, with ``key`` (after encryption was turned on or off or
        the passphrase changed): whoever holds this store (chats, sessions) goes on with it."""
        with self._write_lock:
            self.close_all()
            self.key = key

    def _migrate(self, db: sqlite3.Connection) -> None:
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version > len(MIGRATIONS):
            raise LibraryTooNew(
                f"the library database {self.path} was written by a newer desktop-rag (schema {version}, this "
                f"version knows {len(MIGRATIONS)}). Update desktop-rag, or run `desktop-rag repair` to move it "
                "aside and rebuild the library from your folders",
                self.path,
            )
        for number in range(version, len(MIGRATIONS)):
            # executescript() would COMMIT mid-transaction: run the statements one by one.
            for statement in _split_sql(MIGRATIONS[number]):
                db.execute(statement)
            db.execute(f"PRAGMA user_version = {number + 1}")
        stored = self._meta(db, "analyzer_version")
        if stored is None:
            self._set_meta(db, "analyzer_version", str(ANALYZER_VERSION))
        elif int(stored) != ANALYZER_VERSION:
            self._rebuild_fts(db)
        if self._meta(db, "library_id") is None:
            # Tells caches (the vector index) made for this database from ones left by another.
            self._set_meta(db, "library_id", uuid.uuid4().hex)

    @property
    def library_id(self) -> str:
        """Random id of this database, made when it was created (or first opened by this version)."""
        return self.get_meta("library_id") or ""

    def check_integrity(self, full: bool = False) -> None:
        """Raise LibraryCorrupt unless SQLite's quick_check (``full``: integrity_check) passes."""
        pragma = "integrity_check" if full else "quick_check"
        rows = [r[0] for r in self.db.execute(f"PRAGMA {pragma}(3)").fetchall()]
        if rows != ["ok"]:
            raise LibraryCorrupt(corrupt_message(self.path, "; ".join(rows)), self.path)

    def _rebuild_fts(self, db: sqlite3.Connection) -> None:
        db.execute("INSERT INTO chunks_fts(chunks_fts) VALUES ('delete-all')")
        rows = db.execute("SELECT id, text FROM chunks").fetchall()
        db.executemany("INSERT INTO chunks_fts(rowid, body) VALUES (?, ?)", ((i, analyze(t)) for i, t in rows))
        self._set_meta(db, "analyzer_version", str(ANALYZER_VERSION))

    # -- meta --------------------------------------------------------------------------------
    @staticmethod
    def _meta(db: sqlite3.Connection, key: str) -> str | None:
        row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    @staticmethod
    def _set_meta(db: sqlite3.Connection, key: str, value: str) -> None:
        db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))

    def get_meta(self, key: str) -> str | None:
        return self._meta(self.db, key)

    def set_meta(self, key: str, value: str) -> None:
        with self.transaction() as db:
            self._set_meta(db, key, value)
