"""Fixtures shared by the window tests."""

from __future__ import annotations

import pytest

from desktop_rag.ui.i18n import current_language, set_language


@pytest.fixture
def english():
    """The English UI for one test, whatever the machine's locale; restored afterwards."""
    before = current_language()
    set_language("en")
    yield
    set_language(before)
