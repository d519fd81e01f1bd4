"""Reading files in a separate worker process, so that no file can hang or exhaust the app.

Parsers of untrusted structures run for hours on some inputs (CPython 3.11's ``html.parser`` is
quadratic on ``<x<x<x...``: 80 KB took 9 s, 1 MB takes half an hour) or allocate without bound.
Python cannot stop a thread, but it can kill a process: :class:`IsolatedLoader` sends each file to
one long-lived worker process and waits at most ``max_seconds`` (small plain-text and Markdown
files excepted, see ``IN_PROCESS_MAX_BYTES``); a worker that overruns, crashes
(a C extension's segfault) or is cancelled is killed and replaced on the next file. On Linux the
worker's address space is capped (``RLIMIT_AS``), so a bomb fails with a per-file error instead of
taking the machine's memory; other systems rely on the size checks of the loaders.

The worker is started with ``spawn`` (the one start method every platform has, and safe next to
the threads of an embedding model) on first use, about 0.1-0.2 s, and :func:`reader` keeps it for
``IDLE_S`` after a run, so the watcher's frequent small runs do not pay that each time. If it
cannot be started (a locked-down system, a frozen app without ``freeze_support``), loading falls
back to this process, without the time limit, and says so in the log.

Like any use of ``spawn``, the worker first imports the program's ``__main__`` module (Python's
rule: guard the entry point with ``if __name__ == "__main__":``). The app's entry points are
guarded; an unguarded script that indexes at import time is stopped inside the worker by
:func:`refuse_in_worker` (instead of indexing the folder a second time there), and its files are
then read in-process.

Why not ``concurrent.futures.ProcessPoolExecutor``: it cannot kill a busy worker (only 3.14 adds
``terminate_workers``), so recovering from a hung parser would need its private ``_processes``; a
pipe to one process is less code and gives the crash and cancel cases for free.
"""

from __future__ import annotations

import inspect
import logging
import multiprocessing
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from .loaders import LoadedDocument, LoadError, load_document
from .loaders.sheets.delimited import DELIMITED_EXTENSIONS
from .loaders.text import MARKDOWN_EXTENSIONS, PLAIN_TEXT_EXTENSIONS
from .ocr.types import OcrOptions, PageCallback

log = logging.getLogger(__name__)

_START_TIMEOUT_S = 60.0  # a cold start on a slow laptop with antivirus scanning Python's files
_POLL_S = 0.1  # how often a wait checks the cancel flag
_MB = 1024 * 1024


# Plain text, Markdown and CSV/TSV up to this size are read in the calling thread: their loader is linear
# (checked: no regex backtracking, no recursion) and fast (~10 MB/s), so they cannot hang, and a
# round trip to the worker would cost more than reading them (measured on 10,000 small notes).
IN_PROCESS_MAX_BYTES = 1024 * 1024
_LINEAR_EXTENSIONS = frozenset(PLAIN_TEXT_EXTENSIONS + MARKDOWN_EXTENSIONS + DELIMITED_EXTENSIONS)


def reads_in_process(path: Path) -> bool:
    """Whether ``path`` is read without the worker (a small plain-text, Markdown or CSV/TSV file)."""
    if path.suffix.lower() not in _LINEAR_EXTENSIONS:
        return False
    try:
        return path.stat().st_size <= IN_PROCESS_MAX_BYTES
    except OSError:
        return True  # load_document reports it


WORKER_NAME = "desktop-rag-reader"


def refuse_in_worker() -> None:
    """Raise if this is the reader process importing an unguarded main script (see above)."""
    if multiprocessing.current_process().name == WORKER_NAME:
        raise RuntimeError(
            "indexing was started while the desktop-rag reader process imported the main script; "
            "put the script's code under `if __name__ == \"__main__\":`"
        )


class LoadCancelled(Exception):
    """Raised by :meth:`IsolatedLoader.load` when the cancel flag was set while waiting."""


def default_memory_limit(max_file_bytes: int) -> int:
    """Address-space cap for the worker: 2 GiB, or 8x the file-size limit when that is larger.

    Measured: the worker's address space is about 50 MB idle and stays under 100 MB reading every
    shared sample document (PDFs up to 352 pages; outcomes identical to reading in-process). The
    cap only has to stop runaway growth; files read whole (a text file up to 16 MB, a PDF, which
    pypdf holds in memory with its decoded streams) take a few times their size.
    """
    return max(2048 * _MB, 8 * max_file_bytes)


