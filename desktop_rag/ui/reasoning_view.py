"""A reasoning model's <think> text under its answer: collapsed behind a "Show reasoning" button,
never mixed into the answer (the answer and its citations are checked without it)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QToolButton, QVBoxLayout, QWidget

from .i18n import tr


class ReasoningView(QWidget):
    """Hidden while there is no reasoning; a toggle shows or hides the text."""

    def __init__(self) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.toggle = QToolButton()
        self.toggle.setCheckable(True)
        self.toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.toggle.setArrowType(Qt.ArrowType.RightArrow)
        self.toggle.setText(tr("Show reasoning"))
        self.toggle.setAutoRaise(True)
        self.toggle.toggled.connect(self._toggled)
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.PlainText)
        self.text.setProperty("role", "muted")
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.text.hide()
        layout.addWidget(self.toggle)
        layout.addWidget(self.text)
        self.hide()

    def set_reasoning(self, text: str) -> None:
        self.text.setText(text)
        self.setVisible(bool(text.strip()))

    def _toggled(self, shown: bool) -> None:
        self.text.setVisible(shown)
        self.toggle.setArrowType(Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow)
        self.toggle.setText(tr("Hide reasoning") if shown else tr("Show reasoning"))
