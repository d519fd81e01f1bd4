"""Compressed RTF (PR_RTF_COMPRESSED), as specified in Microsoft's [MS-OXRTFCP].

A 16-byte header (compressed size, raw size, "LZFu" or "MELA", CRC) is followed by LZ77 data: a
control byte whose bits, low bit first, say whether each of the next 8 tokens is a literal byte
or a 2-byte reference (12-bit offset, 4-bit length + 2) into a 4 KB ring buffer pre-filled with
common RTF words. The output is capped: a hostile header may declare gigabytes.
"""

from __future__ import annotations

import struct

from ..._base import LoadError

_PREBUF = (
    b"{\\rtf1\\ansi\\mac\\deff0\\deftab720{\\fonttbl;}{\\f0\\fnil \\froman \\fswiss \\fmodern \\fscript "
    b"\\fdecor MS Sans SerifSymbolArialTimes New RomanCourier{\\colortbl\\red0\\green0\\blue0\r\n\\par "
    b"\\pard\\plain\\f0\\fs20\\b\\i\\u\\tab\\tx"
)
_COMPRESSED = 0x75465A4C  # "LZFu"
_UNCOMPRESSED = 0x414C454D  # "MELA"
_RING = 4096


class Truncated(Exception):
    """The RTF was longer than the cap; ``partial`` holds what was decompressed."""

    def __init__(self, partial: bytes) -> None:
        super().__init__("compressed RTF exceeds the size limit")
        self.partial = partial


def decompress_rtf(data: bytes, limit: int) -> bytes:
    """The RTF bytes of a PR_RTF_COMPRESSED stream, at most ``limit`` of them (else :class:`Truncated`)."""
    if len(data) < 16:
        raise LoadError("damaged message body (compressed RTF header is truncated)")
    comp_size, raw_size, comp_type, _crc = struct.unpack_from("<IIII", data)
    if comp_type == _UNCOMPRESSED:
        raw = data[16 : 16 + min(raw_size, limit + 1)]
        if len(raw) > limit:
            raise Truncated(raw[:limit])
        return raw
    if comp_type != _COMPRESSED:
        raise LoadError("damaged message body (unknown RTF compression)")
    src = data[16 : 4 + comp_size] if comp_size >= 12 else data[16:]
    # The 4 KB ring is kept unrolled: ``out`` starts with the ring's initial content (zeros, then
    # the pre-filled words) so that ring index ``(k + len(_PREBUF)) % 4096`` is ``out[k]``; a
    # reference then copies a slice instead of byte by byte (a hostile stream of references stays fast).
    out = bytearray(_RING - len(_PREBUF)) + bytearray(_PREBUF)
    start = len(out)
    cap = start + min(raw_size, limit + 1)
    pos, end = 0, len(src)
    while pos < end and len(out) <= cap:
        control = src[pos]
        pos += 1
        for bit in range(8):
            if pos >= end:
                break
            if not control & (1 << bit):
                out.append(src[pos])
                pos += 1
                continue
            if pos + 1 >= end:
                pos = end
                break
            token = (src[pos] << 8) | src[pos + 1]
            pos += 2
            offset, length = token >> 4, (token & 0xF) + 2
            size = len(out)
            if offset == (size + len(_PREBUF)) % _RING:
                return _checked(out[start:], raw_size, limit)  # the end marker
            k = size - 1 - ((size - 1 + len(_PREBUF) - offset) % _RING)
            if k + length <= size:
                out += out[k : k + length]
            else:  # the copy overlaps what it writes (a run): byte by byte
                for i in range(length):
                    out.append(out[k + i])
    return _checked(out[start:], raw_size, limit)


def _checked(out: bytearray, raw_size: int, limit: int) -> bytes:
    if len(out) > limit:
        raise Truncated(bytes(out[:limit]))
    return bytes(out[:raw_size]) if raw_size else bytes(out)
