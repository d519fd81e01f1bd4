"""Internet mail (RFC 5322 / MIME) as parsed by the standard library -> :class:`~.model.Mail`.

Headers are decoded here rather than by ``policy.default`` because the standard library reads
``ks_c_5601-1987`` / ``euc-kr`` encoded words as strict EUC-KR and loses CP949-only syllables.
Bodies: every inline text/plain part; HTML parts through the HTML loader's converter; in
multipart/alternative the plain text, else the HTML. A multipart whose declared boundary never
occurs (spam, broken mailers) is re-split on the boundary its body really uses.
"""

from __future__ import annotations

import re
from email import policy
from email.errors import HeaderParseError
from email.header import decode_header
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import parsedate_to_datetime

from ..html import decode_html
from .charsets import codec_for, decode_bytes
from .model import HEADER_ORDER, Attachment, Mail
from .render import html_body_text

MAX_MIME_DEPTH = 40  # multipart inside multipart: real mail has 3-4 levels
_KNOWN_HEADERS = frozenset(
    {"from", "to", "cc", "subject", "date", "message-id", "received", "mime-version", "content-type",
     "return-path", "sender", "reply-to", "delivered-to", "x-mailer", "user-agent"}
)  # fmt: skip
_BOUNDARY_LINE_RE = re.compile(rb"^--([^\s]{1,200}?)(?:--)?[ \t]*\r?$", re.MULTILINE)


def parse_message(data: bytes) -> EmailMessage:
    """Parse raw message bytes with ``policy.default`` (never raises for malformed mail)."""
    return BytesParser(policy=policy.default).parsebytes(data)  # type: ignore[return-value]


def looks_like_mail(message: Message) -> bool:
    """True when the parsed bytes have at least one real mail header (random bytes have none)."""
    return any(name.lower() in _KNOWN_HEADERS for name in message.keys())


def mail_from_message(message: Message) -> Mail:
    """Headers, body text and attachments of one parsed message."""
    mail = Mail()
    raw = dict((name.lower(), value) for name, value in reversed(list(message.raw_items())))
    for name in HEADER_ORDER:
        if name.lower() in raw:
            mail.headers[name] = decode_header_value(raw[name.lower()])
    if "date" in raw:
        try:
            mail.date = parsedate_to_datetime(str(raw["date"]))
        except (TypeError, ValueError, IndexError):
            mail.date = None
    bodies: list[str] = []
    _walk(message, mail, bodies, 0, reparsed=False)
    mail.body = "\n\n".join(b.strip() for b in bodies if b.strip())
    return mail


def decode_header_value(value: object) -> str:
    """A raw header value with RFC 2047 encoded words decoded, legacy Korean/Japanese included."""
    text = str(value)
    try:
        chunks = decode_header(text)
    except (HeaderParseError, ValueError, LookupError):
        return _from_surrogates(text)
    out = []
    for chunk, charset in chunks:
        if isinstance(chunk, str):
            out.append(_from_surrogates(chunk))
        elif charset is None:
            out.append(decode_bytes(chunk, None))
        else:
            out.append(decode_bytes(chunk, codec_for(charset)))
    return " ".join(" ".join(out).split()) if len(chunks) > 1 else "".join(out).strip()


def _from_surrogates(text: str) -> str:
    """Raw 8-bit header bytes arrive as surrogate escapes: decode them by detection."""
    if any("\udc80" <= ch <= "\udcff" for ch in text):
        return decode_bytes(text.encode("utf-8", "surrogateescape"), None)
    return text


def _walk(part: Message, mail: Mail, bodies: list[str], depth: int, reparsed: bool) -> None:
    if depth > MAX_MIME_DEPTH:
        mail.warnings.append(f"MIME parts nested more than {MAX_MIME_DEPTH} deep were left out")
        return
    ctype = part.get_content_type()
    if ctype == "message/rfc822":  # checked first: the stdlib counts it as multipart
        _add_embedded(part, mail)
        return
    if part.is_multipart():
        children = list(part.get_payload())  # type: ignore[arg-type]
        if ctype == "multipart/alternative" and children:
            children = [_preferred_alternative(children)]
        for child in children:
            _walk(child, mail, bodies, depth + 1, reparsed)
        return
    if part.get_content_maintype() == "multipart":
        recovered = None if reparsed else _resplit(part)
        if recovered is not None:
            _walk(recovered, mail, bodies, depth + 1, reparsed=True)
            return
        ctype = "text/plain"  # no boundary at all: the body is all there is
    filename = _filename(part)
    disposition = part.get_content_disposition()
    if ctype in ("text/plain", "text/html") and disposition != "attachment":
        text = _part_text(part, ctype)
        if text.strip():
            bodies.append(text)
            mail.body_is_html = mail.body_is_html or ctype == "text/html"
        return
    if disposition != "attachment" and not filename and part.get_content_maintype() == "image":
        return  # an unnamed inline picture (a logo, a signature): nothing to index or to name
    data = part.get_payload(decode=True)
    mail.attachments.append(
        Attachment(name=filename, data=data if isinstance(data, bytes) else b"", mime_type=ctype)
    )


def _preferred_alternative(children: list[Message]) -> Message:
    """multipart/alternative: the plain text if it has any, else HTML, else the richest other part."""
    for wanted in ("text/plain", "text/html"):
        for child in children:
            if child.get_content_type() == wanted and _part_text(child, wanted).strip():
                return child
    multiparts = [c for c in children if c.is_multipart()]
    return multiparts[-1] if multiparts else children[-1]


def _part_text(part: Message, ctype: str) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    codec = codec_for(part.get_content_charset())
    if ctype == "text/html":
        return html_body_text(decode_bytes(payload, codec) if codec else decode_html(payload))
    return decode_bytes(payload, codec)


def _filename(part: Message) -> str:
    """The attachment's name: RFC 2231 parameters, or (Outlook) encoded words inside quotes."""
    try:
        name = part.get_filename() or part.get_param("name") or ""
    except (HeaderParseError, ValueError, LookupError, IndexError):
        return ""
    if isinstance(name, tuple):  # an RFC 2231 triple the parser did not collapse
        name = name[2]
    return decode_header_value(name) if "=?" in str(name) else _from_surrogates(str(name))


def _add_embedded(part: Message, mail: Mail) -> None:
    payload = part.get_payload()
    inner = payload[0] if isinstance(payload, list) and payload else None
    if not isinstance(inner, Message):
        return
    subject = decode_header_value(inner.get("subject", "")) if inner.get("subject") else ""
    name = _filename(part) or (subject[:80] + ".eml" if subject else "")

    def read() -> list[tuple[str, Mail]]:
        return [("", mail_from_message(inner))]

    mail.attachments.append(Attachment(name=name, mime_type="message/rfc822", nested=read))


def _resplit(part: Message) -> Message | None:
    """Re-parse a multipart whose declared boundary is missing, on the boundary its body uses."""
    body = part.get_payload(decode=True)
    if not isinstance(body, bytes):
        return None
    match = _BOUNDARY_LINE_RE.search(body)
    if match is None:
        return None
    boundary = match.group(1).decode("ascii", "replace").replace('"', "")
    subtype = part.get_content_subtype()
    head = f'Content-Type: multipart/{subtype}; boundary="{boundary}"\r\n\r\n'.encode("ascii", "replace")
    recovered = parse_message(head + body)
    return recovered if recovered.is_multipart() else None
