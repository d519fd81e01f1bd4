"""BM25 keyword search over an in-memory inverted index of the chunks.

SQLite FTS5 keeps the library's full-text index on disk, but its ``bm25()`` ranking
calls back into the auxiliary-function API for every matching row: at 100k chunks a
typical question matches ~12k rows and the ranked query took 25 ms (p50) / 58 ms
(p95) on 2 cores, against 8 / 19 ms for the same match unranked. Scoring postings
held in numpy arrays takes about a millisecond, and lets k1/b be chosen by
measurement (FTS5 fixes them at 1.2/0.75).

Like the hnswlib index this is a cache of SQLite and can always be rebuilt from it.
It keeps itself current without hooks in the writers: chunk ids are AUTOINCREMENT
(never reused) and chunk text never changes, so ``(count, highest id ever used)``
changes with every insert or delete; ``sync`` reads that pair (two O(log n)
lookups) and, when it moved, reads only the new chunks (and the id list, when some
were deleted). Writes from another process are picked up the same way.

Terms are the analyser's (CJK bigrams, lower-cased words without stopwords; see
``keyword_text``), stemmed by FTS5's own porter tokenizer so both indexes agree.
"""

from __future__ import annotations

import io
import json
import logging
import os
import threading
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from ..crypto import LibraryKey, read_sealed, write_sealed
from ..paths import private_file
from .keyword_text import ANALYZER_VERSION, search_terms
from .postings import Postings, Segment, merge, term_sorted
from .store import Store

log = logging.getLogger(__name__)

KEYWORD_FILE = "keywords.npz"
SEALED_KEYWORD_FILE = "keywords.sealed"  # an encrypted library's (crypto.sealed)
_FORMAT = 2  # 2: stems no longer shifted by words FTS5 splits or drops
# Okapi BM25 parameters. On the shared sets (benchmarks/retrieval_quality.py) a grid of k1 0.9-2.5 and
# b 0.6-0.9 moved fused nDCG@10 by at most 0.004 (keyword-only up to +0.005 at k1 2): the usual values.
DEFAULT_K1 = 1.2
DEFAULT_B = 0.75
_MAX_TF = np.iinfo(np.uint16).max
_SYNC_BATCH = 2000  # chunks tokenised per read while catching up (their word lists: ~30 MB)


