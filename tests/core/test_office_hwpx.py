"""HWPX (OWPML) loader: every shared .hwpx file, small files built here, and hostile input.

The shared folder is ``<repo>/../shared/data`` (or DESKTOP_RAG_SHARED_DATA); tests that need it are
skipped when it is missing, the ones that build their own archives still run.
"""

from __future__ import annotations

import io
import os
import random
import time
import zipfile
from pathlib import Path

import pytest

from desktop_rag.core.ingest.loaders import LoadedDocument, LoadError, load_document, supported_extensions
from desktop_rag.core.ingest.loaders.hwpx import load_hwpx
from desktop_rag.core.ingest.loaders.hwpx.numbering import format_number

DATA = Path(
    os.environ.get("DESKTOP_RAG_SHARED_DATA") or Path(__file__).resolve().parents[3] / "shared" / "data"
)
HWPX_DIR = DATA / "documents" / "office" / "hwpx"
HWP_AS_HWPX = DATA / "documents" / "office" / "hwp" / "hwpx-with-hwp-extension-rfp-5-sections.hwp"
needs_data = pytest.mark.skipif(
    not HWPX_DIR.is_dir(), reason=f"shared HWPX documents not found at {HWPX_DIR}"
)
MB = 1024 * 1024
FAST = 3.0  # seconds: hostile files must be refused well inside the worker's time limit


def full_text(doc: LoadedDocument) -> str:
    return "\n\n".join(page.text for page in doc.pages)


def load(name: str) -> LoadedDocument:
    return load_document(HWPX_DIR / name)


# --- every shared file --------------------------------------------------------------------------

# (file, phrases a user would search for, read from the file in Hangul's own preview text / XML)
SHARED_FILES = [
    ("change-tracking.hwpx", ["변경", "인간은"]),  # the inserted word is kept
    ("drop-cap-text.hwpx", ["발광다이오드(LED: Light Emitting Diode)를 광원으로 채택한 TV용 패널"]),
    ("dutmal-ruby-text.hwpx", ["테스트_본말"]),  # ruby base text
    ("headerfooter.hwpx", ["머리말 테스트", "꼬리말"]),  # header and footer
    (
        "long-doc-3-sections.hwpx",
        ["『제2회 가을밤의 음악축제』", "문화 행사 | 15:00 ~ 17:30 | 소규모 문화행사(공연 제외)"],
    ),
    ("long-doc-tables.hwpx", ["119) 대중교통환승센터", "소관기관 | 국토교통부"]),  # table cells as rows
    ("multicolumn.hwpx", ["1\n\n2\n\n3\n\n4\n\n5\n\n7\n\n8\n\n9\n\n10"]),
    (
        "no-manifest-2-sections.hwpx",
        ["울산광역시 남구 구세 조례 일부개정조례안", "제1절 재산분 | 제1절 사업소분"],
    ),
    (
        "paragraph-numbering.hwpx",
        ["• 글머리1-1", "3.2. 번호3-2", "4.1.2. 번호-4-1-2", "## 1. 개요1", "### 가. 개요1-1"],
    ),
    ("project-plan-form.hwpx", ["프로젝트계획서", "참가자 성명 |  | 고길동 | 홍길동"]),
    ("simple-table.hwpx", ["1 | 2\n3\n5 | 4"]),  # a 3x3 grid with merged cells, row by row
    ("text-in-rectangles.hwpx", ["사각 시각한 사각형입니다.", "오각형이 아니에요", "2번째 사각형"]),
    ("textextractor-table.hwpx", ["C반 기말고사", "이름 | 국어 | 영어 | 수학", "개똥이 | 89 | 65 | 78"]),
    ("테스트문서.hwpx", ["개요 내용입니다", "문서의 URL 링크 정보는 바로가기 위치입니다."]),
]


def test_every_shared_file_is_listed() -> None:
    if not HWPX_DIR.is_dir():
        pytest.skip(f"shared HWPX documents not found at {HWPX_DIR}")
    assert sorted(p.name for p in HWPX_DIR.glob("*.hwpx")) == sorted(name for name, _ in SHARED_FILES)


@needs_data
@pytest.mark.parametrize(("name", "phrases"), SHARED_FILES, ids=[name for name, _ in SHARED_FILES])
def test_shared_file_text(name: str, phrases: list[str]) -> None:
    start = time.monotonic()
    doc = load(name)
    assert time.monotonic() - start < FAST
    text = full_text(doc)
    for phrase in phrases:
        assert phrase in text
    assert doc.headings and all(page.number is None and page.part == "" for page in doc.pages)
    assert doc.pages[0].text.startswith("# Section 1\n\n")
    assert "사각형입니다." not in text.replace(
        "사각 시각한 사각형입니다.", ""
    )  # shape descriptions are not text


