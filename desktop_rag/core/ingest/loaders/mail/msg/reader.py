"""One Outlook message storage -> :class:`~..model.Mail` (property ids from [MS-OXPROPS])."""

from __future__ import annotations

import re
from email.utils import format_datetime, parsedate_to_datetime

from ..._base import LoadError, short_message
from ...html import decode_html
from ..charsets import codec_for_codepage, decode_bytes
from ..model import Attachment, Mail
from ..render import html_body_text
from .lzfu import Truncated, decompress_rtf
from .rtf import rtf_to_text
from .storage import HEADER_CHILD, HEADER_EMBEDDED, PT_OBJECT, PropertyStore

PR_SUBJECT, PR_CLIENT_SUBMIT_TIME, PR_SENT_REPRESENTING_NAME = 0x0037, 0x0039, 0x0042
PR_SENT_REPRESENTING_EMAIL, PR_TRANSPORT_HEADERS = 0x0065, 0x007D
PR_SENDER_NAME, PR_SENDER_EMAIL, PR_SENDER_SMTP = 0x0C1A, 0x0C1F, 0x5D01
PR_DISPLAY_CC, PR_DISPLAY_TO, PR_DELIVERY_TIME = 0x0E03, 0x0E04, 0x0E06
PR_BODY, PR_RTF_COMPRESSED, PR_HTML = 0x1000, 0x1009, 0x1013
PR_INTERNET_CPID, PR_MESSAGE_CODEPAGE = 0x3FDE, 0x3FFD
PR_DISPLAY_NAME, PR_RECIPIENT_TYPE, PR_EMAIL_ADDRESS, PR_SMTP_ADDRESS = 0x3001, 0x0C15, 0x3003, 0x39FE
PR_ATTACH_DATA, PR_ATTACH_FILENAME, PR_ATTACH_LONG_FILENAME, PR_ATTACH_MIME_TAG = (
    0x3701,
    0x3704,
    0x3707,
    0x370E,
)

MAX_RTF_BYTES = 16 * 1024 * 1024  # decompressed; a mail body is rarely over 1 MB of RTF
MAX_BODY_CHARS = 8 * 1024 * 1024
_DATE_HEADER_RE = re.compile(r"^Date:[ \t]*(.+)$", re.MULTILINE | re.IGNORECASE)


def read_message(store: PropertyStore) -> Mail:
    """Headers, body and attachments of a message storage (top-level or embedded)."""
    store.codec = codec_for_codepage(store.long(PR_MESSAGE_CODEPAGE)) or codec_for_codepage(
        store.long(PR_INTERNET_CPID)
    )
    mail = Mail()
    mail.headers["From"] = _sender(store)
    to, cc = store.string(PR_DISPLAY_TO), store.string(PR_DISPLAY_CC)
    if not to and not cc:
        to, cc = _recipients(store)
    mail.headers["To"], mail.headers["Cc"] = to, cc
    mail.headers["Subject"] = store.string(PR_SUBJECT)
    mail.date = store.time(PR_CLIENT_SUBMIT_TIME) or store.time(PR_DELIVERY_TIME) or _transport_date(store)
    if mail.date is not None:
        mail.headers["Date"] = format_datetime(mail.date)
    mail.body, mail.body_is_html = _body(store, mail.warnings)
    mail.attachments = [
        _attachment(store.child(name, HEADER_CHILD)) for name in store.children_named("__attach_version1.0_#")
    ]
    return mail


def _sender(store: PropertyStore) -> str:
    name = store.string(PR_SENDER_NAME) or store.string(PR_SENT_REPRESENTING_NAME)
    address = next(
        (
            a
            for a in (store.string(p) for p in (PR_SENDER_SMTP, PR_SENT_REPRESENTING_EMAIL, PR_SENDER_EMAIL))
            if "@" in a
        ),
        "",
    )
    if name and address and address.lower() not in name.lower():
        return f"{name} <{address}>"
    return name or address


