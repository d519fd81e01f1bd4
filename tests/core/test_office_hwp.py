"""Hangul (.hwp): every shared HWP file, HWP 5.x documents built here, HWPML, hostile input.

What a user notices: the words of the body, table cells, headers/footers, footnotes, text boxes
and captions are searchable; citations name "Section N" and never invent a page; a distribution
(배포용) document is indexed with its real text, not the "upper version" stub; password-protected,
damaged, truncated and hostile files fail fast with a reason.
"""

from __future__ import annotations

import os
import random
import struct
import time
import zlib
from pathlib import Path

import pytest

from desktop_rag.core.ingest.loaders import LoadedDocument, LoadError, load_document
from tests.cfb import build_cfb

DATA = Path(
    os.environ.get("DESKTOP_RAG_SHARED_DATA") or Path(__file__).resolve().parents[3] / "shared" / "data"
)
HWP = DATA / "documents" / "office" / "hwp"
needs_data = pytest.mark.skipif(not HWP.is_dir(), reason=f"shared office documents not found at {HWP}")

DISTRIBUTION_STUB = "이 문서는 상위 버전의 배포용 문서입니다"


def full_text(doc: LoadedDocument) -> str:
    return "\n\n".join(page.text for page in doc.pages)


# --- every shared file: phrases read from it (where in the document, as a comment) -------------

PHRASES: dict[str, list[str]] = {
    "distribution-viewtext-small.hwp": [
        "pyhwp 테스트를 위한 배포 문서 예제입니다."
    ],  # encrypted ViewText body
    "fields-clickhere.hwp": [
        "AA테스트 누름틀ABCD 1234567",  # click-here fields keep their visible text
        "테이블안",  # a field inside a table cell
        "여러줄 문자열3",
    ],
    "footnote-endnote-uncompressed.hwp": ["sssd"],  # the only text: an endnote
    "footnote-endnote.hwp": [
        "각주참조",
        "1) 각주입니다.",  # the footnote's own number, as the reader sees it
        "2) 각주 두 번째입니다.",
        "미주참조",
        "미주 두 번째입니다.",
    ],
    "gov-award-forms-uncompressed.hwp": [
        "정부포상 추천자 현황(민간인‧재직공무원‧단체)",
        "○○회사 | 사장 | 이몽룡 | 동탑 산업",  # table row, cells in order
        "위 자료는 관련기관 조회",
    ],
    "header-footer-uncompressed.hwp": ["개요1", "888887774444"],
    "headerfooter.hwp": ["첫 페이지", "Header 이것은 머리말입니다.", "Footer 이것은 꼬리말입니다."],
    "hidden-comment.hwp": ["우리는 우리다.", "그것은 그것이다."],  # hidden comments are included
    "lists-2-sections.hwp": ["글머리표 두 번째", "문단번호 세 번째 (새 번호)", "개요 세 번째 (새 번호)"],
    "multicolumns.hwp": ["다단 다단 다단"],
    "nts-tax-ruling-2000-table-layout.hwp": [
        "[ 문서번호 ] | 재산상속46014-551 (2000.05.09) | [ 세목 ] | 상증",
        "비상장주식을 당해 법인의 순자산가액으로 평가하는 경우",
    ],
    "nts-tax-ruling-2008-table-layout.hwp": [
        "법규양도2008-0091",
        "상가를 구분 소유한 자 들이 공동으로 상가를 재건축하는 경우 양도소득세 과세 여부",
    ],
    "old-5.0.2.2-fields-picture.hwp": ["테스트 누름틀 ABCD 1234567", "테이블안"],
    "press-release-noori-2018.hwp": [
        "국민이 정한 그 이름은 ｢누리｣",
        "담당과장 | 장인숙(02-2110-2430)",  # header table
        "총 길이 | 47.2 m | 25.8 m",  # comparison table
    ],
    "report-template-basics.hwp": ["리포트의 제목", "학번 | 200012345", "R E P O R T"],
    "sample-5017-header-footnote-table.hwp": [
        "머리말입니다",  # header
        "A1 | B10 B11",  # table, a cell of two paragraphs
        "이건 각주이지요.",  # footnote
        "한글 2002 이후 제품",  # the 한 logo glyph read as 한
    ],
    "table-caption.hwp": [
        "표 1 위 캡션",
        "표 2 아래 캡션",
        "표 6 오른쪽 아래",
        "표 8 한 줄로 입력",
    ],  # auto numbers
    "textbox-compressed.hwp": ["ABC", "그림", "123"],
    "textbox.hwp": ["글상자", "그림 1 캡션"],  # text box and its caption
    "표.hwp": ["ABC 123 | DEF | GHI\nLMN | OPQ | STR\nUVM | 123 | 456"],
}

