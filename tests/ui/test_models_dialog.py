"""The model manager lists the real Gemma model from a worker thread, marks the default, and
imports only real GGUF files (by adding their folder, never copying them)."""

from __future__ import annotations

import json
import os
import shutil

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFileDialog

from desktop_rag.core.config import Settings
from desktop_rag.core.paths import AppPaths
from desktop_rag.ui.i18n import current_language, set_language
from desktop_rag.ui.models_dialog import FirstRunPanel, ModelLibrary, ModelManager


@pytest.fixture
def engine(make_engine, fake_embedder, gemma_path):
    # gemma_path puts the real model in $DESKTOP_RAG_MODELS_DIR, the engine's models folder.
    engine = make_engine(fake_embedder)
    assert engine.paths.models_dir == gemma_path.parent
    return engine


def _open(qtbot, *args, **kwargs) -> ModelManager:
    dialog = ModelManager(*args, **kwargs)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.scanned, timeout=30000)
    return dialog


def _wait_rescan(qtbot, dialog: ModelManager, action) -> None:
    with qtbot.waitSignal(dialog.scan_finished, timeout=30000):
        action()


def _pick_file(monkeypatch, path) -> None:
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(path), "")))


def test_lists_the_real_gemma_model(qtbot, engine, gemma_path, english):
    dialog = ModelManager(engine)
    qtbot.addWidget(dialog)
    assert not dialog.scanned and dialog.status_label.text() == "Looking for models…"  # opened at once
    qtbot.waitUntil(lambda: dialog.scanned, timeout=30000)
    row = dialog.row_of(gemma_path)
    assert row is not None
    table = dialog.table
    assert table.horizontalHeaderItem(2).text() == "Quantization"
    assert table.item(row, 2).text() == "Q4_K_M"
    assert table.item(row, 4).data(Qt.ItemDataRole.UserRole) == 32768
    assert table.item(row, 4).text() == "32,768"
    assert table.item(row, 1).text() == "270M"
    assert table.item(row, 3).text().endswith("MB")
    assert str(gemma_path) in table.item(row, 0).toolTip()
    # Nothing chosen: the first model found answers, and is marked.
    assert dialog.default_row() == 0 == row
    assert "(default)" in table.item(row, 0).text() and table.item(row, 0).font().bold()
    assert dialog.pages.currentWidget() is dialog.table


def test_use_this_model_saves_the_setting(qtbot, engine, gemma_path, english):
    dialog = _open(qtbot, engine)
    dialog.table.selectRow(dialog.row_of(gemma_path))
    assert dialog.use_button.isEnabled()
    with qtbot.waitSignal(dialog.model_chosen) as blocker:
        dialog.use_button.click()
    assert blocker.args == [str(gemma_path)]
    assert engine.settings.llm_model == str(gemma_path)  # the engine's live settings
    assert json.loads(engine.paths.settings_file.read_text(encoding="utf-8"))["llm_model"] == str(gemma_path)
    assert engine.resolve_model_path() == gemma_path
    assert not dialog.use_button.isEnabled()  # already the one in use
    assert "now answers your questions" in dialog.message_label.text()


def test_import_of_a_text_file_changes_nothing(qtbot, engine, tmp_path, monkeypatch, english):
    dialog = _open(qtbot, engine)
    rows = list(dialog.rows)
    fake = tmp_path / "downloads" / "model.gguf"
    fake.parent.mkdir()
    fake.write_text("<html>sorry, not found</html>", encoding="utf-8")
    _pick_file(monkeypatch, fake)
    with qtbot.assertNotEmitted(dialog.models_changed):
        dialog.import_button.click()
    assert dialog.message_label.isVisible()
    assert "not a GGUF" in dialog.message_label.text()
    assert engine.settings.model_folders == []
    assert not engine.paths.settings_file.exists()
    assert dialog.rows == rows and dialog.scanned  # no new scan


def test_import_of_the_real_model_adds_its_folder(qtbot, engine, gemma_path, tmp_path, monkeypatch, english):
    elsewhere = tmp_path / "usb stick"
    elsewhere.mkdir()
    copy = elsewhere / "my-gemma.gguf"
    _link_or_copy(gemma_path, copy)
    dialog = _open(qtbot, engine)
    assert dialog.row_of(copy) is None
    _pick_file(monkeypatch, copy)
    with qtbot.waitSignal(dialog.models_changed):
        _wait_rescan(qtbot, dialog, dialog.import_button.click)
    assert engine.settings.model_folders == [str(elsewhere.resolve())]
    saved = json.loads(engine.paths.settings_file.read_text(encoding="utf-8"))
    assert saved["model_folders"] == [str(elsewhere.resolve())]
    assert "nothing was copied" in dialog.message_label.text()
    row = dialog.row_of(copy)
    assert row is not None and dialog.table.item(row, 5).text() == "added folder"
    assert dialog.selected_row().entry.path == copy  # the imported model is selected, ready to use
    assert sorted(p.name for p in elsewhere.iterdir()) == ["my-gemma.gguf"]  # nothing copied into it

    # The same file again: already listed, nothing added.
    dialog.table.clearSelection()
    with qtbot.assertNotEmitted(dialog.models_changed):
        dialog.import_button.click()
    assert "already in the list" in dialog.message_label.text()
    assert dialog.selected_row().entry.path == copy
    assert engine.settings.model_folders == [str(elsewhere.resolve())]


