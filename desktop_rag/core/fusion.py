"""Combining keyword (BM25) and dense (cosine) rankings into one.

Pure functions over {chunk id: score} maps, so they can be measured in isolation
(benchmarks/retrieval_quality.py). The choice is explained in ``fuse``.
"""

from __future__ import annotations

import math

Scores = dict[int, float]


def rrf(keyword: Scores, dense: Scores, k: int = 60) -> Scores:
    """Reciprocal rank fusion (Cormack et al. 2009), for comparison."""
    fused: Scores = {}
    for ranking in (keyword, dense):
        for rank, cid in enumerate(sorted(ranking, key=ranking.__getitem__, reverse=True)):
            fused[cid] = fused.get(cid, 0.0) + 1.0 / (k + rank + 1)
    return fused


def _zscores(scores: Scores, ids: list[int], floor: float) -> dict[int, float]:
    values = [scores.get(i, floor) for i in ids]
    mean = sum(values) / len(values)
    std = math.sqrt(sum((v - mean) ** 2 for v in values) / len(values)) or 1.0
    return {i: (v - mean) / std for i, v in zip(ids, values, strict=True)}


def fuse(keyword: Scores, dense: Scores, dense_weight: float = 0.5) -> Scores:
    """Weighted sum of per-query standardised scores, each retriever weighted by its confidence.

    Plain RRF gives a weak retriever (an English embedding model on Korean text, or
    BM25 on a paraphrased question) the same say as a strong one, and drags the
    ranking below the better input. Here each retriever's scores are z-normalised over
    the union of candidates, and weighted by how clearly its best candidate stands out
    from its own runners-up (top-1 z-score among its own candidates): a retriever that
    cannot tell its candidates apart barely moves the ranking.
    """
    ids = list(keyword.keys() | dense.keys())
    if not ids:
        return {}
    if not dense:
        return dict(keyword)
    if not keyword:
        return dict(dense)
    kw_floor = min(keyword.values())
    dn_floor = min(dense.values())
    kz = _zscores(keyword, ids, kw_floor)
    dz = _zscores(dense, ids, dn_floor)
    kw_conf = _confidence(keyword)
    dn_conf = _confidence(dense)
    wk = (1.0 - dense_weight) * kw_conf
    wd = dense_weight * dn_conf
    total = wk + wd or 1.0
    wk, wd = wk / total, wd / total
    return {i: wk * kz[i] + wd * dz[i] for i in ids}


def _confidence(scores: Scores, top: int = 10) -> float:
    """How far the best score stands above the next ones, in their standard deviations."""
    values = sorted(scores.values(), reverse=True)[: max(top, 2)]
    if len(values) < 2:
        return 1.0
    rest = values[1:]
    mean = sum(rest) / len(rest)
    std = math.sqrt(sum((v - mean) ** 2 for v in rest) / len(rest))
    spread = std if std > 1e-9 else (abs(mean) * 0.01 or 1e-3)
    return max((values[0] - mean) / spread, 0.0) + 0.1
