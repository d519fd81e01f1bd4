"""Keeping answers honest: is anything retrieved relevant enough to answer from, which [n]
markers in an answer point to real sources, and did the model decline to answer."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..index.keyword_text import query_terms
from ..index.store import Store
from ..types import Hit
from .prompting import REFUSAL, Source

#: A passage holding this IDF-weighted share of the question's terms is on topic.
DEFAULT_COVERAGE_THRESHOLD = 0.5

# Words that frame a question about documents rather than name its topic ("which source says",
# "문서에서 설명하는"): a library rarely contains them, and they must not make a question look off-topic.
_FRAMING = frozenset(
    "source sources document documents doc docs file files page pages text passage passages say says said "
    "mention mentions mentioned according explain explains describe describes tell tells write writes written "
    "문서 자료 출처 설명 내용 언급 파일".split()
    # Korean question words and endings, as the bigrams the keyword index makes of them.
    + "무엇 엇인 엇을 엇이 어떻 떻게 어떤 어느 언제 누구 구인 얼마 마나 되나 인가 는가 나요 까요 니까 는지".split()
)


def topic_terms(question: str) -> list[str]:
    """The question's search terms minus framing words and bare numbers of one or two digits."""
    return [t for t in query_terms(question) if t not in _FRAMING and not (t.isdigit() and len(t) <= 2)]


@dataclass(frozen=True)
class Relevance:
    """How well the best retrieved passage matches the question."""

    coverage: float  # IDF-weighted share of the question's terms found in the best passage (0..1)
    dense: float | None  # best cosine similarity of a passage to the question
    relevant: bool

    def as_dict(self) -> dict:
        return {"coverage": round(self.coverage, 3), "dense": None if self.dense is None else round(self.dense, 3), "relevant": self.relevant}


def assess_relevance(
    store: Store,
    question: str,
    hits: Sequence[Hit],
    dense_threshold: float | None,
    coverage_threshold: float = DEFAULT_COVERAGE_THRESHOLD,
) -> Relevance:
    """Relevant when a passage shares most of the question's distinctive words, or when the
    embedding model (where it has a calibrated threshold) finds a passage close enough."""
    if not hits:
        return Relevance(0.0, None, False)
    terms = topic_terms(question) or query_terms(question)
    coverage = 0.0
    if terms:
        total = max(store.chunk_count(), 1)
        counts = store.term_document_counts(terms)
        # Rare words say more about the topic than common ones; words the library never uses count fully.
        idf = {t: math.log(1 + total / (1 + counts.get(t, 0))) for t in terms}
        found = store.terms_in_chunks(terms, [h.chunk_id for h in hits])
        weight = sum(idf.values())
        coverage = max(sum(idf[t] for t in present) / weight for present in found.values()) if weight else 0.0
    dense_scores = [h.dense_score for h in hits if h.dense_score is not None]
    dense = max(dense_scores) if dense_scores else None
    relevant = coverage >= coverage_threshold or (
        dense_threshold is not None and dense is not None and dense >= dense_threshold
    )
    return Relevance(coverage, dense, relevant)


@dataclass(frozen=True)
class Citation:
    n: int
    source: Source

    def as_dict(self) -> dict:
        hit = self.source.hit
        return {
            "n": self.n, "path": hit.path, "page": hit.page, "char_start": hit.char_start, "char_end": hit.char_end,
            "part": hit.part, "page_unit": hit.page_unit, "place": hit.place,
        }  # fmt: skip


# [1], [1, 2], [1][2], [1-3], [1–3]; not [a], not [1.5]
_MARKER = re.compile(r"\[(\d{1,3}(?:\s*(?:,|-|–)\s*\d{1,3})*)\]")


def cited_numbers(answer: str) -> list[int]:
    """Every source number the answer cites, in order of first appearance."""
    numbers: dict[int, None] = {}
    for match in _MARKER.finditer(answer):
        for part in match.group(1).split(","):
            bounds = re.split(r"\s*[-–]\s*", part.strip())
            lo, hi = int(bounds[0]), int(bounds[-1])
            span = range(lo, hi + 1) if 0 <= hi - lo <= 20 else (lo, hi)
            for n in span:
                numbers.setdefault(n, None)
    return list(numbers)


def map_citations(answer: str, sources: Mapping[int, Source]) -> tuple[list[Citation], list[int]]:
    """(citations that point to a source the model saw, numbers that point to none)."""
    valid, unknown = [], []
    for n in cited_numbers(answer):
        if n in sources:
            valid.append(Citation(n, sources[n]))
        else:
            unknown.append(n)
    return valid, unknown


def _normalized(text: str) -> str:
    return re.sub(r"[\W_]+", " ", text.lower().replace("’", "'").replace("do not", "don't")).strip()


def is_refusal(answer: str) -> bool:
    """True when the answer is (or opens with) our "the documents don't contain it" sentence."""
    said = _normalized(answer)
    return any(said.startswith(_normalized(sentence)[:30]) for sentence in REFUSAL.values())
