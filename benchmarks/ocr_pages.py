"""Page images for the OCR tests and benchmarks (and the character error rate): real scanned pages rendered with pypdfium2, saved
as PNG/JPEG/TIFF/BMP/WEBP, and Korean pages drawn from KorQuAD paragraphs with a system CJK font."""

from __future__ import annotations

import glob
import json
import textwrap
import zlib
from pathlib import Path

SCANNED = "pdf/scanned_image_only"


def render_pdf_page(pdf: Path, number: int = 1, dpi: int = 300):
    """Page ``number`` of ``pdf`` as a grayscale PIL image."""
    import pypdfium2

    doc = pypdfium2.PdfDocument(str(pdf))
    try:
        page = doc[number - 1]
        return page.render(scale=dpi / 72, grayscale=True).to_pil().copy()
    finally:
        doc.close()


def korean_font() -> str | None:
    """A font file with Hangul (Noto CJK, Nanum, Un), or None."""
    patterns = ["/usr/share/fonts/**/NotoSansCJK*.ttc", "/usr/share/fonts/**/NotoSerifCJK-Regular.ttc",
                "/usr/share/fonts/**/Nanum*.ttf", "/usr/share/fonts/**/Un*.ttf",
                "/System/Library/Fonts/AppleSDGothicNeo.ttc", "C:/Windows/Fonts/malgun.ttf"]
    for pattern in patterns:
        found = sorted(glob.glob(pattern, recursive=True))
        if found:
            return found[0]
    return None


def korean_model() -> Path | None:
    """A Tesseract Korean model on this system (Debian/Ubuntu package tesseract-ocr-kor), or None."""
    for pattern in ("/usr/share/tesseract-ocr/*/tessdata/kor.traineddata", "/usr/share/tessdata/kor.traineddata",
                    "/usr/local/share/tessdata/kor.traineddata"):
        found = sorted(glob.glob(pattern))
        if found:
            return Path(found[0])
    return None


def korquad_paragraphs(shared_data: Path, count: int) -> list[str]:
    data = json.loads((shared_data / "retrieval/korquad_v1/KorQuAD_v1.0_dev.part1.json").read_text(encoding="utf-8"))
    out = []
    for article in data["data"]:
        for paragraph in article["paragraphs"]:
            out.append(paragraph["context"])
            if len(out) == count:
                return out
    return out


def draw_text_page(text: str, font_path: str, width_chars: int = 38, size: int = 42):
    """A clean 300-dpi A4 page (2480 x 3508) with ``text`` wrapped in black on white."""
    from PIL import Image, ImageDraw, ImageFont

    page = Image.new("L", (2480, 3508), 255)
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(font_path, size)  # every face of a CJK collection has the Hangul glyphs
    y = 200
    lines = []
    for paragraph in text.split("\n"):
        lines.extend(textwrap.wrap(paragraph, width_chars) or [""])
    for line in lines:
        if y > 3508 - 250:
            break
        draw.text((200, y), line, fill=0, font=font)
        y += int(size * 1.6)
    return page, "\n".join(lines)


def bomb_png(path: Path, width: int, height: int, rows: int | None = None) -> Path:
    """A PNG that declares ``width`` x ``height`` (grayscale) and holds ``rows`` rows of white
    (all by default: a valid huge image that compresses to a small file; fewer: a truncated bomb)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")

    rows = height if rows is None else rows
    compressor = zlib.compressobj(9)
    row = b"\x00" + b"\xff" * width
    parts = [compressor.compress(row) for _ in range(rows)]
    idat = b"".join(parts) + compressor.flush()
    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, 0, 0, 0, 0])
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b""))
    return path


def cer(reference: str, hypothesis: str) -> float:
    """Character error rate: edit distance / reference length, whitespace runs folded to one space
    (layout differences are not recognition errors)."""
    ref = " ".join(reference.split())
    hyp = " ".join(hypothesis.split())
    if not ref:
        return 0.0 if not hyp else 1.0
    previous = list(range(len(hyp) + 1))
    for i, a in enumerate(ref, 1):
        current = [i] + [0] * len(hyp)
        for j, b in enumerate(hyp, 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a != b))
        previous = current
    return previous[-1] / len(ref)
