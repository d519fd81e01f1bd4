"""Mailboxes (.mbox, mboxo/mboxrd): every message is its own part, "Subject (YYYY-MM-DD)".

Messages are split on "From " lines that start the file or follow an empty line, and the
">From " quoting of body lines is undone (mboxrd), so "From " at a line start reads as written.
"""

from __future__ import annotations

import re

from .._base import LoadError
from .message import looks_like_mail, mail_from_message, parse_message
from .model import Mail, message_label
from .render import register_mail_format

MAX_MESSAGES = 100_000
_SEPARATOR_RE = re.compile(rb"(?:\A|\n)From [^\n]*\n")
_HEADER_LINE_RE = re.compile(rb"[!-9;-~]{1,80}:")
_QUOTED_FROM_RE = re.compile(rb"^>(>*From )", re.MULTILINE)


def split_mbox(data: bytes) -> list[bytes]:
    """The raw messages of a mailbox, envelope lines removed and '>From ' unquoted."""
    if not data.startswith(b"From "):
        raise LoadError("not an MBOX mailbox (it does not start with a 'From ' line)")
    data = data.replace(b"\r\n", b"\n")
    starts = list(_SEPARATOR_RE.finditer(data))
    messages: list[bytes] = []
    for n, match in enumerate(starts[: MAX_MESSAGES + 1]):
        end = starts[n + 1].start() if n + 1 < len(starts) else len(data)
        chunk = data[match.end() : end]
        if messages and not _HEADER_LINE_RE.match(chunk):
            # mboxo leaves body lines starting with "From " unquoted: that was no new message.
            messages[-1] += data[match.start() : end]
            continue
        messages.append(chunk)
    return [_QUOTED_FROM_RE.sub(rb"\1", m) for m in messages]


def read_mbox_bytes(data: bytes) -> list[tuple[str, Mail]]:
    """Each message with its part label; duplicate labels get '#2', '#3'."""
    raw_messages = split_mbox(data)
    if len(raw_messages) > MAX_MESSAGES:
        raise LoadError(f"mailbox has more than {MAX_MESSAGES:,} messages")
    result: list[tuple[str, Mail]] = []
    seen: dict[str, int] = {}
    for raw in raw_messages:
        message = parse_message(raw)
        if not looks_like_mail(message):
            continue
        mail = mail_from_message(message)
        label = message_label(mail)
        seen[label] = seen.get(label, 0) + 1
        result.append((f"{label} #{seen[label]}" if seen[label] > 1 else label, mail))
    if not result:
        raise LoadError("no messages found in mailbox")
    return result


register_mail_format(".mbox", read_mbox_bytes)
