"""Turn a :class:`~.model.Mail` into page texts, indexing its attachments with the other loaders.

An attachment whose extension has a loader is written to a private temporary folder (in memory,
on /dev/shm, where the system has it: an attachment's text is never written to the disk) and read with
:func:`load_document`, so a PDF attached to a mail is searchable with its own page numbers and
cited as "report.pdf". Attached or embedded messages are read here, in-process, so their depth is
known and bounded. What cannot be indexed is named in the mail's text ("Attachments: a.png") so it
can still be found by name; an attachment that fails is a warning, never a failure of the mail.
"""

from __future__ import annotations

import mimetypes
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from .._base import LoadedDocument, LoadError, PageText, load_document, register_loader, supported_extensions
from ..html import html_to_text
from ..images import IMAGE_EXTENSIONS
from .model import Attachment, Mail, join_part

MAX_NESTING = 3  # an attachment inside a message inside a message inside the mail, and no deeper
MAX_ATTACHMENTS = 500  # per message: more is a hostile file, not correspondence

# Readers of attached mail files, registered by eml/mbox/msg: bytes -> [(part label, Mail)].
NestedReader = Callable[[bytes], list[tuple[str, Mail]]]
_NESTED_READERS: dict[str, NestedReader] = {}

_RAM_FOLDER = Path("/dev/shm")  # Linux's memory-backed tmpfs
_UNSAFE_NAME_CHARS_RE = re.compile(r'[\x00-\x1f\x7f<>:"|?*]')
_NAME_LIMIT = 120


def register_nested_reader(ext: str, reader: NestedReader) -> None:
    """Read attachments with extension ``ext`` (".eml", ".msg", ...) in-process, within the depth limit."""
    _NESTED_READERS[ext] = reader


def register_mail_format(ext: str, reader: NestedReader) -> None:
    """Register ``reader`` (file bytes -> labelled mails) as the loader of ``ext`` files, and for
    attachments of that type inside other mail."""

    def load(path: Path, max_bytes: int) -> LoadedDocument:
        with open(path, "rb") as fh:
            data = fh.read(max_bytes + 1)
        if len(data) > max_bytes:
            raise LoadError(f"file too large (limit {max_bytes} bytes)")
        return render_mails(reader(data), max_bytes)

    register_nested_reader(ext, reader)
    register_loader([ext], load)


def temp_folder() -> str | None:
    """Where attachments are unpacked: memory (/dev/shm) when it is there and writable, else the
    system's temporary folder (None)."""
    if _RAM_FOLDER.is_dir() and os.access(_RAM_FOLDER, os.W_OK | os.X_OK):
        return str(_RAM_FOLDER)
    return None


class _Context:
    """State shared by one top-level load: temp folder, attachment byte budget, warnings."""

    def __init__(self, max_bytes: int) -> None:
        self.budget = max_bytes
        self.warnings: list[str] = []
        self._tmp: Path | None = None
        self._count = 0

    def temp_file(self, name: str) -> Path:
        if self._tmp is None:
            self._tmp = Path(tempfile.mkdtemp(prefix="desktop-rag-mail-", dir=temp_folder()))  # mode 0700
        self._count += 1
        folder = self._tmp / str(self._count)  # one folder each: equal names never collide
        folder.mkdir(mode=0o700)
        return folder / name

    def cleanup(self) -> None:
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None


def render_mails(mails: list[tuple[str, Mail]], max_bytes: int) -> LoadedDocument:
    """Pages for each (part label, mail): the mail's own text first, then its attachments' pages."""
    context = _Context(max_bytes)
    pages: list[PageText] = []
    try:
        for label, mail in mails:
            pages.extend(_render(mail, label, 0, context))
    finally:
        context.cleanup()
    if not any(page.text.strip() for page in pages):
        raise LoadError("no text found (empty message without readable attachments)")
    # Every page says whether its '#' lines are headings (its body's or attachment's own format).
    return LoadedDocument(pages=pages, warnings=context.warnings, headings=False)


