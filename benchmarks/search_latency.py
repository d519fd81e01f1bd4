"""Fused search latency at 100k chunks, and HNSW recall against exact search.

The library is synthesised from real text so that word statistics and vector
clusters look like a real one: chunks mix sentences of the KorQuAD paragraphs and
Cranfield abstracts, and each chunk's vector is the normalised sum of the real
embeddings of its sentences (plus noise). Queries are real questions from both sets,
embedded with the real model inside the timed search call.

    python -m benchmarks.search_latency [--chunks 100000] [--model builtin:multilingual-e5-small]
"""

from __future__ import annotations

import argparse
import random
import re
import tempfile
import time
from pathlib import Path

import numpy as np

from desktop_rag.core.config import MULTILINGUAL_E5, Settings
from desktop_rag.core.engine import RagEngine
from desktop_rag.core.index.indexer import text_hash
from desktop_rag.core.index.keyword_index import KeywordIndex
from desktop_rag.core.index.keyword_text import query_terms
from desktop_rag.core.models.embedder import create_embedder
from desktop_rag.core.models.query_encoder import embed_one
from desktop_rag.core.paths import AppPaths, resolve_paths
from desktop_rag.core.search.retriever import Retriever, SearchOptions
from desktop_rag.core.types import Chunk

from .common import percentile, summary_ms
from .datasets import cranfield, korquad

