"""HWP 5.x data records and bounded raw-deflate (HWP 5.0 spec, "데이터 레코드" section).

A stream (DocInfo, BodyText/SectionN) is a sequence of records. Each record starts with a 32-bit
header: tag id (bits 0-9), level (bits 10-19) and size (bits 20-31); size 0xFFF means a 32-bit
size follows. The level nests records: a record belongs to the closest earlier one a level up.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass, field

from .._base import LoadError
from .._zip import human_size

HWPTAG_BEGIN = 0x10
TAG_DISTRIBUTE_DOC_DATA = HWPTAG_BEGIN + 12
TAG_PARA_HEADER = HWPTAG_BEGIN + 50
TAG_PARA_TEXT = HWPTAG_BEGIN + 51
TAG_CTRL_HEADER = HWPTAG_BEGIN + 55
TAG_LIST_HEADER = HWPTAG_BEGIN + 56
TAG_TABLE = HWPTAG_BEGIN + 61

MAX_LEVEL = 64  # real documents nest a few levels (table in a text box in a table ...)
# Text streams compress 3-20x; a section may unpack to this many times its packed size, but
# always to at least MIN_UNPACKED_LIMIT (small streams of repetitive text compress very well).
MAX_RATIO = 100
MIN_UNPACKED_LIMIT = 4 * 1024 * 1024


@dataclass
class Record:
    """One data record; ``children`` are the records one level below it that follow it."""

    tag: int
    level: int
    data: bytes
    children: list[Record] = field(default_factory=list)


class DamagedStream(Exception):
    """A stream whose records stop making sense at some point (the records before it are kept)."""


def inflate(data: bytes, limit: int, what: str) -> tuple[bytes, bool]:
    """Raw-deflate ``data`` (HWP streams have no zlib header) into at most ``limit`` bytes.

    Returns the bytes and whether the stream was complete; a broken or truncated deflate stream
    keeps what was decoded before the break. More than ``limit`` bytes is a bomb: LoadError.
    """
    inflater = zlib.decompressobj(-15)
    try:
        out = inflater.decompress(data, limit + 1)
    except zlib.error:
        return b"", False
    if len(out) > limit:
        raise LoadError(f"looks like a decompression bomb ({what} unpacks to more than {human_size(limit)})")
    return out, inflater.eof


def unpacked_limit(packed_size: int, budget: int) -> int:
    """How many bytes a stream of ``packed_size`` may unpack to, within the document's ``budget``."""
    return min(budget, max(MIN_UNPACKED_LIMIT, MAX_RATIO * packed_size))


def iter_headers(data: bytes) -> list[tuple[int, int, bytes]]:
    """Split ``data`` into ``(tag, level, payload)``; raises DamagedStream (with what was read) on a bad record."""
    out: list[tuple[int, int, bytes]] = []
    pos, end = 0, len(data)
    while pos < end:
        if end - pos < 4:
            raise DamagedStream(out)
        (header,) = struct.unpack_from("<I", data, pos)
        pos += 4
        tag, level, size = header & 0x3FF, (header >> 10) & 0x3FF, header >> 20
        if size == 0xFFF:
            if end - pos < 4:
                raise DamagedStream(out)
            (size,) = struct.unpack_from("<I", data, pos)
            pos += 4
        if size > end - pos or tag < HWPTAG_BEGIN or level > MAX_LEVEL:
            raise DamagedStream(out)  # runs past the end, or not a record at all
        out.append((tag, level, data[pos : pos + size]))
        pos += size
    return out


def build_tree(flat: list[tuple[int, int, bytes]]) -> list[Record]:
    """Nest records by level; a record deeper than its predecessor + 1 hangs on the deepest open one."""
    roots: list[Record] = []
    stack: list[Record] = []  # open records, levels strictly increasing
    for tag, level, payload in flat:
        record = Record(tag, level, payload)
        while stack and stack[-1].level >= level:
            stack.pop()
        if stack:
            stack[-1].children.append(record)
        else:
            roots.append(record)
        stack.append(record)
    return roots


def parse_records(data: bytes) -> tuple[list[Record], bool]:
    """The record tree of a stream and whether the whole stream could be read."""
    try:
        return build_tree(iter_headers(data)), True
    except DamagedStream as exc:
        (partial,) = exc.args
        return build_tree(partial), False
