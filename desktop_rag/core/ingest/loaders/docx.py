"""Word DOCX: paragraphs, tables and text boxes in document order, read straight from the XML.

Heading styles (Heading 1-9, Title, or any style with an outline level) become Markdown heading
lines; table rows become " | "-joined cells. Headers, footers, comments and footnotes are left out:
they repeat on every page or sit outside the reading order.
"""

from __future__ import annotations

import posixpath
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ._base import LoadedDocument, LoadError, PageText, register_loader, short_message
from ._zip import BoundedZip

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_M = "http://schemas.openxmlformats.org/officeDocument/2006/math"
_MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_OFFICE_DOCUMENT_REL = "/officeDocument"
_STYLES_REL = "/styles"


def _w(tag: str) -> str:
    return f"{{{_W}}}{tag}"


_P, _TBL, _TR, _TC, _T, _PPR = _w("p"), _w("tbl"), _w("tr"), _w("tc"), _w("t"), _w("pPr")
_TXBX = _w("txbxContent")
_MATH_T = f"{{{_M}}}t"
_ALTERNATE, _CHOICE, _FALLBACK = f"{{{_MC}}}AlternateContent", f"{{{_MC}}}Choice", f"{{{_MC}}}Fallback"
_RUN_CHARS = {_w("tab"): "\t", _w("br"): "\n", _w("cr"): "\n", _w("noBreakHyphen"): "-"}
# Subtrees without reading-order text: properties, deleted/moved-away text, field codes, references.
_SKIP = frozenset(
    {_PPR, _w("rPr"), _w("sectPr"), _w("del"), _w("moveFrom"), _w("instrText"), _w("delText"),
     _w("commentReference"), _w("footnoteReference"), _w("endnoteReference"), _FALLBACK}
)  # fmt: skip
_LIST_MARK = "- "
_HEADING_NAME_RE = re.compile(r"^heading\s*([1-9])$")
_HEADING_ID_RE = re.compile(r"^heading([1-9])$", re.IGNORECASE)


@dataclass
class _Styles:
    heading_level: dict[str, int] = field(default_factory=dict)  # styleId -> 1..9
    list_styles: set[str] = field(default_factory=set)

    def level_of(self, style_id: str) -> int:
        if style_id in self.heading_level:
            return self.heading_level[style_id]
        match = _HEADING_ID_RE.match(style_id)  # styles.xml missing or incomplete
        if match:
            return int(match.group(1))
        return 1 if style_id.lower() == "title" else 0


def load_docx(path: Path, max_bytes: int) -> LoadedDocument:
    """One page with the document's text; headings as '#' lines."""
    with BoundedZip(path, max_bytes, "DOCX") as zf:
        main_part = _main_part_name(zf)
        root = _parse_xml(zf.read(main_part))
        styles = _read_styles(zf, main_part)
    body = root.find(_w("body"))
    if body is None:
        raise LoadError("corrupt DOCX: the document has no body")
    blocks: list[str] = []
    _walk_blocks(body, styles, blocks, in_table=False)
    return LoadedDocument(pages=[PageText(number=None, text=_join_blocks(blocks))], headings=True)


def _join_blocks(blocks: list[str]) -> str:
    """Blank lines between paragraphs; consecutive list items stay together as one list."""
    out: list[str] = []
    for block in blocks:
        if not block.strip():
            continue
        if out:
            together = block.startswith(_LIST_MARK) and out[-1].startswith(_LIST_MARK)
            out.append("\n" if together else "\n\n")
        out.append(block)
    return "".join(out)


def _parse_xml(data: bytes) -> ET.Element:
    try:
        return ET.fromstring(data)
    except ET.ParseError as exc:
        raise LoadError(f"corrupt DOCX: {short_message(exc)}") from exc


def _main_part_name(zf: BoundedZip) -> str:
    """The main document part from the package relationships (almost always word/document.xml)."""
    if zf.has("_rels/.rels"):
        for rel in _parse_xml(zf.read("_rels/.rels")).iter(f"{{{_REL}}}Relationship"):
            if rel.get("Type", "").endswith(_OFFICE_DOCUMENT_REL):
                name = rel.get("Target", "").lstrip("/")
                if zf.has(name):
                    return name
    if zf.has("word/document.xml"):
        return "word/document.xml"
    raise LoadError("corrupt DOCX: word/document.xml is missing")


def _read_styles(zf: BoundedZip, main_part: str) -> _Styles:
    """Heading levels and list styles by style id, following basedOn chains."""
    folder = posixpath.dirname(main_part)
    name = posixpath.join(folder, "styles.xml")
    if not zf.has(name):
        return _Styles()
    try:
        root = ET.fromstring(zf.read(name))
    except (ET.ParseError, LoadError):
        return _Styles()  # styles only decorate: the text is still readable without them
    own_level: dict[str, int] = {}
    own_list: set[str] = set()
    based_on: dict[str, str] = {}
    for style in root.iter(_w("style")):
        if style.get(_w("type")) != "paragraph":
            continue
        style_id = style.get(_w("styleId"), "")
        name_el = style.find(_w("name"))
        style_name = (name_el.get(_w("val"), "") if name_el is not None else "").strip().lower()
        match = _HEADING_NAME_RE.match(style_name)
        outline = style.find(f"{_PPR}/{_w('outlineLvl')}")
        if match:
            own_level[style_id] = int(match.group(1))
        elif style_name == "title":
            own_level[style_id] = 1
        elif outline is not None and _int(outline.get(_w("val"))) in range(9):
            own_level[style_id] = _int(outline.get(_w("val"))) + 1
        num_id = style.find(f"{_PPR}/{_w('numPr')}/{_w('numId')}")
        if num_id is not None and num_id.get(_w("val")) != "0":
            own_list.add(style_id)
        parent = style.find(_w("basedOn"))
        if parent is not None:
            based_on[style_id] = parent.get(_w("val"), "")
    styles = _Styles()
    for style_id in based_on.keys() | own_level.keys() | own_list:
        chain = _style_chain(style_id, based_on)
        level = next((own_level[s] for s in chain if s in own_level), 0)
        if level:
            styles.heading_level[style_id] = level
        if any(s in own_list for s in chain):
            styles.list_styles.add(style_id)
    return styles


