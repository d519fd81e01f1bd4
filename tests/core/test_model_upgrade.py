"""A library indexed by an earlier build of the embedding model is re-embedded once, with progress."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from desktop_rag.core.errors import ReembedRequired
from tests.conftest import FakeEmbedder


def _library(folder: Path) -> Path:
    folder.mkdir()
    (folder / "jupiter.txt").write_text("Jupiter is the largest planet of the solar system.", encoding="utf-8")
    (folder / "seoul.txt").write_text("서울은 대한민국의 수도이다. 한강이 도시를 가로지른다.", encoding="utf-8")
    return folder


def test_a_new_build_of_the_same_model_is_re_embedded_by_the_next_index(tmp_path, make_engine):
    folder = _library(tmp_path / "docs")
    old = make_engine(FakeEmbedder("st:e5:aaaa"))
    old.index_folder(folder)
    old.close()

    new_model = FakeEmbedder("onnx-int8:e5:bbbb", dim=32)
    new = make_engine(new_model)
    status = new.status()["embedding_model"]
    assert status["reembed_needed"] and status["upgrade_pending"]
    assert new.search("Jupiter")[0].path.endswith("jupiter.txt")  # keyword search meanwhile
    with pytest.raises(ReembedRequired):
        new.search("Jupiter", mode="dense")

    seen = []
    report = new.index_folder(folder, progress=seen.append)
    phases = [p.phase for p in seen]
    assert phases[0] == "re-embedding" and seen[0].files_total == 2
    assert "indexing" in phases or report.files_unchanged == 2
    assert not new.reembed_needed and report.files_unchanged == 2
    assert sorted(new_model.embedded) == sorted(
        ["Jupiter is the largest planet of the solar system.", "서울은 대한민국의 수도이다. 한강이 도시를 가로지른다."]
    )  # once each
    assert new.search("largest planet", mode="dense")[0].path.endswith("jupiter.txt")
    models = {r[0] for r in new.store.db.execute("SELECT DISTINCT model_id FROM embeddings")}
    assert models == {"onnx-int8:e5:bbbb"}  # nothing mixed


def test_a_cancelled_upgrade_keeps_the_old_vectors_and_resumes(tmp_path, make_engine):
    folder = _library(tmp_path / "docs")
    old = make_engine(FakeEmbedder("st:e5:aaaa"))
    old.index_folder(folder)
    old.close()
    new = make_engine(FakeEmbedder("onnx-int8:e5:bbbb"), data_dir=tmp_path / "library")
    cancel = threading.Event()
    cancel.set()
    report = new.index_folder(folder, cancel=cancel)
    assert report.cancelled and new.upgrade_pending
    assert new.search("Jupiter")[0].path.endswith("jupiter.txt")
    new.index_folder(folder)
    assert not new.reembed_needed


def test_another_model_still_asks_for_an_explicit_reembed(tmp_path, make_engine):
    folder = _library(tmp_path / "docs")
    old = make_engine(FakeEmbedder("st:all-MiniLM-L6-v2:aaaa"))
    old.index_folder(folder)
    old.close()
    other = make_engine(FakeEmbedder("onnx-int8:multilingual-e5-small:bbbb"), data_dir=tmp_path / "library")
    assert other.reembed_needed and not other.upgrade_pending
    with pytest.raises(ReembedRequired):
        other.index_folder(folder)


def _cli(data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "desktop_rag", "--data-dir", str(data_dir), *args],
        capture_output=True, text=True, env=dict(os.environ), timeout=600,
    )  # fmt: skip


def test_a_torch_e5_library_is_upgraded_to_the_int8_default_through_the_cli(tmp_path, make_engine, e5, e5_torch, docs):
    """The real upgrade: vectors of the torch model (before this version) → the int8 default."""
    folder = tmp_path / "docs"
    folder.mkdir()
    for name in ["markdown/korean/interview_question_Network.md", "docx/korean/aegukga_ko.docx"]:
        (folder / Path(name).name).write_bytes((docs / name).read_bytes())
    data_dir = tmp_path / "lib"
    old = make_engine(e5_torch, data_dir=data_dir)
    report = old.index_folder(folder)
    assert report.files_indexed == 2
    old.close()

    status = _cli(data_dir, "status")
    assert status.returncode == 0, status.stderr
    assert "earlier build" in status.stdout and "keywords only" in status.stdout
    search = _cli(data_dir, "search", "TCP 3-way handshake 과정", "-k", "3")
    assert search.returncode == 0, search.stderr
    assert "keywords only" in search.stderr and "interview_question_Network.md" in search.stdout

    index = _cli(data_dir, "index", str(folder))
    assert index.returncode == 0, index.stderr
    assert "re-embedding" in index.stderr  # the progress line
    assert "chunks re-embedded" in index.stdout  # and the summary says so
    after = _cli(data_dir, "status", "--json")
    model = json.loads(after.stdout)["embedding_model"]
    assert model["stored"] == e5.model_id and not model["reembed_needed"]
    dense = _cli(data_dir, "search", "TCP 연결을 맺는 세 단계", "--mode", "dense", "-k", "1")
    assert dense.returncode == 0, dense.stderr
    assert "interview_question_Network.md" in dense.stdout and "keywords only" not in dense.stderr
