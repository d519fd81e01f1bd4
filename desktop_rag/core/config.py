"""User settings: a small dataclass persisted as JSON in the data folder."""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from .errors import UserError
from .paths import private_file

log = logging.getLogger(__name__)

# Built-in embedding models (shipped as Python packages, never downloaded).
MULTILINGUAL_E5 = "builtin:multilingual-e5-small"
ENGLISH_MINILM = "builtin:all-MiniLM-L6-v2"
# Languages text recognition offers (Tesseract model names).
OCR_LANGUAGES = ("eng", "kor")


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
    # A file whose reading takes longer is skipped with an error (PDF, DOCX, HTML, ... are read
    # in a separate process that is stopped after this long).
    max_seconds_per_file: float = 120.0
    embed_batch_size: int = 32
    search_top_k: int = 8

    # Recognise the text of scanned PDF pages and image files (OCR), in these languages
    # ("eng", "kor"; Korean needs its model imported: Settings or `desktop-rag ocr import`).
    ocr_enabled: bool = True
    ocr_languages: list[str] = field(default_factory=lambda: ["eng"])

    # -- answering (llama.cpp) --
    # Path or name (see `desktop-rag models`) of the GGUF model; empty: the first one found.
    llm_model: str = ""
    llm_context_tokens: int = 8192  # capped by what the model was trained for
    llm_gpu_layers: int = -1  # -1: all layers on the GPU when llama.cpp was built with GPU support; 0: CPU
    llm_threads: int = 0  # 0: every physical core
    temperature: float = 0.0  # 0: the same question gets the same, most likely answer
    max_answer_tokens: int = 512
    answer_sources: int = 6  # passages retrieved for each question
    # Check every sentence of an answer against its sources; mark unsupported and miscited ones.
    check_support: bool = True
    # Reasoning models that can skip their <think> step (Qwen 3): let them think first (hidden from
    # the answer, shown collapsed) or answer at once.
    llm_thinking: bool = True
    # -- privacy and interface --
    # Mask e-mail addresses, phone numbers, resident registration and card numbers, ... in
    # answers, shown passages, exports and logs.
    redact_personal_data: bool = False
    ui_language: str = "auto"  # auto (follow the system) | en | ko
    ui_theme: str = "auto"  # auto (follow the system) | light | dark

    # Extra texts that end an answer (the model's end-of-turn token always does).
    stop_sequences: list[str] = field(default_factory=list)
    # Extra folders searched for GGUF files (besides our models folder, LM Studio, GPT4All, ...).
    model_folders: list[str] = field(default_factory=list)

    def validate(self) -> Settings:
        """Raise UserError on values that cannot work; returns self."""
        if self.chunk_tokens < 16:
            raise UserError(f"chunk_tokens must be at least 16 (got {self.chunk_tokens})")
        if not 0 <= self.chunk_overlap_tokens < self.chunk_tokens // 2:
            raise UserError("chunk_overlap_tokens must be between 0 and half of chunk_tokens")
        if self.max_file_bytes <= 0 or self.embed_batch_size <= 0 or self.search_top_k <= 0:
            raise UserError("max_file_bytes, embed_batch_size and search_top_k must be positive")
        if not self.max_seconds_per_file > 0:
            raise UserError(f"max_seconds_per_file must be positive (got {self.max_seconds_per_file})")
        if self.llm_context_tokens < 512:
            raise UserError(f"llm_context_tokens must be at least 512 (got {self.llm_context_tokens})")
        if not 16 <= self.max_answer_tokens <= self.llm_context_tokens // 2:
            raise UserError("max_answer_tokens must be between 16 and half of llm_context_tokens")
        if not 0.0 <= self.temperature <= 2.0:
            raise UserError(f"temperature must be between 0 and 2 (got {self.temperature})")
        if self.ui_language not in ("auto", "en", "ko"):
            raise UserError(f"ui_language must be auto, en or ko (got {self.ui_language!r})")
        if self.ui_theme not in ("auto", "light", "dark"):
            raise UserError(f"ui_theme must be auto, light or dark (got {self.ui_theme!r})")
        if not self.ocr_languages or any(lang not in OCR_LANGUAGES for lang in self.ocr_languages):
            raise UserError(f"ocr_languages must be one or more of {', '.join(OCR_LANGUAGES)} (got {self.ocr_languages!r})")
        if self.llm_gpu_layers < -1 or self.llm_threads < 0 or not 1 <= self.answer_sources <= 50:
            raise UserError("llm_gpu_layers must be -1 or more, llm_threads 0 or more, answer_sources 1 to 50")
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
        tmp = private_file(path.with_suffix(".tmp"), create=True)  # owner-only, like all app data
        tmp.write_text(json.dumps(asdict(self), indent=2, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)
