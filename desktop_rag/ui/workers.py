"""Background work for the window: indexing, model loading and answering, off the UI thread.

Each service owns one Python worker thread and talks to the window only through Qt signals
(emitted from the worker, delivered on the UI thread by Qt's queued connections). Progress is
data (core.types.Progress); cancelling sets a flag the core checks.
"""

from __future__ import annotations

import logging
import queue
import threading
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

from ..core.engine import AnswerResult, ChatSession, LocalModel, RagEngine
from ..core.errors import UserError
from ..core.types import IndexReport

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class IndexJob:
    folder: str
    collection: str


class IndexingService(QObject):
    """A queue of folders to (re-)index, worked through one at a time (one writer)."""

    progress = Signal(object)  # Progress
    job_started = Signal(object)  # IndexJob
    job_finished = Signal(object, object)  # IndexJob, IndexReport
    job_failed = Signal(object, str)  # IndexJob, message
    busy_changed = Signal(bool)

    def __init__(self, engine: RagEngine, parent: QObject | None = None):
        super().__init__(parent)
        self.engine = engine
        self._jobs: queue.Queue[IndexJob | None] = queue.Queue()
        self._pending: list[IndexJob] = []  # queued, in order (for display and pause)
        self._paused: list[IndexJob] = []
        self._current: IndexJob | None = None
        self._cancel = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="desktop-rag-indexing", daemon=True)
        self._thread.start()

    # -- control (UI thread) -------------------------------------------------------------------
    def enqueue(self, folder: str, collection: str) -> None:
        job = IndexJob(folder, collection)
        with self._lock:
            if job == self._current or job in self._pending:
                return
            self._pending.append(job)
        self._jobs.put(job)

    def cancel(self) -> None:
        """Stop the running job and drop the queued ones (what is indexed stays indexed)."""
        with self._lock:
            self._pending.clear()
            self._paused.clear()
        self._cancel.set()

    def pause(self) -> None:
        """Stop now; ``resume`` continues where it stopped (indexing is incremental)."""
        with self._lock:
            self._paused = ([self._current] if self._current else []) + self._pending
            self._pending = []
        self._cancel.set()

    def resume(self) -> None:
        with self._lock:
            jobs, self._paused = self._paused, []
        for job in jobs:
            self.enqueue(job.folder, job.collection)

    @property
    def paused(self) -> bool:
        return bool(self._paused)

    @property
    def busy(self) -> bool:
        return self._current is not None or bool(self._pending)

    @property
    def current(self) -> IndexJob | None:
        return self._current

    def shutdown(self, timeout: float = 30.0) -> None:
        self.cancel()
        self._jobs.put(None)
        self._thread.join(timeout)

    # -- worker thread ---------------------------------------------------------------------------
    def _run(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            with self._lock:
                if job not in self._pending:
                    continue  # cancelled or paused while queued
                self._pending.remove(job)
                self._current = job
                self._cancel.clear()
            self.busy_changed.emit(True)
            self.job_started.emit(job)
            try:
                report: IndexReport = self.engine.index_folder(job.folder, job.collection, self.progress.emit, self._cancel)
                if not report.cancelled:
                    self._watch(job)
                self.job_finished.emit(job, report)
            except UserError as exc:
                self.job_failed.emit(job, str(exc))
            except Exception as exc:  # noqa: BLE001 - a worker must survive anything; the log has details
                log.exception("indexing %s failed", job.folder)
                self.job_failed.emit(job, f"{type(exc).__name__}: {exc}")
            finally:
                with self._lock:
                    self._current = None
                    idle = not self._pending
                if idle:
                    self.busy_changed.emit(False)

    def _watch(self, job: IndexJob) -> None:
        try:
            self.engine.watch(job.folder, job.collection)
        except Exception:  # noqa: BLE001 - watching is a convenience; indexing succeeded
            log.warning("cannot watch %s", job.folder, exc_info=True)


class AnswerService(QObject):
    """Loads the language model and streams answers, one at a time, on a worker thread."""

    model_loading = Signal(str)  # model path or name
    model_ready = Signal(object)  # LocalModel
    model_failed = Signal(str)
    token = Signal(str)
    answer_finished = Signal(object)  # AnswerResult
    answer_failed = Signal(str)
    document_progress = Signal(object)  # DocumentProgress of a whole-document answer

    def __init__(self, engine: RagEngine, parent: QObject | None = None):
        super().__init__(parent)
        self.engine = engine
        self.model: LocalModel | None = None
        self._stream = None
        self._busy = threading.Lock()
        self._cancel = threading.Event()

    @property
    def busy(self) -> bool:
        return self._busy.locked()

    def load_model(self, spec: str | None = None) -> None:
        """Load (or switch to) a model in the background; ``model_ready`` or ``model_failed`` follows."""
        threading.Thread(target=self._load, args=(spec,), name="desktop-rag-model", daemon=True).start()

    def _load(self, spec: str | None) -> None:
        with self._busy:
            try:
                self.model_loading.emit(spec or self.engine.settings.llm_model or "")
                self.model = self.engine.load_model(spec)
                self.model_ready.emit(self.model)
            except UserError as exc:
                self.model_failed.emit(str(exc))
            except Exception as exc:  # noqa: BLE001
                log.exception("loading model failed")
                self.model_failed.emit(f"{type(exc).__name__}: {exc}")

    def ask(self, session: ChatSession, question: str) -> bool:
        """Start answering; False if an answer is still running."""
        if not self._busy.acquire(blocking=False):
            return False
        self._cancel = threading.Event()
        threading.Thread(target=self._answer, args=(session, question, self._cancel), name="desktop-rag-answer", daemon=True).start()
        return True

    def ask_document(self, session: ChatSession, path: str, question: str | None) -> bool:
        """Start a whole-document answer (summary when ``question`` is None); False if busy."""
        if not self._busy.acquire(blocking=False):
            return False
        self._cancel = threading.Event()
        threading.Thread(target=self._document, args=(session, path, question, self._cancel), name="desktop-rag-document", daemon=True).start()
        return True

    def _document(self, session: ChatSession, path: str, question: str | None, cancel: threading.Event) -> None:
        try:
            self.answer_finished.emit(session.ask_document(path, question, self.document_progress.emit, cancel))
        except UserError as exc:
            self.answer_failed.emit(str(exc))
        except Exception as exc:  # noqa: BLE001
            log.exception("whole-document answer failed")
            self.answer_failed.emit(f"{type(exc).__name__}: {exc}")
        finally:
            self._busy.release()

    def cancel(self) -> None:
        """Stop the running answer at the next token (safe to call any time)."""
        self._cancel.set()

    def _answer(self, session: ChatSession, question: str, cancel: threading.Event) -> None:
        try:
            stream = session.ask(question, cancel)
            for piece in stream:
                self.token.emit(piece)
            result: AnswerResult = stream.result
            self.answer_finished.emit(result)
        except UserError as exc:
            self.answer_failed.emit(str(exc))
        except Exception as exc:  # noqa: BLE001
            log.exception("answering failed")
            self.answer_failed.emit(f"{type(exc).__name__}: {exc}")
        finally:
            self._busy.release()

    def wait_idle(self, timeout: float = 60.0) -> bool:
        """Block until no answer or load runs (shutdown, tests)."""
        if self._busy.acquire(timeout=timeout):
            self._busy.release()
            return True
        return False
