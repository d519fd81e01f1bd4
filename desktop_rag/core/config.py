"""User settings: a small dataclass persisted as JSON in the data folder."""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from .errors import UserError

log = logging.getLogger(__name__)

# Built-in embedding models (shipped as Python packages, never downloaded).
MULTILINGUAL_E5 = "builtin:multilingual-e5-small"
ENGLISH_MINILM = "builtin:all-MiniLM-L6-v2"


@dataclass
class Settings:
    """Tunable behaviour. Unknown keys in the file are ignored, missing keys take defaults."""

    # "builtin:..." or the path of a sentence-transformers model folder.
    embedding_model: str = MULTILINGUAL_E5
    # Chunk size in the embedding model's own tokens (capped by the model's window).
    chunk_tokens: int = 256
    chunk_overlap_tokens: int = 32
    # Files larger than this are reported instead of indexed.
    max_file_bytes: int = 200 * 1024 * 1024
    embed_batch_size: int = 32
    search_top_k: int = 8

    def validate(self) -> Settings:
        """Raise UserError on values that cannot work; returns self."""
        if self.chunk_tokens < 16:
            raise UserError(f"chunk_tokens must be at least 16 (got {self.chunk_tokens})")
        if not 0 <= self.chunk_overlap_tokens < self.chunk_tokens // 2:
            raise UserError("chunk_overlap_tokens must be between 0 and half of chunk_tokens")
        if self.max_file_bytes <= 0 or self.embed_batch_size <= 0 or self.search_top_k <= 0:
            raise UserError("max_file_bytes, embed_batch_size and search_top_k must be positive")
        return self

    @classmethod
    def load(cls, path: Path) -> Settings:
        """Read settings from ``path``; a missing file gives defaults, a broken one is reported."""
        if not path.exists():
            return cls()
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise UserError(f"cannot read settings file {path}: {exc}") from exc
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in raw.items() if k in known}).validate()

    def save(self, path: Path) -> None:
        """Write atomically so a crash never leaves half a settings file."""
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(self), indent=2, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)
