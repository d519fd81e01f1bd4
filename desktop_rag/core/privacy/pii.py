"""Find and mask personal data: e-mail addresses, phone numbers, Korean resident registration
numbers (주민등록번호 / 외국인등록번호), payment card numbers, bank account numbers (Korean formats and
IBAN) and IP addresses.

Pure Python (``re``). Each kind is found by a pattern and then validated, because the digits
alone are ambiguous: a card number must pass the Luhn check and start with a known issuer prefix,
a registration number must start with a real date, an IBAN must pass mod-97, an IP address must
not be a version number. Numbers right after a label that names something else ("주문번호",
"Order #", "Invoice", "ISBN", "IMEI", "사업자등록번호", "version", ...) are left alone; the label
closest to the number wins, so "주문자 연락처 010-..." is still a phone number. Bank account numbers
carry no checksum, so they need a bank name or an account label nearby.

Measured on benchmarks/data/pii_labelled.jsonl by ``python -m benchmarks.pii``.

    find_personal_data(text) -> [Finding(kind, start, end, text), ...]   # sorted, non-overlapping
    redact(text) -> "call [PHONE] or write to [EMAIL]"
    RedactingFilter()                                                    # for logging handlers
"""

from __future__ import annotations

import bisect
import datetime
import ipaddress
import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

KINDS = ("email", "phone", "rrn", "card", "account", "ip")
MASKS = {kind: f"[{kind.upper()}]" for kind in KINDS}
# Overlapping candidates: the first kind in this order wins, then the longer span.
_PRIORITY = {"email": 0, "ip": 1, "rrn": 2, "card": 3, "phone": 4, "account": 5}


@dataclass(frozen=True)
class Finding:
    kind: str  # one of KINDS
    start: int
    end: int
    text: str


def find_personal_data(text: str) -> list[Finding]:
    """Every piece of personal data in ``text``, sorted by position, without overlaps."""
    if not text:
        return []
    candidates = [f for finder in _FINDERS for f in finder(text)]
    candidates.sort(key=lambda f: (_PRIORITY[f.kind], -(f.end - f.start), f.start))
    starts: list[int] = []  # accepted findings, kept sorted by start
    taken: list[Finding] = []
    for f in candidates:
        i = bisect.bisect_left(starts, f.start)
        if (i > 0 and taken[i - 1].end > f.start) or (i < len(taken) and taken[i].start < f.end):
            continue
        starts.insert(i, f.start)
        taken.insert(i, f)
    return taken


def redact(text: str) -> str:
    """``text`` with each finding replaced by its kind's mask: [EMAIL], [PHONE], [RRN], [CARD], [ACCOUNT], [IP]."""
    findings = find_personal_data(text)
    if not findings:
        return text
    parts, pos = [], 0
    for f in findings:
        parts.append(text[pos : f.start])
        parts.append(MASKS[f.kind])
        pos = f.end
    parts.append(text[pos:])
    return "".join(parts)


class RedactingFilter(logging.Filter):
    """A handler filter that masks personal data in the formatted message, traceback and stack.

    It rewrites the record in place (message merged with its args), so handlers after this one
    see the masked text too.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: let the handler report it as usual
            return True
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


# -- validators ------------------------------------------------------------------------------
def luhn_valid(digits: str) -> bool:
    """The Luhn (mod-10) check used by payment cards (and IMEIs)."""
    if not digits.isdigit():
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def iban_valid(iban: str) -> bool:
    """ISO 13616 IBAN: country code, two check digits, mod-97 == 1, and the country's length where known."""
    compact = re.sub(r"\s", "", iban).upper()
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}", compact):
        return False
    expected = _IBAN_LENGTHS.get(compact[:2])
    if expected is not None and len(compact) != expected:
        return False
    return int("".join(str(int(c, 36)) for c in compact[4:] + compact[:4])) % 97 == 1


def rrn_birth_date(rrn: str) -> datetime.date | None:
    """Birth date of a resident (or foreigner) registration number, None if it is not a real date.

    The 7th digit gives sex and century: 1, 2, 5, 6 -> 1900s; 3, 4, 7, 8 -> 2000s (9 and 0, the
    1800s, are not accepted). The old check digit is not required: numbers issued since
    October 2020 do not follow it.
    """
    digits = re.sub(r"\D", "", rrn)
    if len(digits) != 13 or digits[6] not in "12345678":
        return None
    century = 1900 if digits[6] in "1256" else 2000
    try:
        born = datetime.date(century + int(digits[:2]), int(digits[2:4]), int(digits[4:6]))
    except ValueError:
        return None
    return born if born <= datetime.date.today() else None


