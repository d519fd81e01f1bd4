"""The in-memory BM25 index: ranking, staying in step with SQLite, and its file on disk."""

from __future__ import annotations

import pytest

from desktop_rag.core.index.keyword_index import KEYWORD_FILE, KeywordIndex
from desktop_rag.core.index.keyword_text import query_terms
from desktop_rag.core.index.store import Store
from desktop_rag.core.types import Chunk


def _add(store: Store, folder: int, name: str, *texts: str) -> list[int]:
    chunks = [Chunk(t, None, 0, len(t)) for t in texts]
    added, _ = store.replace_document(
        folder, f"/docs/{name}", 1, 1, name, chunks, [f"{name}{i}" for i in range(len(texts))], 1, [], {}, "m"
    )
    return added


def _ids(index: KeywordIndex, store: Store, query: str, k: int = 10, allowed=None) -> list[int]:
    return [cid for cid, _ in index.search(store, query_terms(query), k, allowed)]


def _library(tmp_path) -> tuple[Store, int]:
    store = Store(tmp_path / "db.sqlite3")
    return store, store.ensure_folder("c", "/docs")


def test_rare_terms_and_short_passages_rank_first(tmp_path):
    store, folder = _library(tmp_path)
    filler = [f"the engine report number {n} mentions engine maintenance" for n in range(20)]
    ids = _add(store, folder, "a.txt", "turbine blade cracking in the engine", *filler)
    short, long = _add(
        store, folder, "b.txt", "blade fatigue", "blade fatigue " + "unrelated words here " * 30
    )
    index = KeywordIndex(store.library_id)
    index.sync(store)
    # "turbine" is in one passage, "engine" in 21: the rare word decides.
    assert _ids(index, store, "turbine engine")[0] == ids[0]
    # Same term frequency, shorter passage first (BM25 length normalisation).
    assert _ids(index, store, "fatigue")[:2] == [short, long]
    scores = dict(index.search(store, query_terms("blade fatigue"), 10))
    assert scores[short] > scores[long] > 0


def test_allowed_restricts_results_and_limit_holds(tmp_path):
    store, folder = _library(tmp_path)
    first = _add(store, folder, "a.txt", *[f"solar panel efficiency note {n}" for n in range(30)])
    index = KeywordIndex(store.library_id)
    index.sync(store)
    assert len(_ids(index, store, "solar panel", k=5)) == 5
    allowed = set(first[10:13])
    assert set(_ids(index, store, "solar panel", allowed=allowed)) == allowed
    assert _ids(index, store, "nothing matches this") == []


def test_sync_follows_additions_and_deletions_from_another_connection(tmp_path):
    store, folder = _library(tmp_path)
    _add(store, folder, "a.txt", "the lighthouse keeper's diary")
    index = KeywordIndex(store.library_id)
    assert index.sync(store) == (1, 0)
    assert index.sync(store) == (0, 0)  # nothing changed: nothing read

    writer = Store(tmp_path / "db.sqlite3")  # another process's view of the same library
    new = _add(writer, folder, "b.txt", "a storm reached the lighthouse", "gulls nest on cliffs")
    assert index.sync(store) == (2, 0)
    assert new[0] in _ids(index, store, "lighthouse storm")
    # Replacing a document deletes its chunks and adds new ones in one transaction.
    replaced = _add(writer, folder, "b.txt", "calm sea today")
    assert index.sync(store) == (1, 2)
    assert _ids(index, store, "storm gulls") == []
    assert _ids(index, store, "calm sea") == replaced
    assert len(index) == store.chunk_count() == 2
    writer.close()


