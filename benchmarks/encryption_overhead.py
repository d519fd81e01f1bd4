"""Encryption at rest: indexing throughput and search latency with encryption on vs off, side by
side in one run.

The same corpus (KorQuAD and Cranfield paragraphs written as Markdown files) is indexed into a
plain and an encrypted library, in the order off, on, on, off (the shared machine's speed drifts:
each side gets one early and one late run), and the means compared. Then the same queries run
against both libraries, alternating query by query, and p50/p95 latency compared. Target: on/off
within 10 % for both.

Two embedders: ``hashing`` (a stand-in that costs almost nothing, so the storage and encryption
work is all that is measured: the worst case for the overhead) and ``e5`` (the real default
model, what a user sees).

    python -m benchmarks.encryption_overhead [--embedder hashing|e5] [--docs 3000] [--queries 300]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from desktop_rag.core.config import MULTILINGUAL_E5, Settings
from desktop_rag.core.engine import RagEngine, unlock
from desktop_rag.core.models.embedder import create_embedder
from desktop_rag.core.paths import AppPaths, resolve_paths

from .common import HashingEmbedder, disk_bytes, percentile
from .datasets import cranfield, korquad

PASSPHRASE = "benchmark passphrase"


def write_corpus(dest: Path, limit: int) -> tuple[Path, list[str]]:
    """Up to ``limit`` paragraphs as files (half Korean, half English) and their questions."""
    ko, en = korquad(), cranfield()
    docs = list(ko.docs.items())[: limit // 2] + list(en.docs.items())[: limit - limit // 2]
    dest.mkdir(parents=True)
    for doc_id, text in docs:
        (dest / f"{doc_id}.md").write_text(f"# {doc_id}\n\n{text}\n", encoding="utf-8")
    queries = [q for _, q in ko.queries[:200]] + [q for _, q in en.queries]
    return dest, queries


def index_once(root: Path, corpus: Path, embedder, encrypted: bool) -> tuple[float, int]:
    """Seconds to index ``corpus`` into a new library (encrypted before indexing, as a user would)."""
    if root.exists():
        shutil.rmtree(root)
    paths = AppPaths(root)
    engine = RagEngine(paths, Settings(), embedder=embedder)
    if encrypted:
        engine.set_passphrase(PASSPHRASE)
    started = time.perf_counter()
    report = engine.index_folder(corpus)
    engine.close()  # writes the caches (sealed or not): part of the cost
    return time.perf_counter() - started, report.chunks_embedded


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--embedder", choices=("hashing", "e5"), default="hashing")
    parser.add_argument("--docs", type=int, default=3000, help="paragraph files in the corpus")
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="encryption-bench-"))
    try:
        corpus, queries = write_corpus(work / "corpus", args.docs)
        queries = queries[: args.queries]
        if args.embedder == "e5":
            embedder = create_embedder(MULTILINGUAL_E5, resolve_paths().models_dir, Settings().embed_batch_size)
            embedder.embed_passages(["warm up the model"])
        else:
            embedder = HashingEmbedder("bench:hashing:v1", 384, 256)

        libraries = {False: work / "plain", True: work / "encrypted"}
        seconds: dict[bool, list[float]] = {False: [], True: []}
        chunks = 0
        for encrypted in (False, True, True, False):
            took, chunks = index_once(libraries[encrypted], corpus, embedder, encrypted)
            seconds[encrypted].append(took)

        engines = {
            False: RagEngine(AppPaths(libraries[False]), Settings(), embedder=embedder),
            True: RagEngine(
                AppPaths(libraries[True]), Settings(), embedder=embedder, key=unlock(AppPaths(libraries[True]), PASSPHRASE)
            ),
        }
        latency: dict[bool, list[float]] = {False: [], True: []}
        for engine in engines.values():  # load the caches, warm SQLite's page cache
            engine.search(queries[0])
        for n, query in enumerate(queries):
            order = (False, True) if n % 2 == 0 else (True, False)
            for encrypted in order:
                started = time.perf_counter()
                engines[encrypted].search(query)
                latency[encrypted].append(time.perf_counter() - started)
        opened = {}
        for encrypted, engine in engines.items():
            engine.close()
            started = time.perf_counter()  # a start: unlock (scrypt), open, load the caches, first search
            key = unlock(AppPaths(libraries[encrypted]), PASSPHRASE) if encrypted else None
            again = RagEngine(AppPaths(libraries[encrypted]), Settings(), embedder=embedder, key=key)
            again.search(queries[1])
            opened[encrypted] = time.perf_counter() - started
            again.close()

        print(f"== encryption at rest: overhead, embedder {embedder.name}, {args.docs} files, {chunks} chunks")
        rates = {e: [chunks / s for s in seconds[e]] for e in (False, True)}
        mean = {e: sum(rates[e]) / len(rates[e]) for e in (False, True)}
        for e in (False, True):
            runs = ", ".join(f"{r:.0f}" for r in rates[e])
            print(f"  indexing, encryption {'on ' if e else 'off'}: {mean[e]:7.1f} chunks/s (runs: {runs})")
        ratio = mean[True] / mean[False]
        print(f"  indexing throughput on/off: {ratio:.3f} (target >= 0.90: {'met' if ratio >= 0.9 else 'NOT met'})")
        for e in (False, True):
            ms = [v * 1000 for v in latency[e]]
            print(f"  search ({len(ms)} queries), encryption {'on ' if e else 'off'}: "
                  f"p50 {percentile(ms, 50):6.2f} ms  p95 {percentile(ms, 95):6.2f} ms  mean {sum(ms) / len(ms):6.2f} ms")
        p50 = percentile(latency[True], 50) / percentile(latency[False], 50)
        p95 = percentile(latency[True], 95) / percentile(latency[False], 95)
        print(f"  search latency on/off: p50 {p50:.3f}, p95 {p95:.3f} (target <= 1.10: "
              f"{'met' if max(p50, p95) <= 1.1 else 'NOT met'})")
        print(f"  start (unlock + open + first search): off {opened[False] * 1000:.0f} ms, on {opened[True] * 1000:.0f} ms")
        print(f"  on disk: off {disk_bytes(libraries[False]) / 1e6:.1f} MB, on {disk_bytes(libraries[True]) / 1e6:.1f} MB")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
