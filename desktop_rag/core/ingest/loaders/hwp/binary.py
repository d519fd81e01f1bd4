"""HWP 5.x binary documents: every BodyText (or, for distribution documents, ViewText) section.

Each section becomes one page without a page number, headed ``# Section N`` (1-based), so a
citation names the section; HWP files carry no page breaks that could be trusted as page numbers.
"""

from __future__ import annotations

from pathlib import Path

from .._base import LoadedDocument, LoadError, PageText
from .._headings import escape_heading_marks, heading_line
from .._zip import ZIP_BOMB_FACTOR
from .container import FileHeader, HwpContainer
from .controls import render_paragraphs
from .distribution import decrypt_view_text
from .records import inflate, parse_records, unpacked_limit


def load_hwp5(path: Path, max_bytes: int) -> LoadedDocument:
    """Text of an HWP 5.x (OLE) document, one page per section."""
    with HwpContainer(path) as container:
        header = container.file_header()
        storage = "ViewText" if header.distribution else "BodyText"
        names = container.sections(storage)
        if not names:
            if header.distribution:
                raise LoadError("damaged distribution HWP (ViewText sections missing)")
            raise LoadError("damaged HWP file (no BodyText sections)")
        budget = ZIP_BOMB_FACTOR * max_bytes  # unpacked bytes across all sections
        pages: list[PageText] = []
        warnings: list[str] = []
        for number, name in enumerate(names, start=1):
            data, complete = _section_bytes(container, header, name, budget)
            budget -= len(data)
            records, parsed = parse_records(data)
            if not (complete and parsed):
                warnings.append(f"Section {number} is damaged: the text after the damage was left out")
            # a '# ' in the document's own text is no heading
            text = escape_heading_marks("\n\n".join(render_paragraphs(records)))
            if text.strip():
                pages.append(PageText(None, heading_line(f"Section {number}") + "\n\n" + text))
    if not pages and warnings:
        raise LoadError("damaged HWP file (no readable text in its sections)")
    return LoadedDocument(pages=pages, warnings=warnings, headings=True)


def _section_bytes(container: HwpContainer, header: FileHeader, name: str, budget: int) -> tuple[bytes, bool]:
    """The record bytes of one section stream: decrypted (distribution) and inflated (compressed)."""
    raw = container.read(name)
    if header.distribution:
        raw = decrypt_view_text(raw, name)
    if not header.compressed:
        return raw, True
    if budget <= 0:
        raise LoadError("looks like a decompression bomb (sections unpack to more than the limit)")
    return inflate(raw, unpacked_limit(len(raw), budget), name)
