"""Checksums and plausibility checks that tell personal data from look-alike numbers: Luhn,
IBAN mod-97, a real birth date in a registration number, known card issuer prefixes."""

from __future__ import annotations

import datetime
import re


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



# IBAN length per country (SWIFT registry), for the countries most likely to appear.
_IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AT": 20, "BE": 16, "BG": 22, "BH": 22, "BR": 29, "CH": 21, "CY": 28, "CZ": 24,
    "DE": 22, "DK": 18, "EE": 20, "ES": 24, "FI": 18, "FR": 27, "GB": 22, "GR": 27, "HR": 21, "HU": 28,
    "IE": 22, "IL": 23, "IS": 26, "IT": 27, "KW": 30, "KZ": 20, "LI": 21, "LT": 20, "LU": 20, "LV": 21,
    "MC": 27, "MT": 31, "NL": 18, "NO": 15, "PK": 24, "PL": 28, "PT": 25, "QA": 29, "RO": 24, "RS": 22,
    "SA": 24, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "TR": 26, "UA": 29,
}  # fmt: skip
