"""Excel 2.x, 3.0 and 4.0 workbooks (1987-1994): a bare BIFF2/3/4 record stream, no OLE container.

calamine reads BIFF5 and later only. These old files are a plain sequence of records (id, length,
body), written from the public "Microsoft Excel File Format" description (OpenOffice.org's
excelfileformat, sections 4-5): cell records (LABEL, NUMBER, RK, INTEGER, BOOLERR and FORMULA with
its cached result) give the values; FORMAT and XF records say which numbers are dates; CODEPAGE
gives the 8-bit character set. A BIFF4 workbook (BIFF4W) holds several worksheet substreams.
"""

from __future__ import annotations

import datetime as dt
import re
import struct
from pathlib import Path

from .._base import LoadedDocument, LoadError, PageText
from .render import MAX_CELLS, Budget, sheet_pages

_BOF_IDS = {0x0009: 2, 0x0209: 3, 0x0409: 4}  # record id -> BIFF version
_EOF = 0x000A
_CODEPAGE, _DATEMODE, _BUNDLESHEET = 0x0042, 0x0022, 0x008F
_FORMAT_IDS = (0x001E, 0x041E)
_XF_IDS = {0x0043: 2, 0x0243: 3, 0x0443: 4}
_SUBSTREAM_WORKSHEET, _SUBSTREAM_WORKBOOK = 0x0010, 0x0100
_CODECS = {367: "ascii", 437: "cp437", 850: "cp850", 932: "cp932", 936: "gbk", 949: "cp949", 950: "cp950",
           10000: "mac_roman", 32768: "mac_roman", 32769: "cp1252"}  # fmt: skip
# Date/time codes left once quoted text, escapes, colours and conditions are removed.
_FORMAT_NOISE_RE = re.compile(r'"[^"]*"|\\.|_.|\*.|\[(?!h\]|m\]|mm\]|s\]|ss\])[^\]]*\]', re.IGNORECASE)
_BUILTIN_DATE_FORMATS = frozenset({14, 15, 16, 17, 18, 19, 20, 21, 22, 45, 46, 47})
_DATE_CODE_RE = re.compile(r"[ymdhs]", re.IGNORECASE)


def is_biff_stream(magic: bytes) -> bool:
    """Whether a file starting with ``magic`` is a BIFF2-4 stream (a BOF record first)."""
    if len(magic) < 4:
        return False
    record_id, length = struct.unpack_from("<HH", magic)
    return record_id in _BOF_IDS and 4 <= length <= 16


def load_biff_stream(path: Path) -> LoadedDocument:
    """The worksheets of an Excel 2.x-4.0 file, rendered like every other workbook."""
    data = path.read_bytes()
    reader = _Reader(data)
    sheets, cut_short = reader.sheets()
    budget = Budget()
    pages: list[PageText] = []
    warnings: list[str] = []
    for index, (name, cells) in enumerate(sheets):
        if budget.spent:
            budget.skipped_sheets.append(name)
            continue
        first_col = min((c for _, c in cells), default=0)
        texts, warning = sheet_pages(name or (path.stem if len(sheets) == 1 else f"Sheet{index + 1}"),
                                     _rows(cells, first_col), budget, first_column=first_col)  # fmt: skip
        pages.extend(texts)
        if warning:
            warnings.append(warning)
    if cut_short:
        warnings.append(f"only the first {MAX_CELLS:,} cells were read ({budget.limit_text()})")
    if budget.skipped_sheets:
        warnings.append(
            f"sheets not indexed ({budget.limit_text()}): "
            + ", ".join(f"'{n}'" for n in budget.skipped_sheets)
        )
    if not pages:
        raise LoadError(_DAMAGED if reader.damaged else "empty workbook (no cell values)")
    if reader.damaged:
        warnings.append("the file is damaged or truncated: only its first part was read")
    return LoadedDocument(pages=pages, warnings=warnings, headings=True)