class KeywordIndex:
    """Postings (term -> chunk rows and term frequencies) with BM25 scoring; thread-safe."""

    def __init__(self, library_id: str = "", k1: float = DEFAULT_K1, b: float = DEFAULT_B):
        self.library_id = library_id
        self.key: LibraryKey | None = None  # set: saved sealed (an encrypted library), never in plain
        self.k1 = k1
        self.b = b
        self._lock = threading.RLock()
        self._reset()

    def _reset(self) -> None:
        """Empty: the next ``sync`` reads every chunk."""
        self._vocab: dict[str, int] = {}  # stem -> term number
        # Merged postings of term t: _rows/_tfs[_ptr[t]:_ptr[t + 1]] (terms added since the last
        # merge have none there yet). Newer postings wait, sorted by term, in _recent_* arrays
        # (term t's at _recent_slices[t]) until they outgrow a quarter of the merged ones.
        self._ptr = np.zeros(1, dtype=np.int64)
        self._rows = np.zeros(0, dtype=np.int32)
        self._tfs = np.zeros(0, dtype=np.uint16)
        self._clear_recent()
        # Per chunk row: its chunk id, length in terms, and whether it still exists.
        self._ids = np.zeros(0, dtype=np.int64)
        self._lengths = np.zeros(0, dtype=np.float32)
        self._alive = np.zeros(0, dtype=bool)
        self._n_rows = 0
        self._row_of: dict[int, int] = {}  # chunk id -> row, live chunks only
        self._total_length = 0.0
        self._signature = (0, 0)  # Store.chunk_signature() this index reflects
        self._stems: dict[str, str] = {}  # word -> stem, for words already seen
        self._norm = np.zeros(0, dtype=np.float32)
        self._norm_key: tuple = ()
        self.dirty = False  # changed since loaded or saved

    def __len__(self) -> int:
        return len(self._row_of)

    @property
    def terms(self) -> int:
        """Distinct terms (stems and CJK bigrams) in the vocabulary."""
        return len(self._vocab)

    @property
    def postings(self) -> int:
        """(chunk, term) pairs held, deleted chunks' included until the next merge."""
        return len(self._rows) + len(self._recent_rows)

    @property
    def array_bytes(self) -> int:
        """Memory held by the numpy arrays (the vocabulary and id map come on top)."""
        arrays = (self._ptr, self._rows, self._tfs, self._recent_terms, self._recent_rows, self._recent_tfs,
                  self._ids, self._lengths, self._alive, self._norm)
        return sum(a.nbytes for a in arrays)

    # -- keeping up with SQLite ------------------------------------------------------------------
    def sync(self, store: Store) -> tuple[int, int]:
        """Catch up with the chunks in ``store``; returns (added, removed). Cheap when nothing changed."""
        if store.chunk_signature() == self._signature:
            return 0, 0
        with self._lock, store.read_snapshot():
            signature = store.chunk_signature()
            if signature == self._signature:
                return 0, 0
            try:
                return self._catch_up(store, signature)
            except BaseException:
                self._reset()  # half caught up is not a state to search in; start over next time
                raise

    def _catch_up(self, store: Store, signature: tuple[int, int]) -> tuple[int, int]:
        count, last_id = signature
        removed: list[int] = []
        known_last = self._signature[1]
        new_count = store.chunk_count_after(known_last)
        if len(self._row_of) + new_count != count:  # some known chunks were deleted
            present = set(store.chunk_ids_up_to(known_last))
            removed = [cid for cid in self._row_of if cid not in present]
            self._remove(removed)
        batches = [self._postings_of(store, batch) for batch in store.chunk_texts_after(known_last, _SYNC_BATCH)]
        if batches:
            self._absorb(batches)
        self._signature = (count, last_id)
        if new_count or removed:
            self.dirty = True
        return new_count, len(removed)

    def _postings_of(self, store: Store, chunks: Sequence[tuple[int, str]]) -> Segment:
        """Give ``chunks`` rows; their postings as (terms, rows, term frequencies), sorted by term."""
        tokenised = [search_terms(text) for _, text in chunks]
        stems = self.stems(store, {w for words in tokenised for w in words})
        vocab = self._vocab
        term_ids: list[int] = []
        lengths = []
        for words in tokenised:
            ids = [vocab.setdefault(stems[w], len(vocab)) for w in words if w in stems]
            term_ids.extend(ids)
            lengths.append(len(ids))
        rows = np.array(
            [self._new_row(chunk_id, n) for (chunk_id, _), n in zip(chunks, lengths, strict=True)],
            dtype=np.int64,
        )
        # One key per (row, term) occurrence; counting equal keys gives term frequencies.
        keys = (np.repeat(rows, lengths) << 32) | np.asarray(term_ids, dtype=np.int64)
        keys, tfs = np.unique(keys, return_counts=True)
        return term_sorted(
            (keys & 0xFFFFFFFF).astype(np.int32),
            (keys >> 32).astype(np.int32),
            np.minimum(tfs, _MAX_TF).astype(np.uint16),
        )

    def _absorb(self, batches: list[Segment]) -> None:
        """Add new postings to the recent ones (or merge everything when they grew large)."""
        if len(self._recent_rows) + sum(len(r) for _, r, _ in batches) > max(200_000, len(self._rows) // 4):
            self._merge(batches)  # without first copying them all into one sorted array
            return
        terms = np.concatenate([self._recent_terms] + [t for t, _, _ in batches])
        rows = np.concatenate([self._recent_rows] + [r for _, r, _ in batches])
        tfs = np.concatenate([self._recent_tfs] + [f for _, _, f in batches])
        # Rows only grow, so a stable sort by term keeps each term's rows ascending.
        order = np.argsort(terms, kind="stable")
        self._recent_terms, self._recent_rows, self._recent_tfs = terms[order], rows[order], tfs[order]
        unique, starts, counts = np.unique(self._recent_terms, return_index=True, return_counts=True)
        self._recent_slices = {
            int(t): (int(s), int(s + c))
            for t, s, c in zip(unique.tolist(), starts.tolist(), counts.tolist(), strict=True)
        }

    def _new_row(self, chunk_id: int, length: int) -> int:
        row = self._n_rows
        if row == len(self._ids):  # grow by half, like a list
            size = max(1024, row + row // 2)
            self._ids = np.resize(self._ids, size)
            self._lengths = np.resize(self._lengths, size)
            self._alive = np.resize(self._alive, size)
            self._alive[row:] = False
        self._ids[row] = chunk_id
        self._lengths[row] = length
        self._alive[row] = True
        self._n_rows += 1
        self._row_of[chunk_id] = row
        self._total_length += length
        return row

    def _remove(self, chunk_ids: Iterable[int]) -> None:
        for chunk_id in chunk_ids:
            row = self._row_of.pop(chunk_id, None)
            if row is not None:
                self._alive[row] = False
                self._total_length -= float(self._lengths[row])

    def _merge(self, batches: Sequence[Segment] = ()) -> None:
        """Fold recent postings (and ``batches``, newer still) into the merged arrays, dropping
        deleted chunks' rows and unused terms."""
        # Renumber the live rows 0..n-1 (ids never come back, so dead rows can go).
        live_rows = np.flatnonzero(self._alive[: self._n_rows])
        new_row = np.full(self._n_rows, -1, dtype=np.int32)
        new_row[live_rows] = np.arange(len(live_rows), dtype=np.int32)
        recent = (self._recent_terms, self._recent_rows, self._recent_tfs)
        counts, merged = merge(Postings(self._ptr, self._rows, self._tfs), [recent, *batches], len(self._vocab), new_row)
        # Renumber the terms still in use, in order, so the vocabulary holds no text of deleted chunks.
        used = counts > 0
        words = [w for w, t in sorted(self._vocab.items(), key=lambda kv: kv[1]) if used[t]]
        self._rows, self._tfs = merged.rows, merged.tfs
        self._ptr = np.zeros(len(words) + 1, dtype=np.int64)
        np.cumsum(counts[used], out=self._ptr[1:])
        self._vocab = {w: i for i, w in enumerate(words)}
        self._clear_recent()
        self._ids = self._ids[live_rows].copy()
        self._lengths = self._lengths[live_rows].copy()
        self._alive = np.ones(len(live_rows), dtype=bool)
        self._n_rows = len(live_rows)
        self._row_of = {int(cid): row for row, cid in enumerate(self._ids.tolist())}
        self._stems = {w: stem for w, stem in self._stems.items() if stem in self._vocab}  # none of deleted chunks

    def _clear_recent(self) -> None:
        self._recent_terms = np.zeros(0, dtype=np.int32)
        self._recent_rows = np.zeros(0, dtype=np.int32)
        self._recent_tfs = np.zeros(0, dtype=np.uint16)
        self._recent_slices: dict[int, tuple[int, int]] = {}

    def stems(self, store: Store, words: Iterable[str]) -> dict[str, str]:
        """Each word as the index stores it (words FTS5 turns into no token are left out)."""
        words = set(words)
        unknown = [w for w in words if w not in self._stems]
        if unknown:
            self._stems.update(store.stems(unknown))
        return {w: self._stems[w] for w in words if w in self._stems}

    # -- searching -------------------------------------------------------------------------------
    def search(
        self, store: Store, words: Sequence[str], limit: int, allowed: set[int] | None = None
    ) -> list[tuple[int, float]]:
        """(chunk id, BM25 score), best first, for chunks holding any of ``words``."""
        with self._lock:
            n_live = len(self._row_of)
            if not words or not n_live or limit <= 0:
                return []
            stems = set(self.stems(store, words).values())
            terms = [t for t in (self._vocab.get(stem) for stem in stems) if t is not None]
            if not terms:
                return []
            # All terms' postings at once: a handful of numpy calls instead of a handful per term.
            postings = [self._postings(t) for t in terms]
            rows = np.concatenate([r for r, _ in postings])
            tfs = np.concatenate([f for _, f in postings]).astype(np.float32)
            which = np.repeat(np.arange(len(terms)), [len(r) for r, _ in postings])
            if len(self._row_of) < self._n_rows:  # some rows belong to deleted chunks
                live = self._alive[rows]
                rows, tfs, which = rows[live], tfs[live], which[live]
            if not len(rows):
                return []
            df = np.bincount(which, minlength=len(terms))
            idf = np.log1p((n_live - df + 0.5) / (df + 0.5))
            contributions = idf[which] * tfs * (self.k1 + 1.0) / (tfs + self._length_norm()[rows])
            scores = np.bincount(rows, weights=contributions, minlength=self._n_rows)
            matched = np.zeros(self._n_rows, dtype=bool)
            matched[rows] = True
            found = np.flatnonzero(matched)
            return self._best(found, scores[found], limit, allowed)

    def _length_norm(self) -> np.ndarray:
        """k1 x (1 - b + b x length / average length) per row; recomputed only after changes."""
        key = (self._n_rows, self._total_length, self.k1, self.b)
        if self._norm_key != key:
            average = max(self._total_length / max(len(self._row_of), 1), 1.0)
            self._norm = (self.k1 * (1.0 - self.b + self.b * self._lengths[: self._n_rows] / average)).astype(np.float32)
            self._norm_key = key
        return self._norm

    def _postings(self, term: int) -> tuple[np.ndarray, np.ndarray]:
        start, end = (self._ptr[term], self._ptr[term + 1]) if term + 1 < len(self._ptr) else (0, 0)
        rows, tfs = self._rows[start:end], self._tfs[start:end]
        recent = self._recent_slices.get(term)
        if recent is not None:
            rows = np.concatenate((rows, self._recent_rows[recent[0] : recent[1]]))
            tfs = np.concatenate((tfs, self._recent_tfs[recent[0] : recent[1]]))
        return rows, tfs

    def _best(
        self, rows: np.ndarray, scores: np.ndarray, limit: int, allowed: set[int] | None
    ) -> list[tuple[int, float]]:
        ids = self._ids[rows]
        if allowed is None:
            if len(rows) > limit:
                top = np.argpartition(-scores, limit - 1)[:limit]
                ids, scores = ids[top], scores[top]
            order = np.argsort(-scores, kind="stable")
            return [(int(ids[i]), float(scores[i])) for i in order]
        best: list[tuple[int, float]] = []
        for i in np.argsort(-scores, kind="stable"):
            chunk_id = int(ids[i])
            if chunk_id in allowed:
                best.append((chunk_id, float(scores[i])))
                if len(best) == limit:
                    break
        return best

    def document_counts(self, store: Store, words: Sequence[str]) -> dict[str, int]:
        """How many live chunks contain each word (after stemming)."""
        with self._lock:
            stems = self.stems(store, words)
            counts = {}
            clean = len(self._row_of) == self._n_rows  # no deleted rows: posting lengths are the counts
            for word in words:
                term = self._vocab.get(stems.get(word, ""))
                if term is None:
                    counts[word] = 0
                elif clean:
                    recent = self._recent_slices.get(term, (0, 0))
                    merged = int(self._ptr[term + 1] - self._ptr[term]) if term + 1 < len(self._ptr) else 0
                    counts[word] = merged + recent[1] - recent[0]
                else:
                    counts[word] = int(np.count_nonzero(self._alive[self._postings(term)[0]]))
            return counts

    # -- persistence -----------------------------------------------------------------------------
    def save(self, folder: Path) -> None:
        """Write the index atomically (temp file, then rename); deleted chunks leave no trace in it."""
        with self._lock:
            if len(self._recent_rows) or len(self._row_of) < self._n_rows:
                self._merge()
            meta = {
                "format": _FORMAT,
                "analyzer": ANALYZER_VERSION,
                "library_id": self.library_id,
                "signature": list(self._signature),
                "total_length": self._total_length,
            }
            vocab = "\n".join(w for w, _ in sorted(self._vocab.items(), key=lambda kv: kv[1]))
            folder.mkdir(parents=True, exist_ok=True)
            arrays = {
                "meta": np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8),
                "vocab": np.frombuffer(vocab.encode(), dtype=np.uint8),
                "ptr": self._ptr, "rows": self._rows, "tfs": self._tfs, "ids": self._ids, "lengths": self._lengths,
            }
            if self.key is not None:  # built in memory, only ciphertext is written
                buffer = io.BytesIO()
                np.savez(buffer, **arrays)
                write_sealed(folder / SEALED_KEYWORD_FILE, self.key, buffer.getbuffer(), SEALED_KEYWORD_FILE)
            else:
                tmp = folder / (KEYWORD_FILE + ".tmp")
                with open(private_file(tmp, create=True), "wb") as handle:
                    np.savez(handle, **arrays)
                os.replace(tmp, folder / KEYWORD_FILE)
            self.dirty = False

    @classmethod
    def load(
        cls,
        folder: Path,
        library_id: str,
        k1: float = DEFAULT_K1,
        b: float = DEFAULT_B,
        key: LibraryKey | None = None,
    ) -> KeywordIndex | None:
        """The saved index, or None when missing, unreadable, or made for another database or analyser.
        ``key``: the library is encrypted, only the sealed file is read."""
        path = folder / (KEYWORD_FILE if key is None else SEALED_KEYWORD_FILE)
        if not path.exists():
            return None
        try:
            raw = path.read_bytes() if key is None else read_sealed(path, key, SEALED_KEYWORD_FILE)
            with np.load(io.BytesIO(raw), allow_pickle=False) as data:
                meta = json.loads(data["meta"].tobytes().decode())
                if meta.get("format") != _FORMAT or meta.get("analyzer") != ANALYZER_VERSION:
                    return None
                if meta.get("library_id") != library_id:
                    log.info(
                        "keyword index in %s was made for another library database; it will be rebuilt",
                        folder,
                    )
                    return None
                index = cls(library_id, k1, b)
                index.key = key
                vocab = data["vocab"].tobytes().decode()
                words = vocab.split("\n") if vocab else []
                index._ptr = data["ptr"].astype(np.int64, copy=False)
                index._rows = data["rows"].astype(np.int32, copy=False)
                index._tfs = data["tfs"].astype(np.uint16, copy=False)
                index._ids = data["ids"].astype(np.int64, copy=False)
                index._lengths = data["lengths"].astype(np.float32, copy=False)
            n = len(index._ids)
            if (
                len(index._ptr) != len(words) + 1
                or index._ptr[-1] != len(index._rows)
                or len(index._tfs) != len(index._rows)
            ):
                raise ValueError("postings do not match the vocabulary")
            if len(index._lengths) != n or (
                len(index._rows) and not 0 <= int(index._rows.min()) <= int(index._rows.max()) < n
            ):
                raise ValueError("postings name rows that do not exist")
            index._vocab = {w: i for i, w in enumerate(words)}
            index._alive = np.ones(n, dtype=bool)
            index._n_rows = n
            index._row_of = {int(cid): row for row, cid in enumerate(index._ids)}
            index._total_length = float(meta["total_length"])
            index._signature = (int(meta["signature"][0]), int(meta["signature"][1]))
            return index
        except (
            OSError,
            EOFError,
            ValueError,
            KeyError,
            TypeError,
            IndexError,
            UnicodeDecodeError,
            zipfile.BadZipFile,
        ) as exc:
            log.warning("keyword index in %s unusable (%s); it will be rebuilt", folder, exc)
            return None


__all__ = ["KEYWORD_FILE", "SEALED_KEYWORD_FILE", "KeywordIndex"]
