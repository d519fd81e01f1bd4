"""Paragraph and control rendering: a section's record tree -> text blocks in reading order.

A paragraph (PARA_HEADER) has PARA_TEXT and one CTRL_HEADER child per extended control in its
text. Controls with text own "paragraph lists": a LIST_HEADER record followed by the PARA_HEADER
records of that list, one level below the control (HWP 5.0 spec, "문단 리스트 헤더"):

* table ``tbl ``: caption lists, then the TABLE record, then one list per cell (row, column in
  the cell's list header);
* drawing object ``gso ``: caption lists; text-box lists sit under its SHAPE_COMPONENT (group
  objects nest shape components);
* header ``head`` / footer ``foot``: one list, placed where the control is (start of a section);
* footnote ``fn  `` / endnote ``en  ``: one list, written after the paragraph that cites it;
* auto numbers, 덧말 and 글자 겹침 put characters into the line (see ``inline``).

Hidden comments (``tcmt``, 숨은 설명) are included, as paragraphs where they are anchored: they
are the author's own words and a document may hold nothing else. Equations (``eqed``) hold
script markup ("a over b"), not prose, and are left out.
"""

from __future__ import annotations

import struct

from .inline import auto_number, dutmal, overlapped
from .paragraphs import ControlRef, decode_para_text
from .records import TAG_CTRL_HEADER, TAG_LIST_HEADER, TAG_PARA_HEADER, TAG_PARA_TEXT, TAG_TABLE, Record

_NOTES = {b"fn  ", b"en  "}
_SKIPPED = {b"eqed"}
_INLINE = {b"atno": auto_number, b"tdut": dutmal, b"tcps": overlapped}  # visible characters in the line
_CAPTION_BELOW = 3  # caption direction (bits 0-1 of the caption property): 0 left, 1 right, 2 top, 3 bottom


def ctrl_id(ctrl: Record) -> bytes:
    """The control id as written in the spec, e.g. b'tbl ' (stored as a little-endian DWORD)."""
    return ctrl.data[:4][::-1]


def render_paragraphs(records: list[Record]) -> list[str]:
    """Blocks (paragraphs, table texts) of the PARA_HEADER records among ``records``, in order."""
    blocks: list[str] = []
    for record in records:
        if record.tag == TAG_PARA_HEADER:
            _paragraph(record, blocks)
    return blocks


def _paragraph(para: Record, blocks: list[str]) -> None:
    text_record = next((c for c in para.children if c.tag == TAG_PARA_TEXT), None)
    ctrls = [c for c in para.children if c.tag == TAG_CTRL_HEADER]
    parts = decode_para_text(text_record.data) if text_record is not None else []
    current: list[str] = []
    notes: list[str] = []

    def flush() -> None:
        text = "".join(current).strip()
        if text:
            blocks.append(text)
        current.clear()

    def place(ctrl: Record) -> None:
        cid = ctrl_id(ctrl)
        if cid in _SKIPPED:
            return
        if cid in _INLINE:
            current.append(_INLINE[cid](ctrl.data))
            return
        if cid in _NOTES:
            notes.extend(render_lists(ctrl))
            return
        rendered = _table(ctrl) if cid == b"tbl " else _object(ctrl) if cid == b"gso " else render_lists(ctrl)
        if rendered:
            flush()
            blocks.extend(rendered)

    next_ctrl = 0
    for part in parts:
        if isinstance(part, ControlRef):
            if next_ctrl < len(ctrls):
                place(ctrls[next_ctrl])
                next_ctrl += 1
        else:
            current.append(part)
    for ctrl in ctrls[next_ctrl:]:  # more controls than markers (damaged text): keep their text anyway
        place(ctrl)
    flush()
    blocks.extend(notes)


def _lists(children: list[Record]) -> list[tuple[bytes, list[Record]]]:
    """``(list header payload, paragraphs)`` for each paragraph list among ``children``."""
    lists: list[tuple[bytes, list[Record]]] = []
    for child in children:
        if child.tag == TAG_LIST_HEADER:
            lists.append((child.data, []))
        elif child.tag == TAG_PARA_HEADER:
            if not lists:
                lists.append((b"", []))
            lists[-1][1].append(child)
        elif child.tag == TAG_TABLE:
            lists.append((b"", []))  # paragraphs after TABLE never belong to a caption
    return [item for item in lists if item[1]]


def render_lists(ctrl: Record) -> list[str]:
    """Blocks of every paragraph list directly under ``ctrl`` (header, footer, note, unknown control)."""
    blocks: list[str] = []
    for _header, paras in _lists(ctrl.children):
        blocks.extend(render_paragraphs(paras))
    return blocks


def _caption_below(header: bytes) -> bool:
    return len(header) >= 12 and (struct.unpack_from("<I", header, 8)[0] & 3) == _CAPTION_BELOW


def _captions(children: list[Record]) -> tuple[list[str], list[str]]:
    """Caption blocks to write before and after the object."""
    before: list[str] = []
    after: list[str] = []
    for header, paras in _lists(children):
        (after if _caption_below(header) else before).extend(render_paragraphs(paras))
    return before, after


def _table(ctrl: Record) -> list[str]:
    """Caption(s) and the table: one line per row, cells joined by ' | ' (nested tables flattened)."""
    table_at = next((i for i, c in enumerate(ctrl.children) if c.tag == TAG_TABLE), len(ctrl.children))
    before, after = _captions(ctrl.children[:table_at])
    cells: list[tuple[int, int, str]] = []
    for order, (header, paras) in enumerate(_lists(ctrl.children[table_at + 1 :])):
        text = " ".join(" ".join(block.split()) for block in render_paragraphs(paras))
        row = struct.unpack_from("<H", header, 10)[0] if len(header) >= 12 else order
        cells.append((row, order, text))
    cells.sort()  # row order; cells of a row keep the order they are stored in (left to right)
    rows: list[list[str]] = []
    row_cells: list[str] = []
    current_row: int | None = None
    for row, _order, text in cells:
        if row != current_row and row_cells:
            rows.append(row_cells)
            row_cells = []
        current_row = row
        row_cells.append(text)
    if row_cells:
        rows.append(row_cells)
    lines = [" | ".join(r) for r in rows if any(r)]
    return before + (["\n".join(lines)] if lines else []) + after


def _object(ctrl: Record) -> list[str]:
    """A drawing object: caption(s) and the text of its text boxes (grouped shapes included)."""
    direct = [c for c in ctrl.children if c.tag in (TAG_LIST_HEADER, TAG_PARA_HEADER)]
    before, after = _captions(direct)
    boxes: list[str] = []
    for child in ctrl.children:
        if child.tag not in (TAG_LIST_HEADER, TAG_PARA_HEADER):
            _shape_text(child, boxes)
    return before + boxes + after


def _shape_text(shape: Record, out: list[str]) -> None:
    """Text-box lists under a shape component and its nested components, in stored order."""
    for _header, paras in _lists(shape.children):
        out.extend(render_paragraphs(paras))
    for child in shape.children:
        if child.tag not in (TAG_LIST_HEADER, TAG_PARA_HEADER):
            _shape_text(child, out)
