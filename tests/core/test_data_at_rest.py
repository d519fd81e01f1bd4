"""Data at rest: "forget" leaves no copy of a collection's text anywhere in the data folder, and
everything the app writes there is owner-only."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from desktop_rag.core.answer.answering import AnswerResult
from desktop_rag.core.answer.prompting import Source
from desktop_rag.core.errors import UserError
from desktop_rag.core.index.vector_index import INDEX_FILE
from desktop_rag.core.paths import AppPaths

ENGLISH_MARKER = "zqxjmarkerword"
KOREAN_MARKER = "뷁퓛꿻"  # rare syllables; the keyword index stores them as 뷁, 뷁퓛, 퓛꿻
SECRET_TEXT = (
    f"# Project notes\n\nThe {ENGLISH_MARKER} project is confidential. {KOREAN_MARKER} 프로젝트는 비밀입니다.\n\n"
    "Budget figures for the launch are kept here as well."
)


def marker_patterns() -> dict[str, bytes]:
    """The markers as written, and as the keyword index stores them (lower-cased terms, Korean
    bigrams). FTS5 prefix-compresses terms against their neighbour, so a term's tail is looked
    for as well ("xjmarkerword"; each rare syllable on its own is checked in the index below)."""
    k = KOREAN_MARKER
    return {
        "english marker": ENGLISH_MARKER.encode(),
        "english term tail": ENGLISH_MARKER[2:].encode(),
        "korean marker": k.encode(),
        "korean bigram 1": k[:2].encode(),
        "korean bigram 2": k[1:].encode(),
        "korean as UTF-16": k.encode("utf-16-le"),
    }


def files_containing(root: Path, patterns: dict[str, bytes]) -> dict[str, list[str]]:
    """Which files under ``root`` (database, -wal, -shm, vectors, logs, settings...) hold which patterns."""
    found: dict[str, list[str]] = {}
    for path in sorted(root.rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            hits = [name for name, pattern in patterns.items() if pattern in data]
            if hits:
                found[str(path.relative_to(root))] = hits
    return found


def fts_blocks(engine) -> bytes:
    return b"".join(bytes(r[0] or b"") for r in engine.store.db.execute("SELECT block FROM chunks_fts_data"))


def index_terms(engine) -> set[str]:
    return {r[0] for r in engine.store.db.execute("SELECT term FROM chunks_fts_vocab")}


MARKER_TERMS = {ENGLISH_MARKER, KOREAN_MARKER[0], KOREAN_MARKER[:2], KOREAN_MARKER[1:]}


@pytest.fixture
def two_collections(tmp_path, make_engine, fake_embedder):
    secret, keep = tmp_path / "secret", tmp_path / "keep"
    secret.mkdir()
    keep.mkdir()
    (secret / "notes.md").write_text(SECRET_TEXT, encoding="utf-8")
    shared = "# Shared\n\nThe quarterly report on apples and pears, identical in both folders."
    (secret / "shared.md").write_text(shared, encoding="utf-8")
    (keep / "shared.md").write_text(shared, encoding="utf-8")
    (keep / "fruit.md").write_text("# Fruit\n\nOranges and lemons grow in warm places.", encoding="utf-8")
    engine = make_engine(fake_embedder)
    engine.index_folder(secret, "secret")
    engine.index_folder(keep, "keep")
    return engine, secret, keep


def _save_chat(engine, collections, question, answer, hits) -> int:
    info = engine.conversations.create("", collections)
    result = AnswerResult(question=question, answer=answer, sources=[Source(i + 1, h) for i, h in enumerate(hits)])
    engine.conversations.add_turn(info.id, result)
    return info.id


def test_forget_leaves_no_trace_of_the_collection_text(two_collections):
    engine, secret, keep = two_collections
    root = engine.paths.root
    secret_hits = engine.search(ENGLISH_MARKER, collections=["secret"])
    marked = next(h for h in secret_hits if ENGLISH_MARKER in h.text)
    keep_hits = engine.search("oranges lemons", collections=["keep"])
    # A chat over only the forgotten collection, and one over everything that quoted it.
    only_secret = _save_chat(engine, ["secret"], f"What is {ENGLISH_MARKER}?", f"{ENGLISH_MARKER} is secret [1].", [marked])
    mixed = _save_chat(engine, [], "What grows where?", "Oranges [2]; a project [1].", [marked, keep_hits[0]])
    secret_ids = [h.chunk_id for h in secret_hits if h.path.endswith("notes.md")]
    _, secret_vectors = engine.store.vectors_for_chunks(secret_ids, engine.embedder.model_id)
    engine.vectors.save(engine.paths.vectors_dir)

    # Positive controls: the checks below do see the text and the vectors while they are there.
    before = files_containing(root, marker_patterns())
    assert any("english marker" in hits and "korean marker" in hits for hits in before.values()), before
    assert {"english marker", "korean bigram 1"} <= set(before.get("vectors/keywords.npz", [])), before  # keyword index
    hnsw = (engine.paths.vectors_dir / INDEX_FILE).read_bytes()
    assert all(v.tobytes() in hnsw for v in secret_vectors)
    assert MARKER_TERMS <= index_terms(engine)
    shared_hashes = {r[0] for r in engine.store.db.execute("SELECT text_hash FROM chunks c JOIN documents d ON d.id = c.document_id WHERE d.path LIKE '%shared.md'")}
    chunks_before = engine.store.chunk_count()

    removed = engine.forget_collection("secret")

    assert removed == len(secret_hits) == chunks_before - engine.store.chunk_count()
    assert files_containing(root, marker_patterns()) == {}
    assert not MARKER_TERMS & index_terms(engine)
    blocks = fts_blocks(engine)
    for piece in (ENGLISH_MARKER[2:], *KOREAN_MARKER):
        assert piece.encode() not in blocks, f"{piece!r} is still in the full-text index"
    hnsw = (engine.paths.vectors_dir / INDEX_FILE).read_bytes()
    assert not any(v.tobytes() in hnsw for v in secret_vectors), "a forgotten vector stayed in the hnswlib file"
    assert engine.vectors.labels == {r[0] for r in engine.store.db.execute("SELECT id FROM chunks")}
    # Shared embeddings stay for the other collection's copy; the collection's own rows are gone.
    db = engine.store.db
    assert shared_hashes <= {r[0] for r in db.execute("SELECT text_hash FROM embeddings")}
    assert db.execute("SELECT COUNT(*) FROM embeddings WHERE text_hash NOT IN (SELECT text_hash FROM chunks)").fetchone() == (0,)
    assert [f.collection for f in engine.store.folders()] == ["keep"]
    assert all(ENGLISH_MARKER not in h.text for h in engine.search(ENGLISH_MARKER))
    assert engine.search("oranges lemons")[0].path == str(keep / "fruit.md")
    # Chats: the one over only "secret" is gone; the other keeps its words but not the passage.
    ids = [c.id for c in engine.conversations.list()]
    assert only_secret not in ids and mixed in ids
    sources = engine.conversations.turns(mixed)[0].result["sources"]
    assert sources[0]["text"] == "" and sources[0]["forgotten"] and sources[0]["path"].endswith("notes.md")
    assert "Oranges" in sources[1]["text"] and "forgotten" not in sources[1]


def test_deleting_from_the_full_text_index_keeps_the_terms_until_it_is_merged(two_collections):
    """Why forget merges (FTS5 'optimize') before VACUUM: a contentless FTS5 table stores no text,
    but a deleted row's terms stay in its index segments (the delete only adds a tombstone)."""
    engine, _, _ = two_collections
    assert engine.store.forget_collection("secret")  # the rows only, no scrub
    assert not MARKER_TERMS & index_terms(engine), "logically gone..."
    assert ENGLISH_MARKER[2:].encode() in fts_blocks(engine), "...but still in the shadow table's bytes"
    engine.store.scrub()
    assert ENGLISH_MARKER[2:].encode() not in fts_blocks(engine)
    # The search caches in vectors/ are the engine's to rewrite (RagEngine.forget_collection, tested
    # above); this test works on the store alone.
    leftovers = files_containing(engine.paths.root, marker_patterns())
    assert {name for name in leftovers if not name.startswith("vectors/")} == set()


