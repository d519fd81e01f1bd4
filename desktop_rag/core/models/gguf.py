"""Read and check a GGUF model file's header without llama.cpp.

Loading a broken or unsuitable model in llama.cpp fails late and with messages meant
for developers (or crashes the process); this reads the header in pure Python first so
the user gets one plain sentence naming the file: not a GGUF, truncated, corrupt, too old.

Reads through a buffered file, never the whole file: the big tokenizer arrays
(262k strings in Gemma 3) are skipped without building Python objects.
"""

from __future__ import annotations

import os
import re
import stat
import struct
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from ..errors import UserError

GGUF_MAGIC = b"GGUF"
SUPPORTED_VERSIONS = (2, 3)
DEFAULT_ALIGNMENT = 32
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
# When a model says nothing about its attention shape: about a modern 7-8B model with GQA.
_FALLBACK_KV_BYTES_PER_TOKEN = 128 * 1024

# GGUF metadata value types; _SCALARS maps the fixed-size ones to (struct format, size).
_UINT8, _INT8, _UINT16, _INT16, _UINT32, _INT32, _FLOAT32, _BOOL, _STRING, _ARRAY, _UINT64, _INT64, _FLOAT64 = range(13)  # fmt: skip
_SCALARS: dict[int, tuple[str, int]] = {
    _UINT8: ("B", 1),
    _INT8: ("b", 1),
    _UINT16: ("H", 2),
    _INT16: ("h", 2),
    _UINT32: ("I", 4),
    _INT32: ("i", 4),
    _FLOAT32: ("f", 4),
    _BOOL: ("?", 1),
    _UINT64: ("Q", 8),
    _INT64: ("q", 8),
    _FLOAT64: ("d", 8),
}
_VALUE_TYPE_NAMES = {
    _UINT8: "uint8", _INT8: "int8", _UINT16: "uint16", _INT16: "int16", _UINT32: "uint32",
    _INT32: "int32", _FLOAT32: "float32", _BOOL: "bool", _STRING: "string", _ARRAY: "array",
    _UINT64: "uint64", _INT64: "int64", _FLOAT64: "float64",
}  # fmt: skip