def card_issuer_known(digits: str, domestic: bool = False) -> bool:
    """Does the number start with a known issuer prefix (IIN) and have that scheme's length?

    ``domestic``: also accept 16-digit Korean domestic-only cards (BC and others, prefix 9),
    which need a card label nearby because 9 is otherwise no scheme's prefix.
    """
    n = len(digits)
    if not 13 <= n <= 19:
        return False
    p2, p3, p4 = int(digits[:2]), int(digits[:3]), int(digits[:4])
    if digits[0] == "4":  # Visa
        return n in (13, 16, 19)
    if 51 <= p2 <= 55 or 2221 <= p4 <= 2720:  # Mastercard
        return n == 16
    if p2 in (34, 37):  # American Express
        return n == 15
    if p4 == 6011 or p2 == 65 or 644 <= p3 <= 649:  # Discover
        return n >= 16
    if 3528 <= p4 <= 3589:  # JCB
        return n >= 16
    if 300 <= p3 <= 305 or p2 in (36, 38, 39):  # Diners Club
        return n >= 14
    if p2 == 62 or p2 == 81:  # UnionPay
        return n >= 16
    if p2 == 50 or 56 <= p2 <= 69:  # Maestro and other debit
        return n >= 13
    if digits[0] == "9" and domestic:
        return n == 16
    return False


# -- context: the nearest label before a number ------------------------------------------------
def _words(*words: str) -> re.Pattern[str]:
    """Case-insensitive alternatives; ASCII words must stand alone (not inside another word)."""
    whole, prefix, other = [], [], []
    for w in sorted(set(words), key=len, reverse=True):
        p = re.escape(w).replace(r"\ ", r"\s*")
        starts, ends = bool(re.match(r"[A-Za-z]", w)), bool(re.search(r"[A-Za-z]$", w))
        (whole if starts and ends else prefix if starts else other).append(p)
    parts = []
    if whole:
        parts.append(rf"(?<![A-Za-z])(?:{'|'.join(whole)})(?![A-Za-z])")
    if prefix:
        parts.append(rf"(?<![A-Za-z])(?:{'|'.join(prefix)})")
    parts += other
    return re.compile("|".join(parts), re.IGNORECASE)


