"""Collections, folders and documents: what the library holds, what failed and why."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from ...types import Chunk
from ..keyword_text import analyze
from .schema import HEADING_SEP


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
    ocr_engine: str | None = None  # see schema v5


@dataclass(frozen=True)
class FolderRow:
    id: int
    collection: str
    path: str
    watched: bool
    last_indexed_at: float | None


class LibraryRecords:
    """Store methods for collections, folders and documents (mixed into Store, which provides
    ``db``, ``transaction()`` and ``_write_lock``)."""

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
                    db.execute(  # recognised page texts too: forget leaves no copy of them
                        """DELETE FROM ocr_pages WHERE content_hash NOT IN
                           (SELECT content_hash FROM documents WHERE content_hash IS NOT NULL)"""
                    )
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
            """SELECT id, folder_id, path, size, mtime_ns, content_hash, status, error, ocr_engine
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
        ocr_engine: str | None = None,
        ocr_pages: Sequence[int] = (),
    ) -> tuple[list[int], list[int]]:
        """Store a freshly parsed document (replacing any older version) in one transaction.

        ``new_vectors`` holds embeddings not yet in the database, keyed by chunk hash.
        ``ocr_engine``/``ocr_pages``: the engine key that read its scanned pages, and those pages.
        Returns (added chunk ids, removed chunk ids).
        """
        with self.transaction() as db:
            old = db.execute("SELECT id FROM documents WHERE folder_id = ? AND path = ?", (folder_id, path)).fetchone()
            removed = self._delete_documents(db, [old[0]]) if old else []
            cur = db.execute(
                """INSERT INTO documents(folder_id, path, size, mtime_ns, content_hash, status, error, warnings,
                                         page_count, indexed_at, ocr_engine, ocr_pages)
                   VALUES (?, ?, ?, ?, ?, 'indexed', NULL, ?, ?, ?, ?, ?)""",
                (folder_id, path, size, mtime_ns, content_hash, json.dumps(list(warnings), ensure_ascii=False) if warnings else None,
                 page_count, time.time(), ocr_engine, json.dumps(sorted(ocr_pages)) if ocr_pages else None),
            )
            doc_id = cur.lastrowid
            added: list[int] = []
            for ordinal, (chunk, text_hash) in enumerate(zip(chunks, chunk_hashes, strict=True)):
                cur = db.execute(
                    """INSERT INTO chunks(document_id, ordinal, page, char_start, char_end, heading_path, text, text_hash,
                                          part, page_unit)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                    (doc_id, ordinal, chunk.page, chunk.char_start, chunk.char_end,
                     HEADING_SEP.join(chunk.heading_path), chunk.text, text_hash, chunk.part, chunk.page_unit),
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
