"""What an answer is, and how a saved one looks: the types that answering, the saved chats and
the export share (kept here so that none of those modules needs another's)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ..models.llm import GenerationStats
from .grounding import Citation, Relevance
from .prompting import Source
from .support import SupportReport


@dataclass
class AnswerResult:
    question: str
    answer: str = ""
    abstained: bool = False
    abstain_reason: str = ""  # "no relevant passages" | "the model found no answer in the sources"
    citations: list[Citation] = field(default_factory=list)
    unknown_citations: list[int] = field(default_factory=list)  # [n] markers that point to no source
    sources: list[Source] = field(default_factory=list)  # what the model was shown
    omitted_sources: int = 0  # retrieved passages left out for lack of room in the context
    turns_dropped: int = 0
    relevance: Relevance | None = None
    stats: GenerationStats | None = None
    cancelled: bool = False
    language: str = "en"
    retrieval_s: float = 0.0  # search and relevance check, before the model starts
    support: SupportReport | None = None  # per-sentence verdicts (None: not checked)
    reasoning: str = ""  # a reasoning model's <think> text: never part of the answer, never cited
    warnings: list[str] = field(default_factory=list)  # e.g. the chat template failed, a fallback was used

    @property
    def ttft_s(self) -> float:
        """What the user waits for the first word: retrieval plus the model's first token."""
        return self.retrieval_s + (self.stats.ttft_s if self.stats else 0.0)

    @property
    def uncited(self) -> bool:
        """An answer (not a refusal) that cites no source: the user should check it."""
        return not self.abstained and not self.cancelled and bool(self.answer.strip()) and not self.citations

    def to_json(self, shown: Callable[[str], str] | None = None) -> dict:
        """The documented JSON shape; ``shown`` (the personal-data filter) masks questions,
        answers and passages when given."""
        stats = self.stats
        shown = shown or (lambda text: text)
        return {
            "question": shown(self.question),
            "answer": shown(self.answer),
            "abstained": self.abstained,
            "abstain_reason": self.abstain_reason or None,
            "citations": [c.as_dict() for c in self.citations],
            "unknown_citations": self.unknown_citations,
            "sources": [
                {"n": s.n, "path": s.hit.path, "page": s.hit.page, "text": shown(s.hit.text),
                 "char_start": s.hit.char_start, "char_end": s.hit.char_end, "truncated": s.truncated,
                 "chunk_id": s.hit.chunk_id, "heading_path": list(s.hit.heading_path),
                 "collection": s.hit.collection, **s.hit.location()}
                for s in self.sources
            ],
            "omitted_sources": self.omitted_sources,
            "relevance": self.relevance.as_dict() if self.relevance else None,
            "cancelled": self.cancelled,
            "support": self._support_json(shown),
            "reasoning": shown(self.reasoning) if self.reasoning else None,
            "warnings": list(self.warnings),
            "timing": {
                "ttft_s": round(self.ttft_s, 3),
                "retrieval_s": round(self.retrieval_s, 3),
                "tokens_per_s": round(stats.tokens_per_s, 1) if stats else None,
                "prompt_tokens": stats.prompt_tokens if stats else 0,
                "cached_prompt_tokens": stats.cached_tokens if stats else 0,
                "generated_tokens": stats.generated_tokens if stats else 0,
            },
        }


    def _support_json(self, shown: Callable[[str], str]) -> dict | None:
        if self.support is None:
            return None
        data = self.support.as_dict()
        for sentence in data["sentences"]:
            sentence["text"] = shown(sentence["text"])
            if sentence["span"]:
                sentence["span"]["text"] = shown(sentence["span"]["text"])
        return data


@dataclass(frozen=True)
class ConversationInfo:
    id: int
    title: str
    collections: tuple[str, ...]  # searched collections; empty = all
    created: float  # time.time()
    updated: float  # last answer saved (or creation)
    turns: int


@dataclass(frozen=True)
class SavedTurn:
    position: int  # 0-based order in the conversation
    question: str
    answer: str
    result: dict  # AnswerResult.to_json()
    created: float
