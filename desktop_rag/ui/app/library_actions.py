"""The main window's library side: adding and removing folders, and indexing progress, results
and failures in the status bar.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from PySide6.QtWidgets import QMessageBox

from ...core.types import IndexReport, Progress
from ..i18n import tr
from ..workers import IndexJob

log = logging.getLogger(__name__)


class LibraryActions:
    """MainWindow's library methods; they use the window's engine, library panel, indexing
    service and progress strip (set up in ``MainWindow.__init__``)."""

    def refresh_library(self) -> None:
        status = self.engine.store.status()
        status["chunks"] = self.engine.store.chunk_count()
        self.library.show_status(status)
        chosen = self.chat.chosen_collections()
        self.chat.set_collections(self.library.collections, chosen)

    def add_folder(self, folder: str, collection: str) -> None:
        self.indexing.enqueue(str(Path(folder).expanduser().resolve()), collection)
        self.tabs.setCurrentWidget(self.library)

    def remove_folder(self, folder: str) -> None:
        answer = QMessageBox.question(
            self, tr("Remove folder"),
            tr("Remove {folder} from the library? Its files stay on disk.").format(folder=folder),
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        threading.Thread(target=self._remove_in_background, args=(folder,), daemon=True).start()

    def _remove_in_background(self, folder: str) -> None:
        try:
            self.engine.remove_folder(folder)
        except Exception:  # noqa: BLE001
            log.exception("removing %s failed", folder)
        self.library_changed.emit()

    def toggle_pause(self) -> None:
        if self.indexing.paused:
            self.indexing.resume()
            self.progress_strip.set_paused(False)
        else:
            self.indexing.pause()
            self.progress_strip.set_paused(True)

    def _on_progress(self, progress: Progress) -> None:
        self.progress_strip.show_progress(progress)

    def _on_index_finished(self, job: IndexJob, report: IndexReport) -> None:
        self.refresh_library()
        state = tr("cancelled") if report.cancelled else tr("done")
        message = tr("{folder}: {state} — {files} files indexed, {errors} failed, {s} s").format(
            folder=Path(job.folder).name, state=state, files=report.files_indexed,
            errors=len(report.errors), s=f"{report.seconds:.0f}",
        )  # fmt: skip
        if report.chunks_reembedded:  # the first run after an update upgraded the whole library
            message = tr("Library upgraded to the new embedding model ({n} passages re-embedded). ").format(
                n=report.chunks_reembedded
            ) + message
        self.statusBar().showMessage(message, 15000)

    def _on_index_failed(self, job: IndexJob, message: str) -> None:
        self.refresh_library()
        QMessageBox.warning(self, tr("Indexing failed"), f"{job.folder}\n\n{message}")

    def _on_index_busy(self, busy: bool) -> None:
        if not busy and not self.indexing.paused:
            self.progress_strip.hide()
