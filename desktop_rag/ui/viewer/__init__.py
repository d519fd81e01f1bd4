"""Source viewer: one cited passage shown where it lives.

PDFs are rendered with QtPdf on the cited page, the passage marked by a :class:`QPdfSearchModel`
search for a distinctive piece of it (pypdf's text, which the index holds, and PDFium's text differ
in spaces, line breaks and ligatures, so several pieces are tried). Every other format is shown as
the text our own loaders extract - exactly what was indexed - with the passage highlighted at its
character offsets (or found by its text when the file changed) and the query terms marked within it.

Text extraction runs on a thread pool and the last few documents are cached, so opening the
citations of one answer one after another is instant.

Modules: ``source_viewer`` (the widget: header, public API, file actions), ``pdf_view`` (the PDF
page, zoom and scroll anchoring, finding the passage with PDFium's search), ``text_view`` (the
extracted text with the passage and query terms highlighted) and ``extracted`` (loading the text
off the UI thread, its cache, locating a passage in it).
"""

from .extracted import clear_text_cache, locate_passage
from .pdf_view import find_on_page
from .source_viewer import RUNNABLE_EXTENSIONS, SourceViewer

__all__ = ["RUNNABLE_EXTENSIONS", "SourceViewer", "clear_text_cache", "find_on_page", "locate_passage"]
