"""Finding the models on this computer for the UI: discovery plus each file's header, read on a
worker thread (it walks several folders and opens every file) so that the dialogs open at once.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from ...core.config import Settings
from ...core.engine import MAX_SCAN_DEPTH, SPLIT_RE, GGUFError, ModelEntry, read_gguf_info, resolve_model
from ...core.errors import UserError

ModelLister = Callable[[], Sequence[ModelEntry]]


@dataclass(frozen=True)
class ModelRow:
    """One discovered model plus what its header says (context length, one-line description)."""

    entry: ModelEntry
    context_length: int | None
    description: str | None
    error: str | None = None


def scan_models(list_models: ModelLister) -> list[ModelRow]:
    """Discover the models and read each header (worker thread: blocking file reads)."""
    rows = []
    for entry in list_models():
        try:
            info = read_gguf_info(entry.path, read_tensors=False)
        except GGUFError as exc:
            rows.append(ModelRow(entry, None, None, str(exc)))
        else:
            rows.append(ModelRow(entry, info.context_length, info.describe()))
    return rows


def default_model_path(settings: Settings, entries: Sequence[ModelEntry]) -> Path | None:
    """The model answers would use, as RagEngine.resolve_model_path picks it; None if not found."""
    spec = (settings.llm_model or "").strip()
    if not spec:
        return entries[0].path if entries else None
    try:
        return resolve_model(spec, entries)
    except UserError:
        return None


def same_file(a: str | os.PathLike, b: str | os.PathLike) -> bool:
    return os.path.realpath(a) == os.path.realpath(b)


def first_model_in(folder: str | os.PathLike, max_depth: int = MAX_SCAN_DEPTH) -> Path | None:
    """The first model file (by name) under ``folder``, as discovery would list it; None if there is none."""
    root = Path(folder).expanduser()
    for current, dirs, files in os.walk(root):
        depth = len(Path(current).relative_to(root).parts)
        dirs[:] = sorted(d for d in dirs if not d.startswith(".")) if depth < max_depth else []
        for name in sorted(files, key=str.lower):
            lower = name.lower()
            if not lower.endswith(".gguf") or "mmproj" in lower:
                continue
            split = SPLIT_RE.search(name)
            if split and int(split.group(1)) != 1:
                continue
            return Path(current) / name
    return None


# Discovery gets its own small pool: a busy global pool (indexing) must not hold the dialog up.
_pool: QThreadPool | None = None


def _scan_pool() -> QThreadPool:
    global _pool
    if _pool is None:
        _pool = QThreadPool()
        _pool.setMaxThreadCount(2)
    return _pool


class _ScanSignals(QObject):
    done = Signal(int, object)  # generation, list[ModelRow] or the exception


class _ScanTask(QRunnable):
    def __init__(self, generation: int, list_models: ModelLister, signals: _ScanSignals):
        super().__init__()
        self.generation, self.list_models, self.signals = generation, list_models, signals

    def run(self) -> None:
        try:
            result: object = scan_models(self.list_models)
        except Exception as exc:  # noqa: BLE001 - shown in the dialog, never a crash on the worker
            result = exc
        self.signals.done.emit(self.generation, result)


class ModelScanner(QObject):
    """Runs ``scan_models`` on a worker thread; ``finished(rows)`` / ``failed(message)`` on the UI thread.

    Only the latest ``start()`` reports: an older scan still running is ignored when it ends.
    """

    finished = Signal(object)  # list[ModelRow]
    failed = Signal(str)

    def __init__(self, list_models: ModelLister, parent: QObject | None = None):
        super().__init__(parent)
        self.list_models = list_models
        self.generation = 0
        self.running = False
        # Not parented: the worker keeps it alive even if this object goes first.
        self._signals = _ScanSignals()
        self._signals.done.connect(self._done)

    def start(self) -> None:
        self.generation += 1
        self.running = True
        _scan_pool().start(_ScanTask(self.generation, self.list_models, self._signals))

    def _done(self, generation: int, result: object) -> None:
        if generation != self.generation:
            return
        self.running = False
        if isinstance(result, Exception):
            self.failed.emit(str(result))
        else:
            self.finished.emit(result)
