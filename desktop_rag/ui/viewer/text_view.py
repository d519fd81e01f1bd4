"""The viewer's text side: a document's extracted text with the cited passage highlighted at its
character offsets (or found by its text when the file changed), the query terms marked within it,
and the passage scrolled into view; also the "file missing / unreadable" message with the passage
as indexed. Text is extracted on a thread pool (see ``extracted``).
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Sequence

from PySide6.QtCore import QThreadPool, QTimer
from PySide6.QtGui import QColor, QFont, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import QTextEdit

from ..i18n import tr
from .extracted import _extract, _remember, _TextDoc, locate_passage

PASSAGE_BACKGROUND = QColor("#fff176")  # the cited passage (text mode)
TERM_BACKGROUND = QColor("#ffcc80")  # query terms inside it
HIGHLIGHT_FOREGROUND = QColor("#000000")  # readable on both colours, also under a dark theme
_MAX_TERM_MARKS = 500
_ASTRAL_RE = re.compile("[\U00010000-\U0010FFFF]")  # two UTF-16 code units each in Qt


class TextViewMixin:
    """SourceViewer's text methods. They use the widget's ``text_view``, ``stack``, note label and
    viewer state, all set up in ``SourceViewer.__init__``."""

    def _start_loading(
        self, key: tuple[str, int, int], passage: str, char_start: int, char_end: int, terms: Sequence[str]
    ) -> None:
        self._mode = "loading"
        self._set_pdf_controls(False)
        self.stack.setCurrentWidget(self.text_view)
        self.text_view.setExtraSelections([])
        self.text_view.clear()
        self._set_note(tr("Loading…"))
        request, path, signals = self._request, self._path, self._loader_signals
        self._pending[request] = (passage, char_start, char_end, tuple(terms))

        def work() -> None:
            doc = _extract(path)
            try:
                signals.done.emit(request, key, doc)
            except RuntimeError:  # the viewer was deleted meanwhile
                pass

        QThreadPool.globalInstance().start(work)

    def _loaded(self, request: int, key: tuple[str, int, int], doc: _TextDoc) -> None:
        _remember(key, doc)
        args = self._pending.pop(request, None)
        if args is not None and request == self._request:  # else the user has moved on to another citation
            self._set_note("")
            self._show_text(doc, *args)

    def _show_text(self, doc: _TextDoc, passage: str, char_start: int, char_end: int, terms: Sequence[str]) -> None:
        if doc.error:
            self._show_problem("error", tr("This file could not be read: {reason}").format(reason=doc.error), passage, terms)
            return
        self._mode = "text"
        self._set_pdf_controls(False)
        self.stack.setCurrentWidget(self.text_view)
        span = locate_passage(doc.text, doc.page_starts, passage, char_start, char_end)
        if span is None:
            self._set_note(tr("The passage was not found in the current version of this file; it is shown as indexed."))
            self._fill_text(passage, None, terms)
        else:
            self._fill_text(doc.text, span, terms)
        self.shown.emit(self._mode)

    def _show_problem(self, mode: str, message: str, passage: str, terms: Sequence[str]) -> None:
        """A message, and under it the passage as the index holds it."""
        self._mode = mode
        self._set_pdf_controls(False)
        self.stack.setCurrentWidget(self.text_view)
        self._set_note(message + "\n" + tr("The passage as indexed:"))
        self._fill_text(passage, None, terms)
        self.shown.emit(self._mode)

    def _fill_text(self, text: str, span: tuple[int, int] | None, terms: Sequence[str]) -> None:
        """Show ``text``; highlight ``span`` (Python offsets) and the terms inside it (or everywhere
        when there is no span), and scroll the span into view."""
        self.text_view.setExtraSelections([])
        self.text_view.setPlainText(text)
        start, end = span if span is not None else (0, len(text))
        # Qt counts UTF-16 code units: characters beyond the BMP (emoji) take two.
        astral = [] if text.isascii() else [m.start() for m in _ASTRAL_RE.finditer(text, 0, end)]

        def to_qt(i: int) -> int:
            return i + bisect.bisect_left(astral, i)

        selections: list[QTextEdit.ExtraSelection] = []
        if span is not None:
            selections.append(self._selection(to_qt(start), to_qt(end), PASSAGE_BACKGROUND, "passage", bold=False))
        marks = 0
        for term in _clean_terms(terms):
            for match in re.finditer(re.escape(term), text[start:end], re.IGNORECASE):
                if marks >= _MAX_TERM_MARKS:
                    break
                selections.append(
                    self._selection(to_qt(start + match.start()), to_qt(start + match.end()), TERM_BACKGROUND, "term", bold=True)
                )
                marks += 1
        self.text_view.setExtraSelections(selections)
        if span is not None:
            position, request = to_qt(start), self._request
            self._scroll_text_to(position)
            # once more after layout, for a viewer that is not on screen yet
            QTimer.singleShot(0, self, lambda: self._scroll_text_to(position, request))
        else:
            self.text_view.moveCursor(QTextCursor.MoveOperation.Start)

    def _selection(self, start: int, end: int, background: QColor, kind: str, bold: bool) -> QTextEdit.ExtraSelection:
        selection = QTextEdit.ExtraSelection()
        cursor = QTextCursor(self.text_view.document())
        cursor.setPosition(start)
        cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
        selection.cursor = cursor
        fmt = QTextCharFormat()
        fmt.setBackground(background)
        fmt.setForeground(HIGHLIGHT_FOREGROUND)
        if bold:
            fmt.setFontWeight(QFont.Weight.Bold)
        fmt.setProperty(QTextCharFormat.Property.UserProperty, kind)
        selection.format = fmt
        return selection

    def _scroll_text_to(self, position: int, request: int | None = None) -> None:
        """Put the line holding ``position`` near the top, a couple of lines of context above it."""
        if request is not None and (request != self._request or self._mode != "text"):
            return
        view = self.text_view
        cursor = QTextCursor(view.document())
        cursor.movePosition(QTextCursor.MoveOperation.End)
        view.setTextCursor(cursor)
        view.ensureCursorVisible()
        cursor.setPosition(position)
        view.setTextCursor(cursor)
        view.ensureCursorVisible()  # scrolling up puts the cursor's line at the top
        bar = view.verticalScrollBar()
        bar.setValue(max(bar.value() - 2, 0))


def _clean_terms(terms: Sequence[str]) -> list[str]:
    """Distinct, non-trivial query terms, longest first (so 'database' is marked before 'data')."""
    seen: dict[str, str] = {}
    for term in terms:
        term = unicodedata.normalize("NFC", str(term)).strip()
        if not term or (len(term) < 2 and term.isascii()):
            continue
        seen.setdefault(term.casefold(), term)
    return sorted(seen.values(), key=len, reverse=True)
