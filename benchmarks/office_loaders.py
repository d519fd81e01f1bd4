"""Loader throughput per office/e-mail format on the shared corpus, next to the embedder's speed.

For every format folder of ``../shared/data/documents/office/`` (HWP, HWPX, PPTX, XLSX, XLS, EML,
MBOX, MSG): each file is loaded in this process (``load_document``, no worker, so the loader itself
is measured) repeatedly for at least ``--seconds``; the figures are MB/s of file bytes, pages per
second (slides for decks, sections for HWP/HWPX, messages and attachments' pages for e-mail), rows
per second for spreadsheets, and passages per second after chunking with the default embedder's
tokenizer (chunking not timed). Then the default embedder encodes a sample of those passages, and
each format's passages/s is printed as a multiple of the embedder's: a loader is the bottleneck
only where that ratio is below 1.

    python -m benchmarks.office_loaders [--seconds 1.0] [--model multilingual-e5-small]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from desktop_rag.core.config import Settings
from desktop_rag.core.ingest.chunking import Chunker
from desktop_rag.core.ingest.loaders import LoadError, load_document
from desktop_rag.core.models.embedder import create_embedder
from desktop_rag.core.paths import resolve_paths

from .datasets import SHARED_DATA

OFFICE = SHARED_DATA / "documents" / "office"
FORMATS = ("hwp", "hwpx", "pptx", "xlsx", "xls", "eml", "mbox", "msg")
SHEETS = {"xlsx", "xls"}
EMBED_SAMPLE = 96


def _rows(text: str) -> int:
    """Spreadsheet rows in a page: its non-empty lines that are not headings."""
    return sum(1 for line in text.splitlines() if line.strip() and not line.startswith("#"))


def measure_format(folder: Path, chunker: Chunker, seconds: float) -> dict:
    """Load every file of ``folder`` for at least ``seconds``; the totals of one pass and the time."""
    files = sorted(p for p in folder.iterdir() if p.is_file())
    loaded, failed, passages = [], [], []
    for path in files:  # one untimed pass: what each file yields
        try:
            doc = load_document(path)
        except LoadError as exc:
            failed.append((path.name, str(exc)))
            continue
        loaded.append(path)
        pages = [(p.number, p.text, p.part, p.unit or doc.page_unit) for p in doc.pages]
        passages.extend(c.text for c in chunker.chunk_pages(pages, doc.headings))
    size = sum(p.stat().st_size for p in loaded)
    pages = rows = 0
    passes, start = 0, time.perf_counter()
    while True:
        for path in loaded:
            doc = load_document(path)
            if passes == 0:
                pages += len(doc.pages)
                rows += sum(_rows(p.text) for p in doc.pages) if folder.name in SHEETS else 0
        passes += 1
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            break
    per_pass = elapsed / passes
    return {
        "format": folder.name,
        "files": len(loaded),
        "failed": failed,
        "mb": size / 1e6,
        "pages": pages,
        "rows": rows,
        "passages": len(passages),
        "seconds_per_pass": per_pass,
        "sample": passages,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.0, help="time spent per format (default 1 s)")
    parser.add_argument("--model", default=None, help="embedder (default: the app's default)")
    args = parser.parse_args(argv)
    if not OFFICE.is_dir():
        print(f"no office corpus at {OFFICE}")
        return 1
    settings = Settings()
    embedder = create_embedder(args.model or settings.embedding_model, resolve_paths().models_dir, settings.embed_batch_size)
    chunker = Chunker(embedder.count_tokens, embedder.max_tokens, settings.chunk_tokens, settings.chunk_overlap_tokens)
    results = [measure_format(OFFICE / name, chunker, args.seconds) for name in FORMATS if (OFFICE / name).is_dir()]

    sample = [t for r in results for t in r["sample"]][:EMBED_SAMPLE]
    embedder.embed_passages(sample[:8])  # warm-up: model load and first-call costs
    start = time.perf_counter()
    embedder.embed_passages(sample)
    embed_rate = len(sample) / (time.perf_counter() - start)

    print(f"embedder {embedder.name}: {embed_rate:.1f} passages/s on {len(sample)} passages of this corpus\n")
    print(f"{'format':<6} {'files':>5} {'MB':>6} {'MB/s':>7} {'pages/s':>9} {'rows/s':>9} {'passages/s':>11} {'x embed':>8}")
    for r in results:
        t = r["seconds_per_pass"] or float("inf")
        rate = r["passages"] / t
        rows = f"{r['rows'] / t:9.0f}" if r["rows"] else f"{'-':>9}"
        print(
            f"{r['format']:<6} {r['files']:>5} {r['mb']:6.2f} {r['mb'] / t:7.2f} {r['pages'] / t:9.0f} {rows} "
            f"{rate:11.0f} {rate / embed_rate:8.1f}"
        )
    failed = [(r["format"], name, reason) for r in results for name, reason in r["failed"]]
    if failed:
        print("\nfiles that fail (expected: password-protected, damaged):")
        for fmt, name, reason in failed:
            print(f"  {fmt}/{name}: {reason}")
    slowest = min((r for r in results if r["files"]), key=lambda r: r["passages"] / r["seconds_per_pass"])
    ratio = slowest["passages"] / slowest["seconds_per_pass"] / embed_rate
    print(f"\nslowest loader: {slowest['format']} at {ratio:.1f}x the embedder's passages/s (target: > 1)")
    return 0 if ratio > 1 else 1


if __name__ == "__main__":
    raise SystemExit(main())
