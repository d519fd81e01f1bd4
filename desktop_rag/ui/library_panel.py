"""The library: collections of folders, their counts and failed files; add, remove, re-index."""

from __future__ import annotations

import html
import time
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QProgressBar,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..core.types import Progress
from .i18n import tr

FOLDER_ROLE = Qt.ItemDataRole.UserRole


def format_eta(seconds: float | None) -> str:
    if seconds is None:
        return ""
    if seconds < 60:
        return tr("{n} s left").format(n=int(seconds) + 1)
    return tr("{n} min left").format(n=int(seconds // 60) + 1)


def describe_progress(p: Progress) -> str:
    """One line a person can read: phase, files, current file, speed and time left."""
    if p.phase == "scanning":
        return tr("Looking for files in {folder}…").format(folder=Path(p.folder).name or p.folder)
    if p.phase == "saving":
        return tr("Saving the index…")
    if p.phase == "re-embedding":  # once, after an update brought a new build of the embedding model
        line = tr("Upgrading the library to the new embedding model: {done} of {total} passages; "
                  "search uses keywords only until it is done").format(done=p.files_done, total=p.files_total)
        eta = format_eta(p.eta_s)
        return f"{line} · {eta}" if eta else line
    parts = [tr("Indexing {done} of {total} files").format(done=p.files_done, total=p.files_total)]
    if p.ocr_pages:
        parts.append(tr("recognising page {page} of {pages} in {file}").format(page=p.ocr_page, pages=p.ocr_pages, file=p.ocr_file))
    elif p.current_file:
        parts.append(Path(p.current_file).name)
    if p.chunks_per_s:
        parts.append(tr("{n} passages/s").format(n=f"{p.chunks_per_s:.0f}"))
    eta = format_eta(p.eta_s)
    if eta:
        parts.append(eta)
    return " · ".join(parts)


class ProgressStrip(QWidget):
    """Progress bar, text and Pause/Cancel, shown while indexing runs (status bar)."""

    pause_clicked = Signal()
    cancel_clicked = Signal()

    def __init__(self) -> None:
        super().__init__()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.label = QLabel()
        self.bar = QProgressBar()
        self.bar.setMaximumWidth(180)
        self.bar.setTextVisible(False)
        self.pause_button = QPushButton(tr("Pause"))
        self.cancel_button = QPushButton(tr("Cancel"))
        self.pause_button.clicked.connect(self.pause_clicked)
        self.cancel_button.clicked.connect(self.cancel_clicked)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.bar)
        layout.addWidget(self.pause_button)
        layout.addWidget(self.cancel_button)
        self.hide()

    def show_progress(self, p: Progress) -> None:
        self.show()
        self.label.setText(describe_progress(p))
        if p.bytes_total:
            self.bar.setRange(0, 1000)
            self.bar.setValue(int(1000 * p.bytes_done / p.bytes_total))
        else:
            self.bar.setRange(0, 0)  # busy indicator while scanning

    def set_paused(self, paused: bool) -> None:
        self.pause_button.setText(tr("Resume") if paused else tr("Pause"))
        if paused:
            self.show()
            self.label.setText(tr("Indexing paused"))
            self.bar.setRange(0, 1)
            self.bar.setValue(0)


class LibraryPanel(QWidget):
    """Folders by collection; accepts folders dropped from the file manager."""

    add_requested = Signal(str, str)  # folder, collection
    remove_requested = Signal(str)
    reindex_requested = Signal(str, str)
    summarise_requested = Signal(str, object)  # a file's path, None: summarise it

    def __init__(self) -> None:
        super().__init__()
        self.setAcceptDrops(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels([tr("Folder"), tr("Files"), tr("Passages"), tr("Failed"), tr("Last indexed")])
        self.tree.setColumnWidth(0, 260)
        self.tree.itemSelectionChanged.connect(self._update_buttons)
        buttons = QHBoxLayout()
        self.add_button = QPushButton(tr("Add folder…"))
        self.remove_button = QPushButton(tr("Remove"))
        self.reindex_button = QPushButton(tr("Re-index"))
        self.add_button.clicked.connect(self.choose_folder)
        self.remove_button.clicked.connect(self._remove)
        self.reindex_button.clicked.connect(self._reindex)
        self.summarise_button = QPushButton(tr("Summarise a file…"))
        self.summarise_button.setToolTip(tr("Read the whole file and summarise it, citing its pages"))
        self.summarise_button.clicked.connect(self._summarise)
        for b in (self.add_button, self.remove_button, self.reindex_button, self.summarise_button):
            buttons.addWidget(b)
        layout.addWidget(self.summary)
        layout.addWidget(self.tree, 1)
        layout.addLayout(buttons)
        hint = QLabel(tr("Tip: drop folders here to add them."))
        hint.setStyleSheet("color:gray; font-size:11px")
        layout.addWidget(hint)
        self.collections: list[str] = []
        self._update_buttons()

    # -- display ---------------------------------------------------------------------------------
    def show_status(self, status: dict) -> None:
        """Fill the tree from ``RagEngine.status()``."""
        selected = self.selected_folder()
        self.tree.clear()
        self.collections = [c["name"] for c in status.get("collections", [])]
        by_collection: dict[str, QTreeWidgetItem] = {}
        for folder in status.get("folders", []):
            parent = by_collection.get(folder["collection"])
            if parent is None:
                parent = by_collection[folder["collection"]] = QTreeWidgetItem([folder["collection"]])
                self.tree.addTopLevelItem(parent)
                parent.setExpanded(True)
            last = folder.get("last_indexed_at")
            when = time.strftime("%Y-%m-%d %H:%M", time.localtime(last)) if last else tr("never")
            item = QTreeWidgetItem(
                [folder["path"], str(folder["documents"]), str(folder["chunks"]), str(folder["failed"]), when]
            )
            item.setData(0, FOLDER_ROLE, (folder["path"], folder["collection"]))
            item.setToolTip(0, folder["path"])
            for error in folder.get("errors", []):
                child = QTreeWidgetItem([f"{Path(error['path']).name}: {error['reason']}"])
                child.setToolTip(0, html.escape(f"{error['path']}\n{error['reason']}"))
                child.setForeground(0, Qt.GlobalColor.darkRed)
                item.addChild(child)
            parent.addChild(item)
            if selected and selected[0] == folder["path"]:
                item.setSelected(True)
        chunks = status.get("chunks", 0)
        self.summary.setText(
            tr("{folders} folders · {chunks} passages indexed").format(folders=len(status.get("folders", [])), chunks=chunks)
            if status.get("folders")
            else tr("No folders yet. Add a folder of documents to start.")
        )
        self._update_buttons()

    def selected_folder(self) -> tuple[str, str] | None:
        items = self.tree.selectedItems()
        return items[0].data(0, FOLDER_ROLE) if items else None

    def _update_buttons(self) -> None:
        has = self.selected_folder() is not None
        self.remove_button.setEnabled(has)
        self.reindex_button.setEnabled(has)
        self.summarise_button.setEnabled(has)

    # -- actions ---------------------------------------------------------------------------------
    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, tr("Choose a folder of documents"))
        if folder:
            self.add_folder(folder)

    def add_folder(self, folder: str, collection: str | None = None) -> None:
        if collection is None:
            choices = self.collections or ["default"]
            collection, ok = QInputDialog.getItem(
                self, tr("Collection"), tr("Add the folder to which collection? (type a new name for a new one)"),
                choices, 0, True,
            )
            if not ok or not collection.strip():
                return
        self.add_requested.emit(folder, collection.strip())

    def _remove(self) -> None:
        selected = self.selected_folder()
        if selected:
            self.remove_requested.emit(selected[0])

    def _reindex(self) -> None:
        selected = self.selected_folder()
        if selected:
            self.reindex_requested.emit(selected[0], selected[1])

    def _summarise(self) -> None:
        selected = self.selected_folder()
        if selected:
            path, _ = QFileDialog.getOpenFileName(self, tr("Summarise a file…"), selected[0])
            if path:
                self.summarise_requested.emit(path, None)

    # -- drag and drop -------------------------------------------------------------------------
    def dragEnterEvent(self, event) -> None:  # noqa: N802 - Qt name
        if any(Path(u.toLocalFile()).is_dir() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802 - Qt name
        for url in event.mimeData().urls():
            path = url.toLocalFile()
            if path and Path(path).is_dir():
                self.add_folder(path)
        event.acceptProposedAction()
