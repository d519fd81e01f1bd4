"""Keeping '#' in a document's own text from being read as a heading line.

Loaders that set ``LoadedDocument.headings`` write their headings (slide titles, sheet names) as
``# Title`` lines; the chunker then treats every ``#`` run that starts a line, or a sentence after
``. `` / ``? `` and the like, as a heading. Text from the file itself ("# of items", "#1 priority ...")
gets a backslash before such a run, Markdown's own escape, so it stays body text and still reads
as it does in the file.
"""

from __future__ import annotations

import re

# A run of 1-6 '#' after whitespace (or at the start) and before a space or tab: the only shape the
# chunker's heading pattern accepts, wherever its sentence splitter starts a span.
_MARK_RE = re.compile(r"(?<!\S)(#{1,6})(?=[ \t])")


def escape_heading_marks(text: str) -> str:
    """``text`` with a backslash before every '#' run that could start a heading line."""
    if "#" not in text:
        return text
    return _MARK_RE.sub(r"\\\1", text)


def heading_line(title: str, level: int = 1) -> str:
    """A heading line for ``title`` on one line, whitespace collapsed (``# Sheet1``)."""
    return "#" * level + " " + " ".join(title.split())
