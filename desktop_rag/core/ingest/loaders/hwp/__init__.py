"""Hangul word processor documents (.hwp): HWP 5.x binary, HWPML (XML) and HWPX under a .hwp name.

The format is chosen by the file's first bytes, not by its extension: an OLE container is HWP 5.x
(``binary``), a ZIP is HWPX (read by the ``hwpx`` loader), ``<?xml ... <HWPML`` is HWPML.
"""

from __future__ import annotations

from pathlib import Path

from .._base import LoadedDocument, LoadError, register_loader
from .binary import load_hwp5
from .container import sniff
from .hwpml import load_hwpml


def load_hwp(path: Path, max_bytes: int) -> LoadedDocument:
    """Text of a .hwp file, whichever of the three formats it really is."""
    kind = sniff(path)
    if kind == "ole":
        return load_hwp5(path, max_bytes)
    if kind == "xml":
        return load_hwpml(path, max_bytes)
    if kind == "zip":
        try:
            from ..hwpx import load_hwpx  # written alongside; imported only when an HWPX file shows up
        except ImportError as exc:
            raise LoadError("HWPX file with .hwp extension: HWPX reader not available") from exc
        return load_hwpx(path, max_bytes)
    if kind == "hwp3":
        raise LoadError("HWP 3.x file (Hangul 97 or older) is not supported: save it as HWP 5 or HWPX")
    if kind == "damaged-ole":
        raise LoadError("damaged HWP file (not a valid OLE container)")
    raise LoadError("not an HWP file (unrecognised format)")


register_loader([".hwp"], load_hwp)

__all__ = ["load_hwp"]
