"""Text recognition (OCR) of scanned PDF pages and image files: which pages, what is read, where
the words are, and hostile images that must fail with a reason instead of taking the memory.

Real scans from the shared data (OCRmyPDF's and docling's test pages) are read by the real engine
(Tesseract through tesserocr, with the packaged English model).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from benchmarks.ocr_pages import (
    SCANNED,
    bomb_png,
    cer,
    draw_text_page,
    korean_font,
    korean_model,
    korquad_paragraphs,
    render_pdf_page,
)
from desktop_rag.core.ingest.isolation import IsolatedLoader
from desktop_rag.core.ingest.loaders import LoadError, load_document
from desktop_rag.core.ingest.ocr import OcrOptions, text_layer_problem

LINUX = sys.platform.startswith("linux")
OCR_TEST_TEXT = "Docling bundles PDF document conversion to JSON and Markdown in an easy self contained package"


# -- when a text layer is unusable -----------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "no text"),
        ("   \n\n  ", "no text"),
        ("- 12 -", "no text"),  # a scan with a page number
        ("\ufffd" * 30 + " some words here and there to read", "unreadable characters"),
        ("\ue000\ue001\ue002 " * 10 + "readable words in between the boxes", "unreadable characters"),
        (":., dP . . i, . . . ? . i ' » 14 e. : .. Pr . srN • ki ., , LIL k 1 sa s .. % , 2 Y. . g", "garbled text"),
        ("The LinnSequencer is a state-of-the-art composition tool.", None),
        ("Notices . . . . . . . . . . . . . . . . vii\nTrademarks . . . . . . . . . . . viii", None),  # a contents page
        ("1989년 2월 15일 여의도 농민 폭력 시위를 주도한 혐의로 지명수배되었다.", None),
        ("뉴 진 스 멤 버 들 이 첫 곡 을 부 르며 등 장 했 다 2022 년 데 뷔", None),  # one syllable per token
        ("あのイーハトーヴォのすきとおった風、夏でも底に冷たさをもつ青いそら", None),  # no spaces at all
    ],
)
def test_text_layer_rule(text: str, problem: str | None) -> None:
    assert text_layer_problem(text) == problem


# -- scanned PDFs -----------------------------------------------------------------------------------
def test_scanned_pdf_is_recognised_with_page_numbers_and_word_boxes(docs: Path) -> None:
    doc = load_document(docs / SCANNED / "ocr_test.pdf", ocr=OcrOptions())
    assert [p.number for p in doc.pages] == [1]
    assert sorted(doc.ocr_pages) == [1]
    assert cer(OCR_TEST_TEXT, doc.pages[0].text) < 0.05
    words = {w.text: w for w in doc.ocr_pages[1].words}
    docling = words["Docling"]
    # The first word of the page is at its top left, in fractions of the page.
    assert 0 < docling.x0 < docling.x1 < 0.5 and 0 < docling.y0 < docling.y1 < 0.3
    assert doc.ocr_pages[1].engine.startswith("tesseract")


def test_multi_page_scan_reads_each_page_and_reports_progress(docs: Path) -> None:
    heard: list[tuple[int, int, str]] = []
    doc = load_document(docs / SCANNED / "cardinal.pdf", ocr=OcrOptions(on_page=lambda *p: heard.append(p)))
    assert heard == [(1, 4, "cardinal.pdf"), (2, 4, "cardinal.pdf"), (3, 4, "cardinal.pdf"), (4, 4, "cardinal.pdf")]
    assert [p.number for p in doc.pages] == [1, 2, 3, 4]
    assert "LinnSequencer" in doc.pages[0].text
    # Pages 2 and 4 are landscape pages (/Rotate) and are read too.
    assert all(len(p.text) > 200 for p in doc.pages)


def test_pages_with_a_text_layer_are_not_recognised(docs: Path) -> None:
    heard = []
    doc = load_document(docs / "pdf/text_born_digital/multi_page.pdf", ocr=OcrOptions(on_page=lambda *p: heard.append(p)))
    assert heard == [] and doc.ocr_pages == {}


def test_a_bad_invisible_ocr_layer_is_replaced(docs: Path) -> None:
    # issue-301.pdf: a squared-paper sketch with a junk OCR layer. The junk is dropped; the page
    # really has no text, so the file is reported as such instead of indexing symbol soup.
    with pytest.raises(LoadError, match="no text found"):
        load_document(docs / "pdf/scanned_with_ocr_layer/issue-301.pdf", ocr=OcrOptions())


def test_only_the_scanned_pages_of_a_mixed_pdf_are_recognised(docs: Path, tmp_path: Path) -> None:
    path = _mixed_pdf(docs, tmp_path)
    heard = []
    doc = load_document(path, ocr=OcrOptions(on_page=lambda *p: heard.append(p)))
    assert [n for n, _, _ in heard] == [1, 2] and sorted(doc.ocr_pages) == [2, 4]
    assert "The Evolution of the Word Processor" in doc.pages[0].text
    assert "LinnSequencer" in doc.pages[1].text
    assert doc.warnings == []


def test_cached_pages_are_not_recognised_again(docs: Path, tmp_path: Path) -> None:
    path = _mixed_pdf(docs, tmp_path)
    first = load_document(path, ocr=OcrOptions())
    heard = []
    again = load_document(path, ocr=OcrOptions(cached=dict(first.ocr_pages), on_page=lambda *p: heard.append(p)))
    assert heard == []
    assert [p.text for p in again.pages] == [p.text for p in first.pages]


def test_engine_that_cannot_load_leaves_the_rest_indexed_and_says_why(docs: Path, tmp_path: Path) -> None:
    path = _mixed_pdf(docs, tmp_path)
    # No Korean model anywhere (an empty models folder, and no package carries one).
    options = OcrOptions(languages=("kor",), model_dirs=(str(tmp_path / "none"),))
    doc = load_document(path, ocr=options)
    assert [p.number for p in doc.pages] == [1, 2, 3, 4]
    assert len(doc.warnings) == 1
    assert "2 of 4 pages need text recognition (OCR), which could not run: no OCR model for kor" in doc.warnings[0]
    assert doc.warnings[0].endswith("(pages 2, 4)")
    with pytest.raises(LoadError, match="could not run: no OCR model for kor"):
        load_document(docs / SCANNED / "ocr_test.pdf", ocr=options)


def test_page_whose_text_layer_cannot_be_read_is_recognised(docs: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pypdf import PageObject

    original = PageObject.extract_text

    def flaky(self: PageObject, *args: object, **kwargs: object) -> str:
        if self.page_number == 2:
            raise RecursionError("maximum recursion depth exceeded")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(PageObject, "extract_text", flaky)
    doc = load_document(docs / "pdf/text_born_digital/multi_page.pdf", ocr=OcrOptions())
    assert [page.number for page in doc.pages] == [1, 2, 3, 4, 5]
    assert sorted(doc.ocr_pages) == [3] and len(doc.pages[2].text) > 500
    assert doc.warnings == []


@pytest.mark.parametrize("turn", [90, 180, 270])
def test_rotated_page_is_read_upright(docs: Path, tmp_path: Path, turn: int) -> None:
    image = render_pdf_page(docs / SCANNED / "ocr_test.pdf").rotate(turn, expand=True)
    image.save(tmp_path / "turned.png")
    doc = load_document(tmp_path / "turned.png", ocr=OcrOptions())
    assert cer(OCR_TEST_TEXT, doc.pages[0].text) < 0.05
    page = doc.ocr_pages[1]
    assert page.rotation == (360 - turn) % 360  # the stored image is the upright page turned clockwise by this
    docling = next(w for w in page.words if w.text == "Docling")
    # Boxes are on the image as stored: after a half turn the first word sits at the bottom right.
    if turn == 180:
        assert docling.x0 > 0.5 and docling.y0 > 0.7


# -- image files ------------------------------------------------------------------------------------
@pytest.mark.parametrize("suffix", [".png", ".jpg", ".jpeg", ".tif", ".bmp", ".webp"])
def test_image_files_are_documents(docs: Path, tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"scan{suffix}"
    render_pdf_page(docs / SCANNED / "ocr_test.pdf").save(path)
    doc = load_document(path, ocr=OcrOptions())
    assert [p.number for p in doc.pages] == [1]
    assert cer(OCR_TEST_TEXT, doc.pages[0].text) < 0.05


def test_multi_page_tiff_is_one_page_per_frame(docs: Path, tmp_path: Path) -> None:
    first = render_pdf_page(docs / SCANNED / "ocr_test.pdf", dpi=200)
    second = render_pdf_page(docs / SCANNED / "cardinal.pdf", dpi=200)
    path = tmp_path / "fax.tiff"
    first.save(path, save_all=True, append_images=[second], compression="tiff_deflate")
    doc = load_document(path, ocr=OcrOptions())
    assert [p.number for p in doc.pages] == [1, 2]
    assert "Docling" in doc.pages[0].text and "LinnSequencer" in doc.pages[1].text


def test_image_with_ocr_off_says_so(docs: Path, tmp_path: Path) -> None:
    path = tmp_path / "scan.png"
    render_pdf_page(docs / SCANNED / "ocr_test.pdf", dpi=100).save(path)
    with pytest.raises(LoadError, match=r"needs text recognition \(OCR\), which is turned off"):
        load_document(path, ocr=OcrOptions(enabled=False))


@pytest.mark.skipif(korean_font() is None or korean_model() is None, reason="needs a Hangul font and a Korean model")
def test_korean_page_is_read_with_the_imported_model(shared_data: Path, tmp_path: Path) -> None:
    from desktop_rag.core.ingest.ocr import import_model, imported_dir

    import_model(korean_model(), tmp_path / "models")
    text = korquad_paragraphs(shared_data, 1)[0]
    image, drawn = draw_text_page(text, korean_font())
    image.save(tmp_path / "korean.png")
    options = OcrOptions(languages=("eng", "kor"), model_dirs=(str(imported_dir(tmp_path / "models")),))
    doc = load_document(tmp_path / "korean.png", ocr=options)
    assert cer(drawn, doc.pages[0].text) < 0.08


# -- hostile images: a reason, bounded memory, the reader survives ----------------------------------
def _isolated(tmp_path: Path):
    return IsolatedLoader(max_seconds=120, memory_limit_bytes=2048 * 1024 * 1024)


def test_huge_image_is_refused_before_decoding(tmp_path: Path) -> None:
    path = bomb_png(tmp_path / "poster.png", 20_000, 20_000)  # a valid 400-megapixel PNG of ~1 MB
    with _isolated(tmp_path) as reader:
        with pytest.raises(LoadError, match=r"20000 x 20000 pixels \(400 megapixels\); the limit .* is 60 megapixels"):
            reader.load(path, 200 * 1024 * 1024, ocr=OcrOptions())
        assert reader.restarts == 0  # refused, not killed


def test_decompression_bomb_png_is_refused(tmp_path: Path) -> None:
    path = bomb_png(tmp_path / "bomb.png", 200_000, 200_000, rows=8)  # declares 40 gigapixels in a few KB
    assert path.stat().st_size < 10_000
    with _isolated(tmp_path) as reader:
        with pytest.raises(LoadError, match="200000 x 200000 pixels"):
            reader.load(path, 200 * 1024 * 1024, ocr=OcrOptions())


def test_huge_jpeg_is_read_at_a_reduced_size(docs: Path, tmp_path: Path) -> None:
    from PIL import Image

    page = render_pdf_page(docs / SCANNED / "ocr_test.pdf", dpi=600)  # 4961 x 7016: 35 megapixels
    path = tmp_path / "big.jpg"
    page.save(path, quality=90)
    # A limit under the image's size: JPEG decodes at half scale instead of failing.
    doc = load_document(path, ocr=OcrOptions(max_pixels=20_000_000))
    assert "Docling" in doc.pages[0].text
    width, height = Image.open(path).size
    assert width * height > 30_000_000


def test_thousand_frame_tiff_is_bounded(tmp_path: Path) -> None:
    from PIL import Image

    frames = [Image.new("L", (64, 64), 255) for _ in range(1000)]
    path = tmp_path / "many.tif"
    frames[0].save(path, save_all=True, append_images=frames[1:])
    heard = []
    with _isolated(tmp_path) as reader:
        with pytest.raises(LoadError) as caught:
            reader.load(path, 200 * 1024 * 1024, ocr=OcrOptions(max_frames=50), on_page=lambda *p: heard.append(p))
    assert "only the first 50 of 1000 frames were read (limit 50)" in str(caught.value)
    assert len(heard) == 50


def test_corrupt_jpeg_fails_with_a_reason(docs: Path, tmp_path: Path) -> None:
    path = tmp_path / "broken.jpg"
    render_pdf_page(docs / SCANNED / "ocr_test.pdf", dpi=100).save(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])  # cut off mid-scan, as an interrupted download
    with _isolated(tmp_path) as reader:
        with pytest.raises(LoadError, match="corrupt image"):
            reader.load(path, 200 * 1024 * 1024, ocr=OcrOptions())
    (tmp_path / "garbage.jpg").write_bytes(b"\xff\xd8\xff\xe0" + bytes(range(256)) * 40)
    with pytest.raises(LoadError, match="not a readable image|corrupt image"):
        load_document(tmp_path / "garbage.jpg", ocr=OcrOptions())


@pytest.mark.skipif(not LINUX, reason="the address-space cap is Linux-only")
def test_scan_is_recognised_inside_the_capped_reader(docs: Path) -> None:
    """cardinal.pdf (4 pages at 300 dpi) within the reader's 2 GiB address-space cap."""
    heard = []
    with IsolatedLoader(max_seconds=120, memory_limit_bytes=2048 * 1024 * 1024) as reader:
        doc = reader.load(docs / SCANNED / "cardinal.pdf", 200 * 1024 * 1024, ocr=OcrOptions(), on_page=lambda *p: heard.append(p))
    assert [n for n, _, _ in heard] == [1, 2, 3, 4]
    assert sorted(doc.ocr_pages) == [1, 2, 3, 4]


def _mixed_pdf(docs: Path, tmp_path: Path) -> Path:
    """Born-digital pages 1 and 3, scanned pages 2 and 4."""
    from pypdf import PdfReader, PdfWriter

    text_pages = PdfReader(docs / "pdf/text_born_digital/multi_page.pdf").pages
    scanned_pages = PdfReader(docs / SCANNED / "cardinal.pdf").pages
    writer = PdfWriter()
    for page in (text_pages[0], scanned_pages[0], text_pages[1], scanned_pages[2]):
        writer.add_page(page)
    path = tmp_path / "mixed.pdf"
    with open(path, "wb") as fh:
        writer.write(fh)
    return path
