"""A recognised (OCR) page in the source viewer: the page image with the passage's words boxed,
from the word boxes the index keeps, and a note that the text was recognised and can hold errors.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QImage, QImageReader, QPainter, QPen, QPixmap
from PySide6.QtPdf import QPdfDocument
from PySide6.QtWidgets import QLabel, QScrollArea

from ..i18n import tr

_PAGE_WIDTH = 1400  # pixels the page image is drawn at (then scaled to the view)
_MAX_SIDE = 4000  # a bigger image is read scaled down: the viewer never holds a poster at full size
_WORD_RE = re.compile(r"\w+")


def passage_word_span(words: Sequence[str], passage: str) -> tuple[int, int] | None:
    """(first, end) indexes of the page's recognised ``words`` that make up ``passage``: where the
    passage's first words best match a run of the page's words (OCR text and word list tokenise
    alike, but line breaks and hyphens may differ)."""
    wanted = [t.lower() for t in _WORD_RE.findall(passage)]
    page = [" ".join(_WORD_RE.findall(w)).lower() for w in words]
    if not wanted or not page:
        return None
    probe = wanted[:8]
    best, best_score = 0, 0
    for start in range(len(page)):
        score = sum(1 for offset, token in enumerate(probe) if start + offset < len(page) and page[start + offset] == token)
        if score > best_score:
            best, best_score = start, score
    if best_score < max(1, len(probe) // 2):
        return None
    # As many page words as the passage has tokens (a word box may hold two tokens: "self-contained").
    end, tokens = best, 0
    while end < len(page) and tokens < len(wanted):
        tokens += max(len(page[end].split()), 1)
        end += 1
    return best, end


class OcrViewMixin:
    """SourceViewer's view of recognised pages (needs the viewer's stack, note and labels)."""

    def _build_ocr_view(self) -> QScrollArea:
        self.ocr_label = QLabel()
        self.ocr_label.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.ocr_scroll = QScrollArea()
        self.ocr_scroll.setWidget(self.ocr_label)
        self.ocr_scroll.setWidgetResizable(True)
        self.ocr_marked: list[str] = []  # the words boxed on the page (tests read it)
        return self.ocr_scroll

    def _show_ocr(self, page: int, passage: str, ocr_page) -> bool:
        """Show ``page`` of the current file with the passage's words boxed; False when the page
        image cannot be made (the caller falls back to the PDF or text view)."""
        image = self._page_image(page)
        if image is None or image.isNull():
            return False
        words = list(ocr_page.words)
        span = passage_word_span([w.text for w in words], passage)
        marked = words[span[0] : span[1]] if span else []
        self.ocr_marked = [w.text for w in marked]
        pixmap = QPixmap.fromImage(_boxed(image, marked))
        width = max(self.ocr_scroll.viewport().width() - 4, 200)
        self.ocr_label.setPixmap(pixmap.scaledToWidth(min(width, pixmap.width()), Qt.TransformationMode.SmoothTransformation))
        self._mode = "ocr"
        self._set_pdf_controls(False)
        self.page_label.show()  # the page and the mark, without the PDF's zoom buttons
        self.stack.setCurrentWidget(self.ocr_scroll)
        self.page_label.setText(tr("Page {page}").format(page=page) + " · " + tr("recognised (OCR)"))
        self._set_note(tr("This text was recognised from the page image on this computer (OCR) and can contain errors."))
        if marked:  # scroll the first marked word into view
            y = int(min(w.y0 for w in marked) * self.ocr_label.pixmap().height())
            self.ocr_scroll.verticalScrollBar().setValue(max(y - 40, 0))
        self.shown.emit(self._mode)
        return True

    def _page_image(self, page: int) -> QImage | None:
        if self._path.lower().endswith(".pdf"):
            document = QPdfDocument(self)
            try:
                if document.load(self._path) != QPdfDocument.Error.None_ or not 1 <= page <= document.pageCount():
                    return None
                size = document.pagePointSize(page - 1)
                if size.width() <= 0:
                    return None
                scale = _PAGE_WIDTH / size.width()
                return document.render(page - 1, QSize(_PAGE_WIDTH, max(int(size.height() * scale), 1)))
            finally:
                document.close()
                document.deleteLater()
        reader = QImageReader(self._path)
        reader.setAutoTransform(True)
        if page > 1 and not reader.jumpToImage(page - 1):
            return None
        size = reader.size()
        if size.isValid() and max(size.width(), size.height()) > _MAX_SIDE:
            reader.setScaledSize(size.scaled(_MAX_SIDE, _MAX_SIDE, Qt.AspectRatioMode.KeepAspectRatio))
        image = reader.read()
        return None if image.isNull() else image


def _boxed(image: QImage, words) -> QImage:
    """A copy of ``image`` with a translucent marker over each word's box (fractions of the page)."""
    out = image.convertToFormat(QImage.Format.Format_ARGB32)
    painter = QPainter(out)
    painter.setPen(QPen(QColor(230, 150, 0, 220), max(out.width() / 700, 1.0)))
    painter.setBrush(QColor(255, 210, 0, 90))
    for w in words:
        painter.drawRect(QRectF(w.x0 * out.width(), w.y0 * out.height(), (w.x1 - w.x0) * out.width(), (w.y1 - w.y0) * out.height()))
    painter.end()
    return out
