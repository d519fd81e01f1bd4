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
from collections import Counter
from pathlib import Path

from .info import GGUFError, GGUFInfo, SkippedArray, format_parameter_count, format_size
from .reader import _MAX_COUNT, _MAX_DATA_BYTES, _MAX_DIMS, _MAX_KEY_BYTES, _piece_hint, _Reader
from .tables import _FTYPE_GUESSED, _REMOVED_GGML_TYPES, _U32, _U64, GGML_TYPES, LLAMA_FTYPES

__all__ = [
    "DEFAULT_ALIGNMENT",
    "GGUF_MAGIC",
    "SPLIT_RE",
    "GGUFError",
    "GGUFInfo",
    "SkippedArray",
    "format_parameter_count",
    "format_size",
    "read_gguf_info",
]

GGUF_MAGIC = b"GGUF"
SUPPORTED_VERSIONS = (2, 3)
DEFAULT_ALIGNMENT = 32
# "-00001-of-00003.gguf": gguf-split's shard names.
SPLIT_RE = re.compile(r"-(\d{5})-of-(\d{5})\.gguf$", re.IGNORECASE)



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
