"""Outlook items (.msg): headers, body (plain, HTML or compressed RTF) and attachments, embedded messages too.

The compound file is opened from memory (it is at most ``max_bytes``), so embedded messages can be
read lazily, only within the renderer's nesting limit.
"""

from __future__ import annotations

from pathlib import Path

import olefile

from ..._base import LoadedDocument, LoadError, register_loader, short_message
from ..model import Mail
from ..render import register_nested_reader, render_mails
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


def load_msg(path: Path, max_bytes: int) -> LoadedDocument:
    """Header block and body of the item, then its attachments and embedded messages as labelled parts."""
    with open(path, "rb") as fh:
        data = fh.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise LoadError(f"file too large (limit {max_bytes} bytes)")
    return render_mails(read_msg_bytes(data), max_bytes)


register_nested_reader(".msg", read_msg_bytes)
register_loader([".msg"], load_msg)