class IsolatedLoader:
    """``load_document`` in a worker process with a per-file time limit and a memory cap.

    Not thread-safe: one indexing run (one thread) uses it at a time. Use as a context manager, or
    call :meth:`close`; an idle worker costs about 30 MB of memory.
    """

    def __init__(
        self,
        max_seconds: float,
        memory_limit_bytes: int | None = None,
        target: Callable[[Path, int], LoadedDocument] = load_document,
    ) -> None:
        self.max_seconds = max_seconds
        self.memory_limit_bytes = memory_limit_bytes
        self._target = target  # must be importable by name (pickled by reference): tests swap it
        self._process: Any = None
        self._conn: Connection | None = None
        self._unavailable = False
        self.restarts = 0  # workers killed after a timeout, a crash or a cancel

    def __enter__(self) -> IsolatedLoader:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def isolated(self) -> bool:
        """False once starting a worker has failed: files are then read in this process."""
        return not self._unavailable

    def load(
        self,
        path: Path,
        max_bytes: int,
        cancel: threading.Event | None = None,
        ocr: OcrOptions | None = None,
        on_page: PageCallback | None = None,
    ) -> LoadedDocument:
        """Like :func:`load_document`; raises :class:`LoadError` (also for a timeout or a crash).

        ``ocr``: pages to recognise are read one by one; ``on_page`` hears of each, and each page
        gets ``max_seconds`` of its own (a 50-page scan is not one file's worth of time).
        """
        path = Path(path)
        if reads_in_process(path) or self._unavailable or not self._ensure_started():
            if ocr is not None:
                ocr.on_page = on_page
            return _call(self._target, path, max_bytes, ocr)
        assert self._conn is not None
        try:
            self._conn.send((str(path), max_bytes, ocr))
        except (OSError, ValueError) as exc:  # the worker died while idle
            self._kill()
            raise LoadError("the reader process stopped unexpectedly; try indexing again") from exc
        return self._wait(cancel, on_page, time.monotonic() + self.max_seconds)

    def _wait(self, cancel: threading.Event | None, on_page: PageCallback | None, deadline: float) -> LoadedDocument:
        """Wait for the worker's reply; a page note (OCR) restarts the clock."""
        assert self._conn is not None
        while True:
            while not self._conn.poll(min(_POLL_S, max(deadline - time.monotonic(), 0))):
                if cancel is not None and cancel.is_set():
                    self._kill()
                    raise LoadCancelled()
                if time.monotonic() >= deadline:
                    self._kill()
                    raise LoadError(f"took longer than {_seconds(self.max_seconds)} s to read (skipped)")
            try:
                status, payload = self._conn.recv()
            except (EOFError, OSError) as exc:
                code = self._kill()
                raise LoadError(f"the reader crashed on this file ({_exit_reason(code)}; skipped)") from exc
            if status != "page":
                break
            if on_page is not None:
                on_page(*payload)
            deadline = time.monotonic() + self.max_seconds
        if status == "ok":
            return payload
        raise LoadError(payload)

    def close(self) -> None:
        """Stop the worker (politely: it is idle between files)."""
        if self._conn is not None:
            try:
                self._conn.send(None)
            except (OSError, ValueError):
                pass
        if self._process is not None:
            self._process.join(timeout=2)
        self._kill(count=False)

    # -- the worker's life ---------------------------------------------------------------------
    def _ensure_started(self) -> bool:
        if self._process is not None and self._process.is_alive():
            return True
        self._kill(count=False)
        context = multiprocessing.get_context("spawn")
        parent, child = context.Pipe(duplex=True)
        try:
            process = context.Process(
                target=_serve, args=(child, self.memory_limit_bytes, self._target), name=WORKER_NAME, daemon=True
            )
            process.start()
        except Exception as exc:  # noqa: BLE001 - no processes here: degrade, do not stop indexing
            log.warning("cannot start the reader process (%s); reading files without a time limit", exc)
            self._unavailable = True
            return False
        finally:
            child.close()
        self._process, self._conn = process, parent
        ready = False
        try:
            ready = parent.poll(_START_TIMEOUT_S) and parent.recv() == "ready"
        except (EOFError, OSError):
            pass
        if not ready:
            process.join(timeout=1)
            log.warning(
                "the reader process did not start (exit code %s); reading files without a time limit",
                process.exitcode,
            )
            self._kill(count=False)
            self._unavailable = True
        return ready

    def _kill(self, count: bool = True) -> int | None:
        """Kill the worker (if any); returns its exit code."""
        process, conn = self._process, self._conn
        self._process = self._conn = None
        code = None
        if process is not None:
            if process.is_alive():
                process.kill()
            process.join(timeout=5)
            code = process.exitcode
            if code is not None:
                process.close()
            if count:
                self.restarts += 1
        if conn is not None:
            conn.close()
        return code


