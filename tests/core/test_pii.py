"""Personal data is found and masked: each kind in Korean and English text, the near misses that
must stay, the validators, the logging filter, and the labelled benchmark set as a regression guard."""

from __future__ import annotations

import json
import logging
import logging.handlers

import pytest

from benchmarks.data import make_pii_set
from benchmarks.pii import DEFAULT_SET, Report, load_set, score
from desktop_rag.core.logs import setup_logging
from desktop_rag.core.privacy.pii import Finding, RedactingFilter, find_personal_data, redact
from desktop_rag.core.privacy.validators import card_issuer_known, iban_valid, luhn_valid, rrn_birth_date


def kinds(text: str) -> list[tuple[str, str]]:
    return [(f.kind, f.text) for f in find_personal_data(text)]


# -- each kind, Korean and English --------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("입사 서류는 jieun.kim@hanmail.net으로 보내 주세요.", [("email", "jieun.kim@hanmail.net")]),
        ("Please write to Kim.Jisoo+hr@Example.co.uk by Friday.", [("email", "Kim.Jisoo+hr@Example.co.uk")]),
        ("문의는 010-3482-7716로 연락 주세요.", [("phone", "010-3482-7716")]),
        ("비상연락망: 010.7788.9900, 01098765432", [("phone", "010.7788.9900"), ("phone", "01098765432")]),
        ("TEL (02) 555-1234 / 경기 031-123-4567 / 1588-1234", [("phone", "(02) 555-1234"), ("phone", "031-123-4567"), ("phone", "1588-1234")]),
        ("해외에서는 +82 10-5555-1234로 카톡 주세요.", [("phone", "+82 10-5555-1234")]),
        ("Call +1 (212) 555-0198 or +44 20 7946 0958.", [("phone", "+1 (212) 555-0198"), ("phone", "+44 20 7946 0958")]),
        ("Call me on 415-555-0178 after 6pm.", [("phone", "415-555-0178")]),
        ("주민등록번호: 850612-1234567 / 외국인등록번호 920304-5123456", [("rrn", "850612-1234567"), ("rrn", "920304-5123456")]),
        ("RRN: 030915-3456789 (born 2003)", [("rrn", "030915-3456789")]),
        ("주민등록번호 9001011234567", [("rrn", "9001011234567")]),
        ("신한카드 4532-0151-1283-0366로 결제", [("card", "4532-0151-1283-0366")]),
        ("Charged to Amex 3782 822463 10005 on 2024-02-03.", [("card", "3782 822463 10005")]),
        ("BC카드 9409-1234-5678-9013 일시불", [("card", "9409-1234-5678-9013")]),
        ("국민은행 123456-78-901234 (예금주 최민수)", [("account", "123456-78-901234")]),
        ("카카오뱅크 3333-01-2345678 김하나", [("account", "3333-01-2345678")]),
        ("기업은행 123-456789-01-234로 입금", [("account", "123-456789-01-234")]),
        ("환불은 110-234-567890 (신한)으로", [("account", "110-234-567890")]),
        ("Direct deposit: Account No. 000123456789", [("account", "000123456789")]),
        ("Wire to IBAN DE89 3704 0044 0532 0130 00, BIC COBADEFFXXX.", [("account", "DE89 3704 0044 0532 0130 00")]),
        ("Refund to NL91ABNA0417164300 initiated.", [("account", "NL91ABNA0417164300")]),
        ("IP 주소 121.134.22.9에서 접근", [("ip", "121.134.22.9")]),
        ("Failed login from 203.0.113.45:443", [("ip", "203.0.113.45")]),
        ("peer fe80::1ff:fe23:4567:890a dropped", [("ip", "fe80::1ff:fe23:4567:890a")]),
        ("client ::ffff:192.0.2.128 at [2001:db8::1]:8080", [("ip", "::ffff:192.0.2.128"), ("ip", "2001:db8::1")]),
    ],
)
def test_finds_each_kind(text, expected):
    assert kinds(text) == expected


