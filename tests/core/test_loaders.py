"""Document loaders, checked against real files from ../shared/data and small files built here.

The shared folder is found next to the repository (``<repo>/../shared/data``) or through the
DESKTOP_RAG_SHARED_DATA environment variable; tests that need it are skipped when it is missing, the
ones that build their own files still run.
"""

from __future__ import annotations

import codecs
import io
import os
import random
import re
import time
import unicodedata
import zipfile
from pathlib import Path

import pytest

from desktop_rag.core.ingest import loaders
from desktop_rag.core.ingest.loaders import (
    LoadedDocument,
    LoadError,
    PageText,
    load_document,
    register_loader,
    supported_extensions,
)

DATA = Path(
    os.environ.get("DESKTOP_RAG_SHARED_DATA") or Path(__file__).resolve().parents[3] / "shared" / "data"
)
DOCS = DATA / "documents"
needs_data = pytest.mark.skipif(not DOCS.is_dir(), reason=f"shared test documents not found at {DOCS}")

KOREAN_SENTENCE = "서울에서는 한국어 문서를 검색합니다."
HANGUL_RE = re.compile(r"[\uac00-\ud7a3]")


def full_text(doc: LoadedDocument) -> str:
    return "\n\n".join(page.text for page in doc.pages)


def lines_of(doc: LoadedDocument) -> list[str]:
    return full_text(doc).split("\n")


def hangul_count(text: str) -> int:
    return len(HANGUL_RE.findall(text))


def write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


# --- registry and generic errors ----------------------------------------------------------------


def test_supported_extensions_cover_every_format() -> None:
    exts = supported_extensions()
    assert {".pdf", ".txt", ".md", ".html", ".htm", ".docx", ".epub", ".py", ".csv", ".json"} <= exts
    assert all(ext.startswith(".") and ext == ext.lower() for ext in exts)


def test_unsupported_extension_is_refused(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match="unsupported file type"):
        load_document(write(tmp_path, "drawing.xcf", b"gimp xcf file not really"))


def test_extension_is_case_insensitive(tmp_path: Path) -> None:
    doc = load_document(write(tmp_path, "NOTES.TXT", "shouting file name"))
    assert doc.pages == [PageText(number=None, text="shouting file name")]


def test_empty_and_oversized_files(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match="^empty file$"):
        load_document(write(tmp_path, "empty.txt", b""))
    big = write(tmp_path, "big.txt", "x" * 2000)
    with pytest.raises(LoadError, match=r"file too large \(2000 bytes, limit 1000\)"):
        load_document(big, max_bytes=1000)
    assert full_text(load_document(big, max_bytes=2000)) == "x" * 2000


def test_whitespace_only_file_has_no_text(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match="no text"):
        load_document(write(tmp_path, "blank.txt", " \n\t\n  \r\n"))


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match="not found"):
        load_document(tmp_path / "gone.txt")
    folder = tmp_path / "looks_like.txt"
    folder.mkdir()
    (folder / "x").write_text("make the folder non-empty")
    with pytest.raises(LoadError):
        load_document(folder)


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (PermissionError(13, "Permission denied"), "^permission denied$"),
        (OSError(5, "Input/output error"), "^could not read file: Input/output error$"),
    ],
)
def test_unreadable_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: OSError, reason: str
) -> None:
    # Simulated: chmod does not stop root, and I/O errors cannot be provoked portably.
    path = write(tmp_path, "secret.txt", "hidden")

    def fail(self: Path) -> bytes:
        raise error

    monkeypatch.setattr(Path, "read_bytes", fail)
    with pytest.raises(LoadError, match=reason):
        load_document(path)


def test_unexpected_loader_exception_becomes_load_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(loaders._base, "_LOADERS", dict(loaders._base._LOADERS))

    def broken(path: Path, max_bytes: int) -> LoadedDocument:
        raise KeyError("/Root")

    register_loader([".BOOM"], broken)
    assert ".boom" in supported_extensions()
    with pytest.raises(LoadError, match=r"could not read file: KeyError: '/Root'"):
        load_document(write(tmp_path, "x.boom", b"data"))


# --- plain text and encodings -------------------------------------------------------------------

ENCODED_SENTENCES = {
    "utf-8": KOREAN_SENTENCE.encode("utf-8"),
    "utf-8 with BOM": codecs.BOM_UTF8 + KOREAN_SENTENCE.encode("utf-8"),
    "utf-16 with BOM": KOREAN_SENTENCE.encode("utf-16"),
    "utf-16-le without BOM": KOREAN_SENTENCE.encode("utf-16-le"),
    "utf-16-be without BOM": KOREAN_SENTENCE.encode("utf-16-be"),
    "utf-32 with BOM": KOREAN_SENTENCE.encode("utf-32"),
    "cp949": KOREAN_SENTENCE.encode("cp949"),
    "euc-kr": KOREAN_SENTENCE.encode("euc-kr"),
}


