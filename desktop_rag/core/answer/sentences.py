"""Answers and passages cut into sentences (English and Korean), keeping each sentence's [n] markers.

A citation marker belongs to the sentence it closes, wherever the model put it: "… in 1911 [1]."
and "… in 1911. [1]" both cite [1] for that sentence. Markdown list bullets, headings and table
rows each make their own sentence. A single line break inside a sentence (a PDF's wrapped line,
which models copy into answers) does not end it: "… gained popularity among\nacademics, …" is one
sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .grounding import cited_numbers

# A sentence ends at . ! ? 。 (not inside 3.5 or e.g.) or a line break; Korean sentences end the same way.
_END = re.compile(r"(?<=[.!?。])(?:\s*(?:\[[\d,\s\-–]+\]))*(?=\s|$)|\n+")
_LEADING_MARKERS = re.compile(r"^\s*((?:\[[\d,\s\-–]+\]\s*)+)")
_MARKER = re.compile(r"\s*\[\d{1,3}(?:\s*(?:,|-|–)\s*\d{1,3})*\]")
_MARKDOWN_LEAD = re.compile(r"^\s*(?:#{1,6}\s+|[-*+•]\s+|\d{1,3}[.)]\s+|>\s*)")
# Abbreviations whose full stop does not end a sentence.
_ABBREVIATIONS = re.compile(r"(?:\b(?:e\.g|i\.e|etc|vs|Dr|Mr|Mrs|Ms|Sr|Jr|St|No|Fig|al|approx|U\.S|F)\.|\b[A-Z]\.)$")


_LOWER_NEXT = re.compile(r"[ \t]+[a-z]")
_HANGUL = re.compile(r"[\uac00-\ud7a3]")


def _wrapped_line(text: str, at: int) -> bool:
    """Whether the single line break at ``at`` wraps a sentence rather than ending one.

    It does when the line before stops mid-sentence (a lower-case word, a comma, or Korean text
    followed by more) and the line after starts no Markdown block (bullet, number, heading, table).
    """
    line_start = text.rfind("\n", 0, at) + 1
    before = text[line_start:at].rstrip()
    after_end = text.find("\n", at + 1)
    after = text[at + 1 : after_end if after_end >= 0 else len(text)].strip()
    if not before or not after or before.startswith(("#", "|")) or after.startswith("|") or _MARKDOWN_LEAD.match(after):
        return False
    last, first = before[-1], after[0]
    if _MARKDOWN_LEAD.match(before):  # a list item goes on only in lower case; else a paragraph follows the list
        return first.islower() and (last.islower() or last in ",;")
    if last.islower() or last in ",;":
        return True
    return bool(_HANGUL.match(last)) and (bool(_HANGUL.match(first)) or first.islower() or first.isdigit())


@dataclass(frozen=True)
class Sentence:
    """One sentence: where it is in the text, its wording without markers, and what it cites."""

    start: int  # offsets into the text it was cut from (markers included)
    end: int
    text: str  # as written, markers included
    claim: str  # without [n] markers or Markdown bullets: what is checked
    cited: tuple[int, ...]


def split_sentences(text: str) -> list[Sentence]:
    """The sentences of ``text`` in order; blank pieces are skipped."""
    pieces: list[tuple[int, int]] = []
    start = 0
    for match in _END.finditer(text):
        end = match.end() if match.group(0).strip() else match.start()
        if match.group(0).startswith("\n"):
            if match.group(0) == "\n" and _wrapped_line(text, match.start()):
                continue
            end = match.start()
        elif _ABBREVIATIONS.search(text[start : match.start()]) or _LOWER_NEXT.match(text, match.end()):
            continue  # "e.g.", an initial, or "12-in. tunnel": the sentence goes on
        pieces.append((start, end))
        start = match.end()
    pieces.append((start, len(text)))

    sentences: list[Sentence] = []
    for begin, end in pieces:
        chunk = text[begin:end]
        lead = _LEADING_MARKERS.match(chunk)
        if lead and sentences:
            # "… 1911. [1] Next sentence": the markers close the previous sentence.
            prev = sentences[-1]
            moved = lead.group(1)
            sentences[-1] = Sentence(prev.start, begin + lead.end(), prev.text + " " + moved.strip(), prev.claim,
                                     tuple(dict.fromkeys(prev.cited + tuple(cited_numbers(moved)))))
            begin += lead.end()
            chunk = text[begin:end]
        stripped = chunk.strip()
        if not stripped:
            continue
        offset = begin + (len(chunk) - len(chunk.lstrip()))
        claim = _MARKDOWN_LEAD.sub("", _MARKER.sub("", stripped)).replace("**", "").replace("__", "").strip()
        sentences.append(Sentence(offset, offset + len(stripped), stripped, claim, tuple(cited_numbers(stripped))))
    return sentences


def passage_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of a passage, table rows and list items included."""
    return [(s.start, s.end) for s in split_sentences(text) if s.claim]
