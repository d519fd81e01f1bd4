"""CSV and TSV files as one sheet: rows in blocks of key: value lines, like a workbook's sheets.

The encoding is detected as for plain text (BOM, UTF-8, UTF-16, CP949 for Korean files, then a
guess), the delimiter from the first lines (``,`` ``;`` tab or ``|``: European exports use ``;``).
Files are parsed as a stream, so a huge file costs only the rows that are indexed. A stray quote
that swallows the rest of the file (a CSV error) is retried without quote handling, with a warning.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TextIO

from .._base import LoadedDocument, LoadError, PageText, register_loader, short_message
from ..text import (  # same package: the plain-text loader's detection, reused as it is
    _BLOCK_BYTES,
    STREAM_ABOVE_BYTES,
    _detect_encoding,
    _looks_binary,
    decode_text,
)
from .render import Budget, sheet_pages

_DELIMITERS = (",", ";", "\t", "|")
_SNIFF_LINES = 20
_SNIFF_CHARS = 64 * 1024


def load_delimited(path: Path, max_bytes: int) -> LoadedDocument:
    """The file's rows as a sheet named after the file (``# name.csv``)."""
    opener = _opener(path)
    with opener() as sample_file:
        delimiter = "\t" if path.suffix.lower() == ".tsv" else _sniff_delimiter(sample_file)
    warnings: list[str] = []
    try:
        pages, warning = _render(path.name, opener, delimiter, csv.QUOTE_MINIMAL)
    except csv.Error:
        try:
            pages, warning = _render(path.name, opener, delimiter, csv.QUOTE_NONE)
        except csv.Error as exc:
            raise LoadError(f"malformed CSV: {short_message(exc)}") from exc
        warnings.append("unbalanced quotes: the file was read without quote handling")
    if warning:
        warnings.append(warning)
    return LoadedDocument(pages=pages, warnings=warnings, headings=True)


def _render(
    name: str, opener: Callable[[], TextIO], delimiter: str, quoting: int
) -> tuple[list[PageText], str | None]:
    with opener() as text:
        reader = csv.reader(text, delimiter=delimiter, quoting=quoting, strict=quoting != csv.QUOTE_NONE)
        return sheet_pages(name, _rows(reader), Budget())


def _rows(reader: Iterator[list[str]]) -> Iterator[list[str]]:
    for row in reader:
        yield [cell.strip() for cell in row]


def _opener(path: Path) -> Callable[[], TextIO]:
    """A function opening the decoded text (whole for small files, streamed for big ones)."""
    if path.stat().st_size <= STREAM_ABOVE_BYTES:
        text = decode_text(path.read_bytes())
        return lambda: io.StringIO(text, newline="")
    with open(path, "rb") as fh:
        sample = fh.read(_BLOCK_BYTES)
    encoding = _detect_encoding(sample)
    if _looks_binary(sample.decode(encoding, errors="replace")):
        raise LoadError("binary file, not text")
    return lambda: open(path, encoding=encoding, errors="replace", newline="")  # noqa: SIM115


def _sniff_delimiter(text: TextIO) -> str:
    """The candidate found the same number of times (and most often) on the first lines."""
    lines = [line for line in text.read(_SNIFF_CHARS).splitlines() if line.strip()][:_SNIFF_LINES]
    best, best_score = ",", (0, 0)
    for delimiter in _DELIMITERS:
        counts = [line.count(delimiter) for line in lines]
        if not any(counts):
            continue
        mode = max(set(counts), key=counts.count)
        score = (sum(1 for c in counts if c == mode and c > 0), mode)
        if score > best_score:
            best, best_score = delimiter, score
    return best


DELIMITED_EXTENSIONS = (".csv", ".tsv")
register_loader(DELIMITED_EXTENSIONS, load_delimited)
