"""The desktop window (placeholder until the GUI issue): shows the library at a glance.

All document work goes through the engine; nothing heavy happens on the UI thread
(building the engine loads no model).
"""

from __future__ import annotations

import sys

from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QMainWindow,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..core.engine import RagEngine
from ..core.logs import setup_logging
from ..core.paths import resolve_paths


class MainWindow(QMainWindow):
    """Library overview: collections, folders, document and chunk counts, failed files."""

    def __init__(self, engine: RagEngine):
        super().__init__()
        self.engine = engine
        self.setWindowTitle("desktop-rag")
        self.resize(900, 560)
        central = QWidget()
        layout = QVBoxLayout(central)
        self.summary = QLabel()
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Folder / file", "Documents", "Chunks", "Failed"])
        self.tree.setColumnWidth(0, 520)
        layout.addWidget(self.summary)
        layout.addWidget(self.tree)
        self.setCentralWidget(central)
        self.refresh()

    def refresh(self) -> None:
        info = self.engine.status()
        model = info["embedding_model"]
        self.summary.setText(
            f"Library: {info['data_dir']}\nEmbedding model: {model['name']}   ·   {info['chunks']} chunks indexed\n"
            "Index folders with: desktop-rag index FOLDER"
        )
        self.tree.clear()
        for folder in info["folders"]:
            item = QTreeWidgetItem(
                [f"[{folder['collection']}] {folder['path']}", str(folder["documents"]), str(folder["chunks"]), str(folder["failed"])]
            )
            for error in folder["errors"]:
                item.addChild(QTreeWidgetItem([f"{error['path']}: {error['reason']}", "", "", ""]))
            self.tree.addTopLevelItem(item)
        self.statusBar().showMessage(f"{len(info['folders'])} folders")


def run_app(data_dir: str | None = None) -> int:
    """Start the window; returns the exit code."""
    paths = resolve_paths(data_dir).ensure()
    setup_logging(paths.logs_dir)
    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName("desktop-rag")
    engine = RagEngine(paths)
    window = MainWindow(engine)
    window.show()
    try:
        return app.exec()
    finally:
        engine.close()
