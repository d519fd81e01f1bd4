"""PowerPoint (.pptx): real decks from ../shared/data and decks built here with python-pptx.

What a user notices: a citation says "deck.pptx, slide 4" and slide 4 holds the phrase; titles
name the passages; body text, tables, groups, charts and speaker notes are all searchable, in the
order a person reads the slide; broken or hostile files fail fast with a reason.
"""

from __future__ import annotations

import io
import os
import random
import re
import time
import zipfile
from pathlib import Path

import pytest

from desktop_rag.core.ingest.chunking import _HEADING
from desktop_rag.core.ingest.loaders import LoadedDocument, LoadError, load_document

pptx = pytest.importorskip("pptx")
from pptx.chart.data import CategoryChartData  # noqa: E402
from pptx.enum.chart import XL_CHART_TYPE  # noqa: E402
from pptx.util import Cm  # noqa: E402

DATA = Path(
    os.environ.get("DESKTOP_RAG_SHARED_DATA") or Path(__file__).resolve().parents[3] / "shared" / "data"
)
PPTX = DATA / "documents" / "office" / "pptx"
needs_data = pytest.mark.skipif(not PPTX.is_dir(), reason=f"shared office documents not found at {PPTX}")


def page(doc: LoadedDocument, number: int) -> str:
    texts = [p.text for p in doc.pages if p.number == number]
    assert len(texts) == 1, f"slide {number} should be one page"
    return texts[0]


# --- every shared deck: slide number -> phrases on that slide -----------------------------------

SLIDES: dict[str, dict[int, list[str]]] = {
    "chart.pptx": {1: ["Series 1: Category 1: 4.3 | Category 2: 2.5", "Series 3: Category 1: 2"]},
    "ko-langchain-tutorial.pptx": {
        1: ["# 랭체인 한국어 튜토리얼", "- 테디노트 -"],
        2: ["# Semantic Search", "정의: 의미론적 검색은 사용자의 질의를"],
        4: ["# Token", "연관키워드: 토큰화, 자연어 처리, 구문 분석"],
    },
    "markitdown-test.pptx": {
        1: ["# AutoGen: Enabling Next-Gen LLM Applications via Multi-Agent Conversation", "Gagan Bansal"],
        2: ["Both natural language and 04191ea8-5c73-4215-a1d3-1cfb43aaaf12 can be used"],
        3: ["ColA | ColB | ColC", "7 | 8 | 9 | 1b92870d-e3b5-4e65-8153-919f4ff45592 | 11 | 12"],  # table
        4: ["Chart: a3f6004b-6f4f-4ea8-bee3-3741f4dc385f"],  # chart title
        5: ["This is a nested shape with content in 2 shapes", "Sub comment 2"],  # group shape
        6: ["# These Test Strings are in the Image!"],
    },
    "notes.pptx": {1: ["# Slide 1", "Notes: Notes"]},  # speaker notes only
    "table-cells.pptx": {1: ["unladen swallows"], 2: ["merged cell"], 3: ["a | b | c\nd | e | f\ng | h | i"]},
    "text-runs-vertical-tab.pptx": {
        1: ["Foo Bar\nBaz Zoo\n1\nyahoo.com", "abc\na\nb\nc"],
        2: ["Text run in table cell"],
    },
}
FAILS = {"group-shapes.pptx": "^no text found$"}  # three empty shapes in a group, one empty rectangle


def test_every_shared_deck_is_listed() -> None:
    if not PPTX.is_dir():
        pytest.skip("shared data missing")
    assert {p.name for p in PPTX.iterdir()} == set(SLIDES) | set(FAILS)


@needs_data
@pytest.mark.parametrize("name", sorted(SLIDES))
def test_shared_deck_phrases_are_on_their_slides(name: str) -> None:
    doc = load_document(PPTX / name)
    assert doc.page_unit == "slide" and doc.headings and doc.warnings == []
    numbers = [p.number for p in doc.pages]
    assert numbers == sorted(set(numbers)) and all(isinstance(n, int) and n >= 1 for n in numbers)
    for number, phrases in SLIDES[name].items():
        text = page(doc, number)
        for phrase in phrases:
            assert phrase in text
    for p in doc.pages:
        assert "\x0b" not in p.text and p.text.startswith("# ")


@needs_data
@pytest.mark.parametrize("name", sorted(FAILS))
def test_shared_deck_without_text_fails_with_a_reason(name: str) -> None:
    with pytest.raises(LoadError, match=FAILS[name]):
        load_document(PPTX / name)


@needs_data
def test_title_is_the_heading_not_repeated_in_the_body() -> None:
    doc = load_document(PPTX / "ko-langchain-tutorial.pptx")
    assert page(doc, 3).split("\n")[:3] == [
        "# Embedding",
        "",
        "정의: 임베딩은 단어나 문장 같은 텍스트 데이터를 저차원의 연속적인 벡터로 변환하는 과정입니다. 이를 통해 컴퓨터가 텍스트를 이해하고 처리할 수 있게 합니다.",
    ]
    assert page(doc, 3).count("Embedding") == 1


