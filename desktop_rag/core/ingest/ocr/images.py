"""Page images for the engine, within bounded memory: PDF pages rendered one at a time with
pypdfium2, image files read frame by frame with Pillow, each checked against a pixel limit
*before* it is decoded (a 20,000 x 20,000 PNG or a 100 KB decompression bomb declares its size in
its header)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

_POINTS_PER_INCH = 72.0


class PageTooLarge(Exception):
    """One page or frame is over the pixel limit; ``str()`` is the reason."""


class ImageUnreadable(Exception):
    """A file or page that cannot be decoded; ``str()`` is a short reason for the user."""


def short_message(exc: BaseException, limit: int = 120) -> str:
    """First line of ``str(exc)``, shortened."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _megapixels(pixels: float) -> str:
    return f"{pixels / 1e6:.0f} megapixels"


class PdfRenderer:
    """Renders pages of one PDF at ``dpi`` (fewer when the page would exceed ``max_pixels``)."""

    def __init__(self, path: Path, dpi: int, max_pixels: int, password: str = "") -> None:
        try:
            import pypdfium2
        except ImportError as exc:
            raise ImageUnreadable("PDF page rendering is not installed (the 'pypdfium2' package is missing)") from exc
        try:
            self._pdf = pypdfium2.PdfDocument(str(path), password=password or None)
        except Exception as exc:  # noqa: BLE001 - PdfiumError for damaged or encrypted files
            raise ImageUnreadable(f"cannot render the PDF's pages: {short_message(exc)}") from exc
        self.dpi = dpi
        self.max_pixels = max_pixels

    def render(self, number: int) -> Any:
        """Page ``number`` (1-based) as a grayscale PIL image."""
        page = self._pdf[number - 1]
        try:
            width, height = page.get_size()  # points, /Rotate applied
            scale = self.dpi / _POINTS_PER_INCH
            pixels = width * height * scale * scale
            if pixels > self.max_pixels:  # a poster-sized page: render at the resolution the limit allows
                scale = math.sqrt(self.max_pixels / (width * height))
            if scale * min(width, height) < 1:
                raise PageTooLarge("page is too small or too large to render")
            bitmap = page.render(scale=scale, grayscale=True)
            try:
                return bitmap.to_pil().copy()  # the copy owns its pixels; the bitmap is freed now
            finally:
                bitmap.close()
        finally:
            page.close()

    def close(self) -> None:
        self._pdf.close()


class ImageFrames:
    """The frames of an image file (a multi-page TIFF has many), opened lazily.

    Raises :class:`ImageUnreadable` at once for a file that is not a readable image.
    """

    def __init__(self, path: Path, max_pixels: int, max_frames: int) -> None:
        from PIL import Image, UnidentifiedImageError

        limit = Image.MAX_IMAGE_PIXELS
        Image.MAX_IMAGE_PIXELS = None  # sizes are checked below, frame by frame, with a clearer reason
        try:
            self._image = Image.open(path)
        except UnidentifiedImageError as exc:
            raise ImageUnreadable("not a readable image (damaged, or not the format its name says)") from exc
        except (OSError, ValueError, SyntaxError) as exc:
            raise ImageUnreadable(f"corrupt image: {short_message(exc)}") from exc
        finally:
            Image.MAX_IMAGE_PIXELS = limit
        self.max_pixels = max_pixels
        try:
            self.total = int(getattr(self._image, "n_frames", 1) or 1)
        except Exception as exc:  # noqa: BLE001 - a broken frame table
            self._image.close()
            raise ImageUnreadable(f"corrupt image: {short_message(exc)}") from exc
        self.count = min(self.total, max_frames)

    def frame(self, number: int) -> Any:
        """Frame ``number`` (1-based) decoded as grayscale; :class:`PageTooLarge` when over the limit."""
        image = self._image
        if number > 1 or self.total > 1:
            image.seek(number - 1)
        width, height = image.size
        if width * height > self.max_pixels:
            if image.format == "JPEG":  # JPEG decodes at 1/2, 1/4, 1/8 scale for free
                factor = math.ceil(math.sqrt(width * height / self.max_pixels))
                image.draft("L", (max(width // factor, 1), max(height // factor, 1)))
            if image.size[0] * image.size[1] > self.max_pixels:
                raise PageTooLarge(
                    f"image is {width} x {height} pixels ({_megapixels(width * height)}); "
                    f"the limit for text recognition is {_megapixels(self.max_pixels)}"
                )
        try:
            image.load()
            return image.convert("L")
        except (OSError, ValueError, SyntaxError, EOFError) as exc:  # truncated or corrupt data
            raise ImageUnreadable(f"corrupt image: {short_message(exc)}") from exc

    def close(self) -> None:
        self._image.close()
