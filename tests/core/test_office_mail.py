"""E-mail (.eml, .mbox, .msg): every shared mail file, mails built here, and hostile input.

What a user notices: the sender, subject and body of a mail are searchable; a PDF or DOCX attached
to it is found and cited as "report.docx" (inside a mailbox: "Subject (date) › report.docx");
Korean and Japanese legacy charsets read right (똠 is only in CP949); broken or hostile files fail
fast with a reason, and a bad attachment costs the attachment, not the mail.
"""

from __future__ import annotations

import io
import os
import random
import struct
import tempfile
import time
import zipfile
from email.message import EmailMessage
from pathlib import Path

import pytest

from desktop_rag.core.ingest.loaders import LoadedDocument, LoadError, load_document, supported_extensions
from desktop_rag.core.ingest.loaders.mail.model import Attachment, Mail
from desktop_rag.core.ingest.loaders.mail.msg import lzfu, reader
from desktop_rag.core.ingest.loaders.mail.msg.lzfu import Truncated, decompress_rtf
from desktop_rag.core.ingest.loaders.mail.msg.rtf import rtf_to_text
from desktop_rag.core.ingest.loaders.mail.render import MAX_NESTING, render_mails, safe_filename

DATA = Path(
    os.environ.get("DESKTOP_RAG_SHARED_DATA") or Path(__file__).resolve().parents[3] / "shared" / "data"
)
OFFICE = DATA / "documents" / "office"
needs_data = pytest.mark.skipif(
    not (OFFICE / "msg").is_dir(), reason=f"shared mail files not found at {OFFICE}"
)


def full_text(doc: LoadedDocument) -> str:
    return "\n\n".join(page.text for page in doc.pages)


def part(doc: LoadedDocument, label: str) -> str:
    texts = [p.text for p in doc.pages if p.part == label]
    assert texts, f"no part {label!r} in {[p.part for p in doc.pages]}"
    return "\n\n".join(texts)


# --- every shared file --------------------------------------------------------------------------

# file -> (part label, phrase that must be in that part)
SHARED = {
    "eml/html-only.eml": [
        ("", "This is the plain text version of the email."),
        ("", "Subject: HTML Test Email"),
    ],
    "eml/html-png-text.eml": [("", "HTML here"), ("", "Plaintext here.")],
    "eml/ko-ks_c_5601-1987-hwp-attachment.eml": [
        ("", "점심은 똠얌꿍 어떠세요?"),  # 똠 is outside EUC-KR: decoded as CP949
        ("", "Subject: [인사] 2024년 인사평가 결과 보고"),
        ("", "From: 홍길동 <gildong.hong@example.co.kr>"),
    ],
    "eml/ko-utf8-rfc2231-attachment.eml": [
        ("", "첨부한 계약서 초안 검토를 부탁드립니다."),
        ("", "From 이영희"),
        ("계약서_초안.txt", "제1조 (목적) 이 계약은"),
    ],
    "eml/malformed-boundary-spam.eml": [
        ("", "Subject: Ahorre Dinero en su Recibo de Luz"),
        ("", "calefactores de nanotecnologia"),
    ],
    "eml/markitdown-test-attachment.eml": [
        ("", "This is a test email with multiple parts."),
        ("", "Cc: cc.person@example.com"),
        ("test.txt", "This is test attachment content"),
    ],
    "eml/multipart-inline-text-part.eml": [
        ("", "I am sending you the bills of the goods we delivered"),
        ("", "The WatchGuard Firebox that protects your network"),
    ],
    "mbox/ko-sample.mbox": [
        ("[인사] 2024년 인사평가 결과 보고 (2024-03-05)", "똠얌꿍"),
        ("계약서 검토 요청 (비밀) (2024-03-06)", "From 이영희"),  # ">From " unquoted
        ("계약서 검토 요청 (비밀) (2024-03-06) › 계약서_초안.txt", "제1조 (목적)"),
        ("Test Email Document (2024-12-18)", "This is a test email with multiple parts."),
        ("Test Email Document (2024-12-18) › test.txt", "This is test attachment content"),
    ],
    "msg/attach-and-inline.msg": [("", "Subject: Attach and inline"), ("", "attach.png")],
    "msg/eml-attached-as-msg.msg": [("", "Sent from my Windows 10"), ("sample.msg", "Subject: sample")],
    "msg/four-docx-attachments.msg": [
        ("", "Subject: Attachments order"),
        ("A.docx", "A"),
        ("B.docx", "B"),
        ("C.docx", "C"),
        ("D.docx", "D"),
    ],
    "msg/markitdown-test.msg": [
        ("", "This is the body of the test email message"),
        ("", "From: M. C. Kurtuluş <muratcan.kurtulus@gmail.com>"),
        ("", "To: test.recipient@example.com"),
    ],
    "msg/msg-in-msg.msg": [
        ("", "I have attachments!"),
        ("", "green.png"),
        (
            "Microsoft Outlook テスト メッセージ.msg",
            "この電子メール メッセージは、アカウントの設定のテスト中に",
        ),
    ],
    "msg/newsletter-html-5-attachments.msg": [
        ("", "Die kommunale Eröffnungsbilanz im Fokus der Rechnungsprüfung"),
        ("", "Subject: Newsletter Prüfung Personalwesen / Prüfung Eröffnungsbilanz"),
    ],
    "msg/non-unicode-ascii.msg": [("", "Non Unicode mail body!"), ("", "Subject: Non Unicode mail subject")],
    "msg/non-unicode-cp932.msg": [
        ("", "日本語 Non Unicode 本文"),
        ("", "Subject: 日本語 Non Unicode タイトル"),
    ],
    "msg/strange-date.msg": [("", "Jane Roe"), ("", "Subject: MSG Test File")],
    "msg/unicode-cjk-subject.msg": [("", "The subject having “畑㵲応イ瑤㵨㠱” text.")],
}


