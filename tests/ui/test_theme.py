"""The look: both themes style the window, the chat renders Markdown tables and code blocks, and
sources are compact cards that the keyboard reaches."""

from __future__ import annotations

import re

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication

from desktop_rag.ui import theme
from desktop_rag.ui.chat_panel import ChatPanel

ANSWER = """Two kinds of leave [1]:

| kind | days |
|---|---|
| annual | 15 |
| 병가 | 60 |

```python
def days(kind):
    return TABLE[kind]
```
"""
SOURCES = [
    {"n": i, "path": f"/docs/file{i}{ext}", "page": i, "text": "Annual leave is fifteen days. " * 20}
    for i, ext in enumerate([".pdf", ".hwp", ".xlsx", ".md", ".eml"], start=1)
]


@pytest.fixture
def restore_theme(qapp):
    yield
    qapp.setStyleSheet("")
    theme.apply_theme(qapp, "light")


@pytest.mark.parametrize("mode", ["light", "dark"])
def test_each_theme_styles_the_whole_chat(qtbot, english, restore_theme, mode):
    app = QApplication.instance()
    chosen = theme.apply_theme(app, mode)
    assert chosen.name == mode and app.property("desktop_rag_theme") == mode
    assert chosen.window in app.styleSheet() and "QPushButton#send-button" in app.styleSheet()
    panel = ChatPanel()
    qtbot.addWidget(panel)
    panel.resize(800, 600)
    panel.show()
    qtbot.waitExposed(panel)
    window_colour = app.palette().color(QPalette.ColorRole.Window)
    assert (window_colour.lightness() < 80) == (mode == "dark")
    # the stylesheet reaches the widgets: the composer's send button wears the accent colour
    image = panel.send_button.grab().toImage()
    centre = image.pixelColor(image.width() // 2, 3 * image.height() // 4)
    assert abs(centre.red() - int(chosen.accent[1:3], 16)) < 40 and abs(centre.blue() - int(chosen.accent[5:7], 16)) < 40
    text = panel.palette().color(QPalette.ColorRole.WindowText)
    assert abs(text.lightness() - window_colour.lightness()) > 120  # readable in both


def test_system_scheme_is_followed_when_not_forced(monkeypatch, restore_theme):
    monkeypatch.setattr(theme, "system_prefers_dark", lambda: True)
    assert theme.resolve("auto") is theme.DARK and theme.resolve("light") is theme.LIGHT
    monkeypatch.setattr(theme, "system_prefers_dark", lambda: False)
    assert theme.resolve("auto") is theme.LIGHT and theme.resolve("dark") is theme.DARK


def test_hangul_fonts_are_in_the_fallback_chain(qapp, restore_theme):
    theme.apply_theme(qapp, "light")
    families = qapp.font().families()
    assert families.index("Noto Sans CJK KR") < families.index("Malgun Gothic") < families.index("Apple SD Gothic Neo")


def test_the_answer_renders_a_markdown_table_and_code_block(qtbot, english, restore_theme):
    theme.apply_theme(QApplication.instance(), "dark")
    panel = ChatPanel()
    qtbot.addWidget(panel)
    turn = panel.add_turn("How much leave?")
    turn.finish({"answer": ANSWER, "citations": [{"n": 3}], "sources": SOURCES})
    view = turn.answer_view
    tables = view.tables()
    assert len(tables) == 1 and (tables[0].rows(), tables[0].columns()) == (3, 2)
    assert tables[0].cellAt(2, 0).firstCursorPosition().block().text() == "병가"
    assert tables[0].format().border() == 1  # drawn with borders, not as loose words
    assert view.code_blocks() == ["def days(kind):\n    return TABLE[kind]"]
    assert "|" not in view.toPlainText() and "```" not in view.toPlainText()  # no raw Markdown left


def test_sources_are_cards_cited_first_with_n_more(qtbot, english, restore_theme):
    panel = ChatPanel()
    qtbot.addWidget(panel)
    opened = []
    panel.source_activated.connect(opened.append)
    turn = panel.add_turn("annual leave")
    turn.finish({"answer": "Fifteen days [3].", "citations": [{"n": 3}], "sources": SOURCES})
    panel.show()
    cards = turn.source_cards.cards
    assert [c.n for c in cards] == [3, 1, 2, 4, 5]
    assert [c.isVisible() for c in cards] == [True, True, True, False, False]
    assert turn.source_cards.more_button.text() == "2 more"
    assert "file3.xlsx" in cards[0].title.text() and "✓" in cards[0].title.text()
    shown = re.sub(r"<[^>]+>", "", cards[0].snippet.text())
    assert not cards[0].snippet.wordWrap() and len(shown) <= 161 and shown.endswith("…")  # one line, cut
    assert "<span" in cards[0].snippet.text()  # the question's words are marked
    turn.source_cards.more_button.click()
    assert all(c.isVisible() for c in cards)
    cards[1].setFocus()
    qtbot.keyClick(cards[1], Qt.Key.Key_Return)  # the keyboard opens a source too
    qtbot.mouseClick(cards[0], Qt.MouseButton.LeftButton)
    assert [s["n"] for s in opened] == [1, 3] and opened[1]["path"] == "/docs/file3.xlsx"


def test_empty_state_says_what_to_do_first(qtbot, english):
    panel = ChatPanel()
    qtbot.addWidget(panel)
    asked = []
    panel.add_folder_requested.connect(lambda: asked.append("folder"))
    panel.models_requested.connect(lambda: asked.append("models"))
    panel.clear("New chat", "Your library is empty: add a folder of documents.")
    panel.show()
    assert panel.empty_state.isVisible() and panel.placeholder.text().startswith("Your library is empty")
    panel.empty_add_button.click()
    panel.empty_models_button.click()
    assert asked == ["folder", "models"]
    panel.add_turn("q")
    assert not panel.empty_state.isVisible()
