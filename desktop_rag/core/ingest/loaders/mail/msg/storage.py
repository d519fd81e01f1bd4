"""Property access for Outlook .msg files ([MS-OXMSG]) on top of olefile (BSD).

A message, each recipient and each attachment is a storage. Variable-size properties are streams
named ``__substg1.0_TTTTYYYY`` (TTTT the property id, YYYY the type: 001F UTF-16LE string, 001E
8-bit string in the message code page, 0102 binary, 000D an object storage); fixed-size ones are
16-byte entries of the ``__properties_version1.0`` stream, after a header of 32 bytes (the
message), 24 bytes (an embedded message) or 8 bytes (recipients, attachments).
"""

from __future__ import annotations

import struct
from datetime import UTC, datetime, timedelta

import olefile

from ..._base import LoadError
from ..charsets import decode_bytes

PT_LONG, PT_BOOLEAN, PT_SYSTIME = 0x0003, 0x000B, 0x0040
PT_STRING8, PT_UNICODE, PT_BINARY, PT_OBJECT = 0x001E, 0x001F, 0x0102, 0x000D
PROPERTIES = "__properties_version1.0"
HEADER_TOP, HEADER_EMBEDDED, HEADER_CHILD = 32, 24, 8
_EPOCH_1601 = datetime(1601, 1, 1, tzinfo=UTC)


class MsgFile:
    """An open .msg compound file with a byte budget for everything read from it."""

    def __init__(self, ole: olefile.OleFileIO, max_bytes: int) -> None:
        self.ole = ole
        self.budget = max_bytes
        self.children: dict[tuple[str, ...], list[tuple[str, bool]]] = {}
        for entry in ole.listdir(streams=True, storages=True):
            is_storage = ole.get_type(entry) == olefile.STGTY_STORAGE
            self.children.setdefault(tuple(entry[:-1]), []).append((entry[-1], is_storage))

    def read(self, path: tuple[str, ...]) -> bytes:
        """A whole stream, counted against the budget (a stream can never be bigger than the file)."""
        size = self.ole.get_size(list(path))
        if size > self.budget:
            raise LoadError("message is larger than the size limit")
        data = self.ole.openstream(list(path)).read(size)
        self.budget -= len(data)
        return data


class PropertyStore:
    """The properties of one storage: the message itself, an embedded message, a recipient, an attachment."""

    def __init__(
        self, msg: MsgFile, path: tuple[str, ...], header_size: int, codec: str | None = None
    ) -> None:
        self.msg = msg
        self.path = path
        self.codec = codec  # for PT_STRING8; set once the message's code page is known
        entries = msg.children.get(path, [])
        self.streams = {name.upper(): name for name, is_storage in entries if not is_storage}
        self.storages = sorted(name for name, is_storage in entries if is_storage)
        self.fixed = self._read_fixed(header_size)

    def _read_fixed(self, header_size: int) -> dict[int, tuple[int, bytes]]:
        """tag id -> (type, 8 value bytes) from the properties stream."""
        name = self.streams.get(PROPERTIES.upper())
        if name is None:
            return {}
        data = self.msg.read((*self.path, name))
        values: dict[int, tuple[int, bytes]] = {}
        for offset in range(header_size, len(data) - 15, 16):
            prop_type, prop_id = struct.unpack_from("<HH", data, offset)
            values.setdefault(prop_id, (prop_type, data[offset + 8 : offset + 16]))
        return values

    def has_properties(self) -> bool:
        return PROPERTIES.upper() in self.streams

    def _stream(self, prop_id: int, prop_type: int) -> bytes | None:
        name = self.streams.get(f"__SUBSTG1.0_{prop_id:04X}{prop_type:04X}")
        return None if name is None else self.msg.read((*self.path, name))

    def string(self, prop_id: int) -> str:
        """A string property (Unicode or 8-bit), '' when absent."""
        data = self._stream(prop_id, PT_UNICODE)
        if data is not None:
            return data[: len(data) - len(data) % 2].decode("utf-16-le", errors="replace").split("\x00", 1)[0]
        data = self._stream(prop_id, PT_STRING8)
        if data is not None:
            return decode_bytes(data.split(b"\x00", 1)[0], self.codec)
        return ""

    def binary(self, prop_id: int) -> bytes | None:
        return self._stream(prop_id, PT_BINARY)

    def long(self, prop_id: int) -> int | None:
        entry = self.fixed.get(prop_id)
        if entry is None or entry[0] not in (PT_LONG, PT_BOOLEAN):
            return None
        return struct.unpack_from("<i", entry[1])[0]

    def time(self, prop_id: int) -> datetime | None:
        """A PT_SYSTIME property (FILETIME: 100 ns ticks since 1601) in UTC."""
        entry = self.fixed.get(prop_id)
        if entry is None or entry[0] != PT_SYSTIME:
            return None
        ticks = struct.unpack_from("<Q", entry[1])[0]
        if not ticks:
            return None
        try:
            return _EPOCH_1601 + timedelta(microseconds=ticks // 10)
        except OverflowError:
            return None

    def child(self, name: str, header_size: int) -> PropertyStore:
        return PropertyStore(self.msg, (*self.path, name), header_size, self.codec)

    def children_named(self, prefix: str) -> list[str]:
        """Sub-storages such as '__attach_version1.0_#00000000', in their numeric order."""
        return [name for name in self.storages if name.lower().startswith(prefix.lower())]
