"""Hangul HWPX (OWPML, KS X 6101): the ZIP/XML successor of the binary HWP format.

Each section part becomes one page text under a "# Section N" heading, so citations name the
section (HWPX stores no page breaks of its own: page numbers are never invented). The text follows
what Hangul shows: numbered paragraphs with their numbers, tables as "a | b" rows, text boxes,
headers/footers and notes, ruby base text, tracked changes as accepted (deletions left out).

:func:`load_hwpx` is also used by the HWP loader for ``.hwp`` files that are really HWPX archives.
"""

from __future__ import annotations

from pathlib import Path

from .._base import LoadedDocument, LoadError, PageText, register_loader
from .._headings import heading_line
from .numbering import read_numbering
from .package import HwpxZip, check_not_encrypted, section_names
from .section import SectionReader

_HEADER_PART = "Contents/header.xml"

__all__ = ["load_hwpx"]


def load_hwpx(path: Path, max_bytes: int) -> LoadedDocument:
    """One page text per section ("# Section N" heading first), page number None."""
    with HwpxZip(path, max_bytes) as zf:
        check_not_encrypted(zf)
        sections = section_names(zf)
        if not sections:
            raise LoadError("not an HWPX document: no sections (Contents/sectionN.xml) found")
        warnings: list[str] = []
        header = None
        if zf.has(_HEADER_PART):
            try:
                header = zf.read_xml(_HEADER_PART)
            except LoadError as exc:
                if str(exc).startswith(("unsafe", "looks like a zip bomb")):
                    raise
                warnings.append("paragraph numbering left out (the document's style part is damaged)")
        reader = SectionReader(read_numbering(header))
        pages: list[PageText] = []
        damaged: list[LoadError] = []
        for number, name in enumerate(sections, start=1):
            try:
                root = zf.read_xml(name)
            except LoadError as exc:
                if not str(exc).startswith("corrupt"):
                    raise  # bombs and unsafe XML refuse the whole file
                # One damaged section costs that section, not the rest of the document.
                damaged.append(exc)
                warnings.append(f"Section {number} left out: {exc}")
                continue
            blocks = reader.read(root)
            if any(block.strip() for block in blocks):
                text = "\n\n".join([heading_line(f"Section {number}"), *blocks])
                pages.append(PageText(number=None, text=text))
    if damaged and not pages:
        raise damaged[0]
    return LoadedDocument(pages=pages, warnings=warnings, headings=True)


register_loader([".hwpx"], load_hwpx)
