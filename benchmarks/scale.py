"""Indexing a 10,000-file folder: time, files/s, peak memory, library size, then search latency.

The folder looks like a real one: Markdown and text notes (English and Korean) in nested folders,
built from the sentences of the Cranfield abstracts and KorQuAD paragraphs, a few HTML pages and
a handful of PDFs (text, scanned, Korean, a 352-page book) copied from ../shared/data. It is
indexed through the real pipeline (scan, reader process, chunking, embedding, SQLite, HNSW), by
default with the hashing stand-in embedder (what is measured is the pipeline, not the model;
``--model builtin:multilingual-e5-small`` for the real one). Then 200 real questions (Korean
and English) are searched; the project's latency target is p95 <= 50 ms at 100k chunks.

``--in-process`` reads the files in the indexing process instead of the reader process (no time
limit): run both to see what the isolation costs. ``--overhead`` measures just that, per file and
per format, on the shared documents: reading in this process vs. a round trip to the reader
(alternating, best of 5, so a busy machine disturbs it less).

    python -m benchmarks.scale [--files 10000] [--model builtin:multilingual-e5-small] [--in-process]
    python -m benchmarks.scale --overhead
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import tempfile
import time
from pathlib import Path

from desktop_rag.core.config import Settings
from desktop_rag.core.engine import RagEngine
from desktop_rag.core.ingest import isolation
from desktop_rag.core.models.embedder import create_embedder
from desktop_rag.core.paths import AppPaths, resolve_paths

from .common import HashingEmbedder, disk_bytes, peak_rss_mb, percentile, reader_peak_mb, summary_ms
from .datasets import SHARED_DATA, cranfield, korquad

PDFS = [
    "documents/pdf/text_born_digital/multi_page.pdf",
    "documents/pdf/text_born_digital/redp5110_sampled.pdf",
    "documents/pdf/text_born_digital/pdflatex-4-pages.pdf",
    "documents/pdf/non_latin/korean/korean_texts_two_page.pdf",
    "documents/pdf/scanned_image_only/cardinal.pdf",  # no text layer: a per-file error
    "documents/pdf/large_pagecount/pdkids.pdf",
]
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_TOPICS = ["projects", "meetings", "research", "archive", "clients", "notes", "reports", "drafts"]


def make_folder(root: Path, n_files: int, seed: int = 11) -> dict[str, int]:
    """Write ``n_files`` files under ``root``; returns the count per kind."""
    rng = random.Random(seed)
    english = [s for t in cranfield().docs.values() for s in _SENTENCE.split(t) if len(s) > 25]
    korean = [s for t in korquad().docs.values() for s in _SENTENCE.split(t) if len(s) > 15]
    counts = {"md": 0, "txt": 0, "html": 0, "pdf": 0}
    for rel in PDFS:
        src = SHARED_DATA / rel
        if src.exists():
            dest = root / "papers" / src.name
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest)
            counts["pdf"] += 1
    for n in range(n_files - counts["pdf"]):
        # Nested 1-3 levels deep, a few hundred folders in all.
        parts = [rng.choice(_TOPICS)] + [f"{rng.choice(_TOPICS)[:4]}{rng.randrange(12)}" for _ in range(rng.randrange(3))]
        folder = root.joinpath(*parts)
        folder.mkdir(parents=True, exist_ok=True)
        pool = korean if rng.random() < 0.3 else english
        sentences = [rng.choice(pool) for _ in range(max(2, int(rng.lognormvariate(2.3, 0.8))))]  # median ~10
        kind = rng.choices(["md", "txt", "html"], weights=[60, 37, 3])[0]
        if kind == "md":
            body = [f"# Note {n}: {sentences[0][:60]}", ""]
            for i in range(1, len(sentences), 4):
                if i > 1 and rng.random() < 0.5:
                    body += [f"## Section {i // 4}", ""]
                body += [" ".join(sentences[i : i + 4]), ""]
            text = "\n".join(body)
        elif kind == "txt":
            text = "\n\n".join(" ".join(sentences[i : i + 3]) for i in range(0, len(sentences), 3))
        else:
            paragraphs = "".join(f"<p>{s}</p>" for s in sentences[1:])
            text = f"<html><head><title>Page {n}</title></head><body><h1>{sentences[0][:60]}</h1>{paragraphs}</body></html>"
        (folder / f"file{n:05d}.{kind}").write_text(text, encoding="utf-8")
        counts[kind] += 1
    return counts


def reader_overhead(rounds: int = 5) -> None:
    """Per-file read time in this process vs. through the reader process, by format."""
    from desktop_rag.core.ingest.isolation import IsolatedLoader
    from desktop_rag.core.ingest.loaders import DEFAULT_MAX_BYTES, LoadError, load_document

    docs = SHARED_DATA / "documents"
    kinds = {
        "PDF": sorted((docs / "pdf/text_born_digital").glob("*.pdf")),
        "DOCX": sorted((docs / "docx").glob("*.docx")),
        "HTML": sorted((docs / "html").rglob("source.html")) + [docs / "html/wiki_duck.html"],
        "EPUB": sorted((docs / "epub").glob("*.epub")),
    }
    tmp = Path(tempfile.mkdtemp(prefix="overhead-"))
    small = [tmp / f"note{i}.html" for i in range(200)]
    for i, path in enumerate(small):
        path.write_text(f"<h1>Note {i}</h1><p>A short note about topic {i % 17}.</p>", encoding="utf-8")
    kinds["small HTML (200 notes)"] = small

    def read(files, loader) -> float:
        started = time.perf_counter()
        for path in files:
            try:
                loader(path, DEFAULT_MAX_BYTES)
            except LoadError:
                pass
        return time.perf_counter() - started

    print("== reading cost: this process vs. the reader process (best of 5, per file)")
    with IsolatedLoader(max_seconds=120) as worker:
        worker.load(small[0], DEFAULT_MAX_BYTES)  # start it outside the timings
        for kind, files in kinds.items():
            here, there = [], []
            for _ in range(rounds):
                here.append(read(files, load_document))
                there.append(read(files, worker.load))
            a, b = min(here) / len(files) * 1000, min(there) / len(files) * 1000
            print(f"  {kind:24s} {len(files):4d} files: {a:7.2f} ms here, {b:7.2f} ms in the reader ({b - a:+.2f} ms, {b / a - 1:+.0%})")
    started = time.perf_counter()
    with IsolatedLoader(max_seconds=120) as fresh:
        fresh.load(small[0], DEFAULT_MAX_BYTES)
    print(f"  starting the reader process (once per run, kept {isolation.IDLE_S:.0f} s): {time.perf_counter() - started:.2f} s")
    shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--model", help="embedding model (default: the hashing stand-in)")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--in-process", action="store_true", help="read files in this process (no reader process)")
    parser.add_argument("--workdir", help="keep the folder and library here (default: a temporary folder)")
    parser.add_argument("--overhead", action="store_true", help="only measure the reader process's cost per file")
    args = parser.parse_args()
    if args.overhead:
        reader_overhead()
        return
    root = Path(args.workdir or tempfile.mkdtemp(prefix="scale-"))
    folder = root / "docs"
    started = time.perf_counter()
    counts = make_folder(folder, args.files) if not folder.exists() else None
    print(f"== indexing a {args.files}-file folder ({folder})")
    if counts:
        print(f"  generated in {time.perf_counter() - started:.1f} s: {counts}, {disk_bytes(folder) / 1e6:.1f} MB")
    if args.in_process:
        isolation.IsolatedLoader._ensure_started = lambda self: False  # type: ignore[method-assign]

    settings = Settings(embedding_model=args.model) if args.model else Settings()
    embedder = (
        create_embedder(args.model, resolve_paths().models_dir, settings.embed_batch_size) if args.model else HashingEmbedder()
    )
    embedder.embed_passages(["warm up"])
    rss_before = peak_rss_mb()
    library = root / "lib"
    shutil.rmtree(library, ignore_errors=True)
    engine = RagEngine(AppPaths(library), settings, embedder=embedder)
    started = time.perf_counter()
    report = engine.index_folder(folder)
    seconds = time.perf_counter() - started
    rss_main = peak_rss_mb()
    rss_reader = reader_peak_mb()
    isolation._close_idle()
    chunks = engine.store.chunk_count()
    reasons = sorted({f"{Path(e.path).name}: {e.reason}" for e in report.errors})
    print(f"  model: {embedder.name} ({embedder.model_id}); reader: {'in-process' if args.in_process else 'worker process'}")
    print(
        f"  indexed {report.files_indexed} of {report.files_seen} files, {chunks} chunks, in {seconds:.1f} s: "
        f"{report.files_seen / seconds:.0f} files/s, {chunks / seconds:.0f} chunks/s"
    )
    print(f"  per-file errors ({len(report.errors)}): {reasons[:5]}")
    print(f"  peak RSS: indexing process {rss_main:.0f} MB (before indexing {rss_before:.0f} MB), reader process {rss_reader:.0f} MB")
    print(f"  library on disk: {disk_bytes(library) / 1e6:.1f} MB ({disk_bytes(library) / max(chunks, 1):.0f} bytes per chunk)")

    kq, cf = korquad(), cranfield()
    rng = random.Random(5)
    questions = [q for _, q in kq.queries] + [q for _, q in cf.queries]
    queries = rng.sample(questions, min(args.queries, len(questions)))
    engine.search("warm up")
    latencies = []
    for query in queries:
        t0 = time.perf_counter()
        engine.search(query, k=10)
        latencies.append(time.perf_counter() - t0)
    p95 = percentile(latencies, 95) * 1000
    print(f"  search, {len(queries)} questions at {chunks} chunks: {summary_ms(latencies)}")
    print(f"  latency target p95 <= 50 ms (set for 100k chunks): {'met' if p95 <= 50 else 'NOT met'} at this size ({p95:.1f} ms)")
    engine.close()
    if not args.workdir:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
