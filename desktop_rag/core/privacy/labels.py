"""Context around a number: label words before it that say what it is ("연락처", "account") or
is not ("주문번호", "Order #", "version"); the nearest label wins."""

from __future__ import annotations

import re


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