# -- near misses ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "회의는 2024-01-15 14:30, 제출 기한 2024.01.15 18:00까지",
        "Dates: 15.01.2024 – 20.01.2024, call duration 00:12:45",
        "주문번호 2024011512345 상품이 출고되었습니다.",
        "Order #123-456-7890 has shipped.",
        "Invoice #415-555-0132 is overdue.",
        "주문번호 4000-1234-1234-1234 결제 대기 중",  # Luhn-valid, but an order number
        "운송장번호 6071-2345-6789 (CJ대한통운)",
        "ISBN 978-89-01-12345-6, 정가 18,000원",
        "Upgrade to version 1.2.3.4; 1.0.0.1 버전부터 지원; Build 4.18.0.240",
        "Firmware v10.0.19045.2965, Kernel 5.15.0.105-generic",
        "The OID 1.3.6.1.4.1.311.21.8; see section 2.1.3.4; Paragraph 3.1.4.1 Hydrography",
        "총 금액 1,234,567원, Revenue $3,400,000",
        "서울 강남구 테헤란로 152 (우편번호 06236), CA 94043-1351",
        "See pages 123-145; the manuscript dates from 1588-1603.",
        "사업자등록번호 123-45-67890, 법인등록번호: 110111-2345678",
        "Lot number 240115-9876543; 접수번호 241332-1000123",  # RRN shape: 9 first / month 13
        "바코드 8801043012345, IMEI: 490154203237518",
        "Meeting ID: 812 3456 7890; MAC 00:1A:2B:3C:4D:5E; std::vector; cafe::babe; 12:30:45",
        "Use icon@2x.png; npm install lodash@4.17.21; @property; git@github.com:owner/repo.git",
        "Card ending in 1234; 주민등록번호 형식: YYMMDD-NNNNNNN",
        "IP range 10.0.0.0/8 is private; 999.999.999.999 is not an address",
        "UUID 3f2a1b4c-1648-5320-9a7b-0c1d2e3f4a5b, 전화번호 형식: 010-0000-0000",
    ],
)
def test_near_misses_are_left_alone(text):
    assert find_personal_data(text) == []


def test_the_closest_label_decides():
    # "주문자" names an order, but the closer label says the number is a phone
    assert kinds("주문자: 김영희 / 배송지 연락처: 010-3030-4040 / 주문번호 2024051712345") == [("phone", "010-3030-4040")]
    # bank account wanted next to a bank, not next to a business registration label
    assert kinds("우리 회사 사업자등록번호 123-456-789012") == []
    assert kinds("우리은행 123-456-789012") == [("account", "123-456-789012")]


def test_a_single_digit_dotted_quad_needs_a_network_label():
    assert kinds("3.1.4.1 Point Events") == []
    assert kinds("DNS 1.1.1.1, ping 8.8.8.8") == [("ip", "1.1.1.1"), ("ip", "8.8.8.8")]


# -- validators --------------------------------------------------------------------------------
def test_luhn():
    assert luhn_valid("4111111111111111") and luhn_valid("378282246310005") and luhn_valid("5105105105105100")
    assert not luhn_valid("4111111111111112") and not luhn_valid("1234567812345678") and not luhn_valid("12a4")
    # one wrong digit: not a card
    assert kinds("VISA 4111 1111 1111 1112") == []


def test_card_issuer_prefix_and_length():
    assert card_issuer_known("4111111111111111") and card_issuer_known("378282246310005")
    assert not card_issuer_known("37828224631000")  # Amex is 15 digits
    assert not card_issuer_known("356938035643809")  # JCB range but 15 digits: an IMEI
    assert not card_issuer_known("9409123456789013") and card_issuer_known("9409123456789013", domestic=True)


def test_rrn_date_validity():
    assert rrn_birth_date("850612-1234567").isoformat() == "1985-06-12"
    assert rrn_birth_date("030915-3456789").isoformat() == "2003-09-15"
    assert rrn_birth_date("920304-5123456").isoformat() == "1992-03-04"  # foreigner, 1900s
    assert rrn_birth_date("000229-3123456").isoformat() == "2000-02-29"  # leap day
    assert rrn_birth_date("010229-3123456") is None  # 2001 was not a leap year
    assert rrn_birth_date("901301-1234567") is None  # month 13
    assert rrn_birth_date("900101-9234567") is None  # 9: the 1800s
    assert rrn_birth_date("900101-0234567") is None
    assert rrn_birth_date("991231-3234567") is None  # born in 2099: in the future
    # the old check digit is not required (numbers since 2020 don't carry it)
    assert kinds("주민등록번호 900101-1234560") == [("rrn", "900101-1234560")]


def test_rrn_without_dash_needs_a_label():
    assert kinds("주민등록번호 900101 1234567") == [("rrn", "900101 1234567")]
    assert kinds("번호 9001011234567") == []


def test_iban():
    assert iban_valid("DE89 3704 0044 0532 0130 00") and iban_valid("GB29NWBK60161331926819")
    assert iban_valid("FR14 2004 1010 0505 0001 3M02 606")
    assert not iban_valid("DE89 3704 0044 0532 0130 01")  # check digits
    assert not iban_valid("DE89 3704 0044 0532 0130")  # too short for Germany
    assert kinds("IBAN BE68 5390 0754 7034 BANK") == [("account", "BE68 5390 0754 7034")]


