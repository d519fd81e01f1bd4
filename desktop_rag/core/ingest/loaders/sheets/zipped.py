"""Checks on zipped workbooks (XLSX, XLSM, ODS) before calamine parses them.

calamine (Rust) reads the archive itself, with no memory limit of ours, and turns each sheet into
a dense grid of 32-byte cells from its first to its last used cell. Two numbers therefore bound
what it will allocate, and both are measured here on the real data, not on what the archive's
directory declares (which a hostile file may understate):

- the XML it parses: every sheet part, the shared strings and styles are inflated once (streamed,
  nothing kept) and their true sizes must stay within :data:`XML_BUDGET` per workbook;
- the grid of each sheet: its used rows x columns must stay within :data:`MAX_GRID_CELLS`. A 6 KB
  XLSX holding two cells, A1 and ALL99000, makes calamine ask for 3 GB and abort the process.

An XLSX sheet over a limit is left out with a warning (calamine reads sheets one at a time); an
ODS keeps all its sheets in one part, read at once, so it is refused as a whole.
"""

from __future__ import annotations

import posixpath
import re
import struct
import xml.etree.ElementTree as ET
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import BinaryIO
from xml.parsers import expat

from .._base import LoadError, short_message
from .._zip import ZIP_BOMB_FACTOR, ZIP_MAX_RATIO, ZIP_RATIO_CHECK_ABOVE, ZIP_READ_ERRORS, human_size

XML_BUDGET = 256 * 1024 * 1024  # ~5 million cells of sheet XML: ~0.4 GB in calamine, ~6 s
MAX_GRID_CELLS = 10_000_000  # used rows x columns of one sheet: 320 MB of calamine cells
_SMALL_PART = 16 * 1024 * 1024  # workbook.xml and its relationships are read whole up to this
_CHUNK = 1024 * 1024
_LOCAL_HEADER = struct.Struct("<4s22xHH")
# Cell references (r="AB12") and row numbers (r="12"); any attribute named r counts, wherever
# it stands in its tag, so a reordered tag cannot hide a far-away cell.
_REF_RE = re.compile(rb'\sr="([A-Z]{0,3})([0-9]{1,7})"')
_ODS_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_ODS_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"


@dataclass
class ZipWorkbook:
    """What the checks found: the format and the sheets to leave out (name -> reason)."""

    kind: str  # "XLSX" or "ODS"
    skipped: dict[str, str] = field(default_factory=dict)
    # Cell comments by sheet name, as "B1: text" (calamine reads cell values only).
    comments: dict[str, list[str]] = field(default_factory=dict)


def check_zipped_workbook(source: str | BinaryIO, packed_size: int, max_bytes: int) -> ZipWorkbook:
    """Measure a zipped workbook; raises :class:`LoadError` for damaged, hostile or oversized ones."""
    try:
        zf = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, NotImplementedError) as exc:
        raise LoadError(f"corrupt workbook: {short_message(exc)}") from exc
    with zf:
        _check_directory(zf, packed_size, max_bytes)
        names = set(zf.namelist())
        if "content.xml" in names and "xl/workbook.xml" not in names:
            _check_ods(zf)
            return ZipWorkbook("ODS")
        if "xl/workbook.xml" in names:
            book = ZipWorkbook("XLSX")
            _check_xlsx(zf, book)
            return book
        if "xl/workbook.bin" in names:
            raise LoadError("Excel binary workbook (.xlsb) is not supported")
        raise LoadError("not a spreadsheet (a ZIP archive without a workbook)")


def _check_directory(zf: zipfile.ZipFile, packed_size: int, max_bytes: int) -> None:
    """The same first line of defence as BoundedZip: the declared sizes and the ratio."""
    declared = sum(info.file_size for info in zf.infolist())
    if declared > ZIP_BOMB_FACTOR * max_bytes or (
        declared > ZIP_RATIO_CHECK_ABOVE and declared > ZIP_MAX_RATIO * max(packed_size, 1)
    ):
        raise LoadError(f"looks like a zip bomb (declares {human_size(declared)} uncompressed)")
    if any(info.flag_bits & 0x1 for info in zf.infolist()):
        raise LoadError("password-protected workbook (encrypted ZIP)")


# --- XLSX ---------------------------------------------------------------------------------------


def _check_xlsx(zf: zipfile.ZipFile, book: ZipWorkbook) -> None:
    budget = XML_BUDGET
    for shared in ("xl/sharedStrings.xml", "xl/styles.xml"):
        if shared in zf.NameToInfo:
            size, _ = _inflate(zf, zf.getinfo(shared), budget, None)
            if size > budget:
                raise LoadError(f"workbook too large: {shared} unpacks to more than {human_size(budget)}")
            budget -= size
    skipped = book.skipped
    for name, part in _sheet_parts(zf):
        if part not in zf.NameToInfo:
            continue  # calamine reports it
        comments = _comments(zf, part)
        if comments:
            book.comments[name] = comments
        extent = _Extent()
        size, _ = _inflate(zf, zf.getinfo(part), budget, extent.scan)
        if size > budget:
            skipped[name] = (
                f"sheet '{name}' not indexed: too much data ({human_size(XML_BUDGET)} of cells per file at most)"
            )
        elif extent.cells() > MAX_GRID_CELLS:
            rows, cols = extent.size()
            skipped[name] = (
                f"sheet '{name}' not indexed: its cells span {rows:,} rows x {cols:,} columns "
                f"(limit {MAX_GRID_CELLS:,} cells)"
            )
        else:
            budget -= size


