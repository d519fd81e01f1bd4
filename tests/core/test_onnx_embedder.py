"""The default embedder: multilingual-e5-small as an int8 ONNX graph, against the torch model it replaces."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from desktop_rag.core.models import e5_onnx
from desktop_rag.core.models.e5_model import ensure_e5_folder
from desktop_rag.core.models.onnx_embedder import OnnxE5Embedder, token_batches

MODELS_DIR = Path(os.environ["DESKTOP_RAG_MODELS_DIR"])

ENGLISH = [
    "The boundary layer separates from the wing at high angles of attack, and the lift drops sharply.",
    "Heat transfer in hypersonic flow was measured on a flat plate with a sharp leading edge.",
    "x",
]
KOREAN = [
    "서울특별시는 대한민국의 수도이며 약 천만 명이 살고 있는 가장 큰 도시이다.",
    "세종대왕은 1443년에 훈민정음을 창제하여 백성들이 쉽게 글을 읽고 쓸 수 있게 하였다.",
    "TCP 3-way handshake는 SYN, SYN-ACK, ACK 세 단계로 연결을 맺는다.",
]


def test_token_batches_hold_similar_lengths_within_the_budget():
    lengths = [5, 300, 12, 512, 7, 40, 41, 600, 3] * 20
    batches = list(token_batches(lengths, token_budget=1024, max_rows=16))
    assert sorted(i for b in batches for i in b) == list(range(len(lengths)))  # each once
    for batch in batches:
        rows = [lengths[i] for i in batch]
        assert len(batch) == 1 or len(batch) * max(rows) <= 1024  # padded cost within the budget
        assert len(batch) <= 16
    # Sorted: a short passage is never padded to a long one of another batch's size.
    spans = [(min(lengths[i] for i in b), max(lengths[i] for i in b)) for b in batches]
    assert all(hi <= lo2 for (_, hi), (lo2, _) in zip(spans, spans[1:], strict=False))
    assert [len(b) for b in batches if max(lengths[i] for i in b) >= 512] == [2] * 10 + [1] * 20


def test_the_default_is_the_int8_graph(e5):
    assert isinstance(e5, OnnxE5Embedder)
    assert e5.model_id.startswith("onnx-int8:multilingual-e5-small:")
    assert (e5.dim, e5.max_tokens) == (384, 512)


@pytest.mark.parametrize("texts", [ENGLISH, KOREAN], ids=["english", "korean"])
def test_vectors_follow_the_torch_model(e5, e5_torch, texts):
    got = e5.embed_passages(texts)
    want = e5_torch.embed_passages(texts)
    assert got.dtype == np.float32 and got.shape == (len(texts), 384)
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
    cosines = (got * want).sum(axis=1)
    assert cosines.min() > 0.985, cosines
    for text in texts:
        assert float(e5.embed_query(text) @ e5_torch.embed_query(text)) > 0.985
    # Same tokens as the torch model: the chunker's budget means the same thing.
    assert e5.count_tokens(texts) == e5_torch.count_tokens(texts)
    assert e5.count_tokens(["word " * 700]) == e5_torch.count_tokens(["word " * 700])  # no truncation when counting


def test_a_passage_gets_nearly_the_same_vector_alone_or_in_any_batch(e5):
    # Activations are quantised per call, so a batch's range touches each of its rows a little.
    texts = ENGLISH + KOREAN + [f"passage number {i} about turbines" for i in range(40)]
    together = e5.embed_passages(texts)
    alone = np.stack([e5.embed_passages([t])[0] for t in texts[:6]])
    assert (together[:6] * alone).sum(axis=1).min() > 0.99
    small = e5.encode(["passage: " + t for t in texts], token_budget=64)
    assert (together * small).sum(axis=1).min() > 0.99


def test_long_passages_are_truncated_like_the_torch_model(e5, e5_torch):
    long = " ".join(KOREAN * 60)
    assert e5.count_tokens([long])[0] > 512
    assert float(e5.embed_passages([long])[0] @ e5_torch.embed_passages([long])[0]) > 0.985


def test_korean_question_finds_its_korquad_paragraph(e5, shared_data: Path):
    from benchmarks.datasets import korquad

    kq = korquad()
    ids = list(kq.docs)[:40]
    vectors = e5.embed_passages([kq.docs[i] for i in ids])
    asked = [(text, next(iter(kq.qrels[qid]))) for qid, text in kq.queries if next(iter(kq.qrels[qid])) in ids][:25]
    assert len(asked) >= 15
    found = sum(ids[int(np.argmax(vectors @ e5.embed_query(text)))] == doc for text, doc in asked)
    assert found >= 0.8 * len(asked)


def test_the_graph_is_built_once_and_rebuilt_with_a_new_format(tmp_path, monkeypatch):
    e5_folder = ensure_e5_folder(MODELS_DIR)
    built = e5_onnx.ensure_onnx_folder(e5_folder, tmp_path)
    marker = json.loads((built / e5_onnx.MARKER_FILE).read_text())
    assert marker["format_version"] == e5_onnx.FORMAT_VERSION and (built / e5_onnx.MODEL_FILE).is_file()
    assert (built / e5_onnx.MODEL_FILE).stat().st_size < 30e6  # int8 encoder; the embeddings stay in the e5 folder
    stamp = (built / e5_onnx.MODEL_FILE).stat().st_mtime_ns
    assert e5_onnx.ensure_onnx_folder(e5_folder, tmp_path) == built
    assert (built / e5_onnx.MODEL_FILE).stat().st_mtime_ns == stamp  # not rebuilt
    before = e5_onnx.model_fingerprint(built)
    monkeypatch.setattr(e5_onnx, "FORMAT_VERSION", e5_onnx.FORMAT_VERSION + 1)
    rebuilt = e5_onnx.ensure_onnx_folder(e5_folder, tmp_path)
    assert e5_onnx.model_fingerprint(rebuilt) != before  # new vectors, new model id
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp folders left


def test_indexing_with_the_default_never_imports_torch(tmp_path, docs):
    folder = tmp_path / "docs"
    folder.mkdir()
    for name in ["markdown/korean/interview_question_Network.md", "pdf/text_born_digital/pdflatex-4-pages.pdf"]:
        (folder / Path(name).name).write_bytes((docs / name).read_bytes())
    script = (
        "import sys\nfrom pathlib import Path\nfrom desktop_rag.core.engine import RagEngine\n"
        "from desktop_rag.core.paths import AppPaths\n"
        f"engine = RagEngine(AppPaths(Path({str(tmp_path / 'lib')!r})))\n"
        f"report = engine.index_folder({str(folder)!r})\n"
        "hits = engine.search('TCP handshake')\n"
        "print(report.files_indexed, len(hits), 'torch' in sys.modules, 'sentence_transformers' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    indexed, hits, torch_loaded, st_loaded = result.stdout.split()
    assert indexed == "2" and int(hits) > 0
    assert (torch_loaded, st_loaded) == ("False", "False")  # ~300 MB of memory not spent


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc/self/status (Linux)")
def test_reading_word_rows_adds_no_passing_memory_peak(tmp_path: Path):
    """A batch needs a few thousand rows of the 384 MB word matrix. Read through a memory map, each
    row brought up to 64 KB of the file into the process for the batch (the kernel maps the pages
    around a fault): while indexing, peak memory rose ~300 MB above what the process keeps. A fresh
    process indexes 200 notes of mixed Korean and English; its peak must stay close to its memory
    afterwards (the encoder's arena, the vector and keyword indexes stay)."""
    script = (
        "from pathlib import Path\n"
        "from benchmarks.common import peak_rss_mb, rss_mb\n"
        "from benchmarks.scale_curve import make_notes\n"
        "from desktop_rag.core.config import Settings\n"
        "from desktop_rag.core.engine import RagEngine\n"
        "from desktop_rag.core.paths import AppPaths\n"
        f"root = Path({str(tmp_path)!r})\n"
        "make_notes(root / 'docs', 200, 10)\n"
        "engine = RagEngine(AppPaths(root / 'lib'), Settings())\n"
        "report = engine.index_folder(root / 'docs')\n"
        "print(report.chunks_added, peak_rss_mb() - rss_mb())\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=600,
                            cwd=Path(__file__).parents[2])  # fmt: skip
    assert result.returncode == 0, result.stderr
    chunks, above = result.stdout.split()
    assert int(chunks) >= 200
    assert float(above) < 30, above  # mapped: 55-310 MB, with how the kernel cached the file
