"""E-mail: single messages (.eml), mailboxes (.mbox) and Outlook items (.msg), attachments included.

Each reader turns its format into :class:`~.model.Mail` objects; :mod:`.render` turns those into
pages: the message's header block and body (number None), then each indexable attachment's own
pages labelled with its name ("report.pdf", nested "inner.msg › report.pdf").
"""

from __future__ import annotations

from . import eml, mbox, msg  # noqa: F401 - imported for their register_loader() calls
