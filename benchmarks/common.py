"""Helpers shared by the benchmarks."""

from __future__ import annotations

import hashlib
import re
import resource
import statistics
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from desktop_rag.core.models.embedder import Embedder


class HashingEmbedder(Embedder):
    """Hashed bag of words: fast, deterministic, similar texts get similar vectors.

    Stands in for a model where only bookkeeping is measured (benchmarks) or tested.
    """

    name = "hashing (stand-in)"

    def __init__(self, model_id: str = "bench:hashing:v1", dim: int = 64, max_tokens: int = 256):
        self.model_id = model_id
        self._dim = dim
        self._max = max_tokens

    @property
    def dim(self) -> int:
        return self._dim

    @property
    def max_tokens(self) -> int:
        return self._max

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return [len(re.findall(r"\w+|[^\w\s]", t)) + 2 for t in texts]

    def _vector(self, text: str) -> np.ndarray:
        v = np.zeros(self._dim, dtype=np.float32)
        for word in re.findall(r"\w+", text.lower()):
            v[int(hashlib.md5(word.encode()).hexdigest()[:8], 16) % self._dim] += 1.0
        norm = np.linalg.norm(v)
        return v / norm if norm else v + 1.0 / np.sqrt(self._dim)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return np.vstack([self._vector(t) for t in texts]) if texts else np.zeros((0, self._dim), np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self._vector(text)


def percentile(values: Sequence[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def summary_ms(values: Sequence[float]) -> str:
    ms = [v * 1000 for v in values]
    return f"p50 {percentile(ms, 50):6.1f} ms  p95 {percentile(ms, 95):6.1f} ms  mean {statistics.mean(ms):6.1f} ms"


def peak_rss_mb() -> float:
    """This process's peak resident memory. On Linux from VmHWM: ``ru_maxrss`` survives exec, so a
    process started from a big one (pytest with models loaded) would report its parent's size."""
    peak = _proc_status_mb("VmHWM")
    return peak if peak is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_mb() -> float:
    """This process's resident memory now (Linux; 0 elsewhere)."""
    return _proc_status_mb("VmRSS") or 0.0


def reader_peak_mb() -> float:
    """Peak RSS of the (still running, shared) reader process that parses documents; Linux /proc, else 0.

    The reader stops ``isolation.IDLE_S`` after reading its last file, which can come before the run
    ends (embedding lags behind reading): a benchmark raises ``IDLE_S`` before indexing to keep it."""
    from desktop_rag.core.ingest import isolation

    process = getattr(isolation._Shared.loader, "_process", None)
    return (_proc_status_mb("VmHWM", process.pid) or 0.0) if process is not None else 0.0


def _proc_status_mb(field: str, pid: int | str = "self") -> float | None:
    """A memory field of /proc/<pid>/status in MB; None where there is no /proc (or no such process)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return None


def disk_bytes(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())
