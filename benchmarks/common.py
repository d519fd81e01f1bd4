"""Helpers shared by the benchmarks."""

from __future__ import annotations

import hashlib
import re
import resource
import statistics
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from desktop_rag.core.embedder import Embedder


class HashingEmbedder(Embedder):
    """Hashed bag of words: stands in for a model where only bookkeeping is measured."""

    name = "hashing (benchmark stand-in)"
    model_id = "bench:hashing:v1"

    @property
    def dim(self) -> int:
        return 64

    @property
    def max_tokens(self) -> int:
        return 256

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return [len(re.findall(r"\w+|[^\w\s]", t)) + 2 for t in texts]

    def _vector(self, text: str) -> np.ndarray:
        v = np.zeros(64, dtype=np.float32)
        for word in re.findall(r"\w+", text.lower()):
            v[int(hashlib.md5(word.encode()).hexdigest()[:8], 16) % 64] += 1.0
        return v / (np.linalg.norm(v) or 1.0)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return np.vstack([self._vector(t) for t in texts]) if texts else np.zeros((0, 64), np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self._vector(text)


def percentile(values: Sequence[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def summary_ms(values: Sequence[float]) -> str:
    ms = [v * 1000 for v in values]
    return f"p50 {percentile(ms, 50):6.1f} ms  p95 {percentile(ms, 95):6.1f} ms  mean {statistics.mean(ms):6.1f} ms"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def disk_bytes(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())
