"""Text of one OWPML section part (``Contents/sectionN.xml``) as blocks in reading order.

A paragraph (``hp:p``) holds runs (``hp:run``) of text (``hp:t``) and objects: tables, text boxes
(``hp:rect`` etc. with ``hp:drawText``), headers/footers and notes (``hp:ctrl``), ruby (``hp:dutmal``).
Each paragraph becomes one block; a table becomes a block of "a | b" rows where it stands; text
boxes and notes follow their paragraph, so the paragraph's own sentence stays in one piece. Text
between ``hp:deleteBegin`` and ``hp:deleteEnd`` (tracked deletions) is left out; those marks are
positions, so the reader keeps the state across runs and paragraphs in document order.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from .._headings import escape_heading_marks, heading_line
from .numbering import Numbering

_HP = "http://www.hancom.co.kr/hwpml/2011/paragraph"


def _hp(tag: str) -> str:
    return f"{{{_HP}}}{tag}"


_P, _RUN, _T, _CTRL, _TBL, _TR, _TC = (_hp(t) for t in ("p", "run", "t", "ctrl", "tbl", "tr", "tc"))
_SUBLIST, _DRAW_TEXT, _CAPTION = _hp("subList"), _hp("drawText"), _hp("caption")
_DELETE_BEGIN, _DELETE_END = _hp("deleteBegin"), _hp("deleteEnd")
_SWITCH = _hp("switch")
_INLINE_CHARS = {_hp("tab"): "\t", _hp("lineBreak"): "\n", _hp("fwSpace"): " ", _hp("nbSpace"): " ",
                 _hp("hyphen"): "-"}  # fmt: skip
_IN_PLACE_CTRLS = frozenset({_hp("header"), _hp("footer")})
_NOTE_CTRLS = frozenset({_hp("footNote"), _hp("endNote")})
# Controls without reading-order text: hidden comments (memos) are notes to the author, field
# codes carry URLs and parameters, the rest are layout.
_SKIP_CTRLS = frozenset({_hp("hiddenComment"), _hp("fieldBegin"), _hp("fieldEnd"), _hp("bookmark"),
                         _hp("colPr"), _hp("pageNum"), _hp("autoNum"), _hp("newNum"), _hp("pageHiding"),
                         _hp("pageNumCtrl"), _hp("indexmark")})  # fmt: skip
# Run children that hold no text: the section's layout, equation scripts, pictures' image data.
_SKIP_RUN_CHILDREN = frozenset({_hp("secPr"), _hp("equation"), _hp("linesegarray")})
_MAX_HEADING_CHARS = 120  # a long "outline" paragraph is body text in a heading style
_MAX_HEADING_LEVEL = 5


class SectionReader:
    """Reads section parts one after another, keeping numbering counters across them."""

    def __init__(self, numbering: Numbering) -> None:
        self._numbering = numbering
        self._open_deletes: set[str] = set()
        self._nested = 0  # > 0 inside table cells, text boxes, notes, headers: no headings there

    def read(self, section: ET.Element) -> list[str]:
        """The section's blocks (paragraphs, table blocks, '##' outline headings) in reading order."""
        self._open_deletes.clear()  # an unclosed deletion ends with its section
        sec_pr = section.find(f".//{_hp('secPr')}")
        if sec_pr is not None and sec_pr.get("outlineShapeIDRef"):
            self._numbering.outline_id = sec_pr.get("outlineShapeIDRef", "1")
        blocks: list[str] = []
        for child in section:
            if child.tag == _P:
                self._paragraph(child, blocks)
        return blocks

    @property
    def _deleting(self) -> bool:
        return bool(self._open_deletes)

    def _paragraph(self, para: ET.Element, blocks: list[str]) -> None:
        para_pr = para.get("paraPrIDRef", "")
        out = _Para(blocks, self._numbering.prefix(para_pr), self._heading_level(para_pr))
        for run in para:
            if run.tag == _RUN:
                for child in run:
                    self._run_child(child, out)
        out.flush()
        blocks.extend(out.deferred)

    def _heading_level(self, para_pr: str) -> int:
        """Markdown level for an outline paragraph of the body (never inside boxes or cells), else 0."""
        level = self._numbering.outline_level(para_pr)
        return level + 1 if level and not self._nested and level <= _MAX_HEADING_LEVEL else 0

    def _run_child(self, child: ET.Element, out: _Para) -> None:
        """One element of a run: text, a control, a table, a shape, ruby, a change-tracking mark."""
        tag = child.tag
        if tag == _T:
            self._text(child, out.inline)
        elif tag in _SKIP_RUN_CHILDREN:
            return
        elif tag == _CTRL:
            for ctrl in child:
                if ctrl.tag in _IN_PLACE_CTRLS:  # header/footer: where Hangul stores it, at the section start
                    out.flush()
                    self._sublists(ctrl, out.blocks)
                elif ctrl.tag in _NOTE_CTRLS or (ctrl.tag not in _SKIP_CTRLS and _has_sublist(ctrl)):
                    self._sublists(ctrl, out.deferred)
        elif tag == _TBL:
            out.flush()
            self._table(child, out.blocks)
        elif tag in (_DELETE_BEGIN, _DELETE_END):
            self._mark(child)
        elif tag == _SWITCH:
            # Compatibility wrapper: the same content once per format version; read one of them.
            chosen = child.find(_hp("default"))
            if chosen is None:
                chosen = child.find(_hp("case"))
            for grandchild in chosen if chosen is not None else ():
                self._run_child(grandchild, out)
        elif self._deleting:
            return
        elif tag == _hp("dutmal"):
            main = child.find(_hp("mainText"))  # ruby: the annotation (subText) is not body text
            if main is not None:
                out.inline.append("".join(main.itertext()))
        elif tag == _hp("compose"):
            out.inline.append(child.get("composeText", ""))
        elif tag == _hp("textart"):
            if child.get("text"):
                out.deferred.append(escape_heading_marks(child.get("text", "")))
        elif child.get("dropcapstyle", "None") not in ("None", "") and _has_sublist(child):
            # A drop cap is the paragraph's first letter drawn in a box: it belongs to the word.
            out.inline.append(" ".join(self._nested_blocks(child)))
        else:
            self._shape(child, out.deferred)

    def _text(self, t: ET.Element, out: list[str]) -> None:
        """Text of ``hp:t`` with its inline elements (tab, line break, spaces, change marks)."""
        if t.text and not self._deleting:
            out.append(t.text)
        for child in t:
            char = _INLINE_CHARS.get(child.tag)
            if child.tag in (_DELETE_BEGIN, _DELETE_END):
                self._mark(child)
            elif char is not None and not self._deleting:
                out.append(char)
            if child.tail and not self._deleting:
                out.append(child.tail)

    def _mark(self, mark: ET.Element) -> None:
        key = mark.get("Id") or mark.get("TcId") or ""
        if mark.tag == _DELETE_BEGIN:
            self._open_deletes.add(key)
        elif key in self._open_deletes:
            self._open_deletes.discard(key)
        else:
            self._open_deletes.clear()  # an end without a matching begin closes every deletion

    def _nested_blocks(self, container: ET.Element) -> list[str]:
        out: list[str] = []
        self._sublists(container, out)
        return out

    def _sublists(self, container: ET.Element, out: list[str]) -> None:
        """Paragraphs of the ``hp:subList`` elements directly below ``container`` (not nested ones)."""
        for sub in _outer_sublists(container):
            self._sublist(sub, out)

    def _sublist(self, sub: ET.Element, out: list[str]) -> None:
        self._nested += 1
        try:
            for para in sub:
                if para.tag == _P:
                    self._paragraph(para, out)
        finally:
            self._nested -= 1

    def _shape(self, shape: ET.Element, out: list[str]) -> None:
        """Text boxes of a drawing object or group, and a picture's or shape's caption."""
        for child in shape:
            if child.tag in (_DRAW_TEXT, _CAPTION):
                self._sublists(child, out)
            elif child.tag == _SUBLIST:
                self._sublist(child, out)
            elif _has_sublist(child):  # a group (hp:container) of shapes
                self._shape(child, out)

    def _table(self, table: ET.Element, blocks: list[str]) -> None:
        """Rows as 'a | b' lines; a one-column table (a framed box, common in Korean forms) as paragraphs."""
        caption = table.find(_CAPTION)
        before = caption is not None and caption.get("side", "BOTTOM") in ("TOP", "LEFT")
        if caption is not None and before:
            self._sublists(caption, blocks)
        rows: list[list[list[str]]] = []
        for tr in table.findall(_TR):  # direct rows only: nested tables are read through their cells
            rows.append([self._nested_blocks(tc) for tc in tr.findall(_TC)])
        if all(len(row) <= 1 for row in rows):
            for row in rows:
                for cell in row:
                    blocks.extend(cell)
        else:
            lines = []
            for row in rows:
                cells = [" ".join(" ".join(block.split()) for block in cell) for cell in row]
                if any(cells):
                    lines.append(" | ".join(cells))
            if lines:
                blocks.append("\n".join(lines))
        if caption is not None and not before:
            self._sublists(caption, blocks)


