"""A document's extracted text for the viewer: loaded off the UI thread, cached per file version,
and the cited passage located in it.

The viewer shows exactly what our own loaders extract (what was indexed), so citations' character
offsets point into it; the last few documents are kept so that opening the citations of one answer
one after another is instant.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from ...core.engine import load_document

_CACHE_SIZE = 4  # documents whose extracted text is kept


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
