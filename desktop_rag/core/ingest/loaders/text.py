"""Plain-text, source-code and Markdown files, with encoding detection tuned for Korean users.

Detection order: byte-order mark -> strict UTF-8 -> UTF-16 without BOM -> CP949 (EUC-KR superset)
-> charset_normalizer's best guess. Binary content behind a text extension is refused rather than
indexed as mojibake.

Files up to ``STREAM_ABOVE_BYTES`` are read whole. Bigger ones (possible when ``max_file_bytes`` is
raised) are streamed: the encoding is detected on the first block, then the file is decoded and
normalised block by block into pages of about ``_BLOCK_BYTES``, so memory stays near the size of
the text itself instead of several copies of it.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path

from ._base import (
    LoadedDocument,
    LoadError,
    PageText,
    normalize_text,
    register_loader,
)

PLAIN_TEXT_EXTENSIONS = (
    # prose, data and configuration (.csv / .tsv: sheets.delimited)
    ".txt", ".text", ".rst", ".org", ".adoc", ".asciidoc", ".tex", ".bib", ".srt", ".vtt",
    ".log", ".json", ".jsonl", ".ndjson", ".yaml", ".yml", ".toml", ".ini",
    ".cfg", ".conf", ".properties", ".xml",
    # source code
    ".py", ".pyi", ".ipynb", ".js", ".mjs", ".cjs", ".ts", ".tsx", ".jsx", ".vue", ".svelte",
    ".java", ".kt", ".kts", ".scala", ".groovy", ".gradle", ".c", ".h", ".cc", ".cpp", ".cxx",
    ".hpp", ".hh", ".m", ".mm", ".cs", ".fs", ".vb", ".go", ".rs", ".swift", ".rb", ".php",
    ".pl", ".pm", ".lua", ".r", ".jl", ".dart", ".hs", ".ml", ".ex", ".exs", ".erl", ".clj",
    ".el", ".lisp", ".sh", ".bash", ".zsh", ".fish", ".ps1", ".bat", ".cmd", ".sql", ".css",
    ".scss", ".sass", ".less", ".proto", ".graphql", ".cmake", ".mk", ".dockerfile", ".tf",
)  # fmt: skip
MARKDOWN_EXTENSIONS = (".md", ".markdown", ".mdown", ".mkd", ".mdx")

_SAMPLE_BYTES = 64 * 1024
_SAMPLE_CHARS = 64 * 1024

# Formats that are never text, whatever their name says (a PDF renamed .txt, a zipped export...).
_BINARY_MAGIC = (
    b"%PDF-", b"PK\x03\x04", b"\x89PNG", b"GIF87a", b"GIF89a", b"\xff\xd8\xff", b"\xd0\xcf\x11\xe0",
    b"\x7fELF", b"\x1f\x8b", b"7z\xbc\xaf", b"Rar!", b"OggS", b"\x00\x00\x01\x00", b"wOFF", b"SQLite format 3",
)  # fmt: skip

# C0/C1 controls other than NUL (see _MAX_NUL_RUNS), tab, newlines, form feed and ESC (coloured
# logs); more than a few % means binary.
_BINARY_CONTROLS_RE = re.compile(r"[\x01-\x08\x0e-\x1a\x1c-\x1f\x7f\x80-\x84\x86-\x9f]")
_NUL_RUN_RE = re.compile(rb"\x00+")
_MAX_NUL_RUNS = 4
_BINARY_CONTROL_SHARE = 0.05

_BOMS = (
    # UTF-32 first: its little-endian BOM starts with the UTF-16 one.
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def decode_text(data: bytes) -> str:
    """Decode file bytes to ``str``, detecting the encoding; raises :class:`LoadError` if not text."""
    text = _decode_with_bom(data)
    if text is None:
        if data.startswith(_BINARY_MAGIC):
            raise LoadError("binary file, not text")
        if b"\x00" in data[:_SAMPLE_BYTES]:
            # Text never contains NUL, except UTF-16 (ASCII's high byte) and the odd padding block of
            # a log file that crashed; binary files have NULs all over the place.
            text = _decode_utf16_without_bom(data)
            if text is None and len(_NUL_RUN_RE.findall(data[:_SAMPLE_BYTES])) > _MAX_NUL_RUNS:
                raise LoadError("binary file, not text")
        if text is None:
            text = _decode_utf8(data) or _decode_cp949(data) or _decode_guess(data)
    if text is None:
        raise LoadError("unknown text encoding")
    if _looks_binary(text):
        raise LoadError("binary file, not text")
    return text


def _decode_with_bom(data: bytes) -> str | None:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(encoding)
            except UnicodeDecodeError:
                continue  # e.g. UTF-16-LE text starting with U+0000 looks like a UTF-32 BOM
    return None


def _decode_utf8(data: bytes) -> str | None:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _decode_utf16_without_bom(data: bytes) -> str | None:
    encoding = _utf16_parity(data)
    if encoding is None:
        return None
    try:
        text = data[: len(data) - len(data) % 2].decode(encoding)
    except UnicodeDecodeError:  # unpaired surrogates: random bytes, not UTF-16
        return None
    return text if _mostly_assigned(text) else None


def _mostly_assigned(text: str) -> bool:
    """Binary read as UTF-16 yields many private-use/unassigned code points; real text almost none."""
    sample = text[:_SAMPLE_CHARS]
    odd = sum(1 for ch in sample if unicodedata.category(ch) in ("Co", "Cn", "Cs"))
    return odd <= 0.01 * max(len(sample), 1)


def _decode_cp949(data: bytes) -> str | None:
    """Korean legacy files (EUC-KR / CP949), accepted only when the result really reads as Korean.

    Many Latin-1 byte sequences are also valid CP949; requiring mostly Hangul-or-ASCII, with the
    Hangul from the common KS X 1001 set, keeps such files for charset_normalizer.
    """
    try:
        text = data.decode("cp949")
    except UnicodeDecodeError:
        return None
    sample = text[:_SAMPLE_CHARS]
    hangul = [ch for ch in sample if "\uac00" <= ch <= "\ud7a3" or "\u3131" <= ch <= "\u318e"]
    if not hangul:
        return None
    ascii_count = sum(1 for ch in sample if ch < "\x80")
    if (len(hangul) + ascii_count) < 0.8 * len(sample):
        return None
    common = sum(1 for ch in hangul if _in_euc_kr(ch))
    return text if common >= 0.9 * len(hangul) else None


def _in_euc_kr(ch: str) -> bool:
    try:
        ch.encode("euc_kr")
    except UnicodeEncodeError:
        return False
    return True


def _decode_guess(data: bytes) -> str | None:
    match = _best_guess(data)
    return None if match is None else str(match)


def _best_guess(data: bytes):  # -> charset_normalizer.CharsetMatch | None
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # optional: without it, unusual legacy encodings are reported, not guessed
        return None
    matches = from_bytes(data)
    best = matches.best()
    if best is None:
        return None
    # On short Western texts the Latin code pages score alike and the first wins (cp1257 turning
    # "crème" into "crčme"); prefer Windows-1252, the usual one, when it is as good.
    for match in matches:
        if (
            match.encoding == "cp1252"
            and match.chaos <= best.chaos + 0.1
            and match.coherence >= best.coherence
        ):
            return match
    return best


def _looks_binary(text: str) -> bool:
    for sample in (text[:_SAMPLE_CHARS], text[-_SAMPLE_CHARS:]):
        if len(_BINARY_CONTROLS_RE.findall(sample)) > _BINARY_CONTROL_SHARE * max(len(sample), 1):
            return True
    return False


def read_text_file(path: Path) -> str:
    """Read and decode a text file (size limits are checked by ``load_document``)."""
    return decode_text(path.read_bytes())


# --- streaming big files ------------------------------------------------------------------------

STREAM_ABOVE_BYTES = 16 * 1024 * 1024  # bigger files are read block by block
_BLOCK_BYTES = 4 * 1024 * 1024


def stream_text_pages(path: Path) -> Iterator[str]:
    """Normalised text of a big file in pieces of about ``_BLOCK_BYTES``, cut between paragraphs.

    The encoding is detected on the first block (as :func:`decode_text` would on a whole file);
    bytes further on that are invalid in it become U+FFFD. Every piece is checked for binary content.
    """
    with open(path, "rb") as handle:
        data = handle.read(_BLOCK_BYTES)
        decoder = codecs.getincrementaldecoder(_detect_encoding(data))(errors="replace")
        pending = ""
        while data:
            following = handle.read(_BLOCK_BYTES)
            text = pending + decoder.decode(data, final=not following)
            cut = len(text) if not following else _last_break(text)
            piece, pending = text[:cut], text[cut:]
            if _looks_binary(piece):
                raise LoadError("binary file, not text")
            yield normalize_text(piece)
            data = following
        if pending:
            yield normalize_text(pending)


def _last_break(text: str) -> int:
    """Where to end a piece: after the last blank line, else the last newline, else anywhere.

    Cutting after a "\n" never splits a "\r\n" pair or a Markdown heading from its underline.
    """
    for separator in ("\n\n", "\n"):
        position = text.rfind(separator, len(text) // 2)
        if position >= 0:
            return position + len(separator)
    return len(text)


def _detect_encoding(sample: bytes) -> str:
    """Codec name for a file whose first bytes are ``sample``; same order as :func:`decode_text`."""
    for bom, encoding in _BOMS:
        if sample.startswith(bom):
            codec = "utf-8-sig" if encoding == "utf-8" else encoding.rsplit("-", 1)[0]  # BOM-aware codecs
            if _complete_text(sample, codec) is not None:
                return codec
    if sample.startswith(_BINARY_MAGIC):
        raise LoadError("binary file, not text")
    if b"\x00" in sample[:_SAMPLE_BYTES]:
        encoding = _utf16_parity(sample)
        text = _complete_text(sample, encoding) if encoding else None
        if encoding and text is not None and _mostly_assigned(text):
            return encoding
        if len(_NUL_RUN_RE.findall(sample[:_SAMPLE_BYTES])) > _MAX_NUL_RUNS:
            raise LoadError("binary file, not text")
    if _complete_text(sample, "utf-8") is not None:
        return "utf-8"
    korean = _complete_text(sample, "cp949")
    if korean is not None and _decode_cp949(korean.encode("cp949")) is not None:
        return "cp949"
    match = _best_guess(sample)
    if match is None:
        raise LoadError("unknown text encoding")
    return match.encoding


def _complete_text(sample: bytes, encoding: str) -> str | None:
    """``sample`` decoded, allowing one character cut off at its end; None if it is not valid."""
    for cut in range(4):
        try:
            return sample[: len(sample) - cut].decode(encoding)
        except UnicodeDecodeError as exc:
            if exc.start < len(sample) - cut - 4:
                return None  # invalid well before the end, not a character cut off there
    return None


def _utf16_parity(data: bytes) -> str | None:
    """UTF-16 without BOM: ASCII characters put their NUL byte always at the same parity."""
    sample = data[:_SAMPLE_BYTES]
    nul_even, nul_odd = sample[0::2].count(0), sample[1::2].count(0)
    if nul_odd >= 0.95 * (nul_even + nul_odd):
        return "utf-16-le"
    if nul_even >= 0.95 * (nul_even + nul_odd):
        return "utf-16-be"
    return None


# --- loaders ------------------------------------------------------------------------------------


def _is_big(path: Path) -> bool:
    return path.stat().st_size > STREAM_ABOVE_BYTES


def load_plain_text(path: Path, max_bytes: int) -> LoadedDocument:
    """Plain text and source code: one page (a few for big files), no headings."""
    if _is_big(path):
        return LoadedDocument(pages=[PageText(number=None, text=t) for t in stream_text_pages(path) if t])
    text = normalize_text(read_text_file(path))
    return LoadedDocument(pages=[PageText(number=None, text=text)])


def load_markdown(path: Path, max_bytes: int) -> LoadedDocument:
    """Markdown: ATX headings kept as they are, setext headings rewritten as ATX, code fences escaped."""
    if _is_big(path):
        pages: list[PageText] = []
        fence: str | None = None
        for n, piece in enumerate(stream_text_pages(path)):
            if fence:  # reopen the code block closed at the end of the previous page
                piece = f"{fence}\n{piece}"
            text, fence = _markdown_headings(piece, None, front_matter=n == 0)
            if fence:  # the chunker reads page by page: a '# comment' in code must not become a heading
                text = f"{text}\n{fence}"
            if text:
                pages.append(PageText(number=None, text=text))
        return LoadedDocument(pages=pages, headings=True)
    text = markdown_to_heading_text(normalize_text(read_text_file(path)))
    return LoadedDocument(pages=[PageText(number=None, text=text)], headings=True)


_FENCE_RE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_SETEXT_RE = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
# Lines that cannot be the text of a setext heading (lists, quotes, tables, indented code...).
_NOT_SETEXT_TEXT_RE = re.compile(r"^(?: {4}|\t| {0,3}(?:[-*+>|#]|\d+[.)]))")


def markdown_to_heading_text(text: str) -> str:
    """Make '#' lines the only headings: setext -> ATX, '#' lines inside code fences escaped."""
    return _markdown_headings(text, None, front_matter=True)[0]


def _markdown_headings(text: str, fence: str | None, front_matter: bool) -> tuple[str, str | None]:
    """:func:`markdown_to_heading_text` for one piece of a file; ``fence``: the code fence still open."""
    lines = text.split("\n")
    out: list[str] = []
    i = _front_matter_end(lines) if front_matter else 0
    out.extend(lines[:i])
    while i < len(lines):
        line = lines[i]
        match = _FENCE_RE.match(line)
        if fence is not None:
            if match and match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence):
                fence = None
            out.append(line)
        elif match:
            fence = match.group(1)
            out.append(line)
        elif _is_setext_heading(lines, i):
            level = "#" if lines[i + 1].strip()[0] == "=" else "##"
            out.append(f"{level} {line.strip()}")
            i += 1  # the underline is consumed
        else:
            out.append(line)
        i += 1
    return "\n".join(out), fence


def _front_matter_end(lines: list[str]) -> int:
    """Index after a leading YAML front-matter block ('---' ... '---'), so it is not a heading."""
    if lines and lines[0].strip() == "---":
        for j in range(1, min(len(lines), 200)):
            if lines[j].strip() in ("---", "..."):
                return j + 1
    return 0


def _is_setext_heading(lines: list[str], i: int) -> bool:
    line = lines[i]
    if i + 1 >= len(lines) or not line.strip() or _NOT_SETEXT_TEXT_RE.match(line):
        return False
    if i > 0 and lines[i - 1].strip():  # only single-line paragraphs: avoids eating list tails
        return False
    return bool(_SETEXT_RE.match(lines[i + 1]))


register_loader(PLAIN_TEXT_EXTENSIONS, load_plain_text)
register_loader(MARKDOWN_EXTENSIONS, load_markdown)
