"""Embedding speed of the two built-in models on the same chunks, side by side in one run.

Chunks the shared Korean and English Markdown with the default settings (256 tokens of the
multilingual model), then encodes exactly those texts with multilingual-e5-small and with
all-MiniLM-L6-v2, alternating rounds so machine noise hits both.

    python -m benchmarks.embedder_speed [--rounds 3] [--limit 400]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from desktop_rag.core.config import ENGLISH_MINILM, MULTILINGUAL_E5
from desktop_rag.core.ingest.chunking import Chunker
from desktop_rag.core.ingest.loaders import load_document
from desktop_rag.core.models.embedder import create_embedder

from .datasets import SHARED_DATA


def chunk_texts(embedder, limit: int) -> list[str]:
    chunker = Chunker(embedder.count_tokens, embedder.max_tokens, 256, 32)  # the default settings
    texts: list[str] = []
    for path in sorted((SHARED_DATA / "documents" / "markdown").rglob("*.md")):
        document = load_document(path)
        pages = [(p.number, p.text) for p in document.pages]
        texts += [c.text for c in chunker.chunk_pages(pages, document.headings)]
    return texts[:limit]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--limit", type=int, default=400, help="chunks encoded per round")
    args = parser.parse_args()
    models_dir = Path(os.environ.get("DESKTOP_RAG_MODELS_DIR", Path(tempfile.gettempdir()) / "desktop-rag-test-models"))
    e5 = create_embedder(MULTILINGUAL_E5, models_dir)
    minilm = create_embedder(ENGLISH_MINILM, models_dir)
    texts = chunk_texts(e5, args.limit)
    tokens = e5.count_tokens(texts)
    print(f"{len(texts)} chunks, mean {statistics.mean(tokens):.0f} e5 tokens (max {max(tokens)})")
    for embedder in (e5, minilm):
        embedder.embed_passages(texts[:16])  # warm-up: load weights
    speed: dict[str, list[float]] = {e5.name: [], minilm.name: []}
    for r in range(args.rounds):
        order = (e5, minilm) if r % 2 == 0 else (minilm, e5)
        for embedder in order:
            started = time.perf_counter()
            embedder.embed_passages(texts)
            speed[embedder.name].append(len(texts) / (time.perf_counter() - started))
    a, b = statistics.median(speed[e5.name]), statistics.median(speed[minilm.name])
    print(f"{e5.name}: {a:.1f} chunks/s   {minilm.name}: {b:.1f} chunks/s   ratio {a / b:.2f}")


if __name__ == "__main__":
    main()