FAILURES: dict[str, str] = {
    "password-12345.hwp": "password-protected HWP",
    "damaged-utf8-mangled-ole.hwp": "damaged HWP file (not a valid OLE container)",
}

HWPX_FILE = "hwpx-with-hwp-extension-rfp-5-sections.hwp"


@needs_data
def test_every_shared_file_is_covered() -> None:
    assert {p.name for p in HWP.glob("*.hwp")} == set(PHRASES) | set(FAILURES) | {HWPX_FILE}


@needs_data
@pytest.mark.parametrize("name", sorted(PHRASES))
def test_shared_file_text(name: str) -> None:
    doc = load_document(HWP / name)
    text = full_text(doc)
    for phrase in PHRASES[name]:
        assert phrase in text, f"{phrase!r} missing from {name}"
    assert doc.headings and doc.pages[0].text.startswith("# Section 1\n")
    assert all(page.number is None for page in doc.pages)  # never invented page numbers
    assert "\ufffd" not in text and not any("\ue000" <= ch <= "\uf8ff" for ch in text)  # no stray glyphs
    assert DISTRIBUTION_STUB not in text


@needs_data
@pytest.mark.parametrize("name", sorted(FAILURES))
def test_shared_file_fails_with_reason(name: str) -> None:
    with pytest.raises(LoadError) as info:
        load_document(HWP / name)
    assert str(info.value) == FAILURES[name]


@needs_data
def test_distribution_document_is_its_real_text_not_the_stub() -> None:
    doc = load_document(HWP / "distribution-viewtext-small.hwp")
    assert full_text(doc) == "# Section 1\n\npyhwp 테스트를 위한 배포 문서 예제입니다."


@needs_data
def test_sections_are_headed_in_order() -> None:
    doc = load_document(HWP / "lists-2-sections.hwp")
    assert [p.text.split("\n", 1)[0] for p in doc.pages] == ["# Section 1", "# Section 2"]
    assert "개요 세 번째 (새 번호)" in doc.pages[0].text and "개요 세 번째" not in doc.pages[1].text


@needs_data
def test_reading_order_caption_table_footnote() -> None:
    text = full_text(load_document(HWP / "sample-5017-header-footnote-table.hwp"))
    assert (
        text.index("머리말입니다")
        < text.index("본문 내용입니다")
        < text.index("A0 | B0")
        < text.index("표끝")
    )
    # a footnote follows the paragraph that cites it
    caption = full_text(load_document(HWP / "table-caption.hwp"))
    assert caption.index("위 캡션") < caption.index("아래 캡션") < caption.index("왼쪽")


@needs_data
def test_hwpx_with_hwp_extension() -> None:
    pytest.importorskip("desktop_rag.core.ingest.loaders.hwpx")
    text = full_text(load_document(HWP / HWPX_FILE))
    assert "야생동물 종합관리 시스템 고도화" in text


@needs_data
def test_hwpx_with_hwp_extension_without_hwpx_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "desktop_rag.core.ingest.loaders.hwpx", None)  # import fails
    with pytest.raises(LoadError, match="HWPX file with .hwp extension: HWPX reader not available"):
        load_document(HWP / HWPX_FILE)


# --- HWP 5.x documents built here: a minimal compound file (olefile cannot write) ---------------

def file_header(flags: int) -> bytes:
    data = b"HWP Document File".ljust(32, b"\0") + struct.pack("<II", 0x05000304, flags)
    return data.ljust(4096, b"\0")  # real ones are 256 bytes; padded to stay out of the mini stream


def record(tag: int, level: int, payload: bytes) -> bytes:
    if len(payload) >= 0xFFF:
        return struct.pack("<II", tag | (level << 10) | (0xFFF << 20), len(payload)) + payload
    return struct.pack("<I", tag | (level << 10) | (len(payload) << 20)) + payload


