"""Guards against a Qt binding that corrupts Python's reference counts (PySide6 6.12.0 on 3.11)."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QWidget


def test_void_qt_calls_do_not_leak_references_to_none(qtbot):
    # PySide6 6.12.0 lost one reference to None per call returning nothing; on Python 3.11
    # (None not yet immortal) the app then aborts with "deallocating None".
    widget = QWidget()
    qtbot.addWidget(widget)
    before = sys.getrefcount(None)
    for _ in range(2000):
        widget.update()
    assert abs(sys.getrefcount(None) - before) < 100
