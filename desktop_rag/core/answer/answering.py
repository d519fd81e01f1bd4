"""Questions to grounded answers: retrieve -> relevance gate -> prompt -> stream -> citations.

    session = engine.chat(model)
    stream = session.ask("What does the contract say about notice periods?")
    for piece in stream:          # text as the model writes it; stream.cancel() from any thread
        print(piece, end="")
    result = stream.result        # answer, citations, sources, abstained, timing
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from ..index.keyword_text import query_terms
from ..index.store import Store
from ..models.llm import GenerationOptions, GenerationStats, LocalModel
from ..types import Hit
from .document_answer import DocumentAnswerer, ProgressFn
from .grounding import Citation, assess_relevance, is_refusal, map_citations
from .prompting import Conversation, PromptBuilder, Source, Turn, refusal
from .results import AnswerResult, SavedTurn
from .support import MISCITED, SupportChecker
from .thinking import ThinkFilter

SearchFn = Callable[[str, int], list[Hit]]


class AnswerStream:
    """Text pieces of one answer as they are generated; ``result`` is complete once exhausted."""

    def __init__(self, pieces: Iterator[str], result: AnswerResult, cancel: threading.Event):
        self._pieces = pieces
        self.result = result
        self._cancel = cancel

    def __iter__(self) -> Iterator[str]:
        return self._pieces

    def cancel(self) -> None:
        """Stop generating (safe from any thread); the partial answer stays in ``result``."""
        self._cancel.set()

    def wait(self) -> AnswerResult:
        """Consume the rest and return the result."""
        for _ in self._pieces:
            pass
        return self.result


@dataclass(frozen=True)
class AnswerOptions:
    sources: int = 6  # passages retrieved per question
    generation: GenerationOptions = GenerationOptions()
    dense_threshold: float | None = None  # the embedder's calibrated on-topic cosine, if any
    coverage_threshold: float = 0.5
    check_support: bool = True  # per-sentence support check of every answer (support.py)
    thinking: bool = True  # templates with an enable_thinking switch (Qwen 3): let the model reason first


class ChatSession:
    """One conversation with a loaded model over the library; follow-ups see earlier turns."""

    def __init__(
        self,
        model: LocalModel,
        store: Store,
        search: SearchFn,
        options: AnswerOptions = AnswerOptions(),
        dense_trusted: Callable[[str], bool] | None = None,
        checker: SupportChecker | None = None,
    ):
        self.model = model
        self.checker = checker or SupportChecker()  # words, numbers and names only, without an embedder
        # Whether the embedding model reads the question's language (an English model's cosines
        # on Korean text say nothing): only then may its similarity vouch for relevance.
        self.dense_trusted = dense_trusted or (lambda question: True)
        self.store = store
        self.search = search
        self.options = options
        self.conversation = Conversation()
        self.builder = PromptBuilder(
            model, model.info.chat_template, model.token_text(model.bos_token), model.token_text(model.eos_token),
            has_token=getattr(model, "has_token", lambda text: False), thinking=options.thinking,
        )

    def reset(self) -> None:
        """Start a new conversation (the model's cached instructions stay warm)."""
        self.conversation.clear()

    def restore(self, turns: Sequence[SavedTurn | dict]) -> None:
        """Continue a saved conversation: rebuild the turns and the numbered sources from saved
        results (``SavedTurn``s, or ``AnswerResult.to_json()`` dicts), replacing the current ones.

        Every saved source keeps its number, so a follow-up cites [1] for the same passage as
        before. A turn lists the sources first shown with it, as in a live conversation.
        """
        self.conversation.clear()
        for saved in turns:
            if isinstance(saved, dict):
                result = saved.get("result", saved)
                question = saved.get("question", result.get("question", ""))
                answer = saved.get("answer", result.get("answer", ""))
            else:
                result, question, answer = saved.result, saved.question, saved.answer
            new: list[int] = []
            for item in result.get("sources") or ():
                source = _saved_source(item)
                if source is None:
                    continue
                if source.n not in self.conversation.sources:
                    new.append(source.n)
                self.conversation.sources[source.n] = source
            if answer:  # as live: an answer stopped before its first word is not part of the chat
                self.conversation.turns.append(Turn(question, answer, tuple(new)))

    def retrieval_query(self, question: str) -> str:
        """Short follow-ups ("and in 2020?") are searched together with the previous question."""
        turns = self.conversation.turns
        if turns and len(query_terms(question)) < 6:
            return f"{turns[-1].question} {question}"
        return question

    def ask(self, question: str, cancel: threading.Event | None = None) -> AnswerStream:
        """Start answering ``question``; iterate the returned stream for the text."""
        question = question.strip()
        cancel = cancel or threading.Event()
        result = AnswerResult(question=question)
        return AnswerStream(self._run(question, result, cancel), result, cancel)

    def _run(self, question: str, result: AnswerResult, cancel: threading.Event) -> Iterator[str]:
        started = time.perf_counter()
        hits = self.search(self.retrieval_query(question), self.options.sources) if question else []
        threshold = self.options.dense_threshold if self.dense_trusted(question) else None
        result.relevance = assess_relevance(self.store, question, hits, threshold, self.options.coverage_threshold)
        built = self.builder.build(self.conversation, question, hits if result.relevance.relevant else [], self.options.generation.max_tokens)
        result.language = built.language
        if not result.relevance.relevant:
            # Nothing to answer from: say so rather than let the model invent an answer.
            result.answer = refusal(built.language)
            result.abstained, result.abstain_reason = True, "no relevant passages"
            result.retrieval_s = time.perf_counter() - started
            result.stats = GenerationStats()
            self.conversation.turns.append(Turn(question, result.answer, ()))
            yield result.answer
            return

        if built.warning:
            result.warnings.append(built.warning)
        result.sources = built.sources
        result.omitted_sources = len(built.omitted)
        result.turns_dropped = built.turns_dropped
        stats = GenerationStats()
        result.stats = stats
        options = GenerationOptions(**{**self.options.generation.__dict__, "stop": built.stop + self.options.generation.stop})
        pieces: list[str] = []
        result.retrieval_s = time.perf_counter() - started
        think = ThinkFilter(thinking=built.thinking)
        try:
            for raw in self.model.stream(built.tokens, options, cancel, stats):
                piece = think.feed(raw)
                result.reasoning = think.reasoning_text
                if not piece:
                    continue
                if not pieces:
                    piece = piece.lstrip()  # after a <think> block
                    if not piece:
                        continue
                pieces.append(piece)
                result.answer = "".join(pieces)
                yield piece
            tail = think.flush()
            if tail:
                pieces.append(tail)
                yield tail
        finally:
            result.reasoning = think.reasoning_text
            result.answer = "".join(pieces).strip()
            result.cancelled = stats.stop_reason == "cancelled" or cancel.is_set()
            self._finish(result, built.new_sources)

    def ask_document(self, path: str, question: str | None = None, progress: ProgressFn | None = None,
                     cancel: threading.Event | None = None) -> AnswerResult:  # fmt: skip
        """Summarise the indexed document ``path``, or answer ``question`` from all of it (map-reduce
        over its chunks, document_answer.py); its parts become sources of this conversation."""
        answerer = DocumentAnswerer(
            self.model, self.store, self.builder, self.options.generation, min(160, self.options.generation.max_tokens)
        )
        before = set(self.conversation.sources)
        result = answerer.run(path, question, progress, cancel, number=self.conversation.number_for)
        if result.answer and not result.abstained:
            new = tuple(s.n for s in result.sources if s.n not in before)
            self.conversation.turns.append(Turn(result.question, result.answer, new))
        return result

    def _finish(self, result: AnswerResult, new_sources: Sequence[Source]) -> None:
        visible = {s.n: s for s in result.sources}
        result.citations, result.unknown_citations = map_citations(result.answer, visible)
        if is_refusal(result.answer):
            result.abstained, result.abstain_reason = True, "the model found no answer in the sources"
            result.citations = []
        elif self.options.check_support and result.answer and not result.cancelled:
            self._check_support(result, visible)
        if result.answer:
            self.conversation.turns.append(Turn(result.question, result.answer, tuple(s.n for s in new_sources)))


    def _check_support(self, result: AnswerResult, visible: dict[int, Source]) -> None:
        """Verdicts per sentence; a source that supports a miscited sentence joins the citations."""
        result.support = self.checker.check(result.answer, {n: s.hit.text for n, s in visible.items()})
        cited = {c.n for c in result.citations}
        for sentence in result.support.sentences:
            if sentence.verdict == MISCITED and sentence.corrected not in cited and sentence.corrected in visible:
                result.citations.append(Citation(sentence.corrected, visible[sentence.corrected]))
                cited.add(sentence.corrected)


def _saved_source(item: dict) -> Source | None:
    """A source as ``AnswerResult.to_json()`` wrote it (None without a number)."""
    if item.get("n") is None:
        return None
    n = int(item["n"])
    chunk_id = item.get("chunk_id")
    hit = Hit(
        # Saved without its chunk id (an older save): keep the number, match no passage.
        chunk_id=int(chunk_id) if chunk_id is not None else -n,
        path=item.get("path") or "",
        page=item.get("page"),
        text=item.get("text") or "",
        char_start=item.get("char_start") or 0,
        char_end=item.get("char_end") or 0,
        heading_path=tuple(item.get("heading_path") or ()),
        collection=item.get("collection") or "",
        score=0.0,
        part=item.get("part") or "",
        page_unit=item.get("page_unit") or "page",
    )
    return Source(n, hit, bool(item.get("truncated")))