@pytest.mark.parametrize("encoding", list(ENCODED_SENTENCES))
def test_korean_text_in_any_common_encoding(tmp_path: Path, encoding: str) -> None:
    doc = load_document(write(tmp_path, "korean.txt", ENCODED_SENTENCES[encoding]))
    assert doc.pages == [PageText(number=None, text=KOREAN_SENTENCE)]


def test_cp949_only_characters_outside_euc_kr(tmp_path: Path) -> None:
    # "똠방각하" uses syllables that exist in CP949 (UHC) but not in plain EUC-KR.
    text = "똠방각하 펲시콜라 그리고 서울의 일반적인 한국어 문장입니다."
    doc = load_document(write(tmp_path, "uhc.txt", text.encode("cp949")))
    assert full_text(doc) == text


def test_decomposed_hangul_is_composed(tmp_path: Path) -> None:
    nfd = unicodedata.normalize("NFD", KOREAN_SENTENCE)
    assert nfd != KOREAN_SENTENCE
    doc = load_document(write(tmp_path, "mac.txt", nfd))
    assert full_text(doc) == KOREAN_SENTENCE


def test_western_legacy_encoding(tmp_path: Path) -> None:
    text = "Le café est très bon. Où est la bibliothèque? Ça va très bien, merci."
    doc = load_document(write(tmp_path, "french.txt", text.encode("cp1252")))
    assert full_text(doc) == text


def test_newlines_nul_and_blank_lines_normalised(tmp_path: Path) -> None:
    raw = "line one\r\nline two\x00\r\n\r\n\r\n\r\n\r\n\r\nafter many blanks   \r\n"
    doc = load_document(write(tmp_path, "dos.txt", raw))
    assert full_text(doc) == "line one\nline two\n\n\nafter many blanks"


def test_log_with_nul_padding_is_still_text(tmp_path: Path) -> None:
    # What a log file looks like after a crash: a block of NULs where the last writes should be.
    raw = b"2024-05-01 started\n" + b"\x00" * 4096 + b"2024-05-01 restarted\n"
    assert (
        full_text(load_document(write(tmp_path, "app.log", raw)))
        == "2024-05-01 started\n2024-05-01 restarted"
    )


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(random.Random(7).randbytes(4096), id="random bytes with NULs"),
        pytest.param(
            b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n", id="pdf header"
        ),
        pytest.param(b"abc\x01\x02\x03\x04def\x05\x06\x07" * 50, id="control characters"),
    ],
)
def test_binary_content_with_text_extension(tmp_path: Path, content: bytes) -> None:
    with pytest.raises(LoadError, match="^binary"):
        load_document(write(tmp_path, "not_really.txt", content))


@needs_data
def test_pdf_renamed_to_txt_is_binary(tmp_path: Path) -> None:
    pdf = (DOCS / "pdf/text_born_digital/multi_page.pdf").read_bytes()
    with pytest.raises(LoadError, match="^binary file, not text$"):
        load_document(write(tmp_path, "renamed.txt", pdf))


def test_code_comments_are_not_headings(tmp_path: Path) -> None:
    source = "# configure the thing\nimport os\n\n## section-like comment\nprint(os.sep)\n"
    doc = load_document(write(tmp_path, "script.py", source))
    text = full_text(doc)
    assert text == source.strip()  # verbatim: no escaping
    assert not doc.headings


# --- Markdown -----------------------------------------------------------------------------------


@needs_data
def test_korean_markdown_keeps_headings_and_hangul() -> None:
    doc = load_document(DOCS / "markdown/korean/interview_question_OS.md")
    lines = lines_of(doc)
    assert "# Part 1-4 운영체제" in lines
    assert "## 프로세스와 스레드의 차이" in lines
    assert "#### 프로세스 제어 블록(Process Control Block, PCB)" in lines
    assert hangul_count(full_text(doc)) > 5000
    assert len(doc.pages) == 1 and doc.pages[0].number is None


@needs_data
def test_markdown_with_utf8_bom() -> None:
    path = DOCS / "markdown/korean/interview_question_Database.md"
    assert path.read_bytes().startswith(codecs.BOM_UTF8)
    text = full_text(load_document(path))
    assert not text.startswith("\ufeff")
    assert text.split("\n")[0].startswith("#")


