"""Does a cited passage say what the answer's sentence claims? A per-sentence check in milliseconds.

For every sentence of an answer and every source the model saw, three signals are combined:

* content words: the IDF-free, weighted share of the sentence's search terms (the keyword index's
  Korean-aware terms: Hangul as bigrams, so particles do not hide a match) found in the passage's
  best span (one or two of its sentences);
* numbers and names: each number and capitalised name in the sentence must occur in the passage,
  exactly (a changed year or a swapped name is the commonest unsupported claim);
* meaning: the embedding similarity of the sentence to that span, rescaled to 0..1 with the
  embedder's calibrated range (left out when the embedder has none).

A sentence is *supported* when a source it cites scores at least ``threshold``; *miscited* when
none of its cited sources does but another retrieved source does (that one becomes its correction);
*unsupported* when no source does. Sentences without content words ("Here is what I found:") are
*not checked*. Weights and threshold were chosen on benchmarks/data/support_set.json
(benchmarks/support_check.py prints precision, recall and ms per answer).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..index.keyword_text import search_terms
from ..models.embedder import Embedder
from .sentences import Sentence, passage_spans, split_sentences

Embed = Callable[[Sequence[str]], np.ndarray]  # texts -> (n, dim) L2-normalised rows

SUPPORTED, MISCITED, UNSUPPORTED, NOT_CHECKED = "supported", "miscited", "unsupported", "not_checked"

# Chosen on the labelled set (benchmarks/support_check.py --fit prints the grid).
LEXICAL_WEIGHT = 0.6
MEANING_WEIGHT = 0.4
NUMBER_PENALTY = 0.6  # times the share of the sentence's numbers the passage lacks
NAME_PENALTY = 0.3  # times the share of its names the passage lacks
DEFAULT_THRESHOLD = 0.55
MEANING_BAND = 0.15

_HANGUL = re.compile(r"[\uac00-\ud7a3]")
# Korean endings and particles as bigrams: they say nothing about the claim.
_KO_FUNCTION = frozenset(
    "습니 니다 있습 었습 였습 했습 됩니 합니 입니 있다 었다 였다 했다 한다 된다 이다 하였 되었 되어 하고 하며 이며 으며 "
    "에서 으로 에는 에게 에도 하는 되는 있는 없는 것이 것은 것을 것으 그리 그러 또한 지만 라고 이라 라는 이는 이고 들은 들이 들을 "
    "까지 부터 대한 대해 관한 통해 따라 위해 가장 매우 그것 이것 저것 무엇 어떻 떻게 어떤 어느".split()
)
_EN_WEAK = frozenset("also has have had using used use one two new many much well may might must shall".split())
_NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)*")
_LATIN_NAME = re.compile(r"(?<![\w])([A-Z][A-Za-z0-9\-]+|[A-Z]{2,}[0-9]*)")


def checker_for(embedder: Embedder | None, threshold: float = DEFAULT_THRESHOLD) -> SupportChecker:
    """The check as the app runs it: with ``embedder``'s meaning signal where that model's cosines
    are calibrated (``support_cosine``), else words, numbers and names alone. Sentences and spans
    go through the embedder's fast query path (a few short texts per answer)."""
    cosines = embedder.support_cosine if embedder is not None else None
    if not cosines:
        return SupportChecker(threshold=threshold)

    def embed(texts: Sequence[str]) -> np.ndarray:
        return np.stack([embedder.embed_query(text) for text in texts])

    return SupportChecker(embed, cosines, threshold)


