"""Crash safety and consistency (issue 5).

- An indexer killed with SIGKILL at random moments, many times, always leaves a consistent library
  and loses nothing already indexed (test_indexing.py kills once, from inside, at a file boundary).
- A missing or damaged hnswlib cache is rebuilt from SQLite.
- A damaged database is reported at start-up with a clear message and a way out (repair).
- Searches keep working while a folder is being indexed.
"""

from __future__ import annotations

import os
import random
import re
import select
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from benchmarks.common import HashingEmbedder
from desktop_rag.core.config import Settings
from desktop_rag.core.engine import RagEngine
from desktop_rag.core.errors import LibraryCorrupt, LibraryError, LibraryTooNew
from desktop_rag.core.index.keyword_text import analyze
from desktop_rag.core.index.vector_index import INDEX_FILE, META_FILE, VectorIndex
from desktop_rag.core.paths import AppPaths
from desktop_rag.core.repair import repair_library
from tests.conftest import FakeEmbedder

REPO = Path(__file__).resolve().parents[2]
MODEL_ID = "crash:hashing"
WORDS = (
    "river mountain signal harbour copper lantern orchard meadow glacier canyon falcon quartz "
    "willow ember saddle thunder marble cedar compass beacon prairie tundra vessel anchor"
).split()


def _generated_text(rng: random.Random, n: int, version: int = 0) -> str:
    """A document, often several chunks long, whose every chunk holds its unique marker word zqmarker<n>."""
    paragraphs = []
    for p in range(rng.randint(2, 14)):
        words = [rng.choice(WORDS) for _ in range(rng.randint(40, 160))]
        words[::12] = [f"zqmarker{n}"] * len(words[::12])
        paragraphs.append(f"Section {p} of zqmarker{n} revision {version}. {' '.join(words)}.")
    if n == 7:
        paragraphs.insert(1, "The lighthouse keeper counted four thousand gulls on the northern jetty at dawn.")
    return "\n\n".join(paragraphs)


def _library_folder(root: Path, docs: Path, rng: random.Random, generated: int) -> Path:
    """~30 real files (Markdown, DOCX, HTML, PDF) plus generated text files."""
    folder = root / "corpus"
    folder.mkdir(parents=True)
    real = [
        *sorted((docs / "markdown/english").glob("*.md")),
        *sorted((docs / "markdown/korean").glob("*.md")),
        *sorted((docs / "docx").glob("*.docx")),
        docs / "docx/korean/aegukga_ko.docx",
        docs / "html/wiki_duck.html",
        *[docs / f"pdf/text_born_digital/{n}.pdf" for n in ("pdflatex-4-pages", "multi_page", "code_and_formula", "multicolumn")],
    ]
    for src in real:
        shutil.copy2(src, folder / src.name)
    for name in ("bbc-1", "lemonde-1", "mozilla-1", "nytimes-1"):
        shutil.copy2(docs / f"html/readability/{name}/source.html", folder / f"{name}.html")
    (folder / "notes").mkdir()
    for n in range(generated):
        (folder / "notes" / f"gen{n:03d}.txt").write_text(_generated_text(rng, n), encoding="utf-8")
    return folder


def _marker(path: str) -> str:
    """gen017.txt and moved3-gen017.txt hold zqmarker17."""
    return "zqmarker" + str(int(re.search(r"gen(\d+)\.txt$", path).group(1)))


