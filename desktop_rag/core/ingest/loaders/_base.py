"""Data types, the extension registry and text normalisation shared by every loader.

A loader turns one file into a :class:`LoadedDocument`: a list of :class:`PageText` with paragraphs
separated by blank lines. Structured formats (Markdown, HTML, DOCX, EPUB) write their headings as
Markdown heading lines (``# Title``, ``## Sub``) and set ``headings``; the chunker builds heading paths
from those lines only then, so a ``# comment`` in code or a PDF stays text, exactly as in the file.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..ocr.types import OcrOptions, OcrPage

DEFAULT_MAX_BYTES = 200 * 1024 * 1024


@dataclass(frozen=True)
class PageText:
    """The text of one page (PDF) or of a whole document / chapter (everything else)."""

    number: int | None  # 1-based page (PDF) or slide (PPTX) number; None for formats without pages
    text: str
    # Where this page sits inside a container file, shown before the page in citations: an e-mail
    # attachment ("report.pdf", nested "inner.msg › report.pdf") or one MBOX message ("Subject (date)").
    # Empty for the file's own text.
    part: str = ""
    # What ``number`` counts when it differs from the document's ``page_unit`` (an attached deck's
    # slides inside an e-mail); empty: the document's unit.
    unit: str = ""
    # Whether this page's '#' lines are headings, where it differs from the document's ``headings``
    # (an e-mail's plain-text body beside an attached Markdown file); None: the document's.
    headings: bool | None = None


@dataclass
class LoadedDocument:
    """What a loader extracted from one file."""

    pages: list[PageText]
    # User-facing notes about a file that was indexed anyway, e.g. pages without a text layer.
    warnings: list[str] = field(default_factory=list)
    # True when '#' lines (outside code fences) are the document's headings.
    headings: bool = False
    # What ``PageText.number`` counts, for citations: "page" (PDF) or "slide" (PPTX).
    page_unit: str = "page"
    # Pages whose text was recognised (OCR), by page number, with their word boxes.
    ocr_pages: dict[int, OcrPage] = field(default_factory=dict)


class LoadError(Exception):
    """A file that cannot be indexed. ``str(exc)`` is a short user-facing reason, e.g. 'password required'."""


Loader = Callable[[Path, int], LoadedDocument]
"""A loader gets the path and the byte limit (for archive members) and may raise :class:`LoadError`.
Loaders registered with ``ocr=True`` also get the :class:`OcrOptions` (or None) as a third argument."""

_LOADERS: dict[str, Loader] = {}
_OCR_LOADERS: set[str] = set()


def register_loader(exts: Iterable[str], fn: Loader, ocr: bool = False) -> None:
    """Make ``fn`` the loader for each extension in ``exts`` (case-insensitive, leading dot optional);
    ``ocr``: ``fn`` takes the OCR options too (PDFs and images)."""
    if isinstance(exts, str):  # a bare ".txt" would otherwise be registered letter by letter
        exts = [exts]
    for ext in exts:
        ext = ext.lower()
        ext = ext if ext.startswith(".") else "." + ext
        _LOADERS[ext] = fn
        if ocr:
            _OCR_LOADERS.add(ext)
        else:
            _OCR_LOADERS.discard(ext)


def may_need_ocr(path: Path | str) -> bool:
    """Whether files like ``path`` (by extension) may have pages to recognise: PDFs and images."""
    return os.path.splitext(str(path))[1].lower() in _OCR_LOADERS


def supported_extensions() -> frozenset[str]:
    """Lower-case extensions with a leading dot, e.g. ``{".pdf", ".txt", ...}``."""
    return frozenset(_LOADERS)


def load_document(path: Path, max_bytes: int = DEFAULT_MAX_BYTES, ocr: OcrOptions | None = None) -> LoadedDocument:
    """Extract the text of ``path``, choosing the loader by its (lower-cased) extension.

    ``ocr``: whether and how to recognise pages without text (None: OCR is off).

    Raises :class:`LoadError` - and nothing else - for any file that cannot be indexed, whatever is
    wrong with it: the caller records ``str(exc)`` next to the file and moves on.
    """
    path = Path(path)
    loader = _LOADERS.get(path.suffix.lower())
    if loader is None:
        raise LoadError("unsupported file type")
    try:
        _check_size(path, max_bytes)
        suffix = path.suffix.lower()
        doc = loader(path, max_bytes, ocr) if suffix in _OCR_LOADERS else loader(path, max_bytes)  # type: ignore[call-arg]
        return _finish(doc)
    except LoadError:
        raise
    except PermissionError as exc:
        raise LoadError("permission denied") from exc
    except FileNotFoundError as exc:
        raise LoadError("file not found") from exc
    except IsADirectoryError as exc:
        raise LoadError("is a folder, not a file") from exc
    except RecursionError as exc:  # e.g. 100,000 nested elements in a DOCX
        raise LoadError("structure nested too deeply to read (damaged or hostile file)") from exc
    except MemoryError as exc:
        raise LoadError("not enough memory to read this file (skipped)") from exc
    except OSError as exc:
        raise LoadError(f"could not read file: {exc.strerror or exc}") from exc
    except Exception as exc:  # noqa: BLE001 - malformed files raise anything; never crash indexing
        raise LoadError(f"could not read file: {type(exc).__name__}: {short_message(exc)}") from exc


def _check_size(path: Path, max_bytes: int) -> None:
    problem = size_problem(os.stat(path).st_size, max_bytes)
    if problem:
        raise LoadError(problem)


def size_problem(size: int, max_bytes: int) -> str | None:
    """Why a file of ``size`` bytes is not read at all (checked before a single byte is read)."""
    if size == 0:
        return "empty file"
    if size > max_bytes:
        return f"file too large ({size} bytes, limit {max_bytes})"
    return None


def _finish(doc: LoadedDocument) -> LoadedDocument:
    """Normalise every page (idempotent, so loaders may have done it already) and reject empty output."""
    pages = [PageText(p.number, normalize_text(p.text), p.part, p.unit, p.headings) for p in doc.pages]
    if not any(p.text.strip() for p in pages):
        raise LoadError("no text found")
    return LoadedDocument(
        pages=pages, warnings=list(doc.warnings), headings=doc.headings, page_unit=doc.page_unit, ocr_pages=doc.ocr_pages
    )


def short_message(exc: BaseException, limit: int = 120) -> str:
    """First line of ``str(exc)``, shortened, for one-line user-facing reasons."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."


