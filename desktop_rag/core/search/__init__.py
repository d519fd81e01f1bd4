"""Search: a question to ranked passages.

Owns the retriever (query embedding → HNSW and BM25 → fusion → exact rescoring), score fusion and
the pseudo-relevance feedback pass.

May import: the core's top-level modules, ``index`` (store, vector and keyword indexes, analyser)
and ``models`` (the embedder). Knows nothing of ingest, answering, the engine or any UI.
"""
