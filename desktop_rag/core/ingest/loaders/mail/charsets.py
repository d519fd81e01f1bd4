"""Charset labels and Windows code pages as mail programs write them, mapped to Python codecs.

Python maps ``ks_c_5601-1987`` and ``euc-kr`` to its strict EUC-KR codec, which loses the 8,822
syllables that only CP949 has (똠, 똡, 쌰 ...). Outlook writes those labels for CP949 text, so
they are decoded as CP949; Shift_JIS likewise as Microsoft's CP932. Unknown or lying labels never
fail: the bytes are then decoded by detection (UTF-8, CP949, charset_normalizer) or with
replacement characters as a last resort.
"""

from __future__ import annotations

import codecs

from .._base import LoadError
from ..text import decode_text

# Labels (lower-case) whose real encoding is a Microsoft superset, or that Python does not know.
_SUPERSETS = {
    "ks_c_5601-1987": "cp949", "ks_c_5601-1989": "cp949", "ks_c_5601": "cp949", "ksc5601": "cp949",
    "ksc_5601": "cp949", "ks_x_1001": "cp949", "euc-kr": "cp949", "euc_kr": "cp949", "euckr": "cp949",
    "x-euc-kr": "cp949", "x-windows-949": "cp949", "windows-949": "cp949", "uhc": "cp949",
    "shift_jis": "cp932", "shift-jis": "cp932", "sjis": "cp932", "x-sjis": "cp932", "ms_kanji": "cp932",
    "windows-31j": "cp932", "csshiftjis": "cp932", "x-ms-cp932": "cp932",
    "gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "cp936": "gb18030",
    "big5": "big5hkscs", "x-x-big5": "big5hkscs",
    "iso-8859-1": "cp1252", "latin1": "cp1252", "latin-1": "cp1252", "iso_8859-1": "cp1252",
    "unicode-1-1-utf-7": "utf-7", "utf8": "utf-8",
}  # fmt: skip
# Labels that say nothing about the bytes.
_MEANINGLESS = frozenset({"unknown-8bit", "x-unknown", "unknown", "default", "charset", "x-user-defined", ""})
_ASCII_LABELS = frozenset({"us-ascii", "ascii", "ansi_x3.4-1968", "646", "us"})

# Windows code page numbers (PR_MESSAGE_CODEPAGE, PR_INTERNET_CPID, RTF \ansicpgN) to codecs.
_CODEPAGES = {
    65001: "utf-8", 1200: "utf-16-le", 1201: "utf-16-be", 20127: "cp1252", 28591: "cp1252",
    949: "cp949", 51949: "cp949", 932: "cp932", 50220: "iso2022_jp", 50221: "iso2022_jp",
    50222: "iso2022_jp", 51932: "euc_jp", 936: "gb18030", 54936: "gb18030", 950: "big5hkscs",
    10000: "mac_roman", 20866: "koi8_r", 21866: "koi8_u",
}  # fmt: skip


def codec_for(label: str | None) -> str | None:
    """The Python codec for a MIME charset label, or None when the label is missing or unknown."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    if label in _MEANINGLESS:
        return None
    if label in _ASCII_LABELS:
        return "ascii"
    label = _SUPERSETS.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def codec_for_codepage(codepage: int | None) -> str | None:
    """The Python codec for a Windows code page number, or None when unknown."""
    if not codepage:
        return None
    name = _CODEPAGES.get(codepage, f"cp{codepage}")
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode_bytes(data: bytes, codec: str | None) -> str:
    """Decode text bytes in ``codec`` (a Python codec name from :func:`codec_for`), never failing.

    A declared codec that does not fit the bytes (a common lie: "us-ascii" on UTF-8 text) gives
    way to detection; only when nothing fits are undecodable bytes replaced.
    """
    if not data:
        return ""
    if codec == "ascii":
        # "us-ascii" is what many programs write for any 8-bit text; UTF-8 is the likeliest truth.
        codec = "utf-8" if _is_utf8(data) else "cp1252"
    if codec:
        try:
            return data.decode(codec)
        except (UnicodeDecodeError, LookupError):
            pass
    try:
        return decode_text(data)
    except LoadError:
        return data.decode(codec or "utf-8", errors="replace")


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