def test_markdown_setext_headings_and_code_fences(tmp_path: Path) -> None:
    markdown = (
        "---\ntitle: notes\n---\n\nBig Title\n=========\n\nintro\n\nSmaller\n-------\n\n"
        "```python\n# a comment in code\nx = 1\n```\n\n## Real heading\n"
    )
    lines = lines_of(load_document(write(tmp_path, "notes.md", markdown)))
    assert "# Big Title" in lines
    assert "## Smaller" in lines
    assert "# a comment in code" in lines  # verbatim; the chunker skips fenced code
    assert "## Real heading" in lines
    assert "title: notes" in lines  # front matter is text, not a heading
    assert [line for line in lines if line.startswith("#")] == [
        "# Big Title",
        "## Smaller",
        "# a comment in code",
        "## Real heading",
    ]


# --- HTML ---------------------------------------------------------------------------------------


@needs_data
def test_wikipedia_page_visible_text_only() -> None:
    doc = load_document(DOCS / "html/wiki_duck.html")
    text = full_text(doc)
    assert "Duck is the common name for numerous species of waterfowl in the family Anatidae" in text
    for noise in ("function(", "{display:", "RLCONF", "@media", "document.documentElement"):
        assert noise not in text
    lines = text.split("\n")
    assert "# Duck" in lines
    assert "## Etymology" in lines
    assert "### Feeding" in lines
    assert lines.index("## Etymology") < lines.index("### Feeding")
    assert "Kingdom: | Animalia" in lines  # infobox table row


@needs_data
def test_korean_web_page() -> None:
    text = full_text(load_document(DOCS / "html/korean/korquad_1.0_KOR.html"))
    assert "KorQuAD 1.0은 한국어 Machine Reading Comprehension을 위해 만든 데이터셋입니다." in text
    assert hangul_count(text) > 300
    assert "layout: default" not in text  # Jekyll front matter
    assert "@context" not in text  # JSON-LD script


HTML_SAMPLE = """<!DOCTYPE html>
<html><head><title>Page title</title><style>p { color: red; }</style>
<script>function track() { return 1; }</script></head>
<body>
<h1>Main   <em>Title</em></h1>
<p>First &amp; foremost paragraph.</p>
<div hidden>hidden div text</div>
<p aria-hidden="true">aria hidden text</p>
<span style="display: none">css hidden text</span>
<noscript>enable javascript</noscript>
<h2>Second<br>level</h2>
<ul><li>apple<li>banana</ul>
<table><tr><th>Name<th>Qty</tr><tr><td>pear</td><td>3</td></tr></table>
<p># hash at line start</p>
<pre>code   line 1
code line 2</pre>
</body></html>
"""


def test_html_structure_headings_and_hidden_content(tmp_path: Path) -> None:
    lines = lines_of(load_document(write(tmp_path, "page.html", HTML_SAMPLE)))
    text = "\n".join(lines)
    assert lines[0] == "# Main Title"
    assert "First & foremost paragraph." in lines
    assert "## Second level" in lines
    assert "- apple" in lines and "- banana" in lines
    assert "Name | Qty" in lines and "pear | 3" in lines
    assert "# hash at line start" in lines
    assert "code line 2" in lines
    for absent in (
        "Page title",
        "color: red",
        "track()",
        "hidden div",
        "aria hidden",
        "css hidden",
        "javascript",
    ):
        assert absent not in text
    # paragraphs are separated by blank lines
    assert lines[1] == "" and lines[2] == "First & foremost paragraph."


def test_html_declared_legacy_charset(tmp_path: Path) -> None:
    page = f'<html><head><meta charset="euc-kr"></head><body><p>{KOREAN_SENTENCE}</p></body></html>'
    doc = load_document(write(tmp_path, "old.htm", page.encode("cp949")))
    assert full_text(doc) == KOREAN_SENTENCE


# --- DOCX ---------------------------------------------------------------------------------------


@needs_data
def test_docx_sample_headings_lists_and_table() -> None:
    lines = lines_of(load_document(DOCS / "docx/word_sample.docx"))
    assert "# Swimming in the lake" in lines  # Title style
    assert "# Let’s swim!" in lines  # Heading 1
    assert "## Let’s eat" in lines  # Heading 2
    assert "- Paddle about" in lines
    assert "Berries | Blueberry, Strawberry, Cranberry | 150" in lines


@needs_data
def test_docx_tables() -> None:
    lines = lines_of(load_document(DOCS / "docx/word_tables.docx"))
    assert "# Test with tables" in lines  # Heading 1
    assert "Header 0.0 | Header 0.1 | Header 0.2" in lines
    assert "Cell 1.0 | Cell 1.1 | Cell 1.2" in lines
    assert "Cell 1.0 | Merged Cell 1.1 1.2 | Cell 1.3" in lines


