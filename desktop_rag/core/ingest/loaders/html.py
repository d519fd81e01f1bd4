"""HTML and XHTML: the visible text, with h1-h6 turned into Markdown heading lines.

Uses the standard library's tolerant ``html.parser`` (no tree is built, so memory stays flat on big
pages). The EPUB loader reuses :func:`html_to_text` for its chapters.
"""

from __future__ import annotations

import codecs
import re
from html.parser import HTMLParser
from pathlib import Path

from ._base import (
    LoadedDocument,
    LoadError,
    PageText,
    normalize_text,
    register_loader,
)
from .text import decode_text

HTML_EXTENSIONS = (".html", ".htm", ".xhtml", ".xht", ".shtml")

# Never shown to a reader, or page chrome rather than content.
_SKIPPED_TAGS = frozenset(
    {"head", "title", "script", "style", "noscript", "template", "svg", "iframe", "object",
     "canvas", "nav", "button", "select", "datalist"}
)  # fmt: skip
_VOID_TAGS = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
     "track", "wbr"}
)  # fmt: skip
# End tags that authors may omit: a new sibling start tag closes the previous one.
_OPTIONAL_END_TAGS = frozenset({"p", "li", "dt", "dd", "tr", "td", "th", "option"})
# Tags allowed inside <head>; any other start tag means the (unclosed) head has ended.
_HEAD_TAGS = frozenset({"title", "meta", "link", "style", "script", "base", "noscript", "template"})
_PARAGRAPH_TAGS = frozenset(
    {"address", "article", "aside", "blockquote", "body", "caption", "center", "details",
     "dialog", "div", "dl", "fieldset", "figcaption", "figure", "footer", "form", "header", "hgroup",
     "hr", "html", "legend", "main", "menu", "ol", "p", "pre", "section", "summary", "table", "ul"}
)  # fmt: skip
_LINE_TAGS = frozenset({"br", "li", "dt", "dd", "tr", "tbody", "thead", "tfoot"})
_HEADING_TAGS = {f"h{n}": n for n in range(1, 7)}
_CELL_TAGS = frozenset({"td", "th"})

_SPACES_RE = re.compile(r"\s+")
_MULTI_SPACE_RE = re.compile(r"[ \t]{2,}")
_HIDDEN_STYLE_RE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_HEADING_SENTINEL_RE = re.compile(r"^\x00([1-6])\x00[ \t]*(.*)$")

NO_BREAK, LINE_BREAK, PARAGRAPH_BREAK = 0, 1, 2


