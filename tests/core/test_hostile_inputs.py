"""Hostile and large input: no crash, no hang, a clear per-file reason, memory bounded.

What the user sees is asserted: the file is listed in the report and in ``status()`` with a reason,
and the other files of the folder are indexed. Slow parsers are cut off by the per-file time limit
(the reader process is killed), so the tests use a limit of about a second.

Some tests swap the function the reader process runs for :func:`scripted_load` below (it is
pickled by reference, so it lives at module level): the file's name says what it does to the
reader (sleep, crash, hog memory, delete or change a file).
"""

from __future__ import annotations

import base64
import io
import os
import random
import sys
import threading
import time
import tracemalloc
import zipfile
from pathlib import Path

import pytest

from benchmarks.common import HashingEmbedder
from desktop_rag.core.index import indexer as indexer_module
from desktop_rag.core.ingest import isolation
from desktop_rag.core.ingest.chunking import Chunker
from desktop_rag.core.ingest.isolation import IsolatedLoader, LoadCancelled
from desktop_rag.core.ingest.loaders import LoadedDocument, LoadError, load_document
from desktop_rag.core.ingest.loaders import text as text_loader

LINUX = sys.platform.startswith("linux")


def scripted_load(path: Path, max_bytes: int) -> LoadedDocument:
    """Runs in the reader process instead of ``load_document``; the file name picks the behaviour."""
    name = path.name
    if "slow" in name:
        time.sleep(120)
    if "crash" in name:
        os._exit(3)  # as a segfaulting C extension would: no reply, the pipe closes
    if "hog" in name:
        bytearray(6 * 1024**3)  # 6 GB: refused by the address-space cap
    if "deleter" in name:
        (path.parent / "victim.txt").unlink()
    if "grows" in name:  # changes on every read
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(" growing")
    if "changes_once" in name:
        marker = path.with_suffix(".marker")
        if not marker.exists():
            marker.write_text("seen")
            with open(path, "a", encoding="utf-8") as handle:
                handle.write(" appended while being read")
    return load_document(path, max_bytes)


@pytest.fixture
def scripted(monkeypatch):
    monkeypatch.setattr(indexer_module, "load_document", scripted_load)


