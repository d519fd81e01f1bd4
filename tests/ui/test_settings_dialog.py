"""The settings dialog: values round-trip to settings.json, bad values keep it open, re-index and
re-embed are flagged, and "Delete all local data" asks before it emits."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QApplication, QDialog, QFileDialog, QMessageBox

from desktop_rag.core.config import ENGLISH_MINILM, MULTILINGUAL_E5, Settings
from desktop_rag.core.paths import AppPaths
from desktop_rag.ui.i18n import KOREAN, current_language, set_language
from desktop_rag.ui.settings_dialog import SettingsDialog


def _open(qtbot, source, paths=None) -> SettingsDialog:
    dialog = SettingsDialog(source, paths)
    qtbot.addWidget(dialog)
    dialog.show()
    # The model list fills from a worker thread; let it finish so no thread outlives the test.
    qtbot.waitUntil(lambda: dialog.models_ready, timeout=30000)
    return dialog


@pytest.fixture
def engine(make_engine, fake_embedder):
    return make_engine(fake_embedder)


@pytest.fixture
def dialog(qtbot, engine, english) -> SettingsDialog:
    return _open(qtbot, engine)


def _saved(engine) -> dict:
    return json.loads(engine.paths.settings_file.read_text(encoding="utf-8"))


def test_shows_the_current_settings(qtbot, make_engine, fake_embedder, english):
    engine = make_engine(
        fake_embedder, temperature=0.3, answer_sources=9, llm_gpu_layers=0, llm_context_tokens=4096,
        chunk_tokens=300, chunk_overlap_tokens=20, redact_personal_data=True, ui_language="ko",
        embedding_model=ENGLISH_MINILM,
    )
    dialog = _open(qtbot, engine)
    assert dialog.temperature_spin.value() == pytest.approx(0.3)
    assert dialog.sources_spin.value() == 9
    assert dialog.gpu_layers_spin.value() == 0
    assert dialog.gpu_layers_spin.text() == "CPU only"
    assert dialog.context_spin.value() == 4096
    assert (dialog.chunk_spin.value(), dialog.overlap_spin.value()) == (300, 20)
    assert dialog.redact_check.isChecked()
    assert dialog.language_combo.currentData() == "ko"
    assert dialog.embedding_combo.currentData() == ENGLISH_MINILM
    assert dialog.data_dir_edit.isReadOnly()
    assert dialog.data_dir_edit.text() == str(engine.paths.root)
    assert "--data-dir" in dialog.data_dir_edit.toolTip()
    assert dialog.chunk_warning.isHidden() and dialog.embedding_warning.isHidden()
    assert dialog.current_settings() == engine.settings  # nothing changed: nothing differs


def test_ok_saves_the_changes_and_emits(qtbot, dialog, engine):
    dialog.temperature_spin.setValue(0.7)
    dialog.sources_spin.setValue(4)
    dialog.gpu_layers_spin.setValue(12)
    dialog.context_spin.setValue(16384)
    dialog.redact_check.setChecked(True)
    dialog.language_combo.setCurrentIndex(dialog.language_combo.findData("ko"))
    with qtbot.waitSignal(dialog.settings_changed) as blocker:
        dialog.ok_button.click()
    saved, needs_reindex, needs_reembed = blocker.args
    assert (needs_reindex, needs_reembed) == (False, False)
    assert dialog.result() == QDialog.DialogCode.Accepted and not dialog.isVisible()
    data = _saved(engine)
    assert data["temperature"] == pytest.approx(0.7)
    assert (data["answer_sources"], data["llm_gpu_layers"], data["llm_context_tokens"]) == (4, 12, 16384)
    assert data["redact_personal_data"] is True and data["ui_language"] == "ko"
    assert Settings.load(engine.paths.settings_file) == saved == dialog.saved_settings
    # The dialog edits a copy: applying it is the main window's job.
    assert engine.settings.temperature == 0.0


def test_gpu_layers_auto_and_cpu_only(dialog):
    spin = dialog.gpu_layers_spin
    spin.setValue(-1)
    assert spin.text() == "Auto" and spin.specialValueText() == "Auto"
    assert spin.valueFromText("CPU only") == 0 and spin.valueFromText("auto") == -1
    assert spin.valueFromText("33") == 33
    spin.lineEdit().selectAll()
    spin.lineEdit().insert("cpu only")
    spin.interpretText()
    assert spin.value() == 0 and dialog.current_settings().llm_gpu_layers == 0


def test_bad_values_show_the_error_and_keep_the_dialog_open(qtbot, dialog, engine):
    dialog.chunk_spin.setValue(256)
    dialog.overlap_spin.setValue(128)  # must be less than half the chunk size
    with qtbot.assertNotEmitted(dialog.settings_changed):
        dialog.ok_button.click()
    assert dialog.isVisible() and dialog.result() != QDialog.DialogCode.Accepted
    assert dialog.error_label.isVisible()
    assert "overlap must be less than half the chunk size" in dialog.error_label.text()
    assert "chunk_overlap_tokens" in dialog.last_error  # Settings.validate()'s own words, in the tooltip
    assert not engine.paths.settings_file.exists()
    dialog.overlap_spin.setValue(64)
    with qtbot.waitSignal(dialog.settings_changed):
        dialog.ok_button.click()
    assert _saved(engine)["chunk_overlap_tokens"] == 64


def test_context_smaller_than_twice_the_answer_is_refused(qtbot, dialog, engine):
    dialog.context_spin.setValue(512)  # max_answer_tokens is 512
    dialog.ok_button.click()
    assert dialog.isVisible() and "at least twice the answer length (512 tokens)" in dialog.error_label.text()


def test_chunk_size_change_warns_and_needs_reindex(qtbot, dialog, engine):
    assert dialog.chunk_warning.isHidden()
    dialog.chunk_spin.setValue(512)
    assert dialog.chunk_warning.isVisible()
    assert "re-indexes every folder" in dialog.chunk_warning.text()
    dialog.chunk_spin.setValue(256)
    assert dialog.chunk_warning.isHidden()
    dialog.overlap_spin.setValue(48)
    assert dialog.chunk_warning.isVisible()
    with qtbot.waitSignal(dialog.settings_changed) as blocker:
        dialog.ok_button.click()
    assert blocker.args[1:] == [True, False]


def test_embedding_model_change_warns_and_needs_reembed(qtbot, dialog, engine, tmp_path, monkeypatch):
    assert dialog.embedding_combo.currentData() == MULTILINGUAL_E5
    assert dialog.embedding_warning.isHidden()
    dialog.embedding_combo.setCurrentIndex(dialog.embedding_combo.findData(ENGLISH_MINILM))
    assert dialog.embedding_warning.isVisible() and "re-embed" in dialog.embedding_warning.text()

    not_a_model = tmp_path / "empty"
    not_a_model.mkdir()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(lambda *a, **k: str(not_a_model)))
    dialog.embedding_folder_button.click()
    assert "does not look like a sentence-transformers model" in dialog.error_label.text()
    assert dialog.embedding_combo.currentData() == ENGLISH_MINILM

    model = tmp_path / "my-embedder"
    model.mkdir()
    (model / "config.json").write_text("{}", encoding="utf-8")
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(lambda *a, **k: str(model)))
    dialog.embedding_folder_button.click()
    assert dialog.embedding_combo.currentData() == str(model.resolve())
    assert dialog.error_label.isHidden()
    with qtbot.waitSignal(dialog.settings_changed) as blocker:
        dialog.ok_button.click()
    assert blocker.args[1:] == [False, True]
    assert _saved(engine)["embedding_model"] == str(model.resolve())


def _answer_next_question(qtbot, dialog: SettingsDialog, yes: bool, seen: list[str]) -> None:
    """Click a button of the confirmation box once it is up (it runs its own event loop)."""

    def answer():
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(10, answer)
            return
        seen.append(box.text() + "\n" + box.informativeText())
        (dialog.delete_yes_button if yes else dialog.delete_no_button).click()

    QTimer.singleShot(0, answer)


def test_delete_all_asks_then_emits(qtbot, dialog, engine):
    seen: list[str] = []
    _answer_next_question(qtbot, dialog, yes=False, seen=seen)
    with qtbot.assertNotEmitted(dialog.delete_all_requested):
        dialog.delete_all_button.click()
    assert dialog.isVisible()
    assert str(engine.paths.root) in seen[0]  # the question names the folder

    _answer_next_question(qtbot, dialog, yes=True, seen=seen)
    with qtbot.waitSignal(dialog.delete_all_requested):
        dialog.delete_all_button.click()
    assert not dialog.isVisible() and dialog.result() == QDialog.DialogCode.Rejected
    assert not engine.paths.settings_file.exists()  # nothing saved on the way out


def test_model_list_offers_the_discovered_models(qtbot, make_engine, fake_embedder, gemma_path, english, tmp_path,
                                                 monkeypatch):
    engine = make_engine(fake_embedder, llm_model=gemma_path.stem)  # a name, as the CLI accepts
    dialog = _open(qtbot, engine)
    combo = dialog.model_combo
    assert combo.itemData(0) == "" and combo.itemText(0).startswith("Automatic (")
    index = next(i for i in range(combo.count()) if combo.itemData(i) == gemma_path.stem)
    assert combo.currentIndex() == index and "Q4_K_M" in combo.itemText(index)
    assert dialog.current_settings().llm_model == gemma_path.stem  # unchanged unless the user picks another

    bad = tmp_path / "notes.gguf"
    bad.write_text("just some text", encoding="utf-8")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(bad), "")))
    dialog.browse_model_button.click()
    assert "not a GGUF" in dialog.error_label.text()
    assert combo.currentIndex() == index

    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(gemma_path), "")))
    dialog.browse_model_button.click()
    assert combo.currentIndex() == index  # already listed: selected, not added twice
    combo.setCurrentIndex(0)
    with qtbot.waitSignal(dialog.settings_changed):
        dialog.ok_button.click()
    assert _saved(engine)["llm_model"] == ""


def test_settings_and_paths_without_an_engine(qtbot, tmp_path, english):
    paths = AppPaths(tmp_path / "data")
    dialog = _open(qtbot, Settings(), paths)
    dialog.sources_spin.setValue(3)
    dialog.ok_button.click()
    assert Settings.load(paths.settings_file).answer_sources == 3


def test_open_data_folder(qtbot, dialog, engine, monkeypatch):
    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(lambda url: opened.append(url) or True))
    dialog.open_data_dir_button.click()
    assert [u.toLocalFile() for u in opened] == [str(engine.paths.root)]


def test_korean(qtbot, engine):
    before = current_language()
    set_language("ko")
    try:
        dialog = _open(qtbot, engine)
        assert dialog.windowTitle() == KOREAN["Settings"]
        assert dialog.ok_button.text() == "확인"
        assert dialog.gpu_layers_spin.text() == "자동"
        dialog.chunk_spin.setValue(512)
        dialog.overlap_spin.setValue(300)
        dialog.ok_button.click()
        assert "겹침" in dialog.error_label.text()
    finally:
        set_language(before)


def test_main_window_call_style(qtbot, engine, english):
    from PySide6.QtWidgets import QWidget

    parent = QWidget()
    qtbot.addWidget(parent)
    dialog = SettingsDialog(engine, parent)
    assert dialog.parent() is parent and dialog.paths == engine.paths
    qtbot.waitUntil(lambda: dialog.models_ready, timeout=30000)


def test_the_sentence_check_can_be_switched_off_and_is_saved(qtbot, make_engine, fake_embedder, english):
    engine = make_engine(fake_embedder, check_support=False)
    dialog = _open(qtbot, engine)
    assert not dialog.check_support_check.isChecked()
    dialog.check_support_check.setChecked(True)
    with qtbot.waitSignal(dialog.settings_changed):
        dialog.ok_button.click()
    assert _saved(engine)["check_support"] is True
