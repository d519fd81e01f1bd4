"""Folder indexing: scan -> diff -> load -> chunk -> embed -> store -> vector index.

Only what changed is touched: unchanged files (same size and mtime) are skipped,
touched-but-identical files (same content hash) only get their timestamps updated,
moved/renamed files (a vanished path with the same hash) keep their chunks and
vectors, deleted files lose theirs. Identical chunks are embedded once.

A loader thread parses and chunks files while this thread embeds and writes, so the
model is kept busy. Each document is committed in its own transaction: killing the
process at any point loses at most the documents in flight, and the next run picks
up exactly where this one stopped.

No file can stop the run: files are read in a worker process (``ingest.isolation``) that
is killed when one file takes longer than ``Settings.max_seconds_per_file`` or crashes;
sizes are checked before a byte is read; a file deleted, made unreadable or changed
while it is read gets a per-file error (a changed file is retried once, then left for
the next run, which sees its new size or time).
"""

from __future__ import annotations

import hashlib
import logging
import os
import queue
import stat
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..config import Settings
from ..errors import UserError
from ..ingest import isolation
from ..ingest.chunking import Chunker
from ..ingest.isolation import IsolatedLoader, LoadCancelled, default_memory_limit
from ..ingest.loaders import LoadError, load_document, size_problem, supported_extensions
from ..ingest.scanner import FileEntry, scan_folder
from ..models.embedder import Embedder
from ..types import Chunk, FileError, IndexReport, Progress
from .ocr_plan import OcrPolicy, ocr_record
from .store import DocumentRow, Store
from .vector_index import VectorIndex

log = logging.getLogger(__name__)

ProgressCallback = Callable[[Progress], None]

_GROUP_CHUNKS = 1024  # chunks embedded together (sorted by length: less padding) before their documents are committed
_EMBED_SLICE = 256  # chunks per embedding call: progress is reported between calls
_CHECKPOINT_S = 120.0  # save the vector index this often during long runs


@dataclass
class _Parsed:
    entry: FileEntry
    content_hash: str
    chunks: list[Chunk]
    chunk_hashes: list[str]
    page_count: int
    warnings: list[str]
    ocr_engine: str | None = None
    ocr_pages: list[int] = field(default_factory=list)


@dataclass
class _Failed:
    entry: FileEntry
    reason: str


@dataclass
class _SameContent:
    """The file's bytes are already indexed (touched, or moved here from ``row.path``)."""

    entry: FileEntry
    row: DocumentRow
    moved: bool


@dataclass
class _Plan:
    to_check: list[tuple[FileEntry, DocumentRow | None]] = field(default_factory=list)
    unchanged: int = 0
    gone: dict[str, DocumentRow] = field(default_factory=dict)


def content_hash(path: str) -> str:
    digest = hashlib.blake2b(digest_size=20)
    # O_NONBLOCK: a file swapped for a named pipe since the scan must not block the run forever.
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    with open(fd, "rb", closefd=True) as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise _NotRegularFile()
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


class _NotRegularFile(OSError):
    pass