@needs_data
def test_docx_heading_levels() -> None:
    lines = lines_of(load_document(DOCS / "docx/unit_test_headers.docx"))
    headings = [line for line in lines if line.startswith("#")]
    assert headings[:4] == ["# Test Document", "# Section 1", "## Section 1.1", "## Section 1.2"]
    assert "### Section 1.2.3" in headings
    assert "Paragraph 1.1.2" in lines


@needs_data
def test_korean_docx() -> None:
    doc = load_document(DOCS / "docx/korean/aegukga_ko.docx")
    assert full_text(doc).split("\n\n") == [
        "동해물과 백두산이 마르고 닳도록",
        "하느님이 보우하사 우리 나라 만세",
        "무궁화 삼천리 화려강산",
        "대한사람 대한으로 길이 보전하세",
    ]


@needs_data
def test_docx_text_boxes_read_once() -> None:
    text = full_text(load_document(DOCS / "docx/textbox.docx"))
    assert "Suggested Reportable Symptoms" in text
    assert text.count("Student falls ill") == 1  # modern shape and its VML fallback hold the same text


def test_corrupt_docx(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match="^corrupt DOCX"):
        load_document(write(tmp_path, "random.docx", random.Random(1).randbytes(5000)))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("word/other.xml", "<x/>")
    with pytest.raises(LoadError, match="^corrupt DOCX: .*document.xml"):
        load_document(write(tmp_path, "no_body.docx", buffer.getvalue()))


