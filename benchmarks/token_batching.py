"""Batching by tokens vs by count, on the same chunks and the same int8 e5 graph, side by side.

The chunks are the pipeline's own (the 53-file benchmark folder, chunked with the default settings). Each way of
batching encodes all of them, in alternating rounds so that the machine's drift hits all alike:
  * 32 per batch in the order given (no sorting): every batch padded to its longest chunk;
  * 32 per batch, sorted by length first (what sentence-transformers' encode does);
  * by token budget (the default, 4,096): sorted, and as many rows as fit the budget once padded;
  * other budgets, to show where the speed levels off.
Printed: chunks/s (median of the rounds), padding (padded tokens / real tokens - 1), the largest
batch in tokens, and the memory onnxruntime keeps for activations after encoding the same chunks
with that plan (its arena grows to the largest batch's needs and stays), each in a fresh process.

    python -m benchmarks.token_batching [--rounds 3] [--limit 400] [--budgets 1024,2048,8192]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from desktop_rag.core.config import MULTILINGUAL_E5, Settings
from desktop_rag.core.ingest.chunking import Chunker
from desktop_rag.core.ingest.loaders import LoadError, load_document
from desktop_rag.core.models.embedder import create_embedder
from desktop_rag.core.models.onnx_embedder import DEFAULT_TOKEN_BUDGET, OnnxE5Embedder, token_batches
from desktop_rag.core.paths import resolve_paths

from .common import rss_mb
from .indexing_throughput import make_corpus


def by_count(lengths: list[int], size: int, sort: bool) -> list[list[int]]:
    order = sorted(range(len(lengths)), key=lengths.__getitem__) if sort else list(range(len(lengths)))
    return [order[i : i + size] for i in range(0, len(order), size)]


def activation_mb(rows: list[list[int]], batches: list[list[int]]) -> float:
    """Memory the encoder keeps after running ``batches`` of ``rows``, measured in a fresh process."""
    script = (
        "import json, sys\n"
        "from benchmarks.token_batching import _encode_all\n"
        "print(_encode_all(*json.load(sys.stdin)))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], input=json.dumps([rows, batches]), capture_output=True,
                          text=True, check=True, cwd=Path(__file__).parents[1])  # fmt: skip
    return float(done.stdout.split()[-1])


def _encode_all(rows: list[list[int]], batches: list[list[int]]) -> float:
    embedder = _embedder()
    embedder._encode_batch([rows[0][:2]])  # loaded, arena at its smallest
    before = rss_mb()
    for batch in batches:
        embedder._encode_batch([rows[i] for i in batch])
    return rss_mb() - before


def _embedder() -> OnnxE5Embedder:
    embedder = create_embedder(MULTILINGUAL_E5, resolve_paths().models_dir)
    assert isinstance(embedder, OnnxE5Embedder)
    return embedder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--limit", type=int, default=0, help="use every n-th chunk only, to keep the run short")
    parser.add_argument("--budgets", default="1024,2048,8192,16384", help="other token budgets to try")
    args = parser.parse_args()
    embedder = _embedder()
    root = Path(tempfile.mkdtemp(prefix="batching-"))
    try:  # the pipeline's chunks of the benchmark folder (default settings), without embedding them
        settings = Settings()
        chunker = Chunker(embedder.count_tokens, embedder.max_tokens, settings.chunk_tokens, settings.chunk_overlap_tokens)
        texts: list[str] = []
        for path in sorted(p for p in make_corpus(root / "corpus").rglob("*") if p.is_file()):
            try:
                document = load_document(path)
            except LoadError:
                continue
            pages = [(page.number, page.text) for page in document.pages]
            texts += [c.text for c in chunker.chunk_pages(pages, document.headings)]
        texts = list(dict.fromkeys(texts))  # each distinct passage once, as the indexer embeds them
    finally:
        shutil.rmtree(root, ignore_errors=True)
    encoded = embedder._tokenizer.encode_batch([embedder.PASSAGE_PREFIX + t for t in texts])
    rows = [e.ids[:511] + e.ids[-1:] if len(e.ids) > 512 else e.ids for e in encoded]
    if args.limit and len(rows) > args.limit:
        rows = rows[:: -(-len(rows) // args.limit)]  # an even sample across the folder's files
    lengths = [len(r) for r in rows]
    print(f"{len(rows)} chunks, {sum(lengths)} tokens (mean {statistics.mean(lengths):.0f}, max {max(lengths)})")
    plans = {
        "32 per batch, unsorted": by_count(lengths, 32, sort=False),
        "32 per batch, sorted": by_count(lengths, 32, sort=True),
        f"token budget {DEFAULT_TOKEN_BUDGET} (default)": list(token_batches(lengths, DEFAULT_TOKEN_BUDGET)),
    }
    for budget in (int(b) for b in args.budgets.split(",") if b):
        plans[f"token budget {budget}"] = list(token_batches(lengths, budget))
    speed: dict[str, list[float]] = {name: [] for name in plans}
    for r in range(args.rounds):
        for name in plans if r % 2 == 0 else reversed(list(plans)):
            started = time.perf_counter()
            for batch in plans[name]:
                embedder._encode_batch([rows[i] for i in batch])
            speed[name].append(len(rows) / (time.perf_counter() - started))
    print("| batching | chunks/s | vs 32 sorted | padding | largest batch (tokens) | activations kept |")
    print("|---|---|---|---|---|---|")
    base = statistics.median(speed["32 per batch, sorted"])
    for name, plan in plans.items():
        padded = sum(len(b) * max(lengths[i] for i in b) for b in plan)
        largest = max(len(b) * max(lengths[i] for i in b) for b in plan)
        rate = statistics.median(speed[name])
        kept = activation_mb(rows, plan)
        print(f"| {name} | {rate:.1f} | {rate / base:.2f}x | {padded / sum(lengths) - 1:+.1%} | {largest:,} | {kept:.0f} MB |")


if __name__ == "__main__":
    main()
