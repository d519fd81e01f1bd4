"""One finder per kind of personal data: a pattern for the candidates, then the validators and
the context labels decide which candidates are real."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from .labels import (
    _ACCOUNT_LABELS,
    _ACCOUNT_LABELS_STRICT,
    _BANK_AFTER,
    _CARD_LABELS,
    _IP_LABELS,
    _NOT_IP,
    _NOT_IP_AFTER,
    _NOT_IP_SUFFIX,
    _NOT_PERSONAL,
    _PHONE_LABELS,
    _RRN_LABELS,
    _after,
    _before,
    _nearest_label,
)
from .validators import card_issuer_known, iban_valid, luhn_valid, rrn_birth_date


@dataclass(frozen=True)
class Finding:
    kind: str  # one of KINDS
    start: int
    end: int
    text: str


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