def test_docx_zip_bomb_is_refused(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("word/document.xml", b" " * 3_000_000)
    path = write(tmp_path, "bomb.docx", buffer.getvalue())
    assert path.stat().st_size < 100_000
    with pytest.raises(LoadError, match="zip bomb"):
        load_document(path, max_bytes=100_000)


# --- EPUB ---------------------------------------------------------------------------------------


@needs_data
def test_epub_chapters_in_reading_order() -> None:
    doc = load_document(DOCS / "epub/alice.epub")
    assert all(page.number is None for page in doc.pages)
    text = full_text(doc)
    assert "Alice was beginning to get very tired of sitting by her sister on the bank" in text
    lines = text.split("\n")
    assert (
        lines.index("## Down The Rabbit-Hole")
        < lines.index("## The Pool Of Tears")
        < lines.index("## A Mad Tea-Party")
    )


def test_corrupt_epub(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match="^corrupt EPUB"):
        load_document(write(tmp_path, "broken.epub", b"PK\x03\x04" + random.Random(2).randbytes(3000)))


# --- PDF ----------------------------------------------------------------------------------------


@needs_data
def test_pdf_pages_and_numbers_kept() -> None:
    doc = load_document(DOCS / "pdf/text_born_digital/multi_page.pdf")
    assert [page.number for page in doc.pages] == [1, 2, 3, 4, 5]
    assert doc.warnings == []

    def pages_with(phrase: str) -> list[int | None]:
        return [page.number for page in doc.pages if phrase in page.text]

    assert pages_with("The Evolution of the Word Processor") == [1]
    assert pages_with("The Modern Era (1990s - Present)") == [2]
    assert pages_with("Specialized Word Processing Tools") == [3]
    assert pages_with("The journey of the word processor") == [5]


@needs_data
def test_latex_pdf_page_count() -> None:
    doc = load_document(DOCS / "pdf/text_born_digital/pdflatex-4-pages.pdf")
    assert [page.number for page in doc.pages] == [1, 2, 3, 4]
    assert doc.pages[0].text.startswith("Hello, here is some text without a meaning.")


@needs_data
def test_korean_pdf() -> None:
    doc = load_document(DOCS / "pdf/non_latin/korean/normal_4pages_ko.pdf")
    assert [page.number for page in doc.pages] == [1, 2, 3, 4]
    assert all(hangul_count(page.text) > 300 for page in doc.pages)
    assert [p.number for p in doc.pages if "코로나-19 관련 보험 현황" in p.text] == [2]
    assert [p.number for p in doc.pages if "발간등록번호" in p.text] == [4]


@needs_data
@pytest.mark.parametrize("name", ["pypdf_r2-owner-password.pdf", "pypdf_r6-empty-password.pdf"])
def test_pdf_that_opens_without_password(name: str) -> None:
    doc = load_document(DOCS / "pdf/encrypted" / name)
    assert [page.number for page in doc.pages] == [1]
    assert len(doc.pages[0].text.strip()) >= 30


@needs_data
@pytest.mark.parametrize(
    "name",
    [
        "pypdf_r3-user-password.pdf",  # RC4-128
        "pypdf_r5-user-password.pdf",  # AES-256 R5; its *owner* password is empty (see loader)
        "pypdf_r6-user-password.pdf",  # AES-256 R6; same
        "docling_2206.01062_pg3.pdf",
        "pdfjs_issue21579.pdf",
    ],
)
def test_pdf_with_user_password(name: str) -> None:
    with pytest.raises(LoadError, match="password required"):
        load_document(DOCS / "pdf/encrypted" / name)


@needs_data
def test_aes_pdf_without_cryptography_package(monkeypatch: pytest.MonkeyPatch) -> None:
    from pypdf import PdfReader
    from pypdf.errors import DependencyError

    def no_aes(self: PdfReader, password: str) -> None:
        raise DependencyError("cryptography>=3.1 is required for AES algorithm")

    monkeypatch.setattr(PdfReader, "decrypt", no_aes)
    with pytest.raises(LoadError, match="needs the 'cryptography' package"):
        load_document(DOCS / "pdf/encrypted/pypdf_r6-empty-password.pdf")


@needs_data
@pytest.mark.parametrize(
    "name", sorted(p.name for p in (DOCS / "pdf/malformed").glob("*.pdf")) if DOCS.is_dir() else []
)
def test_malformed_pdf_never_crashes(name: str) -> None:
    started = time.monotonic()
    try:
        doc = load_document(DOCS / "pdf/malformed" / name)
    except LoadError as exc:
        assert str(exc)  # a reason to show the user
    else:
        assert full_text(doc).strip()
    assert time.monotonic() - started < 5


@needs_data
def test_malformed_pdf_outcomes() -> None:
    folder = DOCS / "pdf/malformed"
    assert "Hello" in full_text(load_document(folder / "pdfjs_helloworld-bad.pdf"))
    with pytest.raises(LoadError, match="^corrupt PDF: startxref not found"):
        load_document(folder / "ocrmypdf_invalid.pdf")
    with pytest.raises(LoadError, match="^corrupt PDF: .*cyclic"):
        load_document(folder / "pdfjs_Pages-tree-refs.pdf")


@needs_data
@pytest.mark.parametrize("name", ["cardinal.pdf", "ocr_test.pdf", "jbig2.pdf"])
def test_scanned_pdf_has_no_text_layer(name: str) -> None:
    with pytest.raises(LoadError, match="no usable text layer and (needs|need) text recognition"):
        load_document(DOCS / "pdf/scanned_image_only" / name)  # OCR off: tests/core/test_ocr.py reads them


@needs_data
def test_partly_scanned_pdf_reports_pages_without_text(tmp_path: Path) -> None:
    from pypdf import PdfReader, PdfWriter

    text_pages = PdfReader(DOCS / "pdf/text_born_digital/multi_page.pdf").pages
    scanned_pages = PdfReader(DOCS / "pdf/scanned_image_only/cardinal.pdf").pages
    writer = PdfWriter()
    for page in (text_pages[0], scanned_pages[0], text_pages[1], scanned_pages[1]):
        writer.add_page(page)
    path = tmp_path / "mixed.pdf"
    with open(path, "wb") as fh:
        writer.write(fh)

    doc = load_document(path)
    assert [page.number for page in doc.pages] == [1, 2, 3, 4]
    assert "The Evolution of the Word Processor" in doc.pages[0].text
    assert doc.pages[1].text == ""
    assert doc.warnings == [
        "2 of 4 pages have no usable text layer and need text recognition (OCR), which is turned off: pages 2, 4"
    ]


@needs_data
def test_real_document_with_one_image_page() -> None:
    doc = load_document(DOCS / "pdf/text_born_digital/redp5110_sampled.pdf")
    assert len(doc.pages) == 18
    assert doc.warnings == [
        "1 of 18 pages has no usable text layer and needs text recognition (OCR), which is turned off: page 17"
    ]


@needs_data
def test_pdf_page_that_fails_is_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    from pypdf import PageObject

    original = PageObject.extract_text

    def flaky(self: PageObject, *args: object, **kwargs: object) -> str:
        if self.page_number == 2:  # 0-based: the third page
            raise RecursionError("maximum recursion depth exceeded")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(PageObject, "extract_text", flaky)
    doc = load_document(DOCS / "pdf/text_born_digital/multi_page.pdf")
    assert [page.number for page in doc.pages] == [1, 2, 4, 5]
    assert len(doc.warnings) == 1
    assert doc.warnings[0].startswith("1 of 5 pages could not be read and was skipped: page 3")