# Labels of numbers that are not personal data (order, invoice, tracking, product, company ids...).
_NOT_PERSONAL = _words(
    "order", "invoice", "inv", "receipt", "tracking", "track", "shipment", "waybill", "isbn", "issn", "sku",
    "part no", "part number", "part #", "serial", "s/n", "sn", "ref", "reference", "confirmation", "case no",
    "case number", "docket", "lot no", "lot number", "lot #", "batch", "imei", "meid", "barcode", "ean", "upc",
    "meeting id", "passcode", "product", "model", "ticket", "booking", "reservation", "patent", "transaction",
    "txn", "policy no", "coupon", "voucher", "promo", "routing", "aba", "sort code", "swift", "bic", "zip",
    "postal", "po box", "doi", "oid", "corporate", "business registration", "company registration",
    "주문", "송장", "운송장", "등기", "접수번호", "처방번호", "사업자", "법인", "특허", "출원", "상품", "제품",
    "모델", "시리얼", "일련번호", "바코드", "승인번호", "회의 id", "예약번호", "관리번호", "문서번호", "품번",
    "거래번호", "영수증", "쿠폰", "상품권", "우편번호", "사건번호", "고객번호", "회원번호", "학번", "사번",
)  # fmt: skip
_PHONE_LABELS = _words(
    "tel", "telephone", "phone", "call", "calls", "mobile", "cell", "fax", "contact", "dial", "reach", "whatsapp",
    "sms", "text me", "hotline", "전화", "연락", "휴대", "핸드폰", "폰", "팩스", "직통", "대표번호", "안심번호", "콜센터",
)  # fmt: skip
_CARD_LABELS = _words(
    "card", "credit", "debit", "visa", "mastercard", "amex", "discover", "jcb", "unionpay", "diners",
    "카드", "결제", "신용", "체크",
)  # fmt: skip
_BANKS_STRICT = (
    "은행", "뱅크", "bank", "신한", "농협", "축협", "신협", "수협", "우체국", "새마을금고", "새마을", "씨티", "SC제일",
    "케이뱅크", "카카오뱅크", "토스뱅크", "IBK", "KDB", "KEB", "저축", "증권", "Barclays",
    "HSBC", "Chase", "Citibank", "Wells Fargo", "Lloyds", "Santander",
)  # fmt: skip
# Bank names that are also everyday words (우리 "we", 하나 "one", 기업 "company", KB "kilobyte"...):
# trusted next to a dashed account-shaped number, or a plain one of 10+ digits that is no amount.
_BANKS_LOOSE = (
    "국민", "우리", "하나", "기업", "산업", "부산", "대구", "경남", "광주", "전북", "제주", "카카오", "토스", "KB", "NH", "SC",
)  # fmt: skip
_ACCOUNT_WORDS = ("account", "acct", "a/c", "iban", "계좌", "입금", "송금", "이체", "예금주", "환불")  # fmt: skip
_ACCOUNT_LABELS_STRICT = _words(*_ACCOUNT_WORDS, *_BANKS_STRICT)
_ACCOUNT_LABELS = _words(*_ACCOUNT_WORDS, *_BANKS_STRICT, *_BANKS_LOOSE)
_BANK_AFTER = _words("계좌", "예금주", *_BANKS_STRICT, *_BANKS_LOOSE)
_RRN_LABELS = _words(
    "주민", "주민등록", "주민번호", "외국인등록", "외국인번호", "rrn", "resident registration", "resident number",
    "registration no", "registration number",
)  # fmt: skip
_NOT_IP = _words(
    "version", "ver", "v", "build", "firmware", "kernel", "release", "rev", "revision", "chrome", "firefox",
    "section", "sec", "clause", "chapter", "oid", "§", "버전", "빌드", "펌웨어",
)  # fmt: skip
_IP_LABELS = _words(
    "ip", "ipv4", "address", "addr", "host", "server", "client", "src", "dst", "source", "destination", "from",
    "ping", "pinging", "dns", "gateway", "router", "proxy", "peer", "remote", "nameserver", "주소", "서버", "접속",
    "게이트웨이", "아이피",
)  # fmt: skip
_NOT_IP_AFTER = _words("버전", "version", "release", "build", "빌드")
_NOT_IP_SUFFIX = re.compile(r"[절항장판조]")  # "2.1.3.4절": a section number

_WINDOW = 32


def _before(text: str, start: int, window: int = _WINDOW) -> str:
    lo = max(0, start - window)
    newline = text.rfind("\n", lo, start)
    return text[newline + 1 if newline >= 0 else lo : start]


def _after(text: str, end: int, window: int = 12) -> str:
    chunk = text[end : end + window]
    return chunk.split("\n", 1)[0]


def _nearest_label(before: str, positive: re.Pattern[str] | None, negative: re.Pattern[str]) -> int:
    """+1 if the closest label before the number is a positive one, -1 if negative, 0 if none."""
    if before.rstrip().endswith("#"):  # "Order #123...", "#415-555-0132": an identifier
        return -1
    negs = [m.span() for m in negative.finditer(before)]
    last_neg = max((e for _, e in negs), default=-1)
    last_pos = -1
    if positive is not None:
        for m in positive.finditer(before):
            if not any(s < m.end() and m.start() < e for s, e in negs):
                last_pos = max(last_pos, m.end())
    if last_neg < 0 and last_pos < 0:
        return 0
    return 1 if last_pos > last_neg else -1


# -- finders -----------------------------------------------------------------------------------
# Numbers may touch Hangul ("010-1234-5678로") but not ASCII letters or digits, and must not be
# one piece of a longer dotted / dashed number or code ("978-89-01-12345-6", "1.3.6.1.4.1", a UUID).
_LB = r"(?<![0-9A-Za-z_])(?<![0-9][-.])(?<![A-Za-z]-)"
_RB = r"(?![0-9A-Za-z_])(?![-.][0-9])(?!-[A-Za-z])"


_EMAIL_RE = re.compile(
    r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9](?:[A-Za-z0-9._%+-]{0,62}[A-Za-z0-9_%+-])?"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+([A-Za-z]{2,24})(?![A-Za-z0-9-])"
)
_FILE_SUFFIXES = {
    "png", "jpg", "jpeg", "gif", "svg", "webp", "bmp", "ico", "tif", "tiff", "heic", "pdf", "txt", "md",
    "js", "ts", "css", "py", "json", "html", "htm", "xml", "zip", "mp3", "mp4", "wav",
}  # fmt: skip