def test_hwpx_is_registered() -> None:
    assert ".hwpx" in supported_extensions()


@needs_data
def test_change_tracking_deleted_text_is_left_out() -> None:
    text = full_text(load("change-tracking.hwpx"))
    assert "추적" not in text  # " 추적" sits between deleteBegin and deleteEnd
    assert "변경 \t인간은" in text


@needs_data
def test_dutmal_annotation_is_left_out() -> None:
    text = full_text(load("dutmal-ruby-text.hwpx"))
    assert "테스트_본말" in text and "닷말" not in text


@needs_data
def test_drop_cap_joins_its_word_and_rectangles_keep_the_sentence_whole() -> None:
    assert "\n발\n" not in full_text(load("drop-cap-text.hwpx"))
    text = full_text(load("text-in-rectangles.hwpx"))
    # the body sentence reads on across the two boxes; the boxes' text follows the paragraph
    assert "텍스트입니다.이것은 본문 텍스트입니다. End" in text
    assert text.index("End") < text.index("사각 시각한") < text.index("2번째 사각형")


@needs_data
def test_sections_follow_the_manifest_and_become_headings() -> None:
    doc = load("long-doc-3-sections.hwpx")
    assert [page.text.split("\n", 1)[0] for page in doc.pages] == [
        "# Section 1",
        "# Section 2",
        "# Section 3",
    ]
    assert "행사대행 용역 제안요청서" in doc.pages[0].text
    assert "I. 과업안내" in doc.pages[1].text
    assert "가 격 제 안 서" in doc.pages[2].text


@needs_data
def test_no_manifest_file_gives_both_sections_in_order() -> None:
    doc = load("no-manifest-2-sections.hwpx")
    assert len(doc.pages) == 2
    assert "입 법 예 고" in doc.pages[0].text and "신ㆍ구조문대비표" in doc.pages[1].text


@needs_data
def test_without_package_document_sections_are_read_by_number(tmp_path: Path) -> None:
    # drop content.hpf and container.xml; section10 sorts after section2 by number, not by name
    path = tmp_path / "bare.hwpx"
    with zipfile.ZipFile(HWPX_DIR / "no-manifest-2-sections.hwpx") as src, zipfile.ZipFile(path, "w") as dst:
        for info in src.infolist():
            if info.filename not in ("Contents/content.hpf", "META-INF/container.xml"):
                dst.writestr(info.filename, src.read(info))
        dst.writestr("Contents/section10.xml", section_xml(para("열 번째 구역")))
        dst.writestr("Contents/section2.xml", section_xml(para("두 번째 구역")))
    doc = load_document(path)
    assert len(doc.pages) == 4
    assert "입 법 예 고" in doc.pages[0].text and "신ㆍ구조문대비표" in doc.pages[1].text
    assert "두 번째 구역" in doc.pages[2].text and "열 번째 구역" in doc.pages[3].text


@needs_data
def test_hwpx_saved_with_hwp_extension_reads_through_load_hwpx() -> None:
    doc = load_hwpx(HWP_AS_HWPX, 200 * MB)
    assert len(doc.pages) == 5 and doc.headings
    text = full_text(doc)
    assert "야생동물 종합관리 시스템 고도화(2023년)" in text
    assert "사업책임자 | 생물다양성총괄과 | 과장" in text
    assert "## I. 사업개요" in doc.pages[1].text


@needs_data
def test_throughput_on_the_shared_files() -> None:
    files = sorted(HWPX_DIR.glob("*.hwpx")) + [HWP_AS_HWPX]
    start = time.monotonic()
    for path in files:
        load_hwpx(path, 200 * MB)
    assert time.monotonic() - start < 5.0  # ~1.7 MB in all: well under a second here


# --- small files built here ---------------------------------------------------------------------

NS = (
    'xmlns:hp="http://www.hancom.co.kr/hwpml/2011/paragraph" '
    'xmlns:hs="http://www.hancom.co.kr/hwpml/2011/section" '
    'xmlns:hh="http://www.hancom.co.kr/hwpml/2011/head"'
)


def para(*runs: str, para_pr: str = "0") -> str:
    """An hp:p whose runs are text (plain strings) or raw XML (strings starting with '<')."""
    body = "".join(r if r.startswith("<") else f"<hp:t>{r}</hp:t>" for r in runs)
    return f'<hp:p paraPrIDRef="{para_pr}"><hp:run>{body}</hp:run></hp:p>'