class _Para:
    """The paragraph being read: its inline text, and where blocks go now and after it."""

    def __init__(self, blocks: list[str], prefix: str, heading_level: int) -> None:
        self.blocks = blocks
        self.inline: list[str] = []
        self.deferred: list[str] = []  # text boxes and notes: after the paragraph's own text
        self._prefix = prefix
        self._heading_level = heading_level

    def flush(self) -> None:
        """Emit the inline text gathered so far as a block (a heading line for short outline text)."""
        text = "".join(self.inline).strip()
        self.inline.clear()
        if not text:
            return
        text = self._prefix + text
        self._prefix = ""  # a paragraph split by a table is numbered once
        if self._heading_level and "\n" not in text and len(text) <= _MAX_HEADING_CHARS:
            self.blocks.append(heading_line(text, self._heading_level))
        else:
            self.blocks.append(escape_heading_marks(text))


def _has_sublist(element: ET.Element) -> bool:
    return element.find(f".//{_SUBLIST}") is not None


def _outer_sublists(container: ET.Element) -> list[ET.Element]:
    """``hp:subList`` descendants of ``container`` that are not inside another one."""
    found: list[ET.Element] = []
    stack = list(reversed(container))
    while stack:
        el = stack.pop()
        if el.tag == _SUBLIST:
            found.append(el)
        elif el.tag != _P:
            stack.extend(reversed(el))
    return found
