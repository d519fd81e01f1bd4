"""PDF via pypdf: one :class:`PageText` per page, page numbers kept for citations.

Real-world PDFs are often broken (fuzzed, truncated, odd encryption): every pypdf failure is turned
into a short :class:`LoadError`, and a page that fails is skipped with a warning rather than losing
the whole document.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

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

_MAX_LISTED_PAGES = 20


def load_pdf(path: Path, max_bytes: int) -> LoadedDocument:
    """Extract the text layer of every page; OCR is not attempted."""
    reader = _open_reader(path)
    try:
        page_count = len(reader.pages)
    except Exception as exc:  # noqa: BLE001 - broken page trees raise many kinds of errors
        raise LoadError(f"corrupt PDF: {short_message(exc)}") from exc
    if page_count == 0:
        raise LoadError("corrupt PDF: no pages")

    pages: list[PageText] = []
    empty: list[int] = []
    failed: list[tuple[int, Exception]] = []
    for index in range(page_count):
        try:
            raw = reader.pages[index].extract_text() or ""
        except Exception as exc:  # noqa: BLE001 - one bad page must not cost the whole document
            failed.append((index + 1, exc))
            continue
        text = normalize_text(raw)
        if not text.strip():
            empty.append(index + 1)
        pages.append(PageText(number=index + 1, text=text))

    if not pages:
        raise LoadError(f"corrupt PDF: no page could be read ({short_message(failed[0][1])})")
    if len(empty) == len(pages):
        raise LoadError("no text layer (scanned image PDF; OCR is not supported)")
    return LoadedDocument(pages=pages, warnings=_warnings(page_count, empty, failed))


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


def _warnings(page_count: int, empty: list[int], failed: list[tuple[int, Exception]]) -> list[str]:
    warnings: list[str] = []
    if empty:
        verb = "has" if len(empty) == 1 else "have"
        warnings.append(
            f"{len(empty)} of {page_count} pages {verb} no text layer (scanned image?): {_page_list(empty)}"
        )
    if failed:
        numbers = [number for number, _ in failed]
        verb = "was" if len(failed) == 1 else "were"
        warnings.append(
            f"{len(failed)} of {page_count} pages could not be read and {verb} skipped: "
            f"{_page_list(numbers)} ({short_message(failed[0][1])})"
        )
    return warnings


def _page_list(numbers: list[int]) -> str:
    """'page 3' / 'pages 1, 2, 5' / 'pages 1, 2, ... and 40 more'."""
    shown = ", ".join(str(n) for n in numbers[:_MAX_LISTED_PAGES])
    more = len(numbers) - _MAX_LISTED_PAGES
    label = "page" if len(numbers) == 1 else "pages"
    return f"{label} {shown} and {more} more" if more > 0 else f"{label} {shown}"


register_loader([".pdf"], load_pdf)