def _write(folder: Path, name: str, data: str | bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(data, encoding="utf-8")
    return path


def _reasons(report) -> dict[str, str]:
    return {Path(e.path).name: e.reason for e in report.errors}


def _status_reasons(engine) -> dict[str, str]:
    return {Path(e["path"]).name: e["reason"] for f in engine.status()["folders"] for e in f["errors"]}


def _indexed(engine) -> set[str]:
    rows = engine.store.db.execute("SELECT path FROM documents WHERE status = 'indexed'").fetchall()
    return {Path(p).name for (p,) in rows}


def _zip(members: dict[str, bytes | str], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buffer.getvalue()


def _zeros_member_zip(name: str, size: int, extra: dict[str, str] | None = None) -> bytes:
    """A ZIP with ``size`` zero bytes in ``name``, written in blocks (a ~1000x ratio: a bomb)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for member, text in (extra or {}).items():
            zf.writestr(member, text)
        info = zipfile.ZipInfo(name)
        info.compress_type = zipfile.ZIP_DEFLATED
        with zf.open(info, "w", force_zip64=True) as out:
            block = bytes(1 << 20)
            for _ in range(size // len(block)):
                out.write(block)
    return buffer.getvalue()


_DOCX_BODY = (
    '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>{}</w:body></w:document>'
)


def _docx(body_xml: str) -> bytes:
    return _zip({"word/document.xml": _DOCX_BODY.format(body_xml)})


# --- zip bombs ----------------------------------------------------------------------------------


def test_zip_bomb_docx_is_refused_from_its_directory(tmp_path):
    """150 MB of zeros in a 150 KB file: refused by ratio before a byte is inflated, default limits."""
    path = _write(tmp_path, "bomb.docx", _zeros_member_zip("word/document.xml", 150 * 1024 * 1024))
    assert path.stat().st_size < 1_000_000
    tracemalloc.start()
    try:
        with pytest.raises(LoadError, match=r"^looks like a zip bomb \(declares 157 MB uncompressed\)$"):
            load_document(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20 * 1024 * 1024, "the directory check must come before any inflating"


def test_zip_bomb_epub_is_refused(tmp_path):
    path = _write(tmp_path, "bomb.epub", _zeros_member_zip("OEBPS/chapter.xhtml", 20 * 1024 * 1024))
    with pytest.raises(LoadError, match=r"looks like a zip bomb \(declares 21.0 MB uncompressed\)"):
        load_document(path, max_bytes=1_000_000)  # budget: 10x the file-size limit


def test_many_members_add_up_to_a_bomb(tmp_path):
    members = {f"word/part{i}.xml": b" " * 400_000 for i in range(30)}  # 12 MB in all, each small
    members["word/document.xml"] = _DOCX_BODY.format("<w:p><w:r><w:t>hi</w:t></w:r></w:p>")
    with pytest.raises(LoadError, match="looks like a zip bomb"):
        load_document(_write(tmp_path, "many.docx", _zip(members)), max_bytes=1_000_000)


def test_a_lying_zip_directory_gets_no_more_memory_than_it_declares(tmp_path):
    """Declares 100 bytes, inflates to 3 MB: zipfile stops at the declared size and the CRC fails."""
    data = bytearray(_zip({"word/document.xml": _DOCX_BODY.format("<w:p><w:r><w:t>" + "x" * 3_000_000 + "</w:t></w:r></w:p>")}))
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):  # local header, central directory
        at = data.index(signature)
        data[at + offset : at + offset + 4] = (100).to_bytes(4, "little")
    with pytest.raises(LoadError, match="^corrupt DOCX"):
        load_document(_write(tmp_path, "liar.docx", bytes(data)), max_bytes=1_000_000)


def test_ordinary_docx_is_not_taken_for_a_bomb(tmp_path, docs):
    doc = load_document(docs / "docx/docx_rich_tables_01.docx")  # the biggest real sample (3 MB)
    assert doc.pages[0].text.strip()


# --- deep nesting, super-linear inputs ----------------------------------------------------------


def test_deeply_nested_html_is_read(tmp_path):
    markup = "<html><body>" + "<div>" * 100_000 + "deep text" + "</div>" * 100_000 + "</body></html>"
    started = time.monotonic()
    doc = load_document(_write(tmp_path, "nested.html", markup))
    assert doc.pages[0].text == "deep text"
    assert time.monotonic() - started < 20


def test_deeply_nested_docx_is_a_clear_error(tmp_path):
    body = "<w:sdt>" * 100_000 + "<w:p><w:r><w:t>deep</w:t></w:r></w:p>" + "</w:sdt>" * 100_000
    with pytest.raises(LoadError, match="^structure nested too deeply to read"):
        load_document(_write(tmp_path, "nested.docx", _docx(body)))


def test_long_runs_of_spaces_are_linear(tmp_path):
    # The old trailing-space regex took 15 s on 20,000 spaces and hours on a megabyte.
    text = "start" + " " * 1_000_000 + "end\n" + "\t " * 500_000 + "\nlast line   "
    started = time.monotonic()
    doc = load_document(_write(tmp_path, "spaces.txt", text))
    assert time.monotonic() - started < 5
    assert doc.pages[0].text.endswith("\n\nlast line")


def test_binary_noise_named_txt(tmp_path):
    with pytest.raises(LoadError, match="^binary file, not text$"):
        load_document(_write(tmp_path, "noise.txt", random.Random(11).randbytes(1 << 20)))


# --- big text files -----------------------------------------------------------------------------


@pytest.fixture
def small_stream_blocks(monkeypatch):
    """Stream every text file over 1 KB in 4 KB blocks (the real values: 16 MB and 4 MB)."""
    monkeypatch.setattr(text_loader, "STREAM_ABOVE_BYTES", 1000)
    monkeypatch.setattr(text_loader, "_BLOCK_BYTES", 4099)  # odd: cuts multi-byte characters


_SAMPLE_WORDS = ["alpha", "beta", "한국어", "문장입니다.", "café", "naïve", "\r\n", "\n\n", "  ", "\t", "e\u0301"]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "cp949"])
def test_streamed_text_matches_whole_file_reading(tmp_path, monkeypatch, encoding):
    rng = random.Random(3)
    words = _SAMPLE_WORDS if encoding != "cp949" else [w for w in _SAMPLE_WORDS if w not in ("café", "naïve", "e\u0301")]
    text = " ".join(rng.choice(words) for _ in range(20_000))
    path = _write(tmp_path, "big.txt", text.encode(encoding))
    whole = load_document(path)
    assert len(whole.pages) == 1
    monkeypatch.setattr(text_loader, "STREAM_ABOVE_BYTES", 1000)
    monkeypatch.setattr(text_loader, "_BLOCK_BYTES", 4099)
    streamed = load_document(path)
    assert len(streamed.pages) > 10
    # Pages end at line breaks, so only the whitespace where they were cut may differ.
    assert " ".join(p.text for p in streamed.pages).split() == whole.pages[0].text.split()
    assert "\ufffd" not in " ".join(p.text for p in streamed.pages)


def test_streamed_markdown_keeps_headings_and_code_fences(tmp_path, small_stream_blocks):
    code = "```python\n" + "# a comment, not a heading\nx = 1\n" * 400 + "```\n"
    markdown = "# Title\n\nintro\n\n" + code + "\nSetext heading\n==============\n\n" + "body text. " * 600
    doc = load_document(_write(tmp_path, "big.md", markdown))
    assert len(doc.pages) > 4 and doc.headings
    chunks = Chunker(HashingEmbedder().count_tokens, 256, 64, 0).chunk_pages([(p.number, p.text) for p in doc.pages], doc.headings)
    paths = {c.heading_path for c in chunks}
    assert paths == {("Title",), ("Setext heading",)}, "a code block cut between pages stays code"
    text = "\n".join(c.text for c in chunks)
    assert text.count("# a comment, not a heading") == 400


def test_binary_in_the_middle_of_a_big_text_file(tmp_path, small_stream_blocks):
    data = b"plain words here\n" * 1000 + bytes(range(1, 32)) * 2000 + b"more words\n" * 1000
    with pytest.raises(LoadError, match="^binary file, not text$"):
        load_document(_write(tmp_path, "mixed.log", data))


def test_streaming_keeps_memory_near_the_text_size(tmp_path, monkeypatch):
    """Reading whole needs ~4x the text (bytes, decoded, normalised); streamed, the text plus a block."""
    monkeypatch.setattr(text_loader, "STREAM_ABOVE_BYTES", 1_000_000)
    monkeypatch.setattr(text_loader, "_BLOCK_BYTES", 1_000_000)
    path = _write(tmp_path, "log.txt", ("2024-01-01 12:00:00 INFO request served in 12 ms\n" * 8 + "\n") * 40_000)
    size = path.stat().st_size  # 16 MB of ASCII: as str, 16 MB too
    tracemalloc.start()
    try:
        doc = load_document(path, max_bytes=size)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert sum(len(p.text) for p in doc.pages) > 0.95 * size
    assert peak < 1.5 * size, f"peak {peak / 1e6:.0f} MB for a {size / 1e6:.0f} MB file"


def test_text_without_any_break_is_tokenized_in_bounded_pieces():
    """A 2 MB line (minified JSON, base64): the tokenizer never gets it, or too much of it, at once."""
    from desktop_rag.core.ingest import chunking

    text = base64.b64encode(random.Random(9).randbytes(1_500_000)).decode()
    calls: list[list[int]] = []

    def counter(texts):
        calls.append([len(t) for t in texts])
        return [len(t) // 4 + 2 for t in texts]

    chunks = Chunker(counter, 128, chunk_tokens=100, overlap_tokens=0).chunk_pages([(None, text)], headings=False)
    assert "".join(c.text for c in chunks) == text
    assert max(c.token_count for c in chunks) <= 128
    assert max(max(c) for c in calls if c) <= chunking._MAX_SPAN_CHARS
    assert max(sum(c) for c in calls) <= chunking._COUNT_BATCH_CHARS + chunking._MAX_SPAN_CHARS


# --- the reader process: time limit, crashes, memory cap, cancel ----------------------------------


def test_slow_reader_is_abandoned_and_the_next_file_is_read(tmp_path):
    slow = _write(tmp_path, "slow.html", "never read")
    fine = _write(tmp_path, "fine.html", "read at once")
    with IsolatedLoader(max_seconds=1.0, target=scripted_load) as reader:
        started = time.monotonic()
        with pytest.raises(LoadError, match=r"^took longer than 1 s to read \(skipped\)$"):
            reader.load(slow, 1000)
        assert time.monotonic() - started < 5
        assert reader.load(fine, 1000).pages[0].text == "read at once"
        assert reader.restarts == 1


def test_big_text_files_are_read_by_the_worker_small_ones_here(tmp_path):
    small = _write(tmp_path, "slow_small.txt", "read here: the sleep would hang this test")
    big = _write(tmp_path, "slow_big.txt", "x " * (isolation.IN_PROCESS_MAX_BYTES // 2 + 1))
    assert isolation.reads_in_process(small) and not isolation.reads_in_process(big)
    assert not isolation.reads_in_process(_write(tmp_path, "tiny.pdf", b"%PDF-1.4"))
    with IsolatedLoader(max_seconds=1.0, target=scripted_load) as reader:
        with pytest.raises(LoadError, match="^took longer than 1 s"):
            reader.load(big, 10_000_000)
    with IsolatedLoader(max_seconds=1.0, target=load_document) as reader:
        assert reader.load(small, 1000).pages[0].text.startswith("read here")


def test_crashing_reader_is_a_per_file_error(tmp_path):
    with IsolatedLoader(max_seconds=30, target=scripted_load) as reader:
        with pytest.raises(LoadError, match=r"^the reader crashed on this file \(exit code 3; skipped\)$"):
            reader.load(_write(tmp_path, "crash.html", "boom"), 1000)
        assert reader.load(_write(tmp_path, "after.txt", "still fine"), 1000).pages[0].text == "still fine"


@pytest.mark.skipif(not LINUX, reason="RLIMIT_AS is enforced on Linux only")
def test_reader_memory_is_capped(tmp_path):
    with IsolatedLoader(max_seconds=30, memory_limit_bytes=1024**3, target=scripted_load) as reader:
        with pytest.raises(LoadError, match=r"^needs more than 1.0 GB of memory to read \(skipped\)$"):
            reader.load(_write(tmp_path, "hog.html", "greedy"), 1000)
        assert reader.load(_write(tmp_path, "after.txt", "still fine"), 1000).pages[0].text == "still fine"


def test_cancel_stops_waiting_for_a_slow_file(tmp_path):
    cancel = threading.Event()
    threading.Timer(0.3, cancel.set).start()
    with IsolatedLoader(max_seconds=60, target=scripted_load) as reader:
        started = time.monotonic()
        with pytest.raises(LoadCancelled):
            reader.load(_write(tmp_path, "slow.html", "x"), 1000, cancel)
        assert time.monotonic() - started < 3


def test_without_a_reader_process_files_are_read_here(tmp_path, monkeypatch):
    def refuse(self):
        raise OSError("process creation not permitted")

    monkeypatch.setattr(type(isolation.multiprocessing.get_context("spawn")).Process, "start", refuse)
    with IsolatedLoader(max_seconds=1.0) as reader:
        assert reader.load(_write(tmp_path, "a.html", "read in-process"), 1000).pages[0].text == "read in-process"
        assert not reader.isolated


_UNGUARDED_SCRIPT = """
import sys, tempfile
from pathlib import Path
from benchmarks.common import HashingEmbedder
from desktop_rag.core.config import Settings
from desktop_rag.core.engine import RagEngine
from desktop_rag.core.paths import AppPaths

engine = RagEngine(AppPaths(Path(sys.argv[2])), Settings(), embedder=HashingEmbedder())
report = engine.index_folder(Path(sys.argv[1]))
print("INDEXED", report.files_indexed, len(report.errors))
"""


def test_unguarded_script_indexes_once(tmp_path):
    """spawn re-imports the main script in the reader: it must not index the folder there too."""
    import subprocess

    folder = tmp_path / "docs"
    _write(folder, "page.html", "<p>An ordinary page about volcanoes.</p>")
    script = _write(tmp_path, "unguarded.py", _UNGUARDED_SCRIPT)
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [sys.executable, str(script), str(folder), str(tmp_path / "lib")],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(root)},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.count("INDEXED") == 1 and "INDEXED 1 0" in result.stdout
    assert 'put the script\'s code under `if __name__ == "__main__":`' in result.stderr


# --- whole folders, as the user sees them -----------------------------------------------------


@pytest.mark.skipif(sys.platform == "win32", reason="named pipes, /dev/zero and symlinks are POSIX things")
def test_hostile_folder_is_indexed_around_its_bad_files(tmp_path, make_engine, fake_embedder, docs, monkeypatch):
    folder = tmp_path / "hostile"
    _write(folder, "good/notes.md", "# Notes\n\nThe comet returns every 76 years.")
    _write(folder, "good/report.txt", "Quarterly report: revenue grew in the northern region.")
    (folder / "good/paper.pdf").write_bytes((docs / "pdf/text_born_digital/multi_page.pdf").read_bytes())
    _write(folder, "bomb.docx", _zeros_member_zip("word/document.xml", 150 * 1024 * 1024))
    _write(folder, "nested.html", "<div>" * 50_000 + "nested but fine" + "</div>" * 50_000)
    _write(folder, "nested.docx", _docx("<w:sdt>" * 50_000 + "<w:p/>" + "</w:sdt>" * 50_000))
    _write(folder, "noise.txt", random.Random(5).randbytes(256 * 1024))
    _write(folder, "empty.md", b"")
    with open(folder / "sparse.txt", "wb") as handle:  # 1 GB, no blocks on disk
        handle.truncate(1024**3)
    (folder / "cycle_a.txt").symlink_to(folder / "cycle_b.txt")
    (folder / "cycle_b.txt").symlink_to(folder / "cycle_a.txt")
    (folder / "dangling.txt").symlink_to(folder / "missing.txt")
    os.mkfifo(folder / "pipe.txt")
    (folder / "zero.txt").symlink_to("/dev/zero")

    hashed: list[str] = []
    real_hash = indexer_module.content_hash

    def spy(path: str) -> str:
        hashed.append(Path(path).name)
        return real_hash(path)

    monkeypatch.setattr(indexer_module, "content_hash", spy)
    engine = make_engine(fake_embedder)
    started = time.monotonic()
    report = engine.index_folder(folder)
    assert time.monotonic() - started < 60

    reasons = _reasons(report)
    assert reasons["bomb.docx"] == "looks like a zip bomb (declares 157 MB uncompressed)"
    assert reasons["nested.docx"].startswith("structure nested too deeply to read")
    assert reasons["noise.txt"] == "binary file, not text"
    assert reasons["empty.md"] == "empty file"
    assert reasons["sparse.txt"] == f"file too large ({1024**3} bytes, limit {200 * 1024 * 1024})"
    assert reasons["cycle_a.txt"] == reasons["cycle_b.txt"] == "symbolic link loop"
    assert reasons["dangling.txt"] == "broken symbolic link (its target does not exist)"
    assert reasons["pipe.txt"] == "not a regular file (named pipe); skipped"
    assert reasons["zero.txt"] == "not a regular file (device); skipped"
    assert "sparse.txt" not in hashed, "the size limit is checked before a byte is read"
    assert _indexed(engine) == {"notes.md", "report.txt", "paper.pdf", "nested.html"}
    assert engine.search("comet returns", mode="keyword")[0].path.endswith("notes.md")
    assert set(_status_reasons(engine)) == set(reasons)


def test_slow_file_hits_the_time_limit_and_the_rest_is_indexed(tmp_path, make_engine, fake_embedder, scripted):
    folder = tmp_path / "docs"
    _write(folder, "a.txt", "Alpha text about volcanoes.")
    _write(folder, "b_slow.html", "This one hangs the reader.")
    _write(folder, "c.txt", "Gamma text about glaciers.")
    engine = make_engine(fake_embedder, max_seconds_per_file=1.0)
    started = time.monotonic()
    report = engine.index_folder(folder)
    assert time.monotonic() - started < 20
    assert _reasons(report) == {"b_slow.html": "took longer than 1 s to read (skipped)"}
    assert _status_reasons(engine) == {"b_slow.html": "took longer than 1 s to read (skipped)"}
    assert _indexed(engine) == {"a.txt", "c.txt"}


def test_pathological_html_hits_the_time_limit(tmp_path, make_engine, fake_embedder):
    """CPython 3.11's html.parser is quadratic on '<x<x<x...': this 600 KB page would take minutes."""
    folder = tmp_path / "web"
    _write(folder, "trap.html", "<x" * 300_000)
    _write(folder, "page.html", "<h1>Fine</h1><p>An ordinary page about tides.</p>")
    engine = make_engine(fake_embedder, max_seconds_per_file=1.0)
    report = engine.index_folder(folder)
    if sys.version_info < (3, 13):  # newer CPythons fixed the parser: then the page just has no text
        assert _reasons(report) == {"trap.html": "took longer than 1 s to read (skipped)"}
    assert "page.html" in _indexed(engine)


def test_crashing_reader_in_a_folder(tmp_path, make_engine, fake_embedder, scripted):
    folder = tmp_path / "docs"
    _write(folder, "a_crash.html", "kills the reader")
    _write(folder, "b.txt", "Read by a fresh reader.")
    engine = make_engine(fake_embedder)
    report = engine.index_folder(folder)
    assert _reasons(report) == {"a_crash.html": "the reader crashed on this file (exit code 3; skipped)"}
    assert _indexed(engine) == {"b.txt"}


def test_file_deleted_mid_index(tmp_path, make_engine, fake_embedder, scripted):
    folder = tmp_path / "docs"
    _write(folder, "a_deleter.html", "Reading this deletes victim.txt.")
    _write(folder, "victim.txt", "Deleted before its turn.")
    _write(folder, "z.txt", "Still indexed.")
    engine = make_engine(fake_embedder)
    report = engine.index_folder(folder)
    assert _reasons(report) == {"victim.txt": "file was deleted or moved while it was being indexed"}
    assert _indexed(engine) == {"a_deleter.html", "z.txt"}
    again = engine.index_folder(folder)  # the next run forgets it
    assert again.errors == [] and _status_reasons(engine) == {}
    assert engine.store.db.execute("SELECT COUNT(*) FROM documents WHERE path LIKE '%victim.txt'").fetchone()[0] == 0


def test_file_changed_while_read_is_read_again(tmp_path, make_engine, fake_embedder, scripted):
    folder = tmp_path / "docs"
    _write(folder, "changes_once.txt", "Original words about rivers.")
    engine = make_engine(fake_embedder)
    report = engine.index_folder(folder)
    assert report.errors == [] and report.files_indexed == 1
    assert engine.search("appended while being read", mode="keyword"), "the second, complete read is indexed"


def test_file_that_keeps_changing_is_reported_then_indexed_next_run(tmp_path, make_engine, fake_embedder, monkeypatch):
    folder = tmp_path / "docs"
    _write(folder, "grows.txt", "A log that is being written.")
    _write(folder, "calm.txt", "A quiet file about lakes.")
    engine = make_engine(fake_embedder)
    monkeypatch.setattr(indexer_module, "load_document", scripted_load)
    report = engine.index_folder(folder)
    reason = "file kept changing while it was being read; it will be indexed on the next run"
    assert _reasons(report) == {"grows.txt": reason}
    assert _indexed(engine) == {"calm.txt"}
    monkeypatch.setattr(indexer_module, "load_document", load_document)  # writing has stopped
    again = engine.index_folder(folder)
    assert again.errors == [] and again.files_indexed == 1
    assert _indexed(engine) == {"calm.txt", "grows.txt"}
    assert engine.search("growing", mode="keyword")[0].path.endswith("grows.txt")


def test_permission_denied_file(tmp_path, make_engine, fake_embedder, monkeypatch):
    folder = tmp_path / "docs"
    secret = _write(folder, "secret.txt", "No one may read this.")
    _write(folder, "open.txt", "Everyone may read this.")
    if os.geteuid() == 0:  # root reads everything: simulate the refusal
        real_hash = indexer_module.content_hash

        def refuse(path: str) -> str:
            if path.endswith("secret.txt"):
                raise PermissionError(13, "Permission denied")
            return real_hash(path)

        monkeypatch.setattr(indexer_module, "content_hash", refuse)
    secret.chmod(0)
    try:
        report = make_engine(fake_embedder).index_folder(folder)
    finally:
        secret.chmod(0o644)
    assert _reasons(report) == {"secret.txt": "permission denied"}
    assert report.files_indexed == 1


def test_time_limit_is_a_validated_setting():
    from desktop_rag.core.config import Settings
    from desktop_rag.core.errors import UserError

    assert Settings().max_seconds_per_file == 120.0
    with pytest.raises(UserError, match="max_seconds_per_file"):
        Settings(max_seconds_per_file=0).validate()
