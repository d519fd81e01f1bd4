"""The HWP 5.x OLE container: format sniffing, FileHeader flags and bounded stream reads.

HWP 5.x is a Compound File (OLE2) holding ``FileHeader`` (signature, version, property flags),
``DocInfo``, ``BodyText/Section0..N`` and, for distribution documents, ``ViewText/Section0..N``.
Streams are raw-deflated when the FileHeader's "compressed" flag is set.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import olefile

from .._base import LoadError, short_message

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
HWP_SIGNATURE = b"HWP Document File"
HWP3_SIGNATURE = b"HWP Document File V"  # Hangul 97 and older: "HWP Document File V3.00", no OLE
_SECTION_RE = re.compile(r"Section(\d{1,6})")

# FileHeader property flags (HWP 5.0 spec, "파일 인식 정보")
FLAG_COMPRESSED = 1 << 0
FLAG_PASSWORD = 1 << 1
FLAG_DISTRIBUTION = 1 << 2
FLAG_DRM = 1 << 4
FLAG_CERT_ENCRYPTED = 1 << 8
FLAG_CERT_DRM = 1 << 10


def sniff(path: Path) -> str:
    """'ole', 'zip' (HWPX), 'xml' (HWPML), 'hwp3', 'damaged-ole' or 'unknown', from the first bytes."""
    with open(path, "rb") as fh:
        head = fh.read(4096)
    if head.startswith(OLE_MAGIC):
        return "ole"
    if head.startswith(ZIP_MAGIC):
        return "zip"
    if _looks_like_hwpml(head):
        return "xml"
    if head.startswith(HWP3_SIGNATURE):
        return "hwp3"
    # The OLE magic with bytes replaced by U+FFFD: a file that went through a text-mode transfer.
    if b"\x11\xe0\xa1\xb1\x1a" in head[:16] or head.startswith(b"\xef\xbf\xbd\xef\xbf\xbd\x11"):
        return "damaged-ole"
    return "unknown"


def _looks_like_hwpml(head: bytes) -> bool:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16-le" if head.startswith(b"\xff\xfe") else "utf-16-be"
        text = head[2:].decode(encoding, errors="ignore")
    else:
        text = head.decode("utf-8", errors="ignore")
    text = text.lstrip("\ufeff \t\r\n")
    return text.startswith("<") and "<HWPML" in text


@dataclass(frozen=True)
class FileHeader:
    """The FileHeader stream: version (e.g. (5, 0, 3, 4)) and property flags."""

    version: tuple[int, int, int, int]
    flags: int

    @property
    def compressed(self) -> bool:
        return bool(self.flags & FLAG_COMPRESSED)

    @property
    def distribution(self) -> bool:
        return bool(self.flags & FLAG_DISTRIBUTION)


class HwpContainer:
    """An opened HWP 5.x file; streams are read with a size check against the file itself."""

    def __init__(self, path: Path) -> None:
        self._size = path.stat().st_size
        try:
            self._ole = olefile.OleFileIO(str(path))
        except Exception as exc:  # noqa: BLE001 - olefile raises OSError, ValueError, struct.error, ...
            # olefile's own messages are technical (some print huge sector numbers): one of two reasons.
            if "incomplete" in str(exc):
                raise LoadError("damaged HWP file (truncated)") from exc
            raise LoadError("damaged HWP file (not a valid OLE container)") from exc
        try:
            self._check_complete()
        except LoadError:
            self._ole.close()
            raise

    def _check_complete(self) -> None:
        """A file cut short still opens (olefile reads what is there): compare it with its own FAT.

        olefile keeps only the FAT entries of sectors the file has; a chain that still points to
        a sector past the end, or a stream starting there, means the file was cut short, and its
        streams would otherwise be read as garbage.
        """
        sectors = len(self._ole.fat)
        fat = np.asarray(self._ole.fat, dtype=np.uint32)
        pointers = fat[fat < 0xFFFFFFFA]  # next-sector links (the rest: free, end of chain, FAT ...)
        starts = [
            entry.isectStart
            for entry in self._ole.direntries
            if entry is not None
            and entry.entry_type == olefile.STGTY_STREAM
            and entry.size >= self._ole.minisectorcutoff
            and entry.isectStart < 0xFFFFFFFA
        ]
        if (pointers.size and int(pointers.max()) >= sectors) or any(start >= sectors for start in starts):
            raise LoadError("damaged HWP file (truncated)")

    def __enter__(self) -> HwpContainer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._ole.close()

    def file_header(self) -> FileHeader:
        """Parse and check FileHeader; refuses encrypted documents with their reason."""
        if not self._ole.exists("FileHeader"):
            raise LoadError("not an HWP 5 document (FileHeader missing)")
        data = self.read("FileHeader")
        if len(data) < 40 or not data.startswith(HWP_SIGNATURE):
            raise LoadError("not an HWP 5 document (bad FileHeader signature)")
        (raw_version, flags) = struct.unpack_from("<II", data, 32)
        version = (
            (raw_version >> 24) & 0xFF,
            (raw_version >> 16) & 0xFF,
            (raw_version >> 8) & 0xFF,
            raw_version & 0xFF,
        )
        if version[0] != 5:
            raise LoadError(f"unsupported HWP version {'.'.join(map(str, version))}")
        if flags & FLAG_PASSWORD:
            raise LoadError("password-protected HWP")
        if flags & (FLAG_DRM | FLAG_CERT_DRM):
            raise LoadError("DRM-protected HWP")
        if flags & FLAG_CERT_ENCRYPTED:
            raise LoadError("certificate-encrypted HWP")
        return FileHeader(version, flags)

    def sections(self, storage: str) -> list[str]:
        """Stream names ``storage/SectionN`` in section order (numeric, not by name: 10 after 9)."""
        found: dict[int, str] = {}
        for entry in self._ole.listdir(streams=True, storages=False):
            if len(entry) == 2 and entry[0] == storage:
                match = _SECTION_RE.fullmatch(entry[1])
                if match:
                    found[int(match.group(1))] = "/".join(entry)
        return [found[n] for n in sorted(found)]

    def read(self, name: str) -> bytes:
        """A whole stream; one that claims more bytes than the file has is damage, not data."""
        try:
            size = self._ole.get_size(name)
            if size > self._size:
                raise LoadError(f"damaged HWP file ({name} claims {size} bytes)")
            with self._ole.openstream(name) as stream:
                return stream.read(size)
        except LoadError:
            raise
        except Exception as exc:  # noqa: BLE001 - broken FAT chains surface as many exception types
            raise LoadError(f"damaged HWP file ({name}: {short_message(exc, 80)})") from exc