def _emails(text: str) -> Iterator[Finding]:
    if "@" not in text:
        return
    for m in _EMAIL_RE.finditer(text):
        local = m.group(0).split("@", 1)[0]
        if ".." in local or m.group(1).lower() in _FILE_SUFFIXES:
            continue
        if re.match(r":[^\s\d]", text[m.end() : m.end() + 2]):  # git@github.com:owner/repo: SSH, not mail
            continue
        yield Finding("email", m.start(), m.end(), m.group(0))


_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
# Not part of a longer token: "5.15.0.105-generic", "ip-10-0-0-1", "1.3.6.1.4.1".
_IPV4_RE = re.compile(
    rf"(?<![0-9A-Za-z_.])(?<![0-9A-Za-z]-)({_OCTET}(?:\.{_OCTET}){{3}})(?![0-9A-Za-z_])(?!\.[0-9])(?!-[0-9A-Za-z])"
    r"(?:/(\d{1,3})(?![0-9]))?"
)
_IPV6_RE = re.compile(
    r"(?<![0-9A-Za-z_:.])((?:[0-9A-Fa-f]{1,4}|:)?:(?:[0-9A-Fa-f]{0,4}:){1,7}"
    r"(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9A-Fa-f]{1,4})?)(?![0-9A-Za-z_:])(?!\.[0-9])"
)


def _ips(text: str) -> Iterator[Finding]:
    for m in _IPV4_RE.finditer(text):
        before = _before(text, m.start(), 20)
        label = _nearest_label(before, _IP_LABELS, _NOT_IP)
        if label < 0:
            continue
        if label == 0 and all(len(octet) == 1 for octet in m.group(1).split(".")):
            continue  # "3.1.4.1": a section number unless labelled ("DNS 1.1.1.1", "ping 8.8.8.8")
        after = _after(text, m.end())
        if _NOT_IP_AFTER.match(after.lstrip()) or _NOT_IP_SUFFIX.match(after):
            continue
        if m.group(2) and _is_network(m.group(1), m.group(2)):  # 10.0.0.0/8: a range, not a host
            continue
        yield Finding("ip", m.start(), m.start() + len(m.group(1)), m.group(1))
    if "::" in text or text.count(":") >= 7:
        for m in _IPV6_RE.finditer(text):
            value = m.group(1)
            if value.count(":") < 2 or ("::" not in value and value.count(":") != 7):
                continue
            try:
                ipaddress.IPv6Address(value)
            except ValueError:
                continue
            if sum(c.isalnum() for c in value) < 3 or not any(c.isdigit() for c in value):
                continue  # "::", "a::1", "cafe::babe": code, not an address
            yield Finding("ip", m.start(), m.end(), value)


def _is_network(address: str, prefix: str) -> bool:
    try:
        network = ipaddress.ip_network(f"{address}/{prefix}", strict=True)
    except ValueError:
        return False
    return network.prefixlen < network.max_prefixlen


