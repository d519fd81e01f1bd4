"""The HWPX container: a ZIP (OCF, like EPUB) holding OWPML XML parts.

Finds the package document (``Contents/content.hpf``, named by ``META-INF/container.xml``), the
reading order of the section parts from its spine, and refuses encrypted packages. XML is parsed
only after a check that it declares no DTD, so entity expansion ("billion laughs") cannot happen,
and each part is read with a size cap.
"""

from __future__ import annotations

import posixpath
import re
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

from .._base import LoadError, short_message
from .._zip import BoundedZip, human_size

_OCF = "urn:oasis:names:tc:opendocument:xmlns:container"
_ODF_MANIFEST = "urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"
_OPF = "http://www.idpf.org/2007/opf/"
_PACKAGE_MEDIA_TYPE = "application/hwpml-package+xml"
_DEFAULT_PACKAGE = "Contents/content.hpf"
_SECTION_RE = re.compile(r"^Contents/section(\d+)\.xml$", re.IGNORECASE)
# One XML part beyond this is not a real document (the corpus' biggest section is 0.9 MB); the
# cap keeps the parsed tree, several times the XML's size, inside the worker's memory limit.
XML_PART_LIMIT = 64 * 1024 * 1024
_DTD_MARKS = (b"<!DOCTYPE", b"<!ENTITY")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class HwpxZip(BoundedZip):
    """A :class:`BoundedZip` whose XML parts are additionally capped at :data:`XML_PART_LIMIT`."""

    def __init__(self, path: Path, max_bytes: int) -> None:
        with open(path, "rb") as fh:
            magic = fh.read(8)
        if magic == _OLE_MAGIC:
            # Encrypted HWPX stays a ZIP; an OLE file is a binary HWP (or Office) file renamed.
            raise LoadError("not an HWPX file: this is a binary HWP (OLE) document with an .hwpx name")
        try:
            super().__init__(path, max_bytes, "HWPX")
        except LoadError as exc:
            if exc.__cause__ is not None and isinstance(exc.__cause__, zipfile.BadZipFile):
                raise LoadError("damaged or truncated HWPX (not a readable ZIP archive)") from exc
            raise

    def read_xml(self, name: str) -> ET.Element:
        """Parse member ``name``; a DTD, malformed XML or an oversized part is a :class:`LoadError`."""
        saved = self._member_limit
        self._member_limit = min(saved, XML_PART_LIMIT)  # BoundedZip.read enforces and reports it
        try:
            data = self.read(name)
        finally:
            self._member_limit = saved
        return parse_xml(data, name)


def parse_xml(data: bytes, name: str) -> ET.Element:
    """Parse ``data`` with ElementTree, refusing any document type declaration (entity bombs)."""
    probe = data
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):  # UTF-16: look for the marks in decoded text
        probe = data.decode("utf-16", errors="replace").encode("utf-8")
    if any(mark in probe for mark in _DTD_MARKS):
        raise LoadError(f"unsafe HWPX: {name} declares a DTD or entities (refused)")
    if len(data) > XML_PART_LIMIT:
        raise LoadError(f"HWPX part too large: {name} is {human_size(len(data))}")
    try:
        return ET.fromstring(data)
    except ET.ParseError as exc:
        raise LoadError(f"corrupt HWPX: {name}: {short_message(exc)}") from exc


def check_not_encrypted(zf: HwpxZip) -> None:
    """Raise ``password-protected HWPX`` when the ODF manifest lists encryption data."""
    if not zf.has("META-INF/manifest.xml"):
        return
    try:
        root = zf.read_xml("META-INF/manifest.xml")
    except LoadError:
        return  # the manifest only matters for encryption; a damaged one does not hide the text
    if root.find(f".//{{{_ODF_MANIFEST}}}encryption-data") is not None:
        raise LoadError("password-protected HWPX")


def section_names(zf: HwpxZip) -> list[str]:
    """Section parts in reading order: the spine of the package document, else sectionN by number."""
    names = set(zf.names())
    ordered = _spine_sections(zf, names)
    found = sorted(
        (n for n in names if _SECTION_RE.match(n)), key=lambda n: int(_SECTION_RE.match(n).group(1))
    )
    if not ordered:
        return found
    # A section present in the archive but left out of a damaged spine still holds the user's text.
    return ordered + [n for n in found if n not in ordered]


def _package_name(zf: HwpxZip) -> str:
    """The package document named by META-INF/container.xml (almost always Contents/content.hpf)."""
    if zf.has("META-INF/container.xml"):
        try:
            root = zf.read_xml("META-INF/container.xml")
        except LoadError:
            return _DEFAULT_PACKAGE
        rootfiles = list(root.iter(f"{{{_OCF}}}rootfile"))
        for rf in rootfiles:
            if rf.get("media-type") == _PACKAGE_MEDIA_TYPE and zf.has(rf.get("full-path", "")):
                return rf.get("full-path", "")
        for rf in rootfiles:
            if rf.get("full-path", "").lower().endswith(".hpf") and zf.has(rf.get("full-path", "")):
                return rf.get("full-path", "")
    return _DEFAULT_PACKAGE


def _spine_sections(zf: HwpxZip, names: set[str]) -> list[str]:
    """Section members in spine order; empty when the package document is missing or unreadable."""
    package = _package_name(zf)
    if package not in names:
        return []
    try:
        root = zf.read_xml(package)
    except LoadError:
        return []  # broken manifest: the caller falls back to the section numbers
    hrefs: dict[str, str] = {}
    for item in root.iter(f"{{{_OPF}}}item"):
        href = _resolve(item.get("href", ""), package, names)
        if item.get("id") and href:
            hrefs[item.get("id", "")] = href
    ordered: list[str] = []
    for ref in root.iter(f"{{{_OPF}}}itemref"):
        href = hrefs.get(ref.get("idref", ""))
        if href and _SECTION_RE.match(href) and href not in ordered:
            ordered.append(href)
    return ordered


def _resolve(href: str, package: str, names: set[str]) -> str:
    """Hancom writes hrefs relative to the archive root, OPF relative to the package: accept both."""
    href = href.lstrip("/")
    if href in names:
        return href
    relative = posixpath.normpath(posixpath.join(posixpath.dirname(package), href))
    return relative if relative in names else ""