_QK_K = 256
# ggml_type id -> (name, elements per block, bytes per block); from ggml's type_traits
# (llama.cpp gguf-py GGML_QUANT_SIZES).
GGML_TYPES: dict[int, tuple[str, int, int]] = {
    0: ("F32", 1, 4),
    1: ("F16", 1, 2),
    2: ("Q4_0", 32, 2 + 16),
    3: ("Q4_1", 32, 2 + 2 + 16),
    6: ("Q5_0", 32, 2 + 4 + 16),
    7: ("Q5_1", 32, 2 + 2 + 4 + 16),
    8: ("Q8_0", 32, 2 + 32),
    9: ("Q8_1", 32, 4 + 4 + 32),
    10: ("Q2_K", 256, 2 + 2 + _QK_K // 16 + _QK_K // 4),
    11: ("Q3_K", 256, 2 + _QK_K // 4 + _QK_K // 8 + 12),
    12: ("Q4_K", 256, 2 + 2 + _QK_K // 2 + 12),
    13: ("Q5_K", 256, 2 + 2 + _QK_K // 2 + _QK_K // 8 + 12),
    14: ("Q6_K", 256, 2 + _QK_K // 2 + _QK_K // 4 + _QK_K // 16),
    15: ("Q8_K", 256, 4 + _QK_K + _QK_K // 8),
    16: ("IQ2_XXS", 256, 2 + _QK_K // 4),
    17: ("IQ2_XS", 256, 2 + _QK_K // 4 + _QK_K // 32),
    18: ("IQ3_XXS", 256, 2 + _QK_K // 4 + _QK_K // 8),
    19: ("IQ1_S", 256, 2 + _QK_K // 8 + _QK_K // 16),
    20: ("IQ4_NL", 32, 2 + 16),
    21: ("IQ3_S", 256, 2 + _QK_K // 4 + _QK_K // 8 + _QK_K // 32 + 4),
    22: ("IQ2_S", 256, 2 + _QK_K // 4 + _QK_K // 16),
    23: ("IQ4_XS", 256, 2 + 2 + _QK_K // 2 + _QK_K // 64),
    24: ("I8", 1, 1),
    25: ("I16", 1, 2),
    26: ("I32", 1, 4),
    27: ("I64", 1, 8),
    28: ("F64", 1, 8),
    29: ("IQ1_M", 256, _QK_K // 8 + _QK_K // 16 + _QK_K // 32),
    30: ("BF16", 1, 2),
    34: ("TQ1_0", 256, 2 + 4 * 13),
    35: ("TQ2_0", 256, 2 + 64),
    39: ("MXFP4", 32, 1 + 16),
    40: ("NVFP4", 64, 4 + 32),
    41: ("Q1_0", 128, 2 + 16),
}
# Types older files may carry that current llama.cpp refuses (repacked at run time now).
_REMOVED_GGML_TYPES = {
    4: "Q4_2", 5: "Q4_3", 31: "Q4_0_4_4", 32: "Q4_0_4_8", 33: "Q4_0_8_8",
    36: "IQ4_NL_4_4", 37: "IQ4_NL_4_8", 38: "IQ4_NL_8_8",
}  # fmt: skip

# general.file_type (llama_ftype in llama.h) -> the name users know the quantization by.
LLAMA_FTYPES: dict[int, str] = {
    0: "F32",
    1: "F16",
    2: "Q4_0",
    3: "Q4_1",
    4: "Q4_1_SOME_F16",
    7: "Q8_0",
    8: "Q5_0",
    9: "Q5_1",
    10: "Q2_K",
    11: "Q3_K_S",
    12: "Q3_K_M",
    13: "Q3_K_L",
    14: "Q4_K_S",
    15: "Q4_K_M",
    16: "Q5_K_S",
    17: "Q5_K_M",
    18: "Q6_K",
    19: "IQ2_XXS",
    20: "IQ2_XS",
    21: "Q2_K_S",
    22: "IQ3_XS",
    23: "IQ3_XXS",
    24: "IQ1_S",
    25: "IQ4_NL",
    26: "IQ3_S",
    27: "IQ3_M",
    28: "IQ2_S",
    29: "IQ2_M",
    30: "IQ4_XS",
    31: "IQ1_M",
    32: "BF16",
    33: "Q4_0_4_4",
    34: "Q4_0_4_8",
    35: "Q4_0_8_8",
    36: "TQ1_0",
    37: "TQ2_0",
    38: "MXFP4_MOE",
    39: "NVFP4",
    40: "Q1_0",
}
_FTYPE_GUESSED = 1024  # flag llama-quantize sets when it guessed the type

_U32 = struct.Struct("<I")
_U64 = struct.Struct("<Q")
# "-00001-of-00003.gguf": gguf-split's shard names.
SPLIT_RE = re.compile(r"-(\d{5})-of-(\d{5})\.gguf$", re.IGNORECASE)
# Pieces of a model cut with split/cat rather than gguf-split (".part2of3", "-split-b", ".001").
_PIECE_RE = re.compile(r"(\.part\d+(of\d+)?|-split-[a-z]|\.\d{3})$", re.IGNORECASE)


class GGUFError(UserError):
    """The file is missing, unreadable or not a usable GGUF model; the message names the file."""


@dataclass(frozen=True)
class SkippedArray:
    """A metadata array too long to keep (a tokenizer vocabulary): only its length is known."""

    value_type: str
    length: int


@dataclass(frozen=True)
class GGUFInfo:
    """What the header says about a model, in the units the app needs."""

    path: Path
    file_size: int
    version: int
    name: str | None
    architecture: str | None
    size_label: str | None
    parameter_count: int | None  # None when tensors were not read, or for one shard of a split model
    quantization: str | None
    context_length: int | None
    block_count: int | None
    embedding_length: int | None
    head_count: int | None
    head_count_kv: int | None
    key_length: int | None
    value_length: int | None
    sliding_window: int | None
    chat_template: str | None = field(repr=False)
    bos_token_id: int | None
    eos_token_id: int | None
    metadata: Mapping[str, object] = field(repr=False, compare=False)
    tensor_count: int = 0
    split_count: int = 1  # >1: this file is one shard of a gguf-split model

    def describe(self) -> str:
        """One line for lists and logs: name · architecture · parameters · quantization · context · size."""
        parts = [self.name or self.path.stem]
        if self.architecture:
            parts.append(self.architecture)
        if self.parameter_count:
            parts.append(f"{format_parameter_count(self.parameter_count)} parameters")
        elif self.size_label:
            parts.append(f"{self.size_label} parameters")
        if self.quantization:
            parts.append(self.quantization)
        if self.context_length:
            parts.append(f"{self.context_length:,}-token context")
        parts.append(format_size(self.file_size))
        if self.split_count > 1:
            parts.append(f"split into {self.split_count} files")
        parts.append("chat template" if self.chat_template else "no chat template")
        return " · ".join(parts)

    def kv_cache_bytes(self, n_ctx: int) -> int:
        """Bytes of an f16 K+V cache for ``n_ctx`` tokens (an upper bound: sliding-window layers may need less)."""
        per_layer = self.metadata.get(f"{self.architecture}.attention.head_count_kv")
        if isinstance(per_layer, tuple) and self.key_length and self.value_length:
            # Hybrid models list KV heads per layer; recurrent layers have 0.
            return n_ctx * sum(per_layer) * (self.key_length + self.value_length) * 2
        if self.block_count and self.head_count_kv is not None and self.key_length and self.value_length:
            return n_ctx * self.block_count * self.head_count_kv * (self.key_length + self.value_length) * 2
        if self.block_count and self.embedding_length:
            return n_ctx * self.block_count * 2 * self.embedding_length * 2  # no GQA known: assume full heads
        return n_ctx * _FALLBACK_KV_BYTES_PER_TOKEN


def format_size(n_bytes: int) -> str:
    """Binary units with the labels people expect: "241 MB", "31.2 GB"."""
    if n_bytes < 1024:
        return f"{n_bytes} bytes"
    if n_bytes < 1024**2:
        return f"{n_bytes / 1024:.0f} KB"
    if n_bytes < 1024**3:
        return f"{n_bytes / 1024**2:.0f} MB"
    if n_bytes < 1024**4:
        return f"{n_bytes / 1024**3:.1f} GB"
    return f"{n_bytes / 1024**4:.1f} TB"


def format_parameter_count(n: int) -> str:
    """268098176 -> "268M", 7241732096 -> "7.2B"."""
    for unit, scale in (("T", 10**12), ("B", 10**9), ("M", 10**6), ("K", 10**3)):
        if n >= scale:
            value = n / scale
            text = f"{value:.1f}" if value < 100 else f"{value:.0f}"
            return text.removesuffix(".0") + unit
    return str(n)


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


def _piece_hint(path: Path) -> str:
    if _PIECE_RE.search(path.name) or re.search(r"\.gguf[.-]", path.name, re.IGNORECASE):
        return (
            "; it looks like one piece of a model cut into several files: join the pieces into one file first"
        )
    return ""


def _not_gguf(path: Path, head: bytes) -> GGUFError:
    stripped = head.lstrip().lower()
    hint = ""
    if head.startswith(b"PK\x03\x04"):
        hint = "; it looks like a ZIP archive: unpack it first"
    elif stripped.startswith((b"<!doctype", b"<html", b"<?xml", b"<head", b"<body")):
        hint = "; it looks like a web page, probably saved instead of the model (download it again)"
    elif head.startswith(b"version https://git-lfs"):
        hint = "; it is a Git LFS pointer, not the model itself (run `git lfs pull` or download the file)"
    elif head[:4] in (b"lmgg", b"fmgg", b"tjgg", b"algg"):
        hint = "; it is in the old GGML format, which llama.cpp no longer reads: get a GGUF copy"
    elif len(head) >= 9 and head[8:9] == b"{" and _U64.unpack_from(head)[0] < 100 * 1024 * 1024:
        hint = "; it looks like a safetensors checkpoint: convert it to GGUF or get a GGUF copy"
    else:
        hint = _piece_hint(path)
    return GGUFError(
        f"{path} is not a GGUF model file (it starts with {head[:4]!r}; GGUF files start with 'GGUF'){hint}"
    )


def _as_int(value: object) -> int | None:
    """Scalars as is; per-layer arrays by their largest value."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, tuple) and value and all(isinstance(v, int) for v in value):
        return max(value)
    return None


def _as_str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def read_gguf_info(path: str | os.PathLike, *, read_tensors: bool = True) -> GGUFInfo:
    """Read and check the header; with ``read_tensors`` also check the tensor data is all there.

    Raises GGUFError (a UserError) with one plain sentence naming the file.
    """
    p = Path(os.fspath(path)).expanduser()
    try:
        st = p.stat()
    except (FileNotFoundError, NotADirectoryError):
        if p.is_symlink():
            raise GGUFError(f"{p} is a link to a file that does not exist") from None
        raise GGUFError(f"{p} does not exist") from None
    except PermissionError:
        raise GGUFError(f"{p} cannot be read (permission denied)") from None
    except OSError as exc:
        raise GGUFError(f"{p} cannot be read: {exc.strerror or exc}") from None
    if stat.S_ISDIR(st.st_mode):
        raise GGUFError(f"{p} is a folder, not a GGUF model file")
    if not stat.S_ISREG(st.st_mode):
        raise GGUFError(f"{p} is not a regular file, so it cannot be a GGUF model file")
    if st.st_size == 0:
        raise GGUFError(f"{p} is empty (0 bytes): the download or copy did not finish")
    try:
        with open(p, "rb") as file:
            return _read(_Reader(file, p, st.st_size), p, st.st_size, read_tensors)
    except PermissionError:
        raise GGUFError(f"{p} cannot be read (permission denied)") from None
    except IsADirectoryError:
        raise GGUFError(f"{p} is a folder, not a GGUF model file") from None
    except OSError as exc:
        raise GGUFError(f"{p} could not be read: {exc.strerror or exc}") from None


def _read(r: _Reader, p: Path, size: int, read_tensors: bool) -> GGUFInfo:
    head = r.read(min(size, 4))
    if head != GGUF_MAGIC:
        if len(head) < 4 and GGUF_MAGIC.startswith(head):
            raise r.truncated()
        r._file.seek(0)
        raise _not_gguf(p, r._file.read(64))
    raw_version = r.read(4)
    version = _U32.unpack(raw_version)[0]
    if version not in SUPPORTED_VERSIONS:
        if version == 1:
            raise GGUFError(f"{p}: GGUF version 1 is too old for llama.cpp; get a newer copy of the model")
        if int.from_bytes(raw_version, "big") in SUPPORTED_VERSIONS:
            raise GGUFError(
                f"{p} is a big-endian GGUF file, made for other computers; get the ordinary (little-endian) copy"
            )
        raise GGUFError(
            f"{p} uses GGUF version {version}, which this app cannot read (it reads versions 2 and 3)"
        )
    tensor_count = r.u64()
    kv_count = r.u64()
    if tensor_count > _MAX_COUNT or kv_count > _MAX_COUNT:
        raise r.corrupt(f"it claims {tensor_count:,} tensors and {kv_count:,} metadata entries")

    metadata: dict[str, object] = {}
    for _ in range(kv_count):
        key = r.string(_MAX_KEY_BYTES)
        metadata[key] = r.value(r.u32(), key)

    alignment = metadata.get("general.alignment", DEFAULT_ALIGNMENT)
    if (
        not isinstance(alignment, int)
        or isinstance(alignment, bool)
        or alignment <= 0
        or alignment & (alignment - 1)
    ):
        raise r.corrupt(f"general.alignment is {alignment!r}, not a power of two")
    split_count = _as_int(metadata.get("split.count")) or 1

    parameter_count: int | None = None
    tensor_types: Counter[int] = Counter()
    if read_tensors:
        parameter_count = 0
        data_end = 0  # relative to the aligned start of tensor data
        for _ in range(tensor_count):
            name = r.string(_MAX_KEY_BYTES)
            n_dims = r.u32()
            if n_dims > _MAX_DIMS:
                raise r.corrupt(f"tensor {name!r} claims {n_dims} dimensions")
            n_elements = 1
            for _ in range(n_dims):
                n_elements *= r.u64()
            ggml_type = r.u32()
            offset = r.u64()
            traits = GGML_TYPES.get(ggml_type)
            if traits is None:
                if ggml_type in _REMOVED_GGML_TYPES:
                    raise GGUFError(
                        f"{p} stores tensor {name!r} as {_REMOVED_GGML_TYPES[ggml_type]}, a format llama.cpp "
                        "no longer supports; get a newer copy of the model (Q4_0 instead)"
                    )
                raise r.corrupt(f"tensor {name!r} has unknown type {ggml_type}")
            _, block_size, type_size = traits
            if n_elements % block_size:
                raise r.corrupt(f"tensor {name!r} has {n_elements:,} values, not a whole number of blocks")
            parameter_count += n_elements
            data_end = max(data_end, offset + n_elements // block_size * type_size)
            if n_dims == 2:
                tensor_types[ggml_type] += 1
        data_start = -(-r.tell() // alignment) * alignment
        needed = data_start + data_end
        if needed > _MAX_DATA_BYTES:
            raise r.corrupt(f"its tensors claim {needed:,} bytes")
        if needed > size:
            raise GGUFError(
                f"{p} is truncated: its tensors need at least {needed:,} bytes but the file has {size:,} "
                f"(incomplete download or copy?){_piece_hint(p)}"
            )
        if split_count > 1:
            parameter_count = None  # only this shard's share; the whole model is unknown

    arch = _as_str(metadata.get("general.architecture"))

    def arch_int(suffix: str) -> int | None:
        return _as_int(metadata.get(f"{arch}.{suffix}")) if arch else None

    embedding_length = arch_int("embedding_length")
    head_count = arch_int("attention.head_count")
    head_count_kv = arch_int("attention.head_count_kv")
    if head_count_kv is None:
        head_count_kv = head_count  # llama.cpp's default: no GQA
    default_head_dim = embedding_length // head_count if embedding_length and head_count else None
    key_length = arch_int("attention.key_length") or default_head_dim
    value_length = arch_int("attention.value_length") or default_head_dim

    quantization = None
    file_type = _as_int(metadata.get("general.file_type"))
    if file_type is not None:
        quantization = LLAMA_FTYPES.get(file_type & ~_FTYPE_GUESSED)
    if quantization is None and tensor_types:
        quantization = GGML_TYPES[tensor_types.most_common(1)[0][0]][0]

    return GGUFInfo(
        path=p,
        file_size=size,
        version=version,
        name=_as_str(metadata.get("general.name")),
        architecture=arch,
        size_label=_as_str(metadata.get("general.size_label")),
        parameter_count=parameter_count,
        quantization=quantization,
        context_length=arch_int("context_length"),
        block_count=arch_int("block_count"),
        embedding_length=embedding_length,
        head_count=head_count,
        head_count_kv=head_count_kv,
        key_length=key_length,
        value_length=value_length,
        sliding_window=arch_int("attention.sliding_window"),
        chat_template=_as_str(metadata.get("tokenizer.chat_template")),
        bos_token_id=_as_int(metadata.get("tokenizer.ggml.bos_token_id")),
        eos_token_id=_as_int(metadata.get("tokenizer.ggml.eos_token_id")),
        metadata=metadata,
        tensor_count=tensor_count,
        split_count=split_count,
    )
