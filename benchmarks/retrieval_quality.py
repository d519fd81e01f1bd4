"""Retrieval quality on the shared English (Cranfield) and Korean (KorQuAD) sets.

Indexes each set through the real pipeline (one text file per paragraph/abstract),
then scores keyword-only, dense-only, plain RRF and our fusion side by side:
nDCG@10, recall@5, recall@10 and MRR, at document level.

    python -m benchmarks.retrieval_quality [--model builtin:all-MiniLM-L6-v2] [--sets korquad,cranfield]
"""

from __future__ import annotations

import argparse
import math
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from desktop_rag.core.config import ENGLISH_MINILM, MULTILINGUAL_E5, Settings
from desktop_rag.core.engine import RagEngine
from desktop_rag.core.paths import AppPaths
from desktop_rag.core.search import fusion
from desktop_rag.core.search.retriever import Retriever, SearchOptions

from .datasets import RetrievalSet, cranfield, korquad

# (query id, keyword-only scores, dense-only scores, (keyword, dense) as the hybrid search scores its
# candidates, the retriever's final ranking)
Candidates = list[
    tuple[str, dict[int, float], dict[int, float], tuple[dict[int, float], dict[int, float]], dict[int, float]]
]


def build_engine(data: RetrievalSet, model: str, workdir: Path) -> tuple[RagEngine, Path]:
    """Index the set's documents (one .txt per document) into a fresh library."""
    docs_dir = workdir / "docs"
    docs_dir.mkdir(parents=True, exist_ok=True)
    for doc_id, text in data.docs.items():
        (docs_dir / f"{doc_id}.txt").write_text(text, encoding="utf-8")
    engine = RagEngine(AppPaths(workdir / "lib"), Settings(embedding_model=model))
    started = time.perf_counter()
    report = engine.index_folder(docs_dir)
    print(f"  indexed {report.files_indexed} docs -> {report.chunks_added} chunks in {time.perf_counter() - started:.1f} s")
    return engine, docs_dir


def collect(engine: RagEngine, data: RetrievalSet, pool: int = 50) -> Candidates:
    retriever = Retriever(engine.store, engine.embedder, engine.vectors, engine.keywords)
    out = []
    for qid, text in data.queries:
        keyword, _ = retriever.candidates(text, SearchOptions(k=10, candidates=pool, mode="keyword"))
        _, dense = retriever.candidates(text, SearchOptions(k=10, candidates=pool, mode="dense"))
        both = retriever.candidates(text, SearchOptions(k=10, candidates=pool))
        ours = retriever.rank(text, SearchOptions(k=10, candidates=pool))
        out.append((qid, keyword, dense, both, ours))
    return out


def doc_ranking(scores: dict[int, float], chunk_doc: dict[int, str]) -> list[str]:
    """Documents in order of their best chunk."""
    ranked: list[str] = []
    seen = set()
    for cid in sorted(scores, key=scores.__getitem__, reverse=True):
        doc = chunk_doc.get(cid)
        if doc is not None and doc not in seen:
            seen.add(doc)
            ranked.append(doc)
    return ranked


def metrics(rankings: dict[str, list[str]], data: RetrievalSet) -> dict[str, float]:
    ndcg = r5 = r10 = mrr = 0.0
    for qid, ranked in rankings.items():
        rel = data.qrels[qid]
        dcg = sum(rel.get(d, 0) / math.log2(i + 2) for i, d in enumerate(ranked[:10]))
        ideal = sum(g / math.log2(i + 2) for i, g in enumerate(sorted(rel.values(), reverse=True)[:10]))
        ndcg += dcg / ideal if ideal else 0.0
        r5 += len(set(ranked[:5]) & rel.keys()) / len(rel)
        r10 += len(set(ranked[:10]) & rel.keys()) / len(rel)
        mrr += next((1 / (i + 1) for i, d in enumerate(ranked) if d in rel), 0.0)
    n = max(len(rankings), 1)
    return {"nDCG@10": ndcg / n, "recall@5": r5 / n, "recall@10": r10 / n, "MRR": mrr / n}


def evaluate(cands: Candidates, chunk_doc: dict[int, str], data: RetrievalSet, engine: RagEngine) -> dict[str, dict[str, float]]:
    text = dict(data.queries)
    coverage = {qid: engine.embedder.language_coverage(text[qid]) for qid, *_ in cands}
    methods: dict[str, Callable] = {
        "keyword": lambda qid, kw, dn, both, ours: kw,
        "dense": lambda qid, kw, dn, both, ours: dn,
        "rrf": lambda qid, kw, dn, both, ours: fusion.rrf(kw, dn),
        "fused, fixed w": lambda qid, kw, dn, both, ours: fusion.fuse(*both),
        "fused, 1 pass": lambda qid, kw, dn, both, ours: fusion.fuse(*both, fusion.DEFAULT_DENSE_WEIGHT * coverage[qid]),
        "fused (ours)": lambda qid, kw, dn, both, ours: ours,
    }
    return {
        name: metrics({c[0]: doc_ranking(fn(*c), chunk_doc) for c in cands}, data)
        for name, fn in methods.items()
    }


def chunk_documents(engine: RagEngine) -> dict[int, str]:
    rows = engine.store.db.execute("SELECT c.id, d.path FROM chunks c JOIN documents d ON d.id = c.document_id")
    return {cid: Path(path).stem for cid, path in rows}


def print_table(title: str, results: dict[str, dict[str, float]]) -> None:
    print(f"\n{title}")
    print(f"  {'method':14} {'nDCG@10':>8} {'recall@5':>9} {'recall@10':>10} {'MRR':>6}")
    for name, m in results.items():
        print(f"  {name:14} {m['nDCG@10']:8.3f} {m['recall@5']:9.3f} {m['recall@10']:10.3f} {m['MRR']:6.3f}")
    best_single = max(results["keyword"]["nDCG@10"], results["dense"]["nDCG@10"])
    ratio = results["fused (ours)"]["nDCG@10"] / best_single if best_single else float("nan")
    print(f"  fused / better single method (nDCG@10): {ratio:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--models", default=f"{ENGLISH_MINILM},{MULTILINGUAL_E5}")
    parser.add_argument("--sets", default="korquad,cranfield")
    parser.add_argument("--workdir", help="keep indexes here between runs (default: a temp folder)")
    args = parser.parse_args()
    sets = {"korquad": korquad, "cranfield": cranfield}
    root = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="rq-"))
    for model in args.models.split(","):
        for name in args.sets.split(","):
            data = sets[name]()
            print(f"\n== {name} with {model}: {len(data.docs)} docs, {len(data.queries)} queries")
            engine, _ = build_engine(data, model, root / f"{name}-{model.replace(':', '_').replace('/', '_')}")
            started = time.perf_counter()
            cands = collect(engine, data)
            print(f"  {len(cands)} queries in {time.perf_counter() - started:.1f} s")
            print_table(f"{name} / {engine.embedder.name}", evaluate(cands, chunk_documents(engine), data, engine))
            engine.close()


if __name__ == "__main__":
    main()