def sublist(*paras: str) -> str:
    return f"<hp:subList>{''.join(paras)}</hp:subList>"


def section_xml(*paras: str) -> str:
    return f'<?xml version="1.0" encoding="UTF-8"?><hs:sec {NS}>{"".join(paras)}</hs:sec>'


def content_hpf(*sections: str) -> str:
    items = "".join(
        f'<opf:item id="s{i}" href="Contents/{s}" media-type="application/xml"/>'
        for i, s in enumerate(sections)
    )
    refs = "".join(f'<opf:itemref idref="s{i}"/>' for i in range(len(sections)))
    return (
        '<?xml version="1.0" encoding="UTF-8"?><opf:package xmlns:opf="http://www.idpf.org/2007/opf/">'
        f'<opf:manifest><opf:item id="header" href="Contents/header.xml" media-type="application/xml"/>{items}'
        f'</opf:manifest><opf:spine><opf:itemref idref="header"/>{refs}</opf:spine></opf:package>'
    )


def build(path: Path, parts: dict[str, str | bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(zipfile.ZipInfo("mimetype"), "application/hwp+zip")
        for name, data in parts.items():
            zf.writestr(name, data)
    return path


def build_sections(path: Path, *sections: str, order: list[str] | None = None) -> Path:
    names = [f"section{i}.xml" for i in range(len(sections))]
    parts: dict[str, str | bytes] = {f"Contents/section{i}.xml": s for i, s in enumerate(sections)}
    parts["Contents/content.hpf"] = content_hpf(*(order or names))
    return build(path, parts)


def test_spine_order_wins_over_file_numbers(tmp_path: Path) -> None:
    path = build_sections(
        tmp_path / "order.hwpx",
        section_xml(para("번호 영 구역")),
        section_xml(para("번호 일 구역")),
        order=["section1.xml", "section0.xml"],
    )
    doc = load_document(path)
    assert "번호 일 구역" in doc.pages[0].text and "번호 영 구역" in doc.pages[1].text


def test_broken_package_document_falls_back_to_section_numbers(tmp_path: Path) -> None:
    path = build(
        tmp_path / "broken.hwpx",
        {
            "Contents/content.hpf": "<opf:package <<< not xml",
            "Contents/section1.xml": section_xml(para("둘째")),
            "Contents/section0.xml": section_xml(para("첫째")),
        },
    )
    doc = load_document(path)
    assert [("첫째" in p.text, "둘째" in p.text) for p in doc.pages] == [(True, False), (False, True)]


def test_a_damaged_section_costs_only_that_section(tmp_path: Path) -> None:
    path = build_sections(
        tmp_path / "partly.hwpx",
        section_xml(para("멀쩡한 구역")),
        "<hs:sec><hp:p>끊긴",
        section_xml(para("셋째 구역")),
    )
    doc = load_document(path)
    assert "멀쩡한 구역" in doc.pages[0].text and "셋째 구역" in doc.pages[1].text
    assert doc.pages[1].text.startswith("# Section 3")
    assert len(doc.warnings) == 1 and doc.warnings[0].startswith("Section 2 left out: corrupt HWPX")
    only_damaged = build_sections(tmp_path / "broken.hwpx", "<hs:sec><hp:p>끊긴")
    assert refused(only_damaged).startswith("corrupt HWPX: Contents/section0.xml")


def test_footnotes_endnotes_follow_their_paragraph(tmp_path: Path) -> None:
    note = '<hp:ctrl><hp:footNote number="1">{}</hp:footNote></hp:ctrl>'.format(
        sublist(para('<hp:ctrl><hp:autoNum num="1" numType="FOOTNOTE"/></hp:ctrl>', "각주 내용입니다"))
    )
    endnote = f'<hp:ctrl><hp:endNote number="1">{sublist(para("미주 내용입니다"))}</hp:endNote></hp:ctrl>'
    path = build_sections(
        tmp_path / "notes.hwpx",
        section_xml(para("본문 앞부분", note, " 본문 뒷부분", endnote), para("다음 문단")),
    )
    text = full_text(load_document(path))
    assert "본문 앞부분 본문 뒷부분\n\n각주 내용입니다\n\n미주 내용입니다\n\n다음 문단" in text


def test_tables_captions_nested_tables_and_inline_marks(tmp_path: Path) -> None:
    def cell(*paras: str) -> str:
        return f"<hp:tc>{sublist(*paras)}</hp:tc>"

    inner = f"<hp:tbl><hp:tr>{cell(para('안쪽 가'))}{cell(para('안쪽 나'))}</hp:tr></hp:tbl>"
    table = (
        f'<hp:tbl><hp:caption side="TOP">{sublist(para("표 1. 예산"))}</hp:caption>'
        f"<hp:tr>{cell(para('항목'))}{cell(para('금액'))}</hp:tr>"
        f"<hp:tr>{cell(para('인건비'), para('(추정)'))}{cell(para(inner))}</hp:tr></hp:tbl>"
    )
    marks = "<hp:t>가<hp:tab/>나<hp:lineBreak/>다<hp:fwSpace/>라<hp:nbSpace/>마</hp:t>"
    path = build_sections(tmp_path / "table.hwpx", section_xml(para("표 앞", table), para(marks)))
    text = full_text(load_document(path))
    assert "표 앞\n\n표 1. 예산\n\n항목 | 금액\n인건비 (추정) | 안쪽 가 | 안쪽 나" in text
    assert "가\t나\n다 라 마" in text


def test_deletion_spanning_paragraphs_and_compat_switch(tmp_path: Path) -> None:
    switch = (
        f"<hp:switch><hp:case><hp:rect><hp:drawText>{sublist(para('새 상자'))}</hp:drawText></hp:rect></hp:case>"
        f"<hp:default><hp:rect><hp:drawText>{sublist(para('옛 상자'))}</hp:drawText></hp:rect></hp:default></hp:switch>"
    )
    group = (
        f"<hp:container><hp:ellipse><hp:drawText>{sublist(para('묶음 타원'))}</hp:drawText></hp:ellipse>"
        f"<hp:pic><hp:caption>{sublist(para('그림 설명글'))}</hp:caption>"
        "<hp:shapeComment>그림입니다.</hp:shapeComment></hp:pic></hp:container>"
    )
    path = build_sections(
        tmp_path / "changes.hwpx",
        section_xml(
            para('<hp:t>남는 글 <hp:deleteBegin Id="7"/>지운 글</hp:t>'),
            para("지운 문단"),
            para('<hp:t>지운 끝<hp:deleteEnd Id="7"/> 다시 남는 글</hp:t>'),
            para("상자 문단", switch),
            para("묶음 문단", group),
        ),
    )
    text = full_text(load_document(path))
    assert "묶음 문단\n\n묶음 타원\n\n그림 설명글" in text and "그림입니다." not in text
    assert "남는 글" in text and "다시 남는 글" in text
    assert "지운" not in text
    assert "옛 상자" in text and "새 상자" not in text  # one version of a compatibility switch


def test_hash_in_body_text_is_not_a_heading(tmp_path: Path) -> None:
    path = build_sections(tmp_path / "hash.hwpx", section_xml(para("# 항목 수"), para("본문")))
    doc = load_document(path)
    assert "\\# 항목 수" in doc.pages[0].text


def test_number_formats() -> None:
    assert [format_number(n, "HANGUL_SYLLABLE") for n in (1, 2, 14, 15)] == ["가", "나", "하", "가"]
    assert format_number(4, "ROMAN_CAPITAL") == "IV" and format_number(9, "ROMAN_SMALL") == "ix"
    assert format_number(3, "CIRCLED_DIGIT") == "③" and format_number(2, "LATIN_SMALL") == "b"
    assert format_number(1, "HANGUL_JAMO") == "ㄱ" and format_number(25, "DIGIT") == "25"


# --- refused files ------------------------------------------------------------------------------


def refused(path: Path, max_bytes: int = 200 * MB) -> str:
    start = time.monotonic()
    with pytest.raises(LoadError) as info:
        load_document(path, max_bytes)
    assert time.monotonic() - start < FAST
    reason = str(info.value)
    assert reason and "Traceback" not in reason
    return reason


def test_encrypted_hwpx_is_password_protected(tmp_path: Path) -> None:
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><odf:manifest xmlns:odf="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
        '<odf:file-entry odf:full-path="Contents/section0.xml" odf:media-type="application/xml" odf:size="3637">'
        '<odf:encryption-data odf:checksum-type="SHA1" odf:checksum="AAAA"><odf:algorithm odf:algorithm-name="AES"/>'
        "</odf:encryption-data></odf:file-entry></odf:manifest>"
    )
    path = build(
        tmp_path / "locked.hwpx",
        {"META-INF/manifest.xml": manifest, "Contents/section0.xml": os.urandom(512)},
    )
    assert refused(path) == "password-protected HWPX"


def test_zero_byte_truncated_and_random_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty.hwpx"
    empty.write_bytes(b"")
    assert refused(empty) == "empty file"
    noise = tmp_path / "noise.hwpx"
    noise.write_bytes(random.Random(7).randbytes(50_000))
    assert refused(noise) == "damaged or truncated HWPX (not a readable ZIP archive)"
    source = build_sections(
        tmp_path / "whole.hwpx", section_xml(*[para(f"문단 {i} " * 20) for i in range(300)])
    )
    data = source.read_bytes()
    for cut in (len(data) // 3, len(data) - 30, 40):
        truncated = tmp_path / f"cut{cut}.hwpx"
        truncated.write_bytes(data[:cut])
        assert refused(truncated) == "damaged or truncated HWPX (not a readable ZIP archive)"


@needs_data
def test_truncated_shared_file(tmp_path: Path) -> None:
    data = (HWPX_DIR / "long-doc-3-sections.hwpx").read_bytes()
    truncated = tmp_path / "half.hwpx"
    truncated.write_bytes(data[: len(data) // 2])
    assert refused(truncated) == "damaged or truncated HWPX (not a readable ZIP archive)"


@needs_data
def test_binary_hwp_with_hwpx_name(tmp_path: Path) -> None:
    path = tmp_path / "renamed.hwpx"
    path.write_bytes((HWP_AS_HWPX.parent / "textbox.hwp").read_bytes())
    assert "binary HWP" in refused(path)


def test_zip_that_is_not_hwpx(tmp_path: Path) -> None:
    path = build(tmp_path / "renamed.hwpx", {"word/document.xml": "<w:document/>"})
    assert "no sections" in refused(path)


def test_section_bomb_with_huge_ratio(tmp_path: Path) -> None:
    # 20 MB of XML spaces compress to ~20 KB; with a 1 MB file limit a part may unpack to 10 MB
    payload = section_xml(para("x")).replace("<hp:p", " " * (20 * MB) + "<hp:p", 1)
    path = build(tmp_path / "bomb.hwpx", {"Contents/section0.xml": payload})
    assert path.stat().st_size < MB
    assert "zip bomb" in refused(path, max_bytes=MB)


def test_section_beyond_the_xml_part_cap(tmp_path: Path) -> None:
    # 70 MB passes the archive's ratio check (small totals may compress well) but not the per-part cap
    payload = section_xml(para("x")).replace("<hp:p", " " * (70 * MB) + "<hp:p", 1)
    path = build(tmp_path / "big.hwpx", {"Contents/section0.xml": payload})
    assert "zip bomb" in refused(path)


def test_size_in_the_zip_directory_that_lies(tmp_path: Path) -> None:
    buf = io.BytesIO()
    payload = section_xml(*[para("글자 " * 50) for _ in range(2000)]).encode()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("Contents/section0.xml", payload)
    data = bytearray(buf.getvalue())
    real = len(payload).to_bytes(4, "little")
    fake = (1000).to_bytes(4, "little")
    assert data.count(real) == 2  # local header and central directory
    path = tmp_path / "liar.hwpx"
    path.write_bytes(bytes(data).replace(real, fake))
    assert refused(path).startswith("corrupt HWPX")


def test_billion_laughs_is_refused(tmp_path: Path) -> None:
    entities = '<!ENTITY a0 "ha">' + "".join(f'<!ENTITY a{i} "{f"&a{i - 1};" * 10}">' for i in range(1, 10))
    bomb = f'<?xml version="1.0"?><!DOCTYPE hs:sec [{entities}]><hs:sec {NS}><hp:p><hp:run><hp:t>&a9;</hp:t></hp:run></hp:p></hs:sec>'
    path = build(tmp_path / "laughs.hwpx", {"Contents/section0.xml": bomb})
    assert "DTD" in refused(path)
    header_bomb = build(
        tmp_path / "laughs-header.hwpx",
        {
            "Contents/header.xml": bomb.replace("hs:sec", "hh:head"),
            "Contents/section0.xml": section_xml(para("본문")),
        },
    )
    assert "DTD" in refused(header_bomb)


def test_deep_nesting_is_a_reason_not_a_crash(tmp_path: Path) -> None:
    depth = 50_000
    nested = "<hp:rect>" * depth + "</hp:rect>" * depth
    path = build_sections(tmp_path / "deep.hwpx", section_xml(para("본문", nested)))
    start = time.monotonic()
    try:
        doc = load_document(path)
    except LoadError as exc:
        assert str(exc)
    else:
        assert "본문" in full_text(doc)
    assert time.monotonic() - start < FAST
