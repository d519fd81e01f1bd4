"""Chunks and their embeddings: what the vector and keyword indexes are built from."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager

import numpy as np

from .connection import Error


class ChunkVectors:
    """Store methods for chunk texts and embeddings (mixed into Store, which provides ``db`` and
    ``transaction()``)."""

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
            except Error:
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
