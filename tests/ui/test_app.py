"""The window (placeholder until the GUI issue) shows the library the engine reports."""

from __future__ import annotations

from desktop_rag.ui.app import MainWindow


def test_window_lists_folders_and_failed_files(qtbot, tmp_path, make_engine, fake_embedder):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "ok.txt").write_text("Some text about stars.", encoding="utf-8")
    (folder / "empty.txt").write_bytes(b"")
    engine = make_engine(fake_embedder)
    engine.index_folder(folder, "notes")
    window = MainWindow(engine)
    qtbot.addWidget(window)
    window.show()
    assert window.tree.topLevelItemCount() == 1
    item = window.tree.topLevelItem(0)
    assert item.text(0) == f"[notes] {folder}"
    assert (item.text(1), item.text(3)) == ("1", "1")
    assert item.child(0).text(0).endswith("empty.txt: empty file")
    assert "1 chunks indexed" in window.summary.text()
