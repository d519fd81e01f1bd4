"""UI language: English source strings, Korean translations, following the system locale.

Every user-visible string in desktop_rag/ui goes through ``tr("English text")``; a test checks
that each has a Korean translation in ``KOREAN``.
"""

from __future__ import annotations

KOREAN: dict[str, str] = {}

_language = "en"


def set_language(choice: str) -> str:
    """``auto`` follows the system locale; returns the language in effect ("en" or "ko")."""
    global _language
    if choice == "auto":
        from PySide6.QtCore import QLocale

        choice = "ko" if QLocale.system().language() == QLocale.Language.Korean else "en"
    _language = "ko" if choice == "ko" else "en"
    return _language


def current_language() -> str:
    return _language


def tr(text: str) -> str:
    """``text`` in the current UI language (English when no translation exists)."""
    if _language == "ko":
        return KOREAN.get(text, text)
    return text
