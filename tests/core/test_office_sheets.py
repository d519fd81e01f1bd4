"""Spreadsheets (.xlsx, .xlsm, .xls, .ods, .csv, .tsv): real files from ../shared/data and files built here.

What a user notices: a cell can be found with the name of its column next to it, every block of a
long sheet still names its columns, dates and numbers read as in Excel, Korean CSV files decode,
huge sheets stop at the stated limit with a warning, and broken or hostile files fail fast with a
reason.
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
from desktop_rag.core.ingest.loaders.sheets import render, zipped
from desktop_rag.core.ingest.loaders.sheets.render import BLOCK_ROWS, format_cell

DATA = Path(
    os.environ.get("DESKTOP_RAG_SHARED_DATA") or Path(__file__).resolve().parents[3] / "shared" / "data"
)
OFFICE = DATA / "documents" / "office"
needs_data = pytest.mark.skipif(not OFFICE.is_dir(), reason=f"shared office documents not found at {OFFICE}")


def full_text(doc: LoadedDocument) -> str:
    return "\n\n".join(page.text for page in doc.pages)


def write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def body_lines(doc: LoadedDocument) -> list[str]:
    """Every line that is not a sheet heading or blank."""
    return [
        line for page in doc.pages for line in page.text.split("\n") if line and not line.startswith("# ")
    ]


# --- every shared workbook ----------------------------------------------------------------------

READS = {
    "xlsx/empty-sheet.xlsx": ["# Sheet1", "Comment B1: Just a test"],  # no cell values, one cell comment
    # Encrypted with Excel's default password: opened like Excel does, without asking.
    "xlsx/encrypted-velvetsweatshop.xlsx": ["D: Muangchonburi, Thailand", "# Upversion (hidden sheet)"],
    "xlsx/ko-generated-openpyxl.xlsx": [
        "# 인사평가",
        "사번: A001 | 성명: 김민수 | 부서: 인사팀",
        "평가일: 2024-03-05",
        "# 메모",
    ],
    "xlsx/markitdown-test.xlsx": [
        "Beta: 6ff4173b-42a5-4784-9b19-f49caff4d93d",
        "# 09060124-b5e7-4717-9d07-3c046eb",
    ],
    "xlsx/titanic-9.8k-cells.xlsx": ["Name: Braund, Mr. Owen Harris | Sex: male | Age: 22"],
    "xls/biff4-old.xls": ["ID: S | TOTAL: PET SITTING/BOARDING | MAIN: Pet Sitting/Boarding"],  # Excel 4.0
    "xls/corrupted-fat-cyrillic.xls": [
        "# Трубы ВГП",
        "ПРАЙС-ЛИСТ",
        "ТИП: Труба вгп | Наименование: ду 15х2,5",
    ],
    "xls/markitdown-test.xls": ["ColD: affc7dad-52dc-4b98-9b5d-51e65d8a8ad0", "Alpha: 89 | Beta: 82"],
    "xls/ragged-rows.xls": ["A: g | B: h | C: I | D: j", "A: k | D: l"],
    "xls/umlauts-dates.xls": ["# Blätt1", "A: Huber | B: 1907-07-03", "B: 17:47:13", "C: MERGED CELLS"],
}


def test_every_shared_workbook_is_listed() -> None:
    if not OFFICE.is_dir():
        pytest.skip("shared data missing")
    found = {f"{p.parent.name}/{p.name}" for folder in ("xlsx", "xls") for p in (OFFICE / folder).iterdir()}
    assert found == set(READS)


@needs_data
@pytest.mark.parametrize("name", sorted(READS))
def test_shared_workbook_text(name: str) -> None:
    doc = load_document(OFFICE / name)
    text = full_text(doc)
    for phrase in READS[name]:
        assert phrase in text
    assert doc.headings and doc.page_unit == "page"
    assert all(page.number is None for page in doc.pages)
    assert doc.warnings == []


@needs_data
def test_every_block_of_a_long_sheet_names_its_columns() -> None:
    doc = load_document(OFFICE / "xlsx/titanic-9.8k-cells.xlsx")
    assert len(doc.pages) > 300  # 891 rows of 12 columns: many passages
    assert doc.pages[0].text.startswith("# titanic\n\n")
    for page in doc.pages:
        rows = [line for line in page.text.split("\n") if line and not line.startswith("# ")]
        assert 1 <= len(rows) <= BLOCK_ROWS
        assert all(row.startswith("PassengerId: ") and " | Name: " in row for row in rows)
        assert render.estimate_tokens(page.text) <= 256
    text = full_text(doc)
    assert "Name: Heikkinen, Miss. Laina | Sex: female | Age: 26" in text
    assert not re.search(r": \d+\.0\b", text), "integers read as 22, not 22.0"
    assert len(text.split("PassengerId: ")) - 1 == 891


@needs_data
def test_dates_and_times_read_as_a_person_reads_them() -> None:
    text = full_text(load_document(OFFICE / "xls/umlauts-dates.xls"))
    for phrase in ("B: 1907-07-03", "B: 2005-02-23", "B: 06:34", "B: 0.974", "B: 1000.3"):
        assert phrase in text
    korean = full_text(load_document(OFFICE / "xlsx/ko-generated-openpyxl.xlsx"))
    assert "B: 2024-03-08 14:30" in korean and "점수: 95 |" in korean


@needs_data
def test_title_rows_above_the_header_stay_text() -> None:
    doc = load_document(OFFICE / "xls/corrupted-fat-cyrillic.xls")
    first = doc.pages[0].text.split("\n")
    assert first[:4] == ["# Трубы ВГП", "", "ПРАЙС-ЛИСТ", "05-06-2019"]
    assert first[4].startswith("ТИП: ")


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (30.0, "30"),
        (0.06799999999999998, "0.068"),
        (-7.6, "-7.6"),
        (True, "TRUE"),
        ("  two\nlines ", "two lines"),
        (None, ""),
    ],
)
def test_cells_read_as_excel_shows_them(value: object, shown: str) -> None:
    assert format_cell(value) == shown


def test_dates_are_iso() -> None:
    import datetime as dt

    assert format_cell(dt.datetime(2024, 3, 5)) == "2024-03-05"
    assert format_cell(dt.datetime(2024, 3, 8, 14, 30)) == "2024-03-08 14:30"
    assert format_cell(dt.time(6, 34, 5)) == "06:34:05"
    assert format_cell(dt.timedelta(hours=26, minutes=5)) == "26:05:00"


# --- workbooks built here -----------------------------------------------------------------------

_NS = (
    'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
)
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"


def xlsx(sheets: dict[str, str], hidden: tuple[str, ...] = ()) -> bytes:
    """A minimal XLSX: ``sheets`` maps each name to the XML inside its <sheetData>."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(
            "[Content_Types].xml",
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>',
        )
        zf.writestr(
            "_rels/.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Target="xl/workbook.xml" '
            'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/>'
            "</Relationships>",
        )
        entries = ""
        for i, name in enumerate(sheets, 1):
            state = ' state="hidden"' if name in hidden else ""
            entries += f'<sheet name="{name}" sheetId="{i}" r:id="rId{i}"{state}/>'
        zf.writestr("xl/workbook.xml", f"<workbook {_NS}><sheets>{entries}</sheets></workbook>")
        rels = "".join(
            f'<Relationship Id="rId{i}" Type="{_REL}" Target="worksheets/sheet{i}.xml"/>'
            for i in range(1, len(sheets) + 1)
        )
        zf.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}</Relationships>',
        )
        for i, data in enumerate(sheets.values(), 1):
            zf.writestr(
                f"xl/worksheets/sheet{i}.xml", f"<worksheet {_NS}><sheetData>{data}</sheetData></worksheet>"
            )
    return buffer.getvalue()