@needs_data
def test_every_shared_mail_file_is_listed() -> None:
    on_disk = {f"{d}/{p.name}" for d in ("eml", "mbox", "msg") for p in (OFFICE / d).iterdir()}
    assert on_disk == set(SHARED)


@needs_data
@pytest.mark.parametrize("name", sorted(SHARED))
def test_shared_mail_file(name: str) -> None:
    started = time.monotonic()
    doc = load_document(OFFICE / name)
    assert time.monotonic() - started < 5
    for label, phrase in SHARED[name]:
        assert phrase in part(doc, label), (label, phrase)
    assert doc.page_unit == "page"
    assert all(p.number is None for p in doc.pages if p.part == "")
    assert "\ufffd" not in full_text(doc)


@needs_data
def test_hwp_attachment_is_indexed_or_named() -> None:
    doc = load_document(OFFICE / "eml/ko-ks_c_5601-1987-hwp-attachment.eml")
    if ".hwp" in supported_extensions():
        assert any(p.part == "인사평가_결과.hwp" for p in doc.pages) or any(
            "인사평가_결과.hwp" in w for w in doc.warnings
        )
    else:
        assert "Attachments: 인사평가_결과.hwp" in part(doc, "")


@needs_data
def test_html_alternative_is_not_indexed_twice() -> None:
    assert "HTML version" not in full_text(load_document(OFFICE / "eml/html-only.eml"))


@needs_data
def test_mbox_messages_are_separate_parts_in_order() -> None:
    doc = load_document(OFFICE / "mbox/ko-sample.mbox")
    own = [p.part for p in doc.pages if "›" not in p.part]
    assert own == [
        "[인사] 2024년 인사평가 결과 보고 (2024-03-05)",
        "계약서 검토 요청 (비밀) (2024-03-06)",
        "Test Email Document (2024-12-18)",
    ]
    assert "똠얌꿍" not in part(doc, own[1])  # a message's text stays in its own part


