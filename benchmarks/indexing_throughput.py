"""Indexing throughput of the whole pipeline vs plain model encoding of the same chunks.

Both run in this process, on the same machine state:
  1. the pipeline: scan, load (PDF/HTML/Markdown/...), chunk, embed, SQLite, HNSW;
  2. plain ``SentenceTransformer.encode`` of exactly the chunk texts the pipeline
     produced, with the same batch size and prefixes;
  3. the pipeline again, into a new library.
The shared machine's speed drifts by up to ~30% over minutes, so the raw encode is
bracketed by two pipeline runs and compared with their mean.
Target: pipeline chunks/s >= 0.85 x raw encode chunks/s. Also prints peak memory
and bytes on disk per chunk.

    python -m benchmarks.indexing_throughput [--model builtin:all-MiniLM-L6-v2]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from desktop_rag.core.config import ENGLISH_MINILM, Settings
from desktop_rag.core.engine import RagEngine
from desktop_rag.core.models.embedder import SentenceTransformerEmbedder, create_embedder
from desktop_rag.core.models.onnx_embedder import OnnxE5Embedder
from desktop_rag.core.paths import AppPaths, resolve_paths

from .common import disk_bytes, peak_rss_mb
from .datasets import SHARED_DATA

CORPUS = [
    "documents/pdf/text_born_digital",
    "documents/pdf/large_pagecount/pdkids.pdf",
    "documents/pdf/non_latin/korean",
    "documents/markdown",
    "documents/html/wiki_duck.html",
    "documents/docx",
]


def make_corpus(dest: Path) -> Path:
    for rel in CORPUS:
        src = SHARED_DATA / rel
        if src.is_dir():
            shutil.copytree(src, dest / rel, dirs_exist_ok=True)
        else:
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
    return dest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default=ENGLISH_MINILM)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="throughput-"))
    corpus = make_corpus(root / "corpus")
    settings = Settings(embedding_model=args.model)
    embedder = create_embedder(args.model, resolve_paths().models_dir, settings.embed_batch_size)
    embedder.embed_passages(["warm up the model"])  # load outside the timings
    rss_before = peak_rss_mb()

    engine = RagEngine(AppPaths(root / "lib"), settings, embedder=embedder)
    started = time.perf_counter()
    report = engine.index_folder(corpus)
    pipeline_s = [time.perf_counter() - started]
    rss_pipeline = peak_rss_mb()
    texts = [t for (t,) in engine.store.db.execute("SELECT text FROM chunks GROUP BY text_hash ORDER BY id")]
    chunks = engine.store.chunk_count()
    engine.close()
    disk = disk_bytes(root / "lib")

    started = time.perf_counter()
    if isinstance(embedder, OnnxE5Embedder):  # the default: its own encode, batched by tokens
        embedder.encode([embedder.PASSAGE_PREFIX + t for t in texts])
        raw_name = "OnnxE5Embedder.encode"
    else:
        assert isinstance(embedder, SentenceTransformerEmbedder)
        prefix = embedder._prefixes[1]
        embedder.model.encode(
            [prefix + t for t in texts], batch_size=settings.embed_batch_size, normalize_embeddings=True, show_progress_bar=False
        )
        raw_name = "SentenceTransformer.encode"
    raw_s = time.perf_counter() - started

    again = RagEngine(AppPaths(root / "lib2"), settings, embedder=embedder)
    started = time.perf_counter()
    second = again.index_folder(corpus)
    pipeline_s.append(time.perf_counter() - started)
    again.close()
    assert second.chunks_embedded == report.chunks_embedded

    pipeline_rates = [report.chunks_embedded / s for s in pipeline_s]
    pipeline_rate = sum(pipeline_rates) / len(pipeline_rates)
    raw_rate = len(texts) / raw_s
    print(f"== indexing throughput, model {embedder.name}")
    print(f"  corpus: {report.files_seen} files ({report.files_indexed} indexed, {len(report.errors)} errors), "
          f"{chunks} chunks, {report.chunks_embedded} distinct embedded")
    for run, (seconds, rate) in enumerate(zip(pipeline_s, pipeline_rates, strict=True), 1):
        print(f"  pipeline run {run} (load+chunk+embed+store+index): {seconds:6.1f} s  {rate:7.1f} chunks/s")
        if run == 1:
            print(f"  raw {raw_name} of the same texts:      {raw_s:6.1f} s  {raw_rate:7.1f} chunks/s")
    ratio = pipeline_rate / raw_rate
    print(f"  ratio pipeline (mean of both runs)/raw: {ratio:.2f} (target >= 0.85: {'met' if ratio >= 0.85 else 'NOT met'})")
    print(f"  peak memory: {rss_pipeline:.0f} MB (model loaded: {rss_before:.0f} MB)")
    print(f"  on disk: {disk / 1e6:.1f} MB for {chunks} chunks = {disk / max(chunks, 1):.0f} bytes/chunk")


if __name__ == "__main__":
    main()
