"""A bounded, buffered reader of GGUF's header fields: every length is checked before it is read,
long arrays are skipped without building Python objects."""

from __future__ import annotations

import re
import struct
from pathlib import Path
from typing import BinaryIO

from .info import GGUFError, SkippedArray
from .tables import _ARRAY, _SCALARS, _STRING, _U32, _U64, _VALUE_TYPE_NAMES

# Arrays longer than this are skipped and only their length recorded (tokenizer vocabularies).
MAX_KEPT_ARRAY = 64
# Per-layer arrays (head counts) are kept whole, whatever the number of layers.
_PER_LAYER_SUFFIXES = (".attention.head_count", ".attention.head_count_kv")
_MAX_PER_LAYER = 65536
# No real string value comes near this; a bigger length means the header is garbage.
MAX_STRING_BYTES = 16 * 1024 * 1024
_MAX_KEY_BYTES = 65536
# Nor any metadata array (tokenizer vocabularies are ~10 MB), nor this many entries or tensors.
MAX_VALUE_BYTES = 4 * 1024**3
_MAX_COUNT = 1 << 24
# Tensor data past this is a garbage offset, not a model: 256 TiB.
_MAX_DATA_BYTES = 1 << 48
_MAX_DIMS = 4  # GGML_MAX_DIMS
_MAX_NESTING = 8  # arrays of arrays: real files use one level; deeper means garbage (and would recurse)
_CHUNK = 1 << 20
# Pieces of a model cut with split/cat rather than gguf-split (".part2of3", "-split-b", ".001").
_PIECE_RE = re.compile(r"(\.part\d+(of\d+)?|-split-[a-z]|\.\d{3})$", re.IGNORECASE)


def _piece_hint(path: Path) -> str:
    if _PIECE_RE.search(path.name) or re.search(r"\.gguf[.-]", path.name, re.IGNORECASE):
        return (
            "; it looks like one piece of a model cut into several files: join the pieces into one file first"
        )
    return ""


class _Reader:
    """Bounds-checked little-endian reads over a buffered file, in 1 MiB windows."""

    __slots__ = ("_file", "_path", "size", "_buf", "_base", "_pos")

    def __init__(self, file: BinaryIO, path: Path, size: int):
        self._file = file
        self._path = path
        self.size = size
        self._buf = b""
        self._base = 0  # file offset of _buf[0]
        self._pos = 0  # read position inside _buf

    def tell(self) -> int:
        return self._base + self._pos

    def truncated(self) -> GGUFError:
        hint = _piece_hint(self._path)
        return GGUFError(
            f"{self._path} is truncated: the file ends at byte {self.size:,}, inside the model's header "
            f"(incomplete download or copy?){hint}"
        )

    def corrupt(self, detail: str) -> GGUFError:
        return GGUFError(f"{self._path} is corrupt: {detail} (at byte {self.tell():,}); the file is damaged")

    def _fill(self, n: int) -> None:
        """Make ``n`` bytes available from the read position, or raise "truncated"."""
        have = len(self._buf) - self._pos
        more = self._file.read(max(_CHUNK, n - have))
        self._base += self._pos
        self._buf = self._buf[self._pos :] + more
        self._pos = 0
        if len(self._buf) < n:
            raise self.truncated()

    def read(self, n: int) -> bytes:
        if self._pos + n > len(self._buf):
            self._fill(n)
        data = self._buf[self._pos : self._pos + n]
        self._pos += n
        return data

    def u32(self) -> int:
        if self._pos + 4 > len(self._buf):
            self._fill(4)
        (value,) = _U32.unpack_from(self._buf, self._pos)
        self._pos += 4
        return value

    def u64(self) -> int:
        if self._pos + 8 > len(self._buf):
            self._fill(8)
        (value,) = _U64.unpack_from(self._buf, self._pos)
        self._pos += 8
        return value

    def check_length(self, n: int, what: str) -> None:
        """``n`` more bytes must fit in the file: beyond any real model is corrupt, past the end truncated."""
        # Not "bigger than this file": a cut-off download legitimately declares more than it holds.
        if n > MAX_VALUE_BYTES:
            raise self.corrupt(f"{what} claims {n:,} bytes")
        if self.tell() + n > self.size:
            raise self.truncated()

    def skip(self, n: int) -> None:
        self.check_length(n, "a value")
        if self._pos + n <= len(self._buf):
            self._pos += n
            return
        target = self.tell() + n
        self._file.seek(target)
        self._buf, self._base, self._pos = b"", target, 0

    def string(self, limit: int = MAX_STRING_BYTES) -> str:
        n = self.u64()
        if n > limit:
            raise self.corrupt(f"a text value claims to be {n:,} bytes long")
        self.check_length(n, "a text value")
        return self.read(n).decode("utf-8", errors="replace")

    def skip_strings(self, count: int) -> None:
        """Skip ``count`` length-prefixed strings; the hot loop for tokenizer vocabularies."""
        unpack = _U64.unpack_from
        buf, pos = self._buf, self._pos
        for _ in range(count):
            if pos + 8 > len(buf):
                self._pos = pos
                self._fill(8)
                buf, pos = self._buf, self._pos
            (n,) = unpack(buf, pos)
            pos += 8
            if n > MAX_STRING_BYTES:
                self._pos = pos
                raise self.corrupt(f"a text value claims to be {n:,} bytes long")
            if pos + n <= len(buf):
                pos += n
            else:
                self._pos = pos
                self.skip(n)
                buf, pos = self._buf, self._pos
        self._pos = pos

    def value(self, vtype: int, key: str) -> object:
        scalar = _SCALARS.get(vtype)
        if scalar is not None:
            fmt, size = scalar
            return struct.unpack("<" + fmt, self.read(size))[0]
        if vtype == _STRING:
            return self.string()
        if vtype == _ARRAY:
            return self.array(key, 0)
        raise self.corrupt(f"unknown value type {vtype} for {key!r}")

    def array(self, key: str, depth: int) -> object:
        if depth > _MAX_NESTING:
            raise self.corrupt(f"arrays nested more than {_MAX_NESTING} deep in {key!r}")
        etype = self.u32()
        count = self.u64()
        scalar = _SCALARS.get(etype)
        if scalar is None and etype not in (_STRING, _ARRAY):
            raise self.corrupt(f"unknown array element type {etype} for {key!r}")
        # Smallest possible element; bounds the loops below by the file size (no hangs).
        min_size = scalar[1] if scalar else 8 if etype == _STRING else 12
        self.check_length(count * min_size, f"the array {key!r}")
        keep = count <= MAX_KEPT_ARRAY or (
            scalar is not None and count <= _MAX_PER_LAYER and key.endswith(_PER_LAYER_SUFFIXES)
        )
        if scalar is not None:
            fmt, size = scalar
            if keep:
                return struct.unpack(f"<{count}{fmt}", self.read(count * size))
            self.skip(count * size)
        elif etype == _STRING:
            if keep:
                return tuple(self.string() for _ in range(count))
            self.skip_strings(count)
        elif keep:
            return tuple(self.array(key, depth + 1) for _ in range(count))
        else:
            for _ in range(count):
                self.array(key, depth + 1)
        return SkippedArray(_VALUE_TYPE_NAMES[etype], count)