_S = r"(?:[ \u00a0]?-[ \u00a0]?|[. \u00a0])"  # separator inside a phone number: "-", " - ", ".", " "
_KR_AREA = r"(?:2|3[1-3]|4[1-4]|5[1-5]|6[1-4]|70|80|50[2-8])"
# Korean nationwide business numbers: 1588-1234, 1577-8899, 1644-0000
_NATIONWIDE_RE = re.compile(rf"{_LB}(1(?:5[2-9]|6[0-9]|8[0-9])\d-\d{{4}}){_RB}")
# International: +1 415-555-0132, +44 20 7946 0958, +1 (212) 555-0198 (and the odd "+01-819-...")
# (groups after the first need a separator or a closing parenthesis, so digits split only one way)
_INTERNATIONAL_RE = re.compile(
    rf"(?<![0-9A-Za-z+])(\+0?(?!82)[1-9]\d{{0,14}}(?:{_S}?\(\d{{1,5}}\))?(?:(?:{_S}|(?<=\))){_S}?\d{{1,8}}){{0,6}})"
    r"(?![0-9A-Za-z_])"
)
_PHONE_RES = [
    # Korean mobile: 010-1234-5678, 010 1234 5678, 010.1234.5678, 010 - 1234 - 5678, 01012345678, 011-123-4567
    re.compile(rf"{_LB}(01[016789](?P<s>{_S}?)\d{{3,4}}(?P=s)\d{{4}}){_RB}"),
    # the same with a parenthesis after the prefix, as Korean forms write it: 010)1234-5678
    re.compile(rf"{_LB}(01[016789]\)[ \u00a0]?\d{{3,4}}{_S}\d{{4}}){_RB}"),
    # Korean area codes, 070 (internet), 080 (toll free), 050x (safe numbers):
    # 02-123-4567, (02) 555-1234, 02)3456-7890
    re.compile(
        rf"{_LB}((?:0{_KR_AREA}(?P<s>{_S})|\(?0{_KR_AREA}\)[ \u00a0]?)\d{{3,4}}(?(s)(?P=s)|{_S})\d{{4}}){_RB}"
    ),
    _NATIONWIDE_RE,
    # +82: +82 10-1234-5678, +82-2-2123-4567, +821012345678, (+82) 10 1234 5678, +82 (0)2 3456 7890
    re.compile(
        rf"(?<![0-9A-Za-z])(\(?\+82\)?{_S}?(?:\(0\){_S}?)?0?(?:1[016789]|{_KR_AREA})"
        rf"(?P<s>{_S}?)\d{{3,4}}(?P=s)\d{{4}}){_RB}"
    ),
    _INTERNATIONAL_RE,
    # North American without the "+": (415) 555-0132, 415-555-0132, 415.555.0132, 1-800-555-0199
    re.compile(
        r"(?<![0-9A-Za-z_#+])(?<![0-9][-.])"
        r"((?:1[-. ])?(?:\([2-9]\d\d\)[ \u00a0]?|[2-9]\d\d[-.])[2-9]\d\d[-.]\d{4})" + _RB
    ),
]


def _phones(text: str) -> Iterator[Finding]:
    for pattern in _PHONE_RES:
        for m in pattern.finditer(text):
            start, value = m.start(1), m.group(1)
            if pattern is _NATIONWIDE_RE and _looks_like_range(value):
                continue
            if re.search(r"0000\D?0000$", value):  # 010-0000-0000: a placeholder
                continue
            if pattern is _INTERNATIONAL_RE:
                value = _trim_international(value)
                if value is None:
                    continue
            if _nearest_label(_before(text, start), _PHONE_LABELS, _NOT_PERSONAL) < 0:
                continue
            yield Finding("phone", start, start + len(value), value)


def _looks_like_range(value: str) -> bool:
    """1600-1650 (years), 1588-1601 (pages) rather than a 1588-xxxx business number."""
    first, second = (int(x) for x in value.split("-"))
    return 0 < second - first <= 400


def _trim_international(value: str) -> str | None:
    """A plausible number or None: 8-15 digits; +1 numbers have 10 digits after the country code
    (more digits are text after the number: "+1 415-555-0132 2 weeks")."""
    value = value.rstrip(" .-\u00a0")
    if value.count(")") > value.count("("):
        value = value.rstrip(")")
    digits = re.sub(r"\D", "", value).removeprefix("0")
    if digits.startswith("1"):
        if len(digits) < 11:
            return None
        count = 0
        for j, ch in enumerate(value):  # cut after the 11th digit (the "0" of "+01" not counted)
            if ch.isdigit() and not (count == 0 and ch == "0"):
                count += 1
                if count == 11:
                    value = value[: j + 1]
                    break
        return value
    if not 8 <= len(digits) <= 15 or not value[-1].isdigit():
        return None
    return value


_RRN_RE = re.compile(
    r"(?<![0-9A-Za-z_])(?<![0-9][-.])(\d{6})(?:(?P<dash>[ ]?[-\u2010-\u2013][ ]?)|(?P<space>[ ]?))([1-8]\d{6})"
    + _RB
)


def _rrns(text: str) -> Iterator[Finding]:
    for m in _RRN_RE.finditer(text):
        if rrn_birth_date(m.group(1) + m.group(4)) is None:
            continue
        label = _nearest_label(_before(text, m.start()), _RRN_LABELS, _NOT_PERSONAL)
        if label < 0 or (not m.group("dash") and label <= 0):  # no dash: only right after a label
            continue
        yield Finding("rrn", m.start(), m.end(), m.group(0))


