"""The support check in the window: an unsupported sentence is marked "not found in the sources",
a miscited one shows the right source, and clicking a sentence's citation highlights in the viewer
the exact span that supports it (real e5 model, a real Korean document, the real window)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor

from desktop_rag.core.answer.grounding import map_citations
from desktop_rag.core.answer.prompting import Source
from desktop_rag.core.answer.results import AnswerResult
from desktop_rag.core.config import Settings
from desktop_rag.core.engine import RagEngine
from desktop_rag.core.paths import AppPaths
from desktop_rag.ui.answer_marks import flagged_notes
from desktop_rag.ui.app import MainWindow
from desktop_rag.ui.i18n import set_language

pytestmark = pytest.mark.slow


@pytest.fixture
def window(qtbot, tmp_path, docs, e5):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "os.md").write_bytes((docs / "markdown/korean/interview_question_OS.md").read_bytes())
    engine = RagEngine(AppPaths(tmp_path / "lib"), Settings(), embedder=e5)
    engine.index_folder(folder, "docs")
    window = MainWindow(engine, load_model=False)
    qtbot.addWidget(window)
    window.show()
    window.center.setCurrentWidget(window.chat)  # as once a model is loaded
    yield window
    set_language("en")


def _answer(window, question: str, answer: str) -> dict:
    """The result the core gives for ``answer`` over the passages retrieved for ``question``."""
    engine = window.engine
    hits = engine.search(question, 3)
    sources = [Source(i + 1, hit) for i, hit in enumerate(hits)]
    result = AnswerResult(question=question, answer=answer, sources=sources)
    result.citations, result.unknown_citations = map_citations(answer, {s.n: s for s in sources})
    result.support = engine.support_checker().check(answer, {s.n: s.hit.text for s in sources})
    return result.to_json()


def _click_anchor(qtbot, view, href: str) -> None:
    """Click the first link to ``href`` in the rendered answer, as a user would."""
    doc = view.document()
    block = doc.begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            fragment = it.fragment()
            if fragment.charFormat().anchorHref() == href:
                cursor = QTextCursor(doc)
                cursor.setPosition(fragment.position() + 1)
                qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.cursorRect(cursor).center())
                return
            it += 1
        block = block.next()
    raise AssertionError(f"no link {href} in the answer")


@pytest.mark.parametrize("language", ["en", "ko"])
def test_unsupported_sentence_is_marked_and_a_citation_click_highlights_its_span(qtbot, window, language):
    set_language(language)
    question = "스레드는 무엇으로 구성되나요?"
    hits = window.engine.search(question, 3)
    thread_n = next(i + 1 for i, h in enumerate(hits) if "스레드 ID, 프로그램 카운터" in h.text)
    answer = (
        f"스레드는 스레드 ID, 프로그램 카운터, 레지스터 집합, 그리고 스택으로 구성됩니다 [{thread_n}]. "
        f"스레드는 2005년 IBM이 처음 발명한 기술입니다 [{thread_n}]."
    )
    result = _answer(window, question, answer)
    verdicts = [s["verdict"] for s in result["support"]["sentences"]]
    assert verdicts == ["supported", "unsupported"]

    turn = window.chat.show_saved(question, result)
    expected = "출처에서 찾을 수 없음" if language == "ko" else "not found in the sources"
    notes = flagged_notes(turn.answer_view)
    assert len(notes) == 1 and expected in notes[0], "the unsupported sentence carries a visible mark"
    assert expected in turn.answer_view.toPlainText()
    qtbot.waitUntil(turn.isVisible)
    assert turn.notes_label.isVisible() and "1" in turn.notes_label.text() and "cites no source" not in turn.notes_label.text()

    span = result["support"]["sentences"][0]["span"]
    assert span["n"] == thread_n and "스레드 ID, 프로그램 카운터" in span["text"]
    assert len(span["text"]) < len(hits[thread_n - 1].text), "a span, not the whole passage"
    _click_anchor(qtbot, turn.answer_view, f"cite:0:{thread_n}")
    viewer = window.viewer
    qtbot.waitUntil(lambda: viewer.mode == "text" and viewer.highlighted_text() != "", timeout=10_000)
    assert window.viewer_dock.isVisible()
    assert viewer.highlighted_text() == span["text"], "the viewer highlights exactly the supporting span"


def test_a_miscited_sentence_shows_the_source_that_supports_it(qtbot, window):
    question = "프로세스와 스레드의 차이는?"
    hits = window.engine.search(question, 4)
    thread_n = next(i + 1 for i, h in enumerate(hits) if "스레드 ID, 프로그램 카운터" in h.text)
    wrong = next(i + 1 for i, h in enumerate(hits) if "스레드 ID, 프로그램 카운터" not in h.text)
    answer = f"스레드는 스레드 ID, 프로그램 카운터, 레지스터 집합, 그리고 스택으로 구성됩니다 [{wrong}]."
    result = _answer(window, question, answer)
    sentence = result["support"]["sentences"][0]
    assert sentence["verdict"] == "miscited" and sentence["corrected"] == thread_n
    turn = window.chat.show_saved(question, result)
    qtbot.waitUntil(turn.isVisible)
    shown = turn.answer_view.toPlainText()
    assert f"[{wrong}]" in shown and f"[{thread_n}]" in shown
    _click_anchor(qtbot, turn.answer_view, f"cite:0:{thread_n}")
    qtbot.waitUntil(lambda: window.viewer.highlighted_text() == sentence["span"]["text"], timeout=10_000)


def test_chat_command_and_viewer_button_ask_about_a_whole_document(qtbot, window, monkeypatch):
    asked = []
    monkeypatch.setattr(window.answers, "load_model", lambda spec=None: None)  # no model in this window
    window.chat.input.setPlainText("/summarise OS.md")
    window.chat.send()
    turn = window.chat.turns[-1]
    assert turn.question == "Summarise os.md" and "language model" in turn.answer_text
    window.chat.input.setPlainText("/summarise nothing.pdf")
    window.chat.send()
    assert "no indexed document" in window.chat.turns[-1].answer_text
    window.viewer.summarise_requested.connect(lambda path, question: asked.append(path))
    source = _answer(window, "스레드", "스레드 [1].")["sources"][0]
    window.show_source(source)
    window.viewer.summarise_button.click()
    assert asked == [source["path"]]
