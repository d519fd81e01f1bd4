"""A damaged library at start-up: the window explains it and repairs it instead of crashing."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox

from desktop_rag.core.config import Settings
from desktop_rag.core.paths import AppPaths
from desktop_rag.ui import app as ui


def test_a_damaged_library_offers_repair_and_then_opens(qtbot, tmp_path, monkeypatch):
    paths = AppPaths(tmp_path / "lib").ensure()
    paths.database.write_bytes(b"this is not a database" * 500)
    shown = []

    def click_repair(box: QMessageBox) -> int:
        shown.append(box.text())
        box.buttons()[0].click() if box.buttons()[0].text() in ("Repair", "복구") else box.buttons()[1].click()
        return 0

    monkeypatch.setattr(QMessageBox, "exec", click_repair)
    monkeypatch.setattr(QMessageBox, "information", lambda *a, **k: None)
    engine = ui.open_engine_or_repair(paths, Settings(embedding_model="builtin:all-MiniLM-L6-v2"))
    assert engine is not None
    try:
        assert "damaged" in shown[0] and str(paths.database) in shown[0]
        assert engine.store.chunk_count() == 0
        assert list(paths.root.glob("library.sqlite3.damaged-*")), "the damaged file is kept aside, not deleted"
    finally:
        engine.close()


def test_quitting_instead_of_repairing_changes_nothing(qtbot, tmp_path, monkeypatch):
    paths = AppPaths(tmp_path / "lib").ensure()
    paths.database.write_bytes(b"garbage" * 1000)
    monkeypatch.setattr(QMessageBox, "exec", lambda box: [b for b in box.buttons() if b.text() in ("Quit", "끝내기")][0].click())
    assert ui.open_engine_or_repair(paths, Settings(embedding_model="builtin:all-MiniLM-L6-v2")) is None
    assert paths.database.read_bytes() == b"garbage" * 1000
