"""Incremental, resumable, consistent indexing of real folders."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from desktop_rag.core.errors import ReembedRequired, UserError
from tests.conftest import FakeEmbedder, copy_docs


def _consistency(engine) -> None:
    """What must hold after any run, finished, cancelled or killed."""
    db = engine.store.db
    chunk_ids = {r[0] for r in db.execute("SELECT id FROM chunks")}
    assert engine.vectors.labels == chunk_ids
    dupes = db.execute("SELECT folder_id, path, COUNT(*) FROM documents GROUP BY folder_id, path HAVING COUNT(*) > 1").fetchall()
    assert dupes == []
    orphans = db.execute("SELECT COUNT(*) FROM chunks WHERE document_id NOT IN (SELECT id FROM documents)").fetchone()[0]
    assert orphans == 0
    missing_vectors = db.execute(
        "SELECT COUNT(*) FROM chunks c LEFT JOIN embeddings e ON e.text_hash = c.text_hash WHERE e.vector IS NULL"
    ).fetchone()[0]
    assert missing_vectors == 0


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_reindex_touches_only_what_changed(tmp_path, make_engine, fake_embedder):
    folder = tmp_path / "docs"
    folder.mkdir()
    _write(folder, "a.txt", "Alpha document about volcanoes and lava.")
    _write(folder, "b.md", "# Beta\n\nBeta document about glaciers and ice.")
    _write(folder, "c.txt", "Gamma document about deserts and sand.")
    engine = make_engine(fake_embedder)

    first = engine.index_folder(folder)
    assert (first.files_indexed, first.errors) == (3, [])

    again = engine.index_folder(folder)
    assert (again.files_indexed, again.files_unchanged, again.chunks_embedded) == (0, 3, 0)

    os.utime(folder / "c.txt", ns=(1, 1))  # touched, same bytes: no re-parse, no re-embed
    (folder / "b.md").rename(folder / "renamed.md")  # moved: keeps its chunks
    _write(folder, "a.txt", "Alpha document now about oceans and waves.")  # modified
    (folder / "c.txt").unlink()  # deleted after all
    _write(folder, "copy.txt", "Alpha document now about oceans and waves.")  # identical text: embedded once
    before = len(fake_embedder.embedded)
    report = engine.index_folder(folder)
    assert report.files_moved == 1
    assert report.files_deleted == 1
    assert report.files_indexed == 2  # a.txt and copy.txt
    assert len(fake_embedder.embedded) - before == 1, "identical chunks must be embedded once"
    assert engine.search("glaciers", mode="keyword")[0].path == str(folder / "renamed.md")
    assert engine.search("deserts", mode="keyword") == []
    assert {Path(h.path).name for h in engine.search("oceans waves", k=5)} >= {"a.txt", "copy.txt"}
    _consistency(engine)


def test_hostile_files_are_reported_and_the_rest_is_indexed(tmp_path, make_engine, fake_embedder, docs):
    folder = tmp_path / "mixed"
    copy_docs(sorted((docs / "pdf/malformed").glob("*.pdf")), folder / "malformed")
    copy_docs(sorted((docs / "pdf/encrypted").glob("*.pdf")), folder / "encrypted")
    copy_docs([docs / "pdf/scanned_image_only/cardinal.pdf"], folder)
    copy_docs([docs / "pdf/text_born_digital/multicolumn.pdf"], folder)
    copy_docs([docs / "markdown/korean/interview_question_OS.md"], folder)
    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 64)
    (folder / "huge.txt").write_text("big " * 300_000)
    (folder / "loop.txt").symlink_to(folder / "loop.txt")
    (folder / "dirloop").symlink_to(folder, target_is_directory=True)
    bad_name = os.fsencode(str(folder)) + b"/caf\xe9.txt"
    with open(bad_name, "wb") as handle:
        handle.write(b"latin-1 name")
    locked = folder / "locked"
    locked.mkdir()
    (locked / "secret.txt").write_text("hidden")

    engine = make_engine(fake_embedder, max_file_bytes=1_000_000, ocr_enabled=False)  # OCR: tests/core/test_ocr*.py
    locked.chmod(0)
    try:
        report = engine.index_folder(folder)
    finally:
        locked.chmod(0o755)
    reasons = {Path(e.path).name: e.reason for e in report.errors}
    assert "password required" in reasons["pypdf_r3-user-password.pdf"]
    assert "corrupt PDF" in reasons["ocrmypdf_invalid.pdf"]
    assert "no usable text layer and need text recognition (OCR), which is turned off" in reasons["cardinal.pdf"]
    assert reasons["empty.txt"] == "empty file"
    assert "binary" in reasons["binary.txt"]
    assert "too large" in reasons["huge.txt"]
    assert reasons["loop.txt"] == "symbolic link loop"
    assert any("not valid UTF-8" in r for r in reasons.values())
    if os.geteuid() != 0:  # root reads everything
        assert "folder not readable" in reasons["locked"]
    indexed = {Path(h.path).name for h in engine.search("프로세스 스레드", k=20, mode="keyword")}
    assert "interview_question_OS.md" in indexed
    indexed_files = {Path(p) .name for p in engine.store.db.execute("SELECT path FROM documents WHERE status = 'indexed'").fetchall() for p in p}
    assert {"multicolumn.pdf", "pypdf_r2-owner-password.pdf", "pdfjs_helloworld-bad.pdf"} <= indexed_files
    status = engine.status()
    failed = {Path(e["path"]).name for f in status["folders"] for e in f["errors"]}
    assert {"pypdf_r3-user-password.pdf", "cardinal.pdf", "empty.txt", "huge.txt"} <= failed
    # owner-password-only PDFs open without a password and are indexed
    assert "pypdf_r2-owner-password.pdf" not in failed
    _consistency(engine)


def test_symlink_loop_is_a_per_file_error(tmp_path, make_engine, fake_embedder):
    folder = tmp_path / "links"
    folder.mkdir()
    _write(folder, "real.txt", "Real text about comets.")
    (folder / "self.txt").symlink_to(folder / "self.txt")
    report = make_engine(fake_embedder).index_folder(folder)
    assert report.files_indexed == 1
    assert [e.reason for e in report.errors if e.path.endswith("self.txt")] == ["symbolic link loop"]


def test_cancel_then_resume_finishes_without_duplicates(tmp_path, make_engine, fake_embedder):
    folder = tmp_path / "many"
    folder.mkdir()
    for n in range(60):
        _write(folder, f"doc{n:03d}.txt", f"Document {n} mentions topic{n} and shared words. " * 30)
    engine = make_engine(fake_embedder)
    cancel = threading.Event()
    seen = []

    def progress(p):
        seen.append(p)
        if p.files_done >= 10:
            cancel.set()

    first = engine.index_folder(folder, progress=progress, cancel=cancel)
    assert first.cancelled
    assert 0 < first.files_indexed < 60
    assert seen[-1].phase == "cancelled"
    _consistency(engine)
    second = engine.index_folder(folder)
    assert second.files_indexed == 60 - first.files_indexed
    assert len(engine.store.documents_in_folder(engine.store.folders()[0].id)) == 60
    _consistency(engine)
    # progress is plain data with the numbers a progress bar needs
    last = seen[-2]
    assert last.files_total == 60 and last.chunks_done > 0 and last.chunks_per_s > 0 and last.current_file


KILL_SCRIPT = """
import sys, os
from pathlib import Path
sys.path.insert(0, {repo!r})
from tests.conftest import FakeEmbedder
from desktop_rag.core.engine import RagEngine
from desktop_rag.core.paths import AppPaths
from desktop_rag.core.config import Settings
engine = RagEngine(AppPaths(Path({lib!r})), Settings(), embedder=FakeEmbedder())
def progress(p):
    if p.files_done >= {kill_after}:
        os._exit(9)  # like kill -9: no cleanup, no saving
