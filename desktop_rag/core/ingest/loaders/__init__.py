"""Document loaders: turn a file on disk into page texts for the chunker.

Public API::

    doc = load_document(path)          # -> LoadedDocument(pages=[PageText(number, text)], warnings=[...])
    supported_extensions()             # -> frozenset({".pdf", ".txt", ".md", ".html", ".docx", ".epub", ...})

Every failure is a :class:`LoadError` whose message is a short reason meant for the user
("password required", "corrupt image: ...", ...).

Text contract for all formats: Unicode NFC, "\\n" newlines, paragraphs separated by blank lines,
and for structured formats (``LoadedDocument.headings``) headings as Markdown heading lines
``# Title`` / ``## Sub``. Text is never escaped: a ``# comment`` in code stays as it is.

Formats register themselves with :func:`register_loader` when their module is imported below.
"""

from __future__ import annotations

from . import docx, epub, html, hwp, hwpx, images, mail, pdf, powerpoint, sheets, text  # noqa: F401 - imported for their register_loader() calls
from ._base import (
    DEFAULT_MAX_BYTES,
    LoadedDocument,
    LoadError,
    PageText,
    load_document,
    may_need_ocr,
    normalize_text,
    register_loader,
    size_problem,
    supported_extensions,
)

__all__ = [
    "DEFAULT_MAX_BYTES",
    "LoadError",
    "LoadedDocument",
    "PageText",
    "load_document",
    "may_need_ocr",
    "normalize_text",
    "register_loader",
    "size_problem",
    "supported_extensions",
]