_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def build_library(root: Path, model: str, n_chunks: int, seed: int = 7) -> tuple[RagEngine, list[str]]:
    rng = random.Random(seed)
    kq, cf = korquad(), cranfield()
    sentences = [s for text in list(kq.docs.values()) + list(cf.docs.values()) for s in _SENTENCE.split(text) if len(s) > 20]
    embedder = create_embedder(model, resolve_paths().models_dir)
    started = time.perf_counter()
    base = np.vstack([embedder.embed_passages(sentences[i : i + 256]) for i in range(0, len(sentences), 256)])
    print(f"  embedded {len(sentences)} real sentences in {time.perf_counter() - started:.0f} s")
    engine = RagEngine(AppPaths(root), Settings(embedding_model=model), embedder=embedder)
    engine.store.set_meta("embedding_model", embedder.model_id)
    folder_id = engine.store.ensure_folder("bench", str(root / "synthetic"))
    started = time.perf_counter()
    per_doc = 20
    ids_all: list[int] = []
    vecs_all: list[np.ndarray] = []
    for doc in range(n_chunks // per_doc):
        chunks, hashes, vectors = [], [], {}
        for _ in range(per_doc):
            picks = rng.sample(range(len(sentences)), 4)
            text = " ".join(sentences[i] for i in picks)
            v = base[picks].sum(axis=0) + np.random.default_rng(doc).normal(0, 0.02, base.shape[1])
            h = text_hash(text)
            chunks.append(Chunk(text, 1 + len(chunks), 0, len(text)))
            hashes.append(h)
            vectors[h] = (v / np.linalg.norm(v)).astype(np.float32)
        added, _ = engine.store.replace_document(
            folder_id, str(root / f"synthetic/doc{doc:05d}.txt"), 1, 1, f"d{doc}", chunks, hashes, per_doc, [], vectors, embedder.model_id
        )
        ids_all.extend(added)
        vecs_all.extend(vectors[h] for h in hashes)
    print(f"  stored {len(ids_all)} chunks in {time.perf_counter() - started:.0f} s")
    started = time.perf_counter()
    engine.vectors.add(np.asarray(ids_all), np.vstack(vecs_all))
    engine.vectors.save(engine.paths.vectors_dir)
    print(f"  built HNSW over {len(engine.vectors)} vectors in {time.perf_counter() - started:.0f} s")
    queries = [q for _, q in kq.queries[::15]] + [q for _, q in cf.queries[::2]]
    return engine, queries


def _fts5_bm25_seconds(engine: RagEngine, query: str, limit: int = 200) -> float:
    """Time of SQLite FTS5's own ranked query for the question's terms (what keyword search used to run)."""
    terms = query_terms(query)
    if not terms:
        return 0.0
    match = " OR ".join('"' + t.replace('"', '""') + '"' for t in terms)
    started = time.perf_counter()
    engine.store.db.execute(
        "SELECT rowid, -bm25(chunks_fts) FROM chunks_fts WHERE chunks_fts MATCH ? ORDER BY bm25(chunks_fts) LIMIT ?",
        (match, limit),
    ).fetchall()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--chunks", type=int, default=100_000)
    parser.add_argument("--model", default=MULTILINGUAL_E5)
    parser.add_argument("--workdir")
    args = parser.parse_args()
    root = Path(args.workdir or tempfile.mkdtemp(prefix="latency-"))
    print(f"== fused search latency, {args.chunks} chunks, model {args.model}")
    if (root / "lib" / "library.sqlite3").exists():  # reuse a library built by an earlier run
        engine = RagEngine(AppPaths(root / "lib"), Settings(embedding_model=args.model), embedder=create_embedder(args.model, resolve_paths().models_dir))
        started = time.perf_counter()
        print(f"  reusing {root / 'lib'}: {engine.store.chunk_count()} chunks")
        _ = engine.vectors  # loads the saved HNSW or rebuilds it from SQLite
        print(f"  vector index ready ({len(engine.vectors)} vectors) in {time.perf_counter() - started:.0f} s")
        kq, cf = korquad(), cranfield()
        queries = [q for _, q in kq.queries[::15]] + [q for _, q in cf.queries[::2]]
    else:
        engine, queries = build_library(root / "lib", args.model, args.chunks)
    started = time.perf_counter()
    keywords = engine.keywords  # loads the saved keyword index or builds it from SQLite
    print(f"  keyword index ready ({len(keywords)} chunks) in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    rebuilt = KeywordIndex(engine.store.library_id)
    rebuilt.sync(engine.store)
    print(f"  keyword index rebuilt from SQLite in {time.perf_counter() - started:.1f} s: {rebuilt.postings:,} postings, "
          f"{rebuilt.array_bytes / 2**20:.0f} MiB of arrays, {rebuilt.terms:,} terms")
    del rebuilt
    engine.search("warm up")
    retriever = Retriever(engine.store, engine.embedder, engine.vectors, keywords)

    # The embedder remembers queries it has seen; time the model itself.
    embed_uncached = getattr(getattr(engine.embedder, "_remembered_query", None), "__wrapped__", engine.embedder.embed_query)
    forget = getattr(getattr(engine.embedder, "_remembered_query", None), "cache_clear", lambda: None)
    model = getattr(engine.embedder, "model", None)
    prefix = getattr(engine.embedder, "_prefixes", ("", ""))[0]
    totals, one_pass, embeds, embeds_side, embeds_fp32, keyword_times, fts5_times = [], [], [], [], [], [], []
    for query in queries:
        # Side by side, query by query, so the machine's noise hits both alike.
        forget()
        started = time.perf_counter()
        engine.search(query, k=10)
        totals.append(time.perf_counter() - started)
        forget()
        started = time.perf_counter()
        engine.search(query, k=10, feedback=False)
        one_pass.append(time.perf_counter() - started)
        t0 = time.perf_counter()
        embed_uncached(query)
        embeds.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        retriever.candidates(query, SearchOptions(k=10, mode="keyword"))
        keyword_times.append(time.perf_counter() - t0)
    # What search used before, in a loop of its own: the float32 model and FTS5's 78-ms queries
    # fill the caches with other data, which would slow the next search above.
    for query in queries:
        if model is not None:  # the plain float32 model (see query_encoder.py)
            t0 = time.perf_counter()
            embed_one(model, prefix + query)
            embeds_fp32.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        embed_uncached(query)
        embeds_side.append(time.perf_counter() - t0)
        fts5_times.append(_fts5_bm25_seconds(engine, query))
    print(f"  {len(queries)} queries (Korean and English)")
    print(f"  fused search (end to end) {summary_ms(totals)}")
    print(f"    without feedback pass   {summary_ms(one_pass)}")
    print(f"    query embedding         {summary_ms(embeds)}")
    if embeds_fp32:
        print("      side by side, our query path (direct BERT, float16 weights) vs the float32 model:")
        print(f"        ours                {summary_ms(embeds_side)}")
        print(f"        float32 model       {summary_ms(embeds_fp32)}  "
              f"(ratio at p50 {percentile(embeds_side, 50) / percentile(embeds_fp32, 50):.2f})")
    print(f"    keyword (BM25, memory)  {summary_ms(keyword_times)}")
    print(f"      FTS5 bm25(), same terms {summary_ms(fts5_times)}  "
          f"(ratio at p95 {percentile(keyword_times, 95) / percentile(fts5_times, 95):.2f})")
    p95 = percentile(totals, 95) * 1000
    print(f"  feedback pass costs {p95 - percentile(one_pass, 95) * 1000:.1f} ms at p95 "
          f"(ratio {percentile(totals, 95) / percentile(one_pass, 95):.2f})")
    print(f"  target p95 <= 50 ms: {'met' if p95 <= 50 else 'NOT met'} ({p95:.1f} ms, ratio {p95 / 50:.2f})")

    # HNSW recall@10 against exact inner-product search over the same vectors.
    ids, matrix = engine.store.vectors_for_chunks(sorted(engine.vectors.labels), engine.embedder.model_id)
    hits = 0
    ann_times = []
    for query in queries:
        q = engine.embedder.embed_query(query)
        exact = set(ids[np.argsort(-(matrix @ q))[:10]].tolist())
        t0 = time.perf_counter()
        ann = {i for i, _ in engine.vectors.search(q, 10)}
        ann_times.append(time.perf_counter() - t0)
        hits += len(exact & ann)
    recall = hits / (10 * len(queries))
    print(f"  HNSW knn (k=10)         {summary_ms(ann_times)}")
    print(f"  HNSW recall@10 vs exact: {recall:.3f} (target >= 0.95: {'met' if recall >= 0.95 else 'NOT met'})")
    engine.close()


if __name__ == "__main__":
    main()
