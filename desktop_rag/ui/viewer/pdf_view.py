"""The viewer's PDF side: the cited page rendered with QtPdf, the passage marked by a
:class:`QPdfSearchModel` search, zoom, fit-width and a scroll anchor that keeps the passage in view.

pypdf's text (which the index holds) and PDFium's text differ in spaces, line breaks and ligatures,
so :func:`find_on_page` tries several pieces of the passage.
"""

from __future__ import annotations

import bisect
import unicodedata

from PySide6.QtCore import QEvent, QObject, QPointF, QTimer
from PySide6.QtPdf import QPdfDocument, QPdfLink, QPdfSearchModel

from ..i18n import tr
from .extracted import _squeeze

_PDF_PROBE_WORDS = 10  # search windows are taken from the passage's first words
_PDF_MAX_PROBE_CHARS = 2000  # longer passages are not searched whole
_PDF_COUNT_BATCH = 25  # pages searched per event-loop turn while numbering the result
_ANCHOR_LINE = 0.2  # the passage's top goes this far down the view
_ZOOM_STEP = 1.25
_ZOOM_MIN, _ZOOM_MAX = 0.1, 8.0


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


class PdfViewMixin:
    """SourceViewer's PDF methods. They use the widget's ``pdf_document``, ``pdf_view``,
    ``search_model``, header controls and viewer state, all set up in ``SourceViewer.__init__``."""

    def zoom_in(self) -> None:
        self._set_zoom(self.pdf_view.zoomFactor() * _ZOOM_STEP)

    def zoom_out(self) -> None:
        self._set_zoom(self.pdf_view.zoomFactor() / _ZOOM_STEP)

    def fit_width(self) -> None:
        self._fit_width = True
        self._relayout()

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
