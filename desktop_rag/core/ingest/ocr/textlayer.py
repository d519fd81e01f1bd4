"""When a PDF page's text layer is worth keeping, and when the page must be recognised instead.

The rule, measured on the page's extracted text (tests/core/test_ocr.py holds examples of each case):

* fewer than ``MIN_CHARS`` letters and digits: no usable text (a scan, or a scan with a page number);
* more than ``MAX_BAD_SHARE`` of the non-space characters are replacement (U+FFFD), private-use or
  unassigned code points: a font without a Unicode map, which extracts as boxes;
* fewer than ``MIN_WORDLIKE_SHARE`` of the whitespace-separated tokens that hold a letter or digit
  look like words (at least two letters or digits, which make at least half of the token): the
  symbol soup of a bad invisible OCR layer (``issue-301.pdf`` in the shared scans) or a broken
  encoding. Tokens of punctuation only (a table of contents' dot leaders) do not count; a Hangul
  syllable or a CJK ideograph counts as two letters (pypdf extracts some Korean PDFs one syllable
  per token: "뉴 진 스").
  Text without spaces (Chinese, Japanese) is one long token per line, which counts as a word.
"""

from __future__ import annotations

import unicodedata

MIN_CHARS = 16
MAX_BAD_SHARE = 0.10
MIN_WORDLIKE_SHARE = 0.5


def text_layer_problem(text: str) -> str | None:
    """Why ``text`` is not a usable text layer ("no text", "unreadable characters", "garbled text"),
    or None when it is usable."""
    chars = [c for c in text if not c.isspace()]
    alnum = sum(1 for c in chars if c.isalnum() and not _bad(c))
    if alnum < MIN_CHARS:
        return "no text"
    bad = sum(1 for c in chars if _bad(c))
    if bad > MAX_BAD_SHARE * len(chars):
        return "unreadable characters"
    tokens = [t for t in text.split() if any(c.isalnum() for c in t)]
    wordlike = sum(1 for t in tokens if _wordlike(t))
    if wordlike < MIN_WORDLIKE_SHARE * len(tokens):
        return "garbled text"
    return None


def _bad(char: str) -> bool:
    return char == "\ufffd" or unicodedata.category(char) in ("Co", "Cn", "Cs")


def _wordlike(token: str) -> bool:
    letters = sum(1 for c in token if c.isalnum() and not _bad(c))
    syllables = sum(1 for c in token if _syllabic(c))
    return letters + syllables >= 2 and letters * 2 >= len(token)


def _syllabic(char: str) -> bool:
    """A Hangul syllable, a CJK ideograph or a kana: a character that is a syllable or a word."""
    return "\uac00" <= char <= "\ud7a3" or "\u3040" <= char <= "\u30ff" or "\u4e00" <= char <= "\u9fff"