# -- invariants --------------------------------------------------------------------------------------
def _check_database(db_path: Path) -> dict[str, str]:
    """What must hold in the raw database after any kill; returns {path: content hash} of indexed documents."""
    db = sqlite3.connect(db_path)
    try:
        assert db.execute("PRAGMA quick_check").fetchall() == [("ok",)]
        statuses = {r[0] for r in db.execute("SELECT DISTINCT status FROM documents")}
        assert statuses <= {"indexed", "error"}
        assert db.execute("SELECT folder_id, path FROM documents GROUP BY 1, 2 HAVING COUNT(*) > 1").fetchall() == []
        assert db.execute("SELECT document_id, ordinal FROM chunks GROUP BY 1, 2 HAVING COUNT(*) > 1").fetchall() == []
        # ordinals are 0..n-1: no document holds part of a version
        assert db.execute(
            "SELECT document_id FROM chunks GROUP BY document_id HAVING MIN(ordinal) != 0 OR MAX(ordinal) != COUNT(*) - 1"
        ).fetchall() == []
        assert db.execute("SELECT COUNT(*) FROM chunks WHERE document_id NOT IN (SELECT id FROM documents)").fetchone() == (0,)
        assert db.execute(
            "SELECT path FROM documents d WHERE status = 'indexed' AND NOT EXISTS (SELECT 1 FROM chunks c WHERE c.document_id = d.id)"
        ).fetchall() == []
        assert db.execute(
            "SELECT COUNT(*) FROM chunks c JOIN documents d ON d.id = c.document_id WHERE d.status = 'error'"
        ).fetchone() == (0,)
        model = db.execute("SELECT value FROM meta WHERE key = 'embedding_model'").fetchone()
        chunk_count = db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
        if chunk_count:
            assert model == (MODEL_ID,)
            assert db.execute(
                """SELECT COUNT(*) FROM chunks c WHERE NOT EXISTS
                   (SELECT 1 FROM embeddings e WHERE e.text_hash = c.text_hash AND e.model_id = ?)""",
                (MODEL_ID,),
            ).fetchone() == (0,)
        # contentless FTS5: one docsize row per indexed chunk, none left for deleted ones
        fts_ids = {r[0] for r in db.execute("SELECT id FROM chunks_fts_docsize")}
        assert fts_ids == {r[0] for r in db.execute("SELECT id FROM chunks")}
        # and the terms are right: each marker finds exactly the chunks of its documents (two while a
        # file changed and renamed in one go is new under its new name and not yet gone under the old)
        by_marker: dict[str, set[int]] = {}
        for doc_id, path in db.execute("SELECT id, path FROM documents WHERE status = 'indexed' AND path LIKE '%.txt'").fetchall():
            mine = {r[0] for r in db.execute("SELECT id FROM chunks WHERE document_id = ?", (doc_id,))}
            by_marker.setdefault(_marker(path), set()).update(mine)
        for marker, mine in by_marker.items():
            found = {r[0] for r in db.execute("SELECT rowid FROM chunks_fts WHERE chunks_fts MATCH ?", (f'"{analyze(marker).strip()}"',))}
            assert found == mine, marker
        return dict(db.execute("SELECT path, content_hash FROM documents WHERE status = 'indexed'").fetchall())
    finally:
        db.close()


def _check_vectors(engine: RagEngine) -> None:
    """After open (load + reconcile), the vector index holds exactly the chunks with vectors, and their vectors."""
    truth = engine.store.chunk_ids_with_vectors(MODEL_ID)
    assert engine.vectors.labels == truth
    if truth:
        ids, stored = engine.store.vectors_for_chunks(sorted(truth), MODEL_ID)
        present, cached = engine.vectors.get(ids.tolist())
        assert present == ids.tolist()
        assert np.allclose(cached, stored, atol=1e-6)


# -- random SIGKILL ----------------------------------------------------------------------------------
CHILD = """
import sys, time
sys.path.insert(0, {repo!r})
from pathlib import Path
from benchmarks.common import HashingEmbedder
from desktop_rag.core.config import Settings
from desktop_rag.core.engine import RagEngine
from desktop_rag.core.paths import AppPaths
engine = RagEngine(AppPaths(Path(sys.argv[1])), Settings(), embedder=HashingEmbedder({model!r}, dim=64))
print("open", flush=True)
_ = engine.vectors  # load + reconcile (+ save when it had to catch up)
print("ready", flush=True)
last = None
def progress(p):
    global last
    if (p.phase, p.files_done, p.chunks_done) != last:
        last = (p.phase, p.files_done, p.chunks_done)
        print(p.phase, p.files_done, p.chunks_done, flush=True)
engine.index_folder(sys.argv[2], progress=progress)
print("indexed", flush=True)
engine.close()
print("closed", flush=True)
"""


