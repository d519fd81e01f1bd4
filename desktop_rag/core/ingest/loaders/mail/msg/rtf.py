"""A small, bounded RTF-to-text converter for Outlook message bodies.

Handles what mail bodies use: \\ansicpgN and per-font \\fcharsetN code pages with \\'hh escapes,
\\uN with \\ucN fallbacks, paragraph/line/tab/cell breaks, and skips the non-text destinations
(font and colour tables, pictures, objects, field instructions, any unknown \\* destination).
Bodies that Outlook converted from HTML (\\fromhtml1, [MS-OXRTFEX]) are de-encapsulated back to
HTML: text inside \\htmlrtf … \\htmlrtf0 is RTF-only and dropped, \\*\\htmltag groups are kept.
One regex pass over the bytes: linear time, no recursion, output capped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from ..charsets import codec_for_codepage

_TOKEN_RE = re.compile(
    rb"\\([a-zA-Z]{1,32})(-?\d{1,10})? ?"  # control word with optional parameter
    rb"|\\'([0-9a-fA-F]{2})"  # hex byte
    rb"|\\([^a-zA-Z])"  # control symbol
    rb"|([{}])"  # group
    rb"|([^\\{}\r\n]+)"  # text
    rb"|[\r\n]+"  # source line breaks carry no meaning
)
_SKIPPED_DESTINATIONS = frozenset(
    {"fonttbl", "colortbl", "stylesheet", "info", "pict", "object", "objdata", "themedata",
     "colorschememapping", "datastore", "latentstyles", "listtable", "listoverridetable", "rsidtbl",
     "generator", "xmlnstbl", "fldinst", "header", "headerl", "headerr", "headerf", "footer",
     "footerl", "footerr", "footerf", "mhtmltag", "filetbl", "revtbl", "pgdsctbl", "bkmkstart",
     "bkmkend", "xe", "tc", "txe", "nonshppict", "shppict", "blipuid", "wgrffmtfilter", "operator"}
)  # fmt: skip
_BREAKS = {"par": "\n", "line": "\n", "sect": "\n\n", "page": "\n\n", "row": "\n", "cell": "\t", "tab": "\t"}
_SYMBOLS = {
    "emdash": "\u2014", "endash": "\u2013", "bullet": "\u2022", "lquote": "\u2018", "rquote": "\u2019",
    "ldblquote": "\u201c", "rdblquote": "\u201d", "emspace": " ", "enspace": " ", "qmspace": " ",
}  # fmt: skip
_CONTROL_SYMBOLS = {b"\\": "\\", b"{": "{", b"}": "}", b"~": "\u00a0", b"_": "-", b"-": "", b"\t": "\t"}
# \fcharsetN -> Windows code page.
_CHARSET_CODEPAGES = {
    0: 1252, 128: 932, 129: 949, 130: 1361, 134: 936, 136: 950, 161: 1253, 162: 1254, 163: 1258,
    177: 1255, 178: 1256, 186: 1257, 204: 1251, 222: 874, 238: 1250,
}  # fmt: skip


@dataclass(frozen=True)
class _State:
    skip: bool = False  # inside a destination that is not text
    uc: int = 1  # characters that follow \uN as its fallback
    codec: str = "cp1252"
    htmlrtf: bool = False  # fromhtml: RTF-only text, not part of the HTML
    in_fonttbl: bool = False


@dataclass
class RtfText:
    """The text of an RTF body; ``html`` when it is de-encapsulated HTML (\\fromhtml1)."""

    text: str
    html: bool
    truncated: bool


def rtf_to_text(rtf: bytes, limit: int) -> RtfText:
    """Readable text (or the original HTML) of an RTF document, at most ``limit`` characters."""
    out: list[str] = []
    size = 0
    pending = bytearray()  # \'hh bytes and 8-bit text, decoded together (DBCS pairs span escapes)
    state = _State()
    stack: list[_State] = []
    default_codec = "cp1252"
    fonts: dict[int, str] = {}
    font_being_defined: int | None = None
    from_html = False
    star = False
    skip_fallback = 0
    truncated = False
    high_surrogate = 0

    def flush() -> None:
        nonlocal size
        if pending:
            text = pending.decode(state.codec, errors="replace")
            pending.clear()
            out.append(text)
            size += len(text)

    def emit(text: str) -> None:
        nonlocal size
        flush()
        out.append(text)
        size += len(text)

    def visible() -> bool:
        return not state.skip and not (from_html and state.htmlrtf)

    for match in _TOKEN_RE.finditer(rtf):
        if size > limit:
            truncated = True
            break
        word, param, hexbyte, symbol, brace, text = match.groups()
        if brace is not None:
            flush()
            if brace == b"{":
                stack.append(state)
                if len(stack) > 4096:  # absurd nesting: treat the rest as not text
                    state = replace(state, skip=True)
            elif stack:
                state = stack.pop()
            star = False
            skip_fallback = 0
            continue
        if text is not None:
            if skip_fallback:
                drop = min(skip_fallback, len(text))
                skip_fallback -= drop
                text = text[drop:]
            if state.in_fonttbl or not text or not visible():
                continue
            pending.extend(text)
            continue
        if hexbyte is not None:
            if skip_fallback:
                skip_fallback -= 1
                continue
            if visible() and not state.in_fonttbl:
                pending.append(int(hexbyte, 16))
            continue
        if symbol is not None:
            if symbol == b"*":
                star = True
            elif visible() and symbol in _CONTROL_SYMBOLS:
                emit(_CONTROL_SYMBOLS[symbol])
            continue
        if word is None:
            continue  # a line break in the RTF source
        name = word.decode("ascii")
        number = int(param) if param is not None else None
        if star:
            star = False
            if name == "htmltag" and from_html:
                state = replace(state, htmlrtf=False)  # the original HTML: always kept
                continue
            if name not in ("fldinst",):
                state = replace(state, skip=True)
                continue
        skip_fallback = 0
        if name in _SKIPPED_DESTINATIONS:
            if name == "fonttbl":
                state = replace(state, in_fonttbl=True, skip=True)
            else:
                state = replace(state, skip=True)
        elif name == "fromhtml" and number != 0:
            from_html = True
        elif name == "htmlrtf":
            flush()
            state = replace(state, htmlrtf=number != 0)
        elif name == "ansicpg" and number is not None:
            default_codec = codec_for_codepage(number) or default_codec
            flush()
            state = replace(state, codec=default_codec)
        elif name == "f" and number is not None:
            if state.in_fonttbl:
                font_being_defined = number
            else:
                flush()
                state = replace(state, codec=fonts.get(number, default_codec))
        elif name == "fcharset" and number is not None and font_being_defined is not None:
            codepage = _CHARSET_CODEPAGES.get(number)
            codec = codec_for_codepage(codepage) if codepage else None
            if codec:
                fonts[font_being_defined] = codec
        elif name == "uc" and number is not None:
            state = replace(state, uc=max(0, min(number, 10)))
        elif name == "u" and number is not None:
            code = number + 65536 if number < 0 else number
            if 0xD800 <= code < 0xDC00:
                high_surrogate = code  # Word writes emoji as two \uN: wait for the low half
            elif visible():
                if high_surrogate and 0xDC00 <= code <= 0xDFFF:
                    code = 0x10000 + ((high_surrogate - 0xD800) << 10) + (code - 0xDC00)
                emit(chr(_code_point(code)))
                high_surrogate = 0
            skip_fallback = state.uc
        elif name in _BREAKS:
            if visible():
                emit(_BREAKS[name])
        elif name in _SYMBOLS:
            if visible():
                emit(_SYMBOLS[name])
    flush()
    text = "".join(out)
    return RtfText(text=text[:limit], html=from_html, truncated=truncated or len(text) > limit)


def _code_point(code: int) -> int:
    """Lone surrogates and out-of-range values become U+FFFD."""
    return code if 0 < code < 0xD800 or 0xE000 <= code <= 0x10FFFF else 0xFFFD