def _rows(cells: dict[tuple[int, int], object], first_col: int) -> list[list[object]]:
    rows: dict[int, dict[int, object]] = {}
    for (r, c), value in cells.items():
        rows.setdefault(r, {})[c] = value
    out = []
    for r in sorted(rows):
        row = rows[r]
        out.append([row.get(c, "") for c in range(first_col, max(row) + 1)])
    return out


class _Reader:
    """One pass over the records, collecting the cells of each worksheet substream."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.codec = "cp1252"
        self.date_base = dt.datetime(1899, 12, 30)
        self.formats: list[bool] = []  # FORMAT records in order: is it a date format?
        self.xf_is_date: list[bool] = []
        self.names: list[str] = []
        self.version = 4
        self._fresh = False  # a new substream: its own FORMAT/XF records replace the previous ones
        self.damaged = False  # a record ran past the end of the file

    def sheets(self) -> tuple[list[tuple[str, dict[tuple[int, int], object]]], bool]:
        out: list[tuple[str, dict[tuple[int, int], object]]] = []
        cells: dict[tuple[int, int], object] | None = None
        pending_formula: tuple[int, int] | None = None
        total = 0
        pos, end = 0, len(self.data)
        while pos + 4 <= end:
            record_id, length = struct.unpack_from("<HH", self.data, pos)
            body = self.data[pos + 4 : pos + 4 + length]
            pos += 4 + length
            if len(body) < length:
                self.damaged = True
                break  # a truncated or damaged file: keep what was read
            if record_id in _BOF_IDS:
                self.version = _BOF_IDS[record_id]
                self._fresh = True
                substream = struct.unpack_from("<H", body, 2)[0] if len(body) >= 4 else _SUBSTREAM_WORKSHEET
                cells = {} if substream == _SUBSTREAM_WORKSHEET or self.version == 2 else None
                if substream != _SUBSTREAM_WORKBOOK and cells is not None:
                    name = self.names[len(out)] if len(out) < len(self.names) else ""
                    out.append((name, cells))
            elif record_id == _EOF:
                cells = None
            elif (
                cells is not None
                or record_id in (_CODEPAGE, _DATEMODE, _BUNDLESHEET)
                or record_id in _FORMAT_IDS
                or record_id in _XF_IDS
            ):
                if self._settings(record_id, body) or cells is None:
                    continue
                if record_id in (0x0007, 0x0207) and pending_formula is not None:
                    cells[pending_formula] = self._string(body, 1 if record_id == 0x0007 else 2, 0)
                    pending_formula = None
                    continue
                cell = self._cell(record_id, body)
                pending_formula = None
                if cell is None:
                    continue
                (row, col), value = cell
                if value is _STRING_FOLLOWS:
                    pending_formula = (row, col)
                elif value != "":
                    cells[(row, col)] = value
                    total += 1
                    if total >= MAX_CELLS:
                        return out, True
        if not out:
            raise LoadError(
                _DAMAGED if self.damaged else "corrupt workbook: no worksheet in this Excel 2-4 file"
            )
        return out, False

    def _settings(self, record_id: int, body: bytes) -> bool:
        """Workbook-wide records; True when ``record_id`` was one."""
        if record_id == _CODEPAGE and len(body) >= 2:
            self.codec = _codec(struct.unpack_from("<H", body)[0])
        elif record_id == _DATEMODE and len(body) >= 2:
            if struct.unpack_from("<H", body)[0] == 1:
                self.date_base = dt.datetime(1904, 1, 1)
        elif record_id in _FORMAT_IDS or record_id in _XF_IDS:
            if self._fresh:
                self.formats, self.xf_is_date, self._fresh = [], [], False
            self._style(record_id, body)
        elif record_id == _BUNDLESHEET and len(body) >= 7:
            self.names.append(self._string(body, 1, 6))
        else:
            return False
        return True

    def _style(self, record_id: int, body: bytes) -> None:
        if record_id in _FORMAT_IDS:
            text = self._string(body, 1, 2 if record_id == 0x041E else 0)
            self.formats.append(_is_date_format(text))
        elif record_id in _XF_IDS and len(body) >= 3:
            ifmt = body[2] & 0x3F if record_id == 0x0043 else body[1]
            if self.formats:
                self.xf_is_date.append(ifmt < len(self.formats) and self.formats[ifmt])
            else:  # no FORMAT records: Excel's built-in table
                self.xf_is_date.append(ifmt in _BUILTIN_DATE_FORMATS)

    def _string(self, body: bytes, length_bytes: int, at: int) -> str:
        if len(body) < at + length_bytes:
            return ""
        count = body[at] if length_bytes == 1 else struct.unpack_from("<H", body, at)[0]
        raw = body[at + length_bytes : at + length_bytes + count]
        return raw.decode(self.codec, errors="replace")

    def _cell(self, record_id: int, body: bytes) -> tuple[tuple[int, int], object] | None:
        """((row, col), value) of a cell record, or None for any other record."""
        if len(body) < 7:
            return None
        row, col = struct.unpack_from("<HH", body)
        if self.version == 2 or record_id < 0x0100:  # BIFF2 cells: 3 attribute bytes
            xf, at = body[4] & 0x3F, 7
        else:
            xf, at = struct.unpack_from("<H", body, 4)[0], 6
        kind = record_id & 0x00FF
        value: object
        if kind == 0x04:  # LABEL
            value = " ".join(self._string(body, 1 if record_id == 0x0004 else 2, at).split())
        elif kind == 0x03 and len(body) >= at + 8:  # NUMBER
            value = self._number(struct.unpack_from("<d", body, at)[0], xf)
        elif record_id == 0x027E and len(body) >= at + 4:  # RK
            value = self._number(_rk(struct.unpack_from("<I", body, at)[0]), xf)
        elif record_id == 0x0002 and len(body) >= at + 2:  # BIFF2 INTEGER
            value = self._number(float(struct.unpack_from("<H", body, at)[0]), xf)
        elif kind == 0x05 and len(body) >= at + 2:  # BOOLERR
            value = (
                ("TRUE" if body[at] else "FALSE") if body[at + 1] == 0 else _ERRORS.get(body[at], "#ERROR")
            )
        elif kind == 0x06 and len(body) >= at + 8:  # FORMULA: the result Excel saved
            result = body[at : at + 8]
            if result[6:8] != b"\xff\xff":
                value = self._number(struct.unpack("<d", result)[0], xf)
            elif result[0] == 0:
                value = _STRING_FOLLOWS
            elif result[0] == 1:
                value = "TRUE" if result[2] else "FALSE"
            else:
                value = ""
        else:
            return None
        return (row, col), value

    def _number(self, value: float, xf: int) -> object:
        if xf < len(self.xf_is_date) and self.xf_is_date[xf] and 0 <= value < 2958466:  # up to 9999-12-31
            moment = self.date_base + dt.timedelta(seconds=round(value * 86400))
            if value < 1:
                return moment.time()
            return moment.date() if value.is_integer() else moment
        return value


_DAMAGED = "corrupt workbook: damaged or truncated Excel 2-4 file"
_STRING_FOLLOWS = object()  # a formula whose string result is in the next STRING record
_ERRORS = {
    0x00: "#NULL!",
    0x07: "#DIV/0!",
    0x0F: "#VALUE!",
    0x17: "#REF!",
    0x1D: "#NAME?",
    0x24: "#NUM!",
    0x2A: "#N/A",
}


def _rk(rk: int) -> float:
    """An RK number: a 30-bit integer or the high 30 bits of a double, maybe divided by 100."""
    if rk & 0x02:
        value = float(rk >> 2 if rk < 0x80000000 else (rk >> 2) - (1 << 30))
    else:
        value = struct.unpack("<d", struct.pack("<Q", (rk & 0xFFFFFFFC) << 32))[0]
    return value / 100 if rk & 0x01 else value


def _codec(codepage: int) -> str:
    name = _CODECS.get(codepage, f"cp{codepage}")
    try:
        "".encode(name)
    except LookupError:
        return "cp1252"
    return name


def _is_date_format(text: str) -> bool:
    if text.strip().lower() in ("", "general", "@"):
        return False
    section = _FORMAT_NOISE_RE.sub("", text.split(";")[0])
    return bool(_DATE_CODE_RE.search(section))
