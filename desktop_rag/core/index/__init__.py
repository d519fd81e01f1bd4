"""The library: building it from files and keeping it.

Owns the SQLite store (schema, folders, documents, passages, embeddings: the source of truth), the
hnswlib vector index and the in-memory BM25 keyword index (both rebuildable caches of the store),
the text analyser shared by FTS5 and BM25 (keyword_text), and the indexer that runs
scan → load → chunk → embed → store.

May import: the core's top-level modules, ``ingest`` (files to chunks) and ``models`` (the
embedder). Knows nothing of search, answering, the engine or any UI.
"""
