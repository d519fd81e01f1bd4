"""Cutting page text into passages for embedding and citation.

Chunks follow the document's structure: a heading starts a new chunk, paragraphs are
kept whole when they fit, and long paragraphs break between sentences (English and
CJK punctuation, and Korean sentence endings such as "…다." / "…요?"). Sizes are
measured with the embedding model's own tokenizer, so no chunk is ever silently
truncated by the model's window. Chunks never cross pages (citations are per page)
and carry exact character offsets into their page's text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from ..types import Chunk

TokenCounter = Callable[[Sequence[str]], list[int]]

_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.+?)[ \t#]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")
# A sentence ends at ., !, ?, ellipsis or CJK full stops (plus closing quotes or
# brackets) followed by whitespace, or at a line break.
_SENTENCE_BREAK = re.compile(r"(?<=[.!?\u2026\u3002\uff01\uff1f])[\"'\u201d\u2019)\]]*[ \t]+|\n+")
# Room left for tokenizer effects at piece joins; checked again after packing.
_SAFETY_TOKENS = 4
# A "sentence" longer than this (characters) is cut before the tokenizer sees it, and one tokenizer
# call gets at most about _COUNT_BATCH_CHARS: a file without a single break (minified JSON, base64)
# would otherwise be tokenized whole, at ~200 bytes of tokenizer state per character (measured with
# multilingual-e5-small: 4 MB took 0.8 GB and 50 s; the 200 MB a file may have, 40 GB).
_MAX_SPAN_CHARS = 16384
_COUNT_BATCH_CHARS = 256 * 1024


@dataclass(frozen=True)
class _Unit:
    """A sentence (or a piece of an over-long one) with its place in the page."""

    start: int
    end: int
    tokens: int
    paragraph_start: bool
    heading_path: tuple[str, ...]
    is_heading: bool = False


class Chunker:
    """Splits page text into token-bounded chunks."""

    def __init__(self, count_tokens: TokenCounter, max_model_tokens: int, chunk_tokens: int = 256, overlap_tokens: int = 32):
        self._count = count_tokens
        self._overhead = count_tokens([""])[0]  # prefix + special tokens every input pays
        self.budget = max(8, min(chunk_tokens, max_model_tokens - self._overhead - _SAFETY_TOKENS))
        self.max_model_tokens = max_model_tokens
        self.overlap = min(overlap_tokens, self.budget // 4)

    def chunk_pages(self, pages: Sequence[tuple], headings: bool = True) -> list[Chunk]:
        """Chunks of every page, in order; section headings carry over from page to page.

        A page is ``(number, text)`` or ``(number, text, part, unit[, headings])``: ``part`` names the
        place inside a container (an e-mail attachment; headings start afresh in each part), ``unit``
        what ``number`` counts ("page" or "slide").
        ``headings``: whether '#' lines outside code fences are headings (structured formats); a
        page's own flag, when given and not None, overrides it for that page.
        """
        chunks: list[Chunk] = []
        path: tuple[str, ...] = ()
        current_part = ""
        for number, text, *place in pages:
            part = place[0] if place else ""
            unit = (place[1] if len(place) > 1 else "") or "page"
            detect = place[2] if len(place) > 2 and place[2] is not None else headings
            if part != current_part:
                path, current_part = (), part  # an attachment's sections are its own
            page_chunks, path = self._chunk_page(number, text, path, detect)
            if part or unit != "page":
                page_chunks = [replace(c, part=part, page_unit=unit) for c in page_chunks]
            chunks.extend(page_chunks)
        return chunks

    # -- steps ----------------------------------------------------------------------------------
    def _chunk_page(
        self, page: int | None, text: str, headings: tuple[str, ...], detect: bool
    ) -> tuple[list[Chunk], tuple[str, ...]]:
        units, headings = self._units(text, headings, detect)
        if not units:
            return [], headings
        return self._verified(page, text, self._pack(units)), headings

    def _units(self, text: str, headings: tuple[str, ...], detect: bool) -> tuple[list[_Unit], tuple[str, ...]]:
        spans: list[tuple[int, int, bool, tuple[str, ...], bool]] = []
        fence: str | None = None
        for p_start, p_end in _spans(text, _PARAGRAPH_BREAK, 0, len(text)):
            first = True
            for s_start, s_end in _spans(text, _SENTENCE_BREAK, p_start, p_end):
                if s_end - s_start > _MAX_SPAN_CHARS:
                    for c_start, c_end in _cut_long(text, s_start, s_end):
                        spans.append((c_start, c_end, first, headings, False))
                        first = False
                    continue
                line = text[s_start:s_end]
                heading = None
                if detect:
                    marker = _FENCE.match(line)
                    if marker and (fence is None or marker.group(1)[0] == fence[0]):
                        fence = marker.group(1) if fence is None else None
                    elif fence is None:
                        heading = _HEADING.match(line)
                if heading:
                    level = len(heading.group(1))
                    headings = headings[: level - 1] + (heading.group(2).strip(),)
                spans.append((s_start, s_end, first, headings, bool(heading)))
                first = False
        if not spans:
            return [], headings
        costs = self._costs([text[s:e] for s, e, *_ in spans])
        units: list[_Unit] = []
        for (start, end, para, path, is_heading), cost in zip(spans, costs, strict=True):
            if cost <= self.budget:
                units.append(_Unit(start, end, cost, para, path, is_heading))
                continue
            for i, (ps, pe, pc) in enumerate(self._split_long(text, start, end, cost)):
                units.append(_Unit(ps, pe, pc, para and i == 0, path, False))
        return units, headings

    def _costs(self, texts: Sequence[str]) -> list[int]:
        return [max(1, n - self._overhead) for n in self._count_batched(texts)]

    def _count_batched(self, texts: Sequence[str]) -> list[int]:
        """Token counts, asking the tokenizer for at most ~_COUNT_BATCH_CHARS at a time."""
        counts: list[int] = []
        start = size = 0
        for i, t in enumerate(texts):
            if size and size + len(t) > _COUNT_BATCH_CHARS:
                counts.extend(self._count(texts[start:i]))
                start, size = i, 0
            size += len(t)
        counts.extend(self._count(texts[start:]))
        return counts

    def _split_long(self, text: str, start: int, end: int, cost: int) -> list[tuple[int, int, int]]:
        """Halve an over-long span at whitespace (or anywhere, for unspaced scripts) until pieces fit."""
        if cost <= self.budget or end - start <= 1:
            return [(start, end, cost)]
        middle = (start + end) // 2
        window = text[start:end]
        left_ws = window.rfind(" ", 0, middle - start)
        right_ws = window.find(" ", middle - start)
        candidates = [p for p in (left_ws, right_ws) if p > 0]
        cut = start + min(candidates, key=lambda p: abs(p - (middle - start))) if candidates else middle
        left, right = (start, cut), (_skip_space(text, cut, end), end)
        if right[0] >= end:
            left, right = (start, middle), (middle, end)
        left_cost, right_cost = self._costs([text[left[0] : left[1]], text[right[0] : right[1]]])
        return self._split_long(text, *left, left_cost) + self._split_long(text, *right, right_cost)

    def _pack(self, units: list[_Unit]) -> list[list[_Unit]]:
        groups: list[list[_Unit]] = []
        current: list[_Unit] = []
        used = 0

        def paragraph_cost(i: int) -> int:
            total = units[i].tokens
            for unit in units[i + 1 :]:
                if unit.paragraph_start:
                    break
                total += unit.tokens
            return total

        for i, unit in enumerate(units):
            has_body = any(not u.is_heading for u in current)
            starts_section = unit.is_heading and has_body
            overflows = used + unit.tokens > self.budget
            # Keep a paragraph whole when the current chunk is already half full.
            paragraph_wont_fit = (
                unit.paragraph_start and used >= self.budget // 2 and used + paragraph_cost(i) > self.budget
            )
            if current and (starts_section or overflows or paragraph_wont_fit):
                groups.append(current)
                carry = [] if (starts_section or unit.paragraph_start) else self._overlap_tail(current)
                if sum(u.tokens for u in carry) + unit.tokens > self.budget:
                    carry = []
                current, used = list(carry), sum(u.tokens for u in carry)
            current.append(unit)
            used += unit.tokens
        if current:
            groups.append(current)
        return groups

    def _overlap_tail(self, group: list[_Unit]) -> list[_Unit]:
        tail: list[_Unit] = []
        total = 0
        for unit in reversed(group):
            if unit.is_heading or total + unit.tokens > self.overlap:
                break
            tail.insert(0, unit)
            total += unit.tokens
        return tail if len(tail) < len(group) else []

    def _verified(self, page: int | None, text: str, groups: list[list[_Unit]]) -> list[Chunk]:
        """Turn unit groups into chunks, re-splitting any the real tokenizer says is too long."""
        # A chunk's section is that of its first body text (a leading heading names it).
        spans = [(g[0].start, g[-1].end, next((u.heading_path for u in g if not u.is_heading), g[0].heading_path)) for g in groups]
        counts = self._count_batched([text[s:e] for s, e, _ in spans])
        chunks: list[Chunk] = []
        for (start, end, path), count in zip(spans, counts, strict=True):
            pieces = [(start, end, count - self._overhead)]
            if count > self.max_model_tokens:
                pieces = self._split_long(text, start, end, count - self._overhead)
            for s, e, c in pieces:
                body = text[s:e]
                if body.strip():
                    chunks.append(Chunk(body, page, s, e, path, c + self._overhead))
        return chunks


def _spans(text: str, separator: re.Pattern[str], start: int, end: int) -> list[tuple[int, int]]:
    """Non-blank pieces of text[start:end] between separator matches, trimmed of whitespace."""
    spans: list[tuple[int, int]] = []
    position = start
    for match in separator.finditer(text, start, end):
        spans.append((position, match.start()))
        position = match.end()
    spans.append((position, end))
    trimmed = []
    for s, e in spans:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if s < e:
            trimmed.append((s, e))
    return trimmed


def _cut_long(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Cut text[start:end] into pieces of at most _MAX_SPAN_CHARS, at a space when there is one."""
    pieces: list[tuple[int, int]] = []
    while end - start > _MAX_SPAN_CHARS:
        cut = text.rfind(" ", start + _MAX_SPAN_CHARS // 2, start + _MAX_SPAN_CHARS)
        cut = cut if cut > start else start + _MAX_SPAN_CHARS
        pieces.append((start, cut))
        start = _skip_space(text, cut, end)
    if start < end:
        pieces.append((start, end))
    return pieces


def _skip_space(text: str, position: int, end: int) -> int:
    while position < end and text[position].isspace():
        position += 1
    return position
