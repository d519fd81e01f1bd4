"""What every mail format is turned into before rendering: headers, body text and attachments.

The three readers (.eml, .mbox, .msg) each fill a :class:`Mail`; :mod:`.render` turns it into page
texts, so attachments, nesting limits and labels behave the same in all of them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

HEADER_ORDER = ("From", "To", "Cc", "Date", "Subject")
PART_SEPARATOR = " › "


@dataclass
class Attachment:
    """One attached file (``data``) or embedded message (``nested``, read only when indexed)."""

    name: str  # as the sender named it; sanitised before it is shown or written
    data: bytes | None = None
    mime_type: str = ""
    # Embedded message(s): called only within the nesting limit, so a hostile chain is never parsed.
    nested: Callable[[], list[tuple[str, Mail]]] | None = None


@dataclass
class Mail:
    """One message: header fields in display order, body text and attachments."""

    headers: dict[str, str] = field(default_factory=dict)  # keys from HEADER_ORDER
    body: str = ""
    body_is_html: bool = False  # the body came from HTML: its '#' lines are headings
    attachments: list[Attachment] = field(default_factory=list)
    date: datetime | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def subject(self) -> str:
        return self.headers.get("Subject", "").strip()

    def header_block(self) -> str:
        """'From: …\\nTo: …\\nDate: …\\nSubject: …' with the fields the message has."""
        lines = []
        for name in HEADER_ORDER:
            value = " ".join(self.headers.get(name, "").split())
            if value:
                lines.append(f"{name}: {value}")
        return "\n".join(lines)


def join_part(*labels: str) -> str:
    """'inner.msg › report.pdf' from the non-empty labels."""
    return PART_SEPARATOR.join(label for label in labels if label)


def message_label(mail: Mail) -> str:
    """'Subject (YYYY-MM-DD)', the part label of one message in a mailbox."""
    subject = " ".join(mail.subject.split()) or "(no subject)"
    if len(subject) > 80:
        subject = subject[:79] + "…"
    return f"{subject} ({mail.date:%Y-%m-%d})" if mail.date else subject