# --- decks built here ---------------------------------------------------------------------------


def _text_box(slide, text: str, left_cm: float, top_cm: float):
    box = slide.shapes.add_textbox(Cm(left_cm), Cm(top_cm), Cm(6), Cm(2))
    box.text_frame.text = text
    return box


def build_deck(path: Path) -> Path:
    prs = pptx.Presentation()
    title_only, blank = prs.slide_layouts[5], prs.slide_layouts[6]

    one = prs.slides.add_slide(title_only)  # slide 1
    one.shapes.title.text = "Quarterly plan"
    _text_box(one, "Bottom text", 2, 15)  # added first, read last
    _text_box(one, "Right column", 14, 6)
    _text_box(one, "Left column", 2, 6)
    _text_box(one, "# not a heading\ndone. # also text\nline one\vline two", 2, 9)
    group = one.shapes.add_group_shape()
    inner = group.shapes.add_group_shape()
    _text_box(inner, "deep inside a nested group", 2, 12)
    table = one.shapes.add_table(2, 2, Cm(14), Cm(12), Cm(8), Cm(2)).table
    for r, values in enumerate((("Region", "Sales"), ("Seoul", "1,200"))):
        for c, value in enumerate(values):
            table.cell(r, c).text = value
    one.notes_slide.notes_text_frame.text = "Remember the budget review"

    two = prs.slides.add_slide(blank)  # slide 2: no title
    _text_box(two, "untitled slide text", 2, 2)
    data = CategoryChartData()
    data.categories = ["Q1", "Q2"]
    data.add_series("Revenue", (10.5, 12))
    chart = two.shapes.add_chart(XL_CHART_TYPE.COLUMN_CLUSTERED, Cm(2), Cm(5), Cm(12), Cm(8), data).chart
    chart.has_title = True
    chart.chart_title.text_frame.text = "Revenue by quarter"

    prs.slides.add_slide(blank)  # slide 3: nothing to read

    four = prs.slides.add_slide(title_only)  # slide 4: hidden
    four.shapes.title.text = "Backup numbers"
    _text_box(four, "only for questions", 2, 6)
    four._element.set("show", "0")

    five = prs.slides.add_slide(title_only)  # slide 5: 한국어
    five.shapes.title.text = "분기 계획"
    _text_box(five, "서울 지사의 매출은 1,200억 원입니다.", 2, 6)
    prs.save(path)
    return path


def test_built_deck(tmp_path: Path) -> None:
    doc = load_document(build_deck(tmp_path / "deck.pptx"))
    assert [p.number for p in doc.pages] == [1, 2, 4, 5]  # slide 3 has no text: left out, numbers kept
    one = page(doc, 1)
    assert one.startswith("# Quarterly plan\n\n")
    order = [
        "Left column",
        "Right column",
        "# not a heading",
        "deep inside a nested group",
        "Region | Sales",
        "Bottom text",
    ]
    positions = [one.index(part) for part in order]
    assert positions == sorted(positions), "top to bottom, then left to right"
    assert "Region | Sales\nSeoul | 1,200" in one
    assert "line one\nline two" in one
    assert one.endswith("Notes: Remember the budget review")
    assert page(doc, 2).startswith("# Slide 2\n\n")  # never named after slide 1's title
    assert "Chart: Revenue by quarter\nRevenue: Q1: 10.5 | Q2: 12" in page(doc, 2)
    assert page(doc, 4).startswith("# Backup numbers (hidden slide)\n\nonly for questions")
    assert page(doc, 5) == "# 분기 계획\n\n서울 지사의 매출은 1,200억 원입니다."


def test_hash_marks_in_slide_text_are_no_headings(tmp_path: Path) -> None:
    doc = load_document(build_deck(tmp_path / "deck.pptx"))
    text = page(doc, 1)
    assert r"\# not a heading" in text and r"done. \# also text" in text
    headings = []
    for line in text.split("\n"):
        for piece in re.split(r"(?<=[.!?])\s+", line):
            if _HEADING.match(piece):
                headings.append(piece)
    assert headings == ["# Quarterly plan"]


# --- damaged and hostile files ------------------------------------------------------------------


def _fast(fn, *args, **kwargs):
    started = time.monotonic()
    try:
        return fn(*args, **kwargs)
    finally:
        assert time.monotonic() - started < 3, "hostile input must fail fast"


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("cut", [0.5, 0.1, 0.99])
def test_truncated_deck(tmp_path: Path, cut: float) -> None:
    data = build_deck(tmp_path / "deck.pptx").read_bytes()
    with pytest.raises(LoadError, match="^corrupt PPTX"):
        _fast(load_document, _write(tmp_path, "cut.pptx", data[: int(len(data) * cut)]))


