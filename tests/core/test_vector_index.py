"""The hnswlib cache: growth, deletion with slot reuse, filters, atomic save and reconcile."""

from __future__ import annotations

import numpy as np

from desktop_rag.core.index.vector_index import VectorIndex


def _unit(rng, n, dim=16):
    v = rng.normal(size=(n, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_search_finds_exact_vectors_and_respects_deletes_and_filters(tmp_path):
    rng = np.random.default_rng(1)
    vectors = _unit(rng, 3000)
    index = VectorIndex(16, "m")
    index.add(np.arange(3000), vectors)  # grows past the initial capacity
    assert index.search(vectors[1234], 1)[0][0] == 1234
    index.remove([1234])
    assert 1234 not in {i for i, _ in index.search(vectors[1234], 5)}
    allowed = set(range(0, 3000, 2))
    assert all(i % 2 == 0 for i, _ in index.search(vectors[7], 10, allowed.__contains__))
    only_one = index.search(vectors[7], 10, {8}.__contains__)  # fewer allowed than k: exact fallback
    assert [i for i, _ in only_one] == [8]


def test_saved_index_reloads_and_reconciles_with_the_truth(tmp_path):
    rng = np.random.default_rng(2)
    vectors = _unit(rng, 200)
    index = VectorIndex(16, "m")
    index.add(np.arange(200), vectors)
    index.remove(range(100, 120))
    index.save(tmp_path)
    assert VectorIndex.load(tmp_path, 16, "other-model") is None
    loaded = VectorIndex.load(tmp_path, 16, "m")
    truth = set(range(0, 100)) | set(range(150, 260))  # 100..149 gone, 200..259 new
    extra = _unit(rng, 60)
    added, removed = loaded.reconcile(truth, lambda ids: (np.asarray(ids), extra[np.asarray(ids) - 200]))
    assert (added, removed) == (60, 30 + 20)  # 120..149 live and 100..119 already deleted
    assert loaded.labels == truth
    assert loaded.search(extra[5], 1)[0][0] == 205


def test_a_corrupt_index_file_is_rebuilt_not_trusted(tmp_path):
    index = VectorIndex(16, "m")
    index.add(np.arange(10), _unit(np.random.default_rng(3), 10))
    index.save(tmp_path)
    (tmp_path / "chunks.hnsw").write_bytes(b"garbage")
    assert VectorIndex.load(tmp_path, 16, "m") is None
