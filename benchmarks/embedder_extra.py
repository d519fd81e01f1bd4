"""multilingual-e5-small on llama.cpp (a GGUF) and on OpenVINO, behind the Embedder interface.

Measured beside torch and onnxruntime by benchmarks/embedder_backends.py; neither is used by the
app. Both share the e5 folder's tokenizer (token counts, coverage, truncation) through an
``OnnxE5Embedder`` whose own encoder is never loaded, and both batch passages by a token budget
(onnx_embedder.token_batches), mean-pool and L2-normalise, as the default embedder does.
Their packages come with ``pip install -e .[embed-bench]``.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path

import numpy as np

from desktop_rag.core.models.embedder import Embedder
from desktop_rag.core.models.onnx_embedder import OnnxE5Embedder, token_batches

#: Tokens per llama.cpp call. Unlike a padded batch, llama.cpp concatenates the passages and masks
#: attention across them, so attention costs grow with the square of the whole batch: 120
#: KorQuAD/Cranfield passages on 1 thread (busy machine) ran at 2.7 passages/s with 512 tokens
#: a call, 1.8 with 1,024 and 1.1 with 2,048; one passage a call was no faster than 512.
GGUF_TOKEN_BUDGET = 512
GGUF_MAX_ROWS = 16


class _SharedTokenizer(Embedder):
    """The Embedder methods that only need the e5 tokenizer, taken from an OnnxE5Embedder."""

    name = "multilingual-e5-small"
    QUERY_PREFIX = OnnxE5Embedder.QUERY_PREFIX
    PASSAGE_PREFIX = OnnxE5Embedder.PASSAGE_PREFIX

    def __init__(self, tokens: OnnxE5Embedder):
        self._tokens = tokens
        self._lock = threading.Lock()  # one native call at a time: indexing and a search may overlap

    @property
    def dim(self) -> int:
        return self._tokens.dim

    @property
    def max_tokens(self) -> int:
        return self._tokens.max_tokens

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return self._tokens.count_tokens(texts)

    def word_token_stats(self, words: Sequence[str]) -> list[tuple[int, bool]]:
        return self._tokens.word_token_stats(words)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self.encode([self.PASSAGE_PREFIX + t for t in texts])

    def embed_query(self, text: str) -> np.ndarray:
        return self.encode([self.QUERY_PREFIX + text])[0]

    def _token_ids(self, texts: Sequence[str]) -> list[list[int]]:
        """Ids of ``texts`` cut as the tokenizer's truncation does: <s>, the first window - 2 pieces, </s>."""
        window = self.max_tokens
        encoded = self._tokens._tokenizer.encode_batch(list(texts))
        return [e.ids if len(e.ids) <= window else e.ids[: window - 1] + e.ids[-1:] for e in encoded]

    def encode(self, texts: Sequence[str]) -> np.ndarray:  # pragma: no cover - overridden
        raise NotImplementedError


class GgufE5Embedder(_SharedTokenizer):
    """The e5 GGUF (benchmarks/e5_gguf.py) through llama-cpp-python's embedding mode, mean pooling."""

    def __init__(self, gguf_path: Path, tokens: OnnxE5Embedder, token_budget: int = GGUF_TOKEN_BUDGET,
                 max_rows: int = GGUF_MAX_ROWS, threads: int | None = None):  # fmt: skip
        super().__init__(tokens)
        self.gguf_path = Path(gguf_path)
        self.token_budget = max(token_budget, tokens.max_tokens)  # a whole-window passage fits one call
        self.max_rows = max_rows
        self.threads = threads or os.cpu_count() or 1
        self.model_id = f"llama.cpp:{self.gguf_path.stem}"

    @cached_property
    def _llm(self):
        import llama_cpp

        return llama_cpp.Llama(
            model_path=str(self.gguf_path), embedding=True, pooling_type=llama_cpp.LLAMA_POOLING_TYPE_MEAN,
            n_ctx=self.token_budget, n_batch=self.token_budget, n_ubatch=self.token_budget,
            n_seq_max=self.max_rows, n_threads=self.threads, n_threads_batch=self.threads, verbose=False,
        )  # fmt: skip

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """(n, 384) L2-normalised vectors of ``texts`` as given (prefixes included)."""
        ids = self._token_ids(texts)
        # llama.cpp tokenises the text itself (the same pieces: checked on KorQuAD and Cranfield); a
        # text over the window is cut at the character where the window's last piece ends.
        tokenizer = self._tokens._tokenizer
        cut = [t if len(i) < self.max_tokens else _cut_text(tokenizer, t, self.max_tokens) for t, i in zip(texts, ids, strict=True)]
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        with self._lock:
            llm = self._llm
            for batch in token_batches([len(x) for x in ids], self.token_budget, self.max_rows):
                out[batch] = np.asarray(llm.embed([cut[i] for i in batch], normalize=False), dtype=np.float32)
        out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
        return out