def row(number: int, *cells: object) -> str:
    out = []
    for j, value in enumerate(cells):
        ref = f"{chr(65 + j)}{number}"
        if isinstance(value, str):
            out.append(f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>')
        else:
            out.append(f'<c r="{ref}"><v>{value}</v></c>')
    return f'<row r="{number}">{"".join(out)}</row>'


def test_a_row_reads_with_its_column_names(tmp_path: Path) -> None:
    data = xlsx(
        {"People": row(1, "Name", "Age", "City") + row(2, "Alice", 30, "Seoul") + row(3, "Bob", 41.5, "")}
    )
    doc = load_document(write(tmp_path, "people.xlsx", data))
    assert doc.pages[0].text == "# People\n\nName: Alice | Age: 30 | City: Seoul\nName: Bob | Age: 41.5"


def test_without_a_header_columns_are_letters(tmp_path: Path) -> None:
    data = xlsx({"Numbers": row(1, 1, 2, 3) + row(2, 4, 5, 6)})
    doc = load_document(write(tmp_path, "numbers.xlsx", data))
    assert doc.pages[0].text == "# Numbers\n\nA: 1 | B: 2 | C: 3\nA: 4 | B: 5 | C: 6"


def test_hidden_and_empty_sheets(tmp_path: Path) -> None:
    data = xlsx(
        {"Visible": row(1, "x", "y") + row(2, 1, 2), "Blank": "", "Lookup": row(1, "code", "label")},
        hidden=("Lookup",),
    )
    doc = load_document(write(tmp_path, "book.xlsx", data))
    assert [p.text.split("\n")[0] for p in doc.pages] == ["# Visible", "# Lookup (hidden sheet)"]


def test_hash_marks_in_cells_are_no_headings(tmp_path: Path) -> None:
    data = xlsx(
        {"S": row(1, "# of items", "Note") + row(2, 5, "## not a title") + row(3, 7, "ok. # still text")}
    )
    doc = load_document(write(tmp_path, "hash.xlsx", data))
    lines = [line for page in doc.pages for line in page.text.split("\n")]
    assert lines[0] == "# S"
    assert r"\# of items: 5 | Note: \## not a title" in lines
    # The chunker reads a heading in any line or sentence that starts with '#' runs: none left.
    for line in lines[1:]:
        for piece in re.split(r"(?<=[.!?])\s+", line):
            assert not _HEADING.match(piece)


def test_content_decides_the_format_not_the_name(tmp_path: Path) -> None:
    data = xlsx({"Data": row(1, "Name", "Age") + row(2, "Alice", 30)})
    doc = load_document(write(tmp_path, "export.xls", data))  # web exports often lie about the format
    assert "Name: Alice | Age: 30" in full_text(doc)


def test_xlsm_is_read(tmp_path: Path) -> None:
    doc = load_document(
        write(tmp_path, "macro.xlsm", xlsx({"M": row(1, "Item", "Qty") + row(2, "bolts", 12)}))
    )
    assert "Item: bolts | Qty: 12" in full_text(doc)


def ods(tables: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr(
            "META-INF/manifest.xml",
            '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
            '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
            "</manifest:manifest>",
        )
        zf.writestr(
            "content.xml",
            '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
            'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
            'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0">'
            f"<office:body><office:spreadsheet>{tables}</office:spreadsheet></office:body></office:document-content>",
            compress_type=zipfile.ZIP_DEFLATED,
        )
    return buffer.getvalue()


def ods_cell(value: str | float, repeat: int = 1) -> str:
    rep = f' table:number-columns-repeated="{repeat}"' if repeat > 1 else ""
    if isinstance(value, str):
        return (
            f'<table:table-cell{rep} office:value-type="string"><text:p>{value}</text:p></table:table-cell>'
        )
    return f'<table:table-cell{rep} office:value-type="float" office:value="{value}"><text:p>{value}</text:p></table:table-cell>'


def test_ods_is_read(tmp_path: Path) -> None:
    table = (
        '<table:table table:name="과일">'
        f"<table:table-row>{ods_cell('이름')}{ods_cell('가격')}</table:table-row>"
        f"<table:table-row>{ods_cell('사과')}{ods_cell(1500)}</table:table-row>"
        # LibreOffice ends every sheet like this: a million empty rows, which cost nothing.
        '<table:table-row table:number-rows-repeated="1048575"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>'
        "</table:table>"
    )
    doc = load_document(write(tmp_path, "fruit.ods", ods(table)))
    assert full_text(doc) == "# 과일\n\n이름: 사과 | 가격: 1500"


# --- CSV and TSV --------------------------------------------------------------------------------


def test_csv_in_cp949_with_korean(tmp_path: Path) -> None:
    text = "이름,나이,도시\n김민수,30,서울\n이똠순,41,부산\n"  # 똠: in CP949, not in EUC-KR
    doc = load_document(write(tmp_path, "직원.csv", text.encode("cp949")))
    assert (
        full_text(doc)
        == "# 직원.csv\n\n이름: 김민수 | 나이: 30 | 도시: 서울\n이름: 이똠순 | 나이: 41 | 도시: 부산"
    )
    assert doc.headings and doc.warnings == []


def test_csv_utf8_bom_quotes_and_semicolons(tmp_path: Path) -> None:
    text = '\ufeffProduct;Price;Note\n"Chair, oak";49,90;"said ""sturdy"""\n"Lamp";12;"two\nlines"\n'
    doc = load_document(write(tmp_path, "prices.csv", text))
    assert body_lines(doc) == [
        'Product: Chair, oak | Price: 49,90 | Note: said "sturdy"',
        "Product: Lamp | Price: 12 | Note: two lines",
    ]


def test_tsv(tmp_path: Path) -> None:
    doc = load_document(write(tmp_path, "data.tsv", "city\tpopulation\nSeoul\t9,586,195\nBusan\t3,349,016\n"))
    assert body_lines(doc) == ["city: Seoul | population: 9,586,195", "city: Busan | population: 3,349,016"]


def test_csv_with_a_stray_quote_is_read_without_quoting(tmp_path: Path) -> None:
    # The quote never closes: read with quotes, the rest of the file would be one 200 KB cell.
    text = 'name,comment\nAlice,"starts a quote\n' + "".join(f"Bob {i},fine\n" for i in range(20_000))
    doc = load_document(write(tmp_path, "broken.csv", text))
    assert any("without quote handling" in w for w in doc.warnings)
    assert 'name: Alice | comment: "starts a quote' in full_text(doc)
    assert "name: Bob 19999 | comment: fine" in full_text(doc)


def test_huge_csv_stops_at_the_row_limit_with_a_warning(tmp_path: Path) -> None:
    lines = ["id,name,city"] + [f"{i},name {i},Seoul" for i in range(120_000)]
    path = write(tmp_path, "huge.csv", "\n".join(lines))
    started = time.monotonic()
    doc = load_document(path)
    assert time.monotonic() - started < 10
    assert doc.warnings == [
        "sheet 'huge.csv': only the first 100,000 rows were indexed (limit 100,000 rows or 2,000,000 cells per file)"
    ]
    text = full_text(doc)
    assert "id: 99998 | name: name 99998 | city: Seoul" in text and "id: 99999 |" not in text


def test_cell_limit_counts_across_sheets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(render, "MAX_CELLS", 50)
    sheets = {f"S{k}": "".join(row(r, "n", r) for r in range(1, 11)) for k in range(4)}
    doc = load_document(write(tmp_path, "many.xlsx", xlsx(sheets)))
    assert [p.text.split("\n")[0] for p in doc.pages if p.text.startswith("# ")] == ["# S0", "# S1", "# S2"]
    assert "sheet 'S2': only the first" in doc.warnings[0]
    assert doc.warnings[1] == "sheets not indexed (limit 100,000 rows or 50 cells per file): 'S3'"


# --- damaged, encrypted and hostile files -------------------------------------------------------


def _fast(fn, *args, **kwargs):
    started = time.monotonic()
    try:
        return fn(*args, **kwargs)
    finally:
        assert time.monotonic() - started < 3, "hostile input must fail fast"


@needs_data
@pytest.mark.parametrize(
    "name", ["xlsx/titanic-9.8k-cells.xlsx", "xls/markitdown-test.xls", "xls/biff4-old.xls"]
)
@pytest.mark.parametrize("cut", [0.5, 0.1])
def test_truncated_workbooks(tmp_path: Path, name: str, cut: float) -> None:
    data = (OFFICE / name).read_bytes()
    path = write(tmp_path, Path(name).name, data[: int(len(data) * cut)])
    if name.endswith("biff4-old.xls") and cut == 0.5:
        # A bare record stream: the records before the cut are whole, and are kept.
        doc = _fast(load_document, path)
        assert "DOG & CAT PRODUCTS" in full_text(doc)
        assert doc.warnings == ["the file is damaged or truncated: only its first part was read"]
        return
    with pytest.raises(LoadError, match="^corrupt workbook"):
        _fast(load_document, path)


@pytest.mark.parametrize("ext", [".xlsx", ".xlsm", ".xls", ".ods", ".csv", ".tsv"])
def test_zero_byte_and_random_files(tmp_path: Path, ext: str) -> None:
    with pytest.raises(LoadError, match="^empty file$"):
        load_document(write(tmp_path, "zero" + ext, b""))
    noise = random.Random(7).randbytes(20_000)
    with pytest.raises(LoadError, match="not a spreadsheet|binary file|unknown text encoding"):
        _fast(load_document, write(tmp_path, "noise" + ext, noise))


def test_random_bytes_behind_a_zip_or_ole_signature(tmp_path: Path) -> None:
    noise = random.Random(3).randbytes(20_000)
    for magic in (b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        with pytest.raises(LoadError, match="^corrupt workbook"):
            _fast(load_document, write(tmp_path, "fake.xlsx", magic + noise))


@needs_data
def test_damaged_ole_directory_is_a_load_error_not_a_crash(tmp_path: Path) -> None:
    data = (OFFICE / "xls/markitdown-test.xls").read_bytes()
    # Cut inside the directory sector: calamine's Rust code panics; that must read as damage.
    with pytest.raises(LoadError, match="^corrupt workbook"):
        _fast(load_document, write(tmp_path, "cut.xls", data[:27618]))


def test_other_passwords_are_refused(tmp_path: Path) -> None:
    msoffcrypto_ooxml = pytest.importorskip("msoffcrypto.format.ooxml")
    plain = io.BytesIO(xlsx({"S": row(1, "secret", "data") + row(2, 1, 2)}))
    locked = io.BytesIO()
    msoffcrypto_ooxml.OOXMLFile(plain).encrypt("hunter2", locked)
    with pytest.raises(LoadError, match="^password-protected workbook$"):
        _fast(load_document, write(tmp_path, "locked.xlsx", locked.getvalue()))


def _zeros_zip(member: str, size: int, extra: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, text in extra.items():
            zf.writestr(name, text)
        info = zipfile.ZipInfo(member)
        info.compress_type = zipfile.ZIP_DEFLATED
        with zf.open(info, "w", force_zip64=True) as out:
            block = bytes(1 << 20)
            for _ in range(size >> 20):
                out.write(block)
    return buffer.getvalue()


def test_zip_bomb_workbook_is_refused_from_its_directory(tmp_path: Path) -> None:
    data = _zeros_zip("xl/worksheets/sheet1.xml", 20 << 20, {"xl/workbook.xml": "<workbook/>"})
    with pytest.raises(LoadError, match=r"^looks like a zip bomb \(declares 21.0 MB uncompressed\)$"):
        _fast(load_document, write(tmp_path, "bomb.xlsx", data), max_bytes=1_000_000)


def test_a_lying_zip_directory_is_measured_not_believed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Declares 100 bytes, inflates to 3 MB: calamine would read it all, so the real size counts."""
    monkeypatch.setattr(zipped, "XML_BUDGET", 1 << 20)
    cells = "".join(row(r, "x" * 50, r) for r in range(1, 30_000))
    data = bytearray(xlsx({"S": cells}))
    member = "xl/worksheets/sheet1.xml"
    local = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo(member).header_offset
    central = data.index(member.encode(), local + 30 + len(member)) - 46
    for at, offset in ((local, 22), (central, 24)):  # uncompressed size in each header
        data[at + offset : at + offset + 4] = (100).to_bytes(4, "little")
    assert zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo(member).file_size == 100
    with pytest.raises(LoadError, match=r"^sheet 'S' not indexed: too much data"):
        _fast(load_document, write(tmp_path, "liar.xlsx", bytes(data)))


def test_two_far_apart_cells_are_no_memory_bomb(tmp_path: Path) -> None:
    """A1 and ALL99000: 6 KB that would make calamine allocate 3 GB for its grid (and abort)."""
    far = '<row r="1"><c r="A1"><v>1</v></c></row><row r="99000"><c r="ALL99000"><v>2</v></c></row>'
    data = xlsx({"Far": far, "Fine": row(1, "Name", "Age") + row(2, "Alice", 30)})
    doc = _fast(load_document, write(tmp_path, "far.xlsx", data))
    assert doc.warnings == [
        "sheet 'Far' not indexed: its cells span 99,000 rows x 1,000 columns (limit 10,000,000 cells)"
    ]
    assert "Name: Alice | Age: 30" in full_text(doc)


def test_ods_repeated_cells_are_no_memory_bomb(tmp_path: Path) -> None:
    """A 1 KB ODS repeating one value over 20,000 x 1,000 cells (calamine: 1.3 GB, 3 s)."""
    table = (
        '<table:table table:name="B"><table:table-row table:number-rows-repeated="20000">'
        f"{ods_cell(1, repeat=1000)}</table:table-row></table:table>"
    )
    with pytest.raises(LoadError, match=r"^workbook too large: a sheet spans more than 10,000,000 cells"):
        _fast(load_document, write(tmp_path, "bomb.ods", ods(table)))
