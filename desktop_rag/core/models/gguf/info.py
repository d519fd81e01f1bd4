"""What a GGUF header says about a model (GGUFInfo), its errors, and sizes in words."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ...errors import UserError

# When a model says nothing about its attention shape: about a modern 7-8B model with GQA.
_FALLBACK_KV_BYTES_PER_TOKEN = 128 * 1024


_SAMPLING_KEYS = {
    "temperature": "general.sampling.temp", "top_k": "general.sampling.top_k", "top_p": "general.sampling.top_p",
    "min_p": "general.sampling.min_p", "repeat_penalty": "general.sampling.penalty_repeat",
}  # fmt: skip


class GGUFError(UserError):
    """The file is missing, unreadable or not a usable GGUF model; the message names the file."""


@dataclass(frozen=True)
class SkippedArray:
    """A metadata array too long to keep (a tokenizer vocabulary): only its length is known."""

    value_type: str
    length: int


@dataclass(frozen=True)
class GGUFInfo:
    """What the header says about a model, in the units the app needs."""

    path: Path
    file_size: int
    version: int
    name: str | None
    architecture: str | None
    size_label: str | None
    parameter_count: int | None  # None when tensors were not read, or for one shard of a split model
    quantization: str | None
    context_length: int | None
    block_count: int | None
    embedding_length: int | None
    head_count: int | None
    head_count_kv: int | None
    key_length: int | None
    value_length: int | None
    sliding_window: int | None
    chat_template: str | None = field(repr=False)
    bos_token_id: int | None
    eos_token_id: int | None
    metadata: Mapping[str, object] = field(repr=False, compare=False)
    tensor_count: int = 0
    split_count: int = 1  # >1: this file is one shard of a gguf-split model

    def describe(self) -> str:
        """One line for lists and logs: name · architecture · parameters · quantization · context · size."""
        parts = [self.name or self.path.stem]
        if self.architecture:
            parts.append(self.architecture)
        if self.parameter_count:
            parts.append(f"{format_parameter_count(self.parameter_count)} parameters")
        elif self.size_label:
            parts.append(f"{self.size_label} parameters")
        if self.quantization:
            parts.append(self.quantization)
        if self.context_length:
            parts.append(f"{self.context_length:,}-token context")
        parts.append(format_size(self.file_size))
        if self.split_count > 1:
            parts.append(f"split into {self.split_count} files")
        parts.append("chat template" if self.chat_template else "no chat template")
        return " · ".join(parts)

    def sampling_defaults(self) -> dict[str, float]:
        """The sampling the model's authors recommend, where the file says (``general.sampling.*``):
        any of temperature, top_k, top_p, min_p, repeat_penalty."""
        out: dict[str, float] = {}
        for name, key in _SAMPLING_KEYS.items():
            value = self.metadata.get(key)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                out[name] = int(value) if name == "top_k" else round(float(value), 4)
        return out

    def kv_cache_bytes(self, n_ctx: int) -> int:
        """Bytes of an f16 K+V cache for ``n_ctx`` tokens (an upper bound: sliding-window layers may need less)."""
        per_layer = self.metadata.get(f"{self.architecture}.attention.head_count_kv")
        if isinstance(per_layer, tuple) and self.key_length and self.value_length:
            # Hybrid models list KV heads per layer; recurrent layers have 0.
            return n_ctx * sum(per_layer) * (self.key_length + self.value_length) * 2
        if self.block_count and self.head_count_kv is not None and self.key_length and self.value_length:
            return n_ctx * self.block_count * self.head_count_kv * (self.key_length + self.value_length) * 2
        if self.block_count and self.embedding_length:
            return n_ctx * self.block_count * 2 * self.embedding_length * 2  # no GQA known: assume full heads
        return n_ctx * _FALLBACK_KV_BYTES_PER_TOKEN


def format_size(n_bytes: int) -> str:
    """Binary units with the labels people expect: "241 MB", "31.2 GB"."""
    if n_bytes < 1024:
        return f"{n_bytes} bytes"
    if n_bytes < 1024**2:
        return f"{n_bytes / 1024:.0f} KB"
    if n_bytes < 1024**3:
        return f"{n_bytes / 1024**2:.0f} MB"
    if n_bytes < 1024**4:
        return f"{n_bytes / 1024**3:.1f} GB"
    return f"{n_bytes / 1024**4:.1f} TB"


def format_parameter_count(n: int) -> str:
    """268098176 -> "268M", 7241732096 -> "7.2B"."""
    for unit, scale in (("T", 10**12), ("B", 10**9), ("M", 10**6), ("K", 10**3)):
        if n >= scale:
            value = n / scale
            text = f"{value:.1f}" if value < 100 else f"{value:.0f}"
            return text.removesuffix(".0") + unit
    return str(n)