def test_import_of_a_model_in_the_models_folder_adds_nothing(qtbot, engine, gemma_path, monkeypatch, english):
    dialog = _open(qtbot, engine)
    _pick_file(monkeypatch, gemma_path)
    with qtbot.assertNotEmitted(dialog.models_changed):
        dialog.import_button.click()
    assert "already in the list" in dialog.message_label.text()
    assert engine.settings.model_folders == []


def test_open_models_folder(qtbot, engine, monkeypatch, english):
    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(lambda url: opened.append(url) or True))
    dialog = _open(qtbot, engine)
    dialog.open_folder_button.click()
    assert [u.toLocalFile() for u in opened] == [str(engine.paths.models_dir)]


def _link_or_copy(source, target) -> None:
    try:
        os.link(source, target)  # another name for the same bytes: quick, and discovery sees a new file
    except OSError:
        shutil.copy2(source, target)


def test_first_run_panel_when_no_model_is_found(qtbot, tmp_path, monkeypatch, gemma_path, english):
    paths = AppPaths(tmp_path / "data")
    settings = Settings()
    found: list = []
    dialog = _open(qtbot, settings, paths, list_models=lambda: list(found))
    assert dialog.rows == [] and dialog.pages.currentWidget() is dialog.first_run
    assert dialog.import_button.isHidden() and dialog.use_button.isHidden()  # the panel has its own buttons
    panel = dialog.first_run
    text = panel.body_label.text()
    assert ".gguf" in text and "LM Studio" in text and "Hugging Face" in text
    assert "http" not in text and "never downloads" in text
    assert str(paths.models_dir) in panel.models_folder_label.text()

    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(lambda url: opened.append(url) or True))
    panel.open_folder_button.click()
    assert [u.toLocalFile() for u in opened] == [str(paths.models_dir)]

    bad = tmp_path / "broken.gguf"
    bad.write_bytes(b"")
    _pick_file(monkeypatch, bad)
    with qtbot.assertNotEmitted(dialog.model_chosen):
        panel.import_button.click()
    assert "empty" in panel.message_label.text()

    # A folder without models: searched from now on, but nothing to answer with yet.
    folder = tmp_path / "my models"
    folder.mkdir()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(lambda *a, **k: str(folder)))
    with qtbot.assertNotEmitted(dialog.model_chosen), qtbot.waitSignal(dialog.models_changed):
        _wait_rescan(qtbot, dialog, panel.add_folder_button.click)
    assert "No .gguf file was found" in panel.message_label.text()
    assert settings.model_folders == [str(folder.resolve())]
    assert Settings.load(paths.settings_file).model_folders == [str(folder.resolve())]
    assert dialog.pages.currentWidget() is dialog.first_run

    # The model arrives in that folder; choosing the folder again picks it.
    model = folder / "sub" / "gemma.gguf"
    model.parent.mkdir()
    _link_or_copy(gemma_path, model)
    (folder / "mmproj-gemma.gguf").write_bytes(b"GGUF")  # a vision projector is never chosen
    found.extend(ModelLibrary(settings, paths).list_models())
    with qtbot.waitSignal(dialog.model_chosen) as blocker:
        _wait_rescan(qtbot, dialog, panel.add_folder_button.click)
    assert blocker.args == [str(model)]
    assert Settings.load(paths.settings_file).llm_model == str(model)
    assert dialog.pages.currentWidget() is dialog.table and dialog.rows
    assert dialog.import_button.isVisible() and dialog.status_label.text() == f"Models found: {len(dialog.rows)}"
    assert "now answers your questions" in dialog.message_label.text()
    assert dialog.default_path() == model


def test_first_run_panel_import_chooses_the_model(qtbot, make_engine, fake_embedder, gemma_path, tmp_path,
                                                  monkeypatch, english):
    engine = make_engine(fake_embedder)
    panel = FirstRunPanel(engine)  # as the main window builds it
    qtbot.addWidget(panel)
    _pick_file(monkeypatch, gemma_path)
    with qtbot.assertNotEmitted(panel.models_changed), qtbot.waitSignal(panel.model_chosen) as blocker:
        panel.import_button.click()  # the models folder is searched already
    assert blocker.args == [str(gemma_path)]
    assert "already in the models folder" not in panel.message_label.text()
    assert engine.settings.llm_model == str(gemma_path) and engine.settings.model_folders == []

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    _link_or_copy(gemma_path, elsewhere / "other.gguf")
    _pick_file(monkeypatch, elsewhere / "other.gguf")
    with qtbot.waitSignal(panel.models_changed), qtbot.waitSignal(panel.model_chosen) as blocker:
        panel.import_button.click()
    assert blocker.args == [str(elsewhere / "other.gguf")]
    assert engine.settings.model_folders == [str(elsewhere.resolve())]
    saved = json.loads(engine.paths.settings_file.read_text(encoding="utf-8"))
    assert saved["llm_model"] == str(elsewhere / "other.gguf")


def test_main_window_call_styles(qtbot, engine, english):
    from PySide6.QtWidgets import QWidget

    parent = QWidget()
    qtbot.addWidget(parent)
    dialog = ModelManager(engine, parent)
    assert dialog.parent() is parent and dialog.settings is engine.settings
    qtbot.waitUntil(lambda: dialog.scanned, timeout=30000)


def test_korean(qtbot, engine, gemma_path):
    before = current_language()
    set_language("ko")
    try:
        dialog = _open(qtbot, engine)
        assert dialog.windowTitle() == "언어 모델"
        assert dialog.table.horizontalHeaderItem(2).text() == "양자화"
        assert "(기본)" in dialog.table.item(dialog.row_of(gemma_path), 0).text()
    finally:
        set_language(before)