class _VisibleTextParser(HTMLParser):
    """Collects visible text; block elements become line or paragraph breaks."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._out: list[str] = []
        self._pending_break = NO_BREAK
        self._skip_tag: str | None = None
        self._skip_depth = 0
        self._pre_depth = 0
        self._heading_level = 0
        self._heading_started = False
        self._in_cell = False
        self._cells_in_row = 0
        self._prefix = ""

    # -- output helpers --------------------------------------------------------------------------

    def _break(self, kind: int) -> None:
        if self._in_cell or self._heading_level:
            # A table row and a heading must stay on one line: breaks inside become spaces.
            if self._out and not self._pending_break and not self._out[-1].endswith((" ", "\n")):
                self._out.append(" ")
            return
        self._pending_break = max(self._pending_break, kind)

    def _emit_text(self, text: str) -> None:
        if not text:
            return
        at_line_start = not self._out or self._out[-1].endswith("\n") or self._pending_break
        if at_line_start and not text.strip():
            return
        if self._pending_break and self._out:
            self._out.append("\n" * self._pending_break)
        self._pending_break = NO_BREAK
        if at_line_start:
            text = text.lstrip(" ") if self._pre_depth == 0 else text
            if self._prefix:
                text = self._prefix + text
                self._prefix = ""
        if self._heading_level and not self._heading_started:
            text = f"\x00{self._heading_level}\x00" + text.lstrip()
            self._heading_started = True
        self._out.append(text)

    def text(self) -> str:
        return "".join(self._out)

    # -- parser callbacks ------------------------------------------------------------------------

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._skip_tag is not None:
            if not self._still_skipping_at_start(tag):
                return
        if tag not in _VOID_TAGS and (tag in _SKIPPED_TAGS or _is_hidden(attrs)):
            self._skip_tag, self._skip_depth = tag, 1
            return
        self._open(tag)

    def _still_skipping_at_start(self, tag: str) -> bool:
        """Track nesting of the skipped tag; True when skipping has ended and ``tag`` must be handled."""
        if self._skip_tag == "head" and tag not in _HEAD_TAGS:
            self._skip_tag = None  # <body> or content after an unclosed <head>
            return True
        if tag == self._skip_tag:
            if tag in _OPTIONAL_END_TAGS and self._skip_depth == 1:
                self._skip_tag = None  # a sibling closes the hidden <li>/<p>; handle the new one
                return True
            if tag not in _VOID_TAGS:
                self._skip_depth += 1
        return False

    def _open(self, tag: str) -> None:
        if tag in _HEADING_TAGS and not self._in_cell:
            self._break(PARAGRAPH_BREAK)
            self._heading_level, self._heading_started = _HEADING_TAGS[tag], False
            self._prefix = ""
        elif tag == "tr":
            self._in_cell, self._cells_in_row = False, 0
            self._break(LINE_BREAK)
        elif tag in _CELL_TAGS:
            self._in_cell = False
            if self._cells_in_row:
                self._emit_text(" | ")
            self._cells_in_row += 1
            self._in_cell = True
        elif tag == "li":
            self._break(LINE_BREAK)
            if not self._in_cell and not self._heading_level:
                self._prefix = "- "
        elif tag in _PARAGRAPH_TAGS:
            self._break(PARAGRAPH_BREAK)
        elif tag in _LINE_TAGS:
            self._break(LINE_BREAK)
        if tag == "pre":
            self._pre_depth += 1

    def handle_endtag(self, tag: str) -> None:
        if self._skip_tag is not None:
            if tag == self._skip_tag:
                self._skip_depth -= 1
                if self._skip_depth <= 0:
                    self._skip_tag = None
            return
        if tag in _HEADING_TAGS and self._heading_level:
            self._heading_level = 0
            self._break(PARAGRAPH_BREAK)
        elif tag in _CELL_TAGS:
            self._in_cell = False
        elif tag == "table":
            self._in_cell = False
            self._break(PARAGRAPH_BREAK)
        elif tag in _PARAGRAPH_TAGS:
            self._break(PARAGRAPH_BREAK)
        elif tag in _LINE_TAGS:
            self._break(LINE_BREAK)
        if tag == "pre" and self._pre_depth:
            self._pre_depth -= 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # XHTML's <br/>, <div hidden/>: an element without content.
        if self._skip_tag is None and (tag in _VOID_TAGS or not (tag in _SKIPPED_TAGS or _is_hidden(attrs))):
            self._open(tag)
            if tag not in _VOID_TAGS:
                self.handle_endtag(tag)

    def handle_data(self, data: str) -> None:
        if self._skip_tag is not None:
            return
        if self._pre_depth:
            # Keep the layout of preformatted text, but not inside a heading line.
            lines = data.split("\n")
            for n, line in enumerate(lines):
                if n:
                    self._break(LINE_BREAK)
                self._emit_text(line)
        else:
            self._emit_text(_SPACES_RE.sub(" ", data))


def _is_hidden(attrs: list[tuple[str, str | None]]) -> bool:
    for name, value in attrs:
        if name == "hidden":
            return True
        if name == "aria-hidden" and (value or "").strip().lower() == "true":
            return True
        if name == "style" and value and _HIDDEN_STYLE_RE.search(value):
            return True
    return False


def html_to_text(markup: str) -> str:
    """Visible text of an HTML document, headings as '#' lines, paragraphs separated by blank lines."""
    parser = _VisibleTextParser()
    parser.feed(_strip_front_matter(markup.replace("\x00", "")))
    parser.close()
    return _finish_lines(parser.text())


def _finish_lines(raw: str) -> str:
    """Strip lines, escape stray '#' lines, turn heading sentinels into '#' lines, one blank line max."""
    lines: list[str] = []
    for line in raw.split("\n"):
        line = line.strip()
        match = _HEADING_SENTINEL_RE.match(line)
        if match:
            title = _SPACES_RE.sub(" ", match.group(2)).strip()
            if not title:
                continue
            line = "#" * int(match.group(1)) + " " + title
        line = _MULTI_SPACE_RE.sub(" ", line.replace("\x00", ""))
        if line or (lines and lines[-1]):
            lines.append(line)
    return "\n".join(lines).strip("\n")


_FRONT_MATTER_RE = re.compile(r"\A---[ \t]*\r?\n.*?\n---[ \t]*\r?\n", re.DOTALL)


def _strip_front_matter(markup: str) -> str:
    """Jekyll/Hugo page sources start with YAML front matter that no browser would show."""
    if markup.startswith("---"):
        match = _FRONT_MATTER_RE.match(markup[:8192])
        if match:
            return markup[match.end() :]
    return markup


# --- decoding -----------------------------------------------------------------------------------

_META_CHARSET_RE = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)|<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""",
    re.IGNORECASE,
)
# Browsers treat these labels as their supersets (WHATWG Encoding Standard).
_CHARSET_SUPERSETS = {
    "iso-8859-1": "cp1252", "latin1": "cp1252", "latin-1": "cp1252", "us-ascii": "cp1252", "ascii": "cp1252",
    "euc-kr": "cp949", "ks_c_5601-1987": "cp949", "ksc5601": "cp949", "gb2312": "gb18030", "gbk": "gb18030",
    "shift_jis": "cp932", "sjis": "cp932", "x-sjis": "cp932", "big5": "big5hkscs",
}  # fmt: skip


def decode_html(data: bytes) -> str:
    """Decode HTML bytes: BOM, then a declared <meta charset>/XML encoding, then text detection."""
    if data.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return decode_text(data)
    declared = _declared_charset(data[:4096])
    if declared:
        try:
            return data.decode(declared)
        except UnicodeDecodeError:
            pass  # the declaration lies; detect instead
    try:
        return decode_text(data)
    except LoadError as exc:
        if "binary" in str(exc):
            raise
        return data.decode(declared or "utf-8", errors="replace")


def _declared_charset(head: bytes) -> str | None:
    match = _META_CHARSET_RE.search(head)
    if not match:
        return None
    label = (match.group(1) or match.group(2)).decode("ascii").lower()
    label = _CHARSET_SUPERSETS.get(label, label)
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    # A page that was read as ASCII-compatible bytes cannot really be UTF-16/32.
    return "utf-8" if name.startswith(("utf-16", "utf-32")) else name


def html_bytes_to_text(data: bytes) -> str:
    """Decode and extract the visible text of an HTML/XHTML document."""
    return html_to_text(normalize_text(decode_html(data)))


def load_html(path: Path, max_bytes: int) -> LoadedDocument:
    """One page with the visible text of the web page."""
    return LoadedDocument(pages=[PageText(number=None, text=html_bytes_to_text(path.read_bytes()))], headings=True)


register_loader(HTML_EXTENSIONS, load_html)
