"""Indexing cost per chunk at 1k, 10k and 100k chunks of real text with the default embedder.

Each size is a generated folder of Markdown and text files of passage-sized notes (sentences of
the Cranfield abstracts and KorQuAD paragraphs, about 30% Korean, every note distinct; by default
ten notes per file, as sections, so 100k chunks are a 10,000-file folder), indexed through the real
pipeline by a fresh process with the default embedder (multilingual-e5-small, int8 ONNX). Printed
per size: time, chunks/s, ms per chunk, and the peak RSS of the indexing process, which must stay
flat as the folder grows (issue 17: <= 1.2 GB).

    python -m benchmarks.scale_curve [--sizes 1000,10000,100000] [--notes-per-file 10] [--model ...]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def make_notes(folder: Path, count: int, per_file: int = 1, seed: int = 3) -> None:
    """``count`` distinct notes of ~60-200 words each, ``per_file`` to a file (sections of a Markdown
    file, paragraphs of a text file), in a few hundred nested folders."""
    from .datasets import cranfield, korquad

    rng = random.Random(seed)
    english = [s for t in cranfield().docs.values() for s in _SENTENCE.split(t) if len(s) > 25]
    korean = [s for t in korquad().docs.values() for s in _SENTENCE.split(t) if len(s) > 15]
    for f, first in enumerate(range(0, count, per_file)):
        sub = folder / f"topic{f % 40:02d}" / f"part{(f // 40) % 25:02d}"
        sub.mkdir(parents=True, exist_ok=True)
        notes = []
        for n in range(first, min(first + per_file, count)):
            pool = korean if rng.random() < 0.3 else english
            body = " ".join(rng.choice(pool) for _ in range(rng.randint(3, 7)))
            notes.append(f"# Note {n}\n\n{body}" if f % 2 else f"Note {n}. {body}")
        name = f"notes{first:06d}.md" if f % 2 else f"notes{first:06d}.txt"
        (sub / name).write_text("\n\n".join(notes) + "\n", encoding="utf-8")


def run_size(count: int, per_file: int, model: str | None) -> dict:
    """Index ``count`` notes, ``per_file`` to a file, in this (fresh) process."""
    from desktop_rag.core.config import Settings
    from desktop_rag.core.engine import RagEngine
    from desktop_rag.core.paths import AppPaths

    from .common import peak_rss_mb

    root = Path(tempfile.mkdtemp(prefix=f"curve-{count}-"))
    try:
        make_notes(root / "docs", count, per_file)
        settings = Settings(embedding_model=model) if model else Settings()
        engine = RagEngine(AppPaths(root / "lib"), settings)
        engine.embedder.embed_passages(["warm up"])  # load the model outside the timing
        rss_loaded = peak_rss_mb()
        started = time.perf_counter()
        report = engine.index_folder(root / "docs")
        seconds = time.perf_counter() - started
        rss = peak_rss_mb()
        chunks = engine.store.chunk_count()
        engine.close()
        return {
            "files": report.files_seen, "chunks": chunks, "embedded": report.chunks_embedded, "seconds": seconds,
            "rate": report.chunks_embedded / seconds, "rss_mb": rss, "rss_loaded_mb": rss_loaded,
            "model": engine.embedder.model_id,
        }  # fmt: skip
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--notes-per-file", type=int, default=10)
    parser.add_argument("--model", help="embedding model (default: the app's default)")
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print("RESULT " + json.dumps(run_size(args.worker, args.notes_per_file, args.model)), flush=True)
        return
    print("| notes | files | chunks | time | chunks/s | ms per chunk | peak RSS of the indexing process (model loaded) |")
    print("|---|---|---|---|---|---|---|", flush=True)
    for size in (int(s) for s in args.sizes.split(",")):
        command = [sys.executable, "-m", "benchmarks.scale_curve", "--worker", str(size)]
        command += ["--notes-per-file", str(args.notes_per_file)]
        command += ["--model", args.model] if args.model else []
        out = subprocess.run(command, capture_output=True, text=True)
        line = next((x for x in out.stdout.splitlines() if x.startswith("RESULT ")), None)
        if line is None:
            print(f"| {size} | failed: {out.stderr[-500:]} |")
            continue
        r = json.loads(line[7:])
        print(f"| {size:,} | {r['files']:,} | {r['chunks']:,} | {r['seconds']:.0f} s | {r['rate']:.1f} | {1000 / r['rate']:.1f} | "
              f"{r['rss_mb']:.0f} MB ({r['rss_loaded_mb']:.0f} MB) |", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