IDLE_S = 30.0  # an idle shared worker is stopped after this long


class _Shared:
    lock = threading.Lock()
    loader: IsolatedLoader | None = None
    timer: threading.Timer | None = None


@contextmanager
def reader(
    max_seconds: float,
    memory_limit_bytes: int | None = None,
    target: Callable[[Path, int], LoadedDocument] = load_document,
) -> Iterator[IsolatedLoader]:
    """An :class:`IsolatedLoader` for one indexing run, reusing the worker of the previous run.

    The shared worker is stopped after ``IDLE_S`` without use. A second run at the same time (two
    libraries indexing at once) gets a private worker instead of waiting.
    """
    if not _Shared.lock.acquire(blocking=False):
        with IsolatedLoader(max_seconds, memory_limit_bytes, target) as private:
            yield private
        return
    try:
        if _Shared.timer is not None:
            _Shared.timer.cancel()
            _Shared.timer = None
        loader = _Shared.loader
        if loader is None or not loader.isolated or (loader.memory_limit_bytes, loader._target) != (memory_limit_bytes, target):
            if loader is not None:
                loader.close()
            loader = _Shared.loader = IsolatedLoader(max_seconds, memory_limit_bytes, target)
        loader.max_seconds = max_seconds
        yield loader
    finally:
        _Shared.timer = threading.Timer(IDLE_S, _close_idle)
        _Shared.timer.daemon = True
        _Shared.timer.start()
        _Shared.lock.release()


def _close_idle() -> None:
    if _Shared.lock.acquire(blocking=False):  # in use again: the run that holds it re-arms the timer
        try:
            if _Shared.loader is not None:
                _Shared.loader.close()
                _Shared.loader = None
        finally:
            _Shared.lock.release()


def _serve(conn: Connection, memory_limit: int | None, target: Callable[[Path, int], LoadedDocument]) -> None:
    """The worker: read files until told to stop (``None``) or the pipe closes."""
    import signal

    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is the parent's to handle
    except (ValueError, OSError):
        pass
    limit_note = _limit_memory(memory_limit)
    out_of_memory = f"needs more than {limit_note} of memory to read (skipped)" if limit_note else "not enough memory to read this file (skipped)"
    conn.send("ready")
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            return
        if request is None:
            return
        path, max_bytes, ocr = request
        try:
            if ocr is not None:
                ocr.on_page = lambda *page, _conn=conn: _conn.send(("page", page))
            reply: tuple[str, Any] = ("ok", _call(target, Path(path), max_bytes, ocr))
        except LoadError as exc:
            reply = ("error", out_of_memory if isinstance(exc.__cause__, MemoryError) else str(exc))
        except MemoryError:
            reply = ("error", out_of_memory)
        except Exception as exc:  # noqa: BLE001 - a test target or a bug: report, keep serving
            reply = ("error", f"could not read file: {type(exc).__name__}: {exc}")
        try:
            conn.send(reply)
        except MemoryError:  # the document is too big to pickle under the cap
            conn.send(("error", out_of_memory))
        except (OSError, ValueError):
            return
        del reply


def _call(target: Callable[..., LoadedDocument], path: Path, max_bytes: int, ocr: OcrOptions | None) -> LoadedDocument:
    """``target(path, max_bytes)``, with the OCR options when there are any and it takes them."""
    if ocr is None or "ocr" not in inspect.signature(target).parameters:
        return target(path, max_bytes)
    return target(path, max_bytes, ocr=ocr)


def _limit_memory(limit: int | None) -> str:
    """Cap the address space (Linux only: macOS ignores RLIMIT_AS, Windows has no rlimits)."""
    if not limit or not sys.platform.startswith("linux"):
        return ""
    try:
        import resource

        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ImportError, ValueError, OSError):
        return ""
    return f"{limit / _MB / 1024:.1f} GB" if limit >= 1024 * _MB else f"{limit // _MB} MB"


def _seconds(value: float) -> str:
    return f"{value:g}"


def _exit_reason(code: int | None) -> str:
    if code is None:
        return "no exit code"
    if code < 0:
        return f"signal {-code}"
    return f"exit code {code}"
