"""Whole-document questions: "summarise this file", "what does this file say about X?".

Top-k passages cannot answer those, so the document is read in full, map-reduce style:

* **map**: its chunks, in reading order, are packed into parts that fill the model's context
  (instructions and room for the answer kept free); the model writes notes on each part. Parts are
  read one at a time from SQLite, so memory stays bounded for a 300-page PDF.
* **reduce**: the notes (with their page ranges) are combined into an overview; notes that do not
  fit one prompt are combined in rounds.

The answer is an ``AnswerResult`` whose sources are the parts: the overview, then one line per part
citing it ``[n]`` with its pages, so every statement points at the pages it came from. Progress is
reported per part; ``cancel`` stops between tokens and keeps the parts done so far.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from ..index.store import Store
from ..models.llm import GenerationOptions, GenerationStats
from ..types import Hit
from .grounding import Citation
from .prompting import PromptBuilder, Source, question_language
from .results import AnswerResult

NOTHING = "NOTHING"
_MAP_SUMMARY = "Summarise what this part of the document says, in two or three sentences. Use only the text given."
_MAP_QUESTION = (
    'Say what this part of the document says about the question, in one to three sentences, using only the text given. '
    f'If it says nothing about it, reply only: {NOTHING}'
)
_REDUCE = "Here are notes on consecutive parts of one document. {task} Use only the notes."
_SYSTEM = "You read documents for the user and report only what they say."


@dataclass(frozen=True)
class DocumentProgress:
    """Where a whole-document answer stands (plain data for the window's progress)."""

    phase: str  # reading | combining | done | cancelled
    parts_done: int
    parts_total: int
    path: str


@dataclass
class _Part:
    first: Hit  # its first chunk: where a click on its citation opens the document
    pages: tuple[int | None, int | None]
    chunk_ids: list[int]
    notes: str = ""


ProgressFn = Callable[[DocumentProgress], None]


class DocumentAnswerer:
    """Answers about one indexed document from all of its text."""

    def __init__(self, model, store: Store, builder: PromptBuilder, generation: GenerationOptions, answer_tokens: int = 160):
        self.model = model
        self.store = store
        self.builder = builder
        self.generation = replace(generation, max_tokens=answer_tokens)
        self.answer_tokens = answer_tokens

    # -- public ----------------------------------------------------------------------------------
    def run(self, path: str, question: str | None = None, progress: ProgressFn | None = None,
            cancel: threading.Event | None = None, number: Callable[[Hit], int] | None = None) -> AnswerResult:  # fmt: skip
        """Summarise ``path`` (``question`` None) or answer ``question`` from all of it. ``number``
        gives each part's source its number (a conversation's numbering; default 1, 2, ...)."""
        cancel = cancel or threading.Event()
        name = Path(path).name
        asked = question.strip() if question else f"Summarise {name}"
        result = AnswerResult(question=asked, language=question_language(asked))
        result.stats = GenerationStats()
        started = time.perf_counter()
        ids = self.store.document_chunk_ids(path)
        if not ids:
            result.answer, result.abstained, result.abstain_reason = f"{name} is not in the library.", True, "document not indexed"
            return result
        layout = list(self._parts(ids, self._part_budget(question)))  # ids and pages only: small
        parts: list[_Part] = []
        total = len(layout)
        if progress:
            progress(DocumentProgress("reading", 0, total, path))
        for part in layout:
            if cancel.is_set():
                break
            part.notes = self._map(part, name, question, cancel, result.stats)
            parts.append(part)
            if progress:
                progress(DocumentProgress("reading", len(parts), total, path))
        result.cancelled = cancel.is_set()
        kept = [p for p in parts if p.notes and not (question and p.notes.upper().startswith(NOTHING))]
        if progress and not result.cancelled:
            progress(DocumentProgress("combining", len(parts), total, path))
        overview = "" if result.cancelled or len(kept) < 2 else self._reduce(kept, name, question, cancel, result.stats)
        self._finish(result, kept, overview, name, number)
        result.retrieval_s = 0.0
        result.stats.generation_s = time.perf_counter() - started
        if progress:
            progress(DocumentProgress("cancelled" if result.cancelled else "done", len(parts), total, path))
        return result

    # -- parts -----------------------------------------------------------------------------------
    def _part_budget(self, question: str | None) -> int:
        fixed = self.builder.count(_SYSTEM) + self.builder.count(_MAP_QUESTION + (question or "")) + 48
        return max(256, self.model.context_tokens - self.answer_tokens - fixed - 16)

    def _parts(self, ids: list[int], budget: int) -> Iterator[_Part]:
        """Consecutive chunks packed into parts of at most ``budget`` tokens, read in batches; a part
        keeps its chunk ids, pages and first chunk (texts are read again when the part is mapped)."""
        current: _Part | None = None
        used = 0
        for start in range(0, len(ids), 64):
            batch = ids[start : start + 64]
            rows = self.store.chunk_rows(batch)
            for cid in batch:
                row = rows.get(cid)
                if row is None:
                    continue
                path, page, text, c_start, c_end, heading, collection, part_name, unit, _recognised = row
                cost = self.builder.count(text) + 8
                if current is not None and used + cost > budget:
                    yield current
                    current, used = None, 0
                if current is None:
                    hit = Hit(cid, path, page, text, c_start, c_end, (), collection, 0.0, part=part_name, page_unit=unit)
                    current = _Part(hit, (page, page), [])
                current.chunk_ids.append(cid)
                current.pages = (current.pages[0], page if page is not None else current.pages[1])
                used += min(cost, budget)
        if current is not None:
            yield current

    def _text_of(self, part: _Part) -> str:
        rows = self.store.chunk_rows(part.chunk_ids)
        return "\n\n".join(rows[c][2] for c in part.chunk_ids if c in rows)

    # -- model calls ----------------------------------------------------------------------------
    def _ask(self, user: str, cancel: threading.Event, stats: GenerationStats) -> str:
        tokens, stop = self.builder.render_messages([("system", _SYSTEM), ("user", user)])
        room = self.model.context_tokens - self.answer_tokens
        if len(tokens) > room:  # a chunk larger than its estimate: cut the prompt's middle text
            tokens = tokens[: room // 2] + tokens[-(room // 2) :]
        options = replace(self.generation, stop=tuple(dict.fromkeys(stop + self.generation.stop)))
        one = GenerationStats()
        text = "".join(self.model.stream(tokens, options, cancel, one))
        stats.prompt_tokens += one.prompt_tokens
        stats.generated_tokens += one.generated_tokens
        stats.ttft_s = stats.ttft_s or one.ttft_s
        stats.stop_reason = one.stop_reason
        return _without_thinking(text).strip()

    def _map(self, part: _Part, name: str, question: str | None, cancel, stats) -> str:
        task = f"{_MAP_QUESTION}\nQuestion: {question}" if question else _MAP_SUMMARY
        user = f"{name}, {_pages(part.pages)}:\n\n{self._text_of(part)}\n\n{task}"
        return " ".join(self._ask(user, cancel, stats).split())

    def _reduce(self, parts: list[_Part], name: str, question: str | None, cancel, stats) -> str:
        task = f"Answer the question from them: {question}" if question else "Write a short overall summary of the document from them."
        notes = [f"({_pages(p.pages)}) {p.notes}" for p in parts]
        budget = self._part_budget(question)
        while True:  # rounds: combine groups of notes until all fit one prompt
            groups, current, used = [], [], 0
            for note in notes:
                cost = self.builder.count(note) + 4
                if current and used + cost > budget:
                    groups.append(current)
                    current, used = [], 0
                current.append(note)
                used += cost
            groups.append(current)
            if len(groups) == 1 or cancel.is_set():
                break
            notes = [self._ask(f"{name}:\n\n" + "\n".join(g) + "\n\n" + _REDUCE.format(task="Combine them into one note."), cancel, stats) for g in groups]
        user = f"{name}:\n\n" + "\n".join(groups[0]) + "\n\n" + _REDUCE.format(task=task)
        return " ".join(self._ask(user, cancel, stats).split())

    def _finish(self, result: AnswerResult, parts: list[_Part], overview: str, name: str, number) -> None:
        lines = [overview] if overview else []
        result.sources = []
        for i, part in enumerate(parts, 1):
            n = number(part.first) if number else i
            source = Source(n, part.first)
            result.sources.append(source)
            result.citations.append(Citation(n, source))
            lines.append(f"- {part.notes} [{n}] ({_pages(part.pages)})")
        if not parts and not result.cancelled:
            result.abstained, result.abstain_reason = True, "the model found no answer in the sources"
            lines.append(f"{name} does not seem to say anything about this.")
        result.answer = "\n".join(lines[:1] + ([""] if overview else []) + lines[1:]) if lines else ""


def _pages(pages: tuple[int | None, int | None]) -> str:
    first, last = pages
    if first is None:
        return "whole text"
    return f"p. {first}" if first == last or last is None else f"pp. {first}–{last}"


def _without_thinking(text: str) -> str:
    """A reasoning model's notes without its <think> block."""
    if "</think>" in text:
        return text.rsplit("</think>", 1)[1]
    return text