def test_zero_byte_random_and_encrypted_decks(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match="^empty file$"):
        load_document(_write(tmp_path, "zero.pptx", b""))
    noise = random.Random(5).randbytes(30_000)
    with pytest.raises(LoadError, match="^corrupt PPTX"):
        _fast(load_document, _write(tmp_path, "noise.pptx", noise))
    with pytest.raises(LoadError, match="^password-protected or legacy PPTX"):
        _fast(load_document, _write(tmp_path, "locked.pptx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + noise))


def test_flipped_bytes_fail_with_a_reason(tmp_path: Path) -> None:
    data = build_deck(tmp_path / "deck.pptx").read_bytes()
    rng = random.Random(11)
    for k in range(8):
        damaged = bytearray(data)
        for _ in range(30):
            damaged[rng.randrange(16, len(damaged))] = rng.getrandbits(8)
        try:
            _fast(load_document, _write(tmp_path, f"flip{k}.pptx", bytes(damaged)))
        except LoadError as exc:
            assert str(exc).startswith(("corrupt PPTX", "not a PowerPoint", "looks like a zip bomb")), str(
                exc
            )


def test_a_zip_that_is_not_a_presentation(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("word/document.xml", "<w:document/>")
    with pytest.raises(LoadError, match=r"^not a PowerPoint presentation"):
        load_document(_write(tmp_path, "renamed.pptx", buffer.getvalue()))


def _deck_with_zeros(tmp_path: Path, member: str, size: int) -> bytes:
    """The built deck plus one member of ``size`` zero bytes (deflated: ~1,000x smaller)."""
    source = build_deck(tmp_path / "base.pptx").read_bytes()
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(source)) as src,
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out,
    ):
        for item in src.infolist():
            out.writestr(item, src.read(item))
        info = zipfile.ZipInfo(member)
        info.compress_type = zipfile.ZIP_DEFLATED
        with out.open(info, "w", force_zip64=True) as fh:
            block = bytes(1 << 20)
            for _ in range(size >> 20):
                fh.write(block)
    return buffer.getvalue()


def test_zip_bomb_deck_is_refused_from_its_directory(tmp_path: Path) -> None:
    data = _deck_with_zeros(tmp_path, "ppt/media/padding.bin", 20 << 20)
    with pytest.raises(LoadError, match=r"^looks like a zip bomb \(declares 2\d.\d MB uncompressed\)$"):
        _fast(load_document, _write(tmp_path, "bomb.pptx", data), max_bytes=1_000_000)


def test_xml_bomb_member_is_refused(tmp_path: Path) -> None:
    """20 MB of XML in 20 KB: under the archive-wide limits, but no slide part compresses 1,000x."""
    data = _deck_with_zeros(tmp_path, "ppt/slides/slide9.xml", 20 << 20)
    with pytest.raises(LoadError, match=r"^looks like a zip bomb \(ppt/slides/slide9.xml declares 21.0 MB"):
        _fast(load_document, _write(tmp_path, "xmlbomb.pptx", data))


def test_a_lying_zip_directory_gets_no_more_than_it_declares(tmp_path: Path) -> None:
    """A slide declaring 100 bytes that inflates to far more: zipfile stops there and the CRC fails."""
    data = bytearray(build_deck(tmp_path / "deck.pptx").read_bytes())
    member = "ppt/slides/slide1.xml"
    local = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo(member).header_offset
    central = data.index(member.encode(), local + 30 + len(member)) - 46
    for at, offset in ((local, 22), (central, 24)):
        data[at + offset : at + offset + 4] = (100).to_bytes(4, "little")
    with pytest.raises(LoadError, match="^corrupt PPTX"):
        _fast(load_document, _write(tmp_path, "liar.pptx", bytes(data)))


def test_a_damaged_picture_costs_the_picture_not_the_deck(tmp_path: Path) -> None:
    """python-pptx reads every part: a picture failing its CRC is emptied, the slides still read."""
    from PIL import Image

    image = tmp_path / "dot.png"
    Image.new("RGB", (8, 8), "red").save(image)
    prs = pptx.Presentation()
    slide = prs.slides.add_slide(prs.slide_layouts[5])
    slide.shapes.title.text = "Site photos"
    slide.shapes.add_picture(str(image), Cm(2), Cm(5))
    _text_box(slide, "the north wall", 10, 5)
    source = io.BytesIO()
    prs.save(source)
    buffer = io.BytesIO()
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for item in src.infolist():
            stored = item.filename.startswith("ppt/media/")
            out.writestr(
                item.filename, src.read(item), zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
            )
    data = bytearray(buffer.getvalue())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as zf:
        info = next(i for i in zf.infolist() if i.filename.startswith("ppt/media/"))
    start = info.header_offset + 30 + len(info.filename)
    data[start + 20] ^= 0xFF  # inside the stored PNG bytes: its CRC no longer matches
    doc = _fast(load_document, _write(tmp_path, "photos.pptx", bytes(data)))
    assert page(doc, 1) == "# Site photos\n\nthe north wall"
    assert doc.warnings == [f"damaged pictures or media left out: {info.filename.rsplit('/', 1)[-1]}"]