def _cut_text(tokenizer, text: str, window: int) -> str:
    """``text`` up to the end of its (window - 2)-th piece, so that <s> + pieces + </s> fill the window.

    Checked again after the cut: llama.cpp aborts the process on a position past its 512 rows.
    """
    offsets = tokenizer.encode(text).offsets
    keep = window - 2
    while True:
        cut = text[: offsets[keep][1]]
        if len(tokenizer.encode(cut).ids) <= window:
            return cut
        keep -= 1


class OpenVinoE5Embedder(_SharedTokenizer):
    """The e5 encoder as an OpenVINO IR (benchmarks/e5_openvino.py) on OpenVINO's CPU plugin; the
    token embeddings are rows of the e5 folder's memory-mapped safetensors, as in OnnxE5Embedder."""

    def __init__(self, ir_folder: Path, tokens: OnnxE5Embedder, token_budget: int | None = None,
                 threads: int | None = None):  # fmt: skip
        super().__init__(tokens)
        self.ir_folder = Path(ir_folder)
        self.token_budget = token_budget or tokens.token_budget
        self.threads = threads or os.cpu_count() or 1
        marker = json.loads((self.ir_folder / "build.json").read_text(encoding="utf-8"))
        self.model_id = f"openvino-{marker['variant']}:multilingual-e5-small"

    @cached_property
    def _request(self):
        from .e5_openvino import no_telemetry

        with no_telemetry():
            import openvino as ov

            core = ov.Core()
        compiled = core.compile_model(
            str(self.ir_folder / "model.xml"), "CPU",
            # f32: the default on a CPU with AMX would be bf16, which changes the vectors (and this
            # machine's AMX faults); latency: one request uses every core.
            {"INFERENCE_PRECISION_HINT": "f32", "PERFORMANCE_HINT": "LATENCY", "INFERENCE_NUM_THREADS": self.threads},
        )  # fmt: skip
        return compiled.create_infer_request()

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """(n, 384) L2-normalised vectors of ``texts`` as given (prefixes included)."""
        ids = self._token_ids(texts)
        out = np.empty((len(ids), self.dim), dtype=np.float32)
        with self._lock:
            request = self._request
            words = self._tokens._tables[0]  # WordRows: only the rows met are read
            for batch in token_batches([len(x) for x in ids], self.token_budget):
                width = max(len(ids[i]) for i in batch)
                tokens = np.ones((len(batch), width), dtype=np.int64)  # <pad> = 1, masked out
                mask = np.zeros((len(batch), width), dtype=np.int64)
                for n, i in enumerate(batch):
                    tokens[n, : len(ids[i])] = ids[i]
                    mask[n, : len(ids[i])] = 1
                embeds = words.take(tokens)
                hidden = request.infer({"inputs_embeds": embeds, "attention_mask": mask})[0]
                weights = mask[..., None].astype(np.float32)
                out[batch] = (np.asarray(hidden) * weights).sum(axis=1) / weights.sum(axis=1)
        out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
        return out
