"""PDF via pypdf: one :class:`PageText` per page, page numbers kept for citations.

A page without a usable text layer (see ``ocr.textlayer``) is rendered with pypdfium2 and
recognised when OCR is on; its text keeps its page number and is listed in ``ocr_pages``.

Real-world PDFs are often broken (fuzzed, truncated, odd encryption): every pypdf failure is turned
into a short :class:`LoadError`, and a page that fails is skipped with a warning rather than losing
the whole document.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from ..ocr.images import PdfRenderer
from ..ocr.run import outcome_notes, page_list, recognise_pages
from ..ocr.textlayer import text_layer_problem
from ..ocr.types import OcrOptions
from ._base import (
    LoadedDocument,
    LoadError,
    PageText,
    normalize_text,
    register_loader,
    short_message,
)

# pypdf logs a warning for every recoverable defect; the user sees our one-line summary instead.
logging.getLogger("pypdf").setLevel(logging.ERROR)


def load_pdf(path: Path, max_bytes: int, ocr: OcrOptions | None = None) -> LoadedDocument:
    """Extract the text layer of every page; recognise the pages without a usable one (``ocr``)."""
    reader = _open_reader(path)
    try:
        page_count = len(reader.pages)
    except Exception as exc:  # noqa: BLE001 - broken page trees raise many kinds of errors
        raise LoadError(f"corrupt PDF: {short_message(exc)}") from exc
    if page_count == 0:
        raise LoadError("corrupt PDF: no pages")

    pages: dict[int, PageText] = {}
    unusable: dict[int, str] = {}  # page -> what is wrong with its text layer
    failed: list[tuple[int, Exception]] = []
    for index in range(page_count):
        try:
            raw = reader.pages[index].extract_text() or ""
        except Exception as exc:  # noqa: BLE001 - one bad page must not cost the whole document
            failed.append((index + 1, exc))
            if ocr is not None and ocr.enabled:
                unusable[index + 1] = "unreadable text layer"  # its image may still be readable
            continue
        text = normalize_text(raw)
        problem = text_layer_problem(text)
        if problem:
            unusable[index + 1] = problem
        pages[index + 1] = PageText(number=index + 1, text=text)
    del reader  # its decoded streams are not needed while pages are recognised

    doc = LoadedDocument(pages=[], warnings=[])
    if unusable and ocr is not None and ocr.enabled:
        _recognise(path, unusable, pages, ocr, doc, page_count)
    elif unusable:
        has, need = ("has", "needs") if len(unusable) == 1 else ("have", "need")
        doc.warnings.append(
            f"{len(unusable)} of {page_count} pages {has} no usable text layer and {need} text recognition (OCR), "
            f"which is turned off: {page_list(list(unusable))}"
        )
    failed = [(n, exc) for n, exc in failed if n not in pages]
    if not pages:
        raise LoadError(f"corrupt PDF: no page could be read ({short_message(failed[0][1])})")
    doc.pages = [pages[n] for n in sorted(pages)]
    if not any(p.text.strip() for p in doc.pages):
        raise LoadError(_no_text_reason(doc.warnings))
    doc.warnings.extend(_warnings(page_count, failed))
    return doc


def _recognise(path: Path, unusable: dict[int, str], pages: dict[int, PageText], ocr: OcrOptions, doc: LoadedDocument, total: int) -> None:
    """Render and read the ``unusable`` pages; their text replaces the text layer (a garbled one
    always, a near-empty one when the recognised text is longer)."""
    numbers = list(unusable)
    renderer: PdfRenderer | None = None

    def image_of(number: int) -> Any:
        nonlocal renderer
        if renderer is None:
            renderer = PdfRenderer(path, ocr.dpi, ocr.max_pixels)
        return renderer.render(number)

    try:
        outcome = recognise_pages(numbers, image_of, ocr, path.name)
    finally:
        if renderer is not None:
            renderer.close()
    for number, page in list(outcome.pages.items()):
        text = normalize_text(page.text)
        layer = pages[number].text if number in pages else ""
        if unusable[number] != "no text" or _alnum(text) >= _alnum(layer):  # a blank scan keeps a short title
            pages[number] = PageText(number=number, text=text)
        else:
            del outcome.pages[number]
    doc.ocr_pages = dict(outcome.pages)
    doc.warnings.extend(outcome_notes(outcome, numbers, total))


def _alnum(text: str) -> int:
    return sum(1 for c in text if c.isalnum())


def _no_text_reason(warnings: list[str]) -> str:
    """Why a PDF gave no text at all: its scanned pages could not be recognised (and why)."""
    if warnings:
        return f"scanned PDF without a text layer: {warnings[0]}"
    return "no text found"


def _open_reader(path: Path) -> Any:
    try:
        from pypdf import PdfReader
    except ImportError as exc:
        raise LoadError("PDF support is not installed (the 'pypdf' package is missing)") from exc
    try:
        reader = PdfReader(path, strict=False)
        if reader.is_encrypted:
            _unlock(reader)
    except LoadError:
        raise
    except Exception as exc:  # noqa: BLE001 - PdfReadError, ValueError, KeyError, RecursionError, ...
        raise _open_error(exc) from exc
    return reader


def _open_error(exc: Exception) -> LoadError:
    from pypdf.errors import DependencyError, FileNotDecryptedError

    if isinstance(exc, FileNotDecryptedError):
        return LoadError("password required")
    if isinstance(exc, DependencyError):
        return LoadError("encrypted PDF needs the 'cryptography' package, which is not installed")
    if isinstance(exc, NotImplementedError):  # e.g. a non-standard security handler
        return LoadError(f"unsupported PDF encryption: {short_message(exc)}")
    return LoadError(f"corrupt PDF: {short_message(exc)}")


def _unlock(reader: Any) -> None:
    """Open with the empty password, as PDF viewers do; anything else needs the user's password.

    Owner-password-only PDFs (copy/print restrictions) open this way and are indexed.
    """
    from pypdf import PasswordType

    result = reader.decrypt("")
    if result == PasswordType.NOT_DECRYPTED:
        raise LoadError("password required")
    if result == PasswordType.OWNER_PASSWORD and not _empty_user_password_opens(reader):
        # Empty *owner* password but a real user password: viewers ask for the password, so do we.
        raise LoadError("password required")


def _empty_user_password_opens(reader: Any) -> bool:
    """Whether '' is the user password. pypdf tries the owner password first and has no public API
    to tell the two apart, so this reads its (private) encryption object; if that ever changes we
    fall back to accepting what pypdf opened."""
    try:
        from pypdf._encryption import AlgV4, AlgV5

        enc = reader._encryption
        values = enc.values
        if enc.V <= 4:
            key = AlgV4.verify_user_password(
                b"", enc.R, enc.Length, values.O, values.U, enc.P, enc.id1_entry, enc.EncryptMetadata
            )
        else:
            key = AlgV5.verify_user_password(enc.R, b"", values.U, values.UE)
    except Exception:  # noqa: BLE001 - private API drift: keep pypdf's verdict
        return True
    return bool(key)


def _warnings(page_count: int, failed: list[tuple[int, Exception]]) -> list[str]:
    warnings: list[str] = []
    if failed:
        numbers = [number for number, _ in failed]
        verb = "was" if len(failed) == 1 else "were"
        warnings.append(
            f"{len(failed)} of {page_count} pages could not be read and {verb} skipped: "
            f"{page_list(numbers)} ({short_message(failed[0][1])})"
        )
    return warnings


register_loader([".pdf"], load_pdf, ocr=True)
