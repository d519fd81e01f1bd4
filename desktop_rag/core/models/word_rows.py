"""The e5 word-embedding matrix, read row by row from its safetensors file.

The matrix holds 250k rows (384 MB as float32), and a batch needs a few thousand of them. Mapping the
file and indexing it made the kernel fault in 64 KB around every row touched: a few thousand distinct tokens
brought ~250 MB into the process's resident memory for the length of a batch, and the pages stayed
until released. Reading the rows with positioned reads puts only the rows themselves in memory; the
file stays in the page cache, shared and reclaimable. About 1,500 reads a batch take ~2 ms, next to
the encoder's ~500 ms.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import numpy as np

from .e5_onnx import SAFETENSORS_DTYPES, safetensors_layout


class WordRows:
    """Rows of one 2-D float32/float16 tensor of a safetensors file, read on demand."""

    def __init__(self, path: Path, name: str):
        self.path = Path(path)
        header, data_start = safetensors_layout(self.path)
        info = header[name]
        if len(info["shape"]) != 2:
            raise RuntimeError(f"{path}: tensor {name} has shape {info['shape']}, expected a matrix")
        self.dtype = np.dtype(SAFETENSORS_DTYPES[info["dtype"]])
        self.shape = (int(info["shape"][0]), int(info["shape"][1]))
        self.row_bytes = self.shape[1] * self.dtype.itemsize
        self._start = data_start + int(info["data_offsets"][0])
        self._file = open(self.path, "rb")  # noqa: SIM115 - held for the embedder's lifetime
        # Positioned reads where the platform has them; seek + read under a lock elsewhere (Windows).
        self._read_into = self._pread_into if hasattr(os, "preadv") else self._seek_read_into
        self._lock = threading.Lock()

    def take(self, ids: np.ndarray) -> np.ndarray:
        """float32 rows for ``ids`` (any shape): the result has shape ``ids.shape + (columns,)``."""
        ids = np.asarray(ids)
        unique, inverse = np.unique(ids, return_inverse=True)
        if len(unique) and not 0 <= int(unique[0]) <= int(unique[-1]) < self.shape[0]:
            raise IndexError(f"token id out of range 0..{self.shape[0] - 1}")
        buffer = bytearray(len(unique) * self.row_bytes)
        view = memoryview(buffer)
        size = self.row_bytes
        for n, token in enumerate(unique.tolist()):
            self._read_into(view[n * size : (n + 1) * size], self._start + token * size)
        rows = np.frombuffer(buffer, dtype=self.dtype).reshape(len(unique), self.shape[1])
        return rows.astype(np.float32, copy=False)[inverse.reshape(ids.shape)]

    def _pread_into(self, target: memoryview, offset: int) -> None:
        self._check(os.preadv(self._file.fileno(), [target], offset), target)

    def _seek_read_into(self, target: memoryview, offset: int) -> None:
        with self._lock:
            self._file.seek(offset)
            self._check(self._file.readinto(target), target)

    def _check(self, got: int | None, target: memoryview) -> None:
        if got != len(target):
            raise OSError(f"{self.path}: file ended inside the word matrix")


__all__ = ["WordRows"]