def test_saved_index_loads_identically_and_catches_up(tmp_path):
    store, folder = _library(tmp_path)
    _add(
        store,
        folder,
        "a.txt",
        *[f"서울의 인구와 교통 {n}번 보고서" for n in range(10)],
        "부산에서는 바다를 볼 수 있다",
    )
    gone = _add(store, folder, "b.txt", "obsolete procedure zeppelinmarker")
    index = KeywordIndex(store.library_id)
    index.sync(store)
    queries = ["서울에서는 교통이", "부산 바다", "zeppelinmarker procedure"]
    before = [index.search(store, query_terms(q), 5) for q in queries]
    index.save(tmp_path)
    assert [index.search(store, query_terms(q), 5) for q in queries] == before  # saving merges postings
    loaded = KeywordIndex.load(tmp_path, store.library_id)
    assert loaded is not None and not loaded.dirty
    assert [loaded.search(store, query_terms(q), 5) for q in queries] == before

    # Changes made after the save are picked up by the loaded copy.
    store.delete_documents([store.documents_in_folder(folder)["/docs/b.txt"].id])
    added = _add(store, folder, "c.txt", "new harbour survey")
    assert loaded.sync(store) == (1, 1)
    assert _ids(loaded, store, "zeppelinmarker") == []
    assert _ids(loaded, store, "harbour") == added
    assert gone[0] not in {cid for cid, _ in loaded.search(store, query_terms("procedure"), 10)}
    # Rewritten, the file keeps no word of the deleted passage.
    loaded.save(tmp_path)
    assert b"zeppelinmarker" not in (tmp_path / KEYWORD_FILE).read_bytes()


def test_damaged_or_foreign_file_is_not_used(tmp_path):
    store, folder = _library(tmp_path)
    _add(store, folder, "a.txt", "alpha beta")
    index = KeywordIndex(store.library_id)
    index.sync(store)
    index.save(tmp_path)
    assert KeywordIndex.load(tmp_path, "another-library") is None
    data = (tmp_path / KEYWORD_FILE).read_bytes()
    (tmp_path / KEYWORD_FILE).write_bytes(data[: len(data) // 2])
    assert KeywordIndex.load(tmp_path, store.library_id) is None
    (tmp_path / KEYWORD_FILE).write_bytes(b"not an index")
    assert KeywordIndex.load(tmp_path, store.library_id) is None
    assert KeywordIndex.load(tmp_path / "missing", store.library_id) is None


def test_document_counts_use_stems(tmp_path):
    store, folder = _library(tmp_path)
    _add(store, folder, "a.txt", "indexing documents", "an indexed document", "cats")
    index = KeywordIndex(store.library_id)
    index.sync(store)
    assert index.document_counts(store, ["indexes", "document", "dogs"]) == {
        "indexes": 2,
        "document": 2,
        "dogs": 0,
    }


def test_a_sync_that_fails_midway_leaves_no_half_state(tmp_path, monkeypatch):
    store, folder = _library(tmp_path)
    first = _add(store, folder, "a.txt", "granite quarry", "basalt columns")
    index = KeywordIndex(store.library_id)
    index.sync(store)
    second = _add(store, folder, "b.txt", *[f"granite sample {n}" for n in range(12)])

    def failing(chunk_id, batch):
        yield [(i, "granite") for i in second[:5]]
        raise OSError("disk went away")

    monkeypatch.setattr(store, "chunk_texts_after", failing)
    with pytest.raises(OSError):
        index.sync(store)
    monkeypatch.undo()
    assert index.sync(store) == (14, 0)  # started over: every chunk read once, none twice
    assert sorted(_ids(index, store, "granite", k=50)) == sorted([first[0], *second])


def test_stems_stay_aligned_when_fts5_splits_or_drops_a_word(tmp_path):
    store, _ = _library(tmp_path)
    # "__" gives FTS5 no token and "foo_bar" two: in one shared row they shifted every later stem.
    stems = store.stems(["__", "running", "foo_bar", "cats", "Café", "서울의"])
    assert stems == {"running": "run", "foo_bar": "foo", "cats": "cat", "Café": "cafe", "서울의": "서울의"}


def test_odd_words_do_not_garble_the_index_after_a_save(tmp_path):
    store, folder = _library(tmp_path)
    texts = [
        "def __init__(self): snake_case_names and x² or e\u0301t\u00e9 in code",
        "The HTTPS handshake encrypts HTTP traffic with TLS.",
        "동해 물과 백두산이 마르고 닳도록 하느님이 보우하사",
        "HTTP와 HTTPS의 차이는 암호화 여부이다.",
    ]
    ids = _add(store, folder, "a.md", *texts)
    index = KeywordIndex(store.library_id)
    index.sync(store)
    queries = ["HTTP와 HTTPS의 차이", "snake case init", "동해 물과 백두산이"]
    before = [index.search(store, query_terms(q), 3) for q in queries]
    assert before[0][0][0] == ids[3] and before[2][0][0] == ids[2]
    index.save(tmp_path)
    loaded = KeywordIndex.load(tmp_path, store.library_id)
    assert [loaded.search(store, query_terms(q), 3) for q in queries] == before
