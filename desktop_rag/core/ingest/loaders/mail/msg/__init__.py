"""Outlook items (.msg): headers, body (plain, HTML or compressed RTF) and attachments, embedded messages too.

The compound file is opened from memory (it is at most ``max_bytes``), so embedded messages can be
read lazily, only within the renderer's nesting limit.
"""

from __future__ import annotations

import olefile

from ..._base import LoadError, short_message
from ..model import Mail
from ..render import register_mail_format
from .reader import read_message
from .storage import HEADER_TOP, MsgFile, PropertyStore

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def read_msg_bytes(data: bytes) -> list[tuple[str, Mail]]:
    """The message in .msg bytes as [("", mail)]; LoadError when they are not a readable Outlook item."""
    if not data.startswith(_OLE_MAGIC):
        raise LoadError("not an Outlook .msg file (not an OLE compound file)")
    try:
        ole = olefile.OleFileIO(data)
        msg = MsgFile(ole, 4 * len(data))  # streams are disjoint: reading more means a looping FAT
        root = PropertyStore(msg, (), HEADER_TOP)
        if not root.has_properties():
            raise LoadError("not an Outlook message (an OLE file without message properties)")
        return [("", read_message(root))]
    except LoadError:
        raise
    except Exception as exc:  # noqa: BLE001 - damaged FAT/directory: olefile raises OSError, struct.error, ...
        raise LoadError(f"damaged Outlook .msg file ({short_message(exc)})") from exc


register_mail_format(".msg", read_msg_bytes)
