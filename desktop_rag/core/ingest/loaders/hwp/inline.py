"""Controls that put visible characters into the line: auto numbers, 덧말 and 글자 겹침.

HWP 5.0 spec: an auto number (``atno``) stores its kind (bits 0-3: 0 page, 1 footnote,
2 endnote, 3 picture, 4 table, 5 equation), its format (bits 4-11) and the number itself, with
a user symbol, prefix and suffix character; 덧말 (``tdut``) stores the main and the over/under
text, 글자 겹침 (``tcps``) the overlapped characters, each as a WORD length and WCHARs.
Page numbers are left out: the loader never claims to know on which page text is.
"""

from __future__ import annotations

import struct

_CIRCLED_ONE = 0x2460
_ROMAN = [(1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"), (40, "XL"),
          (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]  # fmt: skip
_HANGUL_ORDER = "가나다라마바사아자차카타파하"


def auto_number(data: bytes) -> str:
    """The text of an auto-number control (e.g. "3" in "표 3", "1)" in a footnote), '' for page numbers."""
    if len(data) < 10:
        return ""
    prop, number = struct.unpack_from("<IH", data, 4)
    kind, fmt = prop & 0xF, (prop >> 4) & 0xFF
    if kind == 0 or kind > 5 or number == 0:
        return ""
    # after the number: user symbol, prefix and suffix WCHARs
    prefix, suffix = (_wchar(data, 12), _wchar(data, 14)) if len(data) >= 16 else ("", "")
    return prefix + _format_number(number, fmt) + suffix


def _wchar(data: bytes, offset: int) -> str:
    (code,) = struct.unpack_from("<H", data, offset)
    return chr(code) if 32 <= code < 0xD800 else ""


def _format_number(number: int, fmt: int) -> str:
    if fmt == 1 and number <= 20:
        return chr(_CIRCLED_ONE + number - 1)
    if fmt in (2, 3) and number < 4000:
        roman = _roman(number)
        return roman if fmt == 2 else roman.lower()
    if fmt in (4, 5) and number <= 26:
        return chr((ord("A") if fmt == 4 else ord("a")) + number - 1)
    if fmt == 8 and number <= len(_HANGUL_ORDER):
        return _HANGUL_ORDER[number - 1]
    return str(number)


def _roman(number: int) -> str:
    out: list[str] = []
    for value, letters in _ROMAN:
        count, number = divmod(number, value)
        out.append(letters * count)
    return "".join(out)


def _strings(data: bytes, offset: int, count: int) -> list[str]:
    """``count`` WORD-length-prefixed UTF-16 strings from ``offset``; stops at the end of the data."""
    out: list[str] = []
    for _ in range(count):
        if offset + 2 > len(data):
            break
        (length,) = struct.unpack_from("<H", data, offset)
        offset += 2
        out.append(data[offset : offset + 2 * length].decode("utf-16-le", errors="ignore"))
        offset += 2 * length
    return out


def dutmal(data: bytes) -> str:
    """덧말: the main text with its over/under text in parentheses."""
    parts = [part.strip() for part in _strings(data, 4, 2)]
    if len(parts) == 2 and parts[1]:
        return f"{parts[0]}({parts[1]})"
    return parts[0] if parts else ""


def overlapped(data: bytes) -> str:
    """글자 겹침: the overlapped characters."""
    parts = _strings(data, 4, 1)
    return parts[0].strip() if parts else ""
