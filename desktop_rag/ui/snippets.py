"""Passages as readable snippets: Markdown syntax removed (``**``, ``#``, ``|---|``, link brackets),
table rows kept as rows, the question's words marked."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from .source_cards import highlight_style

_SEPARATOR_ROW = re.compile(r"^\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?$")
_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]+)\]\((?:[^()]|\([^)]*\))*\)")
_REF_LINK = re.compile(r"\[([^\]]+)\]\[[^\]]*\]")
_STRONG = re.compile(r"(\*\*|__)(.+?)\1")
_EMPHASIS = re.compile(r"(?<![\w*])\*(?!\s)([^*]+?)\*(?![\w*])|(?<![\w_])_(?!\s)([^_]+?)_(?![\w_])")
_CODE = re.compile(r"`+([^`]*)`+")
_HEADING = re.compile(r"^#{1,6}\s+")
_BULLET = re.compile(r"^(?:[-*+]|\d{1,3}[.)])\s+")
_QUOTE = re.compile(r"^>\s?")
_HTML_TAG = re.compile(r"</?[a-zA-Z][^>]*>")


def _inline(text: str) -> str:
    text = _IMAGE.sub(r"\1", text)
    text = _LINK.sub(r"\1", text)
    text = _REF_LINK.sub(r"\1", text)
    text = _CODE.sub(r"\1", text)
    text = _STRONG.sub(r"\2", text)
    text = _EMPHASIS.sub(lambda m: m.group(1) or m.group(2), text)
    text = _HTML_TAG.sub("", text)
    return " ".join(text.split())


def plain_rows(text: str) -> list[tuple[str, bool]]:
    """The passage as (line, is_table_row): Markdown syntax removed, table cells joined with " · "."""
    rows: list[tuple[str, bool]] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or _SEPARATOR_ROW.match(line) or set(line) <= set("-=*_ "):
            continue
        if line.startswith("|") and line.count("|") >= 2:
            cells = [_inline(c) for c in line.strip("|").split("|")]
            rows.append(("  ·  ".join(c for c in cells if c), True))
            continue
        line = _QUOTE.sub("", _BULLET.sub("• " if _BULLET.match(line) and not line[0].isdigit() else "", _HEADING.sub("", line)))
        rows.append((_inline(line), False))
    return [(r, t) for r, t in rows if r]


def plain_text(text: str) -> str:
    """The passage as plain text: table rows on their own lines, the rest as running text."""
    out: list[str] = []
    for line, is_row in plain_rows(text):
        if is_row or not out or out[-1].endswith("\n"):
            out.append(line + ("\n" if is_row else ""))
        else:
            out[-1] += " " + line
    return "\n".join(part.rstrip("\n") for part in out)


def snippet_html(text: str, terms: Sequence[str], limit: int = 160, max_rows: int = 3) -> str:
    """A short snippet for a source card: plain text, up to ``max_rows`` table rows as rows, ``terms`` marked;
    ``limit`` characters in all (a card is compact: one line of prose)."""
    lines: list[str] = []
    used = 0
    for line in plain_text(text).split("\n"):
        if used >= limit or len(lines) >= max_rows:
            break
        cut = line[: limit - used] + ("…" if len(line) > limit - used else "")
        lines.append(_mark(cut, terms))
        used += len(cut)
    return "<br>".join(lines)


def _mark(text: str, terms: Sequence[str]) -> str:
    escaped = html.escape(text)
    if not terms:
        return escaped
    pattern = re.compile("|".join(re.escape(html.escape(t)) for t in sorted(terms, key=len, reverse=True)), re.IGNORECASE)
    style = highlight_style()
    return pattern.sub(lambda m: f'<span style="{style}">{m.group(0)}</span>', escaped)