def paragraph(text: str, level: int = 0) -> bytes:
    return record(0x42, level, b"\0" * 22) + record(0x43, level + 1, (text + "\r").encode("utf-16-le"))


def raw_deflate(data: bytes) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    return packer.compress(data) + packer.flush()


FILLER = record(0x45, 1, b"\0" * 4100)  # a PARA_LINE_SEG record: keeps uncompressed streams >= 4096 bytes


def write_hwp(tmp_path: Path, sections: list[bytes], flags: int = 0, name: str = "built.hwp") -> Path:
    streams = {"FileHeader": file_header(flags)}
    for i, data in enumerate(sections):
        streams[f"BodyText/Section{i}"] = data
    path = tmp_path / name
    path.write_bytes(build_cfb(streams))
    return path


def test_built_document_sections_table_and_controls(tmp_path: Path) -> None:
    tab = "\x09" + "\0" * 6 + "\x09"  # inline control: 8 WCHARs
    secd = "\x02" + "dces" + "\0\0" + "\x02"  # extended control (section definition)
    body = (
        record(0x42, 0, b"\0" * 22)
        + record(0x43, 1, (secd + "첫째 문단" + tab + "끝\r").encode("utf-16-le"))
        + record(0x47, 1, b"dces")
        + paragraph("둘째 문단")
        + FILLER
    )
    second = paragraph("Second section text") + FILLER
    path = write_hwp(tmp_path, [body, second])
    doc = load_document(path)
    assert [p.text for p in doc.pages] == [
        "# Section 1\n\n첫째 문단\t끝\n\n둘째 문단",
        "# Section 2\n\nSecond section text",
    ]


def test_built_compressed_document(tmp_path: Path) -> None:
    data = raw_deflate(paragraph("압축된 본문입니다.") * 2000)  # compressed streams are small: repeat
    data = data + os.urandom(max(0, 4096 - len(data)))  # bytes after the deflate end are ignored
    doc = load_document(write_hwp(tmp_path, [data], flags=1))
    assert "압축된 본문입니다." in full_text(doc)


def test_controls_never_leak_glyphs(tmp_path: Path) -> None:
    # extended control whose parameters hold a surrogate pair and CJK-looking bytes, inline field end,
    # a fixed-width space, a line break and a lone surrogate in damaged text
    gso = "\x0b" + "\ud83d\ude00" + "捤" + "\0\0\0" + "\x0b"
    field_end = "\x04" + "汫ॣ\x01\0\0\0" + "\x04"
    text = "앞" + gso + "뒤" + field_end + "\x1f끝\x0a둘째 줄\udc00\r"
    body = record(0x42, 0, b"\0" * 22) + record(0x43, 1, text.encode("utf-16-le", "surrogatepass")) + FILLER
    doc = load_document(write_hwp(tmp_path, [body]))
    assert doc.pages[0].text == "# Section 1\n\n앞뒤 끝\n둘째 줄"


def test_hash_in_text_is_not_a_heading(tmp_path: Path) -> None:
    from desktop_rag.core.ingest.chunking import _HEADING

    doc = load_document(write_hwp(tmp_path, [paragraph("# 1 우선순위 항목") + FILLER]))
    lines = doc.pages[0].text.split("\n")
    assert [line for line in lines if _HEADING.match(line)] == ["# Section 1"]
    assert "\\# 1 우선순위 항목" in lines


def test_preview_text_is_never_the_text(tmp_path: Path) -> None:
    streams = {
        "FileHeader": file_header(0),
        "PrvText": "미리보기 텍스트".encode("utf-16-le").ljust(4096, b"\0"),
        "BodyText/Section0": paragraph("본문 텍스트") + FILLER,
    }
    path = tmp_path / "preview.hwp"
    path.write_bytes(build_cfb(streams))
    assert full_text(load_document(path)) == "# Section 1\n\n본문 텍스트"


