"""Watching folders: file-system notifications trigger an incremental re-index.

Events are debounced (a copy of many files is one re-index, not hundreds); the
re-index itself is the normal incremental pass, so it is cheap when little changed.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

log = logging.getLogger(__name__)


class _Debounced(FileSystemEventHandler):
    def __init__(self, folder: Path, delay_s: float, fire: Callable[[Path], None]):
        self.folder = folder
        self.delay_s = delay_s
        self.fire = fire
        self._timer: threading.Timer | None = None
        self._lock = threading.Lock()

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in ("opened", "closed_no_write"):
            return
        paths = [str(p) for p in (event.src_path, getattr(event, "dest_path", "")) if p]
        if paths and all(self._is_hidden(p) for p in paths):
            return  # only hidden files changed (editor swap files, .git)
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
            self._timer = threading.Timer(self.delay_s, self._run)
            self._timer.daemon = True
            self._timer.start()

    def _is_hidden(self, path: str) -> bool:
        try:
            parts = Path(path).relative_to(self.folder).parts
        except ValueError:
            return False
        return any(part.startswith(".") for part in parts)

    def _run(self) -> None:
        try:
            self.fire(self.folder)
        except Exception:  # a failed re-index must not kill the watcher
            log.exception("re-index of watched folder %s failed", self.folder)

    def cancel(self) -> None:
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()


class FolderWatcher:
    """Calls ``on_change(folder)`` shortly after files under a watched folder change."""

    def __init__(self, on_change: Callable[[Path], None], delay_s: float = 2.0):
        self._on_change = on_change
        self._delay_s = delay_s
        self._observer = Observer()
        self._observer.daemon = True
        self._handlers: dict[Path, tuple[_Debounced, object]] = {}
        self._started = False

    def watch(self, folder: Path) -> None:
        folder = folder.resolve()
        if folder in self._handlers:
            return
        handler = _Debounced(folder, self._delay_s, self._on_change)
        watch = self._observer.schedule(handler, str(folder), recursive=True)
        self._handlers[folder] = (handler, watch)
        if not self._started:
            self._observer.start()
            self._started = True

    def unwatch(self, folder: Path) -> None:
        entry = self._handlers.pop(folder.resolve(), None)
        if entry:
            handler, watch = entry
            handler.cancel()
            self._observer.unschedule(watch)

    @property
    def folders(self) -> list[Path]:
        return list(self._handlers)

    def stop(self) -> None:
        for handler, _ in self._handlers.values():
            handler.cancel()
        if self._started:
            self._observer.stop()
            self._observer.join(timeout=5)