def _style_chain(style_id: str, based_on: dict[str, str]) -> list[str]:
    chain = [style_id]
    while chain[-1] in based_on and len(chain) < 12:  # cycles in broken files
        chain.append(based_on[chain[-1]])
    return chain


def _int(value: str | None) -> int:
    try:
        return int(value or "")
    except ValueError:
        return -1


def _walk_blocks(container: ET.Element, styles: _Styles, out: list[str], in_table: bool) -> None:
    """Append the text blocks (paragraphs, tables, text boxes) of ``container`` in document order."""
    for child in container:
        if child.tag == _P:
            out.extend(_paragraph_blocks(child, styles, in_table))
        elif child.tag == _TBL:
            out.append(_table_text(child, styles))
        elif child.tag == _ALTERNATE:
            _walk_blocks(_chosen_alternative(child), styles, out, in_table)
        elif child.tag not in _SKIP:
            _walk_blocks(child, styles, out, in_table)  # sdt, customXml, ins, smartTag...


def _chosen_alternative(alternate: ET.Element) -> ET.Element:
    """mc:AlternateContent holds the same content twice (modern + VML fallback): read one."""
    choice = alternate.find(_CHOICE)
    if choice is not None and any(True for _ in choice.iter(_T)):
        return choice
    fallback = alternate.find(_FALLBACK)
    if fallback is not None:
        return fallback
    return choice if choice is not None else alternate


def _paragraph_blocks(paragraph: ET.Element, styles: _Styles, in_table: bool) -> list[str]:
    parts: list[str] = []
    text_boxes: list[str] = []
    _collect_inline(paragraph, styles, parts, text_boxes)
    text = "".join(parts).strip()
    blocks: list[str] = []
    if text:
        level = 0 if in_table else _heading_level(paragraph, styles)
        if level:
            blocks.append("#" * min(level, 6) + " " + " ".join(text.split()))
        elif _is_list_item(paragraph, styles) and not in_table:
            blocks.append(_LIST_MARK + text)
        else:
            blocks.append(text)
    blocks.extend(text_boxes)
    return blocks


def _collect_inline(element: ET.Element, styles: _Styles, parts: list[str], text_boxes: list[str]) -> None:
    for child in element:
        tag = child.tag
        if tag == _T or tag == _MATH_T:
            parts.append(child.text or "")
        elif tag in _RUN_CHARS:
            parts.append(_RUN_CHARS[tag])
        elif tag == _TXBX:
            # A text box is its own block, placed after the paragraph that anchors it.
            _walk_blocks(child, styles, text_boxes, in_table=False)
        elif tag == _ALTERNATE:
            _collect_inline(_chosen_alternative(child), styles, parts, text_boxes)
        elif tag not in _SKIP:
            _collect_inline(child, styles, parts, text_boxes)


def _heading_level(paragraph: ET.Element, styles: _Styles) -> int:
    props = paragraph.find(_PPR)
    if props is None:
        return 0
    outline = props.find(_w("outlineLvl"))
    if outline is not None and _int(outline.get(_w("val"))) in range(9):
        return _int(outline.get(_w("val"))) + 1
    style = props.find(_w("pStyle"))
    return styles.level_of(style.get(_w("val"), "")) if style is not None else 0


def _is_list_item(paragraph: ET.Element, styles: _Styles) -> bool:
    props = paragraph.find(_PPR)
    if props is None:
        return False
    num = props.find(f"{_w('numPr')}/{_w('numId')}")
    if num is not None:
        return num.get(_w("val")) != "0"  # numId 0 switches numbering off
    style = props.find(_w("pStyle"))
    return style is not None and style.get(_w("val"), "") in styles.list_styles


def _table_text(table: ET.Element, styles: _Styles) -> str:
    """Rows on their own lines, cells joined by ' | ' (nested tables flattened into their cell)."""
    rows: list[str] = []
    for row in _children_through_wrappers(table, _TR):
        cells = []
        for cell in _children_through_wrappers(row, _TC):
            blocks: list[str] = []
            _walk_blocks(cell, styles, blocks, in_table=True)
            cells.append(" ".join(" ".join(block.split()) for block in blocks))
        if any(cells):
            rows.append(" | ".join(cells))
    return "\n".join(rows)


def _children_through_wrappers(element: ET.Element, tag: str) -> Iterator[ET.Element]:
    """Children named ``tag``, also inside content controls (w:sdt) and the like, not nested tables."""
    for child in element:
        if child.tag == tag:
            yield child
        elif child.tag not in (_TBL, _P) and child.tag not in _SKIP:
            yield from _children_through_wrappers(child, tag)


register_loader([".docx", ".docm", ".dotx"], load_docx)