def test_truncated_deflate_stream_keeps_the_text_before(tmp_path: Path) -> None:
    rng = random.Random(3)  # varied syllables: the packed stream must stay over 4096 bytes when halved
    body = b"".join(
        paragraph(f"문단 {i} " + "".join(chr(rng.randrange(0xAC00, 0xD7A4)) for _ in range(20)))
        for i in range(2000)
    )
    packed = raw_deflate(body)
    doc = load_document(write_hwp(tmp_path, [packed[: len(packed) // 2]], flags=1))
    assert "문단 0 " in full_text(doc) and "문단 1999" not in full_text(doc)
    assert doc.warnings == ["Section 1 is damaged: the text after the damage was left out"]


def test_section_order_is_numeric(tmp_path: Path) -> None:
    sections = [paragraph(f"section number {i}") + FILLER for i in range(12)]
    doc = load_document(write_hwp(tmp_path, sections))
    assert [p.text.split("\n")[-1] for p in doc.pages] == [f"section number {i}" for i in range(12)]


@pytest.mark.parametrize(("flags", "reason"), [(0x2, "password-protected HWP"), (0x10, "DRM-protected HWP")])
def test_encrypted_flags(tmp_path: Path, flags: int, reason: str) -> None:
    with pytest.raises(LoadError, match=reason):
        load_document(write_hwp(tmp_path, [paragraph("secret") + FILLER], flags=flags))


def test_distribution_flag_without_view_text(tmp_path: Path) -> None:
    stub = paragraph(DISTRIBUTION_STUB + "…") + FILLER
    with pytest.raises(LoadError, match="distribution"):
        load_document(write_hwp(tmp_path, [stub], flags=0x4 | 0x1))


def _msvc_mask(seed: int) -> bytes:
    """The XOR mask of DISTRIBUTE_DOC_DATA, written out from the spec (MS Visual C rand())."""
    state, mask = seed, bytearray()
    while len(mask) < 256:
        values = []
        for _ in range(2):
            state = (state * 214013 + 2531011) & 0xFFFFFFFF
            values.append((state >> 16) & 0x7FFF)
        mask += bytes([values[0] & 0xFF]) * ((values[1] & 0xF) + 1)
    return bytes(mask[:256])


def view_text_stream(records: bytes, seed: int = 0x1234ABCD) -> bytes:
    """A ViewText section: the masked key record, then AES-128-ECB of the raw-deflated records."""
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    key = bytes(range(100, 116))
    mask = _msvc_mask(seed)
    doc_data = bytearray(random.Random(seed).randbytes(256))
    doc_data[:4] = struct.pack("<I", seed)
    offset = 4 + (seed & 0xF)
    doc_data[offset : offset + 16] = bytes(
        k ^ m for k, m in zip(key, mask[offset : offset + 16], strict=True)
    )
    body = raw_deflate(records)
    body += b"\0" * (max(4096 - len(body), 0) + (-max(len(body), 4096) % 16))
    encryptor = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
    return record(0x1C, 0, bytes(doc_data)) + encryptor.update(body) + encryptor.finalize()


def write_distribution(tmp_path: Path, view_text: list[bytes]) -> Path:
    stub = raw_deflate(paragraph(DISTRIBUTION_STUB + ". 문서를 읽으려면 최신 버전의 한글이 필요합니다."))
    streams = {"FileHeader": file_header(0x1 | 0x4), "BodyText/Section0": stub + b"\0" * 4096}
    for i, data in enumerate(view_text):
        streams[f"ViewText/Section{i}"] = data
    path = tmp_path / "distribution.hwp"
    path.write_bytes(build_cfb(streams))
    return path


def test_built_distribution_document(tmp_path: Path) -> None:
    sections = [
        view_text_stream(paragraph("배포용 본문 첫 구역")),
        view_text_stream(paragraph("둘째 구역"), seed=7),
    ]
    doc = load_document(write_distribution(tmp_path, sections))
    assert [p.text for p in doc.pages] == ["# Section 1\n\n배포용 본문 첫 구역", "# Section 2\n\n둘째 구역"]
    assert DISTRIBUTION_STUB not in full_text(doc)


def test_distribution_without_key_record(tmp_path: Path) -> None:
    assert_fails_fast(write_distribution(tmp_path, [os.urandom(5000)]), "damaged distribution HWP")


def test_distribution_deflate_bomb(tmp_path: Path) -> None:
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    stream = view_text_stream(b"")
    key = bytes(range(100, 116))
    bomb = raw_deflate(b"\0" * (64 * 1024 * 1024))
    bomb += b"\0" * (-len(bomb) % 16)
    encryptor = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
    stream = stream[:260] + encryptor.update(bomb) + encryptor.finalize()
    assert_fails_fast(write_distribution(tmp_path, [stream]), "decompression bomb")


# --- HWPML ---------------------------------------------------------------------------------------

HWPML = """<?xml version="1.0" encoding="UTF-8" standalone="no" ?>
<HWPML Version="2.8" SubVersion="8.0.0.0" Style2="embed"><HEAD SecCnt="2"></HEAD><BODY>
<SECTION Id="0"><P ParaShape="0" Style="0"><TEXT CharShape="0"><CHAR>첫 문단</CHAR><CHAR>입니다<TAB/>탭</CHAR></TEXT>
<TEXT CharShape="0"><FOOTNOTE><PARALIST><P><TEXT><CHAR>각주 내용</CHAR></TEXT></P></PARALIST></FOOTNOTE></TEXT></P>
<P><TEXT><TABLE RowCount="2" ColCount="2"><ROW><CELL><PARALIST><P><TEXT><CHAR>A1</CHAR></TEXT></P></PARALIST></CELL>
<CELL><PARALIST><P><TEXT><CHAR>B1</CHAR></TEXT></P></PARALIST></CELL></ROW><ROW><CELL><PARALIST><P><TEXT><CHAR>A2</CHAR>
</TEXT></P></PARALIST></CELL><CELL><PARALIST><P><TEXT><CHAR>B2</CHAR></TEXT></P></PARALIST></CELL></ROW></TABLE></TEXT></P>
</SECTION><SECTION Id="1"><P><TEXT><CHAR>Second section</CHAR></TEXT></P></SECTION></BODY><TAIL></TAIL></HWPML>"""


def test_hwpml(tmp_path: Path) -> None:
    path = tmp_path / "old.hwp"
    path.write_text(HWPML, encoding="utf-8")
    doc = load_document(path)
    assert [p.text for p in doc.pages] == [
        "# Section 1\n\n첫 문단입니다\t탭\n\n각주 내용\n\nA1 | B1\nA2 | B2",
        "# Section 2\n\nSecond section",
    ]


def test_hwpml_damaged(tmp_path: Path) -> None:
    path = tmp_path / "bad.hwp"
    path.write_text(HWPML[:300], encoding="utf-8")
    assert_fails_fast(path, "damaged HWPML")


def test_hwpml_entities_as_real_files_declare_them(tmp_path: Path) -> None:
    path = tmp_path / "nbsp.hwp"
    doc = '<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE HWPML [\n\t<!ENTITY nbsp\t"&#160;">\n]>\n'
    doc += '<HWPML Version="2.1"><BODY><SECTION Id="0"><P><TEXT><CHAR>제1조&nbsp;목적</CHAR></TEXT></P>'
    doc += "</SECTION></BODY></HWPML>"
    path.write_text(doc, encoding="utf-8")
    assert full_text(load_document(path)) == "# Section 1\n\n제1조\xa0목적"


def test_hwpml_utf16_and_text_without_char(tmp_path: Path) -> None:
    path = tmp_path / "utf16.hwp"
    doc = '<?xml version="1.0" encoding="UTF-16"?><HWPML Version="2.8"><BODY><SECTION>'
    doc += '<P ParaShape="8"><TEXT CharShape="0">문제 텍스트</TEXT></P></SECTION></BODY></HWPML>'
    path.write_bytes(b"\xff\xfe" + doc.encode("utf-16-le"))
    assert full_text(load_document(path)) == "# Section 1\n\n문제 텍스트"


def test_hwpml_billion_laughs(tmp_path: Path) -> None:
    entities = '<!ENTITY a0 "lol">' + "".join(f'<!ENTITY a{i} "{f"&a{i - 1};" * 10}">' for i in range(1, 10))
    path = tmp_path / "laughs.hwp"
    path.write_text(f'<?xml version="1.0"?><!DOCTYPE HWPML [{entities}]><HWPML><BODY>&a9;</BODY></HWPML>')
    assert_fails_fast(path, "HWPML")


# --- hostile input: each fails fast with a reason ------------------------------------------------


def assert_fails_fast(path: Path, reason: str) -> None:
    start = time.perf_counter()
    with pytest.raises(LoadError) as info:
        load_document(path)
    assert reason in str(info.value)
    assert time.perf_counter() - start < 2.0


def test_zero_bytes(tmp_path: Path) -> None:
    (tmp_path / "empty.hwp").write_bytes(b"")
    assert_fails_fast(tmp_path / "empty.hwp", "empty file")


def test_random_bytes(tmp_path: Path) -> None:
    rng = random.Random(7)
    path = tmp_path / "random.hwp"
    path.write_bytes(rng.randbytes(50_000))
    assert_fails_fast(path, "not an HWP file")
    for seed in range(5):  # random bytes behind the OLE signature
        path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + random.Random(seed).randbytes(20_000))
        assert_fails_fast(path, "damaged HWP file")


@needs_data
@pytest.mark.parametrize(
    "name", ["press-release-noori-2018.hwp", "gov-award-forms-uncompressed.hwp", "표.hwp"]
)
@pytest.mark.parametrize("fraction", [0.05, 0.3, 0.6, 0.9])
def test_truncated_shared_file(tmp_path: Path, name: str, fraction: float) -> None:
    data = (HWP / name).read_bytes()
    path = tmp_path / name
    path.write_bytes(data[: int(len(data) * fraction)])
    assert_fails_fast(path, "damaged HWP file")


def test_truncated_built_file(tmp_path: Path) -> None:
    data = write_hwp(tmp_path, [paragraph("잘린 문서") * 500]).read_bytes()
    for cut in (600, 4096, len(data) // 2, len(data) - 700):
        path = tmp_path / "cut.hwp"
        path.write_bytes(data[:cut])
        assert_fails_fast(path, "damaged HWP file (truncated)")


def test_deflate_bomb_in_valid_container(tmp_path: Path) -> None:
    bomb = raw_deflate(b"\0" * (64 * 1024 * 1024))  # 64 MB of zeros in about 64 KB
    assert_fails_fast(write_hwp(tmp_path, [bomb], flags=1), "decompression bomb")


def test_deflate_bomb_under_the_cap_is_not_text(tmp_path: Path) -> None:
    # 3 MB of zeros stays under the cap, and is no record at all: nothing to index, quickly.
    data = raw_deflate(b"\0" * (3 * 1024 * 1024))
    data += b"\0" * max(0, 4096 - len(data))
    assert_fails_fast(write_hwp(tmp_path, [data], flags=1), "damaged HWP file")


def test_corrupt_deflate_stream(tmp_path: Path) -> None:
    assert_fails_fast(write_hwp(tmp_path, [os.urandom(8192)], flags=1), "damaged HWP file")


def test_damaged_records_keep_the_text_before(tmp_path: Path) -> None:
    broken = (
        paragraph("손상 전 문단")
        + FILLER
        + struct.pack("<I", 0x43 | (0xFFF << 20))
        + struct.pack("<I", 2**31)
    )
    doc = load_document(write_hwp(tmp_path, [broken]))
    assert "손상 전 문단" in full_text(doc)
    assert doc.warnings == ["Section 1 is damaged: the text after the damage was left out"]


def test_record_levels_nested_too_deep(tmp_path: Path) -> None:
    deep = b"".join(record(0x42, level, b"\0" * 22) for level in range(200)) + FILLER
    assert_fails_fast(write_hwp(tmp_path, [deep]), "damaged HWP file")


def test_many_nested_tables_are_bounded(tmp_path: Path) -> None:
    # table in a cell in a table ... 20 deep (each level: paragraph, control, cell list, paragraph)
    ext = "\x0b" + " lbt" + "\0\0" + "\x0b"
    data = b""
    for depth in range(20):
        level = depth * 2
        data += record(0x42, level, b"\0" * 22) + record(0x43, level + 1, (ext + "\r").encode("utf-16-le"))
        data += record(0x47, level + 1, b" lbt") + record(0x4D, level + 2, b"\0" * 24)
        data += record(0x48, level + 2, b"\0" * 34)
    data += paragraph("가장 안쪽", 40) + FILLER
    doc = load_document(write_hwp(tmp_path, [data]))
    assert "가장 안쪽" in full_text(doc)


def test_wrong_magic_with_hwp_signature_text(tmp_path: Path) -> None:
    path = tmp_path / "text.hwp"
    path.write_bytes(b"HWP Document File" + b"\0" * 1000)
    assert_fails_fast(path, "not an HWP file")
    path.write_bytes(b"HWP Document File V3.00 \x1a\x01\x02\x03\x04\x05" + b"\0" * 1000)
    assert_fails_fast(path, "HWP 3.x file (Hangul 97 or older) is not supported")