def _comments(zf: zipfile.ZipFile, sheet_part: str) -> list[str]:
    """The sheet's cell comments ("notes" in Excel 365) as "B1: text", in the file's order."""
    folder, name = posixpath.split(sheet_part)
    rels = _relationships(zf, posixpath.join(folder, "_rels", name + ".rels"), folder)
    out: list[str] = []
    for rel_type, part in rels.values():
        if not rel_type.endswith("/comments") or part not in zf.NameToInfo:
            continue
        try:
            root = _parse_small(zf, part)
        except LoadError:
            continue  # comments only add to the cells: a damaged part is left out
        for comment in root.iter():
            if _local(comment.tag) == "comment":
                text = " ".join("".join(t.text or "" for t in comment.iter() if _local(t.tag) == "t").split())
                if text:
                    out.append(f"{comment.get('ref', '')}: {text}")
    return out


def _relationships(zf: zipfile.ZipFile, rels_name: str, folder: str) -> dict[str, tuple[str, str]]:
    """Id -> (type, part path) of a .rels part (targets resolved against ``folder``)."""
    if rels_name not in zf.NameToInfo:
        return {}
    out = {}
    for rel in _parse_small(zf, rels_name).iter():
        if _local(rel.tag) == "Relationship" and rel.get("Id") and rel.get("TargetMode") != "External":
            target = rel.get("Target", "")
            part = (
                target.lstrip("/")
                if target.startswith("/")
                else posixpath.normpath(posixpath.join(folder, target))
            )
            out[rel.get("Id", "")] = (rel.get("Type", ""), part)
    return out


def _sheet_parts(zf: zipfile.ZipFile) -> list[tuple[str, str]]:
    """(sheet name, part path) in workbook order, from workbook.xml and its relationships."""
    workbook = _parse_small(zf, "xl/workbook.xml")
    targets = {
        rel_id: part for rel_id, (_, part) in _relationships(zf, "xl/_rels/workbook.xml.rels", "xl").items()
    }
    parts = []
    for sheet in workbook.iter():
        if _local(sheet.tag) != "sheet":
            continue
        rel_id = next((v for k, v in sheet.attrib.items() if _local(k) == "id"), "")
        if rel_id in targets:
            parts.append((sheet.get("name", ""), targets[rel_id]))
    return parts


def _parse_small(zf: zipfile.ZipFile, name: str) -> ET.Element:
    info = zf.getinfo(name)
    if info.file_size > _SMALL_PART:
        raise LoadError(f"corrupt workbook: {name} is {human_size(info.file_size)}")
    try:
        with zf.open(info) as fh:
            return ET.fromstring(fh.read(_SMALL_PART + 1))
    except (ET.ParseError, *ZIP_READ_ERRORS) as exc:
        raise LoadError(f"corrupt workbook: {name}: {short_message(exc)}") from exc


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].rsplit(":", 1)[-1]


