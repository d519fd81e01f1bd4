"""The default embedder: multilingual-e5-small's int8 ONNX encoder (e5_onnx.py) on onnxruntime.

No torch: the tokenizer is the e5 folder's ``tokenizer.json`` through ``tokenizers``, the
token embeddings are rows read from the folder's ``model.safetensors`` (``word_rows``), the
encoder is onnxruntime, and mean pooling is numpy. Passages are batched by a token budget
(``token_batches``): sorted by length, each batch padded only to its own longest passage and
holding at most ``token_budget`` tokens, so short chunks never pay for long ones and a batch
of 512-token chunks needs no more memory than one of short chunks.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Sequence
from functools import cached_property
from pathlib import Path

import numpy as np

from .e5_onnx import MODEL_FILE, model_fingerprint, read_safetensors
from .embedder import Embedder
from .word_rows import WordRows

#: Tokens per encoder call (rows x padded length). On a quiet machine (benchmarks/token_batching.py,
#: 396 chunks of the benchmark folder, mean 193 tokens): 512 -> 44.1, 1,024 -> 45.0, 2,048 -> 38.7,
#: 4,096 -> 33.2 chunks/s; onnxruntime's activation arena grows to the largest call and stays:
#: 31, 65, 113, 221 MB. Small calls keep attention's (rows x heads x length^2) scores in cache.
DEFAULT_TOKEN_BUDGET = 1024
MAX_BATCH_ROWS = 128

#: onnxruntime (1.32) fuses each residual Add + LayerNormalization into SkipLayerNormalization, whose
#: CPU kernel is slower than the two ops it replaces: 17% of the encoder's time against 7% unfused
#: (profiled on 20 x 200 tokens); unfused the encoder runs ~18% faster, same vectors (cosine to torch
#: 0.9958 either way on 240 KorQuAD/Cranfield passages).
DISABLED_OPTIMIZERS = ["SkipLayerNormFusion"]


def token_batches(lengths: Sequence[int], token_budget: int, max_rows: int = MAX_BATCH_ROWS) -> Iterator[list[int]]:
    """Indices of ``lengths`` in batches: sorted by length, each within ``token_budget`` once padded.

    A batch's cost is its row count times its longest row; a passage longer than the budget
    goes alone.
    """
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    batch: list[int] = []
    for i in order:
        # Sorted ascending: the newcomer is the batch's longest row.
        if batch and ((len(batch) + 1) * lengths[i] > token_budget or len(batch) >= max_rows):
            yield batch
            batch = []
        batch.append(i)
    if batch:
        yield batch


class OnnxE5Embedder(Embedder):
    """multilingual-e5-small through its int8 ONNX encoder."""

    QUERY_PREFIX = "query: "
    PASSAGE_PREFIX = "passage: "

    def __init__(
        self,
        onnx_folder: Path,
        e5_folder: Path,
        token_budget: int = DEFAULT_TOKEN_BUDGET,
        threads: int = 0,
        max_rows: int = MAX_BATCH_ROWS,
    ):
        self.onnx_folder = Path(onnx_folder)
        self.e5_folder = Path(e5_folder)
        self.token_budget = token_budget
        self.max_rows = max_rows  # with a huge budget: batches by count, as sentence-transformers does
        self.threads = threads
        self.name = "multilingual-e5-small"
        self.model_id = f"onnx-int8:multilingual-e5-small:{model_fingerprint(self.onnx_folder)}"
        self._lock = threading.Lock()

    # -- loading (lazy, once) ------------------------------------------------------------------
    @cached_property
    def _session(self):
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.inter_op_num_threads = 1
        if self.threads:
            options.intra_op_num_threads = self.threads
        options.log_severity_level = 3  # no warnings on the user's terminal
        with self._lock:
            return ort.InferenceSession(
                str(self.onnx_folder / MODEL_FILE), options, providers=["CPUExecutionProvider"],
                disabled_optimizers=DISABLED_OPTIMIZERS,
            )  # fmt: skip

    @cached_property
    def _tables(self) -> tuple[WordRows, np.ndarray, np.ndarray]:
        """(word embeddings, read row by row from the file, float16 in the packaged app's folder;
        position embeddings; token type 0, both float32)."""
        path = self.e5_folder / "model.safetensors"
        tensors = read_safetensors(path)
        return (
            WordRows(path, "embeddings.word_embeddings.weight"),
            np.array(tensors["embeddings.position_embeddings.weight"], dtype=np.float32),
            np.array(tensors["embeddings.token_type_embeddings.weight"][0], dtype=np.float32),
        )

    @cached_property
    def _tokenizer(self):
        """The e5 folder's tokenizer, without truncation or padding (one copy: ~60 MB each);
        ``encode`` truncates to the model's window itself, as the torch model does."""
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(self.e5_folder / "tokenizer.json"))
        tokenizer.no_padding()
        tokenizer.no_truncation()
        return tokenizer

    # -- the Embedder interface ----------------------------------------------------------------
    @property
    def dim(self) -> int:
        return int(self._tables[1].shape[1])

    @cached_property
    def max_tokens(self) -> int:
        """The torch model's window (sentence_bert_config.json), so both cut a text at the same token."""
        config = json.loads((self.e5_folder / "sentence_bert_config.json").read_text(encoding="utf-8"))
        return int(config["max_seq_length"])

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        encoded = self._tokenizer.encode_batch([self.PASSAGE_PREFIX + t for t in texts])
        return [len(e.ids) for e in encoded]

    def word_token_stats(self, words: Sequence[str]) -> list[tuple[int, bool]]:
        unk = self._tokenizer.token_to_id("<unk>")
        encoded = self._tokenizer.encode_batch(list(words), add_special_tokens=False)
        return [(len(e.ids), unk in e.ids) for e in encoded]

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self.encode([self.PASSAGE_PREFIX + t for t in texts])

    def _encode_query(self, text: str) -> np.ndarray:
        return self.encode([self.QUERY_PREFIX + text])[0]

    # -- encoding ------------------------------------------------------------------------------
    def encode(self, texts: Sequence[str], token_budget: int | None = None) -> np.ndarray:
        """(n, dim) float32 L2-normalised vectors of ``texts`` as given (prefixes included)."""
        window = self.max_tokens
        # As the tokenizer's own truncation does: <s>, the first window - 2 pieces, </s>.
        encoded = self._tokenizer.encode_batch(list(texts))
        ids = [e.ids if len(e.ids) <= window else e.ids[: window - 1] + e.ids[-1:] for e in encoded]
        out = np.empty((len(ids), self.dim), dtype=np.float32)
        for batch in token_batches([len(x) for x in ids], token_budget or self.token_budget, self.max_rows):
            out[batch] = self._encode_batch([ids[i] for i in batch])
        return out

    def _encode_batch(self, rows: list[list[int]]) -> np.ndarray:
        """One encoder call: pad to the longest row, run, mean-pool the real tokens, normalise."""
        words, positions, token_type = self._tables
        width = max(len(r) for r in rows)
        ids = np.zeros((len(rows), width), dtype=np.int64)
        mask = np.zeros((len(rows), width), dtype=np.int32)
        for n, r in enumerate(rows):
            ids[n, : len(r)] = r
            mask[n, : len(r)] = 1
        embeddings = words.take(ids)  # reads only these rows of the file
        embeddings += positions[:width]
        embeddings += token_type
        (hidden,) = self._session.run(["hidden"], {"embeddings": embeddings, "attention_mask": mask})
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / weights.sum(axis=1)
        pooled /= np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        return pooled.astype(np.float32, copy=False)


__all__ = ["DEFAULT_TOKEN_BUDGET", "OnnxE5Embedder", "token_batches"]
