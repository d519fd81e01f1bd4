"""Hybrid retrieval: query embedding -> HNSW, BM25 keyword search -> fusion -> hits.

A second pass (``feedback``) refines the question with the first pass's best passages
and searches again; see ``feedback.py`` for what it gains and costs.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..index.keyword_index import KeywordIndex
from ..index.keyword_text import query_terms
from ..index.store import HEADING_SEP, Store
from ..index.vector_index import VectorIndex
from ..models.embedder import Embedder
from ..types import Hit
from . import feedback, fusion

WIDE_KEYWORD_POOL = 4
# The feedback pass's vector search is narrower than the first (ef 400, recall@10 0.971 at 100k):
# ef 128 (0.924) costs half the time, and left Cranfield and KorQuAD nDCG@10 unchanged (±0.0001).
FEEDBACK_EF = 128


@dataclass(frozen=True)
class SearchOptions:
    k: int = 8
    collections: tuple[str, ...] = ()
    folders: tuple[str, ...] = ()
    mode: str = "hybrid"  # hybrid | keyword | dense
    candidates: int = 50  # per retriever, before fusion
    feedback: bool = True  # hybrid only: a second pass refined by the first one's best passages


@dataclass(frozen=True)
class _Scope:
    """Which chunks a search may return: all of them, or those of some collections/folders."""

    allowed: set[int] | None = None


@dataclass(frozen=True)
class _FirstPass:
    terms: list[str]  # the question's search terms
    scope: _Scope
    keyword: dict[int, float]  # BM25 of the best ``pool`` matches
    dense: dict[int, float]  # cosine of ANN neighbours and of the keyword candidates
    query_vector: np.ndarray | None
    keyword_wide: dict[int, float]  # BM25 of more matches, for the feedback pass


class Retriever:
    """Finds the passages that best answer a question."""

    def __init__(
        self,
        store: Store,
        embedder: Embedder,
        vectors: VectorIndex | None,
        keywords: KeywordIndex,
        dense_weight: float = fusion.DEFAULT_DENSE_WEIGHT,
    ):
        self.store = store
        self.embedder = embedder
        self.vectors = vectors  # None while a re-embed is pending: keyword search only
        self.keywords = keywords  # kept in step with the store by its owner (RagEngine.keywords)
        self._fetched: dict[int, np.ndarray] = {}  # vectors read from the index (a Retriever serves one search)
        self.dense_weight = dense_weight

    def search(self, query: str, options: SearchOptions = SearchOptions()) -> list[Hit]:
        fused, keyword, dense, q = self._rank(query, options)
        best = sorted(fused, key=fused.__getitem__, reverse=True)[: options.k]
        if q is not None:
            # Hits report the question's own cosine (the relevance gate reads it), not the refined query's.
            dense = {**dense, **self._exact_dense(q, [i for i in best if i not in dense])}
        return self._hits(best, fused, keyword, dense)

    def rank(self, query: str, options: SearchOptions = SearchOptions()) -> dict[int, float]:
        """Every candidate's final score, by chunk id (what ``search`` sorts; benchmarks read it)."""
        return self._rank(query, options)[0]

    def _rank(
        self, query: str, options: SearchOptions
    ) -> tuple[dict[int, float], dict[int, float], dict[int, float], np.ndarray | None]:
        query = query.strip()
        first = self._first_pass(query, options)
        if first is None:
            return {}, {}, {}, None
        keyword, dense, q = first.keyword, first.dense, first.query_vector
        if options.mode == "keyword":
            return keyword, keyword, dense, q
        if options.mode == "dense":
            return dense, keyword, dense, q
        weight = self.dense_weight * self.embedder.language_coverage(query) if dense else 0.0
        fused = fusion.fuse(keyword, dense, weight)
        # Feedback needs both retrievers: on keyword search alone (a model that cannot read the
        # question) it cost KorQuAD recall@5 0.983 -> 0.975 on the test slice.
        if options.feedback and fused and weight > 0:
            fused = fusion.fuse(*self._feedback_pass(first, fused, options), weight)
        return fused, keyword, dense, q

    def candidates(self, query: str, options: SearchOptions) -> tuple[dict[int, float], dict[int, float]]:
        """First-pass keyword (BM25) and dense (cosine) candidate scores, by chunk id."""
        first = self._first_pass(query.strip(), options)
        return (first.keyword, first.dense) if first else ({}, {})

    def _scope(self, options: SearchOptions) -> _Scope | None:
        """The chunks the options allow; None when a filter matches nothing."""
        if not (options.collections or options.folders):
            return _Scope()
        allowed = self.store.chunk_ids_matching(options.collections, options.folders)
        return _Scope(allowed) if allowed else None

    def _first_pass(self, query: str, options: SearchOptions) -> _FirstPass | None:
        """Keyword and dense candidates of the question; None when there is nothing to search."""
        scope = self._scope(options)
        if not query or scope is None:
            return None
        terms = query_terms(query) if options.mode in ("hybrid", "keyword") else []
        pool = max(options.candidates, options.k * 4)
        # A longer keyword list costs nothing (every match is scored anyway); the feedback
        # pass adds expansion scores to it, the first fusion sees the usual pool.
        keyword_wide = self._keyword(terms, pool * WIDE_KEYWORD_POOL, scope)
        keyword = dict(itertools.islice(keyword_wide.items(), pool))
        dense: dict[int, float] = {}
        q = None
        if options.mode in ("hybrid", "dense") and self.vectors is not None and len(self.vectors):
            q = self.embedder.embed_query(query)
            dense = self._dense(q, pool, scope, keyword if options.mode == "hybrid" else {})
        return _FirstPass(terms, scope, keyword, dense, q, keyword_wide)

    def _feedback_pass(
        self, first: _FirstPass, fused: dict[int, float], options: SearchOptions
    ) -> tuple[dict[int, float], dict[int, float]]:
        """Keyword and dense candidates for the query refined by the first pass's best passages."""
        pool = max(options.candidates, options.k * 4)
        weights = feedback.feedback_weights(fused)
        texts = {cid: row[2] for cid, row in self.store.chunk_rows(list(weights)).items()}
        counts = feedback.candidate_terms(texts, exclude=set(first.terms))
        vocabulary = feedback.frequent_terms(counts, weights)
        expansion = feedback.expansion_terms(
            counts, weights, self.keywords.document_counts(self.store, vocabulary), len(self.keywords)
        )
        expansion_scores = self._keyword(expansion, pool * WIDE_KEYWORD_POOL, first.scope)
        expanded = feedback.expanded_scores(first.keyword_wide, expansion_scores)
        keyword = dict(sorted(expanded.items(), key=lambda kv: kv[1], reverse=True)[:pool])
        dense: dict[int, float] = {}
        if first.query_vector is not None and self.vectors is not None:
            moved = feedback.rocchio(first.query_vector, self._vectors(list(weights)), weights)
            dense = self._dense(moved, pool, first.scope, keyword, ef=FEEDBACK_EF)
        return keyword, dense

    def _keyword(self, terms: list[str], pool: int, scope: _Scope) -> dict[int, float]:
        return dict(self.keywords.search(self.store, terms, pool, scope.allowed))

    def _dense(
        self, q: np.ndarray, pool: int, scope: _Scope, keyword: dict[int, float], ef: int | None = None
    ) -> dict[int, float]:
        """ANN neighbours of ``q``, plus exact cosines for keyword candidates the ANN search did not return.

        Fusion then sees both scores for every candidate. (Giving dense candidates their
        BM25 from the wider keyword list the other way round was measured: no gain.)
        """
        assert self.vectors is not None
        allowed = scope.allowed
        dense = dict(self.vectors.search(q, pool, allowed.__contains__ if allowed is not None else None, ef))
        dense.update(self._exact_dense(q, [i for i in keyword if i not in dense]))
        return dense

    def _exact_dense(self, q: np.ndarray, ids: list[int]) -> dict[int, float]:
        """Cosine for keyword candidates the ANN search did not return, so fusion sees both scores."""
        vectors = self._vectors(ids)
        if not vectors:
            return {}
        return dict(zip(vectors, (np.vstack(list(vectors.values())) @ q).tolist(), strict=True))

    def _vectors(self, ids: list[int]) -> dict[int, np.ndarray]:
        """The stored vectors of ``ids`` (those still in the index), in the order asked."""
        if not ids or self.vectors is None:
            return {}
        # Both passes, the feedback centroid and the hits ask for many of the same vectors; hnswlib
        # hands them out one at a time (~20 us each at 100k), so each is fetched once per search.
        missing = [i for i in ids if i not in self._fetched]
        if missing:
            present, vectors = self.vectors.get(missing)
            self._fetched.update(zip(present, vectors, strict=True))
        return {i: self._fetched[i] for i in ids if i in self._fetched}

    def _hits(self, ids: Sequence[int], fused, keyword, dense) -> list[Hit]:
        rows = self.store.chunk_rows(ids)
        hits = []
        for cid in ids:
            row = rows.get(cid)
            if row is None:
                continue  # deleted between the search and now
            path, page, text, start, end, heading, collection, part, page_unit, recognised = row
            hits.append(
                Hit(
                    chunk_id=cid, path=path, page=page, text=text, char_start=start, char_end=end,
                    heading_path=tuple(heading.split(HEADING_SEP)) if heading else (), collection=collection,
                    score=float(fused[cid]), dense_score=dense.get(cid), keyword_score=keyword.get(cid),
                    part=part, page_unit=page_unit, recognised=recognised,
                )
            )
        return hits