engine.index_folder({folder!r}, progress=progress)
"""


@pytest.mark.parametrize("kill_after", [1, 17])
def test_killed_process_resumes_where_it_stopped(tmp_path, make_engine, kill_after):
    folder = tmp_path / "docs"
    folder.mkdir()
    for n in range(40):
        _write(folder, f"doc{n:03d}.txt", f"Paper {n} studies subject{n}. " * 40)
    lib = tmp_path / "lib"
    script = KILL_SCRIPT.format(repo=str(Path(__file__).resolve().parents[2]), lib=str(lib), folder=str(folder), kill_after=kill_after)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 9, result.stderr
    with sqlite3.connect(lib / "library.sqlite3") as db:
        done = db.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
    assert kill_after <= done < 40

    engine = make_engine(FakeEmbedder(), data_dir=lib)
    report = engine.index_folder(folder)
    assert report.files_indexed == 40 - done
    assert report.files_unchanged == done
    _consistency(engine)
    assert engine.search("subject33", mode="keyword")[0].path.endswith("doc033.txt")


def test_vector_cache_is_rebuilt_from_sqlite(tmp_path, make_engine, fake_embedder):
    folder = tmp_path / "docs"
    folder.mkdir()
    _write(folder, "a.txt", "Saturn has rings made of ice.")
    engine = make_engine(fake_embedder)
    engine.index_folder(folder)
    engine.close()
    shutil.rmtree(tmp_path / "library" / "vectors")
    again = make_engine(fake_embedder)
    assert again.search("rings of Saturn", mode="dense")[0].path.endswith("a.txt")


def test_changing_the_embedding_model_requires_a_reembed(tmp_path, make_engine):
    folder = tmp_path / "docs"
    folder.mkdir()
    _write(folder, "a.txt", "Jupiter is the largest planet.")
    old = make_engine(FakeEmbedder("fake:v1"))
    old.index_folder(folder)
    old.close()

    new = make_engine(FakeEmbedder("fake:v2", dim=32))
    assert new.status()["embedding_model"]["reembed_needed"]
    with pytest.raises(ReembedRequired):
        new.index_folder(folder)
    # keyword search still works meanwhile; nothing is mixed
    assert new.search("Jupiter")[0].path.endswith("a.txt")
    assert new.reembed() == 1
    assert not new.reembed_needed
    assert new.search("largest planet", mode="dense")[0].path.endswith("a.txt")
    models = {r[0] for r in new.store.db.execute("SELECT DISTINCT model_id FROM embeddings")}
    assert models == {"fake:v2"}


def test_bad_folder_is_a_clear_error(tmp_path, make_engine, fake_embedder):
    engine = make_engine(fake_embedder)
    with pytest.raises(UserError, match="folder not found"):
        engine.index_folder(tmp_path / "nope")
    file = _write(tmp_path, "file.txt", "x")
    with pytest.raises(UserError, match="not a folder"):
        engine.index_folder(file)


def test_watched_folder_picks_up_changes(tmp_path, make_engine, fake_embedder):
    folder = tmp_path / "watched"
    folder.mkdir()
    _write(folder, "one.txt", "Mercury is closest to the sun.")
    engine = make_engine(fake_embedder)
    engine.index_folder(folder)
    done = threading.Event()
    engine.on_background_report = lambda report: done.set()
    engine.watch(folder)
    time.sleep(0.5)
    _write(folder, "two.txt", "Neptune is a windy ice giant.")
    assert done.wait(20), "the watcher did not re-index"
    assert engine.search("Neptune windy", mode="keyword")[0].path.endswith("two.txt")
    assert engine.status()["folders"][0]["watched"]


def test_unchanged_reindex_does_not_load_the_embedding_model(tmp_path, make_engine, minilm):
    """Re-checking a folder that has not changed must not cost the seconds a model takes to load."""
    from desktop_rag.core.config import ENGLISH_MINILM
    from desktop_rag.core.models.embedder import create_embedder

    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "note.txt").write_text("Comets have icy nuclei and long tails.", encoding="utf-8")
    make_engine(minilm, data_dir=tmp_path / "lib").index_folder(folder)
    fresh = create_embedder(ENGLISH_MINILM, Path(os.environ["DESKTOP_RAG_MODELS_DIR"]))
    report = make_engine(fresh, data_dir=tmp_path / "lib").index_folder(folder)
    assert report.files_indexed == 0 and not report.errors
    assert "model" not in vars(fresh), "the model was loaded for nothing"
