"""EPUB 2/3: the XHTML documents of the spine, in reading order, one page per chapter file."""

from __future__ import annotations

import posixpath
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import unquote

from ._base import LoadedDocument, LoadError, PageText, register_loader, short_message
from ._zip import BoundedZip
from .html import html_bytes_to_text

_CONTAINER = "META-INF/container.xml"
_ENCRYPTION = "META-INF/encryption.xml"
_HTML_MEDIA_TYPES = frozenset({"application/xhtml+xml", "text/html", "application/xml", "text/xml"})
# Font obfuscation (IDPF, Adobe) is allowed in DRM-free books; any other algorithm means DRM.
_FONT_OBFUSCATION = frozenset({"http://www.idpf.org/2008/embedding", "http://ns.adobe.com/pdf/enc#RC"})


def load_epub(path: Path, max_bytes: int) -> LoadedDocument:
    """One :class:`PageText` (number None) per non-empty spine document."""
    with BoundedZip(path, max_bytes, "EPUB") as zf:
        _refuse_drm(zf)
        chapters = _spine_documents(zf)
        pages: list[PageText] = []
        unreadable: list[str] = []
        for name in chapters:
            if not zf.has(name):
                unreadable.append(name)
                continue
            try:
                text = html_bytes_to_text(zf.read(name))
            except LoadError:
                unreadable.append(name)
                continue
            if text.strip():
                pages.append(PageText(number=None, text=text))
    warnings = []
    if unreadable:
        shown = ", ".join(unreadable[:5]) + (" ..." if len(unreadable) > 5 else "")
        warnings.append(f"{len(unreadable)} chapter file(s) missing or unreadable and skipped: {shown}")
    return LoadedDocument(pages=pages, warnings=warnings, headings=True)


def _xml(data: bytes) -> ET.Element:
    try:
        return ET.fromstring(data)
    except ET.ParseError as exc:
        raise LoadError(f"corrupt EPUB: {short_message(exc)}") from exc


def _local(tag: str) -> str:
    """Tag name without namespace: EPUB 2 and 3 files disagree on (and often omit) namespaces."""
    return tag.rsplit("}", 1)[-1]


def _refuse_drm(zf: BoundedZip) -> None:
    if not zf.has(_ENCRYPTION):
        return
    for element in _xml(zf.read(_ENCRYPTION)).iter():
        if _local(element.tag) == "EncryptionMethod":
            if element.get("Algorithm", "") not in _FONT_OBFUSCATION:
                raise LoadError("DRM-protected EPUB")


def _spine_documents(zf: BoundedZip) -> list[str]:
    """Archive names of the spine's (X)HTML documents, in reading order."""
    opf_name = _opf_name(zf)
    opf = _xml(zf.read(opf_name))
    base = posixpath.dirname(opf_name)
    manifest: dict[str, tuple[str, str]] = {}
    spine_ids: list[str] = []
    for element in opf.iter():
        name = _local(element.tag)
        if name == "item" and element.get("id") and element.get("href"):
            href = unquote(element.get("href", "").split("#", 1)[0])
            manifest[element.get("id", "")] = (
                posixpath.normpath(posixpath.join(base, href)),
                element.get("media-type", "").lower(),
            )
        elif name == "itemref" and element.get("idref"):
            spine_ids.append(element.get("idref", ""))
    documents = [manifest[i][0] for i in spine_ids if i in manifest and manifest[i][1] in _HTML_MEDIA_TYPES]
    if not documents:
        # A spine-less (broken) book: fall back to its XHTML files in name order.
        documents = sorted(n for n in zf.names() if n.lower().endswith((".xhtml", ".html", ".htm")))
    if not documents:
        raise LoadError("corrupt EPUB: no chapters found")
    return list(dict.fromkeys(documents))  # a file listed twice is read once


def _opf_name(zf: BoundedZip) -> str:
    if zf.has(_CONTAINER):
        for element in _xml(zf.read(_CONTAINER)).iter():
            if _local(element.tag) == "rootfile":
                name = unquote(element.get("full-path", "")).lstrip("/")
                if name and zf.has(name):
                    return name
    candidates = sorted(n for n in zf.names() if n.lower().endswith(".opf"))
    if not candidates:
        raise LoadError("corrupt EPUB: no package document (.opf) found")
    return candidates[0]


register_loader([".epub"], load_epub)
