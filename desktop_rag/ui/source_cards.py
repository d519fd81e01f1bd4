"""An answer's sources as compact cards: a file-type badge, the file name and place (page, slide,
sheet…), a one-line snippet with the question's words marked, the first few shown and "n more"."""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from .i18n import place_of, tr
from .theme import colors

#: Cards shown before "n more".
VISIBLE = 3
# extension -> (badge text, badge colour)
_BADGES = {
    ".pdf": ("PDF", "#d9480f"), ".hwp": ("HWP", "#1c7ed6"), ".hwpx": ("HWP", "#1c7ed6"),
    ".docx": ("DOC", "#1971c2"), ".pptx": ("PPT", "#e8590c"), ".pptm": ("PPT", "#e8590c"),
    ".xlsx": ("XLS", "#2f9e44"), ".xlsm": ("XLS", "#2f9e44"), ".xls": ("XLS", "#2f9e44"), ".ods": ("XLS", "#2f9e44"),
    ".csv": ("CSV", "#2f9e44"), ".tsv": ("CSV", "#2f9e44"), ".eml": ("MAIL", "#7048e8"), ".msg": ("MAIL", "#7048e8"),
    ".mbox": ("MAIL", "#7048e8"), ".md": ("MD", "#495057"), ".html": ("HTML", "#c2255c"), ".htm": ("HTML", "#c2255c"),
    ".epub": ("EPUB", "#5f3dc4"),
}


def badge_for(path: str) -> tuple[str, str]:
    """The badge text and colour of a file type (TXT, grey, for the rest)."""
    return _BADGES.get(Path(path).suffix.lower(), ("TXT", "#868e96"))


class SourceCard(QFrame):
    """One source; click it, or focus it and press Enter or Space, to open it in the viewer."""

    activated = Signal(int)  # the source's number n

    def __init__(self, source: dict, snippet_html: str, cited: bool):
        super().__init__()
        self.n = source["n"]
        self.setProperty("role", "source-card")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        place = place_of(source)
        self.setAccessibleName(f"[{self.n}] {place}")
        self.setToolTip(source.get("path", ""))
        text, colour = badge_for(source.get("path", ""))
        badge = QLabel(text)
        badge.setAlignment(Qt.AlignmentFlag.AlignCenter)
        badge.setFixedSize(38, 22)
        badge.setStyleSheet(f"background:{colour}; color:white; border-radius:4px; font-size:10px; font-weight:700")
        self.title = QLabel(f"<b>[{self.n}]</b> {html.escape(place)}" + (" ✓" if cited else ""))
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.snippet = QLabel(snippet_html)
        self.snippet.setTextFormat(Qt.TextFormat.RichText)
        self.snippet.setProperty("role", "muted")
        self.snippet.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)  # one line, cut
        text_column = QVBoxLayout()
        text_column.setSpacing(1)
        text_column.addWidget(self.title)
        text_column.addWidget(self.snippet)
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 6, 8, 6)
        row.addWidget(badge, 0, Qt.AlignmentFlag.AlignTop)
        row.addLayout(text_column, 1)

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802 - Qt name
        if event.button() == Qt.MouseButton.LeftButton:
            self.activated.emit(self.n)
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt name
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space):
            self.activated.emit(self.n)
            return
        super().keyPressEvent(event)


class SourceCards(QWidget):
    """The cards of one answer, cited sources first."""

    activated = Signal(int)

    def __init__(self) -> None:
        super().__init__()
        self.cards: list[SourceCard] = []
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(4)
        self.more_button = QPushButton()
        self.more_button.setFlat(True)
        self.more_button.clicked.connect(self.show_all)
        self.more_button.hide()

    def set_sources(self, sources: Sequence[dict], cited: set[int], snippet: Callable[[dict], str]) -> None:
        """Cards for ``sources`` (``snippet(source)`` gives its one-line HTML)."""
        for card in self.cards:
            card.setParent(None)
            card.deleteLater()
        self.cards = []
        ordered = sorted(sources, key=lambda s: (s["n"] not in cited, s["n"]))
        for source in ordered:
            card = SourceCard(source, snippet(source), source["n"] in cited)
            card.activated.connect(self.activated)
            self._layout.addWidget(card)
            self.cards.append(card)
        self._layout.addWidget(self.more_button, 0, Qt.AlignmentFlag.AlignLeft)
        hidden = max(0, len(self.cards) - VISIBLE)
        for card in self.cards[VISIBLE:]:
            card.hide()
        self.more_button.setText(tr("{n} more").format(n=hidden))
        self.more_button.setVisible(hidden > 0)

    def show_all(self) -> None:
        for card in self.cards:
            card.show()
        self.more_button.hide()


def highlight_style() -> str:
    """The inline style that marks the question's words in passages, in the current theme."""
    c = colors()
    return f"background:{c.highlight}; color:{c.highlight_text}"