def test_forget_an_unknown_collection_is_a_user_error(two_collections):
    engine, _, _ = two_collections
    with pytest.raises(UserError, match="no collection named 'nope'"):
        engine.forget_collection("nope")
    assert {f.collection for f in engine.store.folders()} == {"secret", "keep"}


def test_forget_narrows_chats_that_searched_several_collections(two_collections):
    engine, _, _ = two_collections
    marked = next(h for h in engine.search(ENGLISH_MARKER, collections=["secret"]) if ENGLISH_MARKER in h.text)
    both = _save_chat(engine, ["secret", "keep"], "project?", "It is a project [1].", [marked])
    engine.forget_collection("secret")
    assert engine.conversations.get(both).collections == ("keep",)
    assert engine.conversations.turns(both)[0].result["sources"][0]["text"] == ""


# -- permissions -------------------------------------------------------------------------------
posix_only = pytest.mark.skipif(os.name != "posix", reason="owner-only modes are POSIX permissions")


def _modes(root: Path) -> dict[str, int]:
    return {str(p.relative_to(root)) or ".": stat.S_IMODE(p.stat().st_mode) for p in [root, *root.rglob("*")]}


@posix_only
def test_the_data_folder_is_owner_only_whatever_the_umask(tmp_path, make_engine, fake_embedder):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("Owner-only files for a private library.", encoding="utf-8")
    old = os.umask(0)  # the most permissive umask: modes must not depend on it
    try:
        engine = make_engine(fake_embedder, data_dir=tmp_path / "lib")
        engine.index_folder(docs)
        engine.settings.save(engine.paths.settings_file)
        engine.vectors.save(engine.paths.vectors_dir)
        modes = _modes(engine.paths.root)
    finally:
        os.umask(old)
    expected = {"library.sqlite3", "library.sqlite3-wal", "library.sqlite3-shm", "settings.json",
                "vectors/chunks.hnsw", "vectors/chunks.json", ".", "vectors", "logs"}
    assert expected <= set(modes), modes
    for name, mode in modes.items():
        is_dir = (engine.paths.root / name).is_dir() if name != "." else True
        assert mode == (0o700 if is_dir else 0o600), f"{name}: {oct(mode)}"