@needs_data
def test_msg_rtf_bodies_read_like_the_plain_body(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hide PR_BODY and PR_HTML: every real item's compressed RTF (LZFu, \\fromhtml1, \\ansicpg) gives the text."""
    monkeypatch.setattr(reader, "PR_BODY", 0x7FF0)
    monkeypatch.setattr(reader, "PR_HTML", 0x7FF1)
    expected = {
        "non-unicode-cp932.msg": "日本語 Non Unicode 本文",
        "unicode-cjk-subject.msg": "The subject having “畑㵲応イ瑤㵨㠱” text.",
        "markitdown-test.msg": "This is the body of the test email message",
        "strange-date.msg": '"Jane Doe" or "Jane Roe"',
        "newsletter-html-5-attachments.msg": "Die kommunale Eröffnungsbilanz",
        "four-docx-attachments.msg": "Attachments order",
    }
    for name, phrase in expected.items():
        text = part(load_document(OFFICE / "msg" / name), "")
        assert phrase in text, name
        assert "htmltag" not in text and "\\" not in text, name


# --- mails built here ---------------------------------------------------------------------------


def _mail(subject: str = "Quarterly numbers", body: str = "The pears sold well in March.") -> EmailMessage:
    message = EmailMessage()
    message["From"] = "Alice <alice@example.com>"
    message["To"] = "bob@example.com"
    message["Subject"] = subject
    message["Date"] = "Tue, 05 Mar 2024 10:15:00 +0900"
    message.set_content(body)
    return message


def _docx(text: str) -> bytes:
    """The smallest DOCX the loader reads: one paragraph in word/document.xml."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr(
            "word/document.xml",
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            f"<w:body><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:body></w:document>",
        )
    return buffer.getvalue()


def _write(tmp_path: Path, name: str, data: bytes | EmailMessage) -> Path:
    path = tmp_path / name
    path.write_bytes(data.as_bytes() if isinstance(data, EmailMessage) else data)
    return path


def test_header_block_is_the_first_paragraph(tmp_path: Path) -> None:
    doc = load_document(_write(tmp_path, "m.eml", _mail()))
    assert doc.pages[0].text.split("\n\n")[0] == (
        "From: Alice <alice@example.com>\nTo: bob@example.com\nDate: Tue, 05 Mar 2024 10:15:00 +0900\n"
        "Subject: Quarterly numbers"
    )
    assert doc.pages[0].number is None and doc.pages[0].part == ""


def test_attachments_keep_their_pages_and_names(tmp_path: Path) -> None:
    message = _mail()
    message.add_attachment(
        _docx("Apples are red."), maintype="application", subtype="octet-stream", filename="report.docx"
    )
    message.add_attachment(b"\x89PNG\r\n\x1a\n", maintype="image", subtype="png", filename="chart.png")
    message.add_attachment(
        b"PK\x05\x06" + b"\0" * 18, maintype="application", subtype="zip", filename="../../etc/a.zip"
    )
    doc = load_document(_write(tmp_path, "m.eml", message))
    assert "Apples are red." in part(doc, "report.docx")
    assert "Attachments: chart.png, a.zip" in part(doc, "")


def test_failing_attachment_is_a_warning_and_zip_bomb_is_refused(tmp_path: Path) -> None:
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("word/document.xml", b" " * 30_000_000)
    message = _mail()
    message.add_attachment(
        bomb.getvalue(), maintype="application", subtype="octet-stream", filename="bomb.docx"
    )
    message.add_attachment(b"%PDF-1.4 garbage", maintype="application", subtype="pdf", filename="broken.pdf")
    path = _write(tmp_path, "m.eml", message)
    started = time.monotonic()
    doc = load_document(path, max_bytes=1_000_000)
    assert time.monotonic() - started < 5
    assert "The pears sold well in March." in full_text(doc)
    assert any(w.startswith("attachment bomb.docx: looks like a zip bomb") for w in doc.warnings), (
        doc.warnings
    )
    assert any(w.startswith("attachment broken.pdf: ") for w in doc.warnings), doc.warnings
    assert "bomb.docx" in part(doc, "") and "broken.pdf" in part(doc, "")


def test_attachments_beyond_the_size_limit_are_skipped() -> None:
    # MIME only ever grows attachments (base64), so the budget is checked on the model directly.
    mail = Mail(
        body="body words", attachments=[Attachment(f"big{n}.txt", data=b"word " * 40_000) for n in range(3)]
    )
    doc = render_mails([("", mail)], max_bytes=450_000)
    assert [p.part for p in doc.pages if p.part] == ["big0.txt", "big1.txt"]
    assert any(w.startswith("attachment big2.txt: skipped") for w in doc.warnings)
    assert "big2.txt" in doc.pages[0].text


def test_nested_messages_are_labelled_and_depth_is_bounded(tmp_path: Path) -> None:
    inner = _mail("Level 30", "deepest words")
    for level in range(29, 0, -1):
        outer = _mail(f"Level {level}", f"words of level {level}")
        outer.add_attachment(inner)
        inner = outer
    started = time.monotonic()
    doc = load_document(_write(tmp_path, "nested.eml", inner))
    assert time.monotonic() - started < 5
    assert "words of level 2" in part(doc, "Level 2.eml")
    assert "words of level 3" in part(doc, "Level 2.eml › Level 3.eml")
    assert "deepest words" not in full_text(doc)
    assert any(f"nested more than {MAX_NESTING} deep" in w for w in doc.warnings)


def test_empty_mail_is_refused(tmp_path: Path) -> None:
    raw = b"From: a@example.com\r\nTo: b@example.com\r\nDate: Tue, 05 Mar 2024 10:15:00 +0900\r\n\r\n\r\n"
    with pytest.raises(LoadError, match="no text found"):
        load_document(_write(tmp_path, "empty.eml", raw))


def test_malformed_boundary_still_yields_text(tmp_path: Path) -> None:
    raw = (
        b"From: a@example.com\r\nSubject: Broken\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="declared"\r\n\r\n'
        b"--actual\r\nContent-Type: text/plain\r\n\r\nThe real body text.\r\n--actual--\r\n"
    )
    assert "The real body text." in full_text(load_document(_write(tmp_path, "b.eml", raw)))


def test_legacy_korean_charset_labels_decode_as_cp949(tmp_path: Path) -> None:
    body = "똠방각하 보고서".encode("cp949")
    raw = (
        b"From: a@example.com\r\nSubject: =?ks_c_5601-1987?B?" + __import__("base64").b64encode("똠 제목".encode("cp949"))
        + b"?=\r\nContent-Type: text/plain; charset=euc-kr\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + body
    )  # fmt: skip
    text = full_text(load_document(_write(tmp_path, "k.eml", raw)))
    assert "Subject: 똠 제목" in text and "똠방각하 보고서" in text


def test_mbox_duplicate_labels_are_disambiguated(tmp_path: Path) -> None:
    one = b"From x Mon Jan  1 00:00:00 2024\n" + _mail("Same", "first body").as_bytes() + b"\n"
    two = b"From x Mon Jan  1 00:00:00 2024\n" + _mail("Same", "second body").as_bytes() + b"\n"
    doc = load_document(_write(tmp_path, "box.mbox", one + two))
    assert "first body" in part(doc, "Same (2024-03-05)")
    assert "second body" in part(doc, "Same (2024-03-05) #2")


def test_temp_folder_is_private_and_removed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[tuple[Path, int]] = []
    real_mkdtemp = tempfile.mkdtemp

    def spy(*args: object, **kwargs: object) -> str:
        folder = real_mkdtemp(*args, **kwargs)  # type: ignore[arg-type]
        made.append((Path(folder), os.stat(folder).st_mode & 0o777))
        return folder

    monkeypatch.setattr(tempfile, "mkdtemp", spy)
    message = _mail()
    message.add_attachment(b"attached words", maintype="text", subtype="plain", filename="notes.txt")
    doc = load_document(_write(tmp_path, "m.eml", message))
    assert "attached words" in part(doc, "notes.txt")
    assert made and all(mode == 0o700 and not folder.exists() for folder, mode in made)


def test_safe_filename() -> None:
    assert safe_filename("../../etc/passwd", "", 1) == "passwd"
    assert safe_filename("C:\\Users\\x\\report.pdf", "", 1) == "report.pdf"
    assert safe_filename("a\x00b.pdf", "", 1) == "a_b.pdf"
    assert safe_filename("..", "application/pdf", 3) == "attachment-3.pdf"
    assert safe_filename("", "message/rfc822", 2) == "attachment-2.eml"


# --- RTF ------------------------------------------------------------------------------------------


def _lzfu(body: bytes, raw_size: int | None = None) -> bytes:
    """Literals only, then the end marker: a valid compressed-RTF stream ([MS-OXRTFCP])."""
    out = bytearray()
    for start in range(0, len(body), 8):
        out.append(0)
        out += body[start : start + 8]
    end = (len(lzfu._PREBUF) + len(body)) % 4096
    if len(body) % 8 == 0:
        out.append(1)
    else:
        out[-(len(body) % 8) - 1] = 1 << (len(body) % 8)
    out += struct.pack(">H", end << 4)
    return struct.pack("<IIII", len(out) + 12, raw_size or len(body), 0x75465A4C, 0) + bytes(out)


def test_lzfu_spec_example() -> None:
    example = bytes.fromhex(
        "2d0000002b0000004c5a4675f1c5c7a703000a007263706731323542320af32068656c090020627705b06c647d0a800fa0"
    )
    assert decompress_rtf(example, 1000) == b"{\\rtf1\\ansi\\ansicpg1252\\pard hello world}\r\n"
    assert decompress_rtf(_lzfu(b"{\\rtf1 plain words}"), 1000) == b"{\\rtf1 plain words}"


def test_rtf_code_pages_unicode_and_html() -> None:
    korean = b"{\\rtf1\\ansi\\ansicpg949{\\fonttbl{\\f0 Gulim;}}\\f0 \\'8cc\\'b9\\'e6 \\u54620?\\par next}"
    assert rtf_to_text(korean, 1000).text == "똠방 한\nnext"
    assert rtf_to_text(b"{\\rtf1 smile \\u-10179?\\u-8694?!}", 100).text == "smile \U0001f60a!"
    japanese = (
        b"{\\rtf1\\ansi\\ansicpg1252{\\fonttbl{\\f1\\fcharset128 MS Gothic;}}\\f1 \\'93\\'fa\\'96\\'7b}"
    )
    assert rtf_to_text(japanese, 1000).text == "日本"
    html = (
        b"{\\rtf1\\ansi\\fromhtml1 {\\*\\htmltag64 <p>}\\htmlrtf {\\b \\htmlrtf0 Hello "
        b"{\\*\\htmltag84 <b>}world{\\*\\htmltag92 </b>}\\htmlrtf }\\htmlrtf0 {\\*\\htmltag72 </p>}}"
    )
    converted = rtf_to_text(html, 1000)
    assert converted.html and converted.text == "<p>Hello <b>world</b></p>"


def test_huge_rtf_is_capped_fast() -> None:
    # Every token a reference: 17 bytes out per 2 bytes in, declared size 4 GB.
    refs, written = bytearray(), len(lzfu._PREBUF)
    for _ in range(300_000):
        refs.append(0xFF)
        for _ in range(8):
            refs += struct.pack(">H", ((written + 1) % 4096) << 4 | 0xF)  # never the end marker
            written += 17
    hostile = struct.pack("<IIII", len(refs) + 12, 0xFFFFFFFF, 0x75465A4C, 0) + refs
    started = time.monotonic()
    with pytest.raises(Truncated) as caught:
        decompress_rtf(hostile, 4_000_000)
    assert len(caught.value.partial) == 4_000_000
    big = b"{\\rtf1 " + b"word " * 2_000_000 + b"}"
    converted = rtf_to_text(big, 100_000)
    assert converted.truncated and len(converted.text) <= 100_000
    assert time.monotonic() - started < 5


# --- hostile input, each format -----------------------------------------------------------------

EXTS = (".eml", ".mbox", ".msg")


@pytest.mark.parametrize("ext", EXTS)
def test_zero_byte_file(tmp_path: Path, ext: str) -> None:
    with pytest.raises(LoadError, match="empty file"):
        load_document(_write(tmp_path, "z" + ext, b""))


@pytest.mark.parametrize("ext", EXTS)
def test_random_bytes(tmp_path: Path, ext: str) -> None:
    data = random.Random(7).randbytes(200_000)
    started = time.monotonic()
    with pytest.raises(LoadError, match="not an|no text|binary"):
        load_document(_write(tmp_path, "r" + ext, data))
    assert time.monotonic() - started < 5


@needs_data
@pytest.mark.parametrize(
    "name", ["eml/markitdown-test-attachment.eml", "mbox/ko-sample.mbox", "msg/msg-in-msg.msg"]
)
def test_truncated_file(tmp_path: Path, name: str) -> None:
    data = (OFFICE / name).read_bytes()
    for cut in (len(data) // 2, 600, 40):
        path = _write(tmp_path, "t" + Path(name).suffix, data[:cut])
        started = time.monotonic()
        try:
            doc = load_document(path)
        except LoadError as exc:
            assert str(exc)
        else:  # a cut-off mail keeps the text before the cut
            assert full_text(doc).strip()
        assert time.monotonic() - started < 5


@needs_data
def test_damaged_msg_attachment_data_is_a_reason(tmp_path: Path) -> None:
    data = bytearray((OFFICE / "msg/four-docx-attachments.msg").read_bytes())
    data[512:1536] = random.Random(3).randbytes(1024)  # the FAT/directory sectors
    try:
        doc = load_document(_write(tmp_path, "d.msg", bytes(data)))
    except LoadError as exc:
        assert "Outlook" in str(exc)
    else:
        assert full_text(doc)


def test_hash_lines_are_headings_only_where_the_part_is_markdown(tmp_path: Path) -> None:
    """A plain-text mail body's '#' lines stay text even when an attached Markdown file has headings."""
    from desktop_rag.core.ingest.chunking import Chunker

    message = _mail(body="# of pears sold: 40\n\nThe budget grew by a tenth.")
    message.add_attachment(
        b"# Budget\n\nThe budget grew.\n", maintype="text", subtype="markdown", filename="notes.md"
    )
    doc = load_document(_write(tmp_path, "m.eml", message))
    pages = [(p.number, p.text, p.part, p.unit, p.headings) for p in doc.pages]
    chunks = Chunker(lambda texts: [len(t.split()) + 2 for t in texts], 512, 200, 0).chunk_pages(pages, doc.headings)
    body = next(c for c in chunks if c.part == "")
    attached = next(c for c in chunks if c.part == "notes.md")
    assert body.heading_path == () and "# of pears sold: 40" in body.text
    assert attached.heading_path == ("Budget",)
