"""Source viewer: one cited passage shown where it lives.

PDFs are rendered with QtPdf on the cited page, the passage marked by a :class:`QPdfSearchModel`
search for a distinctive piece of it (pypdf's text, which the index holds, and PDFium's text differ
in spaces, line breaks and ligatures, so several pieces are tried). Every other format is shown as
the text our own loaders extract - exactly what was indexed - with the passage highlighted at its
character offsets (or found by its text when the file changed) and the query terms marked within it.

Text extraction runs on a thread pool and the last few documents are cached, so opening the
citations of one answer one after another is instant.
"""

from __future__ import annotations

import bisect
import os
import re
import sys
import unicodedata
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import (
    QDir,
    QEvent,
    QObject,
    QPointF,
    QProcess,
    Qt,
    QThreadPool,
    QTimer,
    QUrl,
    Signal,
)
from PySide6.QtGui import QColor, QDesktopServices, QFont, QGuiApplication, QTextCharFormat, QTextCursor
from PySide6.QtPdf import QPdfDocument, QPdfLink, QPdfSearchModel
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QTextEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..core.engine import load_document
from .i18n import tr

PASSAGE_BACKGROUND = QColor("#fff176")  # the cited passage (text mode)
TERM_BACKGROUND = QColor("#ffcc80")  # query terms inside it
HIGHLIGHT_FOREGROUND = QColor("#000000")  # readable on both colours, also under a dark theme

# Files whose "default app" may run them instead of showing them (Windows runs .js, .py, .bat...).
RUNNABLE_EXTENSIONS = frozenset(
    ".bat .cmd .com .exe .msi .ps1 .psm1 .vbs .vbe .js .jse .mjs .cjs .wsf .wsh .hta .py .pyw .sh .bash .zsh "
    ".fish .command .pl .rb .php .lua .jar .scr .lnk .desktop .appimage".split()
)

_CACHE_SIZE = 4  # documents whose extracted text is kept
_PDF_PROBE_WORDS = 10  # search windows are taken from the passage's first words
_PDF_MAX_PROBE_CHARS = 2000  # longer passages are not searched whole
_PDF_COUNT_BATCH = 25
_ANCHOR_LINE = 0.2  # the passage's top goes this far down the view  # pages searched per event-loop turn while numbering the result
_ZOOM_STEP = 1.25
_ZOOM_MIN, _ZOOM_MAX = 0.1, 8.0
_MAX_TERM_MARKS = 500
_ASTRAL_RE = re.compile("[\U00010000-\U0010FFFF]")  # two UTF-16 code units each in Qt


# --- extracted text: loading off the UI thread, cached per file version --------------------------


@dataclass(frozen=True)
class _TextDoc:
    """A document's extracted text: its pages joined by blank lines."""

    text: str = ""
    page_starts: tuple[int, ...] = ()  # where each page's text begins in ``text``
    error: str = ""  # the loader's reason when the file could not be read


def _extract(path: str) -> _TextDoc:
    try:
        loaded = load_document(Path(path))
    except Exception as exc:  # noqa: BLE001 - LoadError, or anything a broken loader lets through
        return _TextDoc(error=str(exc) or type(exc).__name__)
    parts: list[str] = []
    starts: list[int] = []
    offset = 0
    for page in loaded.pages:
        starts.append(offset)
        parts.append(page.text)
        offset += len(page.text) + 2
    return _TextDoc("\n\n".join(parts), tuple(starts))


_text_cache: OrderedDict[tuple[str, int, int], _TextDoc] = OrderedDict()  # touched on the UI thread only