def text_hash(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


class Indexer:
    """Runs one indexing pass over a folder; the caller guarantees a single writer."""

    def __init__(
        self,
        store: Store,
        embedder: Embedder,
        vectors: VectorIndex,
        settings: Settings,
        vectors_dir: Path,
        ocr_model_dirs: tuple[str, ...] = (),
        after_commit: Callable[[], object] | None = None,
    ):
        self.store = store
        self.embedder = embedder
        self.vectors = vectors
        self.settings = settings
        self.vectors_dir = vectors_dir
        self.ocr = OcrPolicy.from_settings(settings, ocr_model_dirs)
        self._chunker: Chunker | None = None
        self._page_note: Callable[[int, int, str], None] = lambda _n, _t, _name: None
        # Called after each group of documents is committed: the engine's keyword index follows there,
        # rather than being built whole at the end (at 100k chunks, ~300 MB at once).
        self._after_commit = after_commit or (lambda: None)

    @property
    def chunker(self) -> Chunker:
        if self._chunker is None:
            self._chunker = Chunker(
                self.embedder.count_tokens,
                self.embedder.max_tokens,
                self.settings.chunk_tokens,
                self.settings.chunk_overlap_tokens,
            )
        return self._chunker

    def run(
        self,
        folder: Path,
        collection: str,
        progress: ProgressCallback | None = None,
        cancel: threading.Event | None = None,
    ) -> IndexReport:
        isolation.refuse_in_worker()
        started = time.monotonic()
        cancel = cancel or threading.Event()
        folder = Path(folder).expanduser().resolve()
        if not folder.is_dir():
            raise UserError(f"not a folder: {folder}")
        report = IndexReport(folder=str(folder), collection=collection)
        state = Progress(folder=str(folder))
        notify = progress or (lambda _p: None)
        notify(_copy(state))

        folder_id = self.store.ensure_folder(collection, str(folder))
        scan = scan_folder(folder, supported_extensions())
        existing = self.store.documents_in_folder(folder_id)
        plan = self._plan(scan.files, existing, {e.path for e in scan.errors}, self.ocr)
        report.files_seen = len(scan.files)
        report.files_unchanged = plan.unchanged
        for error in scan.errors:
            row = existing.get(error.path)
            if row is None or row.error != error.reason:
                self._vectors_remove(self.store.record_error(folder_id, error.path, 0, 0, error.reason))
            report.errors.append(error)

        state.phase = "indexing"
        state.files_total = len(plan.to_check)
        state.bytes_total = sum(e.size for e, _ in plan.to_check)
        notify(_copy(state))
        self._process(folder_id, plan, report, state, notify, cancel, started)

        if cancel.is_set():
            report.cancelled = True
            state.phase = "cancelled"
        else:
            state.phase = "saving"
            notify(_copy(state))
            for row in plan.gone.values():
                self._vectors_remove(self.store.delete_documents([row.id]))
                report.files_deleted += 1
            self.store.prune_embeddings()
            self.store.prune_ocr_pages()
            self.store.mark_folder_indexed(folder_id)
            state.phase = "done"
        self.vectors.save(self.vectors_dir)
        report.errors.extend(state.errors)
        report.seconds = time.monotonic() - started
        notify(_copy(state))
        return report

    # -- planning ------------------------------------------------------------------------------
    @staticmethod
    def _plan(files: list[FileEntry], existing: dict[str, DocumentRow], error_paths: set[str], ocr: OcrPolicy) -> _Plan:
        plan = _Plan()
        seen = set()
        for entry in files:
            seen.add(entry.path)
            row = existing.get(entry.path)
            if row is not None and row.size == entry.size and row.mtime_ns == entry.mtime_ns and not ocr.stale(row):
                plan.unchanged += 1
            else:
                plan.to_check.append((entry, row))
        plan.gone = {p: r for p, r in existing.items() if p not in seen and p not in error_paths}
        return plan

    # -- the pipeline --------------------------------------------------------------------------
    def _process(self, folder_id, plan, report, state, notify, cancel, started) -> None:
        gone_by_hash = {r.content_hash: r for r in plan.gone.values() if r.status == "indexed" and r.content_hash}
        items: queue.Queue = queue.Queue(maxsize=64)
        note_lock = threading.Lock()

        def page_note(number: int, total: int, name: str) -> None:  # from the loader thread; 0 0 "": done
            with note_lock:
                state.detail = f"recognising page {number} of {total} in {name}" if total else ""
                state.ocr_file, state.ocr_page, state.ocr_pages = name, number, total
                if total:
                    notify(_copy(state))

        self._page_note = page_note
        loader = threading.Thread(
            target=self._load_all, args=(plan.to_check, gone_by_hash, items, cancel), name="desktop-rag-loader", daemon=True
        )
        loader.start()
        pending: list[_Parsed] = []
        pending_chunks = 0
        last_checkpoint = time.monotonic()
        try:
            while True:
                item = items.get()
                if item is None or cancel.is_set():
                    break
                state.current_file = item.entry.path
                if isinstance(item, _Parsed):
                    pending.append(item)
                    pending_chunks += len(item.chunks)
                    if pending_chunks >= _GROUP_CHUNKS:
                        self._commit_group(folder_id, pending, report, state, notify, cancel, started)
                        pending, pending_chunks = [], 0
                elif isinstance(item, _SameContent):
                    self.store.update_document_stat(item.row.id, item.entry.path, item.entry.size, item.entry.mtime_ns)
                    if item.moved:
                        plan.gone.pop(item.row.path, None)
                        report.files_moved += 1
                    else:
                        report.files_unchanged += 1
                    self._advance(state, item.entry, 0, notify, started)
                else:
                    self._vectors_remove(self.store.record_error(folder_id, item.entry.path, item.entry.size, item.entry.mtime_ns, item.reason))
                    state.errors.append(FileError(item.entry.path, item.reason))
                    self._advance(state, item.entry, 0, notify, started)
                if time.monotonic() - last_checkpoint > _CHECKPOINT_S:
                    self.vectors.save(self.vectors_dir)
                    last_checkpoint = time.monotonic()
            if pending and not cancel.is_set():
                self._commit_group(folder_id, pending, report, state, notify, cancel, started)
        finally:
            cancel_loader = cancel.is_set()
            if cancel_loader:
                _drain(items)
            loader.join(timeout=30)

    def _load_all(self, to_check, gone_by_hash, items: queue.Queue, cancel: threading.Event) -> None:
        """Loader thread: hash, and parse + chunk what really changed."""
        limits = (self.settings.max_seconds_per_file, default_memory_limit(self.settings.max_file_bytes))
        try:
            with isolation.reader(*limits, target=load_document) as reader:
                for entry, row in to_check:
                    if cancel.is_set():
                        break
                    try:
                        item = self._load_one(entry, row, gone_by_hash, reader, cancel)
                    except LoadCancelled:
                        break
                    items.put(item)
        finally:
            items.put(None)

    def _load_one(self, entry: FileEntry, row: DocumentRow | None, gone_by_hash: dict[str, DocumentRow], reader: IsolatedLoader, cancel: threading.Event):
        problem = size_problem(entry.size, self.settings.max_file_bytes)
        if problem:  # before hashing: a 50 GB disk image named .txt is not read at all
            return _Failed(entry, problem)
        for _attempt in range(2):
            before = _stat_of(entry.path)
            item = self._read(entry, row, gone_by_hash, reader, cancel)
            if not isinstance(item, _Parsed) or _stat_of(entry.path) == before:
                return item
            # Changed while it was read (a download, an editor saving): what was read may be half
            # old, half new. Read it once more, as it is now.
        # Recorded with the scan's size and time, so the next run sees the change and retries.
        return _Failed(entry, "file kept changing while it was being read; it will be indexed on the next run")

    def _read(self, entry: FileEntry, row: DocumentRow | None, gone_by_hash: dict[str, DocumentRow], reader: IsolatedLoader, cancel: threading.Event):
        try:
            digest = content_hash(entry.path)
        except OSError as exc:
            return _Failed(entry, _read_error(exc))
        if row is not None and row.status == "indexed" and row.content_hash == digest and not self.ocr.stale(row):
            return _SameContent(entry, row, moved=False)
        if row is None and digest in gone_by_hash and not self.ocr.stale(gone_by_hash[digest]):
            return _SameContent(entry, gone_by_hash.pop(digest), moved=True)
        ocr = self.ocr.options_for(entry.path, digest, self.store)
        try:
            try:
                document = reader.load(Path(entry.path), self.settings.max_file_bytes, cancel, ocr, self._page_note)
            finally:
                self._page_note(0, 0, "")
            if ocr is not None and ocr.enabled:  # new pages only: the cached ones are there already
                new = {n: p for n, p in document.ocr_pages.items() if n not in ocr.cached}
                self.store.save_ocr_pages(digest, self.ocr.key, new)
            chunks = self.chunker.chunk_pages(
                [(p.number, p.text, p.part, p.unit or document.page_unit, p.headings) for p in document.pages],
                document.headings,
            )
        except LoadError as exc:
            reason = str(exc)
            if reason == "file not found":
                reason = _GONE
            return _Failed(entry, reason)
        except LoadCancelled:
            raise
        except Exception as exc:  # a bug or a pathological file must not stop the folder
            log.exception("failed to index %s", entry.path)
            return _Failed(entry, f"could not be indexed: {type(exc).__name__}: {exc}")
        if not chunks:
            return _Failed(entry, "no text found")
        ocr_engine, ocr_pages = ocr_record(document, self.ocr)
        return _Parsed(
            entry, digest, chunks, [text_hash(c.text) for c in chunks], len(document.pages), document.warnings,
            ocr_engine, ocr_pages,
        )

    def _commit_group(self, folder_id, group: list[_Parsed], report, state, notify, cancel, started) -> None:
        """Embed the group's new chunks (each distinct text once), then commit document by document."""
        model_id = self.embedder.model_id
        wanted: dict[str, str] = {}
        for parsed in group:
            for h, c in zip(parsed.chunk_hashes, parsed.chunks, strict=True):
                wanted.setdefault(h, c.text)
        known = self.store.known_hashes(wanted, model_id)
        # Sorted by length, so batches hold similar lengths and padding wastes little.
        missing = sorted((h for h in wanted if h not in known), key=lambda h: len(wanted[h]))
        new_vectors: dict[str, np.ndarray] = {}
        for start in range(0, len(missing), _EMBED_SLICE):
            if cancel.is_set():
                return
            part = missing[start : start + _EMBED_SLICE]
            new_vectors.update(zip(part, self.embedder.embed_passages([wanted[h] for h in part]), strict=True))
            state.chunks_done += len(part)  # progress while the model works, not only at commits
            self._advance(state, None, 0, notify, started)
        report.chunks_embedded += len(missing)
        for parsed in group:
            if cancel.is_set():
                return
            entry = parsed.entry
            mine = {h: new_vectors.pop(h) for h in parsed.chunk_hashes if h in new_vectors}
            added, removed = self.store.replace_document(
                folder_id, entry.path, entry.size, entry.mtime_ns, parsed.content_hash, parsed.chunks,
                parsed.chunk_hashes, parsed.page_count, parsed.warnings, mine, model_id, parsed.ocr_engine, parsed.ocr_pages,
            )
            self._vectors_remove(removed)
            ids, vecs = self.store.vectors_for_chunks(added, model_id)
            self.vectors.add(ids, vecs)
            report.files_indexed += 1
            report.chunks_added += len(added)
            for warning in parsed.warnings:
                report.warnings.append(FileError(entry.path, warning))
            # Chunks embedded above were counted already; the rest reused known vectors.
            self._advance(state, entry, len(added) - len(mine), notify, started)
        self._after_commit()

    def _vectors_remove(self, chunk_ids: list[int]) -> None:
        if chunk_ids:
            self.vectors.remove(chunk_ids)

    @staticmethod
    def _advance(state: Progress, entry: FileEntry | None, chunks: int, notify: ProgressCallback, started: float) -> None:
        """Count a finished file (``entry``) and/or ``chunks`` more chunks, then report."""
        if entry is not None:
            state.files_done += 1
            state.bytes_done += entry.size
        state.chunks_done += chunks
        elapsed = max(time.monotonic() - started, 1e-6)
        state.chunks_per_s = state.chunks_done / elapsed
        if state.bytes_done and state.bytes_total:
            state.eta_s = elapsed / state.bytes_done * max(state.bytes_total - state.bytes_done, 0)
        notify(_copy(state))


_GONE = "file was deleted or moved while it was being indexed"


def _read_error(exc: OSError) -> str:
    if isinstance(exc, _NotRegularFile):
        return "not a regular file; skipped"
    if isinstance(exc, FileNotFoundError):
        return _GONE
    if isinstance(exc, PermissionError):
        return "permission denied"
    return f"cannot read: {exc.strerror or exc}"


def _stat_of(path: str) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns


def _copy(state: Progress) -> Progress:
    return Progress(**{**state.__dict__, "errors": list(state.errors)})


def _drain(items: queue.Queue) -> None:
    """Unblock a loader waiting on a full queue so it can see the cancel flag."""
    try:
        while True:
            items.get_nowait()
    except queue.Empty:
        pass
