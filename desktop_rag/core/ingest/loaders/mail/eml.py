"""Single Internet mail files (.eml): the message's text first, then its attachments' pages."""

from __future__ import annotations

from pathlib import Path

from .._base import LoadedDocument, LoadError, register_loader
from .message import looks_like_mail, mail_from_message, parse_message
from .model import Mail
from .render import register_nested_reader, render_mails


def read_eml_bytes(data: bytes) -> list[tuple[str, Mail]]:
    """One message from raw bytes, as [("", mail)]; LoadError when the bytes are not mail."""
    if data.startswith((b"\xd0\xcf\x11\xe0", b"%PDF-", b"PK\x03\x04")):
        raise LoadError("not an e-mail message (a binary file named .eml)")
    message = parse_message(data)
    if not looks_like_mail(message):
        raise LoadError("not an e-mail message (no mail headers found)")
    return [("", mail_from_message(message))]


def load_eml(path: Path, max_bytes: int) -> LoadedDocument:
    """Headers and body of the message, attachments appended with their names as part labels."""
    with open(path, "rb") as fh:
        data = fh.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise LoadError(f"file too large (limit {max_bytes} bytes)")
    return render_mails(read_eml_bytes(data), max_bytes)


register_nested_reader(".eml", read_eml_bytes)
register_loader([".eml"], load_eml)
