"""The window's "Delete all local data": afterwards nothing in the data folder holds a word of the
documents, the chats or the logs."""

from __future__ import annotations

import logging

import pytest
from PySide6.QtWidgets import QApplication, QMessageBox

from desktop_rag.core.answer.answering import AnswerResult
from desktop_rag.core.answer.prompting import Source
from desktop_rag.core.config import Settings
from desktop_rag.core.engine import RagEngine
from desktop_rag.core.logs import setup_logging
from desktop_rag.core.paths import AppPaths
from desktop_rag.ui.app import MainWindow
from tests.conftest import FakeEmbedder
from tests.core.test_data_at_rest import ENGLISH_MARKER, SECRET_TEXT, files_containing, marker_patterns


@pytest.fixture
def own_log_handlers():
    """This test logs into its own data folder; the session's log handlers come back afterwards."""
    root = logging.getLogger("desktop_rag")
    saved = list(root.handlers)
    for handler in saved:
        root.removeHandler(handler)
    yield
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()
    for handler in saved:
        root.addHandler(handler)


def test_delete_all_local_data_leaves_no_copy_of_the_text(qtbot, tmp_path, monkeypatch, own_log_handlers):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "notes.md").write_text(SECRET_TEXT, encoding="utf-8")
    paths = AppPaths(tmp_path / "lib").ensure()
    setup_logging(paths.logs_dir)
    Settings(search_top_k=5).save(paths.settings_file)
    engine = RagEngine(paths, embedder=FakeEmbedder())
    engine.index_folder(folder, "secret")
    hit = next(h for h in engine.search(ENGLISH_MARKER) if ENGLISH_MARKER in h.text)
    chat = engine.conversations.create("", ["secret"])
    engine.conversations.add_turn(chat.id, AnswerResult(f"What is {ENGLISH_MARKER}?", "A project [1].", sources=[Source(1, hit)]))
    logging.getLogger("desktop_rag.test").warning("a log line about %s", ENGLISH_MARKER)

    window = MainWindow(engine, load_model=False)
    qtbot.addWidget(window)
    window.show()
    assert window.conversation_list.count() == 1
    assert files_containing(paths.root, marker_patterns()), "the check sees the text while it is there"

    shown, quit_called = [], []
    monkeypatch.setattr(QMessageBox, "information", lambda *args: shown.append(args[1:]))
    monkeypatch.setattr(QApplication, "quit", lambda: quit_called.append(True))
    window.delete_all_data()
    qtbot.waitUntil(lambda: bool(quit_called), timeout=5000)

    assert shown and "deleted" in shown[0][1].lower()
    assert files_containing(paths.root, marker_patterns()) == {}
    assert [p for p in paths.root.rglob("*") if p.is_file()] == [], "no file of the library is left"
    assert (folder / "notes.md").read_text(encoding="utf-8") == SECRET_TEXT, "documents are never touched"
