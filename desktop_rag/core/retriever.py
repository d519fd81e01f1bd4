"""Hybrid retrieval: query embedding -> HNSW, FTS5 BM25 keyword search -> fusion -> hits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from . import fusion
from .embedder import Embedder
from .keyword_text import PRUNE_MIN_CHUNKS, fts_match_expression, prune_common_terms, query_terms
from .store import HEADING_SEP, Store, chunk_filter
from .types import Hit
from .vector_index import VectorIndex


@dataclass(frozen=True)
class SearchOptions:
    k: int = 8
    collections: tuple[str, ...] = ()
    folders: tuple[str, ...] = ()
    mode: str = "hybrid"  # hybrid | keyword | dense
    candidates: int = 50  # per retriever, before fusion


class Retriever:
    """Finds the passages that best answer a question."""

    def __init__(
        self, store: Store, embedder: Embedder, vectors: VectorIndex | None, dense_weight: float = fusion.DEFAULT_DENSE_WEIGHT
    ):
        self.store = store
        self.embedder = embedder
        self.vectors = vectors  # None while a re-embed is pending: keyword search only
        self.dense_weight = dense_weight

    def search(self, query: str, options: SearchOptions = SearchOptions()) -> list[Hit]:
        keyword, dense = self.candidates(query, options)
        if options.mode == "keyword":
            fused = keyword
        elif options.mode == "dense":
            fused = dense
        else:
            weight = self.dense_weight * self.embedder.language_coverage(query) if dense else 0.0
            fused = fusion.fuse(keyword, dense, weight)
        best = sorted(fused, key=fused.__getitem__, reverse=True)[: options.k]
        return self._hits(best, fused, keyword, dense)

    def candidates(self, query: str, options: SearchOptions) -> tuple[dict[int, float], dict[int, float]]:
        """Keyword (BM25) and dense (cosine) candidate scores, by chunk id."""
        query = query.strip()
        if not query:
            return {}, {}
        pool = max(options.candidates, options.k * 4)
        allowed: set[int] | None = None
        filter_sql, params = "", []
        if options.collections or options.folders:
            filter_sql, params = chunk_filter(options.collections, options.folders)
            allowed = self.store.chunk_ids_matching(options.collections, options.folders)
            if not allowed:
                return {}, {}

        keyword: dict[int, float] = {}
        match = self._match_expression(query) if options.mode in ("hybrid", "keyword") else None
        if match:
            keyword = dict(self.store.keyword_search(match, pool, filter_sql, params))

        dense: dict[int, float] = {}
        if options.mode in ("hybrid", "dense") and self.vectors is not None and len(self.vectors):
            q = self.embedder.embed_query(query)
            dense = dict(self.vectors.search(q, pool, allowed.__contains__ if allowed is not None else None))
            if options.mode == "hybrid":
                # Exact cosines for keyword candidates the ANN search did not return (cheap: vectors
                # are in memory). The other way round would cost a second full-text query.
                dense.update(self._exact_dense(q, [i for i in keyword if i not in dense]))
        return keyword, dense

    def _match_expression(self, query: str) -> str | None:
        terms = query_terms(query)
        if len(terms) > 3:
            total = self.store.chunk_count()
            if total > PRUNE_MIN_CHUNKS:  # smaller libraries are fast as they are: skip the lookups
                terms = prune_common_terms(terms, self.store.term_document_counts(terms), total)
        return fts_match_expression(query, terms)

    def _exact_dense(self, q: np.ndarray, ids: list[int]) -> dict[int, float]:
        """Cosine for keyword candidates the ANN search did not return, so fusion sees both scores."""
        if not ids or self.vectors is None:
            return {}
        present, vectors = self.vectors.get(ids)
        if not present:
            return {}
        return dict(zip(present, (vectors @ q).tolist(), strict=True))

    def _hits(self, ids: Sequence[int], fused, keyword, dense) -> list[Hit]:
        rows = self.store.chunk_rows(ids)
        hits = []
        for cid in ids:
            row = rows.get(cid)
            if row is None:
                continue  # deleted between the search and now
            path, page, text, start, end, heading, collection = row
            hits.append(
                Hit(
                    chunk_id=cid, path=path, page=page, text=text, char_start=start, char_end=end,
                    heading_path=tuple(heading.split(HEADING_SEP)) if heading else (), collection=collection,
                    score=float(fused[cid]), dense_score=dense.get(cid), keyword_score=keyword.get(cid),
                )
            )
        return hits
