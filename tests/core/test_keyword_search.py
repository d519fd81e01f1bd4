"""Keyword search (BM25 over the analysed chunks): Korean particles and English stems must still match."""

from __future__ import annotations

from desktop_rag.core.index.keyword_index import KeywordIndex
from desktop_rag.core.index.keyword_text import analyze, query_terms
from desktop_rag.core.index.store import Store
from desktop_rag.core.types import Chunk


def _store_with(tmp_path, texts: list[str]) -> tuple[Store, list[int]]:
    store = Store(tmp_path / "db.sqlite3")
    folder = store.ensure_folder("c", str(tmp_path))
    ids = []
    for n, text in enumerate(texts):
        added, _ = store.replace_document(
            folder, f"{tmp_path}/{n}.txt", 1, 1, f"h{n}", [Chunk(text, None, 0, len(text))], [f"t{n}"], 1, [], {}, "m"
        )
        ids.extend(added)
    return store, ids


def _search(store: Store, query: str) -> list[int]:
    index = KeywordIndex(store.library_id)
    index.sync(store)
    return [cid for cid, _ in index.search(store, query_terms(query), 10)]


def test_korean_words_match_across_particles(tmp_path):
    store, ids = _store_with(tmp_path, ["서울의 인구는 약 천만 명이다.", "부산에서는 바다를 볼 수 있다."])
    assert _search(store, "서울에서는 몇 명이 사나요?")[0] == ids[0]
    assert _search(store, "부산의 바다")[0] == ids[1]


def test_one_syllable_korean_noun_matches_with_particle(tmp_path):
    store, ids = _store_with(tmp_path, ["물이 끓는 온도는 백 도이다.", "불은 뜨겁다."])
    assert _search(store, "물은 몇 도에서 끓나?")[0] == ids[0]


def test_english_is_stemmed(tmp_path):
    store, ids = _store_with(tmp_path, ["The indexer indexed documents quickly.", "Cats sleep all day."])
    assert _search(store, "indexing document")[0] == ids[0]
    assert _search(store, "sleeping cat")[0] == ids[1]


def test_query_syntax_is_never_interpreted(tmp_path):
    store, ids = _store_with(tmp_path, ['He said "hello" AND left (quickly) NEAR the door*'])
    for query in ['"hello', "AND OR NOT", "door*", "(quickly", "NEAR(", "^left", "col:hello"]:
        _search(store, query)  # must not raise
    assert _search(store, '"hello" AND door')[0] == ids[0]


def test_analyzer_makes_hangul_bigrams_and_drops_stopwords():
    assert "서울 울에" in analyze("서울에")
    assert query_terms("What is the capital of Korea?") == ["capital", "korea"]
    assert query_terms("the of and") == []