def _render(mail: Mail, label: str, depth: int, context: _Context) -> list[PageText]:
    context.warnings.extend(f"{label}: {w}" if label else w for w in mail.warnings)
    attachment_pages: list[PageText] = []
    not_indexed: list[str] = []
    used_names: set[str] = set()
    for index, attachment in enumerate(mail.attachments[:MAX_ATTACHMENTS], start=1):
        name = _unique(safe_filename(attachment.name, attachment.mime_type, index), used_names)
        where = join_part(label, name)
        pages = _render_attachment(attachment, name, where, depth, context)
        if pages is None:
            not_indexed.append(name)
        else:
            attachment_pages.extend(pages)
    if len(mail.attachments) > MAX_ATTACHMENTS:
        context.warnings.append(
            f"{label or 'message'}: only the first {MAX_ATTACHMENTS} attachments were read"
        )
    body = mail.body.strip()
    paragraphs = [mail.header_block(), body]
    if not_indexed:
        paragraphs.append("Attachments: " + ", ".join(not_indexed))
    # A body converted from HTML writes its headings as '#' lines; in a plain-text one '#' is just text.
    own = PageText(None, "\n\n".join(p for p in paragraphs if p), label, headings=mail.body_is_html)
    # Only addresses and a date, nothing written: no text worth indexing (a subject is text).
    has_content = bool(body or mail.subject or attachment_pages or not_indexed)
    return ([own] if has_content else []) + attachment_pages


def _render_attachment(
    attachment: Attachment, name: str, where: str, depth: int, context: _Context
) -> list[PageText] | None:
    """The attachment's pages, or None when it is not indexed (it is then named in the mail)."""
    ext = Path(name).suffix.lower()
    nested = attachment.nested
    if nested is None and attachment.data is not None and ext in _NESTED_READERS:
        data, reader = attachment.data, _NESTED_READERS[ext]

        def nested() -> list[tuple[str, Mail]]:
            return reader(data)

    if nested is not None:
        if depth + 1 >= MAX_NESTING:
            context.warnings.append(
                f"attachment {where}: messages nested more than {MAX_NESTING} deep (not read)"
            )
            return None
        try:
            messages = nested()
        except LoadError as exc:
            context.warnings.append(f"attachment {where}: {exc}")
            return None
        pages: list[PageText] = []
        for label, inner in messages:
            pages.extend(_render(inner, join_part(where, label), depth + 1, context))
        return pages
    # Pictures in mail are mostly logos and signatures: named, not recognised (OCR is for files).
    if attachment.data is None or ext not in supported_extensions() or ext in IMAGE_EXTENSIONS:
        return None
    size = len(attachment.data)
    if size > context.budget:
        context.warnings.append(f"attachment {where}: skipped, attachments exceed the size limit")
        return None
    limit = context.budget  # the attachment gets the file-size limit that is left, as a file would
    context.budget -= size
    return _load_file(attachment.data, name, where, limit, context)


def _load_file(data: bytes, name: str, where: str, limit: int, context: _Context) -> list[PageText] | None:
    path = context.temp_file(name)
    try:
        path.write_bytes(data)
        doc = load_document(path, limit)
    except LoadError as exc:
        context.warnings.append(f"attachment {where}: {exc}")
        return None
    except OSError as exc:  # the temp folder is full or unwritable: lose the attachment, not the mail
        context.warnings.append(f"attachment {where}: could not be unpacked ({exc.strerror or exc})")
        return None
    finally:
        path.unlink(missing_ok=True)
    context.warnings.extend(f"attachment {where}: {w}" for w in doc.warnings)
    # An attached deck keeps counting slides: each page says its own unit.
    return [
        PageText(
            page.number, page.text, join_part(where, page.part), page.unit or doc.page_unit,
            doc.headings if page.headings is None else page.headings,
        )
        for page in doc.pages
    ]


def safe_filename(name: str, mime_type: str, index: int) -> str:
    """A file name without folders, control or reserved characters; 'attachment-N.ext' if none is left."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE_NAME_CHARS_RE.sub("_", name).strip(" .")
    if not name or set(name) <= {"_", "."}:
        ext = (
            mimetypes.guess_extension(mime_type.split(";")[0].strip().lower(), strict=False)
            if mime_type
            else None
        )
        if mime_type.lower() == "message/rfc822":
            ext = ".eml"
        return f"attachment-{index}{ext or ''}"
    if len(name) > _NAME_LIMIT:
        stem, ext = Path(name).stem, Path(name).suffix
        ext = ext if len(ext) <= 16 else ""
        name = stem[: _NAME_LIMIT - len(ext)] + ext
    return name


def _unique(name: str, used: set[str]) -> str:
    """'a.pdf', 'a (2).pdf': two attachments with one name get two citation labels."""
    candidate, n = name, 1
    while candidate.lower() in used:
        n += 1
        path = Path(name)
        candidate = f"{path.stem} ({n}){path.suffix}"
    used.add(candidate.lower())
    return candidate


def html_body_text(markup: str) -> str:
    """Visible text of an HTML mail body (the HTML loader's converter)."""
    return html_to_text(markup)
