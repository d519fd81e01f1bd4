"""An answer with its support check made visible: each sentence's [n] markers become links that
open the supporting span in the viewer, an unsupported sentence is followed by a marked "not found
in the sources" note, and a miscited one shows its wrong marker struck through beside the right one.

Works on the answer's Markdown before it is rendered (``AnswerResult.to_json()["support"]`` gives
the sentences' offsets into the answer), then colours the notes in the rendered document.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from PySide6.QtGui import QColor, QTextCharFormat, QTextCursor, QTextFragment
from PySide6.QtWidgets import QTextBrowser

from .i18n import tr
from .theme import colors

_MARKER = re.compile(r"\[(\d{1,3}(?:\s*(?:,|-|–)\s*\d{1,3})*)\]")
CITE, CHECK = "cite", "check"  # link schemes: cite:<sentence>:<n>, check:<sentence>


def _numbers(group: str) -> list[int]:
    out: list[int] = []
    for part in group.split(","):
        bounds = re.split(r"\s*[-–]\s*", part.strip())
        lo, hi = int(bounds[0]), int(bounds[-1])
        out += list(range(lo, hi + 1)) if 0 <= hi - lo <= 20 else [lo, hi]
    return out


def marked_markdown(answer: str, support: dict | None) -> str:
    """``answer`` with citation links and notes for the checked sentences (unchanged without a check)."""
    if not support or not support.get("sentences"):
        return answer
    pieces: list[str] = []
    position = 0
    for i, sentence in enumerate(support["sentences"]):
        start, end = sentence["start"], sentence["end"]
        if start < position or end > len(answer):
            continue  # offsets from another text (an edited answer): leave the rest as written
        pieces.append(answer[position:start])
        pieces.append(_marked_sentence(i, answer[start:end], sentence))
        position = end
    pieces.append(answer[position:])
    return "".join(pieces)


def _marked_sentence(i: int, text: str, sentence: dict) -> str:
    verdict = sentence.get("verdict")
    corrected = sentence.get("corrected")

    def link(match: re.Match[str]) -> str:
        numbers = _numbers(match.group(1))
        if verdict == "miscited" and corrected is not None:
            wrong = ",".join(str(n) for n in numbers)
            return f"~~\\[{wrong}\\]~~ [\\[{corrected}\\]]({CITE}:{i}:{corrected})"
        return "".join(f"[\\[{n}\\]]({CITE}:{i}:{n})" for n in numbers)

    marked = _MARKER.sub(link, text)
    if verdict == "unsupported":
        marked = marked.rstrip() + f" [⚠ {tr('not found in the sources')}]({CHECK}:{i})"
    elif verdict == "miscited" and corrected is not None and not _MARKER.search(text):
        marked = marked.rstrip() + f" [\\[{corrected}\\]]({CITE}:{i}:{corrected})"
    return marked


def colour_notes(view: QTextBrowser) -> None:
    """Give the rendered "not found in the sources" notes the theme's warning colours."""
    c = colors()
    note = QTextCharFormat()
    note.setBackground(QColor(c.note_bg))
    note.setForeground(QColor(c.note_text))
    note.setFontUnderline(False)
    note.setToolTip(tr("No source the model was given says this. Check it before relying on it."))
    for fragment in _note_fragments(view):
        cursor = QTextCursor(view.document())
        cursor.setPosition(fragment.position())
        cursor.setPosition(fragment.position() + fragment.length(), QTextCursor.MoveMode.KeepAnchor)
        cursor.mergeCharFormat(note)


def flagged_notes(view: QTextBrowser) -> list[str]:
    """The texts of the "not found in the sources" notes shown in ``view`` (tests, accessibility)."""
    return [fragment.text() for fragment in _note_fragments(view)]


def _note_fragments(view: QTextBrowser) -> Iterator[QTextFragment]:
    """The text fragments of ``view`` that are "not found in the sources" notes (links to CHECK)."""
    block = view.document().begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            fragment = it.fragment()
            if fragment.isValid() and fragment.charFormat().anchorHref().startswith(CHECK + ":"):
                yield fragment
            it += 1
        block = block.next()


def span_source(source: dict, sentence: dict, n: int) -> dict:
    """``source`` narrowed to the span of it that supports ``sentence`` (the whole passage when the
    sentence's support lies in another source): what the viewer highlights."""
    span = sentence.get("span")
    if not span or span.get("n") != n:
        return source
    base = source.get("char_start") or 0
    return {**source, "text": span["text"], "char_start": base + span["start"], "char_end": base + span["end"], "span": True}
