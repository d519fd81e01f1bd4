"""SQLite: the source of truth for collections, folders, documents, chunks,
the full-text index and the embeddings (tagged with the model that made them).

Each thread gets its own connection (WAL lets readers run beside the one writer).
Every change to a document happens in one transaction, so a killed process
leaves either the old or the new version of a document, never half of one.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import LibraryCorrupt, LibraryError, LibraryTooNew, UserError
from ..paths import private_file
from ..types import Chunk
from .keyword_text import ANALYZER_VERSION, FTS_TOKENIZER, analyze

# Each entry upgrades the schema by one version (PRAGMA user_version).
MIGRATIONS: list[str] = [
    f"""
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE collections (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        created_at REAL NOT NULL
    );
    CREATE TABLE folders (
        id INTEGER PRIMARY KEY,
        collection_id INTEGER NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
        path TEXT NOT NULL,
        watched INTEGER NOT NULL DEFAULT 0,
        last_indexed_at REAL,
        UNIQUE (collection_id, path)
    );
    CREATE TABLE documents (
        id INTEGER PRIMARY KEY,
        folder_id INTEGER NOT NULL REFERENCES folders(id) ON DELETE CASCADE,
        path TEXT NOT NULL,
        size INTEGER NOT NULL,
        mtime_ns INTEGER NOT NULL,
        content_hash TEXT,
        status TEXT NOT NULL CHECK (status IN ('indexed', 'error')),
        error TEXT,
        warnings TEXT,
        page_count INTEGER,
        indexed_at REAL NOT NULL,
        UNIQUE (folder_id, path)
    );
    CREATE INDEX documents_hash ON documents(content_hash);
    CREATE TABLE chunks (
        id INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused: ids are vector labels
        document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        ordinal INTEGER NOT NULL,
        page INTEGER,
        char_start INTEGER NOT NULL,
        char_end INTEGER NOT NULL,
        heading_path TEXT NOT NULL DEFAULT '',
        text TEXT NOT NULL,
        text_hash TEXT NOT NULL
    );
    CREATE INDEX chunks_document ON chunks(document_id);
    CREATE INDEX chunks_hash ON chunks(text_hash);
    CREATE TABLE embeddings (
        text_hash TEXT NOT NULL,
        model_id TEXT NOT NULL,
        vector BLOB NOT NULL,
        PRIMARY KEY (text_hash, model_id)
    ) WITHOUT ROWID;
    -- Contentless: the analysed text is not stored twice, rows are deleted by
    -- re-analysing chunks.text (see ANALYZER_VERSION).
    CREATE VIRTUAL TABLE chunks_fts USING fts5(body, content='', tokenize='{FTS_TOKENIZER}');
    """,
    # v2: document frequencies of indexed terms, to leave very common terms out of big queries.
    """
    CREATE VIRTUAL TABLE chunks_fts_vocab USING fts5vocab(chunks_fts, 'row');
    """,
    # v3: saved chat conversations (see conversations.py).
    """
    CREATE TABLE conversations (
        id INTEGER PRIMARY KEY,
        title TEXT NOT NULL,
        collections TEXT NOT NULL DEFAULT '[]',  -- JSON list of collection names (empty: all)
        created REAL NOT NULL,
        updated REAL NOT NULL
    );
    CREATE TABLE messages (
        id INTEGER PRIMARY KEY,
        conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        question TEXT NOT NULL,
        answer TEXT NOT NULL,
        result TEXT NOT NULL,  -- AnswerResult.to_json()
        created REAL NOT NULL
    );
    CREATE INDEX messages_conversation ON messages(conversation_id, position);
    """,
]

# Words FTS5's unicode61 tokenizer always reads as exactly one token (see Store.stems).
_ONE_TOKEN_WORD = re.compile(r"[A-Za-z0-9]+|[\uac00-\ud7a3]+")

HEADING_SEP = " \u203a "  # "a › b": stored form of a heading path

#: Libraries up to this size get SQLite's full ``PRAGMA quick_check`` at every open: at most ~80 ms
#: warm, ~300 ms from a cold disk (measured ~1.2 ms per MB warm, ~4.6 ms cold; a 100k-chunk library
#: is ~680 MB: 0.6-0.8 s warm, 3.1 s cold, too slow for every start). Bigger ones get the cheap checks
#: (header, size, schema; ~1 ms), and any damage SQLite meets later is raised as LibraryCorrupt too
#: (see ``_Connection``); ``desktop-rag repair`` runs the full check whatever the size.
QUICK_CHECK_MAX_BYTES = 64 << 20
_SQLITE_MAGIC = b"SQLite format 3\x00"
_SQLITE_CORRUPT, _SQLITE_NOTADB = 11, 26  # primary result codes: "damaged" and "not a database"


@dataclass(frozen=True)
class DocumentRow:
    id: int
    folder_id: int
    path: str
    size: int
    mtime_ns: int
    content_hash: str | None
    status: str
    error: str | None


@dataclass(frozen=True)
class FolderRow:
    id: int
    collection: str
    path: str
    watched: bool
    last_indexed_at: float | None


class Store:
    """Access to the library database; safe to share between threads (one connection each)."""

    def __init__(self, path: Path):
        self.path = path
        # Owner-only before SQLite opens it: its -wal/-shm files take the database file's mode.
        try:
            for file in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
                private_file(file, create=file == path)
        except OSError:
            pass  # a missing or read-only folder: SQLite says why below
        self._local = threading.local()
        self._write_lock = threading.RLock()
        try:
            _check_file(path)  # header and size, before SQLite touches the file
            if not path.exists() or path.stat().st_size <= QUICK_CHECK_MAX_BYTES:
                self.check_integrity()
            with self.transaction() as db:
                self._migrate(db)
        except LibraryError:
            self.close()
            raise
        except sqlite3.DatabaseError as exc:  # locked, unreadable, read-only, disk full: not damage
            self.close()
            raise UserError(f"cannot open the library database {path}: {exc}") from exc

    # -- connections -------------------------------------------------------------------------
    @property
    def db(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, factory=_Connection)
            conn.library_path = self.path
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
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

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

    # -- collections and folders --------------------------------------------------------------
    def ensure_folder(self, collection: str, folder: str) -> int:
        """Id of ``folder`` in ``collection``, creating both as needed."""
        with self.transaction() as db:
            db.execute(
                "INSERT OR IGNORE INTO collections(name, created_at) VALUES (?, ?)", (collection, time.time())
            )
            (cid,) = db.execute("SELECT id FROM collections WHERE name = ?", (collection,)).fetchone()
            db.execute("INSERT OR IGNORE INTO folders(collection_id, path) VALUES (?, ?)", (cid, folder))
            (fid,) = db.execute(
                "SELECT id FROM folders WHERE collection_id = ? AND path = ?", (cid, folder)
            ).fetchone()
        return fid

    def folders(self) -> list[FolderRow]:
        rows = self.db.execute(
            """SELECT f.id, c.name, f.path, f.watched, f.last_indexed_at
               FROM folders f JOIN collections c ON c.id = f.collection_id ORDER BY c.name, f.path"""
        ).fetchall()
        return [FolderRow(r[0], r[1], r[2], bool(r[3]), r[4]) for r in rows]

    def set_folder_watched(self, folder_id: int, watched: bool) -> None:
        with self.transaction() as db:
            db.execute("UPDATE folders SET watched = ? WHERE id = ?", (int(watched), folder_id))

    def mark_folder_indexed(self, folder_id: int) -> None:
        with self.transaction() as db:
            db.execute("UPDATE folders SET last_indexed_at = ? WHERE id = ?", (time.time(), folder_id))

    def remove_folder(self, folder_id: int) -> list[int]:
        """Forget a folder and everything indexed from it; returns the removed chunk ids."""
        with self.transaction() as db:
            doc_ids = [r[0] for r in db.execute("SELECT id FROM documents WHERE folder_id = ?", (folder_id,))]
            removed = self._delete_documents(db, doc_ids)
            db.execute("DELETE FROM folders WHERE id = ?", (folder_id,))
            db.execute("DELETE FROM collections WHERE id NOT IN (SELECT collection_id FROM folders)")
        return removed

    def forget_collection(self, name: str) -> list[int] | None:
        """Remove a collection with its folders, documents, chunks, full-text rows and the
        embeddings no other chunk shares; returns the removed chunk ids (None: no such collection).

        Deleted text is overwritten (secure_delete); call ``scrub()`` afterwards so that no
        copy of it is left in the full-text index's segments, free pages or the WAL.
        """
        with self._write_lock:
            (previous,) = self.db.execute("PRAGMA secure_delete").fetchone()
            self.db.execute("PRAGMA secure_delete = ON")
            try:
                with self.transaction() as db:
                    row = db.execute("SELECT id FROM collections WHERE name = ?", (name,)).fetchone()
                    if row is None:
                        return None
                    doc_ids = [
                        r[0]
                        for r in db.execute(
                            "SELECT d.id FROM documents d JOIN folders f ON f.id = d.folder_id WHERE f.collection_id = ?",
                            (row[0],),
                        )
                    ]
                    removed = self._delete_documents(db, doc_ids)
                    db.execute("DELETE FROM folders WHERE collection_id = ?", (row[0],))
                    db.execute("DELETE FROM collections WHERE id = ?", (row[0],))
                    db.execute("DELETE FROM embeddings WHERE text_hash NOT IN (SELECT text_hash FROM chunks)")
                return removed
            finally:
                self.db.execute(f"PRAGMA secure_delete = {int(previous)}")

    def scrub(self) -> bool:
        """Leave no trace of deleted rows on disk: merge the full-text index (a deleted row's
        terms stay in its segments until they are merged), VACUUM, and empty the WAL.

        Returns False when another connection's open read kept the WAL from being emptied.
        """
        with self._write_lock:
            db = self.db
            db.execute("INSERT INTO chunks_fts(chunks_fts) VALUES ('optimize')")
            db.execute("VACUUM")
            busy, _, _ = db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            return busy == 0

    # -- documents ---------------------------------------------------------------------------
    def documents_in_folder(self, folder_id: int) -> dict[str, DocumentRow]:
        rows = self.db.execute(
            """SELECT id, folder_id, path, size, mtime_ns, content_hash, status, error
               FROM documents WHERE folder_id = ?""",
            (folder_id,),
        ).fetchall()
        return {r[2]: DocumentRow(*r) for r in rows}

    def replace_document(
        self,
        folder_id: int,
        path: str,
        size: int,
        mtime_ns: int,
        content_hash: str,
        chunks: Sequence[Chunk],
        chunk_hashes: Sequence[str],
        page_count: int,
        warnings: Sequence[str],
        new_vectors: dict[str, np.ndarray],
        model_id: str,
    ) -> tuple[list[int], list[int]]:
        """Store a freshly parsed document (replacing any older version) in one transaction.

        ``new_vectors`` holds embeddings not yet in the database, keyed by chunk hash.
        Returns (added chunk ids, removed chunk ids).
        """
        with self.transaction() as db:
            old = db.execute("SELECT id FROM documents WHERE folder_id = ? AND path = ?", (folder_id, path)).fetchone()
            removed = self._delete_documents(db, [old[0]]) if old else []
            cur = db.execute(
                """INSERT INTO documents(folder_id, path, size, mtime_ns, content_hash, status, error, warnings,
                                         page_count, indexed_at)
                   VALUES (?, ?, ?, ?, ?, 'indexed', NULL, ?, ?, ?)""",
                (folder_id, path, size, mtime_ns, content_hash, json.dumps(list(warnings), ensure_ascii=False) if warnings else None,
                 page_count, time.time()),
            )
            doc_id = cur.lastrowid
            added: list[int] = []
            for ordinal, (chunk, text_hash) in enumerate(zip(chunks, chunk_hashes, strict=True)):
                cur = db.execute(
                    """INSERT INTO chunks(document_id, ordinal, page, char_start, char_end, heading_path, text, text_hash)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
                    (doc_id, ordinal, chunk.page, chunk.char_start, chunk.char_end,
                     HEADING_SEP.join(chunk.heading_path), chunk.text, text_hash),
                )
                added.append(cur.lastrowid)
            db.executemany(
                "INSERT INTO chunks_fts(rowid, body) VALUES (?, ?)",
                ((cid, analyze(c.text)) for cid, c in zip(added, chunks, strict=True)),
            )
            db.executemany(
                "INSERT OR IGNORE INTO embeddings(text_hash, model_id, vector) VALUES (?, ?, ?)",
                ((h, model_id, np.asarray(v, dtype=np.float32).tobytes()) for h, v in new_vectors.items()),
            )
        return added, removed

    def record_error(self, folder_id: int, path: str, size: int, mtime_ns: int, reason: str) -> list[int]:
        """Remember that ``path`` could not be indexed (replacing any older version of it)."""
        with self.transaction() as db:
            old = db.execute("SELECT id FROM documents WHERE folder_id = ? AND path = ?", (folder_id, path)).fetchone()
            removed = self._delete_documents(db, [old[0]]) if old else []
            db.execute(
                """INSERT INTO documents(folder_id, path, size, mtime_ns, status, error, indexed_at)
                   VALUES (?, ?, ?, ?, 'error', ?, ?)""",
                (folder_id, path, size, mtime_ns, reason, time.time()),
            )
        return removed

    def update_document_stat(self, doc_id: int, path: str, size: int, mtime_ns: int) -> None:
        """Same content under a new path or timestamp: no re-parsing, no re-embedding."""
        with self.transaction() as db:
            db.execute("UPDATE documents SET path = ?, size = ?, mtime_ns = ? WHERE id = ?", (path, size, mtime_ns, doc_id))

    def delete_documents(self, doc_ids: Iterable[int]) -> list[int]:
        with self.transaction() as db:
            return self._delete_documents(db, list(doc_ids))

    def _delete_documents(self, db: sqlite3.Connection, doc_ids: list[int]) -> list[int]:
        removed: list[int] = []
        for doc_id in doc_ids:
            rows = db.execute("SELECT id, text FROM chunks WHERE document_id = ?", (doc_id,)).fetchall()
            db.executemany(
                "INSERT INTO chunks_fts(chunks_fts, rowid, body) VALUES ('delete', ?, ?)",
                ((cid, analyze(text)) for cid, text in rows),
            )
            db.execute("DELETE FROM chunks WHERE document_id = ?", (doc_id,))
            db.execute("DELETE FROM documents WHERE id = ?", (doc_id,))
            removed.extend(cid for cid, _ in rows)
        return removed

    def prune_embeddings(self) -> int:
        """Drop vectors no chunk uses any more; returns how many."""
        with self.transaction() as db:
            cur = db.execute("DELETE FROM embeddings WHERE text_hash NOT IN (SELECT text_hash FROM chunks)")
            return cur.rowcount

    # -- embeddings --------------------------------------------------------------------------
    def known_hashes(self, hashes: Iterable[str], model_id: str) -> set[str]:
        """Which of ``hashes`` already have a vector from ``model_id``."""
        unique = list(set(hashes))
        found: set[str] = set()
        for start in range(0, len(unique), 500):
            part = unique[start : start + 500]
            marks = ",".join("?" * len(part))
            found.update(
                r[0]
                for r in self.db.execute(
                    f"SELECT text_hash FROM embeddings WHERE model_id = ? AND text_hash IN ({marks})", (model_id, *part)
                )
            )
        return found

    def chunk_vectors(self, model_id: str, batch: int = 20000) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """All (chunk ids, vectors) for ``model_id``, in batches, for rebuilding the vector index."""
        cur = self.db.execute(
            """SELECT c.id, e.vector FROM chunks c JOIN embeddings e
               ON e.text_hash = c.text_hash AND e.model_id = ? ORDER BY c.id""",
            (model_id,),
        )
        while rows := cur.fetchmany(batch):
            ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
            vecs = np.vstack([np.frombuffer(r[1], dtype=np.float32) for r in rows])
            yield ids, vecs

    def vectors_for_chunks(self, chunk_ids: Sequence[int], model_id: str) -> tuple[np.ndarray, np.ndarray]:
        ids: list[int] = []
        vecs: list[np.ndarray] = []
        for start in range(0, len(chunk_ids), 500):
            part = list(chunk_ids[start : start + 500])
            marks = ",".join("?" * len(part))
            for cid, blob in self.db.execute(
                f"""SELECT c.id, e.vector FROM chunks c JOIN embeddings e
                    ON e.text_hash = c.text_hash AND e.model_id = ? WHERE c.id IN ({marks})""",
                (model_id, *part),
            ):
                ids.append(cid)
                vecs.append(np.frombuffer(blob, dtype=np.float32))
        if not ids:
            return np.zeros(0, dtype=np.int64), np.zeros((0, 0), dtype=np.float32)
        return np.asarray(ids, dtype=np.int64), np.vstack(vecs)

    def unique_chunk_texts(self) -> Iterator[tuple[str, str]]:
        """(hash, text) of every distinct chunk, for re-embedding with another model."""
        yield from self.db.execute("SELECT text_hash, MIN(text) FROM chunks GROUP BY text_hash")

    def put_embeddings(self, vectors: dict[str, np.ndarray], model_id: str) -> None:
        with self.transaction() as db:
            db.executemany(
                "INSERT OR REPLACE INTO embeddings(text_hash, model_id, vector) VALUES (?, ?, ?)",
                ((h, model_id, np.asarray(v, dtype=np.float32).tobytes()) for h, v in vectors.items()),
            )

    def drop_embeddings_except(self, model_id: str) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM embeddings WHERE model_id != ?", (model_id,))

    def chunk_count(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]

    def chunk_signature(self) -> tuple[int, int]:
        """(chunks, highest chunk id ever used): changes with every insert or delete, since ids are
        AUTOINCREMENT (never reused) and chunk text is never updated. Two O(log n) lookups."""
        # Two statements: combined with max(id), COUNT(*) loses SQLite's fast path (0.02 -> 7 ms at 100k).
        row = self.db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'chunks'").fetchone()
        return self.chunk_count(), row[0] if row else 0

    def chunk_count_after(self, chunk_id: int) -> int:
        return self.db.execute("SELECT COUNT(*) FROM chunks WHERE id > ?", (chunk_id,)).fetchone()[0]

    def chunk_ids_up_to(self, chunk_id: int) -> list[int]:
        return [r[0] for r in self.db.execute("SELECT id FROM chunks WHERE id <= ?", (chunk_id,))]

    def chunk_texts_after(self, chunk_id: int, batch: int) -> Iterator[list[tuple[int, str]]]:
        """(id, text) of the chunks with higher ids than ``chunk_id``, in id order, ``batch`` at a time."""
        cursor = self.db.execute("SELECT id, text FROM chunks WHERE id > ? ORDER BY id", (chunk_id,))
        while rows := cursor.fetchmany(batch):
            yield rows

    @contextmanager
    def read_snapshot(self) -> Iterator[sqlite3.Connection]:
        """Reads on this thread's connection see one consistent state of the database (WAL snapshot)."""
        db = self.db
        if db.in_transaction:
            yield db
            return
        db.execute("BEGIN")
        try:
            yield db
        except BaseException:
            try:
                db.execute("ROLLBACK")
            except sqlite3.Error:
                pass  # the error being raised says what went wrong
            raise
        db.execute("COMMIT")

    def chunk_ids_with_vectors(self, model_id: str) -> set[int]:
        """Ids of chunks whose text has a vector from ``model_id``: what the vector index must hold."""
        return {
            r[0]
            for r in self.db.execute(
                "SELECT c.id FROM chunks c JOIN embeddings e ON e.text_hash = c.text_hash AND e.model_id = ?", (model_id,)
            )
        }

    # -- search support ----------------------------------------------------------------------
    def term_document_counts(self, terms: Sequence[str]) -> dict[str, int]:
        """How many chunks contain each query term, after the same stemming the index applies."""
        if not terms:
            return {}
        stems = self.stems(terms)
        unique = sorted(set(stems.values()))
        counts: dict[str, int] = {}
        for start in range(0, len(unique), 500):
            part = unique[start : start + 500]
            marks = ",".join("?" * len(part))
            counts.update(self.db.execute(f"SELECT term, doc FROM chunks_fts_vocab WHERE term IN ({marks})", part))
        return {term: counts.get(stem, 0) for term, stem in stems.items()}

    def stems(self, terms: Iterable[str]) -> dict[str, str]:
        """Each term as the index stores it (FTS5 is the only porter stemmer at hand)."""
        db = self.db
        if not getattr(self._local, "stemmer_ready", False):
            db.execute(
                f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.query_terms USING fts5(t, content='', tokenize='{FTS_TOKENIZER}')"
            )
            db.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.query_stems USING fts5vocab('temp', 'query_terms', 'instance')")
            self._local.stemmer_ready = True
        terms = list(dict.fromkeys(terms))
        if not terms:
            return {}
        stems: dict[str, str] = {}
        # Words FTS5 surely reads as one token (ASCII letters and digits, Hangul syllables) share one
        # row and are matched to its tokens by position: fast. Any other word gets a row of its own,
        # so one that FTS5 splits ("a_b") or drops ("__") cannot shift the others' stems.
        plain = [t for t in terms if _ONE_TOKEN_WORD.fullmatch(t)]
        if plain:
            db.execute("INSERT INTO temp.query_terms(query_terms) VALUES ('delete-all')")  # contentless: instant
            db.execute("INSERT INTO temp.query_terms(rowid, t) VALUES (0, ?)", (" ".join(plain),))
            tokens = [term for term, _ in db.execute("SELECT term, offset FROM temp.query_stems ORDER BY offset")]
            if len(tokens) == len(plain):
                stems.update(zip(plain, tokens, strict=True))
        rest = [t for t in terms if t not in stems]
        if rest:
            db.execute("INSERT INTO temp.query_terms(query_terms) VALUES ('delete-all')")
            db.executemany("INSERT INTO temp.query_terms(rowid, t) VALUES (?, ?)", enumerate(rest))
            for stem, row in db.execute("SELECT term, doc FROM temp.query_stems ORDER BY doc, offset"):
                stems.setdefault(rest[row], stem)  # a word FTS5 splits is known by its first part
        return stems

    def terms_in_chunks(self, terms: Sequence[str], chunk_ids: Sequence[int]) -> dict[int, set[str]]:
        """Which of ``terms`` each chunk contains (stemmed and bigrammed as the index is)."""
        found: dict[int, set[str]] = {cid: set() for cid in chunk_ids}
        if not terms or not chunk_ids:
            return found
        marks = ",".join("?" * len(chunk_ids))
        sql = f"SELECT rowid FROM chunks_fts WHERE chunks_fts MATCH ? AND rowid IN ({marks})"
        for term in terms:
            try:
                rows = self.db.execute(sql, ('"' + term.replace('"', '""') + '"', *chunk_ids)).fetchall()
            except sqlite3.OperationalError:
                continue
            for (cid,) in rows:
                found[cid].add(term)
        return found

    def chunk_rows(self, chunk_ids: Sequence[int]) -> dict[int, tuple]:
        """chunk id -> (path, page, text, char_start, char_end, heading_path, collection)."""
        out: dict[int, tuple] = {}
        for start in range(0, len(chunk_ids), 500):
            part = list(chunk_ids[start : start + 500])
            marks = ",".join("?" * len(part))
            for row in self.db.execute(
                f"""SELECT c.id, d.path, c.page, c.text, c.char_start, c.char_end, c.heading_path, col.name
                    FROM chunks c JOIN documents d ON d.id = c.document_id
                    JOIN folders f ON f.id = d.folder_id JOIN collections col ON col.id = f.collection_id
                    WHERE c.id IN ({marks})""",
                part,
            ):
                out[row[0]] = row[1:]
        return out

    def chunk_ids_matching(self, collections: Sequence[str] = (), folders: Sequence[str] = ()) -> set[int]:
        sql, params = chunk_filter(collections, folders)
        return {r[0] for r in self.db.execute(sql, params)}

    # -- status ------------------------------------------------------------------------------
    def status(self) -> dict:
        """Counts per collection and folder, and every failed file with its reason."""
        db = self.db
        folders = []
        for f in self.folders():
            docs, errs, chunks = db.execute(
                """SELECT COUNT(*), SUM(status = 'error'),
                          (SELECT COUNT(*) FROM chunks c JOIN documents d2 ON d2.id = c.document_id WHERE d2.folder_id = ?)
                   FROM documents WHERE folder_id = ?""",
                (f.id, f.id),
            ).fetchone()
            failed = [
                {"path": p, "reason": e}
                for p, e in db.execute(
                    "SELECT path, error FROM documents WHERE folder_id = ? AND status = 'error' ORDER BY path", (f.id,)
                )
            ]
            warned = [
                {"path": p, "warnings": json.loads(w)}
                for p, w in db.execute(
                    "SELECT path, warnings FROM documents WHERE folder_id = ? AND warnings IS NOT NULL ORDER BY path",
                    (f.id,),
                )
            ]
            folders.append(
                {
                    "collection": f.collection,
                    "path": f.path,
                    "watched": f.watched,
                    "last_indexed_at": f.last_indexed_at,
                    "documents": docs - (errs or 0),
                    "failed": errs or 0,
                    "chunks": chunks,
                    "errors": failed,
                    "warnings": warned,
                }
            )
        collections: dict[str, dict] = {}
        for f in folders:
            c = collections.setdefault(f["collection"], {"name": f["collection"], "folders": 0, "documents": 0, "chunks": 0, "failed": 0})
            c["folders"] += 1
            for key in ("documents", "chunks", "failed"):
                c[key] += f[key]
        return {"collections": list(collections.values()), "folders": folders}


def chunk_filter(collections: Sequence[str] = (), folders: Sequence[str] = ()) -> tuple[str, list]:
    """SQL selecting chunk ids restricted to collections and/or folders (and their subfolders)."""
    sql = """SELECT c.id FROM chunks c JOIN documents d ON d.id = c.document_id
             JOIN folders f ON f.id = d.folder_id JOIN collections col ON col.id = f.collection_id WHERE 1"""
    params: list = []
    if collections:
        sql += f" AND col.name IN ({','.join('?' * len(collections))})"
        params.extend(collections)
    if folders:
        sql += " AND (" + " OR ".join("(d.path = ? OR d.path LIKE ? ESCAPE '\\')" for _ in folders) + ")"
        for folder in folders:
            prefix = folder.rstrip("/\\")
            escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            params.extend([prefix, escaped + os.sep.replace("\\", "\\\\") + "%"])
    return sql, params


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


def _split_sql(script: str) -> list[str]:
    """Statements of a migration script (no semicolons inside our statements' strings)."""
    return [s.strip() for s in script.split(";") if s.strip()]
