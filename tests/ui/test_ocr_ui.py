"""Scans in the window: indexed through the library panel with the page being recognised in the
progress line, found by a phrase, shown as the page image with the passage's words boxed and
marked "recognised (OCR)"; the settings' OCR switch, languages and Korean model import."""

from __future__ import annotations

import shutil

import pytest

from benchmarks.ocr_pages import SCANNED, korean_model, render_pdf_page
from desktop_rag.core.config import Settings
from desktop_rag.core.engine import RagEngine
from desktop_rag.core.paths import AppPaths
from desktop_rag.ui.app import MainWindow
from desktop_rag.ui.library_panel import describe_progress
from desktop_rag.ui.settings_dialog import SettingsDialog


@pytest.mark.slow
def test_scans_indexed_in_the_window_are_shown_with_their_words_boxed(qtbot, tmp_path, docs, e5, english):
    folder = tmp_path / "scans"
    folder.mkdir()
    shutil.copy(docs / SCANNED / "cardinal.pdf", folder / "cardinal.pdf")
    render_pdf_page(docs / SCANNED / "ocr_test.pdf").save(folder / "docling.png")
    engine = RagEngine(AppPaths(tmp_path / "lib"), embedder=e5)
    window = MainWindow(engine, load_model=False)
    qtbot.addWidget(window)
    window.show()
    lines = []
    window.indexing.progress.connect(lambda p: lines.append(describe_progress(p)))
    with qtbot.waitSignal(window.indexing.job_finished, timeout=600_000) as finished:
        window.library.add_folder(str(folder), "scans")
    _, report = finished.args
    assert report.files_indexed == 2 and not report.errors
    assert any("recognising page 2 of 4 in cardinal.pdf" in line for line in lines)

    for query, name, page, word in [
        ("bundles PDF document conversion to JSON", "docling.png", 1, "Docling"),
        ("The LinnSequencer is a state-of-the-art composition tool", "cardinal.pdf", 1, "LinnSequencer"),
    ]:
        # The right page among the top 5.
        hits = [h for h in engine.search(query, k=5) if h.path == str(folder / name) and h.page == page]
        assert hits and hits[0].recognised
        hit = hits[0]
        window.show_source({"path": hit.path, "page": hit.page, "text": hit.text, "char_start": hit.char_start,
                            "char_end": hit.char_end, **hit.location()})
        assert window.viewer.mode == "ocr" and window.viewer.current_page == page
        assert "recognised (OCR)" in window.viewer.page_label.text() and window.viewer.page_label.isVisible()
        assert "can contain errors" in window.viewer.note_label.text()
        assert word in window.viewer.ocr_marked and len(window.viewer.ocr_marked) >= 5
        assert not window.viewer.ocr_label.pixmap().isNull()
    window.close()


def test_settings_switch_languages_and_korean_import(qtbot, tmp_path, monkeypatch, english):
    monkeypatch.setenv("DESKTOP_RAG_MODELS_DIR", str(tmp_path / "models"))
    paths = AppPaths(tmp_path / "lib")
    dialog = SettingsDialog(Settings(), paths)
    qtbot.addWidget(dialog)
    assert dialog.ocr_check.isChecked()  # on by default
    assert dialog.ocr_english_check.isChecked()
    assert not dialog.ocr_korean_check.isEnabled() and not dialog.ocr_korean_hint.isHidden()

    bogus = tmp_path / "kor.traineddata"
    bogus.write_bytes(b"junk" * 1000)
    with qtbot.waitSignal(dialog._ocr_importer.done, timeout=30_000):
        dialog.import_ocr_model(str(bogus))
    assert "Tesseract cannot load it" in dialog.error_label.text()
    assert not dialog.ocr_korean_check.isEnabled()

    model = korean_model()
    if model is None:  # no Korean model on this system: the same path with another valid model file
        from desktop_rag.core.ingest.ocr.models import find_model

        model = tmp_path / "other" / "kor.traineddata"
        model.parent.mkdir()
        shutil.copy(find_model("eng"), model)
    with qtbot.waitSignal(dialog._ocr_importer.done, timeout=30_000):
        dialog.import_ocr_model(str(model))
    assert dialog.error_label.isHidden()
    assert dialog.ocr_korean_check.isEnabled() and dialog.ocr_korean_check.isChecked()
    assert (tmp_path / "models" / "ocr" / "kor.traineddata").is_file()
    dialog.ocr_check.setChecked(False)
    dialog.accept()
    saved = Settings.load(paths.settings_file)
    assert saved.ocr_enabled is False and saved.ocr_languages == ["eng", "kor"]