def _stem(word: str) -> str:
    """A light English stemmer (founded/founding/founds -> found); other scripts unchanged."""
    if not word.isascii() or not word.isalpha() or len(word) <= 4:
        return word
    for suffix in ("ational", "ization", "ations", "ation", "ments", "ment", "ness", "ings", "ing", "ies", "ied",
                   "ers", "ed", "es", "ly", "er", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def weighted_terms(text: str) -> dict[str, float]:
    """The content terms of ``text`` with their weight (a lone Hangul syllable and function bigrams count little)."""
    terms: dict[str, float] = {}
    for term in search_terms(text):
        if _HANGUL.search(term):
            weight = 0.25 if len(term) == 1 or term in _KO_FUNCTION else 1.0
        elif term.isdigit():
            weight = 1.0
        else:
            term = _stem(term)
            weight = 0.3 if term in _EN_WEAK or len(term) <= 2 else 1.0
        terms[term] = max(weight, terms.get(term, 0.0))
    return terms


def _numbers(text: str) -> set[str]:
    return {n.replace(",", "") for n in _NUMBER.findall(text)}


def _names(claim: str) -> set[str]:
    """Capitalised words not opening the sentence, and acronyms: names the passage must contain."""
    found = set()
    for match in _LATIN_NAME.finditer(claim):
        if match.start() == 0 and not match.group(1).isupper():
            continue  # "The" at the start
        found.add(match.group(1).lower())
    return found


@dataclass(frozen=True)
class SupportSpan:
    """The part of source ``n`` that best supports a sentence (offsets into the source's text)."""

    n: int
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class SentenceSupport:
    start: int  # offsets into the answer
    end: int
    text: str
    cited: tuple[int, ...]
    verdict: str  # supported | miscited | unsupported | not_checked
    score: float  # the best cited source's score (0..1); for miscited, the correction's
    span: SupportSpan | None  # the supporting span (cited or corrected); None if unsupported
    corrected: int | None = None  # miscited: the source that does support the sentence

    def as_dict(self) -> dict:
        span = self.span
        return {
            "start": self.start, "end": self.end, "text": self.text, "cited": list(self.cited),
            "verdict": self.verdict, "score": round(self.score, 3), "corrected": self.corrected,
            "span": None if span is None else {"n": span.n, "start": span.start, "end": span.end, "text": span.text},
        }  # fmt: skip


@dataclass
class SupportReport:
    sentences: list[SentenceSupport] = field(default_factory=list)
    ms: float = 0.0

    def count(self, verdict: str) -> int:
        return sum(s.verdict == verdict for s in self.sentences)

    @property
    def flagged(self) -> list[SentenceSupport]:
        """Sentences a reader should not take on trust: unsupported, or citing the wrong source."""
        return [s for s in self.sentences if s.verdict in (UNSUPPORTED, MISCITED)]

    def as_dict(self) -> dict:
        return {
            "ms": round(self.ms, 1), "supported": self.count(SUPPORTED), "miscited": self.count(MISCITED),
            "unsupported": self.count(UNSUPPORTED), "sentences": [s.as_dict() for s in self.sentences],
        }  # fmt: skip


@dataclass
class _Passage:
    n: int
    text: str
    numbers: set[str]
    lower: str
    windows: list[tuple[int, int, dict[str, float]]]  # spans of one or two sentences, with their terms


@dataclass(frozen=True)
class SupportChecker:
    """Scores answer sentences against numbered passages; ``embed`` optional (lexical only without)."""

    embed: Embed | None = None
    cosine_range: tuple[float, float] = (0.85, 0.95)  # the embedder's "not the same claim".."same claim" cosines
    threshold: float = DEFAULT_THRESHOLD
    lexical_weight: float = LEXICAL_WEIGHT
    meaning_weight: float = MEANING_WEIGHT
    candidates: int = 2  # spans per passage whose meaning is compared (the lexically best ones)
    band: float = MEANING_BAND  # words-only scores this close to the threshold are weighed by meaning

    def check(self, answer: str, sources: Mapping[int, str]) -> SupportReport:
        """Verdicts for every sentence of ``answer`` against ``sources`` (number -> passage text)."""
        started = time.perf_counter()
        passages = [self._passage(n, text) for n, text in sources.items()]
        sentences = split_sentences(answer)
        scored = self._scores(sentences, passages)
        report = SupportReport([self._verdict(s, scored.get(i)) for i, s in enumerate(sentences)])
        report.ms = (time.perf_counter() - started) * 1000
        return report

    def scores(self, claim: str, sources: Mapping[int, str]) -> dict[int, tuple[float, SupportSpan]]:
        """Each source's score for one sentence (benchmarks, tests)."""
        sentence = split_sentences(claim)[0]
        return self._scores([sentence], [self._passage(n, t) for n, t in sources.items()]).get(0, {})

    # -- pieces ------------------------------------------------------------------------------------
    def _passage(self, n: int, text: str) -> _Passage:
        spans = passage_spans(text) or [(0, len(text))]
        windows = [(a, b, weighted_terms(text[a:b])) for a, b in spans]
        windows += [(spans[i][0], spans[i + 1][1], weighted_terms(text[spans[i][0] : spans[i + 1][1]])) for i in range(len(spans) - 1)]
        return _Passage(n, text, _numbers(text), text.lower(), windows)

    def _scores(self, sentences: Sequence[Sentence], passages: Sequence[_Passage]) -> dict[int, dict[int, tuple[float, SupportSpan]]]:
        """sentence index -> source n -> (score, best span); sentences without content words are left out."""
        lexical: dict[tuple[int, int], list[tuple[float, int, int]]] = {}
        claims: dict[int, dict[str, float]] = {}
        for i, sentence in enumerate(sentences):
            terms = weighted_terms(sentence.claim)
            if sum(terms.values()) < 1.0 or sentence.claim.endswith(":"):  # a lead-in ("Here is what I found:")
                continue
            claims[i] = terms
            total = sum(terms.values())
            for p in passages:
                ranked = sorted(
                    ((sum(w for t, w in terms.items() if t in window) / total, a, b) for a, b, window in p.windows),
                    key=lambda item: (-item[0], item[2] - item[1]),
                )
                lexical[(i, p.n)] = ranked[: self.candidates]
        out: dict[int, dict[int, tuple[float, SupportSpan]]] = {}
        penalties: dict[tuple[int, int], float] = {}
        for i in claims:
            claim = sentences[i].claim
            numbers, names = _numbers(claim), _names(claim)
            for p in passages:
                ranked = lexical[(i, p.n)]
                if not ranked:
                    continue
                missing_numbers = len(numbers - p.numbers) / len(numbers) if numbers else 0.0
                missing_names = sum(name not in p.lower for name in names) / len(names) if names else 0.0
                penalty = NUMBER_PENALTY * missing_numbers + NAME_PENALTY * missing_names
                penalties[(i, p.n)] = penalty
                cover, a, b = ranked[0]
                out.setdefault(i, {})[p.n] = (cover - penalty, SupportSpan(p.n, a, b, p.text[a:b]))
        if self.embed is not None:
            self._weigh_meaning(sentences, passages, lexical, penalties, out)
        return out

    def _weigh_meaning(self, sentences, passages, lexical, penalties, out) -> None:
        """Where words alone leave a score near the threshold, let meaning decide: the sentence's
        cosine to its candidate spans joins the score. Only those few pairs are embedded."""
        lo, hi = self.threshold - self.band, self.threshold + self.band
        unsure = []
        for i, by_n in out.items():
            cited = [n for n in sentences[i].cited if n in by_n]
            if any(by_n[n][0] > hi for n in cited):
                continue  # clearly supported by what it cites: nothing for meaning to decide
            # The cited sources near the threshold; the others only while the cited ones fall short.
            clear_elsewhere = any(score > hi for n, (score, _) in by_n.items() if n not in cited)
            unsure += [(i, n) for n, (score, _) in by_n.items() if lo <= score <= hi and (n in cited or not clear_elsewhere)]
        if not unsure:
            return
        texts: list[str] = []
        index: dict[str, int] = {}

        def slot(text: str) -> int:
            if text not in index:
                index[text] = len(texts)
                texts.append(text)
            return index[text]

        by_n = {p.n: p for p in passages}
        pairs = [((i, n), cover, a, b, slot(sentences[i].claim), slot(by_n[n].text[a:b]))
                 for i, n in unsure for cover, a, b in lexical[(i, n)]]  # fmt: skip
        vectors = self.embed(texts)
        best: dict[tuple[int, int], tuple[float, int, int]] = {}
        for key, cover, a, b, x, y in pairs:
            score = self._combine(cover, float(vectors[x] @ vectors[y])) - penalties[key]
            if key not in best or score > best[key][0]:
                best[key] = (score, a, b)
        for (i, n), (score, a, b) in best.items():
            out[i][n] = (score, SupportSpan(n, a, b, by_n[n].text[a:b]))

    def _combine(self, cover: float, cosine: float) -> float:
        lo, hi = self.cosine_range
        closeness = min(max((cosine - lo) / (hi - lo), 0.0), 1.0)
        return self.lexical_weight * cover + self.meaning_weight * closeness

    def _verdict(self, sentence: Sentence, scores: dict[int, tuple[float, SupportSpan]] | None) -> SentenceSupport:
        base = (sentence.start, sentence.end, sentence.text, sentence.cited)
        if scores is None:
            return SentenceSupport(*base, NOT_CHECKED, 0.0, None)
        cited = [(scores[n][0], n) for n in sentence.cited if n in scores]
        best_cited = max(cited, default=None)
        if best_cited is not None and best_cited[0] >= self.threshold:
            return SentenceSupport(*base, SUPPORTED, best_cited[0], scores[best_cited[1]][1])
        others = max(((score, n) for n, (score, _) in scores.items() if n not in sentence.cited), default=None)
        if others is not None and others[0] >= self.threshold:
            if not sentence.cited:  # uncited but supported: the source it rests on is named for the reader
                return SentenceSupport(*base, SUPPORTED, others[0], scores[others[1]][1])
            return SentenceSupport(*base, MISCITED, others[0], scores[others[1]][1], corrected=others[1])
        return SentenceSupport(*base, UNSUPPORTED, best_cited[0] if best_cited else 0.0, None)
