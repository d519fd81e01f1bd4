"""Image files (.png, .jpg/.jpeg, .tif/.tiff, .bmp, .webp): one page per frame, read by OCR.

Every frame is checked against the pixel limit before it is decoded and read on its own, so a
20,000 x 20,000 image, a decompression bomb or a 1,000-page TIFF cannot exhaust memory: an
oversized frame is skipped with its reason, frames past ``OcrOptions.max_frames`` are left out
with a warning.
"""

from __future__ import annotations

from pathlib import Path

from ..ocr.images import ImageFrames, ImageUnreadable
from ..ocr.run import outcome_notes, recognise_pages
from ..ocr.types import OcrOptions
from ._base import LoadedDocument, LoadError, PageText, normalize_text, register_loader

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp")


def load_image(path: Path, max_bytes: int, ocr: OcrOptions | None = None) -> LoadedDocument:
    """Recognise the text of every frame (at most ``ocr.max_frames``)."""
    if ocr is None or not ocr.enabled:
        raise LoadError("image: needs text recognition (OCR), which is turned off")
    try:
        frames = ImageFrames(path, ocr.max_pixels, ocr.max_frames)
    except ImageUnreadable as exc:
        raise LoadError(str(exc)) from exc
    try:
        numbers = list(range(1, frames.count + 1))
        outcome = recognise_pages(numbers, frames.frame, ocr, path.name)
    finally:
        frames.close()
    unit = "frame" if frames.total > 1 else "image"
    notes = outcome_notes(outcome, numbers, frames.total, unit)
    if frames.total > frames.count:
        notes.append(f"only the first {frames.count} of {frames.total} frames were read (limit {ocr.max_frames})")
    pages = [PageText(number=n, text=normalize_text(outcome.pages[n].text)) for n in sorted(outcome.pages)]
    if not any(p.text.strip() for p in pages):
        if notes:
            raise LoadError(f"image not read: {notes[0]}")
        raise LoadError("no text found in the image")
    return LoadedDocument(pages=pages, warnings=notes, ocr_pages=dict(outcome.pages))


register_loader(IMAGE_EXTENSIONS, load_image, ocr=True)