def _run_and_kill(lib: Path, folder: Path, rng: random.Random, plan: str, longest: float, lines: int) -> tuple[str, str]:
    """Start the indexer and SIGKILL it at a random moment: a random time after start, or a random
    few milliseconds after the Nth progress line, the start of the final phase, or the engine's open.
    Returns (kill plan, the child's last line: where it was when killed, or "completed")."""
    script = CHILD.format(repo=str(REPO), model=MODEL_ID)
    proc = subprocess.Popen([sys.executable, "-c", script, str(lib), str(folder)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    started = time.monotonic()
    deadline = started + (rng.uniform(0.3, longest) if plan == "timer" else 60)
    target = rng.randint(3, lines)  # progress lines to wait for
    fd = proc.stdout.fileno()
    printed: list[str] = []
    pending = b""
    try:
        while (now := time.monotonic()) < deadline:
            ready, _, _ = select.select([fd], [], [], min(0.05, deadline - now))
            if not ready:
                continue
            data = os.read(fd, 65536)
            if not data:
                break  # finished before the kill
            pending += data
            *complete, pending = pending.split(b"\n")
            for raw in complete:
                line = raw.decode()
                printed.append(line)
                if (
                    (plan == "open" and line == "open")
                    or (plan == "saving" and line.startswith(("saving", "indexed")))
                    or (plan == "progress" and line.startswith(("indexing", "saving")) and len(printed) >= target)
                ):  # a little later: inside a commit, the embedding or the vector save
                    deadline = min(deadline, time.monotonic() + rng.uniform(0.0, 0.005 if plan == "open" else 0.03))
    finally:
        proc.kill()  # SIGKILL
        proc.wait(timeout=30)
        printed += proc.stdout.read().decode().splitlines()
        stderr = proc.stderr.read().decode()
        proc.stdout.close()
        proc.stderr.close()
    assert proc.returncode in (0, -9), stderr
    return plan, "completed" if proc.returncode == 0 else (printed[-1] if printed else "start-up")


def _mutate(folder: Path, rng: random.Random, round_no: int, next_id: list[int]) -> tuple[set[str], dict[str, str]]:
    """Between runs: new, modified, deleted and renamed files. Returns (deleted paths, {old path: new path})."""
    notes = folder / "notes"
    files = sorted(notes.glob("gen*.txt"))
    for _ in range(4):
        n = next_id[0]
        next_id[0] += 1
        (notes / f"gen{n:03d}.txt").write_text(_generated_text(rng, n), encoding="utf-8")
    for path in rng.sample(files, 4):
        n = int(path.stem[3:])
        path.write_text(_generated_text(rng, n, version=round_no), encoding="utf-8")
    gone = rng.choice([f for f in files if f.stem != "gen007"])
    gone.unlink()
    moved_from = rng.choice([f for f in files if f.exists() and f.stem != "gen007"])
    moved_to = notes / f"moved{round_no}-{moved_from.stem}.txt"
    moved_from.rename(moved_to)
    return {str(gone)}, {str(moved_from): str(moved_to)}


PLANS = ["progress", "timer", "saving", "progress", "open", "timer", "progress"]


@pytest.mark.slow
def test_random_sigkill_never_leaves_an_inconsistent_library(tmp_path, docs):
    rng = random.Random(20240605)
    folder = _library_folder(tmp_path, docs, rng, generated=30)
    lib = tmp_path / "lib"
    next_id = [30]
    before: dict[str, str] = {}
    deleted: set[str] = set()
    moved: dict[str, str] = {}
    outcomes = []
    started = time.monotonic()
    for round_no in range(14):
        if round_no >= 3:  # the first rounds kill the first, long run; later ones the incremental runs
            gone, renamed = _mutate(folder, rng, round_no, next_id)
            deleted |= gone
            moved.update(renamed)
        plan = PLANS[round_no % len(PLANS)]
        plan, where = _run_and_kill(lib, folder, rng, plan, longest=2.5 if round_no < 3 else 1.2, lines=30 if round_no < 3 else 9)
        outcomes.append(f"{plan}:{where}")
        if not (lib / "library.sqlite3").exists():
            continue
        snapshot = tmp_path / f"snapshot{round_no}"
        shutil.copytree(lib, snapshot)  # check a copy: the next run must start from the killed state itself
        after = _check_database(snapshot / "library.sqlite3")
        # nothing indexed before is lost: a document is there under its path, or moved, or deleted on purpose
        by_hash = {h: p for p, h in after.items()}
        for path, digest in before.items():
            if path in deleted:
                continue
            if path in moved:
                assert path in after or moved[path] in after or digest in by_hash, f"lost {path} (round {round_no}, {where})"
            else:
                assert path in after, f"lost {path} (round {round_no}, {where})"
        before = after
        engine = RagEngine(AppPaths(snapshot), Settings(), embedder=HashingEmbedder(MODEL_ID, dim=64))
        try:
            _check_vectors(engine)
        finally:
            engine.store.close()  # not engine.close(): the snapshot is thrown away anyway
        shutil.rmtree(snapshot)

    killed = [o for o in outcomes if not o.endswith("completed")]
    print(f"\n{len(killed)} of {len(outcomes)} runs killed in {time.monotonic() - started:.1f} s: {outcomes}")
    assert len(killed) >= 8
    assert any(o.split(":", 1)[1].startswith(("indexing", "saving")) for o in killed)

    engine = RagEngine(AppPaths(lib), Settings(), embedder=HashingEmbedder(MODEL_ID, dim=64))
    try:
        report = engine.index_folder(folder)
        assert not report.cancelled
        final = _check_database(lib / "library.sqlite3")
        on_disk = {str(p) for p in folder.rglob("*") if p.is_file()}
        failed = {r[0] for r in engine.store.db.execute("SELECT path FROM documents WHERE status = 'error'")}
        assert set(final) | failed == on_disk
        assert len(final) >= 50
        assert engine.store.db.execute("SELECT COUNT(*) FROM embeddings WHERE text_hash NOT IN (SELECT text_hash FROM chunks)").fetchone() == (0,)
        _check_vectors(engine)
        top = engine.search("how many gulls did the lighthouse keeper count", k=3)
        assert top and top[0].path.endswith("gen007.txt") and "lighthouse keeper" in top[0].text
        assert engine.search("duck", k=5, mode="keyword")[0].path.endswith("wiki_duck.html")
    finally:
        engine.close()


# -- the vector cache ---------------------------------------------------------------------------------
def _wrong_dim_file(vectors_dir: Path) -> None:
    other = VectorIndex(32, MODEL_ID)
    other.add(np.arange(1, 4), np.ones((3, 32), dtype=np.float32) / np.sqrt(32))
    scratch = vectors_dir / "scratch"
    other.save(scratch)
    shutil.copy(scratch / INDEX_FILE, vectors_dir / INDEX_FILE)  # the meta still says 64 dimensions


DAMAGE = {
    "garbage": lambda d: (d / INDEX_FILE).write_bytes(os.urandom(5000)),
    "truncated": lambda d: (d / INDEX_FILE).write_bytes((d / INDEX_FILE).read_bytes()[:3000]),
    "zero bytes": lambda d: (d / INDEX_FILE).write_bytes(b""),
    "wrong dimension": _wrong_dim_file,
    "index missing": lambda d: (d / INDEX_FILE).unlink(),
    "meta missing": lambda d: (d / META_FILE).unlink(),
    "meta garbage": lambda d: (d / META_FILE).write_text("{not json", encoding="utf-8"),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_a_damaged_vector_cache_is_rebuilt_from_sqlite(tmp_path, make_engine, damage):
    folder = tmp_path / "docs"
    folder.mkdir()
    for n in range(12):
        (folder / f"d{n}.txt").write_text(_generated_text(random.Random(n), n), encoding="utf-8")
    engine = make_engine(HashingEmbedder(MODEL_ID, dim=64))
    engine.index_folder(folder)
    engine.close()
    DAMAGE[damage](tmp_path / "library" / "vectors")

    again = make_engine(HashingEmbedder(MODEL_ID, dim=64))
    _check_vectors(again)
    hits = again.search("zqmarker7 revision", k=3, mode="dense")
    assert hits and hits[0].path.endswith("d7.txt")
    again.close()
    assert VectorIndex.load(tmp_path / "library" / "vectors", 64, MODEL_ID, again.store.library_id) is not None


def test_a_vector_cache_left_by_another_database_is_not_trusted(tmp_path, make_engine):
    """Chunk ids restart in a new database: an old cache's labels would point at other passages."""
    folder = tmp_path / "docs"
    folder.mkdir()
    for n in range(6):
        (folder / f"a{n}.txt").write_text(f"Old document {n} about pottery and kilns. " * 20, encoding="utf-8")
    first = make_engine(HashingEmbedder(MODEL_ID, dim=64))
    first.index_folder(folder)
    first.close()
    for engine_file in ("library.sqlite3", "library.sqlite3-wal", "library.sqlite3-shm"):
        (tmp_path / "library" / engine_file).unlink(missing_ok=True)  # the user deleted the database only
    other = tmp_path / "other"
    other.mkdir()
    for n in range(6):
        (other / f"b{n}.txt").write_text(f"New document {n} about sailing and tides. " * 20, encoding="utf-8")
    engine = make_engine(HashingEmbedder(MODEL_ID, dim=64))
    engine.index_folder(other)
    _check_vectors(engine)
    assert engine.search("sailing tides", k=1, mode="dense")[0].dense_score > 0.5


# -- a damaged database ---------------------------------------------------------------------------------
def _small_library(tmp_path: Path, make_engine) -> tuple[Path, Path]:
    folder = tmp_path / "docs"
    folder.mkdir()
    for n in range(40):
        (folder / f"d{n}.txt").write_text(_generated_text(random.Random(n), n), encoding="utf-8")
    engine = make_engine(HashingEmbedder(MODEL_ID, dim=64))
    engine.index_folder(folder)
    engine.conversations.create("a chat worth keeping")
    engine.close()
    return tmp_path / "library", folder


def _overwrite_pages(db_path: Path, table: str) -> None:
    """Overwrite the pages of one table's b-tree in the middle of the file with garbage."""
    with sqlite3.connect(db_path) as db:
        page_size = db.execute("PRAGMA page_size").fetchone()[0]
        pages = [r[0] for r in db.execute("SELECT pageno FROM dbstat WHERE name = ? AND pageno > 2", (table,))]
    db.close()
    assert pages
    with open(db_path, "r+b") as handle:
        for page in pages:
            handle.seek((page - 1) * page_size)
            handle.write(b"\xde\xad\xbe\xef" * (page_size // 4))


def _set_user_version(db_path: Path, version: int) -> None:
    db = sqlite3.connect(db_path)
    db.execute(f"PRAGMA user_version = {version}")
    db.close()


CORRUPTIONS = {
    "garbage header": lambda p: p.write_bytes(os.urandom(100) + p.read_bytes()[100:]),
    "truncated": lambda p: p.write_bytes(p.read_bytes()[: p.stat().st_size // 3]),
    "not sqlite": lambda p: p.write_text("these are my notes, not a database\n" * 50, encoding="utf-8"),
    "newer schema": lambda p: _set_user_version(p, 99),
    "page overwritten": lambda p: _overwrite_pages(p, "chunks"),
}


@pytest.mark.parametrize("corruption", list(CORRUPTIONS))
def test_a_damaged_database_is_a_clear_error_with_a_way_out(tmp_path, make_engine, corruption):
    lib, _ = _small_library(tmp_path, make_engine)
    db_path = lib / "library.sqlite3"
    assert not Path(f"{db_path}-wal").exists()  # closed cleanly: the WAL was merged
    CORRUPTIONS[corruption](db_path)

    expected = LibraryTooNew if corruption == "newer schema" else LibraryCorrupt
    with pytest.raises(expected) as caught:
        RagEngine(AppPaths(lib), Settings(), embedder=HashingEmbedder(MODEL_ID, dim=64))
    message = str(caught.value)
    assert str(db_path) in message and "desktop-rag repair" in message
    assert isinstance(caught.value, LibraryError) and caught.value.path == db_path

    result = subprocess.run(
        [sys.executable, "-m", "desktop_rag", "--data-dir", str(lib), "status"],
        capture_output=True, text=True, timeout=120, cwd=REPO,
    )
    assert result.returncode == 1
    assert result.stderr.splitlines() == [f"desktop-rag: error: {message}"]
    assert "Traceback" not in result.stderr


def test_damage_met_after_start_up_is_the_same_clear_error(tmp_path, make_engine, monkeypatch):
    """Big libraries skip the full check at open; what SQLite meets later is reported the same way."""
    lib, _ = _small_library(tmp_path, make_engine)
    _overwrite_pages(lib / "library.sqlite3", "chunks")
    monkeypatch.setattr("desktop_rag.core.index.store.QUICK_CHECK_MAX_BYTES", 0)
    engine = make_engine(HashingEmbedder(MODEL_ID, dim=64))  # opens: header, size and schema are fine
    with pytest.raises(LibraryCorrupt, match="desktop-rag repair"):
        engine.search("zqmarker3 revision", mode="keyword")


def test_repair_rebuilds_from_the_folders_it_can_still_read(tmp_path, make_engine):
    lib, folder = _small_library(tmp_path, make_engine)
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "tides.txt").write_text("Spring tides follow the new and full moon.", encoding="utf-8")
    vanished = tmp_path / "vanished"
    vanished.mkdir()
    (vanished / "x.txt").write_text("soon gone", encoding="utf-8")
    engine = make_engine(HashingEmbedder(MODEL_ID, dim=64))
    engine.index_folder(extra, "sea")
    engine.watch(extra, "sea")
    engine.index_folder(vanished, "tmp")
    engine.close()
    shutil.rmtree(vanished)
    _set_user_version(lib / "library.sqlite3", 99)  # unusable, but still readable

    paths = AppPaths(lib)
    report = repair_library(paths, embedder=HashingEmbedder(MODEL_ID, dim=64))
    assert report.repaired and "newer desktop-rag" in report.problem
    assert report.moved_to.name.startswith("library.sqlite3.damaged-") and report.moved_to.exists()
    assert report.folders_readable
    assert sorted((r.collection, Path(r.folder).name, r.files_indexed) for r in report.reindexed) == [
        ("default", "docs", 40), ("sea", "extra", 1)
    ]
    assert report.missing_folders == [str(vanished)]
    assert report.conversations == 1

    engine = make_engine(HashingEmbedder(MODEL_ID, dim=64))
    assert engine.search("spring tides moon", k=1)[0].path.endswith("tides.txt")
    assert engine.search("zqmarker12 revision", k=1)[0].path.endswith("d12.txt")
    assert [c.title for c in engine.conversations.list()] == ["a chat worth keeping"]
    assert {(f.collection, f.watched) for f in engine.store.folders()} == {("default", False), ("sea", True)}
    _check_vectors(engine)


def test_repair_of_an_unreadable_database_says_to_add_folders_again(tmp_path, make_engine):
    lib, _ = _small_library(tmp_path, make_engine)
    db_path = lib / "library.sqlite3"
    db_path.write_bytes(b"\x00" * 16 + db_path.read_bytes()[16:])  # the header is gone

    result = subprocess.run(
        [sys.executable, "-m", "desktop_rag", "--data-dir", str(lib), "repair"],
        capture_output=True, text=True, timeout=300, cwd=REPO,
    )
    assert result.returncode == 0, result.stderr
    assert "not an SQLite database" in result.stdout
    assert "add your folders again" in result.stdout
    assert "saved chats: could not be read" in result.stdout
    assert [p.name for p in lib.glob("library.sqlite3.damaged-*")]
    status = subprocess.run(
        [sys.executable, "-m", "desktop_rag", "--data-dir", str(lib), "status"],
        capture_output=True, text=True, timeout=120, cwd=REPO,
    )
    assert status.returncode == 0 and "no folders indexed yet" in status.stdout

    again = subprocess.run(
        [sys.executable, "-m", "desktop_rag", "--data-dir", str(lib), "repair"],
        capture_output=True, text=True, timeout=120, cwd=REPO,
    )
    assert again.returncode == 0 and "nothing to repair" in again.stdout


def test_repair_after_a_page_is_overwritten(tmp_path, make_engine):
    lib, _ = _small_library(tmp_path, make_engine)
    _overwrite_pages(lib / "library.sqlite3", "chunks")  # folders and chats live on other pages
    report = repair_library(AppPaths(lib), embedder=HashingEmbedder(MODEL_ID, dim=64))
    assert report.repaired and report.folders_readable and report.conversations == 1
    assert [r.files_indexed for r in report.reindexed] == [40]
    engine = make_engine(HashingEmbedder(MODEL_ID, dim=64))
    assert engine.search("zqmarker5 revision", k=1)[0].path.endswith("d5.txt")


def test_repair_leaves_a_healthy_library_alone_unless_forced(tmp_path, make_engine):
    lib, _ = _small_library(tmp_path, make_engine)
    before = (lib / "library.sqlite3").read_bytes()
    assert not repair_library(AppPaths(lib), embedder=HashingEmbedder(MODEL_ID, dim=64)).repaired
    assert (lib / "library.sqlite3").read_bytes() == before
    forced = repair_library(AppPaths(lib), embedder=HashingEmbedder(MODEL_ID, dim=64), force=True)
    assert forced.repaired and [r.files_indexed for r in forced.reindexed] == [40]


# -- searching while indexing ---------------------------------------------------------------------------
def test_searches_keep_working_while_a_folder_is_indexed(tmp_path, make_engine):
    rng = random.Random(11)
    folder = tmp_path / "many"
    folder.mkdir()
    for n in range(200):
        (folder / f"f{n:03d}.txt").write_text(_generated_text(rng, n), encoding="utf-8")
    engine = make_engine(FakeEmbedder(MODEL_ID, dim=64))
    indexing_done = threading.Event()
    failures: list[BaseException] = []
    counts = [0, 0, 0]
    deleted: set[str] = set()

    def indexer():
        try:
            engine.index_folder(folder)
            for n in range(0, 200, 10):  # then a second pass with deletions and changes under the searches
                path = folder / f"f{n:03d}.txt"
                deleted.add(str(path))
                path.unlink()
                (folder / f"f{n + 1:03d}.txt").write_text(_generated_text(rng, n + 1, version=2), encoding="utf-8")
            engine.index_folder(folder)
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            failures.append(exc)
        finally:
            indexing_done.set()

    def searcher(slot: int):
        local = random.Random(slot)
        try:
            while not indexing_done.is_set():
                n = local.randrange(200)
                query = local.choice([f"zqmarker{n} revision", f"{local.choice(WORDS)} {local.choice(WORDS)}", f"section zqmarker{n}"])
                for hit in engine.search(query, k=8, mode="hybrid"):
                    assert hit.chunk_id > 0 and hit.text and Path(hit.path).parent == folder
                    assert np.isfinite(hit.score)
                    assert hit.dense_score is None or np.isfinite(hit.dense_score)
                    # the passage belongs to the file it names (markers are unique per file)
                    assert re.search(rf"\bzqmarker{int(Path(hit.path).stem[1:])}\b", hit.text)
                counts[slot] += 1
        except BaseException as exc:  # noqa: BLE001
            failures.append(exc)

    threads = [threading.Thread(target=searcher, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    writer = threading.Thread(target=indexer)
    writer.start()
    writer.join(120)
    for t in threads:
        t.join(30)
    assert not failures, failures
    assert min(counts) >= 5, counts  # every thread really searched during the indexing

    _consistency_after_concurrency(engine, folder, deleted)


def _consistency_after_concurrency(engine: RagEngine, folder: Path, deleted: set[str]) -> None:
    truth = engine.store.chunk_ids_with_vectors(MODEL_ID)
    assert engine.vectors.labels == truth == {r[0] for r in engine.store.db.execute("SELECT id FROM chunks")}
    for n in range(200):
        path = folder / f"f{n:03d}.txt"
        hits = engine.search(f"zqmarker{n}", k=3, mode="keyword")
        if str(path) in deleted:
            assert hits == []
        else:
            assert hits and hits[0].path == str(path)
            text = " ".join(r[0] for r in engine.store.db.execute(
                "SELECT c.text FROM chunks c JOIN documents d ON d.id = c.document_id WHERE d.path = ?", (str(path),)
            ))
            version = 2 if n % 10 == 1 else 0
            assert f"revision {version}." in text and f"revision {2 - version}." not in text
