"""The source viewer on real shared documents: PDF pages with the passage marked, Korean Markdown
with the passage highlighted at its offsets, moved files, broken PDFs, the open-in-app button."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices, QTextCharFormat

from desktop_rag.core.ingest.loaders import load_document
from desktop_rag.ui import viewer as viewer_module
from desktop_rag.ui.viewer import SourceViewer, locate_passage


@pytest.fixture
def viewer(qtbot):
    viewer_module.clear_text_cache()
    widget = SourceViewer()
    qtbot.addWidget(widget)
    widget.resize(900, 700)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def _sentence_with(text: str, words: str) -> tuple[str, int, int]:
    """The sentence of ``text`` that contains ``words``, with its offsets."""
    for match in re.finditer(r"[^.!?•]*[.!?]", text):
        if words in match.group():
            sentence = match.group().strip()
            start = text.index(sentence, match.start())
            return sentence, start, start + len(sentence)
    raise AssertionError(f"no sentence with {words!r}")


def _korean_passage(docs: Path) -> tuple[Path, str, int, int]:
    path = docs / "markdown" / "korean" / "interview_question_OS.md"
    text = load_document(path).pages[0].text
    paragraph = next(p for p in text.split("\n\n") if p.startswith("멀티스레드는 멀티프로세스보다"))
    start = text.index(paragraph)
    return path, paragraph, start, start + len(paragraph)


def test_pdf_opens_on_the_cited_page_with_the_passage_found(viewer, qtbot, docs):
    path = docs / "pdf" / "text_born_digital" / "multi_page.pdf"
    page_text = load_document(path).pages[2].text
    sentence, start, end = _sentence_with(page_text, "Final Draft and Celtx")
    assert "\n" in sentence  # the sentence wraps: pypdf's and PDFium's line breaks must not matter

    viewer.show_source(str(path), 3, sentence, start, end)

    assert viewer.mode == "pdf"
    assert viewer.current_path == str(path)
    assert viewer.current_page == 3
    assert viewer.page_label.text() == "Page 3 of 5"
    assert viewer.highlighted_text()  # the search string that marked it
    results = viewer.search_model.resultsOnPage(2)
    assert results and all(r.page() == 2 for r in results)
    assert viewer.search_model.searchString() == viewer.highlighted_text()
    # the first result on page 3 is the view's current one (framed), once earlier pages are counted
    earlier = sum(len(viewer.search_model.resultsOnPage(p)) for p in range(2))
    qtbot.waitUntil(lambda: viewer.pdf_view.currentSearchResultIndex() == earlier)
    assert viewer.search_model.resultAtIndex(earlier).page() == 2
    assert not viewer.note_label.isVisible()


def test_pdf_zoom_buttons_keep_the_page(viewer, docs):
    path = docs / "pdf" / "text_born_digital" / "multi_page.pdf"
    page_text = load_document(path).pages[3].text
    passage = " ".join(page_text.split()[:30])
    viewer.show_source(str(path), 4, passage)
    assert viewer.current_page == 4
    fit = viewer.pdf_view.zoomFactor()
    viewer.zoom_in_button.click()
    assert viewer.pdf_view.zoomFactor() == pytest.approx(fit * 1.25)
    assert viewer.current_page == 4
    viewer.zoom_out_button.click()
    viewer.zoom_out_button.click()
    assert viewer.pdf_view.zoomFactor() == pytest.approx(fit / 1.25)
    assert viewer.current_page == 4
    viewer.fit_width_button.click()
    assert viewer.pdf_view.zoomFactor() == pytest.approx(fit)


def test_pdf_passage_that_cannot_be_found_still_shows_the_page(viewer, docs):
    path = docs / "pdf" / "text_born_digital" / "multi_page.pdf"
    viewer.show_source(str(path), 2, "zzqx wording that is nowhere in this document at all")
    assert viewer.mode == "pdf"
    assert viewer.current_page == 2
    assert viewer.highlighted_text() == ""
    assert viewer.note_label.isVisible() and "could not be marked" in viewer.note_label.text()


def test_korean_markdown_passage_is_highlighted_at_its_offsets(viewer, qtbot, docs):
    path, passage, start, end = _korean_passage(docs)
    viewer.show_source(str(path), None, passage, start, end, terms=["멀티스레드", "메모리", "CPU"])
    qtbot.waitUntil(lambda: viewer.mode == "text")

    assert viewer.current_page is None
    assert viewer.highlighted_text() == passage
    assert not viewer.page_label.isVisible()
    terms = [
        s.cursor.selectedText()
        for s in viewer.text_view.extraSelections()
        if s.format.property(QTextCharFormat.Property.UserProperty) == "term"
    ]
    assert terms.count("멀티스레드") == passage.count("멀티스레드")
    assert "메모리" in terms and "CPU" in terms
    # the passage is scrolled into view
    cursor_rect = viewer.text_view.cursorRect()
    assert 0 <= cursor_rect.top() < viewer.text_view.viewport().height()
    assert viewer.text_view.textCursor().position() == start  # Hangul is in the BMP: same offsets


def test_wrong_offsets_fall_back_to_the_passage_text(viewer, qtbot, docs):
    path, passage, start, end = _korean_passage(docs)
    viewer.show_source(str(path), None, passage, start + 57, end + 57)
    qtbot.waitUntil(lambda: viewer.mode == "text")
    assert viewer.highlighted_text() == passage
    assert not viewer.note_label.isVisible()

    # whitespace differences (the passage as one line) are tolerated too; the cache serves the file
    squeezed = " ".join(passage.split()[:25])
    viewer.show_source(str(path), None, squeezed, 0, 0)
    assert viewer.mode == "text"  # cached: shown at once
    assert " ".join(viewer.highlighted_text().split()) == squeezed


def test_passage_not_in_the_file_is_shown_alone_with_a_note(viewer, qtbot, docs):
    path = docs / "markdown" / "english" / "docling_duck.md"
    viewer.show_source(str(path), None, "A passage that this file never contained.", 0, 10, terms=["passage"])
    qtbot.waitUntil(lambda: viewer.mode == "text")
    assert viewer.text_view.toPlainText() == "A passage that this file never contained."
    assert viewer.highlighted_text() == ""
    assert "not found in the current version" in viewer.note_label.text()


def test_html_shows_the_visible_text_that_was_indexed(viewer, qtbot, docs):
    path = docs / "html" / "wiki_duck.html"
    text = load_document(path).pages[0].text
    paragraph = max(text.split("\n\n"), key=len)
    start = text.index(paragraph)
    viewer.show_source(str(path), None, paragraph, start, start + len(paragraph), terms=["duck"])
    qtbot.waitUntil(lambda: viewer.mode == "text")
    assert viewer.highlighted_text() == paragraph
    assert "<div" not in viewer.text_view.toPlainText()


def test_emoji_before_the_passage_do_not_shift_the_highlight(viewer, qtbot, tmp_path):
    path = tmp_path / "notes.md"
    path.write_text("🦆🦆 오리 이야기\n\n두 번째 문단은 여기에 있습니다.\n", encoding="utf-8")
    text = load_document(path).pages[0].text
    passage = "두 번째 문단은 여기에 있습니다."
    start = text.index(passage)
    viewer.show_source(str(path), None, passage, start, start + len(passage))
    qtbot.waitUntil(lambda: viewer.mode == "text")
    assert viewer.highlighted_text() == passage


def test_deleted_file_is_reported_with_the_indexed_passage(viewer, docs, tmp_path):
    path, passage, start, end = _korean_passage(docs)
    copy = tmp_path / path.name
    shutil.copy2(path, copy)
    copy.unlink()
    viewer.show_source(str(copy), None, passage, start, end)
    assert viewer.mode == "missing"
    assert "moved or deleted since it was indexed" in viewer.note_label.text()
    assert viewer.text_view.toPlainText() == passage
    assert not viewer.open_button.isEnabled()


@pytest.mark.parametrize(
    ("folder", "name", "message"),
    [
        ("malformed", "ocrmypdf_invalid.pdf", "could not be opened"),
        ("malformed", "pdfjs_Pages-tree-refs.pdf", "could not be opened"),  # loads "without error", status Error
        ("encrypted", "pypdf_r3-user-password.pdf", "password-protected"),
    ],
)
def test_pdf_that_cannot_be_opened_shows_a_message(viewer, docs, folder, name, message):
    path = docs / "pdf" / folder / name
    viewer.show_source(str(path), 1, "Some passage from the index.")
    assert viewer.mode == "error"
    assert message in viewer.note_label.text()
    assert viewer.text_view.toPlainText() == "Some passage from the index."
    assert viewer.current_page is None
    # the viewer recovers for the next citation
    good = docs / "pdf" / "text_born_digital" / "multi_page.pdf"
    viewer.show_source(str(good), 2, "Some passage")
    assert viewer.mode == "pdf" and viewer.current_page == 2


def test_open_in_default_app_opens_the_local_file(viewer, qtbot, docs, monkeypatch):
    opened: list[QUrl] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(lambda url: opened.append(url) or True))
    path = docs / "pdf" / "text_born_digital" / "multi_page.pdf"
    viewer.show_source(str(path), 1, "Word Processing")
    viewer.open_button.click()
    assert len(opened) == 1
    assert opened[0].scheme() == "file"
    assert Path(opened[0].toLocalFile()) == path.resolve()

    viewer.folder_button.click()  # on Linux: the folder itself
    assert opened[-1].isLocalFile() and Path(opened[-1].toLocalFile()) == path.parent.resolve()


def test_scripts_are_never_opened_with_the_default_app(viewer, qtbot, tmp_path, monkeypatch):
    opened: list[QUrl] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(lambda url: opened.append(url) or True))
    script = tmp_path / "setup.bat"
    script.write_text("echo hello\n", encoding="utf-8")
    viewer.show_source(str(script), None, "echo hello", 0, 10)
    qtbot.waitUntil(lambda: viewer.mode == "text")
    assert not viewer.open_button.isEnabled()
    viewer.open_in_default_app()
    assert opened == []


def test_a_slow_load_that_finishes_late_does_not_replace_the_newer_citation(viewer, qtbot, docs):
    path, passage, start, end = _korean_passage(docs)
    viewer.show_source(str(path), None, passage, start, end)  # loads on the pool
    pdf = docs / "pdf" / "text_born_digital" / "multi_page.pdf"
    viewer.show_source(str(pdf), 3, "Specialized Word Processing Tools")
    assert viewer.mode == "pdf"
    qtbot.waitUntil(lambda: not viewer._pending)
    assert viewer.mode == "pdf" and viewer.current_page == 3


def test_locate_passage_tries_each_page_of_a_multi_part_document():
    pages = ["first chapter text", "second chapter with the passage inside"]
    text = "\n\n".join(pages)
    starts = (0, len(pages[0]) + 2)
    passage = "the passage"
    offset = pages[1].index(passage)
    span = locate_passage(text, starts, passage, offset, offset + len(passage))
    assert span is not None and text[span[0] : span[1]] == passage
    assert locate_passage(text, starts, "THE   PASSAGE", 0, 0) == span  # case and spaces
    assert locate_passage(text, starts, "absent words", 0, 0) is None
