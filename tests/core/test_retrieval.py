"""Retrieval quality with the real models on the shared Korean and English sets.

Small slices of KorQuAD and Cranfield keep this quick; the full measurement lives in
benchmarks/retrieval_quality.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.datasets import cranfield, korquad
from benchmarks.retrieval_quality import metrics
from desktop_rag.core.search import fusion


def _index_docs(make_engine, embedder, docs: dict[str, str], folder: Path):
    folder.mkdir(parents=True)
    for doc_id, text in docs.items():
        (folder / f"{doc_id}.txt").write_text(text, encoding="utf-8")
    engine = make_engine(embedder, data_dir=folder.parent / f"lib-{embedder.name.split()[0]}")
    engine.index_folder(folder)
    return engine


def _rankings(engine, queries, mode):
    out = {}
    for qid, text in queries:
        seen: list[str] = []
        for hit in engine.search(text, k=10, mode=mode):
            doc = Path(hit.path).stem
            if doc not in seen:
                seen.append(doc)
        out[qid] = seen
    return out


@pytest.fixture(scope="module")
def korean_slice(shared_data):
    data = korquad()
    docs = dict(list(data.docs.items())[:60])
    queries = [(q, t) for q, t in data.queries if next(iter(data.qrels[q])) in docs][::3][:120]
    data.docs, data.queries = docs, queries
    return data


def test_korean_questions_find_their_paragraph_with_the_multilingual_default(tmp_path, make_engine, e5, korean_slice):
    engine = _index_docs(make_engine, e5, korean_slice.docs, tmp_path / "ko")
    results = {mode: metrics(_rankings(engine, korean_slice.queries, mode), korean_slice) for mode in ("keyword", "dense", "hybrid")}
    assert results["dense"]["recall@5"] >= 0.85
    assert results["hybrid"]["recall@5"] >= 0.95
    assert results["hybrid"]["nDCG@10"] >= max(results["keyword"]["nDCG@10"], results["dense"]["nDCG@10"]) - 0.01


def test_an_english_model_on_korean_text_does_not_drag_keyword_search_down(tmp_path, make_engine, minilm, korean_slice):
    engine = _index_docs(make_engine, minilm, korean_slice.docs, tmp_path / "ko")
    keyword = metrics(_rankings(engine, korean_slice.queries, "keyword"), korean_slice)
    dense = metrics(_rankings(engine, korean_slice.queries, "dense"), korean_slice)
    hybrid = metrics(_rankings(engine, korean_slice.queries, "hybrid"), korean_slice)
    assert dense["recall@5"] < 0.5  # the English model really cannot read Korean...
    assert hybrid["recall@5"] >= keyword["recall@5"] - 0.005  # ...and fusion notices
    assert hybrid["nDCG@10"] >= keyword["nDCG@10"] - 0.005


def test_english_fusion_beats_each_retriever(tmp_path, make_engine, minilm, shared_data):
    data = cranfield()
    queries = data.queries[:60]
    wanted = {d for q, _ in queries for d in data.qrels[q]}
    docs = {d: t for d, t in data.docs.items() if d in wanted or int(d) <= 300}
    data.docs, data.queries = docs, queries
    engine = _index_docs(make_engine, minilm, docs, tmp_path / "en")
    results = {mode: metrics(_rankings(engine, queries, mode), data)["nDCG@10"] for mode in ("keyword", "dense", "hybrid")}
    assert results["hybrid"] >= max(results["keyword"], results["dense"])


def test_language_coverage_tells_which_model_reads_korean(minilm, e5):
    korean = "서울에서는 어떤 행사가 열렸는가?"
    english = "What similarity laws must be obeyed for aeroelastic models?"
    assert minilm.language_coverage(korean) < 0.2
    assert e5.language_coverage(korean) > 0.9
    assert minilm.language_coverage(english) == 1.0
    assert e5.language_coverage(english) == 1.0


def test_fuse_follows_its_weight():
    keyword = {1: 10.0, 2: 5.0, 3: 1.0}
    dense = {1: 0.1, 2: 0.2, 3: 0.9}
    assert max(fusion.fuse(keyword, dense, 0.0).items(), key=lambda kv: kv[1])[0] == 1
    assert max(fusion.fuse(keyword, dense, 1.0).items(), key=lambda kv: kv[1])[0] == 3
    assert fusion.fuse({}, dense, 0.5) == dense
    assert fusion.fuse(keyword, {}, 0.5) == keyword


def test_filters_restrict_results(tmp_path, make_engine, fake_embedder):
    one, two = tmp_path / "one", tmp_path / "two"
    for folder in (one, two):
        folder.mkdir()
        (folder / "note.txt").write_text(f"A note about comets in folder {folder.name}.", encoding="utf-8")
    engine = make_engine(fake_embedder)
    engine.index_folder(one, "alpha")
    engine.index_folder(two, "beta")
    assert {h.collection for h in engine.search("comets")} == {"alpha", "beta"}
    assert {h.collection for h in engine.search("comets", collections=["beta"])} == {"beta"}
    assert [Path(h.path).parent.name for h in engine.search("comets", folders=[str(one)])] == ["one"]
    hit = engine.search("comets", collections=["alpha"])[0]
    assert hit.keyword_score is not None and hit.dense_score is not None and hit.snippet.startswith("A note")


def test_feedback_refines_english_topic_queries(tmp_path, make_engine, minilm, shared_data):
    """Cranfield questions name topics in other words than their papers: the second pass finds more of them."""
    data = cranfield()
    queries = data.queries[:60]
    wanted = {d for q, _ in queries for d in data.qrels[q]}
    data.docs = {d: t for d, t in data.docs.items() if d in wanted or int(d) <= 300}
    data.queries = queries
    engine = _index_docs(make_engine, minilm, data.docs, tmp_path / "en")

    def ndcg(feedback: bool) -> float:
        ranked = {}
        for qid, text in queries:
            docs = [Path(h.path).stem for h in engine.search(text, k=20, feedback=feedback)]
            ranked[qid] = list(dict.fromkeys(docs))
        return metrics(ranked, data)["nDCG@10"]

    assert ndcg(True) >= ndcg(False) + 0.01


def test_hits_report_the_questions_own_cosine(tmp_path, make_engine, fake_embedder):
    """The relevance gate reads hit.dense_score: it must not be the refined query's (closer) cosine."""
    folder = tmp_path / "docs"
    folder.mkdir()
    for i, text in enumerate(["Comets have icy nuclei.", "Comet tails point away from the sun.", "Tea is brewed hot."]):
        (folder / f"{i}.txt").write_text(text, encoding="utf-8")
    engine = make_engine(fake_embedder)
    engine.index_folder(folder)
    q = fake_embedder.embed_query("comet tails")
    for hit in engine.search("comet tails", k=3):
        _, vectors = engine.vectors.get([hit.chunk_id])
        assert hit.dense_score == pytest.approx(float(vectors[0] @ q), abs=1e-5)
