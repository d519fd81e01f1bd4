"""Re-embedding a library with another embedding model, resumably.

Vectors are stored per (text hash, model id): a run commits them slice by slice, so a cancelled or
killed run resumes where it stopped, and searches keep using the old model's vectors (or keywords)
until the switch at the very end.
"""

from __future__ import annotations

import logging
import threading
import time

from ..models.embedder import Embedder
from ..types import Progress
from .indexer import ProgressCallback
from .store import Store

log = logging.getLogger(__name__)

#: Passages embedded and committed per slice.
SLICE = 256


def reembed_library(store: Store, embedder: Embedder, progress: ProgressCallback | None,
                    cancel: threading.Event) -> tuple[int, bool]:
    """Embed every passage the configured model has no vector for, then make it the library's model.

    Returns (passages embedded, switched): ``switched`` is False when ``cancel`` stopped the run
    before the switch (the library keeps its old model until a later run finishes).
    """
    model_id = embedder.model_id
    items = list(store.unique_chunk_texts())
    have = store.known_hashes((h for h, _ in items), model_id)
    todo = [(h, t) for h, t in items if h not in have]
    todo.sort(key=lambda item: len(item[1]))  # similar lengths together: less padding
    state = Progress(phase="re-embedding", files_total=len(todo))
    started = time.perf_counter()
    for start in range(0, len(todo), SLICE):
        if cancel.is_set():
            state.phase = "cancelled"
            if progress:
                progress(state)
            return start, False
        part = todo[start : start + SLICE]
        vectors = embedder.embed_passages([t for _, t in part])
        store.put_embeddings(dict(zip((h for h, _ in part), vectors, strict=True)), model_id)
        state.files_done = state.chunks_done = start + len(part)
        elapsed = time.perf_counter() - started
        state.chunks_per_s = state.chunks_done / elapsed if elapsed > 0 else 0.0
        state.eta_s = (len(todo) - state.chunks_done) / state.chunks_per_s if state.chunks_per_s else None
        if progress:
            progress(Progress(**state.__dict__))
    store.set_meta("embedding_model", model_id)
    store.drop_embeddings_except(model_id)
    log.info("re-embedded %d passages with %s", len(todo), model_id)
    return len(todo), True