# --- text normalisation -------------------------------------------------------------------------

# Line separators that str.splitlines() honours; folding them into "\n" keeps offsets consistent.
_NEWLINES_RE = re.compile(r"\r\n|[\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
# Control characters (tab and newline excepted) and stray BOMs carry no text.
_CONTROLS_RE = re.compile(r"[\x00-\x08\x0e-\x1b\x1f\x7f-\x84\x86-\x9f\ufeff]")
_MANY_BLANK_LINES_RE = re.compile(r"\n{4,}")
# One space before a line end: linear to search (no repetition), unlike stripping runs by regex.
_TRAILING_SPACE_RE = re.compile(r"[^\S\n](?:\n|$)")


def normalize_text(text: str) -> str:
    """Unicode NFC, "\\n" newlines, no control characters, no trailing spaces, at most 2 blank lines.

    Already normalised text is returned as it is (the same object: no copy of a big document).

    NFC matters for Korean: macOS and some PDFs produce decomposed Hangul jamo (NFD) that would
    otherwise never match a query typed as composed syllables.
    """
    text = unicodedata.normalize("NFC", text)
    text = _NEWLINES_RE.sub("\n", text)
    text = _CONTROLS_RE.sub("", text)
    if _TRAILING_SPACE_RE.search(text):
        # Line by line: the regex ``[^\S\n]+(?=\n|$)`` would be quadratic on long runs of spaces
        # (20,000 spaces took 15 s, a 1 MB run hours).
        text = "\n".join(line.rstrip() for line in text.split("\n"))
    text = _MANY_BLANK_LINES_RE.sub("\n\n\n", text)
    return text.strip("\n")

