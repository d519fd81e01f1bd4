"""Office and e-mail documents end to end through the CLI: indexed with the default multilingual
model, found by Korean questions, cited with their slide, sheet, section or attachment."""

from __future__ import annotations

import json
import shutil
import struct
from pathlib import Path

import pytest

from tests.cfb import build_cfb
from tests.test_cli import run_cli

OFFICE_FILES = [
    "hwp/distribution-viewtext-small.hwp",
    "hwp/password-12345.hwp",
    "hwp/damaged-utf8-mangled-ole.hwp",
    "hwpx/textextractor-table.hwpx",
    "hwpx/simple-table.hwpx",
    "hwpx/project-plan-form.hwpx",
    "pptx/ko-langchain-tutorial.pptx",
    "xlsx/ko-generated-openpyxl.xlsx",
    "mbox/ko-sample.mbox",
]
LEASE_MAIL = "임대차_해지_안내.msg"


def _padded(data: bytes) -> bytes:
    return data + b"\0" * max(0, 4096 - len(data))


def write_korean_msg(path: Path) -> Path:
    """An Outlook message as Korean offices send them: subject in the ANSI code page 949 (with 똠,
    outside EUC-KR), sender and body in Unicode."""
    properties = b"\0" * 32 + struct.pack("<IIQ", (0x3FFD << 16) | 0x0003, 6, 949)  # PR_MESSAGE_CODEPAGE
    streams = {
        "__properties_version1.0": _padded(properties),
        "__substg1.0_0037001E": _padded("[법무] 사무실 임대차 계약 해지 통보 안내 (똠)".encode("cp949")),
        "__substg1.0_0C1A001F": _padded("최민호 변호사".encode("utf-16-le")),
        "__substg1.0_1000001F": _padded(
            "김 대리님,\r\n\r\n사무실 임대차 계약을 해지하려면 만료일 석 달 전까지 임대인에게 서면으로 "
            "통보해야 합니다. 보증금은 퇴거 후 30일 안에 돌려받습니다.\r\n\r\n최민호 드림".encode("utf-16-le")
        ),
    }
    path.write_bytes(build_cfb(streams))
    return path


@pytest.fixture(scope="module")
def office_library(tmp_path_factory, docs):
    root = tmp_path_factory.mktemp("office")
    folder = root / "docs"
    folder.mkdir()
    for rel in OFFICE_FILES:
        shutil.copy2(docs / "office" / rel, folder / Path(rel).name)
    shutil.copy2(docs / "markdown/korean/interview_question_Network.md", folder)  # a distractor
    write_korean_msg(folder / LEASE_MAIL)
    data_dir = root / "lib"
    result = run_cli("--data-dir", str(data_dir), "index", str(folder))
    assert result.returncode == 0, result.stderr
    return data_dir, folder, result


def search(data_dir: Path, query: str) -> list[dict]:
    result = run_cli("--data-dir", str(data_dir), "search", query, "-k", "5", "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["hits"]


def test_failed_office_files_are_listed_with_their_reasons(office_library):
    data_dir, folder, result = office_library
    assert "password-12345.hwp: password-protected HWP" in result.stdout
    assert "damaged-utf8-mangled-ole.hwp: damaged HWP file" in result.stdout
    status = run_cli("--data-dir", str(data_dir), "status", "--json")
    errors = {Path(e["path"]).name: e["reason"] for f in json.loads(status.stdout)["folders"] for e in f["errors"]}
    assert errors == {
        "password-12345.hwp": "password-protected HWP",
        "damaged-utf8-mangled-ole.hwp": "damaged HWP file (not a valid OLE container)",
    }


def test_korean_question_finds_the_distribution_hwp_body(office_library):
    data_dir, folder, _ = office_library
    hits = search(data_dir, "pyhwp 테스트를 위한 배포 문서 예제")
    found = [h for h in hits if h["path"] == str(folder / "distribution-viewtext-small.hwp")]
    assert found, [h["path"] for h in hits]
    assert "배포 문서 예제입니다" in found[0]["text"] and "상위 버전의 배포용 문서" not in found[0]["text"]
    assert found[0]["section"] == "Section 1" and found[0]["page"] is None
    assert found[0]["place"] == "distribution-viewtext-small.hwp, Section 1"


def test_korean_question_finds_the_hwpx_table_row(office_library):
    data_dir, folder, _ = office_library
    hits = search(data_dir, "C반 기말고사에서 개똥이의 수학 점수는?")
    found = [h for h in hits if h["path"] == str(folder / "textextractor-table.hwpx")]
    assert found and "개똥이 | 89 | 65 | 78" in found[0]["text"]


def test_korean_question_finds_the_outlook_message(office_library):
    data_dir, folder, _ = office_library
    hits = search(data_dir, "사무실 임대차 계약 해지는 언제까지 통보해야 하나요?")
    found = [h for h in hits if h["path"] == str(folder / LEASE_MAIL)]
    assert found, [h["path"] for h in hits]
    assert "석 달 전까지" in found[0]["text"] and "임대차 계약 해지 통보 안내 (똠)" in found[0]["text"]
    assert found[0]["attachment"] is None


def test_attachment_inside_a_mailbox_is_cited_by_message_and_file(office_library):
    data_dir, folder, _ = office_library
    hits = search(data_dir, "계약서 초안 제1조 목적")
    found = [h for h in hits if h["path"] == str(folder / "ko-sample.mbox") and h["attachment"]]
    assert found, [(h["path"], h["attachment"]) for h in hits]
    assert found[0]["attachment"] == "계약서 검토 요청 (비밀) (2024-03-06) › 계약서_초안.txt"
    assert found[0]["place"] == "ko-sample.mbox › 계약서 검토 요청 (비밀) (2024-03-06) › 계약서_초안.txt"


def test_slides_and_sheets_are_named(office_library):
    data_dir, folder, _ = office_library
    slide = next(h for h in search(data_dir, "임베딩은 텍스트를 벡터로 변환하는 과정") if h["path"].endswith(".pptx"))
    assert (slide["slide"], slide["page"], slide["page_unit"]) == (3, 3, "slide")
    assert slide["place"] == "ko-langchain-tutorial.pptx, slide 3"
    row = next(h for h in search(data_dir, "법무팀 이영희의 평가등급") if h["path"].endswith(".xlsx"))
    assert row["sheet"] == "인사평가" and "성명: 이영희 | 부서: 법무팀 | 평가등급: A" in row["text"]
    assert row["place"] == "ko-generated-openpyxl.xlsx, 인사평가"
