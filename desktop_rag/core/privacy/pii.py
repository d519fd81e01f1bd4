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

The finders live in ``detectors``, their checksums in ``validators``, the context words in ``labels``.
"""

from __future__ import annotations

import bisect
import logging

from .detectors import _FINDERS, Finding

KINDS = ("email", "phone", "rrn", "card", "account", "ip")
MASKS = {kind: f"[{kind.upper()}]" for kind in KINDS}
# Overlapping candidates: the first kind in this order wins, then the longer span.
_PRIORITY = {"email": 0, "ip": 1, "rrn": 2, "card": 3, "phone": 4, "account": 5}


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
