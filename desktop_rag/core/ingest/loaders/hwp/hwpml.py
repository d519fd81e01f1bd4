"""HWPML: the XML form of HWP documents (Hancom "HWPML 2.x" specification).

``<HWPML><HEAD>…</HEAD><BODY><SECTION><P><TEXT><CHAR>text</CHAR>…`` with controls inside
``TEXT``: ``TABLE`` (``ROW`` / ``CELL`` / ``PARALIST`` / ``P``, ``CAPTION``), drawing objects whose
``DRAWTEXT`` holds a text box, ``HEADER`` / ``FOOTER`` / ``FOOTNOTE`` / ``ENDNOTE`` paragraph lists.
Inside ``CHAR``: ``TAB``, ``LINEBREAK``, ``NBSPACE``, ``FWSPACE``, ``HYPEN`` elements.
Like the binary reader: one page per section headed ``# Section N``; hidden comments
(``HIDDENCOMMENT``) are included, equation scripts left out; footnotes follow their paragraph.
"""

from __future__ import annotations

import pyexpat
import xml.etree.ElementTree as ET
from pathlib import Path

from .._base import LoadedDocument, LoadError, PageText, short_message
from .._headings import escape_heading_marks, heading_line

_INLINE = {"TAB": "\t", "LINEBREAK": "\n", "NBSPACE": " ", "FWSPACE": " ", "HYPEN": "-", "HYPHEN": "-"}
_SKIPPED = {"SCRIPT", "EQUATION"}
_NOTES = {"FOOTNOTE", "ENDNOTE"}
_MAX_DEPTH = 64


def _name(element: ET.Element) -> str:
    tag = element.tag
    return (tag.rsplit("}", 1)[-1] if isinstance(tag, str) else "").upper()


def load_hwpml(path: Path, max_bytes: int) -> LoadedDocument:
    """Text of an HWPML file, one page per ``SECTION``."""
    with open(path, "rb") as fh:
        data = fh.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise LoadError(f"file too large (limit {max_bytes} bytes)")
    # Real HWPML declares entities (``<!DOCTYPE HWPML [<!ENTITY nbsp "&#160;">]>``); expat 2.4+
    # refuses runaway expansion ("billion laughs") itself, older ones could not, so refuse then.
    if pyexpat.version_info < (2, 4, 0) and _declares_entities(data):
        raise LoadError("HWPML with entity declarations (refused: this XML parser cannot bound them)")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise LoadError(f"damaged HWPML file: {short_message(exc)}") from exc
    if _name(root) != "HWPML":
        raise LoadError("not an HWPML document")
    pages: list[PageText] = []
    sections = [el for el in root.iter() if _name(el) == "SECTION"]
    if not sections:  # paragraphs straight in BODY (some generators write no SECTION)
        sections = [el for el in root if _name(el) == "BODY"]
    for number, section in enumerate(sections, start=1):
        blocks: list[str] = []
        _paragraphs(section, blocks, 0)
        text = escape_heading_marks("\n\n".join(blocks))  # a '# ' in the text is no heading
        if text.strip():
            pages.append(PageText(None, heading_line(f"Section {number}") + "\n\n" + text))
    return LoadedDocument(pages=pages, headings=True)


def _paragraphs(container: ET.Element, blocks: list[str], depth: int) -> None:
    """Every ``P`` below ``container`` that is not inside another paragraph, in document order."""
    if depth > _MAX_DEPTH:
        raise LoadError("structure nested too deeply to read (damaged or hostile file)")
    for child in container:
        name = _name(child)
        if name == "P":
            _paragraph(child, blocks, depth + 1)
        elif name not in _SKIPPED:
            _paragraphs(child, blocks, depth + 1)


def _paragraph(para: ET.Element, blocks: list[str], depth: int) -> None:
    current: list[str] = []
    notes: list[str] = []

    def flush() -> None:
        text = "".join(current).strip()
        if text:
            blocks.append(text)
        current.clear()

    def walk(element: ET.Element, level: int) -> None:
        if level > _MAX_DEPTH:
            raise LoadError("structure nested too deeply to read (damaged or hostile file)")
        for child in element:
            name = _name(child)
            if name == "CHAR":
                _char_text(child, current)
            elif name in _INLINE:
                current.append(_INLINE[name])
            elif name in _SKIPPED:
                pass
            elif name in _NOTES:
                _paragraphs(child, notes, level + 1)
            elif name == "TEXT":
                if child.text and child.text.strip():  # some generators put the text straight in TEXT
                    current.append(child.text)
                walk(child, level + 1)  # a run of characters and controls
            elif name == "TABLE":
                flush()
                blocks.extend(_table(child, level + 1))
            elif any(_name(d) == "P" for d in child.iter()):
                flush()  # header, footer, text box, caption ...: their own paragraphs
                _paragraphs(child, blocks, level + 1)
            else:
                walk(child, level + 1)  # field markers and other wrappers

    walk(para, depth)
    flush()
    blocks.extend(notes)


def _declares_entities(data: bytes) -> bool:
    head = data[:65536]
    return (
        b"<!ENTITY" in head
        or "<!ENTITY".encode("utf-16-le") in head
        or "<!ENTITY".encode("utf-16-be") in head
    )


def _char_text(char: ET.Element, out: list[str]) -> None:
    out.append(char.text or "")
    for child in char:
        out.append(_INLINE.get(_name(child), ""))
        out.append(child.tail or "")


def _table(table: ET.Element, depth: int) -> list[str]:
    """Captions before, then one line per ``ROW`` with cells joined by ' | '."""
    before: list[str] = []
    lines: list[str] = []
    for child in table.iter():
        if _name(child) == "CAPTION":
            _paragraphs(child, before, depth + 1)
    for row in (el for el in table if _name(el) == "ROW"):
        cells = []
        for cell in (el for el in row if _name(el) == "CELL"):
            cell_blocks: list[str] = []
            _paragraphs(cell, cell_blocks, depth + 1)
            cells.append(" ".join(" ".join(block.split()) for block in cell_blocks))
        if any(cells):
            lines.append(" | ".join(cells))
    return before + (["\n".join(lines)] if lines else [])