@posix_only
def test_ensure_makes_owner_only_folders_and_leaves_a_models_folder_elsewhere_alone(tmp_path, monkeypatch):
    from desktop_rag.core.paths import MODELS_DIR_ENV

    old = os.umask(0)
    try:
        monkeypatch.delenv(MODELS_DIR_ENV, raising=False)
        own = AppPaths(tmp_path / "own").ensure()
        shared = tmp_path / "shared-models"
        shared.mkdir(mode=0o755)
        monkeypatch.setenv(MODELS_DIR_ENV, str(shared))
        AppPaths(tmp_path / "other").ensure()
    finally:
        os.umask(old)
    assert _modes(own.root) == {".": 0o700, "vectors": 0o700, "logs": 0o700, "models": 0o700}
    assert stat.S_IMODE(shared.stat().st_mode) == 0o755, "not the app's folder to lock"


@posix_only
def test_an_existing_library_is_tightened_on_open(tmp_path, make_engine, fake_embedder):
    root = tmp_path / "old"
    root.mkdir(mode=0o755)
    os.chmod(root, 0o755)
    (root / "library.sqlite3").touch()
    os.chmod(root / "library.sqlite3", 0o644)
    engine = make_engine(fake_embedder, data_dir=root)
    assert stat.S_IMODE(root.stat().st_mode) == 0o700
    assert stat.S_IMODE(engine.paths.database.stat().st_mode) == 0o600


@posix_only
def test_cli_logs_and_settings_are_owner_only(tmp_path):
    """The log file (and its rotations) and settings written by the CLI, with umask 0."""
    data = tmp_path / "lib"
    code = (
        "import os, sys; os.umask(0); from desktop_rag.cli import main; "
        "sys.exit(main(['--data-dir', sys.argv[1], 'config', 'search_top_k', '5']) or main(['--data-dir', sys.argv[1], 'status']))"
    )
    result = subprocess.run([sys.executable, "-c", code, str(data)], capture_output=True, text=True, timeout=300,
                            cwd=Path(__file__).resolve().parents[2])
    assert result.returncode == 0, result.stderr
    modes = _modes(data)
    assert modes["logs/desktop-rag.log"] == 0o600 and modes["settings.json"] == 0o600, modes
    assert modes["logs"] == modes["."] == 0o700


def test_delete_all_removes_only_what_the_app_keeps(tmp_path, make_engine, fake_embedder):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.md").write_text(SECRET_TEXT, encoding="utf-8")
    engine = make_engine(fake_embedder, data_dir=tmp_path / "lib")
    engine.index_folder(docs)
    engine.settings.save(engine.paths.settings_file)
    engine.close()
    someone_elses = engine.paths.root / "notes-of-mine.txt"
    someone_elses.write_text("not the app's", encoding="utf-8")
    removed = engine.paths.delete_all()
    assert engine.paths.database in removed and engine.paths.vectors_dir in removed
    assert sorted(p.name for p in engine.paths.root.iterdir()) == ["notes-of-mine.txt"]
    assert docs.joinpath("a.md").exists(), "documents themselves are never touched"


def test_vectors_for_a_forgotten_collection_are_rebuilt_not_kept(two_collections):
    """The hnswlib file after forget holds exactly the remaining chunks' vectors."""
    engine, _, _ = two_collections
    engine.forget_collection("secret")
    loaded = AppPaths(engine.paths.root)
    from desktop_rag.core.index.vector_index import VectorIndex

    index = VectorIndex.load(loaded.vectors_dir, engine.embedder.dim, engine.embedder.model_id)
    remaining = {r[0] for r in engine.store.db.execute("SELECT id FROM chunks")}
    assert index is not None and index.labels == remaining
    ids, vectors = index.get(sorted(remaining))
    assert len(ids) == len(remaining) and np.isfinite(vectors).all()
