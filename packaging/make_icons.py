"""Draw the app icon and write it in the formats each OS wants (run once; the output is committed).

    python packaging/make_icons.py            # writes packaging/icons/

* ``desktop-rag.png`` (512 px) and ``desktop-rag-256.png``: Linux (.desktop ``Icon=``) and Qt.
* ``desktop-rag.ico``: Windows executables, PNG-compressed entries 16-256 px.
* ``desktop-rag.icns``: the macOS app bundle, PNG entries 16-1024 px.

The icon is drawn with QPainter (no Pillow needed) at every size, not scaled from one bitmap,
so the small sizes stay sharp: a document page on a blue rounded square, with a magnifier.
ICO and ICNS are simple containers of PNG images; they are written directly.
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, QRectF, Qt  # noqa: E402
from PySide6.QtGui import (  # noqa: E402
    QBrush,
    QColor,
    QGuiApplication,
    QImage,
    QLinearGradient,
    QPainter,
    QPainterPath,
    QPen,
)

OUT = Path(__file__).resolve().parent / "icons"
NAME = "desktop-rag"
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
# ICNS PNG entry types by size (icp4/icp5/icp6 take PNG since macOS 10.7).
ICNS_TYPES = ((16, b"icp4"), (32, b"icp5"), (64, b"icp6"), (128, b"ic07"), (256, b"ic08"), (512, b"ic09"), (1024, b"ic10"))


def draw(size: int) -> QImage:
    """The icon at ``size`` x ``size`` pixels, drawn on a 100-unit canvas."""
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    p = QPainter(image)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.scale(size / 100.0, size / 100.0)

    # Background: rounded square, blue gradient.
    gradient = QLinearGradient(QPointF(0, 0), QPointF(0, 100))
    gradient.setColorAt(0.0, QColor("#3b82f6"))
    gradient.setColorAt(1.0, QColor("#1e40af"))
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QBrush(gradient))
    p.drawRoundedRect(QRectF(4, 4, 92, 92), 20, 20)

    # Document page with a folded corner.
    page = QPainterPath()
    page.moveTo(24, 16)
    page.lineTo(58, 16)
    page.lineTo(72, 30)
    page.lineTo(72, 80)
    page.quadTo(72, 84, 68, 84)
    page.lineTo(28, 84)
    page.quadTo(24, 84, 24, 80)
    page.closeSubpath()
    p.setBrush(QColor("#ffffff"))
    p.drawPath(page)
    fold = QPainterPath()
    fold.moveTo(58, 16)
    fold.lineTo(58, 30)
    fold.lineTo(72, 30)
    fold.closeSubpath()
    p.setBrush(QColor("#bfdbfe"))
    p.drawPath(fold)

    # Text lines (left out at the smallest sizes, where they would only blur).
    if size >= 32:
        p.setBrush(QColor("#93c5fd"))
        for y, width in ((38, 36), (47, 36), (56, 24)):
            p.drawRoundedRect(QRectF(31, y, width, 4.5), 2.25, 2.25)

    # Magnifier over the lower right corner.
    ring = QPen(QColor("#f59e0b"), 7.5)
    ring.setCapStyle(Qt.PenCapStyle.RoundCap)
    p.setPen(ring)
    p.setBrush(QColor(255, 255, 255, 235))
    p.drawEllipse(QPointF(64, 64), 13, 13)
    handle = QPen(QColor("#f59e0b"), 9)
    handle.setCapStyle(Qt.PenCapStyle.RoundCap)
    p.setPen(handle)
    p.drawLine(QPointF(74, 74), QPointF(84, 84))
    p.end()
    return image


def png_bytes(image: QImage) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise RuntimeError("PNG encoding failed")
    buffer.close()
    return bytes(data)


def write_ico(path: Path, sizes=ICO_SIZES) -> None:
    """ICONDIR + one ICONDIRENTRY per image, PNG payloads (Windows Vista and later)."""
    images = [png_bytes(draw(s)) for s in sizes]
    header = struct.pack("<HHH", 0, 1, len(images))
    offset = 6 + 16 * len(images)
    entries = b""
    for s, data in zip(sizes, images, strict=True):
        dim = 0 if s >= 256 else s  # 0 means 256
        entries += struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(data), offset)
        offset += len(data)
    path.write_bytes(header + entries + b"".join(images))


def write_icns(path: Path) -> None:
    """'icns' + total length, then (type, length, PNG) chunks."""
    chunks = b""
    for s, kind in ICNS_TYPES:
        data = png_bytes(draw(s))
        chunks += kind + struct.pack(">I", 8 + len(data)) + data
    path.write_bytes(b"icns" + struct.pack(">I", 8 + len(chunks)) + chunks)


def main() -> int:
    QGuiApplication.instance() or QGuiApplication(sys.argv)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"{NAME}.png").write_bytes(png_bytes(draw(512)))
    (OUT / f"{NAME}-256.png").write_bytes(png_bytes(draw(256)))
    write_ico(OUT / f"{NAME}.ico")
    write_icns(OUT / f"{NAME}.icns")
    for f in sorted(OUT.iterdir()):
        print(f"{f.relative_to(OUT.parent.parent)}  {f.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