# -- masking -----------------------------------------------------------------------------------
def test_redact_replaces_each_finding_with_its_kind():
    text = "김지은 jieun.kim@hanmail.net / 010-3482-7716 / 850612-1234567 / 4111 1111 1111 1111 / 신한 110-234-567890 / 10.20.30.1"
    assert redact(text) == "김지은 [EMAIL] / [PHONE] / [RRN] / [CARD] / 신한 [ACCOUNT] / [IP]"
    assert redact("nothing here, 2024-01-15") == "nothing here, 2024-01-15"
    assert redact("") == ""


def test_findings_are_sorted_and_disjoint():
    text = "Failed login for d.nguyen@contoso.com from 203.0.113.45, call +1 415-555-0132 or 010-1234-5678."
    found = find_personal_data(text)
    assert [f.kind for f in found] == ["email", "ip", "phone", "phone"]
    assert all(a.end <= b.start for a, b in zip(found, found[1:], strict=False))
    assert all(text[f.start : f.end] == f.text for f in found)
    assert isinstance(found[0], Finding)


def test_long_inputs_stay_fast():
    import time

    began = time.perf_counter()
    for text in ("+1" + "1" * 80 + "a", "-".join(["12"] * 5000), "010 1234 5678 " * 2000, "1" * 20000):
        find_personal_data(text)
    assert time.perf_counter() - began < 5


# -- logging -----------------------------------------------------------------------------------
def _record(msg, *args, exc_info=None):
    return logging.LogRecord("desktop_rag.test", logging.INFO, __file__, 1, msg, args, exc_info)


def test_logging_filter_masks_message_and_arguments():
    record = _record("sent answer to %s (from %s)", "kim@example.com", "10.0.0.5")
    assert RedactingFilter().filter(record) is True
    assert record.getMessage() == "sent answer to [EMAIL] (from [IP])"


def test_logging_filter_masks_tracebacks():
    try:
        raise ValueError("bad row: 010-1234-5678")
    except ValueError:
        import sys

        record = _record("import failed", exc_info=sys.exc_info())
    RedactingFilter().filter(record)
    formatted = logging.Formatter().format(record)
    assert "[PHONE]" in formatted and "010-1234-5678" not in formatted


@pytest.fixture
def clean_log_handlers():
    root = logging.getLogger("desktop_rag")
    saved = list(root.handlers)
    for h in saved:
        root.removeHandler(h)
    yield root
    for h in list(root.handlers):
        root.removeHandler(h)
        h.close()
    for h in saved:
        root.addHandler(h)


def test_setup_logging_redacts_the_file_only_when_asked(tmp_path, clean_log_handlers):
    path = setup_logging(tmp_path, redact=True)
    log = logging.getLogger("desktop_rag.test")
    log.info("user %s asked", "kim@example.com")
    setup_logging(tmp_path, redact=False)  # switching the setting off again
    log.info("user %s asked", "lee@example.com")
    handler = next(h for h in clean_log_handlers.handlers if isinstance(h, logging.handlers.RotatingFileHandler))
    handler.flush()
    content = path.read_text(encoding="utf-8")
    assert "user [EMAIL] asked" in content and "kim@example.com" not in content
    assert "lee@example.com" in content
    assert len([h for h in clean_log_handlers.handlers if isinstance(h, logging.handlers.RotatingFileHandler)]) == 1


# -- the labelled set: a regression guard ------------------------------------------------------
def test_labelled_set_is_in_sync_with_its_generator():
    rows = load_set()
    assert rows == json.loads(json.dumps(make_pii_set.build(), ensure_ascii=False))
    assert len(rows) >= 150
    negatives = sum(not r["spans"] for r in rows)
    assert 0.35 <= negatives / len(rows) <= 0.5
    assert {s["kind"] for r in rows for s in r["spans"]} == {"email", "phone", "rrn", "card", "account", "ip"}


def test_precision_and_recall_on_the_labelled_set():
    report = score(load_set(DEFAULT_SET))
    overall = Report.total(report.exact)
    assert overall.precision >= 0.95 and overall.recall >= 0.95, (report.misses, report.false_alarms)
    for kind, counts in report.exact.items():
        assert counts.precision >= 0.9 and counts.recall >= 0.9, (kind, counts)
    assert report.masking.precision >= 0.95 and report.masking.recall >= 0.95