def _recipients(store: PropertyStore) -> tuple[str, str]:
    """To and Cc from the recipient storages, for messages without the PR_DISPLAY_TO/CC summary."""
    lists: dict[int, list[str]] = {1: [], 2: []}
    for name in store.children_named("__recip_version1.0_#")[:1000]:
        recipient = store.child(name, HEADER_CHILD)
        kind = recipient.long(PR_RECIPIENT_TYPE) or 1
        display = recipient.string(PR_DISPLAY_NAME)
        address = recipient.string(PR_SMTP_ADDRESS) or recipient.string(PR_EMAIL_ADDRESS)
        shown = (
            f"{display} <{address}>"
            if display and "@" in address and address not in display
            else display or address
        )
        if shown and kind in lists:
            lists[kind].append(shown)
    return "; ".join(lists[1]), "; ".join(lists[2])


def _transport_date(store: PropertyStore) -> object:
    """The Date: line of the original Internet headers, for items without submit/delivery time."""
    match = _DATE_HEADER_RE.search(store.string(PR_TRANSPORT_HEADERS))
    if match is None:
        return None
    try:
        return parsedate_to_datetime(match.group(1).strip())
    except (TypeError, ValueError, IndexError):
        return None


def _body(store: PropertyStore, warnings: list[str]) -> tuple[str, bool]:
    """The plain-text body, else the HTML body, else the (compressed) RTF body; and whether it was HTML."""
    plain = store.string(PR_BODY)
    if plain.strip():
        return plain, False
    html = store.binary(PR_HTML)
    markup = ""
    if html is not None:
        markup = decode_bytes(html, store.codec) if store.codec else decode_html(html)
    else:
        markup = store.string(PR_HTML)
    if markup.strip():
        text = html_body_text(markup)
        return text, bool(text)
    rtf = store.binary(PR_RTF_COMPRESSED)
    if rtf is None:
        return "", False
    try:
        raw = decompress_rtf(rtf, MAX_RTF_BYTES)
    except Truncated as exc:
        raw = exc.partial
        warnings.append(f"message body truncated at {MAX_RTF_BYTES // (1024 * 1024)} MB of RTF")
    except LoadError as exc:
        warnings.append(str(exc))
        return "", False
    converted = rtf_to_text(raw, MAX_BODY_CHARS)
    if converted.truncated:
        warnings.append(f"message body truncated at {MAX_BODY_CHARS:,} characters")
    if converted.html:
        text = html_body_text(converted.text)
        return text, bool(text)
    return converted.text, False


def _attachment(store: PropertyStore) -> Attachment:
    filename = store.string(PR_ATTACH_LONG_FILENAME) or store.string(PR_ATTACH_FILENAME)
    name = filename or store.string(PR_DISPLAY_NAME)
    mime = store.string(PR_ATTACH_MIME_TAG)
    embedded = f"__substg1.0_{PR_ATTACH_DATA:04X}{PT_OBJECT:04X}"
    if embedded.upper() in (s.upper() for s in store.storages):
        inner = store.child(next(s for s in store.storages if s.upper() == embedded.upper()), HEADER_EMBEDDED)
        if not inner.has_properties():  # an OLE object (a Word picture...), not a message
            return Attachment(name=name, data=None, mime_type=mime)
        if not filename.lower().endswith((".msg", ".eml")):
            # Outlook's display name reads "sample.eml (555 bytes)": the subject names it better.
            name = (inner.string(PR_SUBJECT) or name or "message")[:80] + ".msg"

        def read() -> list[tuple[str, Mail]]:
            try:
                return [("", read_message(inner))]
            except LoadError:
                raise
            except Exception as exc:  # noqa: BLE001 - damage inside the embedded item
                raise LoadError(f"damaged embedded message ({short_message(exc)})") from exc

        return Attachment(name=name, mime_type="application/vnd.ms-outlook", nested=read)
    return Attachment(name=name, data=store.binary(PR_ATTACH_DATA) or b"", mime_type=mime)
