"""HWPTAG_PARA_TEXT decoding (HWP 5.0 spec, "문단의 텍스트" and "제어 문자").

The text is UTF-16LE. Codes 0-31 are controls of three kinds:

* char controls (1 WCHAR): line break 10, paragraph end 13, hyphen 24, non-breaking space 30,
  fixed-width space 31, unusable/reserved 0 and 25-29;
* inline controls (8 WCHARs: code, 6 WCHARs of parameters, code again): field end 4, title mark 8,
  tab 9 and reserved 5-7, 19, 20;
* extended controls (8 WCHARs, the parameters hold a control id): section/column definitions,
  field start, tables and drawing objects, headers/footers, footnotes ... Each one is described
  by the paragraph's next CTRL_HEADER record, in order.

The 6 parameter WCHARs are binary and never text: decoding the stream as a whole would turn them
into stray glyphs (and a surrogate pair among them would shift every following position).
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np

CONTROL_WIDTH = 8  # inline and extended controls occupy 8 WCHARs
_CHAR_CONTROLS = {0: "", 10: "\n", 13: "", 24: "-", 25: "", 26: "", 27: "", 28: "", 29: "", 30: " ", 31: " "}
_INLINE_CONTROLS = {4: "", 5: "", 6: "", 7: "", 8: "", 9: "\t", 19: "", 20: ""}
# Hancom writes the product name 한글 with a logo glyph for 한 (U+F53A in its private use area).
# Other private-use code points (Hancom symbols, 옛한글 in old fonts) have no glyph in any font
# the viewer has, so they would show as boxes: left out.
_HANGUL_LOGO = "\uf53a"
_ODD_RE = re.compile("[\ud800-\udfff\ue000-\uf8ff]")
_CONTROL_RE = re.compile("[\x00-\x1f]")


class ControlRef:
    """Where an extended control sits in the text; the paragraph's CTRL_HEADER records say what it is."""

    __slots__ = ("code",)

    def __init__(self, code: int) -> None:
        self.code = code

    def __repr__(self) -> str:
        return f"ControlRef({self.code})"


def decode_para_text(data: bytes) -> list[str | ControlRef]:
    """Text runs and extended-control markers of one paragraph, in order (char/inline controls resolved)."""
    data = data[: len(data) & ~1]
    # Fast path: one decode, in which string positions are WCHAR positions as long as no
    # surrogate pair was joined into one character (then: count WCHARs with numpy).
    text = data.decode("utf-16-le", errors="surrogatepass")
    if len(text) == len(data) // 2:
        positions = [m.start() for m in _CONTROL_RE.finditer(text)]
        return _split(positions, len(text), lambda a, b: _clean(text[a:b]), lambda i: ord(text[i]))
    codes = np.frombuffer(data, dtype="<u2")
    positions = np.flatnonzero(codes < 32).tolist()
    return _split(positions, len(codes), lambda a, b: _clean(data[a * 2 : b * 2].decode("utf-16-le", "ignore")),
                  lambda i: int(codes[i]))  # fmt: skip


def _split(
    positions: list[int], length: int, text: Callable[[int, int], str], code_at: Callable[[int], int]
) -> list[str | ControlRef]:
    out: list[str | ControlRef] = []
    start = 0  # first WCHAR not yet emitted
    for pos in positions:
        if pos < start:
            continue  # a parameter WCHAR inside the control just skipped
        if pos > start:
            out.append(text(start, pos))
        code = code_at(pos)
        if code in _CHAR_CONTROLS:
            out.append(_CHAR_CONTROLS[code])
            start = pos + 1
        elif code in _INLINE_CONTROLS:
            out.append(_INLINE_CONTROLS[code])
            start = pos + CONTROL_WIDTH
        else:
            out.append(ControlRef(code))
            start = pos + CONTROL_WIDTH
    if start < length:
        out.append(text(start, length))
    return [part for part in out if not (isinstance(part, str) and not part)]


def _clean(text: str) -> str:
    """Lone surrogates (damaged text) and private-use glyphs are dropped, not shown as boxes."""
    if _ODD_RE.search(text):
        text = _ODD_RE.sub("", text.replace(_HANGUL_LOGO, "한"))
    return text
