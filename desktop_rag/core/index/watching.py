"""The library's watched folders: marked in SQLite, re-indexed when their files change."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..errors import UserError
from ..ingest.watcher import FolderWatcher
from .store import Store


class WatchedFolders:
    """Starts and stops the file-system watcher for the folders the user asked to watch.

    ``reindex(folder, collection)`` is called from the watcher's thread after a change settles.
    """

    def __init__(self, store: Store, reindex: Callable[[Path, str], None]):
        self.store = store
        self.reindex = reindex
        self._watcher: FolderWatcher | None = None

    def watch(self, folder: str | Path, collection: str) -> None:
        """Re-index ``folder`` incrementally whenever its files change (until ``stop``); remembered."""
        path = Path(folder).expanduser().resolve()
        if not path.is_dir():
            raise UserError(f"not a folder: {path}")
        folder_id = self.store.ensure_folder(collection, str(path))
        self.store.set_folder_watched(folder_id, True)
        if self._watcher is None:
            self._watcher = FolderWatcher(self._changed)
        self._watcher.watch(path)

    def resume(self) -> list[str]:
        """Watch again every folder marked as watched (at app start); returns their paths."""
        started = []
        for f in self.store.folders():
            if f.watched and Path(f.path).is_dir():
                self.watch(f.path, f.collection)
                started.append(f.path)
        return started

    def unwatch(self, folder: str | Path) -> None:
        """Stop watching ``folder`` (removed from the library)."""
        if self._watcher:
            self._watcher.unwatch(Path(folder))

    def stop(self) -> None:
        if self._watcher:
            self._watcher.stop()
            self._watcher = None

    def _changed(self, folder: Path) -> None:
        for f in self.store.folders():
            if f.path == str(folder):
                self.reindex(folder, f.collection)
