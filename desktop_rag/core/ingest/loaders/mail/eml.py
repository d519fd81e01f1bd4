"""Single Internet mail files (.eml): the message's text first, then its attachments' pages."""

from __future__ import annotations

from .._base import LoadError
from .message import looks_like_mail, mail_from_message, parse_message
from .model import Mail
from .render import register_mail_format


def read_eml_bytes(data: bytes) -> list[tuple[str, Mail]]:
    """One message from raw bytes, as [("", mail)]; LoadError when the bytes are not mail."""
    if data.startswith((b"\xd0\xcf\x11\xe0", b"%PDF-", b"PK\x03\x04")):
        raise LoadError("not an e-mail message (a binary file named .eml)")
    message = parse_message(data)
    if not looks_like_mail(message):
        raise LoadError("not an e-mail message (no mail headers found)")
    return [("", mail_from_message(message))]


register_mail_format(".eml", read_eml_bytes)
