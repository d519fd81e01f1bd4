"""Approximate nearest-neighbour search over chunk vectors (hnswlib).

A cache of the vectors in SQLite: it can always be rebuilt from there. Labels are
chunk ids. Inner product on L2-normalised vectors = cosine similarity. hnswlib is
not safe to query while items are added, so one lock guards every call.
"""

from __future__ import annotations

import io
import json
import logging
import os
import struct
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

import hnswlib
import numpy as np

from ..crypto import LibraryKey, read_sealed, write_sealed
from ..paths import private_file

log = logging.getLogger(__name__)

INDEX_FILE = "chunks.hnsw"
META_FILE = "chunks.json"
#: An encrypted library's index: metadata and hnswlib's state in one sealed file (crypto.sealed).
SEALED_FILE = "chunks.sealed"
# hnswlib's file header (HierarchicalNSW::saveIndex): offsetLevel0, max_elements, cur_element_count,
# size_data_per_element, label_offset, offsetData, maxlevel, enterpoint_node, maxM, maxM0, M, mult, ef_construction.
_HNSW_HEADER = struct.Struct("<6QiI3QdQ")


class VectorIndex:
    """hnswlib index with growth, deletion, filtering and atomic save."""

    # M=16 / ef_construction=100: at 20k real e5 vectors M=32 / 200 inserted 1.8k/s against 4.6k/s,
    # and slowed far more with size. At 100k e5 vectors, recall@10 against exact search is 0.924 with
    # ef_search 128, 0.960 with 256, 0.976 with 400 (1.1 ms a query): see benchmarks/search_latency.py.
    def __init__(
        self, dim: int, model_id: str, m: int = 16, ef_construction: int = 100, ef_search: int = 400, library_id: str = ""
    ):
        self.dim = dim
        self.model_id = model_id
        self.library_id = library_id  # Store.library_id of the database these vectors come from
        self.m = m
        self.ef_construction = ef_construction
        self.ef_search = ef_search
        self._lock = threading.RLock()
        self._index = self._new_index(1024)
        self._live: set[int] = set()
        self.epoch = 0  # the store's index_epoch this index reflects
        self.key: LibraryKey | None = None  # set: saved sealed (an encrypted library), never in plain

    def _new_index(self, capacity: int) -> hnswlib.Index:
        index = hnswlib.Index(space="ip", dim=self.dim)
        index.init_index(max_elements=capacity, ef_construction=self.ef_construction, M=self.m, allow_replace_deleted=True)
        index.set_ef(self.ef_search)
        return index

    def __len__(self) -> int:
        return len(self._live)

    @property
    def labels(self) -> set[int]:
        with self._lock:
            return set(self._live)

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Add (or replace) vectors under chunk-id labels."""
        if len(ids) == 0:
            return
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        with self._lock:
            # Deleted slots still count until replaced, so size by the element count.
            needed = self._index.get_current_count() + len(ids)
            capacity = self._index.get_max_elements()
            if needed > capacity:
                self._index.resize_index(max(needed, int(capacity * 1.5)))
            self._index.add_items(vectors, np.asarray(ids, dtype=np.int64), replace_deleted=True)
            self._live.update(int(i) for i in ids)

    def remove(self, ids: Iterable[int]) -> None:
        with self._lock:
            for label in ids:
                if label in self._live:
                    self._index.mark_deleted(int(label))
                    self._live.discard(label)

    def get(self, ids: Iterable[int]) -> tuple[list[int], np.ndarray]:
        """Stored vectors for those ids that are present."""
        with self._lock:
            present = [int(i) for i in ids if i in self._live]
            if not present:
                return [], np.zeros((0, self.dim), dtype=np.float32)
            return present, self._index.get_items(present, return_type="numpy")  # no Python floats

    def search(
        self, query: np.ndarray, k: int, allowed: Callable[[int], bool] | None = None, ef: int | None = None
    ) -> list[tuple[int, float]]:
        """(chunk id, cosine similarity), best first; ``allowed`` restricts the labels; ``ef``
        overrides the search breadth (recall against speed)."""
        with self._lock:
            k = min(k, len(self._live))
            if k <= 0:
                return []
            self._index.set_ef(max(ef or self.ef_search, k))
            try:
                labels, distances = self._index.knn_query(np.asarray(query, dtype=np.float32).reshape(1, -1), k=k, filter=allowed)
            except RuntimeError:
                # hnswlib raises when a filter leaves fewer than k items reachable.
                return self._exact_search(query, k, allowed)
        return [(int(label), float(1.0 - dist)) for label, dist in zip(labels[0], distances[0], strict=True)]

    def _exact_search(self, query: np.ndarray, k: int, allowed: Callable[[int], bool] | None) -> list[tuple[int, float]]:
        ids = [i for i in self._live if allowed is None or allowed(i)]
        present, vectors = self.get(ids)
        if not present:
            return []
        scores = vectors @ np.asarray(query, dtype=np.float32)
        order = np.argsort(-scores)[:k]
        return [(present[i], float(scores[i])) for i in order]

    # -- persistence ---------------------------------------------------------------------------
    def _meta(self) -> dict:
        return {
            "model_id": self.model_id, "dim": self.dim, "m": self.m, "epoch": self.epoch, "count": len(self._live),
            "library_id": self.library_id,
        }

    def save(self, folder: Path) -> None:
        """Write index and metadata atomically (temp file, then rename); sealed when ``key`` is set."""
        folder.mkdir(parents=True, exist_ok=True)
        with self._lock:
            if self.key is not None:
                write_sealed(folder / SEALED_FILE, self.key, _state_bytes(self._index, self._meta()), SEALED_FILE)
                return
            tmp_index = folder / (INDEX_FILE + ".tmp")
            self._index.save_index(str(tmp_index))
            meta = self._meta()
            tmp_meta = folder / (META_FILE + ".tmp")
            tmp_meta.write_text(json.dumps(meta), encoding="utf-8")
            for tmp in (tmp_index, tmp_meta):
                private_file(tmp)  # owner-only, like all app data (hnswlib writes with the umask)
            os.replace(tmp_index, folder / INDEX_FILE)
            os.replace(tmp_meta, folder / META_FILE)

    @classmethod
    def load(
        cls, folder: Path, dim: int | None, model_id: str, library_id: str = "", key: LibraryKey | None = None
    ) -> VectorIndex | None:
        """The saved index, or None when missing, unreadable, or made for another model or database.

        ``dim`` None takes the saved one: ``model_id`` names the model, so its dimension is known
        without loading the model (an unchanged re-index then never loads it).

        ``library_id`` (Store.library_id) tells a cache of this database from one left by a deleted or
        replaced database, whose chunk ids (the labels) meant other passages.

        ``key``: the library is encrypted; only the sealed file is read (see ``load_sealed``).
        """
        if key is not None:
            return cls._load_sealed(folder, dim, model_id, library_id, key)
        if not (folder / META_FILE).exists():
            return None
        try:
            meta = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
            dim = int(meta["dim"]) if dim is None else dim
            if meta["model_id"] != model_id or meta["dim"] != dim:
                return None
            if library_id and meta.get("library_id") != library_id:
                log.info("vector index in %s was made for another library database; it will be rebuilt", folder)
                return None
            index = cls(dim, model_id, m=meta.get("m", 16), library_id=library_id)
            problem = _header_problem(folder / INDEX_FILE, dim, index.m)
            if problem:
                raise ValueError(problem)
            loaded = hnswlib.Index(space="ip", dim=dim)
            loaded.load_index(str(folder / INDEX_FILE), allow_replace_deleted=True)
            loaded.set_ef(index.ef_search)
            index._index = loaded
            # Labels marked deleted stay in get_ids_list(); the live set is rebuilt by
            # the caller's reconcile against SQLite, which is the truth anyway.
            index._live = {int(i) for i in loaded.get_ids_list()}
            index.epoch = int(meta.get("epoch", -1))
            return index
        except (OSError, ValueError, KeyError, RuntimeError) as exc:
            log.warning("vector index in %s unusable (%s); it will be rebuilt", folder, exc)
            return None

    @classmethod
    def _load_sealed(
        cls, folder: Path, dim: int | None, model_id: str, library_id: str, key: LibraryKey
    ) -> VectorIndex | None:
        path = folder / SEALED_FILE
        if not path.exists():
            return None
        try:
            meta, state = _from_state_bytes(read_sealed(path, key, SEALED_FILE))
            dim = int(meta["dim"]) if dim is None else dim
            if meta["model_id"] != model_id or meta["dim"] != dim or meta.get("library_id") != library_id:
                return None
            index = cls(dim, model_id, m=meta.get("m", 16), library_id=library_id)
            if (state["dim"], state["M"], state["space"]) != (dim, index.m, "ip"):
                raise ValueError(f"not an index of {dim}-dimensional vectors with M={index.m}")
            loaded = hnswlib.Index.__new__(hnswlib.Index)
            loaded.__setstate__((state,))
            loaded.set_ef(index.ef_search)
            index._index, index.key = loaded, key
            index._live = {int(i) for i in loaded.get_ids_list()}
            index.epoch = int(meta.get("epoch", -1))
            return index
        except (OSError, ValueError, KeyError, TypeError, RuntimeError) as exc:
            log.warning("sealed vector index in %s unusable (%s); it will be rebuilt", folder, exc)
            return None

    def reconcile(self, truth: set[int], fetch: Callable[[list[int]], tuple[np.ndarray, np.ndarray]]) -> tuple[int, int]:
        """Make the labels equal ``truth`` (chunk ids with vectors in SQLite).

        Returns (added, removed). Ids are never reused, so this is exact.
        """
        with self._lock:
            extra = self._live - truth
            missing = sorted(truth - self._live)
            for label in extra:
                try:
                    self._index.mark_deleted(label)
                except RuntimeError:
                    pass  # already marked deleted in the saved file
            self._live -= extra
            for start in range(0, len(missing), 20000):
                ids, vectors = fetch(missing[start : start + 20000])
                self.add(ids, vectors)
        return len(missing), len(extra)


def _header_problem(path: Path, dim: int, m: int) -> str | None:
    """Why the hnswlib file cannot be for ``dim``/``m`` vectors, or None. hnswlib itself checks the
    file's length, but loads a file made for another dimension and then reads past its vectors."""
    with open(path, "rb") as handle:
        raw = handle.read(_HNSW_HEADER.size)
    if len(raw) < _HNSW_HEADER.size:
        return "file too short"
    _, max_elements, count, per_element, label_offset, offset_data, _, _, _, max_m0, file_m, _, _ = _HNSW_HEADER.unpack(raw)
    links = max_m0 * 4 + 4  # level-0 link list: count + maxM0 ids (4 bytes each)
    if (offset_data, label_offset, per_element) != (links, links + dim * 4, links + dim * 4 + 8) or file_m != m:
        return f"not an index of {dim}-dimensional vectors with M={m}"
    if not count <= max_elements <= 4 * count + 1_000_000:  # capacity grows by 1.5x at most
        return f"implausible sizes ({count} items, capacity {max_elements})"
    return None


def _state_bytes(index: hnswlib.Index, meta: dict) -> bytes:
    """hnswlib's state (its pickle support, without pickle) and our metadata as one .npz in memory:
    an encrypted library's index never touches the disk unsealed."""
    (state,) = index.__getstate__()
    arrays = {k: v for k, v in state.items() if isinstance(v, np.ndarray)}
    scalars = {k: v for k, v in state.items() if not isinstance(v, np.ndarray)}
    buffer = io.BytesIO()
    header = json.dumps({"meta": meta, "state": scalars}).encode()
    np.savez(buffer, header=np.frombuffer(header, dtype=np.uint8), **arrays)
    return buffer.getvalue()


def _from_state_bytes(data: bytes) -> tuple[dict, dict]:
    with np.load(io.BytesIO(data), allow_pickle=False) as npz:
        header = json.loads(npz["header"].tobytes().decode())
        state = dict(header["state"])
        state.update({name: npz[name] for name in npz.files if name != "header"})
    return header["meta"], state
