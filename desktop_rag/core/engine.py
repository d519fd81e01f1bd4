"""The facade the window and the CLI talk to: one object wiring storage, embedding,
the vector index, indexing, retrieval and folder watching.

Build one in ``main()`` and pass it in; it is not a global. Indexing runs under a
single-writer lock (one indexing pass at a time, watcher included); searches may run
from any thread.

Besides :class:`RagEngine` this module is the rest of the public API of the core's stages: the
result types the engine hands out (answers, chat sessions, the loaded model) and the read-only
helpers a window shows before or beside an engine (GGUF inspection, model discovery, a document's
extracted text, chat export). The window and the CLI import from here and from the top-level
modules (types, errors, paths, config, logs, privacy), never from a stage's sub-package
(tests/core/test_architecture.py).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from .answer.answering import AnswerOptions, AnswerResult, ChatSession
from .answer.conversations import ConversationStore
from .answer.export import conversation_markdown
from .answer.support import SupportChecker, checker_for
from .config import Settings
from .crypto import LibraryKey, WrongPassphrase, check_passphrase, keyring_available
from .encryption import (
    LibraryLocked,
    is_encrypted,
    open_key,
    rekey_engine,
    remember_key,
    remembered_key,
    unlock,
)
from .errors import ReembedRequired, UserError
from .index.indexer import Indexer, ProgressCallback
from .index.keyword_index import KeywordIndex
from .index.ocr_plan import OcrControls, available_ocr_languages, import_ocr_model
from .index.reembed import reembed_library
from .index.store import Store
from .index.vector_index import INDEX_FILE, META_FILE, SEALED_FILE, VectorIndex
from .index.watching import WatchedFolders
from .ingest.loaders import LoadError, load_document
from .ingest.loaders.text import decode_text
from .models.discovery import (
    ADDED_FOLDER,
    DEVELOPMENT_PACKAGE,
    GPT4ALL,
    HF_CACHE,
    LM_STUDIO,
    MAX_SCAN_DEPTH,
    MODELS_FOLDER,
    OLLAMA,
    ModelEntry,
    discover_models,
    resolve_model,
    resolve_model_file,
)
from .models.embedder import Embedder, create_embedder, model_name
from .models.gguf import SPLIT_RE, GGUFError, GGUFInfo, format_size, read_gguf_info
from .models.llm import GenerationOptions, LocalModel, ModelOptions
from .paths import AppPaths
from .search.retriever import Retriever, SearchOptions
from .types import Hit, IndexReport, Progress

# The public API: RagEngine and what the window and the CLI use beside it (module docstring).
__all__ = [
    "ADDED_FOLDER", "DEFAULT_COLLECTION", "DEVELOPMENT_PACKAGE", "GPT4ALL", "HF_CACHE", "LM_STUDIO",
    "MAX_SCAN_DEPTH", "MODELS_FOLDER", "OLLAMA", "SPLIT_RE", "AnswerResult", "ChatSession", "GGUFError",
    "GGUFInfo", "LibraryKey", "LibraryLocked", "LoadError", "LocalModel", "ModelEntry", "RagEngine", "WrongPassphrase",
    "available_ocr_languages", "check_passphrase", "conversation_markdown", "decode_text", "discover_models",
    "format_size", "import_ocr_model", "is_encrypted", "keyring_available", "load_document", "read_gguf_info",
    "remember_key", "remembered_key", "resolve_model", "unlock",
]

log = logging.getLogger(__name__)

DEFAULT_COLLECTION = "default"


class RagEngine(OcrControls):
    """Everything the app does with documents, behind one object."""

    def __init__(
        self,
        paths: AppPaths,
        settings: Settings | None = None,
        embedder: Embedder | None = None,
        key: LibraryKey | None = None,
    ):
        """``key``: an encrypted library's (from ``unlock``); without it such a library raises LibraryLocked."""
        self.paths = paths.ensure()
        self.settings = (settings or Settings.load(paths.settings_file)).validate()
        self.key = open_key(paths, key)
        self.store = Store(paths.database, self.key)
        self.conversations = ConversationStore(self.store)  # saved chats
        self.embedder = embedder or create_embedder(
            self.settings.embedding_model, self.paths.models_dir, self.settings.embed_batch_size
        )
        self._writer = threading.Lock()
        self._vectors_lock = threading.Lock()
        self._vectors: VectorIndex | None = None
        self._keywords_lock = threading.Lock()
        self._keywords: KeywordIndex | None = None
        self._watching = WatchedFolders(self.store, self._reindex_changed)
        self._model: LocalModel | None = None
        self._model_key: tuple | None = None
        #: Called with each IndexReport of a watcher-triggered re-index (from the watcher's thread).
        self.on_background_report: Callable[[IndexReport], None] | None = None

    # -- embedding model -----------------------------------------------------------------------
    @property
    def stored_model_id(self) -> str | None:
        return self.store.get_meta("embedding_model")

    def warm_up(self) -> None:
        """Load the embedding model's tokenizer now (see ``Embedder.warm_up``); failures wait for real use."""
        try:
            self.embedder.warm_up()
        except Exception:  # noqa: BLE001 - the first real use reports it to the user
            log.warning("embedding model warm-up failed", exc_info=True)

    @property
    def reembed_needed(self) -> bool:
        """True when the stored vectors come from another model than the configured one."""
        stored = self.stored_model_id
        return stored is not None and stored != self.embedder.model_id and self.store.chunk_count() > 0

    @property
    def upgrade_pending(self) -> bool:
        """True when the stored vectors come from an earlier build of the configured model (e.g. e5 on torch
        before the int8 ONNX default): the next indexing run re-embeds the library once, by itself."""
        stored = self.stored_model_id
        return self.reembed_needed and stored is not None and model_name(stored) == model_name(self.embedder.model_id)

    def _reembed_error(self) -> ReembedRequired:
        return ReembedRequired(
            f"the library was indexed with embedding model {self.stored_model_id!r}, but {self.embedder.model_id!r} "
            "is configured; run 're-embed' (CLI: desktop-rag reembed) before indexing more"
        )

    @property
    def vectors(self) -> VectorIndex:
        """The vector index, loaded (or rebuilt) and reconciled with SQLite on first use."""
        with self._vectors_lock:
            if self._vectors is None:
                if self.reembed_needed:
                    raise self._reembed_error()
                model_id = self.embedder.model_id
                library_id = self.store.library_id
                index = VectorIndex.load(self.paths.vectors_dir, None, model_id, library_id, self.key)
                if index is None:
                    index = VectorIndex(self.embedder.dim, model_id, library_id=library_id)
                index.key = self.key
                added, removed = index.reconcile(
                    self.store.chunk_ids_with_vectors(model_id),
                    lambda ids: self.store.vectors_for_chunks(ids, model_id),
                )
                if added or removed:
                    log.info("vector index caught up with the library: %d added, %d removed", added, removed)
                    index.save(self.paths.vectors_dir)
                self._vectors = index
            return self._vectors

    @property
    def keywords(self) -> KeywordIndex:
        """The BM25 keyword index: loaded (or rebuilt) on first use, caught up with SQLite on every use."""
        index = self._keyword_index()
        added, removed = index.sync(self.store)
        if added or removed:
            log.info("keyword index caught up with the library: %d added, %d removed", added, removed)
        return index

    def _keyword_index(self) -> KeywordIndex:
        """The keyword index as loaded (or empty, to be rebuilt), not caught up."""
        with self._keywords_lock:
            if self._keywords is None:
                library_id = self.store.library_id
                self._keywords = KeywordIndex.load(self.paths.vectors_dir, library_id, key=self.key) or KeywordIndex(library_id)
                self._keywords.key = self.key
            return self._keywords

    def _save_keywords(self, load: bool = False) -> None:
        """Catch the keyword index up and write it when it changed. ``load``: also when not in use yet (after
        indexing, so the first search finds it ready; after forgetting, so forgotten words are rewritten)."""
        if self._keywords is None and not load:
            return
        index = self.keywords
        if index.dirty:
            index.save(self.paths.vectors_dir)

    # -- indexing --------------------------------------------------------------------------------
    def index_folder(
        self,
        folder: str | Path,
        collection: str = DEFAULT_COLLECTION,
        progress: ProgressCallback | None = None,
        cancel: threading.Event | None = None,
    ) -> IndexReport:
        """Index (or incrementally re-index) a folder into a collection."""
        folder = Path(folder).expanduser()
        if not folder.exists():
            raise UserError(f"folder not found: {folder}")
        if not folder.is_dir():
            raise UserError(f"not a folder: {folder}")
        if not collection.strip():
            raise UserError("collection name must not be empty")
        with self._writer:
            started, upgraded = time.perf_counter(), 0
            if self.upgrade_pending:
                # A new build of the same model (the default's faster backend): re-embed once, here.
                upgraded = self._reembed(progress, cancel or threading.Event())
                if self.reembed_needed:  # cancelled: the library keeps its old vectors
                    return IndexReport(folder=str(folder), collection=collection.strip(), cancelled=True)
            if self.reembed_needed:
                raise self._reembed_error()
            vectors = self.vectors
            if self.stored_model_id is None:
                self.store.set_meta("embedding_model", self.embedder.model_id)
            indexer = Indexer(
                self.store, self.embedder, vectors, self.settings, self.paths.vectors_dir, self.ocr_dirs(),
                after_commit=lambda: self._keyword_index().sync(self.store),  # keywords follow each group
            )  # fmt: skip
            report = indexer.run(folder, collection.strip(), progress, cancel)
            if upgraded:  # the report covers the whole run, the upgrade included
                report.chunks_reembedded, report.seconds = upgraded, time.perf_counter() - started
            self._save_keywords(load=True)
            return report

    def remove_folder(self, folder: str | Path) -> int:
        """Forget an indexed folder (files on disk are untouched); returns chunks removed."""
        target = str(Path(folder).expanduser().resolve())
        matches = [f for f in self.store.folders() if f.path == target]
        if not matches:
            raise UserError(f"folder is not in the library: {target}")
        removed = 0
        with self._writer:
            for f in matches:
                ids = self.store.remove_folder(f.id)
                removed += len(ids)
                if self._vectors is not None:
                    self._vectors.remove(ids)
            self.store.prune_embeddings()
            if self._vectors is not None:
                self._vectors.save(self.paths.vectors_dir)
            self._save_keywords()
        self._watching.unwatch(target)
        return removed

    def forget_collection(self, name: str) -> int:
        """Remove a collection and everything derived from its documents; returns chunks removed.

        Gone afterwards: its folders, documents, chunks, full-text rows, the embeddings no other
        collection's chunk shares, their vectors in the hnswlib cache, the chats that searched only
        it, and the passages other chats saved from it. The database is then merged and vacuumed
        so none of that text is left anywhere in the data folder. Files on disk are untouched.
        """
        name = name.strip()
        folders = {f.path for f in self.store.folders() if f.collection == name}
        with self._writer:
            removed = self.store.forget_collection(name)
            if removed is None:
                raise UserError(f"no collection named {name!r} (desktop-rag status lists them)")
            self.conversations.forget_collection(name)
            if not self.store.scrub():
                log.warning("another reader kept the database's write-ahead log from being emptied")
            self._rewrite_vector_cache()
            self._save_keywords(load=True)
        for path in folders - {f.path for f in self.store.folders()}:
            self._watching.unwatch(path)
        log.info("forgot collection %r: %d chunks", name, len(removed))
        return len(removed)

    def _rewrite_vector_cache(self) -> None:
        """Rebuild the hnswlib file from SQLite: removing a vector only marks it deleted there,
        its numbers stay in the file until it is written afresh."""
        with self._vectors_lock:
            self._vectors = None
            for file in (INDEX_FILE, META_FILE, SEALED_FILE):
                for path in (self.paths.vectors_dir / file, self.paths.vectors_dir / f"{file}.tmp"):
                    path.unlink(missing_ok=True)
        if not self.reembed_needed:
            self.vectors.save(self.paths.vectors_dir)

    def reembed(self, progress: ProgressCallback | None = None, cancel: threading.Event | None = None) -> int:
        """Embed every chunk with the configured model, then switch to it. Returns vectors computed."""
        with self._writer:
            return self._reembed(progress, cancel or threading.Event())

    def _reembed(self, progress: ProgressCallback | None, cancel: threading.Event) -> int:
        """``reembed`` under the writer lock (index/reembed.py); the vector cache is rebuilt at the switch."""
        embedded, switched = reembed_library(self.store, self.embedder, progress, cancel)
        if not switched:
            return embedded
        with self._vectors_lock:
            self._vectors = None
        self.vectors.save(self.paths.vectors_dir)  # rebuilt from SQLite for the new model
        if progress:
            progress(Progress(phase="done", files_total=embedded, files_done=embedded))
        return embedded

    # -- search ----------------------------------------------------------------------------------
    def search(
        self,
        query: str,
        k: int | None = None,
        collections: Sequence[str] = (),
        folders: Sequence[str] = (),
        mode: str = "hybrid",
        feedback: bool = True,
    ) -> list[Hit]:
        """The best passages for ``query``; keyword-only while a re-embed is pending.

        ``feedback`` (hybrid only) refines the query with the first pass's best passages.
        """
        if mode not in ("hybrid", "keyword", "dense"):
            raise UserError(f"unknown search mode {mode!r}")
        vectors = None if self.reembed_needed else self.vectors
        if vectors is None and mode == "dense":
            raise self._reembed_error()
        options = SearchOptions(
            k=k or self.settings.search_top_k,
            collections=tuple(collections),
            folders=tuple(str(Path(f).expanduser().resolve()) for f in folders),
            mode=mode,
            feedback=feedback,
        )
        return Retriever(self.store, self.embedder, vectors, self.keywords).search(query, options)

    # -- answering -------------------------------------------------------------------------------
    def models(self) -> list[ModelEntry]:
        """GGUF models found on this computer (our folder, added folders, other local-LLM apps)."""
        return discover_models(self.paths.models_dir, [Path(f) for f in self.settings.model_folders])

    def resolve_model_path(self, spec: str | None = None) -> Path:
        """The GGUF file for a path or a name from ``models()``; default: the setting, else the first found."""
        return resolve_model_file(spec or self.settings.llm_model or "", self.paths.models_dir, self.models)

    def load_model(self, spec: str | None = None) -> LocalModel:
        """Load (or reuse the loaded) GGUF model; only one is kept in memory."""
        path = self.resolve_model_path(spec)
        options = ModelOptions(
            context_tokens=self.settings.llm_context_tokens,
            gpu_layers=self.settings.llm_gpu_layers,
            threads=self.settings.llm_threads,
        )
        key = (str(path), options)
        if self._model is not None and self._model_key == key:
            return self._model
        if self._model is not None:
            self._model.close()
            self._model = None
        self._model, self._model_key = LocalModel(path, options), key
        return self._model

    def chat(
        self, model: LocalModel | None = None, collections: Sequence[str] = (), folders: Sequence[str] = ()
    ) -> ChatSession:
        """A conversation over the library (optionally limited to collections/folders)."""
        model = model or self.load_model()
        settings = self.settings

        def search(query: str, k: int):
            return self.search(query, k, collections, folders)

        # The model's own recommended top-k/top-p/repeat penalty where its file names them; the
        # temperature stays the user's (0 by default: the same question gets the same answer).
        recommended = {k: v for k, v in model.info.sampling_defaults().items() if k in ("top_k", "top_p", "repeat_penalty")}
        options = AnswerOptions(
            sources=settings.answer_sources,
            generation=GenerationOptions(
                max_tokens=settings.max_answer_tokens,
                temperature=settings.temperature,
                stop=tuple(s for s in settings.stop_sequences if s),
                **recommended,
            ),
            dense_threshold=None if self.reembed_needed else self.embedder.on_topic_cosine,
            check_support=settings.check_support,
            thinking=settings.llm_thinking,
        )
        return ChatSession(
            model, self.store, search, options, dense_trusted=lambda q: self.embedder.language_coverage(q) >= 0.8,
            checker=self.support_checker(),
        )

    # -- encryption ------------------------------------------------------------------------------
    def set_passphrase(self, passphrase: str | None) -> None:
        """Encrypt the library under ``passphrase`` (again: re-key it under a new one; None: decrypt
        it), in place and crash-safe, without re-indexing (core/encryption.py). Close other windows first."""
        rekey_engine(self, passphrase)

    def find_document(self, name: str) -> str:
        """The indexed document a user means by ``name`` (its path or file name)."""
        resolved = str(Path(name).expanduser().resolve()) if os.sep in name else name
        found = self.store.documents_named(resolved) or self.store.documents_named(name)
        if not found:
            raise UserError(f"no indexed document is called {name!r}")
        if len(found) > 1:
            raise UserError(f"{len(found)} indexed documents are called {name!r}; give its whole path")
        return found[0]

    def support_checker(self) -> SupportChecker:
        """The per-sentence support check, with the embedder's meaning signal where it is calibrated."""
        return checker_for(None if self.reembed_needed else self.embedder)

    # -- status and watching -------------------------------------------------------------------
    def status(self) -> dict:
        info = self.store.status()
        info["data_dir"] = str(self.paths.root)
        info["encrypted"] = self.key is not None
        info["embedding_model"] = {
            "configured": self.embedder.model_id,
            "name": self.embedder.name,
            "stored": self.stored_model_id,
            "reembed_needed": self.reembed_needed,
            "upgrade_pending": self.upgrade_pending,
        }
        info["chunks"] = self.store.chunk_count()
        info["ocr"] = {"enabled": self.settings.ocr_enabled, "languages": self.settings.ocr_languages, "installed": self.ocr_languages()}
        return info

    def watch(self, folder: str | Path, collection: str = DEFAULT_COLLECTION) -> None:
        """Re-index ``folder`` incrementally whenever its files change (until ``close``)."""
        self._watching.watch(folder, collection)

    def resume_watching(self) -> list[str]:
        """Start watching every folder marked as watched (at app start)."""
        return self._watching.resume()

    def _reindex_changed(self, folder: Path, collection: str) -> None:
        report = self.index_folder(folder, collection)
        if self.on_background_report:
            self.on_background_report(report)

    def close(self) -> None:
        if self._model is not None:
            self._model.close()
            self._model = None
        self._watching.stop()
        with self._writer:
            if self._vectors is not None:
                self._vectors.save(self.paths.vectors_dir)
            if self._keywords is not None and self._keywords.dirty:  # as it is: the next start catches up
                self._keywords.save(self.paths.vectors_dir)
        self.store.close()
