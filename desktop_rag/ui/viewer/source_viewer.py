"""The source viewer widget: its header (file name, page x of y, zoom, previous/next highlight, open /
show in folder, close), the public
API the main window uses, and the choice between the PDF view and the text view for a citation.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QDir, QModelIndex, QProcess, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QGuiApplication, QTextCharFormat, QTextCursor
from PySide6.QtPdf import QPdfDocument, QPdfSearchModel
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..i18n import tr
from .extracted import _cached, _file_key, _LoadSignals
from .ocr_view import OcrViewMixin
from .pdf_view import PdfViewMixin
from .text_view import TextViewMixin

# Files whose "default app" may run them instead of showing them (Windows runs .js, .py, .bat...).
RUNNABLE_EXTENSIONS = frozenset(
    ".bat .cmd .com .exe .msi .ps1 .psm1 .vbs .vbe .js .jse .mjs .cjs .wsf .wsh .hta .py .pyw .sh .bash .zsh "
    ".fish .command .pl .rb .php .lua .jar .scr .lnk .desktop .appimage".split()
)


class SourceViewer(PdfViewMixin, TextViewMixin, OcrViewMixin, QWidget):
    """Shows one cited passage in its document: a PDF page with the passage marked, the
    document's text with the passage highlighted and scrolled into view, or a recognised (OCR)
    page's image with the passage's words boxed.

    ``mode`` is "empty" (nothing shown yet), "loading" (text being extracted), "pdf", "text", "ocr",
    "missing" (the file is gone) or "error" (the file cannot be opened); in the last two the passage
    from the index is shown under a message. ``shown`` is emitted with the mode once a source is up.
    """

    shown = Signal(str)
    close_requested = Signal()  # the header's close button (the window hides the viewer)
    summarise_requested = Signal(str, object)  # the shown file's path, None: "Summarise this file"

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
        self._ocr_page_number: int | None = None
        self._res = (QGuiApplication.primaryScreen().logicalDotsPerInch() / 72.0) if QGuiApplication.primaryScreen() else 1.0

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)

        self.header = QFrame()
        self.header.setProperty("role", "header")
        header_rows = QVBoxLayout(self.header)
        header_rows.setContentsMargins(10, 8, 8, 8)
        header_rows.setSpacing(6)
        title_row = QHBoxLayout()
        header = QHBoxLayout()
        self.name_label = QLabel()
        bold = self.name_label.font()
        bold.setBold(True)
        self.name_label.setFont(bold)
        self.name_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.name_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.page_label = QLabel()
        self.page_label.setProperty("role", "muted")
        self.prev_button = self._tool_button("‹", tr("Previous highlight"), lambda: self.step_highlight(-1))
        self.next_button = self._tool_button("›", tr("Next highlight"), lambda: self.step_highlight(1))
        self.close_button = self._tool_button("✕", tr("Close"), self.close_requested)
        self._highlight_index = -1
        self.zoom_out_button = self._tool_button("−", tr("Zoom out"), self.zoom_out)
        self.zoom_in_button = self._tool_button("+", tr("Zoom in"), self.zoom_in)
        self.fit_width_button = self._tool_button("↔", tr("Fit width"), self.fit_width)
        self.open_button = QPushButton(tr("Open in default app"))
        self.open_button.clicked.connect(self.open_in_default_app)
        self.folder_button = QPushButton(tr("Show in folder"))
        self.folder_button.clicked.connect(self.show_in_folder)
        self.summarise_button = QPushButton(tr("Summarise this file"))
        self.summarise_button.setToolTip(tr("Read the whole file and summarise it, citing its pages"))
        self.summarise_button.clicked.connect(lambda: self._path and self.summarise_requested.emit(self._path, None))
        # Two rows, so that a long name is not squeezed by the buttons: name + close; then the controls.
        title_row.addWidget(self.name_label, 1)
        title_row.addWidget(self.close_button)
        header.addWidget(self.page_label)
        header.addStretch(1)
        for button in (self.prev_button, self.next_button, self.zoom_out_button, self.zoom_in_button, self.fit_width_button):
            header.addWidget(button)
        header.addWidget(self.open_button)
        header.addWidget(self.folder_button)
        header.addWidget(self.summarise_button)
        header_rows.addLayout(title_row)
        header_rows.addLayout(header)
        layout.addWidget(self.header)

        self.note_label = QLabel()
        self.note_label.setWordWrap(True)
        self.note_label.setTextFormat(Qt.TextFormat.PlainText)
        self.note_label.setProperty("role", "note")
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
        self.stack.addWidget(self._build_ocr_view())
        layout.addWidget(self.stack, 1)
        self.setTabOrder(self.prev_button, self.next_button)
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
        """The 1-based page in view (PDF or recognised page), None otherwise."""
        if self._mode == "ocr":
            return self._ocr_page_number
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
        place: str = "",
        ocr=None,
    ) -> None:
        """Show ``passage`` (cited from ``path``, ``page`` 1-based or None, offsets into that page's
        extracted text) in its document; ``terms`` (the query's words) are marked inside it.
        ``place``: the citation's label for the header ("mail.eml › report.pdf, page 3"), else the name.
        ``ocr``: the page's recognition result (``RagEngine.recognised_page``) when its text was
        recognised: the page image is shown with the passage's words boxed."""
        self._request += 1
        self._path = str(path)
        self._highlight = ""
        self._anchor = None
        self._set_note("")
        self.pdf_view.setCurrentSearchResultIndex(-1)
        file = Path(self._path)
        self.name_label.setText(place or file.name)
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
        self._ocr_page_number = page
        if key is None or not file.is_file():
            self._show_problem("missing", tr("This file was moved or deleted since it was indexed."), passage, terms)
        elif ocr is not None and page and self._show_ocr(page, passage, ocr):
            return
        elif file.suffix.lower() == ".pdf":
            self._show_pdf(key, page, passage)
        else:
            doc = _cached(key)
            if doc is not None:
                self._show_text(doc, passage, char_start, char_end, terms)
            else:
                self._start_loading(key, passage, char_start, char_end, terms)

    def step_highlight(self, step: int) -> None:
        """Move to the next (``step`` 1) or previous (-1) marked place: PDF search results, or the
        highlighted passage and query words in the text."""
        if self._mode == "pdf":
            count = self.search_model.rowCount(QModelIndex())
            if count:
                index = (self.pdf_view.currentSearchResultIndex() + step) % count
                self.pdf_view.setCurrentSearchResultIndex(index)
                link = self.search_model.resultAtIndex(index)
                self.pdf_view.pageNavigator().jump(link.page(), link.location(), self.pdf_view.pageNavigator().currentZoom())
        elif self._mode in ("text", "missing", "error"):
            selections = sorted(self.text_view.extraSelections(), key=lambda sel: sel.cursor.selectionStart())
            if selections:
                self._highlight_index = (self._highlight_index + step) % len(selections)
                cursor = QTextCursor(self.text_view.document())
                cursor.setPosition(selections[self._highlight_index].cursor.selectionStart())
                self.text_view.setTextCursor(cursor)
                self.text_view.centerCursor()

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

    def _set_note(self, text: str) -> None:
        self.note_label.setText(text)
        self.note_label.setVisible(bool(text))
