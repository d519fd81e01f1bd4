"""Paragraph numbering and bullets from ``Contents/header.xml``.

Hangul numbers paragraphs itself: the XML holds only "paragraph shape 24 is level 2 of numbering 3",
and the numbering's format string ("^1.^2.") says how to print the counters. This module keeps the
counters while the sections are read in order, so "1.2. Budget" reads (and is found) as the user
sees it on screen.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

_HH = "http://www.hancom.co.kr/hwpml/2011/head"
_LEVELS = 10  # OWPML defines 7 levels (10 in newer versions); counters beyond are ignored
_PLACEHOLDER_RE = re.compile(r"\^(10|[1-9])")
_BULLET = "•"  # bullet characters are Wingdings private-use glyphs: print a plain bullet instead

_HANGUL_SYLLABLES = "가나다라마바사아자차카타파하"
_HANGUL_JAMO = "ㄱㄴㄷㄹㅁㅂㅅㅇㅈㅊㅋㅌㅍㅎ"
_HANGUL_PHONETIC = "일이삼사오육칠팔구십"
_IDEOGRAPHS = "一二三四五六七八九十"
_ROMAN = ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
          (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))  # fmt: skip


@dataclass(frozen=True)
class _Level:
    start: int
    num_format: str
    text: str  # e.g. "^1.^2." (empty: the level prints no number)


@dataclass
class Numbering:
    """Heading kinds of the paragraph shapes and the numbering definitions of one document."""

    para_heading: dict[str, tuple[str, str, int]] = field(
        default_factory=dict
    )  # paraPr id -> (type, idRef, level)
    numberings: dict[str, dict[int, _Level]] = field(default_factory=dict)
    outline_id: str = "1"  # the section's outlineShapeIDRef: numbering used by OUTLINE paragraphs
    _counters: dict[str, list[int]] = field(default_factory=dict)

    def outline_level(self, para_pr: str) -> int:
        """1-based outline level of a paragraph shape, 0 when it is not an outline heading."""
        kind, _, level = self.para_heading.get(para_pr, ("NONE", "", 0))
        return level + 1 if kind == "OUTLINE" else 0

    def prefix(self, para_pr: str) -> str:
        """The number or bullet Hangul shows before the next paragraph of shape ``para_pr`` (advances counters)."""
        kind, ref, level = self.para_heading.get(para_pr, ("NONE", "", 0))
        if kind == "BULLET":
            return _BULLET + " "
        if kind not in ("NUMBER", "OUTLINE"):
            return ""
        num_id = self.outline_id if kind == "OUTLINE" else ref
        levels = self.numberings.get(num_id)
        if not levels or not 0 <= level < _LEVELS:
            return ""
        counters = self._counters.setdefault(num_id, [0] * _LEVELS)
        counters[level] += 1
        for shallower in range(level):  # "4." then a level-3 item: Hangul prints 4.1.1.1, and so on
            counters[shallower] = max(counters[shallower], 1)
        for deeper in range(level + 1, _LEVELS):  # a new "2." restarts its "2.1."
            counters[deeper] = 0
        spec = levels.get(level + 1)
        if spec is None or not spec.text:
            return ""

        def number(match: re.Match[str]) -> str:
            lvl = int(match.group(1))
            lvl_spec = levels.get(lvl, _Level(1, "DIGIT", ""))
            value = lvl_spec.start - 1 + counters[lvl - 1]
            return format_number(value, lvl_spec.num_format)

        text = _PLACEHOLDER_RE.sub(number, spec.text).strip()
        return text + " " if text else ""


def read_numbering(root: ET.Element | None) -> Numbering:
    """Collect heading kinds and numberings from a parsed ``header.xml`` (None: none)."""
    result = Numbering()
    if root is None:
        return result
    for para_pr in root.iter(f"{{{_HH}}}paraPr"):
        heading = para_pr.find(f"{{{_HH}}}heading")
        if heading is None:  # newer files wrap it: hp:switch/hp:default/hh:heading
            heading = para_pr.find(f".//{{{_HH}}}heading")
        if heading is not None and heading.get("type", "NONE") != "NONE":
            result.para_heading[para_pr.get("id", "")] = (
                heading.get("type", "NONE"),
                heading.get("idRef", ""),
                _int(heading.get("level"), 0),
            )
    for numbering in root.iter(f"{{{_HH}}}numbering"):
        levels: dict[int, _Level] = {}
        for head in numbering.iter(f"{{{_HH}}}paraHead"):
            level = _int(head.get("level"), 0)
            levels[level] = _Level(
                _int(head.get("start"), 1), head.get("numFormat", "DIGIT"), head.text or ""
            )
        result.numberings[numbering.get("id", "")] = levels
    return result


def format_number(value: int, num_format: str) -> str:
    """``value`` written the way an OWPML number format (DIGIT, HANGUL_SYLLABLE, ROMAN_SMALL, ...) shows it."""
    if value < 1:
        return str(value)
    if num_format in ("HANGUL_SYLLABLE", "CIRCLED_HANGUL_SYLLABLE"):
        char = _HANGUL_SYLLABLES[(value - 1) % len(_HANGUL_SYLLABLES)]
        return chr(0x326E + _HANGUL_SYLLABLES.index(char)) if num_format.startswith("CIRCLED") else char
    if num_format in ("HANGUL_JAMO", "CIRCLED_HANGUL_JAMO"):
        index = (value - 1) % len(_HANGUL_JAMO)
        return chr(0x3260 + index) if num_format.startswith("CIRCLED") else _HANGUL_JAMO[index]
    if num_format in ("LATIN_CAPITAL", "LATIN_SMALL", "CIRCLED_LATIN_CAPITAL", "CIRCLED_LATIN_SMALL"):
        index = (value - 1) % 26
        if num_format.startswith("CIRCLED"):
            return chr((0x24B6 if num_format.endswith("CAPITAL") else 0x24D0) + index)
        return chr((0x41 if num_format.endswith("CAPITAL") else 0x61) + index)
    if num_format in ("ROMAN_CAPITAL", "ROMAN_SMALL"):
        roman = _roman(value)
        return roman if num_format == "ROMAN_CAPITAL" else roman.lower()
    if num_format in ("CIRCLED_DIGIT", "DECAGON_CIRCLE") and value <= 20:
        return chr(0x2460 + value - 1)
    if num_format == "HANGUL_PHONETIC" and value <= 10:
        return _HANGUL_PHONETIC[value - 1]
    if num_format in ("IDEOGRAPH", "CIRCLED_IDEOGRAPH", "DECAGON_CIRCLE_HANJA") and value <= 10:
        return chr(0x3280 + value - 1) if num_format != "IDEOGRAPH" else _IDEOGRAPHS[value - 1]
    return str(value)


def _roman(value: int) -> str:
    out = []
    for amount, letters in _ROMAN:
        count, value = divmod(value, amount)
        out.append(letters * count)
    return "".join(out)


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default
