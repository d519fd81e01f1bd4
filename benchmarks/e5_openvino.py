"""multilingual-e5-small as an OpenVINO IR (benchmarks/embedder_backends.py's openvino rows).

Converted offline from the app's e5 folder (e5_model.ensure_e5_folder): the folder's BERT encoder
is loaded with transformers (torch), traced by ``openvino.convert_model`` with dynamic batch and
sequence axes, and saved as model.xml + model.bin in float32. As in the app's ONNX graph, the
250k-row token-embedding table stays out of the graph (the embedder reads the rows it needs from
the folder's memory-mapped safetensors and feeds ``inputs_embeds``): inside, OpenVINO's compiled
model held it in memory, ~600 MB more peak RSS in float32 and ~900 MB int8. The "int8" variant is the same
graph quantised by NNCF post-training (weights and activations int8, transformer preset, the
attention-mask-sensitive ops left in float), calibrated on chunks of the benchmark's own
documents (benchmarks/indexing_throughput.py's corpus), not on the retrieval sets it is scored on.
OpenVINO's converter (run on ``import openvino``) and NNCF send usage telemetry unless the user
declined it or they run under CI; ``no_telemetry`` makes them see CI, so nothing leaves the machine.
Requires ``pip install -e .[embed-bench]``.

    python -m benchmarks.e5_openvino [fp32|int8]   # prints the folder of the (cached) IR
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np

FOLDER_NAME = "multilingual-e5-small-openvino"
FORMAT_VERSION = 3
VARIANTS = ("fp32", "int8")
CALIBRATION_TEXTS = 300


@contextlib.contextmanager
def no_telemetry() -> Iterator[None]:
    """Import and use openvino / nncf inside this: their telemetry is off under CI (disable_in_ci)."""
    before = os.environ.get("CI")
    os.environ["CI"] = "true"
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("CI", None)
        else:
            os.environ["CI"] = before


def ensure_openvino(e5_folder: Path, models_dir: Path, variant: str = "fp32") -> Path:
    """Folder holding model.xml/.bin of ``e5_folder`` in ``variant``, written once under ``models_dir``."""
    from .e5_gguf import _e5_stamp

    if variant not in VARIANTS:
        raise ValueError(f"variant must be one of {VARIANTS}")
    dest = Path(models_dir) / FOLDER_NAME / variant
    stamp = {"format": FORMAT_VERSION, "variant": variant, "e5": _e5_stamp(Path(e5_folder))}
    marker = dest / "build.json"
    if marker.is_file() and json.loads(marker.read_text(encoding="utf-8")) == stamp:
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{variant}.tmp-", dir=dest.parent))
    try:
        with no_telemetry():
            write_ir(Path(e5_folder), tmp, variant)
        (tmp / "build.json").write_text(json.dumps(stamp), encoding="utf-8")
        os.chmod(tmp, 0o755)
        shutil.rmtree(dest, ignore_errors=True)
        os.replace(tmp, dest)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return dest


def write_ir(e5_folder: Path, dest: Path, variant: str) -> None:
    """Convert the e5 folder's encoder to OpenVINO (last hidden state of input_ids, attention_mask)."""
    import openvino as ov
    import torch
    from transformers import AutoModel

    class Encoder(torch.nn.Module):
        """The BERT body, returning only its last hidden state (what mean pooling needs)."""

        def __init__(self, bert):
            super().__init__()
            self.bert = bert

        def forward(self, inputs_embeds, attention_mask):
            return self.bert(inputs_embeds=inputs_embeds, attention_mask=attention_mask).last_hidden_state

    bert = AutoModel.from_pretrained(
        str(e5_folder), torch_dtype=torch.float32, attn_implementation="eager", add_pooling_layer=False
    ).eval()
    # A padded row in the example: with an all-ones mask the tracer could bake in "no mask needed".
    mask = torch.ones((2, 16), dtype=torch.int64)
    mask[1, 9:] = 0
    hidden = int(bert.config.hidden_size)
    example = {"inputs_embeds": torch.randn((2, 16, hidden)), "attention_mask": mask}
    with torch.no_grad():
        model = ov.convert_model(
            Encoder(bert), example_input=example,
            input=[("inputs_embeds", ov.PartialShape([-1, -1, hidden]), ov.Type.f32),
                   ("attention_mask", ov.PartialShape([-1, -1]), ov.Type.i64)],
        )  # fmt: skip
    model.outputs[0].get_tensor().set_names({"hidden"})
    if variant == "int8":
        model = _quantize(model, e5_folder)
    ov.save_model(model, str(dest / "model.xml"), compress_to_fp16=False)


def _quantize(model, e5_folder: Path):
    """NNCF post-training int8 quantisation, calibrated on the benchmark corpus's chunks."""
    import nncf
    from tokenizers import Tokenizer

    from desktop_rag.core.models.e5_onnx import read_safetensors

    words = read_safetensors(e5_folder / "model.safetensors")["embeddings.word_embeddings.weight"]
    tokenizer = Tokenizer.from_file(str(e5_folder / "tokenizer.json"))
    tokenizer.enable_truncation(512)
    samples = []
    for ids in (e.ids for e in tokenizer.encode_batch(["passage: " + t for t in calibration_texts()])):
        embeds = np.asarray(words[np.array([ids])], dtype=np.float32)
        samples.append({"inputs_embeds": embeds, "attention_mask": np.ones((1, len(ids)), dtype=np.int64)})
    return nncf.quantize(
        model, nncf.Dataset(samples), model_type=nncf.ModelType.TRANSFORMER, subset_size=len(samples),
        preset=nncf.QuantizationPreset.MIXED,
    )  # fmt: skip


def calibration_texts(count: int = CALIBRATION_TEXTS) -> list[str]:
    """Chunk-sized pieces of the benchmark corpus's documents (never the retrieval sets)."""
    from desktop_rag.core.ingest.loaders import LoadError, load_document, supported_extensions

    from .indexing_throughput import make_corpus

    texts: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        for path in sorted(make_corpus(Path(tmp) / "corpus").rglob("*")):
            if path.suffix.lower() not in supported_extensions():
                continue
            try:
                text = " ".join(" ".join(p.text for p in load_document(path).pages).split())
            except LoadError:  # a file the loaders refuse is just not a sample
                continue
            texts += [text[i : i + 1200] for i in range(0, len(text), 1200)][:12]
    step = max(1, len(texts) // count)
    return texts[::step][:count]


if __name__ == "__main__":
    from desktop_rag.core.models.e5_model import ensure_e5_folder
    from desktop_rag.core.paths import resolve_paths

    models_dir = resolve_paths().models_dir
    print(ensure_openvino(ensure_e5_folder(models_dir), models_dir, sys.argv[1] if len(sys.argv) > 1 else "fp32"))