def _file_key(path: str) -> tuple[str, int, int] | None:
    """Identifies one version of a file (path, mtime, size); None when it cannot be stat'ed."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (os.path.abspath(path), st.st_mtime_ns, st.st_size)


def _cached(key: tuple[str, int, int]) -> _TextDoc | None:
    doc = _text_cache.get(key)
    if doc is not None:
        _text_cache.move_to_end(key)
    return doc


def _remember(key: tuple[str, int, int], doc: _TextDoc) -> None:
    _text_cache[key] = doc
    _text_cache.move_to_end(key)
    while len(_text_cache) > _CACHE_SIZE:
        _text_cache.popitem(last=False)


def clear_text_cache() -> None:
    """Forget every cached document (tests, or after re-indexing)."""
    _text_cache.clear()


class _LoadSignals(QObject):
    """Owned by the viewer (so it lives on the UI thread); workers emit on it, Qt queues the call."""

    done = Signal(int, object, object)  # request number, file key, _TextDoc


# --- locating a passage ---------------------------------------------------------------------------


def _squeeze(text: str) -> str:
    return " ".join(text.split())


def locate_passage(doc_text: str, page_starts: Sequence[int], passage: str, char_start: int, char_end: int) -> tuple[int, int] | None:
    """Where ``passage`` is in ``doc_text``: at its recorded offsets when they still hold (checked with
    whitespace squeezed, on each page since offsets are per page), else the occurrence of its text
    nearest the recorded start (exact, then with flexible whitespace, then ignoring case)."""
    passage = unicodedata.normalize("NFC", passage)
    target = _squeeze(passage)
    if not target:
        return None
    if char_end > char_start >= 0:
        for base in page_starts or (0,):
            start, end = base + char_start, base + char_end
            if end <= len(doc_text) and _squeeze(doc_text[start:end]) == target:
                return start, end
    words = passage.split()
    patterns = [
        re.compile(re.escape(passage.strip())),
        re.compile(r"\s+".join(map(re.escape, words))),
        re.compile(r"\s+".join(map(re.escape, words)), re.IGNORECASE),
    ]
    for pattern in patterns:
        matches = [(m.start(), m.end()) for m in pattern.finditer(doc_text)]
        if matches:
            return min(matches, key=lambda span: abs(span[0] - char_start))
    return None


def find_on_page(model: QPdfSearchModel, passage: str, page: int) -> tuple[str, QPdfLink] | None:
    """Search ``model`` for the longest piece of ``passage`` it finds on ``page`` (0-based), leaving
    that piece as its search string; returns it with the first result on the page.

    PDFium matches across line breaks but not every pypdf quirk (headers read in another order, page
    numbers glued to text, split words), so: the whole passage first, then runs of its first words,
    longest first, and a run that is found is extended to the right as far as it still matches."""
    words = unicodedata.normalize("NFKC", passage).split()  # NFKC: 'ﬁ' ligatures -> 'fi', as PDFium reads them

    def probe(count_from: int, count_to: int) -> QPdfLink | None:
        text = " ".join(words[count_from:count_to])
        if len(text) < 4 or len(text) > _PDF_MAX_PROBE_CHARS:
            return None
        model.setSearchString(text)
        results = model.resultsOnPage(page)
        return results[0] if results else None

    if not words:
        return None
    hit = probe(0, len(words))
    if hit is not None:
        return model.searchString(), hit
    head = min(len(words), _PDF_PROBE_WORDS)
    for length in range(head, 0 if len(words) == 1 else 1, -1):
        for first in range(0, head - length + 1):
            hit = probe(first, first + length)
            if hit is None:
                continue
            good, bad = first + length, len(words) + 1  # words[first:good] is found
            while bad - good > 1:  # a longer run is found only if its shorter prefix is
                middle = (good + bad) // 2
                longer = probe(first, middle)
                if longer is not None:
                    good, hit = middle, longer
                else:
                    bad = middle
            if model.searchString() != " ".join(words[first:good]):
                hit = probe(first, good)
            return model.searchString(), hit
    return None


# --- the widget -----------------------------------------------------------------------------------


class SourceViewer(QWidget):
    """Shows one cited passage in its document: a PDF page with the passage marked, or the
    document's text with the passage highlighted and scrolled into view.

    ``mode`` is "empty" (nothing shown yet), "loading" (text being extracted), "pdf", "text",
    "missing" (the file is gone) or "error" (the file cannot be opened); in the last two the passage
    from the index is shown under a message. ``shown`` is emitted with the mode once a source is up.
    """

    shown = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._path = ""
        self._mode = "empty"
        self._highlight = ""  # pdf: the search string used
        self._request = 0
        self._pending: dict[int, tuple[str, int, int, tuple[str, ...]]] = {}  # request -> what to show
        self._pdf_key: tuple[str, int, int] | None = None
        self._fit_width = True
        self._anchor: tuple[int, float, float] | None = None  # (page index, x pt, y pt) kept at the top area
        self._scrolling = False  # our own scroll-bar changes, not the user's
        self._keep_page = False
        self._res = (QGuiApplication.primaryScreen().logicalDotsPerInch() / 72.0) if QGuiApplication.primaryScreen() else 1.0

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)

        header = QHBoxLayout()
        self.name_label = QLabel()
        bold = self.name_label.font()
        bold.setBold(True)
        self.name_label.setFont(bold)
        self.name_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.name_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.page_label = QLabel()
        self.zoom_out_button = self._tool_button("−", tr("Zoom out"), self.zoom_out)
        self.zoom_in_button = self._tool_button("+", tr("Zoom in"), self.zoom_in)
        self.fit_width_button = self._tool_button("↔", tr("Fit width"), self.fit_width)
        self.open_button = QPushButton(tr("Open in default app"))
        self.open_button.clicked.connect(self.open_in_default_app)
        self.folder_button = QPushButton(tr("Show in folder"))
        self.folder_button.clicked.connect(self.show_in_folder)
        header.addWidget(self.name_label, 1)
        header.addWidget(self.page_label)
        for button in (self.zoom_out_button, self.zoom_in_button, self.fit_width_button):
            header.addWidget(button)
        header.addWidget(self.open_button)
        header.addWidget(self.folder_button)
        layout.addLayout(header)

        self.note_label = QLabel()
        self.note_label.setWordWrap(True)
        self.note_label.setTextFormat(Qt.TextFormat.PlainText)
        self.note_label.setStyleSheet("QLabel { background: #fff3cd; color: #664d03; padding: 4px; border-radius: 3px; }")
        self.note_label.hide()
        layout.addWidget(self.note_label)

        self._loader_signals = _LoadSignals(self)
        self._loader_signals.done.connect(self._loaded)

        self.pdf_document = QPdfDocument(self)
        self.search_model = QPdfSearchModel(self)
        self.search_model.setDocument(self.pdf_document)
        self.pdf_view = QPdfView()
        self.pdf_view.setPageMode(QPdfView.PageMode.MultiPage)
        self.pdf_view.setZoomMode(QPdfView.ZoomMode.Custom)  # fit-width is computed here (_fit_zoom)
        self.pdf_view.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        self.pdf_view.setDocument(self.pdf_document)
        self.pdf_view.setSearchModel(self.search_model)
        self.pdf_view.pageNavigator().currentPageChanged.connect(self._update_page_label)
        self.pdf_view.verticalScrollBar().valueChanged.connect(self._remember_anchor)
        self.pdf_view.horizontalScrollBar().valueChanged.connect(self._remember_anchor)
        self.pdf_view.installEventFilter(self)

        self.text_view = QPlainTextEdit()
        self.text_view.setReadOnly(True)
        self.text_view.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.text_view.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)

        self.stack = QStackedWidget()
        self.stack.addWidget(self.pdf_view)
        self.stack.addWidget(self.text_view)
        layout.addWidget(self.stack, 1)
        self._set_pdf_controls(False)
        self.open_button.setEnabled(False)
        self.folder_button.setEnabled(False)

    def _tool_button(self, text: str, tip: str, slot) -> QToolButton:
        button = QToolButton()
        button.setText(text)
        button.setToolTip(tip)
        button.setAccessibleName(tip)
        button.clicked.connect(slot)
        return button

    # --- public API ----------------------------------------------------------------------------

    @property
    def current_path(self) -> str:
        return self._path

    @property
    def current_page(self) -> int | None:
        """The 1-based page in view (PDF), None otherwise."""
        if self._mode != "pdf":
            return None
        return self.pdf_view.pageNavigator().currentPage() + 1

    @property
    def mode(self) -> str:
        return self._mode

    def highlighted_text(self) -> str:
        """Text mode: the highlighted passage as shown; PDF mode: the search string that marked it;
        "" when the passage could not be located."""
        if self._mode == "pdf":
            return self._highlight
        if self._mode != "text":
            return ""
        for selection in self.text_view.extraSelections():
            if selection.format.property(QTextCharFormat.Property.UserProperty) == "passage":
                return selection.cursor.selectedText().replace("\u2029", "\n")
        return ""

    def show_source(
        self,
        path: str,
        page: int | None,
        passage: str,
        char_start: int = 0,
        char_end: int = 0,
        terms: Sequence[str] = (),
    ) -> None:
        """Show ``passage`` (cited from ``path``, ``page`` 1-based or None, offsets into that page's
        extracted text) in its document; ``terms`` (the query's words) are marked inside it."""
        self._request += 1
        self._path = str(path)
        self._highlight = ""
        self._anchor = None
        self._set_note("")
        self.pdf_view.setCurrentSearchResultIndex(-1)
        file = Path(self._path)
        self.name_label.setText(file.name)
        self.name_label.setToolTip(self._path)
        self.page_label.clear()
        runnable = file.suffix.lower() in RUNNABLE_EXTENSIONS
        self.open_button.setEnabled(file.is_file() and not runnable)
        self.open_button.setToolTip(
            tr("Script and program files are not opened directly, so that they cannot run; use Show in folder.")
            if runnable
            else self._path
        )
        self.folder_button.setEnabled(file.parent.is_dir())

        key = _file_key(self._path)
        if key is None or not file.is_file():
            self._show_problem("missing", tr("This file was moved or deleted since it was indexed."), passage, terms)
        elif file.suffix.lower() == ".pdf":
            self._show_pdf(key, page, passage)
        else:
            doc = _cached(key)
            if doc is not None:
                self._show_text(doc, passage, char_start, char_end, terms)
            else:
                self._start_loading(key, passage, char_start, char_end, terms)

    # --- header actions --------------------------------------------------------------------------

    def open_in_default_app(self) -> None:
        """Open the (local) file with the system's default application."""
        if self._path and os.path.isfile(self._path) and Path(self._path).suffix.lower() not in RUNNABLE_EXTENSIONS:
            QDesktopServices.openUrl(QUrl.fromLocalFile(os.path.abspath(self._path)))

    def show_in_folder(self) -> None:
        """Reveal the file in the system's file manager (its folder where selecting is not possible)."""
        if not self._path:
            return
        path = os.path.abspath(self._path)
        if os.path.isfile(path) and sys.platform == "win32":
            QProcess.startDetached("explorer.exe", ["/select,", QDir.toNativeSeparators(path)])
        elif os.path.isfile(path) and sys.platform == "darwin":
            QProcess.startDetached("open", ["-R", path])
        elif os.path.isdir(os.path.dirname(path)):
            QDesktopServices.openUrl(QUrl.fromLocalFile(os.path.dirname(path)))

    def zoom_in(self) -> None:
        self._set_zoom(self.pdf_view.zoomFactor() * _ZOOM_STEP)

    def zoom_out(self) -> None:
        self._set_zoom(self.pdf_view.zoomFactor() / _ZOOM_STEP)

    def fit_width(self) -> None:
        self._fit_width = True
        self._relayout()

    # --- PDF -------------------------------------------------------------------------------------

    def _show_pdf(self, key: tuple[str, int, int], page: int | None, passage: str) -> None:
        if key != self._pdf_key or self.pdf_document.status() != QPdfDocument.Status.Ready:
            self._pdf_key = None
            self.pdf_document.close()
            error = self.pdf_document.load(self._path)
            if (
                error != QPdfDocument.Error.None_
                or self.pdf_document.status() != QPdfDocument.Status.Ready
                or self.pdf_document.pageCount() < 1
            ):
                self.pdf_document.close()
                if error == QPdfDocument.Error.IncorrectPassword:
                    message = tr("This PDF is password-protected and cannot be shown here.")
                else:
                    message = tr("This PDF could not be opened: the file is damaged or not a PDF.")
                self._show_problem("error", message, passage, ())
                return
            self._pdf_key = key
        self._mode = "pdf"
        self.stack.setCurrentWidget(self.pdf_view)
        self._set_pdf_controls(True)

        count = self.pdf_document.pageCount()
        index = min(max((page or 1) - 1, 0), count - 1)
        if page is not None and page > count:
            self._set_note(tr("Page {page} is not in this file any more; showing the last page.").format(page=page))

        # A fresh model per passage: probing leaves QPdfSearchModel timers behind until it is deleted.
        old = self.search_model
        model = QPdfSearchModel(self)
        model.setDocument(self.pdf_document)
        found = find_on_page(model, passage, index)
        if found is None:
            model.setSearchString("")
            if not self.note_label.text():
                self._set_note(tr("The passage could not be marked on this page; it is shown as indexed:") + "\n" + _squeeze(passage)[:600])
        self.search_model = model
        self.pdf_view.setSearchModel(model)
        old.deleteLater()

        if self._fit_width:
            self.pdf_view.setZoomFactor(self._fit_zoom())
        self.pdf_view.pageNavigator().jump(index, QPointF(), self.pdf_view.zoomFactor())
        if found is not None:
            self._highlight = found[0]
            rects = found[1].rectangles()
            self._anchor = (index, min(r.left() for r in rects), min(r.top() for r in rects))
        else:
            self._anchor = (index, 0.0, 0.0)
        self._keep_page = True
        self._scroll_to_anchor()
        self._update_page_label()
        self.pdf_view.viewport().update()
        if found is not None:
            self._number_result(self._request, model, index, 0, 0)
        self.shown.emit(self._mode)

    def _number_result(self, request: int, model: QPdfSearchModel, page: int, next_page: int, before: int) -> None:
        """Give the view the passage's index among all results (the sum over earlier pages), searching
        the earlier pages a batch per event-loop turn so that a citation on page 300 does not freeze."""
        if request != self._request or model is not self.search_model:
            return
        stop = min(page, next_page + _PDF_COUNT_BATCH)
        for p in range(next_page, stop):
            before += len(model.resultsOnPage(p))
        if stop < page:
            QTimer.singleShot(0, self, lambda: self._number_result(request, model, page, stop, before))
            return
        self.pdf_view.setCurrentSearchResultIndex(before)

    def _set_pdf_controls(self, visible: bool) -> None:
        for widget in (self.page_label, self.zoom_out_button, self.zoom_in_button, self.fit_width_button):
            widget.setVisible(visible)

    def _update_page_label(self, *_args) -> None:
        if self._mode == "pdf":
            self.page_label.setText(
                tr("Page {page} of {count}").format(
                    page=self.pdf_view.pageNavigator().currentPage() + 1, count=self.pdf_document.pageCount()
                )
            )

    def _fit_zoom(self) -> float:
        """The zoom factor at which the widest page fills the view's width. (QPdfView's own
        FitToWidth mode leaves zoomFactor at 1, which its search highlights are drawn with.)"""
        margins = self.pdf_view.documentMargins()
        width = self.pdf_view.viewport().width() - margins.left() - margins.right()
        points = max((self.pdf_document.pagePointSize(p).width() for p in range(self.pdf_document.pageCount())), default=0)
        if width < 50 or points <= 0:
            return self.pdf_view.zoomFactor()
        return min(max(width / (points * self._res), _ZOOM_MIN), _ZOOM_MAX)

    def _set_zoom(self, factor: float) -> None:
        if self._mode != "pdf":
            return
        self._fit_width = False
        self._scrolling = True
        self.pdf_view.setZoomFactor(min(max(factor, _ZOOM_MIN), _ZOOM_MAX))
        self._scroll_to_anchor()

    def _relayout(self) -> None:
        """After a resize or zoom change: refit if fitting, and keep the same spot in view."""
        if self._mode != "pdf":
            self._scrolling = False
            return
        if self._fit_width:
            self._scrolling = True
            self.pdf_view.setZoomFactor(self._fit_zoom())
        self._scroll_to_anchor()

    def _page_geometry(self) -> tuple[list[int], list[int], int]:
        """Tops and heights of every page in view pixels (MultiPage layout, as QPdfView computes it)
        and the laid-out width."""
        scale = self._res * self.pdf_view.zoomFactor()
        margins = self.pdf_view.documentMargins()
        tops: list[int] = []
        heights: list[int] = []
        y = margins.top()
        width = 0
        for p in range(self.pdf_document.pageCount()):
            size = self.pdf_document.pagePointSize(p) * scale
            h, w = int(size.height() + 0.5), int(size.width() + 0.5)
            tops.append(y)
            heights.append(h)
            width = max(width, w)
            y += h + self.pdf_view.pageSpacing()
        return tops, heights, width + margins.left() + margins.right()

    def _scroll_to_anchor(self) -> None:
        """Put the anchor point (page, x, y in points) on the view's 20% line. Until the user scrolls,
        the cited page is also kept on the 40% line, where QPdfView reads the current page from, so
        that a passage low on a page does not make the next page the "current" one."""
        self._scrolling = True
        try:
            if self._anchor is None or self.pdf_document.pageCount() < 1:
                return
            page, x_pt, y_pt = self._anchor
            tops, heights, total_width = self._page_geometry()
            if page >= len(tops):
                return
            scale = self._res * self.pdf_view.zoomFactor()
            viewport = self.pdf_view.viewport()
            y = tops[page] + y_pt * scale - _ANCHOR_LINE * viewport.height()
            if self._keep_page:
                line = 0.4 * viewport.height()
                y = min(max(y, tops[page] - line + 1), tops[page] + heights[page] - line - 1)
            self.pdf_view.verticalScrollBar().setValue(int(y))
            x = 0
            if total_width > viewport.width():  # zoomed in: show the passage's left edge
                x = self._page_x(page, total_width) + x_pt * scale - 0.1 * viewport.width()
            self.pdf_view.horizontalScrollBar().setValue(int(x))
        finally:
            self._scrolling = False
        self._update_page_label()

    def _page_x(self, page: int, total_width: int) -> int:
        """Left edge of ``page`` in view pixels (pages are centred on the widest one)."""
        width = int(self.pdf_document.pagePointSize(page).width() * self._res * self.pdf_view.zoomFactor() + 0.5)
        return (max(total_width, self.pdf_view.viewport().width()) - width) // 2

    def _remember_anchor(self, *_args) -> None:
        """The user scrolled: remember where, so zooming and resizing keep that spot in view."""
        if self._scrolling or self._mode != "pdf":
            return
        tops, _heights, total_width = self._page_geometry()
        if not tops:
            return
        scale = self._res * self.pdf_view.zoomFactor()
        viewport = self.pdf_view.viewport()
        y = self.pdf_view.verticalScrollBar().value() + _ANCHOR_LINE * viewport.height()
        page = max(0, bisect.bisect_right(tops, y) - 1)
        x = self.pdf_view.horizontalScrollBar().value() + (0.1 * viewport.width() if total_width > viewport.width() else 0)
        self._keep_page = False
        self._anchor = (page, max(x - self._page_x(page, total_width), 0) / scale, (y - tops[page]) / scale)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.pdf_view and event.type() == QEvent.Type.Resize and self._mode == "pdf":
            # QPdfView clamps its scroll bars while handling the resize: that is not the user scrolling.
            self._scrolling = True
            QTimer.singleShot(0, self, self._relayout)
        return super().eventFilter(watched, event)

    # --- text ------------------------------------------------------------------------------------

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

    def _set_note(self, text: str) -> None:
        self.note_label.setText(text)
        self.note_label.setVisible(bool(text))


def _clean_terms(terms: Sequence[str]) -> list[str]:
    """Distinct, non-trivial query terms, longest first (so 'database' is marked before 'data')."""
    seen: dict[str, str] = {}
    for term in terms:
        term = unicodedata.normalize("NFC", str(term)).strip()
        if not term or (len(term) < 2 and term.isascii()):
            continue
        seen.setdefault(term.casefold(), term)
    return sorted(seen.values(), key=len, reverse=True)