_CARD_RES = [
    re.compile(
        r"(?<![0-9A-Za-z_])(?<![0-9][- ])(\d{4}(?P<s>[- ])\d{4}(?P=s)\d{4}(?P=s)\d{4}(?:(?P=s)\d{3})?)(?![0-9A-Za-z_])(?![- ]\d{4})(?!-\d)"
    ),
    re.compile(
        r"(?<![0-9A-Za-z_])(?<![0-9][- ])(\d{4}(?P<s>[- ])\d{6}(?P=s)\d{4,5})(?![0-9A-Za-z_])(?![- ]\d{4})(?!-\d)"
    ),
    re.compile(r"(?<![0-9A-Za-z_])(?<![0-9][-.])(\d{13,19})" + _RB),
]


def _cards(text: str) -> Iterator[Finding]:
    for pattern in _CARD_RES:
        for m in pattern.finditer(text):
            digits = re.sub(r"\D", "", m.group(1))
            if not luhn_valid(digits) or len(set(digits)) == 1:
                continue
            label = _nearest_label(_before(text, m.start(1)), _CARD_LABELS, _NOT_PERSONAL)
            if label < 0 or not card_issuer_known(digits, domestic=label > 0):
                continue
            yield Finding("card", m.start(1), m.end(1), m.group(1))


# Korean accounts: 10-14 digits in 2-4 dashed groups (110-123-456789, 1002-123-456789,
# 123-456789-01-234, 3333-01-2345678), or a plain run of 8-14 digits right after an account label.
_ACCOUNT_DASHED_RE = re.compile(rf"{_LB}(\d{{2,6}}(?:-\d{{1,7}}){{1,3}}){_RB}")
_ACCOUNT_PLAIN_RE = re.compile(rf"{_LB}(\d{{8,14}}){_RB}")
_AMOUNT_AFTER = re.compile(r"\s?(?:원|만|억|달러|won|krw|usd|\$|%)", re.IGNORECASE)
_IBAN_RE = re.compile(
    r"(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?(?![A-Za-z0-9])"
)


def _accounts(text: str) -> Iterator[Finding]:
    for m in _ACCOUNT_DASHED_RE.finditer(text):
        if not 10 <= sum(c.isdigit() for c in m.group(1)) <= 14:
            continue
        label = _nearest_label(_before(text, m.start()), _ACCOUNT_LABELS, _NOT_PERSONAL)
        if label < 0 or (label == 0 and not _BANK_AFTER.match(_after(text, m.end()).lstrip(" (["))):
            continue
        yield Finding("account", m.start(), m.end(), m.group(1))
    for m in _ACCOUNT_PLAIN_RE.finditer(text):
        before = _before(text, m.start(), 24)
        if _nearest_label(before, _ACCOUNT_LABELS_STRICT, _NOT_PERSONAL) > 0 or (
            len(m.group(1)) >= 10
            and _nearest_label(before, _ACCOUNT_LABELS, _NOT_PERSONAL) > 0
            and not _AMOUNT_AFTER.match(_after(text, m.end()))
        ):
            yield Finding("account", m.start(), m.end(), m.group(1))
    for m in _IBAN_RE.finditer(text):
        value = m.group(0)
        while value and not iban_valid(value):  # "... 7034 BANK": drop words caught after the IBAN
            value = value[: max(value.rfind(" "), 0)]
        if value:
            yield Finding("account", m.start(), m.start() + len(value), value)


_FINDERS: list[Callable[[str], Iterator[Finding]]] = [_emails, _ips, _rrns, _cards, _accounts, _phones]

# IBAN length per country (SWIFT registry), for the countries most likely to appear.
_IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AT": 20, "BE": 16, "BG": 22, "BH": 22, "BR": 29, "CH": 21, "CY": 28, "CZ": 24,
    "DE": 22, "DK": 18, "EE": 20, "ES": 24, "FI": 18, "FR": 27, "GB": 22, "GR": 27, "HR": 21, "HU": 28,
    "IE": 22, "IL": 23, "IS": 26, "IT": 27, "KW": 30, "KZ": 20, "LI": 21, "LT": 20, "LU": 20, "LV": 21,
    "MC": 27, "MT": 31, "NL": 18, "NO": 15, "PK": 24, "PL": 28, "PT": 25, "QA": 29, "RO": 24, "RS": 22,
    "SA": 24, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "TR": 26, "UA": 29,
}  # fmt: skip
