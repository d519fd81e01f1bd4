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
    src = memoryview(data)[16 : 4 + comp_size] if comp_size >= 12 else memoryview(data)[16:]
    ring = bytearray(_RING)
    ring[: len(_PREBUF)] = _PREBUF
    write = len(_PREBUF)
    out = bytearray()
    cap = min(raw_size, limit)
    pos, end = 0, len(src)
    while pos < end:
        control = src[pos]
        pos += 1
        for bit in range(8):
            if pos >= end:
                break
            if control & (1 << bit):
                if pos + 1 >= end:
                    pos = end
                    break
                token = (src[pos] << 8) | src[pos + 1]
                pos += 2
                offset, length = token >> 4, (token & 0xF) + 2
                if offset == write:
                    return _checked(out, raw_size, limit)  # the end marker
                for i in range(length):
                    byte = ring[(offset + i) % _RING]
                    out.append(byte)
                    ring[write] = byte
                    write = (write + 1) % _RING
            else:
                byte = src[pos]
                pos += 1
                out.append(byte)
                ring[write] = byte
                write = (write + 1) % _RING
        if len(out) > cap:
            return _checked(out, raw_size, limit)
    return _checked(out, raw_size, limit)


def _checked(out: bytearray, raw_size: int, limit: int) -> bytes:
    if len(out) > limit:
        raise Truncated(bytes(out[:limit]))
    return bytes(out[:raw_size]) if raw_size else bytes(out)