class _Extent:
    """The used rows and columns of a sheet, from the r attributes of its rows and cells."""

    def __init__(self) -> None:
        self.min_row = self.min_col = 1 << 40
        self.max_row = self.max_col = -1
        self.cells_seen = 0
        self._tail = b""

    def scan(self, data: bytes) -> None:
        chunk = self._tail + data
        self._tail = chunk[-32:]  # a reference cut between two chunks is seen in the next one
        refs = _REF_RE.findall(chunk)
        if not refs:
            return
        self.cells_seen += len(refs)
        rows = {r for _, r in refs}  # few distinct values per chunk: convert each once
        numbers = [int(r) for r in rows]
        self.min_row, self.max_row = min(self.min_row, min(numbers)), max(self.max_row, max(numbers))
        cols = [_column_index(c) for c in {c for c, _ in refs if c}]
        if cols:
            self.min_col, self.max_col = min(self.min_col, min(cols)), max(self.max_col, max(cols))

    def size(self) -> tuple[int, int]:
        if self.max_row < 0:
            return 0, 0
        cols = self.max_col - self.min_col + 1 if self.max_col >= 0 else 1
        return self.max_row - self.min_row + 1, cols

    def cells(self) -> int:
        rows, cols = self.size()
        return max(rows * cols, self.cells_seen // 2)


def _column_index(letters: bytes) -> int:
    index = 0
    for ch in letters:
        index = index * 26 + ch - 64
    return index - 1


# --- ODS ----------------------------------------------------------------------------------------


def _check_ods(zf: zipfile.ZipFile) -> None:
    grid = _OdsGrid()
    size, _ = _inflate(zf, zf.getinfo("content.xml"), XML_BUDGET, grid.feed)
    if size > XML_BUDGET:
        raise LoadError(f"workbook too large: content.xml unpacks to more than {human_size(XML_BUDGET)}")
    grid.close()
    if grid.largest > MAX_GRID_CELLS:
        raise LoadError(
            f"workbook too large: a sheet spans {grid.largest:,} cells (repeated rows or columns; "
            f"limit {MAX_GRID_CELLS:,})"
        )


class _OdsGrid:
    """Streams content.xml, expanding number-rows/columns-repeated the way calamine does."""

    _CELL = f"{_ODS_TABLE} table-cell"
    _COVERED = f"{_ODS_TABLE} covered-table-cell"
    _ROW = f"{_ODS_TABLE} table-row"
    _TABLE = f"{_ODS_TABLE} table"
    _VALUE_TYPE = f"{_ODS_OFFICE} value-type"

    def __init__(self) -> None:
        self.largest = 0
        self._parser = expat.ParserCreate(namespace_separator=" ")
        self._parser.StartElementHandler = self._start
        self._parser.EndElementHandler = self._end
        self._row = self._col = 0  # position of the next row / cell
        self._last_row = self._last_col = -1  # last used (0-based)
        self._row_repeat = 1
        self._row_used = False
        self._cell: tuple[int, bool] | None = None  # (repeat, has content) of the open cell

    def feed(self, data: bytes) -> None:
        try:
            self._parser.Parse(data, False)
        except expat.ExpatError as exc:
            raise LoadError(f"corrupt workbook: content.xml: {short_message(exc)}") from exc
        if self.largest > MAX_GRID_CELLS:  # no need to read on
            raise LoadError(
                f"workbook too large: a sheet spans more than {MAX_GRID_CELLS:,} cells (repeated rows or columns)"
            )

    def close(self) -> None:
        try:
            self._parser.Parse(b"", True)
        except expat.ExpatError as exc:
            raise LoadError(f"corrupt workbook: content.xml: {short_message(exc)}") from exc

    def _start(self, tag: str, attrs: dict[str, str]) -> None:
        if tag == self._TABLE:
            self._row, self._last_row, self._last_col = 0, -1, -1
        elif tag == self._ROW:
            self._col, self._row_used = 0, False
            self._row_repeat = _repeat(attrs.get(f"{_ODS_TABLE} number-rows-repeated"))
        elif tag in (self._CELL, self._COVERED):
            self._cell = (
                _repeat(attrs.get(f"{_ODS_TABLE} number-columns-repeated")),
                self._VALUE_TYPE in attrs,
            )
        elif self._cell is not None:
            self._cell = (self._cell[0], True)  # text:p and the like inside a cell

    def _end(self, tag: str) -> None:
        if tag in (self._CELL, self._COVERED) and self._cell is not None:
            repeat, used = self._cell
            if used:
                self._last_col = max(self._last_col, self._col + repeat - 1)
                self._row_used = True
            self._col += repeat
            self._cell = None
        elif tag == self._ROW:
            if self._row_used:
                self._last_row = self._row + self._row_repeat - 1
                self.largest = max(self.largest, (self._last_row + 1) * (self._last_col + 1))
            self._row += self._row_repeat


def _repeat(value: str | None) -> int:
    try:
        return max(1, int(value or "1"))
    except ValueError:
        return 1


# --- inflating a member, counting its true size -------------------------------------------------


def _inflate(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int, sink: Callable[[bytes], None] | None
) -> tuple[int, bool]:
    """Inflate ``info`` from the raw archive bytes, up to ``limit`` + 1 bytes; returns (size, complete).

    The declared sizes play no part (zipfile would stop at the declared size; calamine does not).
    """
    fh = zf.fp
    if fh is None:
        raise LoadError("corrupt workbook: archive closed")
    try:
        fh.seek(info.header_offset)
        signature, name_len, extra_len = _LOCAL_HEADER.unpack(fh.read(_LOCAL_HEADER.size))
        if signature != b"PK\x03\x04":
            raise LoadError(f"corrupt workbook: bad local header for {info.filename}")
        fh.seek(info.header_offset + _LOCAL_HEADER.size + name_len + extra_len)
        if info.compress_type == zipfile.ZIP_STORED:
            inflater = None
        elif info.compress_type == zipfile.ZIP_DEFLATED:
            inflater = zlib.decompressobj(-15)
        else:
            raise LoadError(f"corrupt workbook: {info.filename} uses an unsupported compression method")
        left, size = info.compress_size, 0
        while left > 0 and size <= limit:
            packed = fh.read(min(_CHUNK, left))
            if not packed:
                raise LoadError(f"corrupt workbook: {info.filename} is truncated")
            left -= len(packed)
            while packed and size <= limit:
                if inflater is None:
                    data, packed = packed, b""
                else:
                    data = inflater.decompress(packed, _CHUNK)
                    packed = inflater.unconsumed_tail
                size += len(data)
                if sink is not None and data:
                    sink(data)
                if inflater is not None and inflater.eof:
                    return size, True
        return size, size <= limit
    except (zlib.error, struct.error, OSError, ValueError) as exc:
        raise LoadError(f"corrupt workbook: {info.filename}: {short_message(exc)}") from exc
